/*
 * locks.h - advisory file locks (fs/locks.c): flock locks, owned by an open
 * file description; open-file-description byte-range locks (fcntl F_OFD_*),
 * owned the same way; and classic process-associated byte-range locks
 * (fcntl F_SETLK), owned by solo's one process.
 */
#ifndef SOLO_LOCKS_H
#define SOLO_LOCKS_H

#include "runtime/kernel.h"

struct file;

#define LK_RD 0                        /* shared (F_RDLCK, LOCK_SH) */
#define LK_WR 1                        /* exclusive (F_WRLCK, LOCK_EX) */
#define LK_UN 2                        /* unlock */
#define LK_END_MAX 0x7fffffffffffffffULL   /* a range to the end of the file */

/* flock: take (LK_RD/LK_WR) or drop (LK_UN) f's lock; a conflict waits
 * unless nonblock (-EWOULDBLOCK, i.e. -EAGAIN).  0, -EAGAIN or -EINTR. */
int lock_flock(struct file *f, int type, bool nonblock);

/* A byte-range lock [start, end] for f: ofd picks an open-file-description
 * lock (else the process's).  A conflict waits when wait (else -EAGAIN). */
int lock_range_set(struct file *f, bool ofd, int type, u64 start, u64 end, bool wait);
/* The first lock that would conflict with *type on [*start, *end]: 1 and
 * its type, range and owner pid (-1 for an open-file-description lock), or
 * 0 when none does. */
int lock_range_test(struct file *f, bool ofd, int *type, u64 *start, u64 *end, int *pid);

/* An fd of f was closed: the process's byte-range locks on its file go. */
void locks_fd_closed(struct file *f);
/* f's last reference went: its flock and open-file-description locks go. */
void locks_file_released(struct file *f);

#endif
