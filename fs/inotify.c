/*
 * inotify.c - inotify instances: inotify_init/inotify_init1 make a file
 * whose reads return struct inotify_event records, inotify_add_watch and
 * inotify_rm_watch manage its watches, and the hooks of fs/inotify.h turn
 * file layer changes into events.
 *
 * A watch names a node (a TFS object id or a vnode), so every name of an
 * object reaches the same watch, as Linux watches inodes.  Watches sit both
 * on their instance's list and in a small hash by node, which the hooks
 * search.  An event on an object goes first to the watches on the directory
 * that names it (with the name; only the events Linux reports on children)
 * and then to the object's own watches (without a name), which is the order
 * Linux queues them in one instance.  The directory of an object is its
 * tmpfs parent, or else the directory its canonical path names, provided
 * that path still names the object (or the object has no name left, as an
 * open file that was unlinked: Linux still reports it to the old directory).
 *
 * Queue rules follow Linux: an event equal to the last queued one (wd,
 * mask, name) is dropped (coalesced); at max_queued_events queued events
 * new ones are dropped and one IN_Q_OVERFLOW event (wd -1) is queued.  A
 * watch is removed by inotify_rm_watch, by IN_ONESHOT after its first
 * event, or when its object is deleted (after IN_DELETE_SELF); each removal
 * queues IN_IGNORED.  An object is deleted when its last name is gone and
 * no file has it open (fs/tfs.c frees it then; a tmpfs vnode is marked).
 *
 * Invariant: inotify_live counts the watches of all instances, so hooks
 * return at once while it is 0.  The hooks are also fanotify's (fs/fanotify.c):
 * file events go to both back-ends, and a deleted object's fanotify marks go
 * where its watches go.
 */
#include "fs/inotify.h"
#include "syscalls/syscalls.h"

#define IN_CLOEXEC O_CLOEXEC
#define IN_NONBLOCK O_NONBLOCK
#define ALL_INOTIFY_BITS (IN_ALL_EVENTS | IN_UNMOUNT | IN_Q_OVERFLOW | IN_IGNORED | IN_ONLYDIR | \
                          IN_DONT_FOLLOW | IN_EXCL_UNLINK | IN_MASK_CREATE | IN_MASK_ADD | \
                          IN_ISDIR | IN_ONESHOT)
#define WATCH_KEEP (IN_ALL_EVENTS | IN_ONESHOT | IN_EXCL_UNLINK)   /* stored mask bits */
#define FIONREAD 0x541b

/* Limits as /proc/sys/fs/inotify reports them (max_user_watches is the
 * floor Linux uses on small machines). */
#define MAX_QUEUED 16384
#define MAX_INSTANCES 128
#define MAX_WATCHES 8192

#define EVENT_HDR 16                   /* sizeof(struct inotify_event) */
/* syscalls/fs.c reads through a 64 KiB bounce buffer and asks again while a
 * read fills it; a read never returns that much, so it is asked only once. */
#define READ_CAP (64 * 1024 - 1)
#define BUCKETS 64

struct inotify;

struct watch {
    struct watch *next;                /* the instance's watches */
    struct watch *hnext;               /* the hash bucket of node */
    struct inotify *in;
    struct node node;
    s32 wd;
    u32 mask;                          /* WATCH_KEEP bits */
};

struct inev {
    struct inev *next;
    s32 wd;
    u32 mask, cookie;
    u32 len;                           /* name bytes with NUL padding (0: no name) */
    char name[];
};

struct inotify {
    struct inev *head, *tail;
    u32 queued;                        /* events queued, the overflow event included */
    u64 bytes;                         /* their size as read() returns them (FIONREAD) */
    bool overflow;                     /* the IN_Q_OVERFLOW event is queued */
    struct watch *watches;
    s32 last_wd;                       /* wds are given cyclically from 1, as Linux */
    struct waitq q;                    /* blocked readers */
};

int inotify_live;
static int instances;
static u32 cookie_seq;
static struct watch *buckets[BUCKETS];

/* ---------------------------------------------------------------- the file */

static struct vnode ino_vnode = { .name = "anon_inode:inotify", .nops = &anon_inode_nops };

