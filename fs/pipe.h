/*
 * pipe.h - what fs/pipe.c lends splice, tee and vmsplice (syscalls/splice.c):
 * direct access to a pipe's ring.
 *
 * A caller moving bytes between a pipe and something that may block first
 * takes the pipe with pipe_lock_data (to read from it) or pipe_lock_room (to
 * write into it); while it holds the pipe no one else reads, writes or
 * resizes it, so the pointers from pipe_data_ptr/pipe_room_ptr stay valid
 * and the data seen stays there until pipe_consume.  The holder must keep a
 * reference on a file of the pipe and call pipe_unlock when done.
 */
#ifndef SOLO_PIPE_H
#define SOLO_PIPE_H

#include "fs/vfs_impl.h"

struct pipe;

struct pipe *pipe_of(struct file *f);  /* the pipe behind f (either end), or NULL */

/* Wait for data and take p: 0 (taken, data there), 1 at EOF (empty, no
 * writer; not taken), -EAGAIN (nonblock and empty), -EINTR. */
int pipe_lock_data(struct pipe *p, bool nonblock);
/* Wait for room and take p: 0 (taken), -EPIPE (no reader), -EAGAIN, -EINTR. */
int pipe_lock_room(struct pipe *p, bool nonblock);
void pipe_unlock(struct pipe *p);

/* Held pipe: *ptr to the oldest data; returns how many bytes are contiguous there. */
size_t pipe_data_ptr(struct pipe *p, const u8 **ptr);
void pipe_consume(struct pipe *p, size_t n);          /* drop n bytes of data */
/* Held pipe: *ptr to free room after the data; returns its contiguous size. */
size_t pipe_room_ptr(struct pipe *p, u8 **ptr);
void pipe_commit(struct pipe *p, size_t n);           /* n bytes written at the room */

/* Copy up to n bytes from in to out (in != out), blocking as Linux's
 * splice/tee between pipes; consume: take them out of in (splice) or leave
 * them (tee).  Bytes, 0 at EOF, -EPIPE, -EAGAIN, -EINTR. */
long pipe_splice_pipe(struct pipe *in, struct pipe *out, size_t n, bool nonblock, bool consume);

#endif
