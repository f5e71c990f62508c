/*
 * landlock.c - Landlock (landlock_create_ruleset, landlock_add_rule,
 * landlock_restrict_self) and the checks the file syscalls make through
 * the landlock_* hooks (declared in syscalls/landlock.h).
 *
 * solo implements Landlock ABI 4: every file system right up to
 * LANDLOCK_ACCESS_FS_TRUNCATE, with REFER semantics for renames and links,
 * and the TCP network rights (BIND_TCP, CONNECT_TCP) with port rules.
 * IOCTL_DEV (ABI 5), scopes (ABI 6) and the restrict_self logging flags
 * (ABI 7) are refused with EINVAL, as a kernel without them does.
 *
 * A ruleset is an anonymous file ("anon_inode:[landlock-ruleset]") whose
 * priv is a growable array of rules: a node (inode identity) and the rights
 * granted beneath it.  landlock_restrict_self snapshots the ruleset into a
 * layer and pushes it on the calling thread's domain, a chain of immutable
 * layers (at most LL_MAX_LAYERS, then E2BIG).  Only the calling thread is
 * restricted; threads it creates later inherit its domain (clone copies the
 * pointer).  Domains are shared and never change, so they are never freed
 * (a program makes few of them).
 *
 * A request (a set of rights on an object) is allowed when, in every layer
 * that handles some of the requested rights, each of them is granted by a
 * rule on the object or on one of its ancestors.  Ancestors are found by
 * walking up the object's canonical path (the real path, symlinks already
 * resolved), resolving each prefix to its node; a mount's root stands for
 * its mount point, and what a mount hides is never looked at.  Denied
 * requests answer EACCES; moving or linking a file to another directory
 * (reparenting) also needs REFER on both directories and must not give the
 * file rights it lacked where it was: EXDEV (EACCES first if a plain right
 * is missing), as Linux does.  REFER is handled by every layer.
 *
 * Rights are checked when a file is opened (an fd keeps working whatever
 * happens later; ftruncate needs TRUNCATE to have been granted at open for
 * fds opened by a restricted thread), and at each path-based call: create
 * (MAKE_*), unlink/rmdir (REMOVE_*), truncate, rename and link, and
 * binding a UNIX socket to a path (MAKE_SOCK in its directory, although
 * solo keeps socket names out of the file system).
 * A restricted thread may not mount or unmount (EPERM).
 *
 * Network rights are checked by bind(2) and connect(2) on TCP sockets
 * (AF_INET/AF_INET6 stream): a layer that handles the right must have a
 * port rule granting it for the address's port, else EACCES.  As Linux
 * does before that: an address too short for its family is EINVAL, one of
 * another family than the socket's EINVAL, AF_UNSPEC connect (dissolving
 * the association) always allowed, AF_UNSPEC bind only on an AF_INET
 * socket (EINVAL) and to INADDR_ANY (EAFNOSUPPORT), then checked as
 * AF_INET.  Other sockets and address families pass.
 */
#include "syscalls/syscalls.h"
#include "syscalls/landlock.h"
#include "syscalls/misc.h"
#include "fs/vfs_impl.h"

#define LL_ABI 4
#define LL_MAX_LAYERS 16

