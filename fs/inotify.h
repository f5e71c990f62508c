/*
 * inotify.h - the fsnotify hooks through which the file layer reports
 * changes to inotify instances (fs/inotify.c) and fanotify groups
 * (fs/fanotify.c).  Each hook is an inline test of global counters (inotify
 * watches, fanotify marks), so the file calls pay nothing while no program
 * watches anything.  Files opened with nonotify (the fds fanotify hands to
 * its readers) report nothing, as Linux's FMODE_NONOTIFY.  Callers are fs/vfs.c (open,
 * last close), syscalls/fs.c (read/write family, truncate, getdents) and
 * syscalls/fs_path.c (namespace and attribute changes).
 */
#ifndef SOLO_INOTIFY_H
#define SOLO_INOTIFY_H

#include "fs/vfs_impl.h"

/* Linux's event bits (uapi/linux/inotify.h). */
#define IN_ACCESS 0x00000001
#define IN_MODIFY 0x00000002
#define IN_ATTRIB 0x00000004
#define IN_CLOSE_WRITE 0x00000008
#define IN_CLOSE_NOWRITE 0x00000010
#define IN_OPEN 0x00000020
#define IN_MOVED_FROM 0x00000040
#define IN_MOVED_TO 0x00000080
#define IN_CREATE 0x00000100
#define IN_DELETE 0x00000200
#define IN_DELETE_SELF 0x00000400
#define IN_MOVE_SELF 0x00000800
#define IN_ALL_EVENTS 0x00000fff
#define IN_UNMOUNT 0x00002000
#define IN_Q_OVERFLOW 0x00004000
#define IN_IGNORED 0x00008000
#define IN_ONLYDIR 0x01000000
#define IN_DONT_FOLLOW 0x02000000
#define IN_EXCL_UNLINK 0x04000000
#define IN_MASK_CREATE 0x10000000
#define IN_MASK_ADD 0x20000000
#define IN_ISDIR 0x40000000
#define IN_ONESHOT 0x80000000

extern int inotify_live;               /* watches in all instances */
extern int fanotify_live;              /* marks in all fanotify groups */
extern int fanotify_perm_live;         /* of those, marks asking for permission events */

/* fanotify's permission event bits (the others equal the IN_ bits). */
#define FAN_OPEN_PERM 0x00010000
#define FAN_ACCESS_PERM 0x00020000

/* Both back-ends: the event mask on the object open file f names. */
void fsnotify_file_event(struct file *f, u32 mask);
/* fanotify's part of a file event (fs/fanotify.c). */
void fanotify_file_event(struct file *f, u32 mask);
/* A permission event (FAN_OPEN_PERM before node n is opened by path with
 * flags, FAN_ACCESS_PERM before f is read): blocks until every listening
 * group answered.  0 or -EPERM. */
int fanotify_open_perm(struct node n, const char *path, int flags);
int fanotify_access_perm(struct file *f);
/* Object n was deleted: fanotify drops its marks on it. */
void fanotify_node_gone(struct node n);
/* Register /proc/sys/fs/fanotify (called by inotify_proc_init). */
void fanotify_proc_init(void);
/* fanotify's events that need FAN_REPORT_FID groups (fs/fanotify.c):
 * a directory entry event (mask FAN_CREATE, FAN_DELETE, FAN_MOVED_FROM or
 * FAN_MOVED_TO) on entry name of directory dir (canonical path dpath, may
 * be NULL) naming child; FAN_RENAME of child from odir/oname to
 * ndir/nname; an event on n itself that its directory does not see
 * (FAN_DELETE_SELF, FAN_MOVE_SELF, the link count's FAN_ATTRIB; isdir
 * says what n was, as a deleted object may not say); an attribute change
 * of n (ATTRIB, MODIFY, ACCESS), which its directory sees too. */
void fanotify_dirent_event(struct node dir, const char *dpath, const char *name, struct node child,
                           u32 mask);
void fanotify_rename_event(struct node odir, const char *opath, const char *oname, struct node ndir,
                           const char *nname, struct node child);
void fanotify_self_event(struct node n, const char *path, u32 mask, bool isdir);
void fanotify_node_event(struct node n, const char *path, u32 mask);
/* n's last name may go now (unlink, rmdir, rename over it): fanotify
 * keeps its handle for the events that follow. */
void fanotify_removing(struct node n);
/* The directory naming object n (canonical path: path) and the name, as
 * inotify finds them: 0 when there is none.  *lk (freed by the caller) may
 * be allocated, and *name may point into it. */
bool fsnotify_parent_of(struct node n, const char *path, struct node *dir, const char **name,
                        struct lookup **lk);

/* Event mask on the object an open file names (and on its directory's
 * watches, with its name).  Nothing for O_PATH files. */
void inotify_file_event(struct file *f, u32 mask);
/* Event mask on node n, whose canonical path is path (may be NULL). */
void inotify_node_event(struct node n, const char *path, u32 mask);
/* A new entry: path is its canonical path, n the new object. */
void inotify_created(const char *path, struct node n);
/* A new hard link name in directory dir to object n. */
void inotify_linked(struct node dir, const char *name, struct node n);
/* The entry path (object n) was removed by unlink (dir false) or rmdir. */
void inotify_removed(const char *path, struct node n, bool dir);
/* A rename succeeded: ok names the old entry, nk the new one (rn: the new
 * name's lookup result; -ENOENT with missing_last when it did not exist). */
void inotify_renamed(struct lookup *ok, struct lookup *nk, int rn);
/* The last reference to an open file is gone (after its release): the
 * object may have gone with it. */
void inotify_released(struct file *f);
/* Register the files of /proc/sys/fs/inotify (called by procfs_init). */
void inotify_proc_init(void);

static inline void fsnotify_file(struct file *f, u32 mask)
{
    if ((inotify_live | fanotify_live) != 0 && !f->nonotify)
        fsnotify_file_event(f, mask);
}

/* Before node n is opened (not O_PATH): FAN_OPEN_PERM.  0 or -EPERM. */
static inline int fsnotify_open_perm(struct node n, const char *path, int flags)
{
    return fanotify_perm_live > 0 ? fanotify_open_perm(n, path, flags) : 0;
}

/* Before a read of f: FAN_ACCESS_PERM.  0 or -EPERM. */
static inline int fsnotify_access_perm(struct file *f)
{
    return fanotify_perm_live > 0 && !f->nonotify ? fanotify_access_perm(f) : 0;
}

/* An attribute change (fsnotify_change): inotify, and fanotify's groups
 * that report file handles. */
static inline void fsnotify_node(struct node n, const char *path, u32 mask)
{
    if (inotify_live > 0 && mask != 0)
        inotify_node_event(n, path, mask);
    if (fanotify_live > 0 && mask != 0)
        fanotify_node_event(n, path, mask);
}

static inline void fsnotify_removing(struct node n)
{
    if (fanotify_live > 0)
        fanotify_removing(n);
}

/* A read or write of f that returned r: ACCESS/MODIFY when bytes moved.
 * Returns r, so calls can wrap a return value. */
static inline long fsnotify_rw(struct file *f, long r, u32 mask)
{
    if (r > 0)
        fsnotify_file(f, mask);
    return r;
}

#endif