static bool is_inotify(struct file *f)
{
    return f->node.v == &ino_vnode;
}

static bool node_eq(struct node a, struct node b)
{
    return a.v == b.v && a.id == b.id;
}

static struct watch **bucket(struct node n)
{
    u64 h = ((u64)(uintptr_t)n.v >> 4) ^ (n.id * 0x9e3779b97f4a7c15UL);
    return &buckets[(h >> 32) % BUCKETS];
}

/* ---------------------------------------------------------------- the queue */

static bool same_event(const struct inev *e, s32 wd, u32 mask, const char *name)
{
    if ((e->mask & IN_IGNORED) != 0 || e->wd != wd || e->mask != mask)
        return false;
    if (name == NULL)
        return e->len == 0;
    return e->len != 0 && strcmp(e->name, name) == 0;
}

/* Queue one event (name NULL: none) on in, as fsnotify_insert_event does:
 * coalesced with an equal last event, or overflowed. */
static void enqueue(struct inotify *in, s32 wd, u32 mask, u32 cookie, const char *name)
{
    bool over = in->queued >= MAX_QUEUED;
    if (over && in->overflow)
        return;
    if (!over && in->tail != NULL && same_event(in->tail, wd, mask, name))
        return;
    if (over) {
        wd = -1;
        mask = IN_Q_OVERFLOW;
        cookie = 0;
        name = NULL;
    }
    size_t nl = name != NULL ? strlen(name) : 0;
    u32 len = nl > 0 ? (u32)ALIGN_UP(nl + 1, (size_t)EVENT_HDR) : 0;
    struct inev *e = kzalloc(sizeof(*e) + len);
    if (e == NULL)
        return;                        /* Linux too drops an event it cannot allocate */
    e->wd = wd;
    e->mask = mask;
    e->cookie = cookie;
    e->len = len;
    memcpy(e->name, name, nl);
    if (in->tail != NULL)
        in->tail->next = e;
    else
        in->head = e;
    in->tail = e;
    in->queued++;
    in->bytes += EVENT_HDR + len;
    in->overflow = in->overflow || over;
    waitq_wake(&in->q, 1 << 30);
    vfs_poll_wake();
}

static struct inev *dequeue(struct inotify *in)
{
    struct inev *e = in->head;
    in->head = e->next;
    if (in->head == NULL)
        in->tail = NULL;
    in->queued--;
    in->bytes -= EVENT_HDR + e->len;
    if (e->mask == IN_Q_OVERFLOW && e->wd == -1)
        in->overflow = false;
    return e;
}

/* ---------------------------------------------------------------- watches */

/* Take w out of its instance and the hash; IN_IGNORED is queued if told. */
static void watch_drop(struct watch *w, bool ignored)
{
    struct watch **pp = &w->in->watches;
    while (*pp != w)
        pp = &(*pp)->next;
    *pp = w->next;
    pp = bucket(w->node);
    while (*pp != w)
        pp = &(*pp)->hnext;
    *pp = w->hnext;
    if (ignored)
        enqueue(w->in, w->wd, IN_IGNORED, 0, NULL);
    inotify_live--;
    kfree(w);
}

static bool wd_used(struct inotify *in, s32 wd)
{
    for (struct watch *w = in->watches; w != NULL; w = w->next)
        if (w->wd == wd)
            return true;
    return false;
}

static struct watch *watch_of(struct inotify *in, struct node n)
{
    for (struct watch *w = in->watches; w != NULL; w = w->next)
        if (node_eq(w->node, n))
            return w;
    return NULL;
}

/* Report mask on n (name: the entry of directory n it is about) to every
 * watch on n that asks for it.  unlinked: a file event on an object with
 * no name left (skipped by IN_EXCL_UNLINK watches). */
static void notify(struct node n, u32 mask, u32 cookie, const char *name, bool unlinked)
{
    u32 m = mask & (IN_ALL_EVENTS | IN_ISDIR);
    if ((m & (IN_MOVE_SELF | IN_DELETE_SELF)) != 0)
        m &= ~IN_ISDIR;                /* inotify never reported IN_ISDIR with these */
    struct watch *next;
    for (struct watch *w = *bucket(n); w != NULL; w = next) {
        next = w->hnext;
        if (!node_eq(w->node, n) || (w->mask & mask & IN_ALL_EVENTS) == 0)
            continue;
        if (unlinked && (w->mask & IN_EXCL_UNLINK) != 0)
            continue;
        enqueue(w->in, w->wd, m, cookie, name);
        if ((w->mask & IN_ONESHOT) != 0)
            watch_drop(w, true);
    }
}