/* uapi <linux/landlock.h> */
#define LANDLOCK_CREATE_RULESET_VERSION (1U << 0)
#define LANDLOCK_CREATE_RULESET_ERRATA (1U << 1)
#define LANDLOCK_RULE_PATH_BENEATH 1
#define LANDLOCK_RULE_NET_PORT 2
#define LL_BIND_TCP (1ULL << 0)
#define LL_CONNECT_TCP (1ULL << 1)
#define LL_NET_ALL (LL_BIND_TCP | LL_CONNECT_TCP)
#define LL_PORT_MAX 65535
/* socket constants (net/net.h is not included here) */
#define LL_AF_UNSPEC 0
#define LL_AF_INET 2
#define LL_AF_INET6 10
#define LL_SOCK_STREAM 1
#define LL_IPPROTO_TCP 6
#define LL_EXECUTE (1ULL << 0)
#define LL_WRITE_FILE (1ULL << 1)
#define LL_READ_FILE (1ULL << 2)
#define LL_READ_DIR (1ULL << 3)
#define LL_REMOVE_DIR (1ULL << 4)
#define LL_REMOVE_FILE (1ULL << 5)
#define LL_MAKE_CHAR (1ULL << 6)
#define LL_MAKE_DIR (1ULL << 7)
#define LL_MAKE_REG (1ULL << 8)
#define LL_MAKE_SOCK (1ULL << 9)
#define LL_MAKE_FIFO (1ULL << 10)
#define LL_MAKE_BLOCK (1ULL << 11)
#define LL_MAKE_SYM (1ULL << 12)
#define LL_REFER (1ULL << 13)
#define LL_TRUNCATE (1ULL << 14)
#define LL_FS_ALL ((LL_TRUNCATE << 1) - 1)          /* the rights of ABI 3 */
/* rights that make sense on a file (the rest need a directory) */
#define LL_FILE_RIGHTS (LL_EXECUTE | LL_WRITE_FILE | LL_READ_FILE | LL_TRUNCATE)

struct ruleset_attr_k {
    u64 handled_access_fs;
    u64 handled_access_net;
    u64 scoped;
};

struct path_beneath_k {
    u64 allowed_access;
    s32 parent_fd;
} __attribute__((packed));

struct net_port_k {
    u64 allowed_access;
    u64 port;
};

struct ll_rule {
    struct node node;
    u64 access;
};

/* A network rule: rights granted on a TCP port. */
struct ll_port {
    u16 port;
    u64 access;
};

/* A ruleset (the priv of its file) and, snapshotted, a domain's layer. */
struct ll_ruleset {
    u64 handled;                       /* handled_access_fs as given */
    u64 handled_net;                   /* handled_access_net */
    int n, cap;
    struct ll_rule *rules;
    int np, pcap;
    struct ll_port *ports;
};

struct landlock_domain {
    struct landlock_domain *parent;    /* the layers below, or NULL */
    int depth;                         /* layers in the chain, this one included */
    u64 handled;                       /* this layer's handled rights, REFER always */
    u64 handled_net;
    int np;
    struct ll_port *ports;             /* np port rules (after rules[]) */
    int n;
    struct ll_rule rules[];
};

/* ---------------------------------------------------------------- ruleset files */

static struct vnode ruleset_vnode = { .name = "anon_inode:[landlock-ruleset]",
                                      .nops = &anon_inode_nops };

static long ruleset_read(struct file *f, void *buf, size_t n, u64 off)
{
    (void)f;
    (void)buf;
    (void)n;
    (void)off;
    return -EINVAL;                    /* as Linux's ruleset files */
}

static long ruleset_write(struct file *f, const void *buf, size_t n, u64 off)
{
    (void)f;
    (void)buf;
    (void)n;
    (void)off;
    return -EINVAL;                    /* as Linux's ruleset files */
}

static void ruleset_release(struct file *f)
{
    struct ll_ruleset *rs = f->priv;
    if (rs != NULL) {
        kfree(rs->rules);
        kfree(rs->ports);
    }
    kfree(rs);
}

static const struct file_ops ruleset_fops = {
    .read = ruleset_read,
    .write = ruleset_write,
    .release = ruleset_release,
};

/* The ruleset behind fd: -EBADF (no fd), -EBADFD (not a ruleset). */
static struct ll_ruleset *ruleset_of(int fd, int *err)
{
    struct file *f = fd_file(fd);
    *err = f == NULL ? -EBADF : f->ops != &ruleset_fops ? -EBADFD : 0;
    return *err == 0 ? f->priv : NULL;
}

static bool same_node(struct node a, struct node b)
{
    return a.v == b.v && (a.v != NULL || a.id == b.id);
}

