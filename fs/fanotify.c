/*
 * fanotify.c - fanotify groups: fanotify_init makes a file whose reads return
 * struct fanotify_event_metadata records, each carrying a new fd of the
 * object the event is about, fanotify_mark manages the group's marks on
 * objects (inodes), mounts and file systems, and writes answer permission
 * events (FAN_OPEN_PERM, FAN_ACCESS_PERM), on which the thread that opens or
 * reads blocks until every listening group answered.
 *
 * Events come from the hooks of fs/inotify.h.  A group reporting fds gets
 * only events of open files (open, close, read, write) on regular files
 * and directories, as on Linux.  A group reporting file handles
 * (FAN_REPORT_FID and the other FID modes) also gets attribute changes,
 * directory entry events (on the directory, about a named entry: create,
 * delete, moves, FAN_RENAME) and events on an object only (DELETE_SELF,
 * MOVE_SELF, the link count's ATTRIB); its events carry FAN_NOFD and info
 * records (struct fanotify_event_info_fid: type, fsid as statfs's f_fsid,
 * the handle AT_HANDLE_FID encodes, a name), chosen per group flags as
 * Linux's fanotify_alloc_event does, and made when the event is queued.
 * For each group the marks that match the event (on the object, on the
 * directory naming it, on its mount, on its file system) are combined as
 * Linux's fanotify_group_event_mask does: a mark on the directory counts
 * only with FAN_EVENT_ON_CHILD, any mark on an event about a directory only
 * with FAN_ONDIR, ignore masks (legacy FAN_MARK_IGNORED_MASK or FAN_MARK_IGNORE
 * with its own event flags) are taken out, and a FAN_MODIFY clears the
 * ignore masks that do not survive modification.
 *
 * Queue rules follow Linux: an event merges into a queued event of the same
 * object (node and path; in FID modes: the same records, kind of event and
 * FAN_RENAME or not), pid and kind (directory or not), except permission
 * events; at 16384 queued events (without FAN_UNLIMITED_QUEUE)
 * new events are dropped and one FAN_Q_OVERFLOW event is queued.  The fd an
 * event reports is opened (without fsnotify events, as FMODE_NONOTIFY) when
 * the event is queued, so the object stays alive as Linux's event keeps its
 * path; the read installs it with the group's event_f_flags.
 *
 * A permission event is owned by the thread waiting on it; the group holds
 * it on its queue and, once read, on its access list until a response names
 * its fd.  Closing the group allows every pending one.
 *
 * Invariant: fanotify_live counts the marks of all groups and
 * fanotify_perm_live those asking for permission events, so the hooks return
 * at once while they are 0.
 */
#include "fs/inotify.h"
#include "syscalls/syscalls.h"
#include "syscalls/misc.h"
#include "syscalls/signal_impl.h"

/* fanotify_init flags (uapi/linux/fanotify.h) */
#define FAN_CLOEXEC 0x1
#define FAN_NONBLOCK 0x2
#define FAN_CLASS_NOTIF 0x0
#define FAN_CLASS_CONTENT 0x4
#define FAN_CLASS_PRE_CONTENT 0x8
#define FAN_CLASS_BITS 0xc
#define FAN_UNLIMITED_QUEUE 0x10
#define FAN_UNLIMITED_MARKS 0x20
#define FAN_REPORT_PIDFD 0x80
#define FAN_REPORT_TID 0x100
#define FAN_REPORT_FID 0x200
#define FAN_REPORT_DIR_FID 0x400
#define FAN_REPORT_NAME 0x800
#define FAN_REPORT_TARGET_FID 0x1000
#define FID_BITS (FAN_REPORT_FID | FAN_REPORT_DIR_FID | FAN_REPORT_NAME | FAN_REPORT_TARGET_FID)
#define ADMIN_INIT_FLAGS (FAN_CLASS_CONTENT | FAN_CLASS_PRE_CONTENT | FAN_REPORT_TID | \
                          FAN_REPORT_PIDFD | FAN_UNLIMITED_QUEUE | FAN_UNLIMITED_MARKS)
#define INIT_FLAGS (ADMIN_INIT_FLAGS | FID_BITS | FAN_CLOEXEC | FAN_NONBLOCK)
#define EVENT_F_BITS (O_ACCMODE | O_APPEND | O_NONBLOCK | 04000000 | O_DSYNC | O_CLOEXEC | \
                      O_LARGEFILE | O_NOATIME)

/* fanotify_mark flags */
#define FAN_MARK_ADD 0x1
#define FAN_MARK_REMOVE 0x2
#define FAN_MARK_DONT_FOLLOW 0x4
#define FAN_MARK_ONLYDIR 0x8
#define FAN_MARK_MOUNT 0x10
#define FAN_MARK_IGNORED_MASK 0x20
#define FAN_MARK_IGNORED_SURV_MODIFY 0x40
#define FAN_MARK_FLUSH 0x80
#define FAN_MARK_FILESYSTEM 0x100
#define FAN_MARK_EVICTABLE 0x200
#define FAN_MARK_IGNORE 0x400
#define MARK_TYPE_BITS (FAN_MARK_MOUNT | FAN_MARK_FILESYSTEM)
#define MARK_CMD_BITS (FAN_MARK_ADD | FAN_MARK_REMOVE | FAN_MARK_FLUSH)
#define MARK_IGNORE_BITS (FAN_MARK_IGNORED_MASK | FAN_MARK_IGNORE)
#define MARK_FLAGS (MARK_TYPE_BITS | MARK_CMD_BITS | FAN_MARK_DONT_FOLLOW | FAN_MARK_ONLYDIR | \
                    MARK_IGNORE_BITS | FAN_MARK_IGNORED_SURV_MODIFY | FAN_MARK_EVICTABLE)

/* event bits (equal to the IN_ bits where both have them) */
#define FAN_ACCESS 0x1
#define FAN_MODIFY 0x2
#define FAN_CLOSE_WRITE 0x8
#define FAN_CLOSE_NOWRITE 0x10
#define FAN_OPEN 0x20
#define FAN_OPEN_EXEC 0x1000
#define FAN_Q_OVERFLOW 0x4000
#define FAN_FS_ERROR 0x8000
#define FAN_OPEN_EXEC_PERM 0x40000
#define FAN_EVENT_ON_CHILD 0x08000000
#define FAN_RENAME 0x10000000
#define FAN_ONDIR 0x40000000
#define PATH_EVENTS (FAN_ACCESS | FAN_MODIFY | FAN_CLOSE_WRITE | FAN_CLOSE_NOWRITE | FAN_OPEN | \
                     FAN_OPEN_EXEC)
