/*
 * landlock.h - the Landlock checks the file syscalls call (syscalls/landlock.c).
 * Each returns 0 at once when the calling thread is not restricted, else 0
 * or -EACCES (-EXDEV for a forbidden reparenting; -ENOMEM).  Lookups are as
 * vfs_lookup left them: lk->path is the canonical path of lk->node, or of
 * the directory that would hold lk->last when the last component is missing.
 */
#ifndef SOLO_LANDLOCK_H
#define SOLO_LANDLOCK_H

#include "fs/vfs_impl.h"

struct landlock_domain;

/* Is the calling thread restricted (it may not mount or unmount: EPERM)? */
bool landlock_restricted(void);
/* Creating lk->last (vnode kind VN_RAMFILE, VN_DIR, VN_LINK, or VN_NODE of
 * type mode) in lk->path: MAKE_*. */
int landlock_make(const struct lookup *lk, u8 kind, u32 mode);
/* Opening lk's object (file type mode) with open flags: READ_FILE or
 * READ_DIR, WRITE_FILE, TRUNCATE for O_TRUNC of an existing regular file.
 * *notrunc: ftruncate must be refused on the file (TRUNCATE not granted).
 * O_TMPFILE: lk is the directory, mode S_IFREG and created true. */
int landlock_open(const struct lookup *lk, int flags, u32 mode, bool created, bool *notrunc);
/* bind(2) of a UNIX socket to path (absolute; abstract names start with
 * NUL and pass): MAKE_SOCK in the directory that would hold it. */
int landlock_bind_unix(const char *path);
/* bind(2) (connect false) or connect(2) of a socket (family, type,
 * protocol as created) to the address addr[0..len) (kernel copy): BIND_TCP
 * or CONNECT_TCP on its port for TCP sockets; -EINVAL and -EAFNOSUPPORT
 * for malformed addresses, as Linux's Landlock hook. */
int landlock_net(int family, int type, int protocol, const u8 *addr, u32 len, bool connect);
/* truncate(2) of lk's object: TRUNCATE. */
int landlock_truncate(const struct lookup *lk);
/* unlink (REMOVE_FILE) or rmdir (REMOVE_DIR) of lk's object. */
int landlock_remove(const struct lookup *lk, bool dir);
/* rename of ok's object to nk (nmiss: a new name in nk's directory). */
int landlock_rename(const struct lookup *ok, const struct lookup *nk, bool nmiss);
/* link of ok's object as nk->last in nk's directory. */
int landlock_link(const struct lookup *ok, const struct lookup *nk);

#endif