/* Grant access beneath node n (merged with an existing rule on n). */
static int ruleset_add(struct ll_ruleset *rs, struct node n, u64 access)
{
    for (int i = 0; i < rs->n; i++) {
        if (same_node(rs->rules[i].node, n)) {
            rs->rules[i].access |= access;
            return 0;
        }
    }
    if (rs->n == rs->cap) {
        int cap = rs->cap == 0 ? 8 : rs->cap * 2;
        struct ll_rule *r = kmalloc((size_t)cap * sizeof(*r));
        if (r == NULL)
            return -ENOMEM;
        if (rs->n > 0)
            memcpy(r, rs->rules, (size_t)rs->n * sizeof(*r));
        kfree(rs->rules);
        rs->rules = r;
        rs->cap = cap;
    }
    rs->rules[rs->n++] = (struct ll_rule){ n, access };
    return 0;
}

/* Grant access on TCP port (merged with an existing rule on it). */
static int ruleset_add_port(struct ll_ruleset *rs, u16 port, u64 access)
{
    for (int i = 0; i < rs->np; i++) {
        if (rs->ports[i].port == port) {
            rs->ports[i].access |= access;
            return 0;
        }
    }
    if (rs->np == rs->pcap) {
        int cap = rs->pcap == 0 ? 8 : rs->pcap * 2;
        struct ll_port *p = kmalloc((size_t)cap * sizeof(*p));
        if (p == NULL)
            return -ENOMEM;
        if (rs->np > 0)
            memcpy(p, rs->ports, (size_t)rs->np * sizeof(*p));
        kfree(rs->ports);
        rs->ports = p;
        rs->pcap = cap;
    }
    rs->ports[rs->np++] = (struct ll_port){ port, access };
    return 0;
}

/* ---------------------------------------------------------------- syscalls */

/* Copy an extensible struct (Linux's copy_min_struct_from_user): usize
 * below kmin EINVAL, above a page E2BIG, nonzero bytes past ksize E2BIG. */
static int copy_min_struct(void *k, size_t ksize, size_t kmin, const void *u, size_t usize)
{
    if (u == NULL)
        return -EFAULT;
    if (usize < kmin)
        return -EINVAL;
    if (usize > 4096)
        return -E2BIG;
    return copy_struct_from_user(k, ksize, u, usize);
}

// partial: Landlock ABI 4 (file system rights up to TRUNCATE, TCP bind/connect); IOCTL_DEV and scopes are EINVAL; ERRATA reports no fixes (0)
long sys_landlock_create_ruleset(const void *uattr, size_t size, u32 flags)
{
    struct ruleset_attr_k a;
    if (flags != 0) {
        if (flags == LANDLOCK_CREATE_RULESET_VERSION && uattr == NULL && size == 0)
            return LL_ABI;
        if (flags == LANDLOCK_CREATE_RULESET_ERRATA && uattr == NULL && size == 0)
            return 0;
        return -EINVAL;
    }
    int r = copy_min_struct(&a, sizeof(a), sizeof(a.handled_access_fs), uattr, size);
    if (r < 0)
        return r;
    if ((a.handled_access_fs & ~LL_FS_ALL) != 0 || (a.handled_access_net & ~LL_NET_ALL) != 0 ||
        a.scoped != 0)
        return -EINVAL;
    if (a.handled_access_fs == 0 && a.handled_access_net == 0)
        return -ENOMSG;
    struct file *f = file_alloc();
    struct ll_ruleset *rs = kzalloc(sizeof(*rs));
    if (f == NULL || rs == NULL) {
        kfree(f);
        kfree(rs);
        return -ENOMEM;
    }
    rs->handled = a.handled_access_fs;
    rs->handled_net = a.handled_access_net;
    f->ops = &ruleset_fops;
    f->priv = rs;
    f->flags = O_RDWR;
    f->node = (struct node){ &ruleset_vnode, anon_inode_next() };
    r = fd_install(f, 0, true);
    if (r < 0)
        file_put(f);
    return r;
}