#define DIRENT_EVENTS (IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE | IN_DELETE | FAN_RENAME)
#define INODE_EVENTS (DIRENT_EVENTS | IN_ATTRIB | IN_MOVE_SELF | IN_DELETE_SELF)
#define PERM_EVENTS (FAN_OPEN_PERM | FAN_ACCESS_PERM | FAN_OPEN_EXEC_PERM)
#define FD_EVENTS (PATH_EVENTS | PERM_EVENTS)
#define EVENT_FLAGS (FAN_EVENT_ON_CHILD | FAN_ONDIR)
#define DIRONLY_BITS (DIRENT_EVENTS | EVENT_FLAGS)
#define VALID_MASK (PATH_EVENTS | INODE_EVENTS | FAN_FS_ERROR | EVENT_FLAGS | PERM_EVENTS)
#define EV_BITS (0x0007ffff | FAN_RENAME) /* event bits, without the event flags */

/* responses */
#define FAN_ALLOW 0x1
#define FAN_DENY 0x2
#define FAN_AUDIT 0x10
#define FAN_INFO 0x20

/* info records of groups reporting file handles (struct
 * fanotify_event_info_fid: header, fsid, struct file_handle, name) */
#define INFO_FID 1
#define INFO_DFID_NAME 2
#define INFO_DFID 3
#define INFO_OLD_DFID_NAME 10
#define INFO_NEW_DFID_NAME 12
#define FID_HDR 20                     /* header 4, fsid 8, handle_bytes and handle_type 8 */
#define FH_ROOM 16                     /* f_handle bytes solo encodes (12), with room */
#define INFO_MAX (3 * (FID_HDR + FH_ROOM + VFS_NAME_MAX + 4))

#define FAN_NOFD (-1)
#define METADATA_VERSION 3
#define META_LEN 24                    /* sizeof(struct fanotify_event_metadata) */
#define RESPONSE_LEN 8                 /* sizeof(struct fanotify_response) */
#define FIONREAD 0x541b
#define READ_CAP (64 * 1024 - 1)       /* see inotify.c */

/* Limits as /proc/sys/fs/fanotify reports them. */
#define MAX_QUEUED 16384
#define MAX_GROUPS 128
#define MAX_MARKS 8192

enum { MARK_INODE, MARK_MOUNT, MARK_SB };
/* How a mark matched an event (Linux's fsnotify_iter_type order); INODE2
 * is the new directory of a FAN_RENAME. */
enum { IT_INODE, IT_PARENT, IT_MOUNT, IT_SB, IT_INODE2, IT_COUNT };
/* What an event is: through an open file (path events), an attribute
 * change of an object, an event on an object only (not its directory's),
 * a directory entry event (on the directory, about an entry). */
enum { EV_FILE, EV_NODE, EV_SELF, EV_DIRENT };

#define MF_IGNORE_FLAGS 1              /* FAN_MARK_IGNORE used: ignore mask has own flags */
#define MF_SURV_MODIFY 2               /* ignore mask survives FAN_MODIFY */
#define MF_EVICTABLE 4

struct fgroup;

struct fmark {
    struct fmark *next;
    int type;                          /* MARK_* */
    struct node node;                  /* MARK_INODE */
    struct mount *mnt;                 /* MARK_MOUNT */
    u64 dev;                           /* MARK_SB: the file system's st_dev */
    u32 mask, ignore, flags;
    int fhlen;                         /* MARK_INODE: the object's handle (0: none), */
    s32 fhtype;                        /* kept for events after it is deleted */
    u8 fh[FH_ROOM];
};

struct fevent {
    struct fevent *next;
    u32 mask;                          /* event bits; FAN_ONDIR: about a directory */
    s32 pid;
    struct node node;
    char *path;                        /* canonical path (merging), or NULL */
    struct file *file;                 /* the fd to report (NULL: overflow, or err) */
    int err;                           /* why the fd could not be opened */
    bool perm;                         /* a permission event (owned by its waiter) */
    u32 answer;                        /* 0 while pending, FAN_ALLOW or FAN_DENY */
    int fd;                            /* once read: the reader's fd */
    struct waitq wq;                   /* the waiter */
    bool named;                        /* FAN_REPORT_*FID: a name event (else a fid event) */
    bool nomerge;                      /* a name event without a directory record */
    u32 info_len;                      /* its info records (after the metadata) */
    u8 *info;
};

struct fgroup {
    struct fgroup *next;
    u64 id;
    u32 flags, fflags;                 /* fanotify_init's flags and event_f_flags */
    int prio;                          /* 0 notification, 1 content, 2 pre-content */
    struct fmark *marks;
    struct fevent *head, *tail;
    u32 queued;
    bool overflow;                     /* the FAN_Q_OVERFLOW event is queued */
    struct fevent *access;             /* permission events read, awaiting a response */
    struct waitq q;                    /* blocked readers */
};

int fanotify_live, fanotify_perm_live;
static int charged_marks;              /* marks of groups without FAN_UNLIMITED_MARKS */
static struct fgroup *groups;
static int ngroups;
static u64 group_seq;

static struct vnode fan_vnode = { .name = "anon_inode:[fanotify]", .nops = &anon_inode_nops };

static bool node_eq(struct node a, struct node b)
{
    return a.v == b.v && a.id == b.id;
}

static bool is_fanotify(struct file *f)
{
    return f->node.v == &fan_vnode;
}

/* ---------------------------------------------------------------- marks */

static void live_add(struct fgroup *g, struct fmark *m, int d)
{
    fanotify_live += d;
    if ((m->mask & PERM_EVENTS) != 0)
        fanotify_perm_live += d;
    if ((g->flags & FAN_UNLIMITED_MARKS) == 0)
        charged_marks += d;
}

static void mark_drop(struct fgroup *g, struct fmark *m)
{
    struct fmark **pp = &g->marks;
    while (*pp != m)
        pp = &(*pp)->next;
    *pp = m->next;
    live_add(g, m, -1);
    kfree(m);
}

/* Change m's masks, keeping fanotify_perm_live right. */
static void mark_set(struct fmark *m, u32 mask, u32 ignore)
{
    fanotify_perm_live += ((mask & PERM_EVENTS) != 0) - ((m->mask & PERM_EVENTS) != 0);
    m->mask = mask;
    m->ignore = ignore;
}

void fanotify_node_gone(struct node n)
{
    for (struct fgroup *g = groups; g != NULL; g = g->next) {
        struct fmark *next;
        for (struct fmark *m = g->marks; m != NULL; m = next) {
            next = m->next;
            if (m->type == MARK_INODE && node_eq(m->node, n))
                mark_drop(g, m);
        }
    }
}

/* ---------------------------------------------------------------- matching */

/* What an event is about, with the parent directory and mount found once,
 * when a mark needs them. */
