/*
 * nsfs.c - namespaces: the objects, the nsfs files that refer to them, the
 * /proc/<pid>/ns/ links that open those files, and the ioctl_ns requests.
 *
 * Each kind (cgroup, ipc, mnt, net, pid, time, user, uts) has an initial
 * namespace with Linux's fixed inode number for it (uts:[4026531838] ...).
 * solo's one process is in one namespace of each kind; only UTS namespaces
 * have more instances: unshare(CLONE_NEWUTS) makes a new one holding a copy
 * of the names, and setns (syscalls/sysmisc.c) makes any held one current
 * again, its host and domain names with it.  New namespaces take inode
 * numbers from 0xf0000000 on, as Linux's dynamic ones do.
 *
 * /proc/<pid>/ns/<kind> (also under task/<tid>/, so thread-self/ns too) is
 * a symlink whose text is "<kind>:[<inode>]"; following it is a "magic"
 * jump (fs/vfs.c) to the namespace's nsfs node { nsfs_vnode, ns }, which
 * opens as an nsfs file (no path, so /proc/self/fd/N reads the same text).
 * Every nsfs node is a read-only regular file on one anonymous device with
 * the namespace's inode number, so (st_dev, st_ino) tells namespaces apart.
 *
 * Invariant: a namespace's refs count its files plus one while current;
 * the initial ones are static and never freed.
 */
#include "fs/nsfs.h"
#include "fs/vfs_impl.h"
#include "syscalls/syscalls.h"

#define NSFS_DEV VFS_MKDEV(0, 4)       /* st_dev of every nsfs file */
#define NS_DYNAMIC_FIRST 0xf0000000UL  /* inode of the first namespace made later */
#define PID_SELF 1

/* ioctl_ns requests (linux/nsfs.h: _IO(0xb7, n)) */
#define NS_GET_USERNS 0xb701
#define NS_GET_PARENT 0xb702
#define NS_GET_NSTYPE 0xb703
#define NS_GET_OWNER_UID 0xb704

struct ns {
    u32 type;                          /* CLONE_NEW* */
    u64 ino;
    int refs;
    bool initial;                      /* static: never freed */
    u64 made;                          /* its inode's times (ns; 0: not yet read) */
    struct uts_names uts;              /* UTS namespaces only */
};

enum { K_CGROUP, K_IPC, K_MNT, K_NET, K_PID, K_TIME, K_USER, K_UTS, K_COUNT };

static struct ns init_ns[K_COUNT] = {
    [K_CGROUP] = { .type = NS_CLONE_NEWCGROUP, .ino = 0xeffffffbUL, .refs = 1, .initial = true },
    [K_IPC] = { .type = NS_CLONE_NEWIPC, .ino = 0xefffffffUL, .refs = 1, .initial = true },
    [K_MNT] = { .type = NS_CLONE_NEWNS, .ino = 0xeffffff8UL, .refs = 1, .initial = true },
    [K_NET] = { .type = NS_CLONE_NEWNET, .ino = 0xeffffff9UL, .refs = 1, .initial = true },
    [K_PID] = { .type = NS_CLONE_NEWPID, .ino = 0xeffffffcUL, .refs = 1, .initial = true },
    [K_TIME] = { .type = NS_CLONE_NEWTIME, .ino = 0xeffffffaUL, .refs = 1, .initial = true },
    [K_USER] = { .type = NS_CLONE_NEWUSER, .ino = 0xeffffffdUL, .refs = 1, .initial = true },
    [K_UTS] = { .type = NS_CLONE_NEWUTS, .ino = 0xeffffffeUL, .refs = 1, .initial = true,
                 .uts = { .domain = "(none)" } },
};

static struct ns *cur_uts = &init_ns[K_UTS];
static u64 next_ns_ino = NS_DYNAMIC_FIRST;

/* The entries of /proc/<pid>/ns/, in Linux's listing order, and the kind
 * each names ("pid_for_children" reads "pid:[...]"). */