/* The node a rule's parent_fd names: -EBADF, or -EBADFD for files with no
 * place in the tree (rulesets, pipes, sockets, anonymous inodes). */
static int rule_parent(int fd, struct node *out)
{
    struct file *f = fd_file(fd);
    if (f == NULL)
        return -EBADF;
    if (f->ops == &ruleset_fops || f->path == NULL || f->path[0] != '/' ||
        (f->node.v != NULL && f->node.v->nops == &anon_inode_nops))
        return -EBADFD;
    /* memfds live on an internal file system, as on Linux */
    if (f->node.v != NULL && strncmp(f->path, "/memfd:", 7) == 0)
        return -EBADFD;
    *out = f->node;
    return 0;
}

/* LANDLOCK_RULE_NET_PORT: rights on a TCP port. */
static long add_net_port(struct ll_ruleset *rs, const void *uattr)
{
    struct net_port_k np;
    if (copy_from_user(&np, uattr, sizeof(np)) < 0)
        return -EFAULT;
    if (np.allowed_access == 0)
        return -ENOMSG;
    if ((np.allowed_access & ~rs->handled_net) != 0)
        return -EINVAL;
    if (np.port > LL_PORT_MAX)
        return -EINVAL;
    return ruleset_add_port(rs, (u16)np.port, np.allowed_access);
}

long sys_landlock_add_rule(int ruleset_fd, int rule_type, const void *uattr, u32 flags)
{
    struct path_beneath_k pb;
    struct node n;
    int r;
    if (flags != 0)
        return -EINVAL;
    struct ll_ruleset *rs = ruleset_of(ruleset_fd, &r);
    if (rs == NULL)
        return r;
    if (rule_type == LANDLOCK_RULE_NET_PORT)
        return add_net_port(rs, uattr);
    if (rule_type != LANDLOCK_RULE_PATH_BENEATH)
        return -EINVAL;
    if (copy_from_user(&pb, uattr, sizeof(pb)) < 0)
        return -EFAULT;
    if (pb.allowed_access == 0)
        return -ENOMSG;
    if ((pb.allowed_access & ~rs->handled) != 0)
        return -EINVAL;
    r = rule_parent(pb.parent_fd, &n);
    if (r < 0)
        return r;
    if (!node_is_dir(n) && (pb.allowed_access & ~LL_FILE_RIGHTS) != 0)
        return -EINVAL;
    return ruleset_add(rs, n, pb.allowed_access);
}

/* May the caller restrict itself: no_new_privs set, or CAP_SYS_ADMIN. */
static bool may_restrict(void)
{
    return current->no_new_privs || cap_has(CAP_SYS_ADMIN);
}

// partial: the ABI 7 logging flags (LANDLOCK_RESTRICT_SELF_LOG_*) are EINVAL: solo has no audit log
long sys_landlock_restrict_self(int ruleset_fd, u32 flags)
{
    int r;
    if (!may_restrict())
        return -EPERM;
    if (flags != 0)
        return -EINVAL;
    struct ll_ruleset *rs = ruleset_of(ruleset_fd, &r);
    if (rs == NULL)
        return r;
    struct landlock_domain *parent = current->landlock;
    if (parent != NULL && parent->depth >= LL_MAX_LAYERS)
        return -E2BIG;
    size_t rsz = (size_t)rs->n * sizeof(struct ll_rule);
    struct landlock_domain *d = kmalloc(sizeof(*d) + rsz + (size_t)rs->np * sizeof(struct ll_port));
    if (d == NULL)
        return -ENOMEM;
    d->parent = parent;
    d->depth = parent != NULL ? parent->depth + 1 : 1;
    d->handled = rs->handled | LL_REFER;
    d->handled_net = rs->handled_net;
    d->n = rs->n;
    if (rs->n > 0)
        memcpy(d->rules, rs->rules, rsz);
    d->np = rs->np;
    d->ports = (struct ll_port *)((u8 *)d->rules + rsz);
    if (rs->np > 0)
        memcpy(d->ports, rs->ports, (size_t)rs->np * sizeof(struct ll_port));
    current->landlock = d;
    return 0;
}