/* n was deleted: IN_DELETE_SELF, then every watch on it goes. */
static void self_deleted(struct node n)
{
    notify(n, IN_DELETE_SELF, 0, NULL, false);
    struct watch *next;
    for (struct watch *w = *bucket(n); w != NULL; w = next) {
        next = w->hnext;
        if (node_eq(w->node, n))
            watch_drop(w, true);
    }
}

/* Is n deleted: no name left and no open file? */
static bool gone(struct node n)
{
    if (n.v == NULL)
        return tfs_node_mode(n.id) == 0;
    if (n.v->ram)
        return n.v->unlinked && (n.v->kind != VN_RAMFILE || n.v->opens == 0);
    return false;
}

static bool unlinked(struct node n)
{
    struct kstat st;
    return node_stat(n, &st) < 0 || st.nlink == 0;
}

static u32 isdir(struct node n)
{
    return node_is_dir(n) ? IN_ISDIR : 0;
}

/* The directory that canonical path's last component is in, and that
 * component.  *lk (freed by the caller) holds what *name points into. */
static bool dir_of(const char *path, struct node *dir, const char **name, struct lookup **lk)
{
    const char *slash = path != NULL ? strrchr(path, '/') : NULL;
    if (slash == NULL || slash[1] == '\0')
        return false;
    *lk = lookup_alloc();
    if (*lk == NULL)
        return false;
    size_t dl = MAX((size_t)(slash - path), (size_t)1);
    memcpy((*lk)->upath, path, dl);
    (*lk)->upath[dl] = '\0';
    if (vfs_lookup(AT_FDCWD, (*lk)->upath, 0, *lk) < 0)
        return false;
    *dir = (*lk)->node;
    *name = slash + 1;
    return true;
}

/* The directory naming object n (canonical path: path) and the name, as
 * the file header says.  unl: n has no name left. */
static bool parent_of(struct node n, const char *path, bool unl, struct node *dir, const char **name,
                      struct lookup **lk)
{
    struct node c;
    if (n.v != NULL && n.v->ram && n.v->parent != NULL && n.v->parent->ram) {
        *dir = (struct node){ n.v->parent, n.v->parent->arg };
        *name = n.v->name;
        return true;
    }
    if (!dir_of(path, dir, name, lk))
        return false;
    if (unl)
        return true;
    const struct node_ops *o = node_ops_of(*dir);
    return o->lookup != NULL && o->lookup(*dir, *name, strlen(*name), &c) == 0 && node_eq(c, n);
}

/* An event on n itself: to its directory's watches, then its own. */
static void child_event(struct node n, const char *path, u32 mask, bool via_file)
{
    struct lookup *lk = NULL;
    struct node dir;
    const char *name;
    bool unl = unlinked(n);
    mask |= isdir(n);
    if (parent_of(n, path, unl, &dir, &name, &lk))
        notify(dir, mask, 0, name, via_file && unl);
    notify(n, mask, 0, NULL, via_file && unl);
    lookup_free(lk);
}

/* ---------------------------------------------------------------- hooks */

void fsnotify_file_event(struct file *f, u32 mask)
{
    if (inotify_live > 0)
        inotify_file_event(f, mask);
    if (fanotify_live > 0)
        fanotify_file_event(f, mask);
}

bool fsnotify_parent_of(struct node n, const char *path, struct node *dir, const char **name,
                        struct lookup **lk)
{
    return parent_of(n, path, unlinked(n), dir, name, lk);
}

/* The canonical path of the directory dir_of found (NULL: none). */
static const char *dir_path(struct lookup *lk)
{
    return lk != NULL ? lk->upath : NULL;
}

