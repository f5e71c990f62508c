/*
 * locks.c - advisory file locks: flock(2) locks and fcntl(2) byte-range
 * locks, both open-file-description (F_OFD_*) and process-associated
 * (F_SETLK).
 *
 * Every lock is one record on a single list: the file it locks (by device
 * and inode, so separate opens of one file meet), its family (flock locks
 * and byte-range locks never conflict with each other, as in Linux), its
 * owner, its type and its inclusive byte range (flock: the whole file).
 * The owner of a flock or OFD lock is the struct file (the open file
 * description: dup'd fds share it, a second open() does not); the owner of
 * every classic record lock is solo's one process, so those never conflict
 * with each other, only with OFD locks.  Two locks conflict when they belong
 * to different owners of one family on one file, their ranges overlap and
 * one of them is exclusive.  An owner's own byte-range locks are split,
 * replaced and merged (adjacent ranges of one type join) like Linux's, so a
 * test sees the same ranges.  Blocked lockers sleep on one wait queue and
 * look again after any unlock.  Kernel code runs under the big kernel lock,
 * so the list needs no lock of its own.
 */
#include "fs/locks.h"
#include "fs/vfs_impl.h"

enum { FAM_FLOCK, FAM_RANGE };

struct lock {
    struct lock *next;
    u64 dev, ino;                      /* the file */
    const void *owner;                 /* struct file, or &process_owner */
    u8 family;                         /* FAM_* */
    u8 type;                           /* LK_RD or LK_WR */
    u64 start, end;                    /* inclusive */
};

static struct lock *locks;
static struct waitq lock_waiters;
static const char process_owner;       /* owner of the process's record locks */

struct lock_req {
    u64 dev, ino;
    const void *owner;
    u8 family;
    int type;
    u64 start, end;
};

/* The file f's lock identity: its device and inode number. */
static void file_key(struct file *f, u64 *dev, u64 *ino)
{
    struct kstat st;
    if (node_stat(f->node, &st) == 0) {
        *dev = st.dev;
        *ino = st.ino;
    } else {
        *dev = ~0ULL;                  /* no stat: the node itself */
        *ino = (u64)f->node.v ^ f->node.id;
    }
}

static bool same_file(const struct lock *l, const struct lock_req *r)
{
    return l->dev == r->dev && l->ino == r->ino && l->family == r->family;
}

static bool conflicts(const struct lock *l, const struct lock_req *r)
{
    return same_file(l, r) && l->owner != r->owner && (l->type == LK_WR || r->type == LK_WR) &&
           l->start <= r->end && r->start <= l->end;
}

static struct lock *find_conflict(const struct lock_req *r)
{
    for (struct lock *l = locks; l != NULL; l = l->next)
        if (conflicts(l, r))
            return l;
    return NULL;
}

static void wake_lockers(void)
{
    waitq_wake(&lock_waiters, 0x7fffffff);
}

/* Sleep until some lock is released: 0, or -EINTR for a signal. */
static int wait_unlock(void)
{
    return waitq_wait_intr(&lock_waiters, 0) == -EINTR ? -EINTR : 0;
}

static void unlink_lock(struct lock **pp)
{
    struct lock *l = *pp;
    *pp = l->next;
    kfree(l);
}

static struct lock *new_lock(const struct lock_req *r, u64 start, u64 end, int type)
{
    struct lock *l = kmalloc(sizeof(*l));
    if (l == NULL)
        return NULL;
    *l = (struct lock){ .dev = r->dev, .ino = r->ino, .owner = r->owner, .family = r->family,
                        .type = (u8)type, .start = start, .end = end };
    return l;
}

static void append(struct lock *n)
{
    struct lock **pp = &locks;
    while (*pp != NULL)
        pp = &(*pp)->next;
    n->next = NULL;
    *pp = n;
}

/* Take [r->start, r->end] out of the owner's locks on the file, splitting a
 * lock that covers it on both sides (spare: a preallocated record). */
static void cut_range(const struct lock_req *r, struct lock **spare)
{
    for (struct lock **pp = &locks; *pp != NULL;) {
        struct lock *l = *pp;
        if (!same_file(l, r) || l->owner != r->owner || l->end < r->start || l->start > r->end) {
            pp = &l->next;
            continue;
        }
        if (l->start >= r->start && l->end <= r->end) {
            unlink_lock(pp);           /* inside the range */
            continue;
        }
        if (l->start < r->start && l->end > r->end) {
            struct lock *tail = *spare;        /* covers it: keep both sides */
            *spare = NULL;
            *tail = *l;
            tail->start = r->end + 1;
            l->end = r->start - 1;
            tail->next = l->next;
            l->next = tail;
            return;
        }
        if (l->start < r->start)
            l->end = r->start - 1;
        else
            l->start = r->end + 1;
        pp = &l->next;
    }
}