/* ---------------------------------------------------------------- checks */

/* The nodes a walk up from canonical path meets: self (the object at path,
 * if has_self), then each ancestor up to "/" (at most one per '/', so max
 * bounds them).  *out is kmalloc'ed.  Count or -errno. */
static int ancestors(const char *path, struct node self, bool has_self, struct node **out)
{
    size_t len = strlen(path);
    int max = 2;
    for (size_t i = 0; i < len; i++)
        max += path[i] == '/';
    struct node *v = kmalloc((size_t)max * sizeof(*v));
    char *p = kmalloc(len + 2);
    int n = 0;
    if (v == NULL || p == NULL) {
        kfree(v);
        kfree(p);
        return -ENOMEM;
    }
    memcpy(p, path, len + 1);
    if (has_self)
        v[n++] = self;
    for (;;) {
        char *s = strrchr(p, '/');
        if (s == NULL || p[1] == '\0')
            break;
        if (s == p)
            s[1] = '\0';
        else
            *s = '\0';
        if (vfs_resolve_canonical(p, &v[n], NULL) == 0)
            n++;
    }
    kfree(p);
    *out = v;
    return n;
}

/* The rights layer d grants through the nodes v[0..n). */
static u64 granted(const struct landlock_domain *d, const struct node *v, int n)
{
    u64 g = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < d->n; j++)
            if (same_node(d->rules[j].node, v[i]))
                g |= d->rules[j].access;
    return g;
}

/* Is req allowed on the object at canonical path (node self: the object,
 * or, when has_self is false, a name in the directory path)?  0 or
 * -EACCES; *grant (if not NULL) gets the rights of req that every layer
 * allows. */
static int check(const char *path, struct node self, bool has_self, u64 req, u64 *grant)
{
    struct landlock_domain *dom = current->landlock;
    struct node *v;
    u64 ok = req;
    if (dom == NULL) {
        if (grant != NULL)
            *grant = req;
        return 0;
    }
    int n = ancestors(path, self, has_self, &v);
    if (n < 0)
        return n;
    for (struct landlock_domain *d = dom; d != NULL; d = d->parent)
        if ((req & d->handled) != 0)
            ok &= ~(req & d->handled & ~granted(d, v, n));
    kfree(v);
    if (grant != NULL)
        *grant = ok;
    return ok == req ? 0 : -EACCES;
}

bool landlock_restricted(void)
{
    return current->landlock != NULL;
}

/* MAKE_* right for a new object of kind (vnode kind of create_in). */
static u64 make_right(u32 mode)
{
    switch (mode & S_IFMT) {
    case S_IFDIR: return LL_MAKE_DIR;
    case S_IFLNK: return LL_MAKE_SYM;
    case S_IFCHR: return LL_MAKE_CHAR;
    case S_IFBLK: return LL_MAKE_BLOCK;
    case S_IFIFO: return LL_MAKE_FIFO;
    case S_IFSOCK: return LL_MAKE_SOCK;
    }
    return LL_MAKE_REG;
}

/* The file type a create of kind makes (VN_NODE: mknod's, in mode). */
static u32 kind_mode(u8 kind, u32 mode)
{
    return kind == VN_DIR ? S_IFDIR : kind == VN_LINK ? S_IFLNK : kind == VN_NODE ? (mode & S_IFMT) : S_IFREG;
}

int landlock_make(const struct lookup *lk, u8 kind, u32 mode)
{
    if (current->landlock == NULL)
        return 0;
    return check(lk->path, lk->node, true, make_right(kind_mode(kind, mode)), NULL);
}