static const struct { const char *name; const char *tag; int kind; } ns_links[] = {
    { "net", "net", K_NET },
    { "uts", "uts", K_UTS },
    { "ipc", "ipc", K_IPC },
    { "pid", "pid", K_PID },
    { "pid_for_children", "pid", K_PID },
    { "user", "user", K_USER },
    { "mnt", "mnt", K_MNT },
    { "cgroup", "cgroup", K_CGROUP },
    { "time", "time", K_TIME },
    { "time_for_children", "time", K_TIME },
};

static int kind_of(u32 type)
{
    for (int k = 0; k < K_COUNT; k++)
        if (init_ns[k].type == type)
            return k;
    return -1;
}

static const char *tag_of(const struct ns *ns)
{
    int k = kind_of(ns->type);
    for (size_t i = 0; i < ARRAY_SIZE(ns_links); i++)
        if (ns_links[i].kind == k)
            return ns_links[i].tag;
    return "?";
}

static void ns_get(struct ns *ns)
{
    ns->refs++;
}

static void ns_put(struct ns *ns)
{
    if (!ns->initial && --ns->refs == 0)
        kfree(ns);
}

struct ns *ns_current(u32 type)
{
    if (type == NS_CLONE_NEWUTS)
        return cur_uts;
    int k = kind_of(type);
    return k >= 0 ? &init_ns[k] : NULL;
}

u32 ns_type(const struct ns *ns) { return ns->type; }

struct uts_names *ns_uts_names(void) { return &cur_uts->uts; }

int ns_unshare_uts(void)
{
    struct ns *n = kzalloc(sizeof(*n));
    if (n == NULL)
        return -ENOMEM;
    n->type = NS_CLONE_NEWUTS;
    n->ino = next_ns_ino++;
    n->refs = 1;
    n->made = realtime_ns();
    n->uts = cur_uts->uts;
    ns_put(cur_uts);
    cur_uts = n;
    return 0;
}

void ns_switch(struct ns *ns)
{
    if (ns->type != NS_CLONE_NEWUTS || ns == cur_uts)
        return;
    ns_get(ns);
    ns_put(cur_uts);
    cur_uts = ns;
}

/* "uts:[4026531838]" into buf (not NUL-terminated): its length. */
static long ns_text(const struct ns *ns, char *buf, size_t cap)
{
    char t[40];
    int len = ksnprintf(t, sizeof(t), "%s:[%lu]", tag_of(ns), ns->ino);
    size_t k = MIN((size_t)len, cap);
    memcpy(buf, t, k);
    return (long)k;
}

/* ---------------------------------------------------------------- nsfs files */

static const struct node_ops nsfs_nops;
static struct vnode nsfs_vnode = { .name = "nsfs", .nops = &nsfs_nops };

static struct ns *node_ns(struct node n)
{
    return (struct ns *)n.id;
}

static int nsfs_stat(struct node n, struct kstat *st)
{
    st->mode = S_IFREG | 0444;
    st->dev = NSFS_DEV;
    struct ns *ns = node_ns(n);
    if (ns->made == 0)
        ns->made = realtime_ns();
    st->ino = ns->ino;
    st->nlink = 1;
    st->atime = st->mtime = st->ctime = ns->made;
    return 0;
}

static long nsfs_readlink(struct node n, char *buf, size_t cap)
{
    return ns_text(node_ns(n), buf, cap);
}

static int open_related(struct ns *ns);

static long nsfs_ioctl(struct file *f, unsigned cmd, u64 arg)
{
    struct ns *ns = f->priv;
    u32 uid = 0;                       /* the initial user namespace's owner: root */
    switch (cmd) {
    case NS_GET_USERNS:
        /* every namespace is owned by the initial user namespace, whose
         * own owner is outside the caller's reach */
        return ns->type == NS_CLONE_NEWUSER ? -EPERM : open_related(&init_ns[K_USER]);
    case NS_GET_PARENT:
        /* pid and user namespaces are hierarchical; the initial ones
         * have no parent the caller may see */
        return ns->type == NS_CLONE_NEWPID || ns->type == NS_CLONE_NEWUSER ? -EPERM : -EINVAL;
    case NS_GET_NSTYPE:
        return ns->type;
    case NS_GET_OWNER_UID:
        if (ns->type != NS_CLONE_NEWUSER)
            return -EINVAL;
        return copy_to_user((void *)arg, &uid, sizeof(uid)) < 0 ? -EFAULT : 0;
    default:
        return -ENOTTY;
    }
}

