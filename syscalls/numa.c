/*
 * numa.c - the NUMA memory-policy calls on solo's one memory node (node 0):
 * set_mempolicy, get_mempolicy, mbind, migrate_pages, move_pages and
 * set_mempolicy_home_node, with the answers Linux gives on a machine with a
 * single node.  Policies are remembered (the process policy and, for mbind,
 * a small table of address ranges searched newest first) and read back by
 * get_mempolicy, but they change nothing: every page is on node 0 anyway.
 * Node masks are validated as Linux does: bits for nodes other than 0 are
 * dropped, and a policy left with no node is EINVAL.
 * Invariant: proc_pol.mode is MPOL_DEFAULT..MPOL_WEIGHTED_INTERLEAVE and
 * proc_pol.nodes is {0} for the modes that take nodes, {} otherwise.
 */
#include "syscalls/syscalls.h"
#include "runtime/mm/vm.h"

#define MPOL_DEFAULT 0
#define MPOL_PREFERRED 1
#define MPOL_BIND 2
#define MPOL_INTERLEAVE 3
#define MPOL_LOCAL 4
#define MPOL_PREFERRED_MANY 5
#define MPOL_WEIGHTED_INTERLEAVE 6
#define MPOL_MAX 7
#define MPOL_F_NUMA_BALANCING (1 << 13)
#define MPOL_F_RELATIVE_NODES (1 << 14)
#define MPOL_F_STATIC_NODES (1 << 15)
#define MPOL_MODE_FLAGS (MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES | MPOL_F_NUMA_BALANCING)
#define MPOL_F_NODE 1
#define MPOL_F_ADDR 2
#define MPOL_F_MEMS_ALLOWED 4
#define MPOL_MF_STRICT 1
#define MPOL_MF_MOVE 2
#define MPOL_MF_MOVE_ALL 4
#define MAX_NODES 1024                 /* as a distribution kernel's MAX_NUMNODES */
#define PG 4096UL

struct mpol {
    int mode;                          /* MPOL_* */
    int flags;                         /* MPOL_F_STATIC_NODES etc. */
    u64 nodes;                         /* effective nodes: bit 0 or nothing */
    u64 user;                          /* first word of the caller's mask (static/relative) */
};

struct mrange {
    u64 start, end;                    /* end 0: free slot */
    struct mpol pol;
};

static struct mpol proc_pol;           /* zero: MPOL_DEFAULT */
static struct mrange ranges[32];
static unsigned range_next;            /* round-robin slot for a full table */
static u64 range_seq[32];
static u64 seq;

/* Split mode into mode and flags and check them: 0 or -EINVAL. */
static int sanitize(int *mode, int *flags)
{
    *flags = *mode & MPOL_MODE_FLAGS;
    *mode &= ~MPOL_MODE_FLAGS;
    if ((unsigned)*mode >= MPOL_MAX)
        return -EINVAL;
    if ((*flags & MPOL_F_STATIC_NODES) != 0 && (*flags & MPOL_F_RELATIVE_NODES) != 0)
        return -EINVAL;
    if ((*flags & MPOL_F_NUMA_BALANCING) != 0 &&
        *mode != MPOL_BIND && *mode != MPOL_PREFERRED_MANY)
        return -EINVAL;
    return 0;
}

/* Read a user node mask of maxnode-1 bits (Linux drops the last one):
 * *first = its first word, *any = whether any bit is set.  0, -EINVAL, -EFAULT. */
static int get_nodes(const u64 *umask, u64 maxnode, u64 *first, bool *any)
{
    *first = 0;
    *any = false;
    maxnode--;
    if (maxnode == 0 || umask == NULL)
        return 0;
    if (maxnode > PG * 8)
        return -EINVAL;
    u64 words = (maxnode + 63) / 64;
    for (u64 i = 0; i < words; i++) {
        u64 w;
        if (copy_from_user(&w, umask + i, sizeof(w)) < 0)
            return -EFAULT;
        u64 bits = maxnode - i * 64;
        if (bits < 64)
            w &= (1UL << bits) - 1;
        if (i * 64 >= MAX_NODES && w != 0)
            return -EINVAL;            /* beyond the nodes a kernel supports */
        if (i == 0)
            *first = w;
        if (w != 0)
            *any = true;
    }
    return 0;
}

/* Build the policy mode/flags with the user's nodes (mpol_new + the node
 * check): 0 and *p, or -EINVAL.  MPOL_DEFAULT gives mode 0. */