int landlock_open(const struct lookup *lk, int flags, u32 mode, bool created, bool *notrunc)
{
    u64 req = 0, grant;
    *notrunc = false;
    if (current->landlock == NULL || (flags & O_PATH) != 0)
        return 0;
    int acc = flags & O_ACCMODE;
    if (acc == O_RDONLY || acc == O_RDWR)
        req |= S_ISDIR(mode) ? LL_READ_DIR : LL_READ_FILE;
    if (acc == O_WRONLY || acc == O_RDWR)
        req |= LL_WRITE_FILE;
    int r = check(lk->path, lk->node, true, req | LL_TRUNCATE, &grant);
    if (r == -ENOMEM)
        return r;
    if ((grant & req) != req)
        return -EACCES;
    *notrunc = (grant & LL_TRUNCATE) == 0;
    if ((flags & O_TRUNC) != 0 && !created && S_ISREG(mode) && *notrunc)
        return -EACCES;
    return 0;
}

int landlock_bind_unix(const char *path)
{
    if (current->landlock == NULL || path[0] != '/')
        return 0;
    struct lookup *lk = lookup_alloc();
    if (lk == NULL)
        return -ENOMEM;
    int r = vfs_lookup(AT_FDCWD, path, 0, lk);
    r = (r == -ENOENT && lk->missing_last) ? check(lk->path, lk->node, true, LL_MAKE_SOCK, NULL) : 0;
    lookup_free(lk);
    return r;
}

int landlock_truncate(const struct lookup *lk)
{
    if (current->landlock == NULL)
        return 0;
    return check(lk->path, lk->node, true, LL_TRUNCATE, NULL);
}

int landlock_remove(const struct lookup *lk, bool dir)
{
    if (current->landlock == NULL)
        return 0;
    return check(lk->path, lk->node, false, dir ? LL_REMOVE_DIR : LL_REMOVE_FILE, NULL);
}

/* One side of a rename or link: the parent directory's canonical path and
 * node. */
struct side {
    char *dir;
    struct node node;
};

/* The directory holding the object lk names (found: missing is false) or
 * would create (missing).  0 or -errno. */
static int side_of(const struct lookup *lk, bool missing, struct side *s)
{
    size_t len = strlen(lk->path);
    s->dir = kmalloc(len + 2);
    if (s->dir == NULL)
        return -ENOMEM;
    memcpy(s->dir, lk->path, len + 1);
    if (missing) {
        s->node = lk->node;
        return 0;
    }
    char *sl = strrchr(s->dir, '/');
    if (sl == NULL)
        return -ENOENT;
    if (sl == s->dir)
        sl[1] = '\0';
    else
        *sl = '\0';
    return vfs_resolve_canonical(s->dir, &s->node, NULL);
}

/* Linux's rename/link check: src is the object moved or linked (found),
 * dst the new name (missing: a name in lk's directory, or the victim it
 * replaces).  remove: a rename (the source loses its name). */