/* n may have been deleted: fanotify forgets it (inotify: see self_deleted). */
static void fan_gone(struct node n)
{
    if (fanotify_live > 0 && gone(n))
        fanotify_node_gone(n);
}

void inotify_file_event(struct file *f, u32 mask)
{
    if ((f->flags & O_PATH) == 0)
        child_event(f->node, f->path, mask, true);
}

void inotify_node_event(struct node n, const char *path, u32 mask)
{
    child_event(n, path, mask, false);
}

void inotify_created(const char *path, struct node n)
{
    struct lookup *lk = NULL;
    struct node dir;
    const char *name;
    if ((inotify_live | fanotify_live) == 0 || !dir_of(path, &dir, &name, &lk)) {
        lookup_free(lk);
        return;
    }
    if (inotify_live > 0)
        notify(dir, IN_CREATE | isdir(n), 0, name, false);
    if (fanotify_live > 0)
        fanotify_dirent_event(dir, dir_path(lk), name, n, IN_CREATE);
    lookup_free(lk);
}

void inotify_linked(struct node dir, const char *name, struct node n)
{
    if (inotify_live > 0) {
        notify(n, IN_ATTRIB | isdir(n), 0, NULL, false);   /* the link count */
        notify(dir, IN_CREATE | isdir(n), 0, name, false);
    }
    if (fanotify_live > 0) {
        fanotify_self_event(n, NULL, IN_ATTRIB, node_is_dir(n));
        fanotify_dirent_event(dir, NULL, name, n, IN_CREATE);
    }
}

/* Events in the order Linux sends them: the link count (not for a
 * directory), the object's deletion when it is gone, the entry's removal;
 * then fanotify forgets the object's marks. */
void inotify_removed(const char *path, struct node n, bool dir)
{
    struct lookup *lk = NULL;
    struct node d;
    const char *name;
    bool del = gone(n);
    if ((inotify_live | fanotify_live) == 0)
        return;
    if (!dir) {
        if (inotify_live > 0)
            notify(n, IN_ATTRIB, 0, NULL, false);          /* the link count */
        if (fanotify_live > 0)
            fanotify_self_event(n, path, IN_ATTRIB, false);
    }
    if (del && fanotify_live > 0)
        fanotify_self_event(n, path, IN_DELETE_SELF, dir);
    if (del && inotify_live > 0)
        self_deleted(n);
    if (dir_of(path, &d, &name, &lk)) {
        if (inotify_live > 0)
            notify(d, IN_DELETE | (dir ? IN_ISDIR : 0), 0, name, false);
        if (fanotify_live > 0)
            fanotify_dirent_event(d, dir_path(lk), name, n, IN_DELETE | (dir ? IN_ISDIR : 0));
    }
    lookup_free(lk);
    fan_gone(n);
}

void inotify_renamed(struct lookup *ok, struct lookup *nk, int rn)
{
    struct lookup *lo = NULL, *ln = NULL;
    struct node src = ok->node, od, nd;
    const char *oname, *nname = nk->last;
    bool victim = !(rn == -ENOENT && nk->missing_last);
    if ((inotify_live | fanotify_live) == 0 || (victim && node_eq(nk->node, src)))
        return;
    u32 d = isdir(src);
    bool vdel = victim && gone(nk->node), vdir = victim && node_is_dir(nk->node);
    u32 cookie = ++cookie_seq != 0 ? cookie_seq : ++cookie_seq;
    bool ho = dir_of(ok->path, &od, &oname, &lo);
    nd = nk->node;
    bool hn = !victim || dir_of(nk->path, &nd, &nname, &ln);
    const char *npath = victim ? dir_path(ln) : nk->path;
    if (fanotify_live > 0 && ho && hn)
        fanotify_rename_event(od, dir_path(lo), oname, nd, nname, src);
    if (ho && inotify_live > 0)
        notify(od, IN_MOVED_FROM | d, cookie, oname, false);
    if (ho && fanotify_live > 0)
        fanotify_dirent_event(od, dir_path(lo), oname, src, IN_MOVED_FROM);
    if (hn && inotify_live > 0)
        notify(nd, IN_MOVED_TO | d, cookie, nname, false);
    if (hn && fanotify_live > 0)
        fanotify_dirent_event(nd, npath, nname, src, IN_MOVED_TO);
    if (victim) {
        if (inotify_live > 0)
            notify(nk->node, IN_ATTRIB | isdir(nk->node), 0, NULL, false);
        if (fanotify_live > 0)
            fanotify_self_event(nk->node, nk->path, IN_ATTRIB, vdir);
    }
    if (inotify_live > 0)
        notify(src, IN_MOVE_SELF, 0, NULL, false);
    if (fanotify_live > 0)
        fanotify_self_event(src, nk->path, IN_MOVE_SELF, d != 0);
    if (vdel) {
        if (fanotify_live > 0)
            fanotify_self_event(nk->node, nk->path, IN_DELETE_SELF, vdir);
        if (inotify_live > 0)
            self_deleted(nk->node);
        fan_gone(nk->node);
    }
    lookup_free(ln);
    lookup_free(lo);
}