struct fctx {
    int kind;                          /* EV_* */
    struct node n;                     /* the inode it is on (EV_DIRENT: the directory) */
    const char *path;                  /* n's canonical path, or NULL */
    struct node obj;                   /* the object (EV_DIRENT: the entry's; else n) */
    bool isdir;                        /* the object is a directory (FAN_ONDIR) */
    bool regdir;                       /* a regular file or directory: fds can be reported */
    u64 dev;                           /* st_dev of the object's file system */
    const char *name;                  /* EV_DIRENT: the entry */
    bool has2;                         /* FAN_RENAME: the new directory and name */
    struct node n2;
    const char *name2;
    int parent_known;                  /* 0 not looked up, 1 found, -1 none */
    struct node parent;
    const char *pname;                 /* the object's name in parent */
    struct lookup *lk;
    bool mnt_known;
    struct mount *mnt;
};

/* dirhint: what n is when it cannot say (deleted), or -1: no event then. */
static bool ctx_init(struct fctx *c, int kind, struct node n, const char *path, int dirhint)
{
    struct kstat st;
    memset(c, 0, sizeof(*c));
    c->kind = kind;
    c->n = c->obj = n;
    c->path = path;
    if (node_stat(n, &st) == 0) {
        c->isdir = S_ISDIR(st.mode);
        c->regdir = S_ISREG(st.mode) || c->isdir;
        c->dev = st.dev;
        return true;
    }
    struct mount *m = path != NULL ? mount_at(path) : NULL;
    if (dirhint < 0 || m == NULL)
        return false;
    c->isdir = dirhint > 0;
    c->dev = m->dev;
    return true;
}

/* The directory naming the object (events through files and attribute
 * changes only: Linux's fsnotify_parent). */
static bool ctx_parent(struct fctx *c, struct node *out)
{
    if (c->parent_known == 0) {
        bool ok = (c->kind == EV_FILE || c->kind == EV_NODE) &&
                  fsnotify_parent_of(c->n, c->path, &c->parent, &c->pname, &c->lk);
        c->parent_known = ok ? 1 : -1;
    }
    *out = c->parent;
    return c->parent_known > 0;
}

static struct mount *ctx_mount(struct fctx *c)
{
    if (!c->mnt_known && c->path != NULL)
        c->mnt = mount_at(c->path);
    c->mnt_known = true;
    return c->mnt;
}

/* Does m apply to the event as iterator type it?  Mount marks see only
 * events through files (the others carry no path on Linux either). */
static bool mark_matches(struct fmark *m, struct fctx *c, int it)
{
    struct node p;
    struct mount *mnt;
    switch (it) {
    case IT_INODE:
        return m->type == MARK_INODE && node_eq(m->node, c->n);
    case IT_INODE2:
        return m->type == MARK_INODE && c->has2 && node_eq(m->node, c->n2);
    case IT_PARENT:
        return m->type == MARK_INODE && !node_eq(m->node, c->n) &&
               ((m->mask & FAN_EVENT_ON_CHILD) != 0 || m->ignore != 0) &&
               ctx_parent(c, &p) && node_eq(m->node, p);
    case IT_MOUNT:
        return m->type == MARK_MOUNT && c->kind == EV_FILE && (mnt = ctx_mount(c)) != NULL &&
               mnt == m->mnt;
    default:
        return m->type == MARK_SB && c->dev == m->dev;
    }
}

/* fsnotify_mask_applicable: a mark's mask counts for events on directories
 * only with FAN_ONDIR, for events on children only with FAN_EVENT_ON_CHILD. */
static bool applicable(u32 mask, bool isdir, int it)
{
    if (isdir && (mask & FAN_ONDIR) == 0)
        return false;
    return it != IT_PARENT || (mask & FAN_EVENT_ON_CHILD) != 0;
}

/* The ignore mask of m that applies (fsnotify_effective_ignore_mask). */
static u32 effective_ignore(struct fmark *m, bool isdir, int it)
{
    u32 ig = m->ignore & EV_BITS;
    if (ig == 0)
        return 0;
    if (!isdir && it != IT_PARENT)
        return ig;
    ig = m->ignore;
    if ((m->flags & MF_IGNORE_FLAGS) == 0) {
        /* legacy: ignore events on directories; on children when the mark
         * asks for them */
        ig = (ig | FAN_ONDIR) & ~FAN_EVENT_ON_CHILD;
        ig |= m->mask & FAN_EVENT_ON_CHILD;
    }
    return applicable(ig, isdir, it) ? ig & EV_BITS : 0;
}

static u32 fid_mode(struct fgroup *g)
{
    return g->flags & FID_BITS;
}

/* The events of mask group g reports for the event c, with FAN_ONDIR for
 * a directory in groups reporting file handles; *match: the iterator
 * types whose marks asked for it. */
static u32 group_mask(struct fgroup *g, struct fctx *c, u32 mask, u32 *match)
{
    u32 marks = 0, ignore = 0;
    *match = 0;
    if (fid_mode(g) == 0 && (c->kind != EV_FILE || !c->regdir))
        return 0;                      /* an fd group needs a path to a file or directory */
    for (struct fmark *m = g->marks; m != NULL; m = m->next) {
        bool cleared = false;
        for (int it = 0; it < IT_COUNT; it++) {
            if (!mark_matches(m, c, it))
                continue;
            if (!cleared && (mask & FAN_MODIFY) != 0 && (m->flags & MF_SURV_MODIFY) == 0)
                m->ignore = 0;
            cleared = true;
            ignore |= effective_ignore(m, c->isdir, it);
            if (applicable(m->mask, c->isdir, it)) {
                marks |= m->mask;
                *match |= 1U << it;
            }
        }
    }
    u32 r = mask & marks & ~ignore & EV_BITS;
    return r != 0 && fid_mode(g) != 0 && c->isdir ? r | FAN_ONDIR : r;
}

/* ---------------------------------------------------------------- info records */

/* Handles of objects about to be removed (fanotify_removing), for the
 * events after a TFS object is gone: its generation goes with it. */
#define DOOMED 4
static struct {
    struct node n;
    int len;
    s32 type;
    u8 fh[FH_ROOM];
} doomed[DOOMED];
static int doomed_next;

void fanotify_removing(struct node n)
{
    int i = doomed_next++ % DOOMED;
    doomed[i].n = n;
    doomed[i].len = MAX(fh_encode_fid(n, doomed[i].fh, &doomed[i].type), 0);
}

/* The handle of n: a mark's copy or one kept by fanotify_removing (so a
 * deleted object still has it), or a new encoding.  Its length, or
 * -errno. */