static int refer(const struct lookup *src, const struct lookup *dst, bool dmissing, bool remove)
{
    struct side a = { NULL, { NULL, 0 } }, b = { NULL, { NULL, 0 } };
    struct node *va = NULL, *vb = NULL;
    struct kstat st;
    int r = node_stat(src->node, &st);
    if (r == 0)
        r = side_of(src, false, &a);
    if (r == 0)
        r = side_of(dst, dmissing, &b);
    if (r < 0)
        goto out;
    bool sdir = S_ISDIR(st.mode);
    u64 req1 = remove ? (sdir ? LL_REMOVE_DIR : LL_REMOVE_FILE) : 0;
    u64 req2 = make_right(st.mode);
    if (!dmissing)
        req2 |= node_is_dir(dst->node) ? LL_REMOVE_DIR : LL_REMOVE_FILE;
    if (same_node(a.node, b.node)) {
        r = check(b.dir, b.node, true, req1 | req2, NULL);
        goto out;
    }
    int na = ancestors(a.dir, a.node, true, &va);
    int nb = ancestors(b.dir, b.node, true, &vb);
    if (na < 0 || nb < 0) {
        r = -ENOMEM;
        goto out;
    }
    bool eacces = false, exdev = false;
    for (struct landlock_domain *d = current->landlock; d != NULL; d = d->parent) {
        u64 ga = granted(d, va, na), gb = granted(d, vb, nb);
        /* rules on a moved directory itself go with it */
        u64 gchild = ga | (sdir ? granted(d, &src->node, 1) : 0);
        u64 scope = d->handled & (sdir ? ~0ULL : LL_FILE_RIGHTS);
        eacces |= (req1 & d->handled & ~ga) != 0 || (req2 & d->handled & ~gb) != 0;
        exdev |= (ga & LL_REFER) == 0 || (gb & LL_REFER) == 0;
        /* the file must not gain rights: whatever the destination grants
         * must have been granted where it was (scope: the rights that
         * apply to it) */
        exdev |= (scope & ~gchild & gb) != 0;
    }
    r = eacces ? -EACCES : exdev ? -EXDEV : 0;
out:
    kfree(va);
    kfree(vb);
    kfree(a.dir);
    kfree(b.dir);
    return r;
}

int landlock_rename(const struct lookup *ok, const struct lookup *nk, bool nmiss)
{
    if (current->landlock == NULL)
        return 0;
    return refer(ok, nk, nmiss, true);
}

int landlock_link(const struct lookup *ok, const struct lookup *nk)
{
    if (current->landlock == NULL)
        return 0;
    return refer(ok, nk, true, false);
}

/* ---------------------------------------------------------------- network */

/* Does any layer of dom handle a network right? */
static bool handles_net(const struct landlock_domain *dom)
{
    for (; dom != NULL; dom = dom->parent)
        if (dom->handled_net != 0)
            return true;
    return false;
}

/* The rights layer d grants on TCP port. */
static u64 port_granted(const struct landlock_domain *d, u16 port)
{
    for (int i = 0; i < d->np; i++)
        if (d->ports[i].port == port)
            return d->ports[i].access;
    return 0;
}

int landlock_net(int family, int type, int protocol, const u8 *addr, u32 len, bool connect)
{
    const struct landlock_domain *dom = current->landlock;
    u16 fam;
    if (dom == NULL || !handles_net(dom))
        return 0;
    if ((family != LL_AF_INET && family != LL_AF_INET6) || (type & 0xf) != LL_SOCK_STREAM ||
        (protocol != 0 && protocol != LL_IPPROTO_TCP))
        return 0;                      /* not TCP */
    if (len < sizeof(fam))
        return -EINVAL;
    memcpy(&fam, addr, sizeof(fam));
    if (fam == LL_AF_UNSPEC || fam == LL_AF_INET) {
        if (len < 16)                  /* sizeof(struct sockaddr_in) */
            return -EINVAL;
    } else if (fam == LL_AF_INET6) {
        if (len < 24)                  /* SIN6_LEN_RFC2133 */
            return -EINVAL;
    } else {
        return 0;
    }
    if (fam == LL_AF_UNSPEC) {
        if (connect)
            return 0;                  /* dissolving a connection: always allowed */
        if (family != LL_AF_INET)
            return -EINVAL;
        if (addr[4] != 0 || addr[5] != 0 || addr[6] != 0 || addr[7] != 0)
            return -EAFNOSUPPORT;      /* only INADDR_ANY, as inet bind */
    } else if (fam != family) {
        return -EINVAL;
    }
    u16 port = (u16)(addr[2] << 8 | addr[3]);
    u64 req = connect ? LL_CONNECT_TCP : LL_BIND_TCP;
    for (const struct landlock_domain *d = dom; d != NULL; d = d->parent)
        if ((d->handled_net & req) != 0 && (port_granted(d, port) & req) == 0)
            return -EACCES;
    return 0;
}