static void nsfs_release(struct file *f)
{
    if (f->priv != NULL)
        ns_put(f->priv);
}

/* No read, write or seek: EINVAL and ESPIPE, as Linux's nsfs. */
static const struct file_ops nsfs_fops = {
    .ioctl = nsfs_ioctl,
    .release = nsfs_release,
};

/* An nsfs file holds its namespace; it has no path (node_open leaves it
 * out: the link text names it). */
static int nsfs_open(struct node n, struct file *f)
{
    struct ns *ns = node_ns(n);
    ns_get(ns);
    f->priv = ns;
    f->ops = &nsfs_fops;
    return 0;
}

static const struct node_ops nsfs_nops = {
    .stat = nsfs_stat,
    .readlink = nsfs_readlink,
    .open = nsfs_open,
};

/* A new O_CLOEXEC nsfs file for ns (NS_GET_USERNS): the fd or -errno. */
static int open_related(struct ns *ns)
{
    struct file *f = file_alloc();
    if (f == NULL)
        return -ENOMEM;
    f->node = (struct node){ &nsfs_vnode, (u64)ns };
    f->flags = O_RDONLY | O_LARGEFILE;
    nsfs_open(f->node, f);
    int fd = fd_install(f, 0, true);
    if (fd < 0)
        file_put(f);
    return fd;
}

bool nsfs_node_is(const struct node *n)
{
    return n->v == &nsfs_vnode;
}

struct ns *ns_of_file(struct file *f)
{
    return f != NULL && f->ops == &nsfs_fops ? f->priv : NULL;
}

/* ---------------------------------------------------------------- /proc/<pid>/ns */

static const struct node_ops nslink_nops;

/* The namespace link {v, i} names: the current one of its kind. */
static struct ns *link_ns(struct node lnk)
{
    u64 i = lnk.id < ARRAY_SIZE(ns_links) ? lnk.id : 0;
    return ns_current(init_ns[ns_links[i].kind].type);
}

static long nslink_readlink(struct node n, char *buf, size_t cap)
{
    return ns_text(link_ns(n), buf, cap);
}

static int nslink_stat(struct node n, struct kstat *st)
{
    st->mode = S_IFLNK | 0777;
    st->dev = VFS_DEV_PROC;
    st->ino = n.v->ino;
    st->nlink = 1;
    return 0;
}

static const struct node_ops nslink_nops = {
    .stat = nslink_stat,
    .readlink = nslink_readlink,
};

bool nsfs_link_follow(const struct node *lnk, struct node *out)
{
    if (lnk->v == NULL || lnk->v->nops != &nslink_nops)
        return false;
    *out = (struct node){ &nsfs_vnode, (u64)link_ns(*lnk) };
    return true;
}

void nsfs_proc_init(struct vnode *pid_dir)
{
    struct vnode *d = vnode_add(pid_dir, "ns", VN_DIR, S_IFDIR | 0511);
    if (d == NULL) {
        klog("nsfs: cannot add /proc/%s/ns", PROC_PID_NAME);
        return;
    }
    d->arg = PID_SELF;
    for (size_t i = 0; i < ARRAY_SIZE(ns_links); i++) {
        struct vnode *v = vnode_add(d, ns_links[i].name, VN_LINK, S_IFLNK | 0777);
        if (v == NULL) {
            klog("nsfs: cannot add /proc/%s/ns/%s", PROC_PID_NAME, ns_links[i].name);
            continue;
        }
        v->arg = i;
        v->nops = &nslink_nops;
    }
}