static int mpol_make(int mode, int flags, u64 first, bool any, struct mpol *p)
{
    *p = (struct mpol){ .mode = mode, .flags = flags, .user = first };
    if (mode == MPOL_DEFAULT) {
        if (any)
            return -EINVAL;
        p->flags = 0;
        return 0;
    }
    if (mode == MPOL_PREFERRED && !any) {
        if ((flags & (MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES)) != 0)
            return -EINVAL;
        p->mode = MPOL_LOCAL;
        return 0;
    }
    if (mode == MPOL_LOCAL) {
        if (any || (flags & (MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES)) != 0)
            return -EINVAL;
        return 0;
    }
    if (!any)
        return -EINVAL;
    if ((flags & MPOL_F_RELATIVE_NODES) != 0) {
        p->nodes = 1;                  /* relative: any set bit folds onto node 0 */
        return 0;
    }
    if ((first & 1) == 0)
        return -EINVAL;                /* none of the nodes exists */
    p->nodes = 1;
    return 0;
}

/* partial: one node; policies are recorded and reported but place nothing */
long sys_set_mempolicy(int mode, const u64 *umask, u64 maxnode)
{
    int flags;
    u64 first;
    bool any;
    struct mpol p;
    int r = sanitize(&mode, &flags);
    if (r == 0)
        r = get_nodes(umask, maxnode, &first, &any);
    if (r == 0)
        r = mpol_make(mode, flags, first, any, &p);
    if (r < 0)
        return r;
    proc_pol = p;
    return 0;
}

/* The policy mbind set on the page at addr (newest range first), or NULL. */
static const struct mpol *range_policy(u64 addr)
{
    const struct mpol *best = NULL;
    u64 best_seq = 0;
    for (unsigned i = 0; i < 32; i++) {
        if (ranges[i].end != 0 && addr >= ranges[i].start && addr < ranges[i].end &&
            range_seq[i] > best_seq) {
            best = &ranges[i].pol;
            best_seq = range_seq[i];
        }
    }
    return best;
}

/* Write the node mask (maxnode bits) to umask: 0, -EINVAL or -EFAULT. */
static int put_nodes(u64 *umask, u64 maxnode, u64 nodes)
{
    u64 bytes = ((maxnode - 1 + 63) / 64) * 8;
    if (bytes > PG)
        return -EINVAL;
    for (u64 i = 0; i < bytes / 8; i++) {
        u64 w = i == 0 ? nodes : 0;
        if (copy_to_user(umask + i, &w, sizeof(w)) < 0)
            return -EFAULT;
    }
    return 0;
}

/* partial: one node; MPOL_F_NODE with MPOL_F_ADDR reports node 0 for any mapped page */
long sys_get_mempolicy(int *upolicy, u64 *umask, u64 maxnode, u64 addr, u64 flags)
{
    struct mpol dflt = { 0 };
    const struct mpol *pol = &proc_pol;
    int val;
    u64 nodes;
    if (umask != NULL && maxnode < 1)
        return -EINVAL;
    if ((flags & ~(u64)(MPOL_F_NODE | MPOL_F_ADDR | MPOL_F_MEMS_ALLOWED)) != 0)
        return -EINVAL;
    if ((flags & MPOL_F_MEMS_ALLOWED) != 0) {
        if ((flags & (MPOL_F_NODE | MPOL_F_ADDR)) != 0)
            return -EINVAL;
        val = 0;
        nodes = 1;
    } else {
        if ((flags & MPOL_F_ADDR) != 0) {
            if (!vm_range_mapped(addr & ~(PG - 1), PG))
                return -EFAULT;
            pol = range_policy(addr);
            if (pol == NULL)
                pol = &dflt;
        } else if (addr != 0) {
            return -EINVAL;
        }
        if ((flags & MPOL_F_NODE) != 0) {
            if ((flags & MPOL_F_ADDR) != 0) {
                int r = vm_populate(addr & ~(PG - 1), PG);
                if (r < 0)
                    return r;
                val = 0;
            } else if (pol == &proc_pol && (pol->mode == MPOL_INTERLEAVE ||
                                            pol->mode == MPOL_WEIGHTED_INTERLEAVE)) {
                val = 0;               /* the next interleave node */
            } else {
                return -EINVAL;
            }
        } else {
            val = pol->mode | pol->flags;
        }
        if ((pol->flags & (MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES)) != 0)
            nodes = pol->user;
        else
            nodes = pol->nodes;
    }
    if (upolicy != NULL && copy_to_user(upolicy, &val, sizeof(val)) < 0)
        return -EFAULT;
    if (umask != NULL)
        return put_nodes(umask, maxnode, nodes);
    return 0;
}