static int handle_of(struct node n, u8 *fh, s32 *type)
{
    for (int i = 0; i < DOOMED; i++) {
        if (doomed[i].len > 0 && node_eq(doomed[i].n, n)) {
            memcpy(fh, doomed[i].fh, (size_t)doomed[i].len);
            *type = doomed[i].type;
            return doomed[i].len;
        }
    }
    for (struct fgroup *g = groups; g != NULL; g = g->next) {
        for (struct fmark *m = g->marks; m != NULL; m = m->next) {
            if (m->type == MARK_INODE && m->fhlen > 0 && node_eq(m->node, n)) {
                memcpy(fh, m->fh, (size_t)m->fhlen);
                *type = m->fhtype;
                return m->fhlen;
            }
        }
    }
    return fh_encode_fid(n, fh, type);
}

/* Write at b a fanotify_event_info_fid record of type t for object n with
 * name (or NULL); its length, or 0 when n has no handle (no record, as
 * Linux leaves out a handle it cannot encode). */
static u32 put_fid(u8 *b, u8 t, u64 dev, struct node n, const char *name)
{
    u8 fh[FH_ROOM];
    s32 type, fsid[2] = { (s32)dev, 0 };
    int fl = handle_of(n, fh, &type);
    if (fl <= 0)
        return 0;
    size_t nl = name != NULL ? strlen(name) : 0;
    u32 hb = (u32)fl;
    u16 len = (u16)ALIGN_UP(FID_HDR + (size_t)fl + (nl > 0 ? nl + 1 : 0), (size_t)4);
    memset(b, 0, len);
    b[0] = t;
    memcpy(b + 2, &len, 2);
    memcpy(b + 4, fsid, 8);
    memcpy(b + 12, &hb, 4);
    memcpy(b + 16, &type, 4);
    memcpy(b + FID_HDR, fh, (size_t)fl);
    memcpy(b + FID_HDR + fl, name, nl);
    return len;
}

/* The info records g reports for event c of mask (match: see group_mask)
 * into e, chosen as Linux's fanotify_alloc_event and
 * copy_info_records_to_user do.  false: g does not report it (a group
 * with FAN_REPORT_DIR_FID but not FAN_REPORT_FID, and no directory). */
static bool event_records(struct fgroup *g, struct fctx *c, u32 mask, u32 match, struct fevent *e,
                          u8 *b)
{
    u32 fm = fid_mode(g);
    bool dirent = c->kind == EV_DIRENT, ondir = c->isdir;
    bool has_dir = false, has_child = false, name_ev = false, has_old = true, moved = false;
    struct node dir = { 0 }, id, dirid, child = { 0 };
    const char *fname = NULL;
    if (dirent) {
        dir = c->n;
        has_dir = true;
        fname = c->name;
    } else if (ctx_parent(c, &dir)) {
        has_dir = true;
        fname = c->pname;
    }
    if ((fm & FAN_REPORT_FID) == 0 && !has_dir && !ondir)
        return false;
    /* fanotify_fid_inode and fanotify_dfid_inode */
    id = dirent && (fm & FAN_REPORT_TARGET_FID) == 0 ? dir : c->obj;
    dirid = dirent || !ondir ? dir : c->obj;
    if ((fm & FAN_REPORT_DIR_FID) != 0 && (dirent || ondir || has_dir)) {
        bool want_child = dirent ? (fm & FAN_REPORT_TARGET_FID) != 0
                                 : (fm & FAN_REPORT_FID) != 0 && !ondir;
        if (want_child && !node_eq(id, dirid)) {
            child = id;
            has_child = true;
        }
        id = dirid;
        if ((fm & FAN_REPORT_NAME) == 0) {
            name_ev = has_child;
            fname = NULL;
        } else if (dirent || !ondir) {
            name_ev = true;
        }
        if ((mask & FAN_RENAME) != 0) {
            /* old and new parent+name as the marks that matched ask */
            u32 sb = 1U << IT_SB;
            if ((match & (sb | 1U << IT_INODE)) == 0) {
                has_old = false;
                fname = NULL;
            }
            moved = (match & (sb | 1U << IT_INODE2)) != 0;
        }
    }
    u32 len = 0;
    if (moved || (name_ev && (fname != NULL || has_child))) {
        e->named = true;
        e->nomerge = !has_old;
        if (has_old) {
            u8 t = (mask & FAN_RENAME) != 0 ? INFO_OLD_DFID_NAME : fname != NULL ? INFO_DFID_NAME : INFO_DFID;
            len += put_fid(b + len, t, c->dev, dirid, fname);
        }
        if (moved)
            len += put_fid(b + len, INFO_NEW_DFID_NAME, c->dev, c->n2, c->name2);
        if (has_child)                 /* a second record is always FID */
            len += put_fid(b + len, INFO_FID, c->dev, child, NULL);
    } else {
        /* a fid event: one record, its type from the group's flags */
        u8 t = INFO_FID;
        const char *dot = NULL;
        if (fm != FAN_REPORT_FID && (fm & FAN_REPORT_NAME) != 0 && ondir) {
            t = INFO_DFID_NAME;
            dot = ".";
        } else if (fm != FAN_REPORT_FID && (dirent || ondir)) {
            t = INFO_DFID;
        }
        len += put_fid(b + len, t, c->dev, id, dot);
    }
    e->info_len = len;
    if (len > 0) {
        e->info = kmalloc(len);
        if (e->info == NULL)
            return false;
        memcpy(e->info, b, len);
    }
    return true;
}

/* ---------------------------------------------------------------- the queue */

static s32 event_pid(struct fgroup *g)
{
    return (g->flags & FAN_REPORT_TID) != 0 ? current->tid : PID_SELF;
}

static void event_free(struct fevent *e)
{
    file_put(e->file);
    kfree(e->path);
    kfree(e->info);
    kfree(e);
}

static void append(struct fgroup *g, struct fevent *e)
{
    e->next = NULL;
    if (g->tail != NULL)
        g->tail->next = e;
    else
        g->head = e;
    g->tail = e;
    g->queued++;
    waitq_wake(&g->q, 1 << 30);
    vfs_poll_wake();
}

static struct fevent *dequeue(struct fgroup *g)
{
    struct fevent *e = g->head;
    g->head = e->next;
    if (g->head == NULL)
        g->tail = NULL;
    g->queued--;
    if (e->mask == FAN_Q_OVERFLOW && e->file == NULL && !e->perm && e->err == 0 && e->info_len == 0)
        g->overflow = false;
    return e;
}

static bool queue_full(struct fgroup *g)
{
    if ((g->flags & FAN_UNLIMITED_QUEUE) != 0 || g->queued < MAX_QUEUED)
        return false;
    if (!g->overflow) {
        struct fevent *e = kzalloc(sizeof(*e));
        if (e != NULL) {
            e->mask = FAN_Q_OVERFLOW;
            append(g, e);
            g->overflow = true;
        }
    }
    return true;
}