void inotify_released(struct file *f)
{
    if ((f->flags & O_PATH) != 0 || !gone(f->node))
        return;
    if (fanotify_live > 0)
        fanotify_self_event(f->node, f->path, IN_DELETE_SELF, node_is_dir(f->node));
    fan_gone(f->node);
    if (inotify_live > 0)
        self_deleted(f->node);
}

/* ---------------------------------------------------------------- file methods */

static long ino_read(struct file *f, void *buf, size_t n, u64 off)
{
    struct inotify *in = f->priv;
    size_t done = 0;
    n = MIN(n, (size_t)READ_CAP);
    while (in->head == NULL) {
        if ((f->flags & O_NONBLOCK) != 0)
            return -EAGAIN;
        if (waitq_wait_intr(&in->q, 0) == -EINTR)
            return -EINTR;
    }
    while (in->head != NULL && EVENT_HDR + in->head->len <= n - done) {
        struct inev *e = dequeue(in);
        u8 *p = (u8 *)buf + done;
        memcpy(p, &e->wd, 4);
        memcpy(p + 4, &e->mask, 4);
        memcpy(p + 8, &e->cookie, 4);
        memcpy(p + 12, &e->len, 4);
        memcpy(p + EVENT_HDR, e->name, e->len);
        done += EVENT_HDR + e->len;
        kfree(e);
    }
    return done > 0 ? (long)done : -EINVAL;    /* the next event does not fit */
}

static int ino_poll(struct file *f)
{
    struct inotify *in = f->priv;
    return in->head != NULL ? POLLIN | POLLRDNORM : 0;
}

/* FIONREAD: bytes queued.  (INOTIFY_IOC_SETNEXTWD, for checkpoint/restore
 * kernels only, is ENOTTY as on kernels built without it.) */
static long ino_ioctl(struct file *f, unsigned cmd, u64 arg)
{
    struct inotify *in = f->priv;
    int n = (int)MIN(in->bytes, (u64)0x7fffffff);
    if (cmd != FIONREAD)
        return -ENOTTY;
    return copy_to_user((void *)arg, &n, sizeof(n));
}

static long ino_lseek(struct file *f, s64 off, int whence)
{
    return 0;                          /* noop_llseek: the position stays 0 */
}

static void ino_release(struct file *f)
{
    struct inotify *in = f->priv;
    while (in->watches != NULL)
        watch_drop(in->watches, false);
    while (in->head != NULL)
        kfree(dequeue(in));
    kfree(in);
    instances--;
}

static const struct file_ops ino_fops = {
    .read = ino_read,
    .poll = ino_poll,
    .ioctl = ino_ioctl,
    .lseek = ino_lseek,
    .release = ino_release,
};

/* ---------------------------------------------------------------- syscalls */

long sys_inotify_init1(int flags)
{
    if ((flags & ~(IN_CLOEXEC | IN_NONBLOCK)) != 0)
        return -EINVAL;
    if (instances >= MAX_INSTANCES)
        return -EMFILE;
    struct file *f = file_alloc();
    struct inotify *in = kzalloc(sizeof(*in));
    if (f == NULL || in == NULL) {
        kfree(f);
        kfree(in);
        return -ENOMEM;
    }
    waitq_init(&in->q);
    f->ops = &ino_fops;
    f->priv = in;
    f->flags = O_RDONLY | (flags & O_NONBLOCK);
    f->node = (struct node){ &ino_vnode, anon_inode_next() };
    instances++;
    long r = fd_install(f, 0, (flags & IN_CLOEXEC) != 0);
    if (r < 0)
        file_put(f);
    return r;
}