/* Remember p for [start, end): a free slot, else the oldest one. */
static void range_set(u64 start, u64 end, const struct mpol *p)
{
    unsigned slot = 32;
    for (unsigned i = 0; i < 32 && slot == 32; i++) {
        if (ranges[i].end == 0 || (ranges[i].start >= start && ranges[i].end <= end))
            slot = i;                  /* free, or wholly replaced by this call */
    }
    if (slot == 32) {
        slot = range_next;
        range_next = (range_next + 1) % 32;
    }
    ranges[slot] = (struct mrange){ start, end, *p };
    range_seq[slot] = ++seq;
}

/* partial: one node; MPOL_MF_MOVE has nothing to move */
long sys_mbind(u64 start, u64 len, int mode, const u64 *umask, u64 maxnode, u64 flags)
{
    int mflags;
    u64 first;
    bool any;
    struct mpol p;
    int r = sanitize(&mode, &mflags);
    if (r == 0)
        r = get_nodes(umask, maxnode, &first, &any);
    if (r < 0)
        return r;
    if ((flags & ~(u64)(MPOL_MF_STRICT | MPOL_MF_MOVE | MPOL_MF_MOVE_ALL)) != 0)
        return -EINVAL;
    if ((start & (PG - 1)) != 0)
        return -EINVAL;
    len = (len + PG - 1) & ~(PG - 1);
    if (start + len < start)
        return -EINVAL;
    if (len == 0)
        return 0;
    r = mpol_make(mode, mflags, first, any, &p);
    if (r < 0)
        return r;
    if (!vm_range_mapped(start, len))
        return -EFAULT;
    range_set(start, start + len, &p);
    return 0;
}

/* pid 0 or the caller's own: 0; any other: -ESRCH (solo runs one process). */
static int own_pid(int pid)
{
    return pid == 0 || pid == 1 ? 0 : -ESRCH;
}

long sys_migrate_pages(int pid, u64 maxnode, const u64 *uold, const u64 *unew)
{
    u64 ofirst, nfirst;
    bool oany, nany;
    int r = get_nodes(uold, maxnode, &ofirst, &oany);
    if (r == 0)
        r = get_nodes(unew, maxnode, &nfirst, &nany);
    if (r == 0)
        r = own_pid(pid);
    if (r < 0)
        return r;
    if ((nfirst & 1) == 0)
        return -EINVAL;                /* no allowed node left in the new set */
    return 0;                          /* every page already is on node 0 */
}

/* partial: one node; pages never move since every page is on node 0 */
long sys_move_pages(int pid, u64 count, const u64 *upages, const int *unodes, int *ustatus,
                    int flags)
{
    if ((flags & ~(MPOL_MF_MOVE | MPOL_MF_MOVE_ALL)) != 0)
        return -EINVAL;
    int r = own_pid(pid);
    if (r < 0)
        return r;
    for (u64 i = 0; i < count; i++) {
        u64 addr;
        int st;
        if (copy_from_user(&addr, upages + i, sizeof(addr)) < 0)
            return -EFAULT;
        if (unodes != NULL) {
            int node;
            if (copy_from_user(&node, unodes + i, sizeof(node)) < 0)
                return -EFAULT;
            if (node < 0 || node >= MAX_NODES || node != 0)
                return -ENODEV;
        }
        addr &= ~(PG - 1);
        u8 res = 0;
        if (!vm_range_mapped(addr, PG))
            st = -EFAULT;
        else if (vm_resident(addr, PG, &res) < 0 || res == 0)
            st = -ENOENT;
        else
            st = 0;
        if (copy_to_user(ustatus + i, &st, sizeof(st)) < 0)
            return -EFAULT;
    }
    return 0;
}

long sys_set_mempolicy_home_node(u64 start, u64 len, u64 home, u64 flags)
{
    if ((start & (PG - 1)) != 0 || flags != 0 || home != 0)
        return -EINVAL;
    len = (len + PG - 1) & ~(PG - 1);
    u64 end = start + len;
    if (end < start)
        return -EINVAL;
    for (unsigned i = 0; i < 32; i++) {
        const struct mrange *m = &ranges[i];
        if (m->end == 0 || m->end <= start || m->start >= end)
            continue;
        if (m->pol.mode != MPOL_BIND && m->pol.mode != MPOL_PREFERRED_MANY)
            return -EOPNOTSUPP;
    }
    return 0;
}