/* Join n with the owner's locks of its type that overlap or touch it. */
static void merge(struct lock *n)
{
    for (struct lock **pp = &locks; *pp != NULL;) {
        struct lock *l = *pp;
        if (l == n || l->dev != n->dev || l->ino != n->ino || l->family != n->family ||
            l->owner != n->owner || l->type != n->type ||
            (l->end != LK_END_MAX && l->end + 1 < n->start) ||
            (n->end != LK_END_MAX && n->end + 1 < l->start)) {
            pp = &l->next;
            continue;
        }
        n->start = MIN(n->start, l->start);
        n->end = MAX(n->end, l->end);
        unlink_lock(pp);
        pp = &locks;                   /* n grew: look at every lock again */
    }
}

/* Set the owner's lock per r (LK_UN: remove) once nothing conflicts. */
static int lock_set(struct lock_req *r, bool wait, int busy)
{
    if (r->type != LK_UN) {
        while (find_conflict(r) != NULL) {
            if (!wait)
                return busy;
            if (wait_unlock() < 0)
                return -EINTR;
        }
    }
    struct lock *n = NULL, *spare = kmalloc(sizeof(*spare));
    if (r->type != LK_UN)
        n = new_lock(r, r->start, r->end, r->type);
    if (spare == NULL || (r->type != LK_UN && n == NULL)) {
        kfree(spare);
        kfree(n);
        return -ENOLCK;
    }
    cut_range(r, &spare);
    kfree(spare);
    if (n != NULL) {
        append(n);
        merge(n);
    }
    wake_lockers();                    /* a range may have been released or downgraded */
    return 0;
}

int lock_flock(struct file *f, int type, bool nonblock)
{
    struct lock_req r = { .owner = f, .family = FAM_FLOCK, .type = type, .start = 0, .end = LK_END_MAX };
    file_key(f, &r.dev, &r.ino);
    for (struct lock **pp = &locks; *pp != NULL; pp = &(*pp)->next) {
        struct lock *l = *pp;
        if (same_file(l, &r) && l->owner == f) {
            if (l->type == type)
                return 0;
            unlink_lock(pp);           /* a conversion drops the old lock first, as Linux */
            wake_lockers();
            break;
        }
    }
    if (type == LK_UN)
        return 0;
    return lock_set(&r, !nonblock, -EAGAIN);   /* EWOULDBLOCK */
}

int lock_range_set(struct file *f, bool ofd, int type, u64 start, u64 end, bool wait)
{
    struct lock_req r = { .owner = ofd ? (const void *)f : &process_owner, .family = FAM_RANGE,
                          .type = type, .start = start, .end = end };
    file_key(f, &r.dev, &r.ino);
    return lock_set(&r, wait, -EAGAIN);
}

int lock_range_test(struct file *f, bool ofd, int *type, u64 *start, u64 *end, int *pid)
{
    struct lock_req r = { .owner = ofd ? (const void *)f : &process_owner, .family = FAM_RANGE,
                          .type = *type, .start = *start, .end = *end };
    file_key(f, &r.dev, &r.ino);
    struct lock *c = find_conflict(&r);
    if (c == NULL)
        return 0;
    *type = c->type;
    *start = c->start;
    *end = c->end;
    *pid = c->owner == &process_owner ? 1 : -1;    /* solo's pid; -1: an OFD lock */
    return 1;
}

void locks_fd_closed(struct file *f)
{
    if (locks == NULL)
        return;
    struct lock_req r = { .owner = &process_owner, .family = FAM_RANGE };
    bool any = false;
    file_key(f, &r.dev, &r.ino);
    for (struct lock **pp = &locks; *pp != NULL;) {
        if (same_file(*pp, &r) && (*pp)->owner == &process_owner) {
            unlink_lock(pp);
            any = true;
        } else {
            pp = &(*pp)->next;
        }
    }
    if (any)
        wake_lockers();
}

void locks_file_released(struct file *f)
{
    bool any = false;
    for (struct lock **pp = &locks; *pp != NULL;) {
        if ((*pp)->owner == f) {
            unlink_lock(pp);
            any = true;
        } else {
            pp = &(*pp)->next;
        }
    }
    if (any)
        wake_lockers();
}