long sys_inotify_init(void)
{
    return sys_inotify_init1(0);
}

/* The watched object: path resolved per IN_DONT_FOLLOW and IN_ONLYDIR. */
static int watch_target(const char *upath, u32 mask, struct node *out)
{
    struct lookup *lk = lookup_alloc();
    if (lk == NULL)
        return -ENOMEM;
    int lf = ((mask & IN_DONT_FOLLOW) != 0 ? 0 : LOOKUP_FOLLOW) |
             ((mask & IN_ONLYDIR) != 0 ? LOOKUP_DIRECTORY : 0);
    long r = strncpy_from_user(lk->upath, upath, VFS_PATH_MAX);
    if (r >= 0)
        r = vfs_lookup(AT_FDCWD, lk->upath, lf, lk);
    if (r == 0)
        *out = lk->node;
    lookup_free(lk);
    return (int)r;
}

// partial: a TFS file renamed while open no longer reports events through that open file to its directory's watches (its own watches get them)
long sys_inotify_add_watch(int fd, const char *upath, u32 mask)
{
    struct node n;
    if ((mask & ~ALL_INOTIFY_BITS) != 0 || (mask & ALL_INOTIFY_BITS) == 0)
        return -EINVAL;
    struct file *f = fd_file(fd);
    if (f == NULL)
        return -EBADF;
    if ((mask & IN_MASK_ADD) != 0 && (mask & IN_MASK_CREATE) != 0)
        return -EINVAL;
    if (!is_inotify(f))
        return -EINVAL;
    int r = watch_target(upath, mask, &n);
    if (r < 0)
        return r;
    struct inotify *in = f->priv;
    struct watch *w = watch_of(in, n);
    if (w != NULL) {
        if ((mask & IN_MASK_CREATE) != 0)
            return -EEXIST;
        w->mask = ((mask & IN_MASK_ADD) != 0 ? w->mask : 0) | (mask & WATCH_KEEP);
        return w->wd;
    }
    if (inotify_live >= MAX_WATCHES)
        return -ENOSPC;
    w = kzalloc(sizeof(*w));
    if (w == NULL)
        return -ENOMEM;
    do {
        in->last_wd = in->last_wd == 0x7fffffff ? 1 : in->last_wd + 1;
    } while (wd_used(in, in->last_wd));
    w->in = in;
    w->node = n;
    w->wd = in->last_wd;
    w->mask = mask & WATCH_KEEP;
    w->next = in->watches;
    in->watches = w;
    w->hnext = *bucket(n);
    *bucket(n) = w;
    inotify_live++;
    return w->wd;
}

long sys_inotify_rm_watch(int fd, int wd)
{
    struct file *f = fd_file(fd);
    if (f == NULL)
        return -EBADF;
    if (!is_inotify(f))
        return -EINVAL;
    struct inotify *in = f->priv;
    for (struct watch *w = in->watches; w != NULL; w = w->next) {
        if (w->wd == wd) {
            watch_drop(w, true);
            return 0;
        }
    }
    return -EINVAL;
}

/* ---------------------------------------------------------------- /proc/sys/fs/inotify */

static long gen_queued(char *buf, size_t cap) { return ksnprintf(buf, cap, "%d\n", MAX_QUEUED); }
static long gen_instances(char *buf, size_t cap) { return ksnprintf(buf, cap, "%d\n", MAX_INSTANCES); }
static long gen_watches(char *buf, size_t cap) { return ksnprintf(buf, cap, "%d\n", MAX_WATCHES); }

void inotify_proc_init(void)
{
    vfs_register_generated("/proc/sys/fs/inotify/max_queued_events", gen_queued);
    vfs_register_generated("/proc/sys/fs/inotify/max_user_instances", gen_instances);
    vfs_register_generated("/proc/sys/fs/inotify/max_user_watches", gen_watches);
    fanotify_proc_init();
}