static bool same_path(const char *a, const char *b)
{
    return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

/* A new event (not yet queued) of mask on c for g, its fd opened (groups
 * reporting fds) or its info records made (match: see group_mask). */
static struct fevent *event_new(struct fgroup *g, struct fctx *c, u32 mask, u32 match)
{
    struct fevent *e = kzalloc(sizeof(*e));
    if (e == NULL)
        return NULL;
    e->mask = mask | (c->isdir ? FAN_ONDIR : 0);
    e->pid = event_pid(g);
    e->node = c->obj;
    e->fd = -1;
    waitq_init(&e->wq);
    if (fid_mode(g) != 0) {
        u8 *b = kmalloc(INFO_MAX);
        bool ok = b != NULL && event_records(g, c, mask, match, e, b);
        kfree(b);
        if (!ok) {
            event_free(e);
            return NULL;
        }
        return e;
    }
    if (c->path != NULL) {
        size_t len = strlen(c->path);
        e->path = kmalloc(len + 1);
        if (e->path == NULL) {
            kfree(e);
            return NULL;
        }
        memcpy(e->path, c->path, len + 1);
    }
    int r = node_open_nn(c->n, c->path, (int)g->fflags, true, &e->file);
    if (r < 0) {
        e->file = NULL;
        e->err = r;
    }
    return e;
}

/* Would Linux's fanotify_should_merge merge new event n into queued e? */
static bool mergeable(struct fgroup *g, struct fevent *e, struct fevent *n)
{
    if (e->perm || e->mask == FAN_Q_OVERFLOW || e->pid != n->pid ||
        (e->mask & FAN_ONDIR) != (n->mask & FAN_ONDIR))
        return false;
    if (fid_mode(g) == 0)
        return node_eq(e->node, n->node) && same_path(e->path, n->path);
    return (e->mask & FAN_RENAME) == (n->mask & FAN_RENAME) && e->named == n->named &&
           !e->nomerge && !n->nomerge && e->info_len == n->info_len &&
           memcmp(e->info, n->info, e->info_len) == 0;
}

/* Queue a notification event, merged as fanotify_merge does. */
static void notify(struct fgroup *g, struct fctx *c, u32 mask, u32 match)
{
    if (queue_full(g))
        return;
    struct fevent *n;
    if (fid_mode(g) == 0) {
        /* merge before opening the fd: compare the key without it */
        s32 pid = event_pid(g);
        u32 dir = c->isdir ? FAN_ONDIR : 0;
        for (struct fevent *e = g->head; e != NULL; e = e->next) {
            if (e->perm || e->mask == FAN_Q_OVERFLOW || e->pid != pid || !node_eq(e->node, c->n) ||
                (e->mask & FAN_ONDIR) != dir || !same_path(e->path, c->path))
                continue;
            e->mask |= mask;
            return;
        }
        n = event_new(g, c, mask, match);
    } else {
        n = event_new(g, c, mask, match);
        for (struct fevent *e = g->head; n != NULL && e != NULL; e = e->next) {
            if (!mergeable(g, e, n))
                continue;
            e->mask |= n->mask;
            event_free(n);
            return;
        }
    }
    if (n != NULL)                     /* Linux too drops an event it cannot allocate */
        append(g, n);
}

/* Every group's part of event c (the lookups c made are freed). */
static void dispatch(struct fctx *c, u32 mask)
{
    u32 match;
    for (struct fgroup *g = groups; g != NULL; g = g->next) {
        u32 m = group_mask(g, c, mask, &match);
        if (m != 0)
            notify(g, c, m, match);
    }
    lookup_free(c->lk);
}

void fanotify_file_event(struct file *f, u32 mask)
{
    struct fctx c;
    if ((f->flags & O_PATH) != 0 || (mask & PATH_EVENTS) == 0 ||
        !ctx_init(&c, EV_FILE, f->node, f->path, -1))
        return;
    dispatch(&c, mask);
}

void fanotify_node_event(struct node n, const char *path, u32 mask)
{
    struct fctx c;
    if (ctx_init(&c, EV_NODE, n, path, -1))
        dispatch(&c, mask & (IN_ATTRIB | IN_MODIFY | IN_ACCESS));
}

void fanotify_self_event(struct node n, const char *path, u32 mask, bool isdir)
{
    struct fctx c;
    if (ctx_init(&c, EV_SELF, n, path, isdir))
        dispatch(&c, mask);
}

void fanotify_dirent_event(struct node dir, const char *dpath, const char *name, struct node child,
                           u32 mask)
{
    struct fctx c;
    struct kstat st;
    if (!ctx_init(&c, EV_DIRENT, dir, dpath, 1))
        return;
    c.obj = child;
    c.name = name;
    c.isdir = (mask & IN_ISDIR) != 0 || (node_stat(child, &st) == 0 && S_ISDIR(st.mode));
    dispatch(&c, mask & ~(u32)IN_ISDIR);
}

void fanotify_rename_event(struct node odir, const char *opath, const char *oname, struct node ndir,
                           const char *nname, struct node child)
{
    struct fctx c;
    if (!ctx_init(&c, EV_DIRENT, odir, opath, 1))
        return;
    c.obj = child;
    c.name = oname;
    c.isdir = node_is_dir(child);
    c.has2 = true;
    c.n2 = ndir;
    c.name2 = nname;
    dispatch(&c, FAN_RENAME);
}

/* ---------------------------------------------------------------- permission events */

/* Ask g about c (mask: its events) and wait for the answer.  0 or -EPERM. */
static int ask(struct fgroup *g, struct fctx *c, u32 mask)
{
    if (queue_full(g))
        return 0;                      /* Linux drops it: the access is allowed */
    struct fevent *e = event_new(g, c, mask, 0);
    if (e == NULL)
        return 0;
    e->perm = true;
    append(g, e);
    while (e->answer == 0)
        waitq_wait(&e->wq, 0);
    int r = e->answer == FAN_DENY ? -EPERM : 0;
    event_free(e);
    return r;
}

/* Every group of content classes, highest priority first, that wants the
 * event; a group released while this thread waits is not visited again. */
static int perm_event(struct node n, const char *path, u32 mask)
{
    struct fctx c;
    u64 seen[MAX_GROUPS];
    int nseen = 0, r = 0;
    u32 match;
    if (!ctx_init(&c, EV_FILE, n, path, -1) || !c.regdir)
        return 0;
    for (int prio = 2; prio >= 1 && r == 0; prio--) {
again:
        for (struct fgroup *g = groups; g != NULL && r == 0; g = g->next) {
            bool done = g->prio != prio;
            for (int i = 0; i < nseen && !done; i++)
                done = seen[i] == g->id;
            if (done || nseen == MAX_GROUPS)
                continue;
            seen[nseen++] = g->id;
            u32 m = group_mask(g, &c, mask, &match);
            if (m == 0)
                continue;
            r = ask(g, &c, m);
            goto again;                /* the list may have changed while waiting */
        }
    }
    lookup_free(c.lk);
    return r;
}

int fanotify_open_perm(struct node n, const char *path, int flags)
{
    return perm_event(n, path, FAN_OPEN_PERM);
}

int fanotify_access_perm(struct file *f)
{
    if ((f->flags & O_PATH) != 0)
        return 0;
    return perm_event(f->node, f->path, FAN_ACCESS_PERM);
}

/* ---------------------------------------------------------------- file methods */

/* The metadata of an event of len bytes; FAN_ONDIR is reported only by
 * groups reporting file handles (fid). */
static void put_meta(u8 *p, u32 len, u32 mask, s32 fd, s32 pid, bool fid)
{
    u16 mlen = META_LEN;
    u64 m = fid ? mask : mask & ~FAN_ONDIR;
    memcpy(p, &len, 4);
    p[4] = METADATA_VERSION;
    p[5] = 0;
    memcpy(p + 6, &mlen, 2);
    memcpy(p + 8, &m, 8);
    memcpy(p + 16, &fd, 4);
    memcpy(p + 20, &pid, 4);
}

static long fan_read(struct file *f, void *buf, size_t n, u64 off)
{
    struct fgroup *g = f->priv;
    size_t done = 0;
    n = MIN(n, (size_t)READ_CAP);
    for (;;) {
        if (g->head == NULL) {
            if (done > 0)
                break;
            if ((f->flags & O_NONBLOCK) != 0)
                return -EAGAIN;
            if (waitq_wait_intr(&g->q, 0) == -EINTR)
                return -EINTR;
            continue;
        }
        u32 elen = META_LEN + g->head->info_len;
        if (n - done < elen) {
            if (done == 0)
                return -EINVAL;        /* the next event does not fit */
            break;
        }
        struct fevent *e = dequeue(g);
        long fd = FAN_NOFD;
        bool fid = fid_mode(g) != 0;
        bool overflow = e->mask == FAN_Q_OVERFLOW && e->file == NULL && e->err == 0;
        if (!overflow && !fid) {
            fd = e->file != NULL ? fd_install(e->file, 0, (g->fflags & O_CLOEXEC) != 0) : e->err;
            if (fd >= 0)
                e->file = NULL;        /* the fd table holds it now */
        }
        if (fd < 0 && !overflow && !fid) {
            if (e->perm) {
                e->answer = FAN_DENY;
                waitq_wake(&e->wq, 1);
            } else {
                event_free(e);
            }
            return done > 0 ? (long)done : fd;
        }
        put_meta((u8 *)buf + done, elen, e->mask, (s32)fd, overflow ? 0 : e->pid, fid);
        memcpy((u8 *)buf + done + META_LEN, e->info, e->info_len);
        done += elen;
        if (e->perm) {
            e->fd = (int)fd;
            e->next = g->access;
            g->access = e;
        } else {
            event_free(e);
        }
    }
    return (long)done;
}

/* A response to a permission event.  FAN_AUDIT and FAN_INFO (audit rule
 * records) need FAN_ENABLE_AUDIT, which solo lacks (see sys_fanotify_init):
 * EINVAL. */
static long fan_write(struct file *f, const void *buf, size_t n, u64 off)
{
    struct fgroup *g = f->priv;
    s32 fd;
    u32 resp;
    if (n < RESPONSE_LEN)
        return -EINVAL;
    memcpy(&fd, buf, 4);
    memcpy(&resp, (const u8 *)buf + 4, 4);
    if ((resp & ~(FAN_ALLOW | FAN_DENY | FAN_AUDIT | FAN_INFO)) != 0)
        return -EINVAL;
    if ((resp & 3) != FAN_ALLOW && (resp & 3) != FAN_DENY)
        return -EINVAL;
    if ((resp & (FAN_AUDIT | FAN_INFO)) != 0)
        return -EINVAL;
    if (fd < 0)
        return -EINVAL;
    for (struct fevent **pp = &g->access; *pp != NULL; pp = &(*pp)->next) {
        struct fevent *e = *pp;
        if (e->fd != fd)
            continue;
        *pp = e->next;
        e->answer = resp & 3;
        waitq_wake(&e->wq, 1);
        return RESPONSE_LEN;
    }
    return -ENOENT;
}

static int fan_poll(struct file *f)
{
    struct fgroup *g = f->priv;
    return g->head != NULL ? POLLIN | POLLRDNORM : 0;
}

static long fan_ioctl(struct file *f, unsigned cmd, u64 arg)
{
    struct fgroup *g = f->priv;
    int n = (int)MIN((u64)g->queued * META_LEN, (u64)0x7fffffff);
    if (cmd != FIONREAD)
        return -ENOTTY;
    return copy_to_user((void *)arg, &n, sizeof(n));
}

static long fan_lseek(struct file *f, s64 off, int whence)
{
    return 0;                          /* noop_llseek: the position stays 0 */
}

static void fan_release(struct file *f)
{
    struct fgroup *g = f->priv;
    struct fgroup **pp = &groups;
    while (*pp != g)
        pp = &(*pp)->next;
    *pp = g->next;
    ngroups--;
    while (g->marks != NULL)
        mark_drop(g, g->marks);
    /* pending permission events are allowed, as Linux's fanotify_release */
    while (g->head != NULL) {
        struct fevent *e = dequeue(g);
        if (e->perm) {
            e->answer = FAN_ALLOW;
            waitq_wake(&e->wq, 1);
        } else {
            event_free(e);
        }
    }
    while (g->access != NULL) {
        struct fevent *e = g->access;
        g->access = e->next;
        e->answer = FAN_ALLOW;
        waitq_wake(&e->wq, 1);
    }
    kfree(g);
}

static const struct file_ops fan_fops = {
    .read = fan_read,
    .write = fan_write,
    .poll = fan_poll,
    .ioctl = fan_ioctl,
    .lseek = fan_lseek,
    .release = fan_release,
};

/* ---------------------------------------------------------------- syscalls */

// partial: FAN_REPORT_PIDFD, FAN_ENABLE_AUDIT, FAN_REPORT_FD_ERROR and FAN_REPORT_MNT: EINVAL
long sys_fanotify_init(unsigned flags, unsigned event_f_flags)
{
    u32 fid = flags & FID_BITS, class = flags & FAN_CLASS_BITS;
    if (!cap_has(CAP_SYS_ADMIN) && ((flags & ADMIN_INIT_FLAGS) != 0 || fid == 0))
        return -EPERM;
    if ((flags & ~(u32)(INIT_FLAGS | FAN_REPORT_PIDFD)) != 0)
        return -EINVAL;
    if ((flags & FAN_REPORT_PIDFD) != 0 && (flags & FAN_REPORT_TID) != 0)
        return -EINVAL;
    if ((event_f_flags & ~(u32)EVENT_F_BITS) != 0 || (event_f_flags & O_ACCMODE) == O_ACCMODE)
        return -EINVAL;
    if (fid != 0 && class != FAN_CLASS_NOTIF)
        return -EINVAL;
    if ((fid & FAN_REPORT_NAME) != 0 && (fid & FAN_REPORT_DIR_FID) == 0)
        return -EINVAL;
    if ((fid & FAN_REPORT_TARGET_FID) != 0 &&
        ((fid & FAN_REPORT_NAME) == 0 || (fid & FAN_REPORT_FID) == 0))
        return -EINVAL;
    if ((flags & FAN_REPORT_PIDFD) != 0)
        return -EINVAL;                /* no pidfd records (see partial) */
    if (ngroups >= MAX_GROUPS)
        return -EMFILE;
    if (class == FAN_CLASS_BITS)
        return -EINVAL;
    struct file *f = file_alloc();
    struct fgroup *g = kzalloc(sizeof(*g));
    if (f == NULL || g == NULL) {
        kfree(f);
        kfree(g);
        return -ENOMEM;
    }
    g->id = ++group_seq;
    g->flags = flags;
    g->fflags = event_f_flags | O_LARGEFILE;   /* force_o_largefile on 64-bit */
    g->prio = class == FAN_CLASS_PRE_CONTENT ? 2 : class == FAN_CLASS_CONTENT ? 1 : 0;
    waitq_init(&g->q);
    f->ops = &fan_fops;
    f->priv = g;
    f->flags = O_RDWR | (flags & FAN_NONBLOCK ? O_NONBLOCK : 0);
    f->node = (struct node){ &fan_vnode, anon_inode_next() };
    g->next = groups;
    groups = g;
    ngroups++;
    long r = fd_install(f, 0, (flags & FAN_CLOEXEC) != 0);
    if (r < 0)
        file_put(f);
    return r;
}

/* The object dirfd/upath name (fanotify_find_path). */
static int mark_target(int dirfd, const char *upath, u32 flags, struct lookup *lk)
{
    if (upath == NULL) {
        struct file *f = fd_file(dirfd);
        if (f == NULL)
            return -EBADF;
        if ((flags & FAN_MARK_ONLYDIR) != 0 && !node_is_dir(f->node))
            return -ENOTDIR;
        lk->node = f->node;
        lk->mnt = f->path != NULL ? mount_at(f->path) : NULL;
        if (f->path != NULL)
            memcpy(lk->path, f->path, MIN(strlen(f->path) + 1, sizeof(lk->path)));
        return 0;
    }
    int lf = ((flags & FAN_MARK_DONT_FOLLOW) != 0 ? 0 : LOOKUP_FOLLOW) |
             ((flags & FAN_MARK_ONLYDIR) != 0 ? LOOKUP_DIRECTORY : 0);
    long r = strncpy_from_user(lk->upath, upath, VFS_PATH_MAX);
    if (r >= 0)
        r = vfs_lookup(dirfd, lk->upath, lf, lk);
    return (int)r;
}

/* Some file has n open for writing (inode_is_open_for_write). */
static bool open_for_write(struct node n)
{
    for (int fd = fd_next_open(0); fd >= 0; fd = fd_next_open(fd + 1)) {
        struct file *f = fd_file(fd);
        if (f != NULL && node_eq(f->node, n) && (f->flags & O_PATH) == 0 &&
            (f->flags & O_ACCMODE) != O_RDONLY)
            return true;
    }
    return false;
}

static struct fmark *mark_find(struct fgroup *g, int type, struct node n, struct mount *mnt, u64 dev)
{
    for (struct fmark *m = g->marks; m != NULL; m = m->next) {
        if (m->type == type && (type == MARK_INODE ? node_eq(m->node, n)
                                : type == MARK_MOUNT ? m->mnt == mnt : m->dev == dev))
            return m;
    }
    return NULL;
}

static int mark_add(struct fgroup *g, int type, struct lookup *lk, u32 mask, u32 flags)
{
    u32 ignore = flags & MARK_IGNORE_BITS;
    u64 dev = lk->mnt != NULL ? lk->mnt->dev : 0;
    struct fmark *m = mark_find(g, type, lk->node, lk->mnt, dev);
    if (m == NULL) {
        if ((g->flags & FAN_UNLIMITED_MARKS) == 0 && charged_marks >= MAX_MARKS)
            return -ENOSPC;
        m = kzalloc(sizeof(*m));
        if (m == NULL)
            return -ENOMEM;
        m->type = type;
        m->node = lk->node;
        m->mnt = lk->mnt;
        m->dev = dev;
        m->flags = (flags & FAN_MARK_EVICTABLE) != 0 ? MF_EVICTABLE : 0;
        if (type == MARK_INODE)
            m->fhlen = MAX(fh_encode_fid(lk->node, m->fh, &m->fhtype), 0);
        m->next = g->marks;
        g->marks = m;
        live_add(g, m, 1);
    }
    if ((flags & FAN_MARK_EVICTABLE) != 0 && (m->flags & MF_EVICTABLE) == 0)
        return -EEXIST;
    if ((flags & FAN_MARK_IGNORED_MASK) != 0 && (m->flags & MF_IGNORE_FLAGS) != 0)
        return -EEXIST;
    if ((flags & FAN_MARK_IGNORE) != 0 && (flags & FAN_MARK_IGNORED_SURV_MODIFY) == 0 &&
        (m->flags & MF_SURV_MODIFY) != 0)
        return -EEXIST;
    if (ignore == FAN_MARK_IGNORE)
        m->flags |= MF_IGNORE_FLAGS;
    if (ignore != 0 && (flags & FAN_MARK_IGNORED_SURV_MODIFY) != 0)
        m->flags |= MF_SURV_MODIFY;
    if ((flags & FAN_MARK_EVICTABLE) == 0)
        m->flags &= ~MF_EVICTABLE;     /* evictable may be dropped, not added */
    if (ignore == 0)
        mark_set(m, m->mask | mask, m->ignore);
    else
        mark_set(m, m->mask, m->ignore | mask);
    return 0;
}

static int mark_remove(struct fgroup *g, int type, struct lookup *lk, u32 mask, u32 flags, u32 umask)
{
    struct fmark *m = mark_find(g, type, lk->node, lk->mnt, lk->mnt != NULL ? lk->mnt->dev : 0);
    if (m == NULL)
        return -ENOENT;
    if ((flags & MARK_IGNORE_BITS) == 0)
        mark_set(m, m->mask & ~mask, m->ignore);
    else
        mark_set(m, m->mask, m->ignore & ~mask);
    if (((m->mask | m->ignore) & ~umask) == 0)
        mark_drop(g, m);
    return 0;
}

// partial: FAN_MARK_MNTNS (mount namespace events) and FAN_FS_ERROR: EINVAL; FAN_OPEN_EXEC(_PERM) never happen (no execve)
long sys_fanotify_mark(int fanfd, unsigned flags, u64 mask64, int dirfd, const char *upath)
{
    u32 type = flags & MARK_TYPE_BITS, cmd = flags & MARK_CMD_BITS;
    u32 ignore = flags & MARK_IGNORE_BITS, umask = 0;
    if ((mask64 >> 32) != 0 || (flags & ~(u32)MARK_FLAGS) != 0)
        return -EINVAL;
    u32 mask = (u32)mask64;
    if (type == MARK_TYPE_BITS)
        return -EINVAL;                /* FAN_MARK_MNTNS: see partial */
    int mt = type == FAN_MARK_MOUNT ? MARK_MOUNT : type == FAN_MARK_FILESYSTEM ? MARK_SB : MARK_INODE;
    if (cmd == FAN_MARK_ADD || cmd == FAN_MARK_REMOVE) {
        if (mask == 0)
            return -EINVAL;
    } else if (cmd == FAN_MARK_FLUSH) {
        if ((flags & ~(u32)(MARK_TYPE_BITS | FAN_MARK_FLUSH)) != 0)
            return -EINVAL;
    } else {
        return -EINVAL;
    }
    if ((mask & ~(u32)VALID_MASK) != 0 || ignore == MARK_IGNORE_BITS)
        return -EINVAL;
    if (ignore == FAN_MARK_IGNORED_MASK) {
        mask &= ~(u32)EVENT_FLAGS;     /* no effect with the legacy ignore mask */
        umask = EVENT_FLAGS;
    }
    struct file *f = fd_file(fanfd);
    if (f == NULL)
        return -EBADF;
    if (!is_fanotify(f))
        return -EINVAL;
    struct fgroup *g = f->priv;
    if (!cap_has(CAP_SYS_ADMIN) && mt != MARK_INODE)
        return -EPERM;
    if ((mask & PERM_EVENTS) != 0 && g->prio < 1)
        return -EINVAL;
    if ((mask & FAN_FS_ERROR) != 0 && mt != MARK_SB)
        return -EINVAL;
    if ((flags & FAN_MARK_EVICTABLE) != 0 && mt != MARK_INODE)
        return -EINVAL;
    /* events without a path need a group reporting file handles, and
     * never reach mount marks */
    u32 fid = fid_mode(g);
    if ((mask & ~(u32)(FD_EVENTS | EVENT_FLAGS)) != 0 && (fid == 0 || mt == MARK_MOUNT))
        return -EINVAL;
    if ((mask & FAN_RENAME) != 0 && (fid & FAN_REPORT_NAME) == 0)
        return -EINVAL;                /* its records are old and new parent+name */
    if (cmd == FAN_MARK_FLUSH) {
        struct fmark *next;
        for (struct fmark *m = g->marks; m != NULL; m = next) {
            next = m->next;
            if (m->type == mt)
                mark_drop(g, m);
        }
        return 0;
    }
    struct lookup *lk = lookup_alloc();
    if (lk == NULL)
        return -ENOMEM;
    int r = mark_target(dirfd, upath, flags, lk);
    bool isdir = r == 0 && node_is_dir(lk->node);
    if (r == 0 && cmd == FAN_MARK_ADD) {
        /* fanotify_events_supported */
        if ((mask & PERM_EVENTS) != 0 && lk->mnt != NULL && strcmp(lk->mnt->fstype, "proc") == 0)
            r = -EINVAL;
        else if (((g->flags & FAN_REPORT_TARGET_FID) != 0 || (mask & FAN_RENAME) != 0 ||
                  (flags & FAN_MARK_IGNORE) != 0) && mt == MARK_INODE && !isdir &&
                 (mask & DIRONLY_BITS) != 0)
            r = -ENOTDIR;              /* strict checks of the v5.17+ flags */
    }
    if (r == 0 && fid != 0) {
        /* fanotify_test_fsid and fanotify_test_fid: every solo file system
         * encodes handles; mount and file system marks need an fsid (proc
         * has none on Linux) and handles that decode too */
        bool proc = lk->mnt != NULL && strcmp(lk->mnt->fstype, "proc") == 0;
        if (mt != MARK_INODE && !fh_decodable(lk->node))
            r = proc ? -ENODEV : -EOPNOTSUPP;
    }
    if (r == 0 && cmd == FAN_MARK_ADD && ignore != 0 && (flags & FAN_MARK_IGNORED_SURV_MODIFY) == 0) {
        /* an ignore mask that a write would clear at once */
        if (ignore == FAN_MARK_IGNORE && (mt != MARK_INODE || isdir))
            r = mt == MARK_INODE ? -EISDIR : -EINVAL;
        else if (mt == MARK_INODE && open_for_write(lk->node))
            goto out;                  /* Linux adds nothing and succeeds */
    }
    if (r < 0)
        goto out;
    if (mt != MARK_INODE || !isdir) {
        mask &= ~(u32)FAN_EVENT_ON_CHILD;
        umask = FAN_EVENT_ON_CHILD;
        /* a group reporting the parent gets events with it (as Linux
         * records it in the mask) */
        if ((fid & FAN_REPORT_DIR_FID) != 0 && cmd == FAN_MARK_ADD && ignore == 0)
            mask |= FAN_EVENT_ON_CHILD;
    }
    if (mt != MARK_INODE && lk->mnt == NULL)
        r = -EINVAL;
    else if (cmd == FAN_MARK_ADD)
        r = mark_add(g, mt, lk, mask, flags);
    else
        r = mark_remove(g, mt, lk, mask, flags, umask);
out:
    lookup_free(lk);
    return r;
}

/* ---------------------------------------------------------------- /proc/sys/fs/fanotify */

static long gen_queued(char *buf, size_t cap) { return ksnprintf(buf, cap, "%d\n", MAX_QUEUED); }
static long gen_groups(char *buf, size_t cap) { return ksnprintf(buf, cap, "%d\n", MAX_GROUPS); }
static long gen_marks(char *buf, size_t cap) { return ksnprintf(buf, cap, "%d\n", MAX_MARKS); }

void fanotify_proc_init(void)
{
    vfs_register_generated("/proc/sys/fs/fanotify/max_queued_events", gen_queued);
    vfs_register_generated("/proc/sys/fs/fanotify/max_user_groups", gen_groups);
    vfs_register_generated("/proc/sys/fs/fanotify/max_user_marks", gen_marks);
}
