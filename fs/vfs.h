/*
 * vfs.h - the kernel's file layer: open file descriptions, the fd table and
 * path resolution over the mounted TFS root plus special files (/dev, /proc).
 * Used by the fs syscalls and by the loader and mmap (which read files).
 */
#ifndef SOLO_VFS_H
#define SOLO_VFS_H

#include "runtime/kernel.h"
#include "runtime/lib/tuple.h"
#include "runtime/drivers/blockdev.h"

struct file;

/* Mount the TFS volume on d as /, set up /dev, /proc and the std fds 0,1,2
 * (0 reads EOF for now, 1 and 2 write to the console). 0 or -errno (logged). */
int fs_init(struct blockdev *d);
struct tuple *fs_manifest(void);               /* the image's manifest tuple */
void fs_sync_all(void);                        /* flush everything (sync) */
void fs_exit(void);                            /* at exit: free unlinked files in use, flush everything */

/* Kernel-internal open (path relative to the cwd); O_* flags as in Linux. */
int vfs_open(const char *path, int flags, int mode, struct file **out);
long file_pread(struct file *f, void *buf, size_t n, u64 off);    /* bytes or -errno */
long file_size(struct file *f);                /* bytes, or -errno for non-regular files */
void file_get(struct file *f);
void file_mark_mapped(struct file *f);       /* a page-cache mapping uses f (vm.c) */
void file_put(struct file *f);
struct file *fd_file(int fd);                  /* borrowed reference, NULL if fd is not open */
const char *vfs_exe_path(void);                /* absolute path of the program (/proc/self/exe) */

/* A read-only file whose contents are produced when it is opened (/proc, /sys).
 * gen writes at most cap bytes into buf and returns the length it wanted (like
 * snprintf; the VFS retries with a bigger buffer when that exceeds cap) or -errno.
 * path is absolute, e.g. "/proc/self/maps"; parent directories appear as needed. */
typedef long (*vfs_gen_fn)(char *buf, size_t cap);
/* Output cursor for a generator: text beyond cap is counted, not written, so
 * len ends as the full length (what a vfs_gen_fn returns). */
struct out {
    char *buf;
    size_t cap, len;
};
void out_put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int vfs_register_generated(const char *path, vfs_gen_fn gen);   /* 0 or -ENOMEM/-EEXIST */

/* For mmap and /proc/self/maps (runtime/mm, syscalls/mm.c reference them
 * weakly until they exist): the open flags of f (O_ACCMODE bits, O_PATH...,
 * no O_CLOEXEC) and the canonical absolute path f was opened by, or NULL. */
int file_flags(struct file *f);
const char *file_path(struct file *f);
/* Files with their own mmap method (io_uring): whether f has one, and the
 * call (maps [addr, addr+len) with PROT_* prot at mmap offset off; 0 or -errno). */
bool file_has_mmap(struct file *f);
int file_mmap(struct file *f, u64 addr, u64 len, u32 prot, u64 off);
/* MADV_REMOVE's hole: fallocate(PUNCH_HOLE|KEEP_SIZE) of [off, off+len) of
 * f (syscalls/fs.c): 0, or -EOPNOTSUPP where the file system has no holes (TFS). */
int file_punch_hole(struct file *f, u64 off, u64 len);

/* Per-thread file system state: the cwd, the root and the umask (fs/vfs.c).
 * A new thread shares its creator's (CLONE_FS: fs_state_share) or gets a copy
 * (fs_state_copy, NULL on ENOMEM); an exiting thread puts its reference;
 * fs_state_unshare gives the caller its own copy if it shares one (0 or
 * -ENOMEM).  fs_umask/fs_set_umask are the caller's umask. */
struct fs_state;
struct fs_state *fs_state_current(void);
struct fs_state *fs_state_share(void);
struct fs_state *fs_state_copy(void);
void fs_state_put(struct fs_state *s);
int fs_state_unshare(void);
u32 fs_umask(void);
void fs_set_umask(u32 mask);

#endif
