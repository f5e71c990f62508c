/*
 * ipc_shm.c - System V shared memory: shmget, shmat, shmdt, shmctl.
 *
 * Segments live in a table of SHMMNI_SOLO slots; a segment's id is its slot
 * plus seq * 32768 (Linux's layout, syscalls/ipc.h), so a removed segment's
 * stale id fails.  A segment's memory is a shared page object (struct
 * vm_object, runtime/mm/vm.h): shmat maps it as a VM_SHM region, so every
 * attachment aliases the same frames, allocated zeroed on first touch.  As
 * on Linux, shm_nattch counts the regions mapping the segment (a region
 * split by munmap or mprotect counts twice), and the VM's hooks keep
 * nattch, shm_atime/shm_dtime and shm_lpid current.  IPC_RMID of an attached
 * segment only marks it (SHM_DEST, key back to IPC_PRIVATE); the segment
 * goes when its last region does.
 * Invariant: a segment is in segs[] until destroyed; shm_tot is the sum of
 * the page counts of the segments in segs[].
 */
#include "syscalls/syscalls.h"
#include "syscalls/misc.h"
#include "syscalls/signal_impl.h"
#include "syscalls/ipc.h"
#include "runtime/mm/vm.h"

#define SHM_RDONLY 010000
#define SHM_RND 020000
#define SHM_REMAP 040000
#define SHM_EXEC 0100000
#define SHM_HUGETLB 04000
#define SHM_NORESERVE 010000
#define SHM_DEST 01000                  /* in perm.mode: removed, waiting for the last detach */
#define SHM_LOCKED 02000                /* in perm.mode: SHM_LOCK in force */
#define SHM_LOCK 11
#define SHM_UNLOCK 12
#define SHM_STAT 13
#define SHM_INFO 14
#define SHM_STAT_ANY 15
#define SHMMIN 1UL
#define SHMMAX (~0UL - (1UL << 24))     /* Linux's defaults (kernel.shmmax, kernel.shmall) */
#define SHMALL (~0UL - (1UL << 24))
#define SHMMNI 4096
#define SHMMNI_SOLO 256

struct shmid64_ds {
    struct ipc64_perm perm;
    u64 segsz;
    s64 atime, dtime, ctime;
    s32 cpid, lpid;
    u64 nattch, unused4, unused5;
};

struct shminfo64 {
    u64 shmmax, shmmin, shmmni, shmseg, shmall, unused1, unused2, unused3, unused4;
};

struct shm_info {
    s32 used_ids;
    u64 shm_tot, shm_rss, shm_swp, swap_attempts, swap_successes;
};

struct shmseg {
    struct vm_object obj;               /* first: the VM's hooks get &obj; obj.maps is nattch */
    struct ipc64_perm perm;
    u64 segsz;
    s64 atime, dtime, ctime;
    s32 cpid, lpid;
    int slot;
};

static struct shmseg *segs[SHMMNI_SOLO];
static u16 seqs[SHMMNI_SOLO];
static u64 shm_tot;                     /* pages of all segments */

static int seg_id(const struct shmseg *s) { return s->perm.seq * SEQ_MUL + s->slot; }

/* The segment with this id (stale ids fail), or NULL. */
static struct shmseg *seg_get(int id)
{
    if (id < 0)
        return NULL;
    int slot = id % SEQ_MUL;
    if (slot >= SHMMNI_SOLO || segs[slot] == NULL || segs[slot]->perm.seq != id / SEQ_MUL)
        return NULL;
    return segs[slot];
}

static void seg_destroy(struct shmseg *s)
{
    segs[s->slot] = NULL;
    shm_tot -= s->obj.npages;
    vm_object_free(&s->obj);
    kfree(s);
}

/* VM hooks: a region of the segment came (shmat, a split) or went. */
static void seg_opened(struct vm_object *o)
{
    struct shmseg *s = (struct shmseg *)o;
    s->atime = ipc_now_sec();
    s->lpid = PID_SELF;
}

static void seg_closed(struct vm_object *o)
{
    struct shmseg *s = (struct shmseg *)o;
    s->dtime = ipc_now_sec();
    s->lpid = PID_SELF;
    if (o->maps == 0 && (s->perm.mode & SHM_DEST) != 0)
        seg_destroy(s);
}

static int seg_create(s32 key, u64 size, int flags)
{
    u64 npages = (size + PAGE_SIZE - 1) / PAGE_SIZE;
    if (size < SHMMIN || size > SHMMAX)
        return -EINVAL;
    if (npages * PAGE_SIZE < size)
        return -ENOSPC;
    if (shm_tot + npages < shm_tot || shm_tot + npages > SHMALL)
        return -ENOSPC;
    if ((flags & SHM_HUGETLB) != 0)
        return -ENOMEM;                 /* no huge pages reserved */
    if ((flags & SHM_NORESERVE) == 0 && size > mem_total_bytes())
        return -ENOMEM;                 /* Linux's heuristic overcommit check */
    int slot = -1;
    for (int i = 0; i < SHMMNI_SOLO && slot < 0; i++)
        if (segs[i] == NULL)
            slot = i;
    if (slot < 0)
        return -ENOSPC;
    struct shmseg *s = kzalloc(sizeof(*s));
    if (s == NULL)
        return -ENOMEM;
    s->obj.npages = npages;
    s->obj.opened = seg_opened;
    s->obj.closed = seg_closed;
    if (vm_object_init(&s->obj) < 0) {
        kfree(s);
        return -ENOMEM;
    }
    s->slot = slot;
    s->perm.key = key;
    s->perm.uid = s->perm.cuid = process_ruid();
    s->perm.mode = flags & 0777;
    s->perm.seq = seqs[slot];
    seqs[slot] = (seqs[slot] + 1) % (0x7fffffff / SEQ_MUL);
    s->segsz = size;
    s->cpid = PID_SELF;
    s->ctime = ipc_now_sec();
    s->obj.ino = (u64)seg_id(s);
    segs[slot] = s;
    shm_tot += npages;
    return seg_id(s);
}

// partial: SHM_HUGETLB gives ENOMEM (no huge pages reserved); the permission bits are not checked against the caller (solo runs as its one user)
long sys_shmget(s32 key, u64 size, int flags)
{
    if (key != 0) {
        for (int i = 0; i < SHMMNI_SOLO; i++) {
            struct shmseg *s = segs[i];
            if (s == NULL || s->perm.key != key)
                continue;
            if ((flags & (IPC_CREAT | IPC_EXCL)) == (IPC_CREAT | IPC_EXCL))
                return -EEXIST;
            if (s->segsz < size)
                return -EINVAL;
            return seg_id(s);
        }
        if ((flags & IPC_CREAT) == 0)
            return -ENOENT;
    }
    return seg_create(key, size, flags);
}

/* Where shmat maps: the (rounded) address asked for, or 0 for any. */
static long attach_addr(u64 addr, int flags)
{
    if (addr == 0)
        return (flags & SHM_REMAP) != 0 ? -EINVAL : 0;
    if ((addr & (PAGE_SIZE - 1)) != 0) {
        if ((flags & SHM_RND) == 0)
            return -EINVAL;
        addr &= ~(PAGE_SIZE - 1);       /* SHMLBA is the page size on x86-64 */
        if (addr == 0 && (flags & SHM_REMAP) != 0)
            return -EINVAL;
    }
    return (long)addr;
}

/* Whether len more bytes of address space stay within RLIMIT_AS. */
static bool as_room(u64 len)
{
    u64 lim = rlimit_cur(RLIMIT_AS);
    return lim == RLIM_INFINITY || (len <= lim && vm_total_bytes() <= lim - len);
}

// partial: the permission bits are not checked against the caller (solo runs as its one user)
long sys_shmat(int id, u64 uaddr, int flags)
{
    if (id < 0)
        return -EINVAL;
    long addr = attach_addr(uaddr, flags);
    if (addr < 0)
        return addr;
    struct shmseg *s = seg_get(id);
    if (s == NULL)
        return -EINVAL;
    u64 len = s->obj.npages * PAGE_SIZE;
    if (addr != 0 && (flags & SHM_REMAP) == 0) {
        if ((u64)addr + s->segsz < (u64)addr || !vm_range_free((u64)addr, len))
            return -EINVAL;
    }
    if (addr != 0) {
        if ((u64)addr > USER_TOP || len > USER_TOP - (u64)addr)
            return -ENOMEM;
        if ((u64)addr < VM_MIN_ADDR)
            return -EPERM;
    } else if ((addr = vm_find_free(0, len)) < 0) {
        return addr;
    }
    if (!as_room(len))
        return -ENOMEM;
    char name[32];
    ksnprintf(name, sizeof(name), "/SYSV%08x (deleted)", (u32)s->perm.key);
    bool rdonly = (flags & SHM_RDONLY) != 0;
    struct vm_map_args a = {
        .prot = PROT_READ | (rdonly ? 0 : PROT_WRITE) | ((flags & SHM_EXEC) != 0 ? PROT_EXEC : 0),
        .flags = VMR_SHARED | (rdonly ? VMR_NOWRITE : 0),
        .kind = VM_SHM,
        .name = name,
    };
    int e = vm_map_object((u64)addr, len, &a, &s->obj);
    return e < 0 ? e : addr;
}

/* Whether the region at start (a VM_SHM one) lies at its own offset from
 * addr: Linux's test for a piece of the attachment made at addr. */
static bool attached_at(u64 addr, u64 start, struct vm_object **obj)
{
    u64 off;
    return vm_region_object(start, obj, &off) == 0 && start - addr == off;
}

long sys_shmdt(u64 addr)
{
    if ((addr & (PAGE_SIZE - 1)) != 0)
        return -EINVAL;
    /* As Linux: detach the first shm region at or after addr that is a piece
     * of an attachment made at addr, then the other pieces of that segment
     * that end within its size from addr. */
    u64 at = addr, start, end, size = 0;
    struct vm_object *obj = NULL, *o;
    int kind;
    u32 flags, prot;
    while (obj == NULL && vm_region_next(at, &start, &kind, &flags, &prot, &end) == 0) {
        at = end;
        if (kind == VM_SHM && attached_at(addr, start, &o)) {
            obj = o;
            size = o->npages * PAGE_SIZE;
            vm_unmap(start, end - start);   /* may free o: only the pointer is used below */
        }
    }
    if (obj == NULL)
        return -EINVAL;
    while (vm_region_next(at, &start, &kind, &flags, &prot, &end) == 0 && end - addr <= size) {
        at = end;
        if (kind == VM_SHM && attached_at(addr, start, &o) && o == obj)
            vm_unmap(start, end - start);
    }
    return 0;
}

static long shm_info(int cmd, void *ubuf)
{
    int maxidx = 0, used = 0;
    u64 rss = 0;
    for (int i = 0; i < SHMMNI_SOLO; i++) {
        if (segs[i] == NULL)
            continue;
        maxidx = i;
        used++;
        rss += segs[i]->obj.resident;
    }
    if (cmd == IPC_INFO) {
        struct shminfo64 si = {
            .shmmax = SHMMAX, .shmmin = SHMMIN, .shmmni = SHMMNI, .shmseg = SHMMNI,
            .shmall = SHMALL,
        };
        if (copy_to_user(ubuf, &si, sizeof(si)) < 0)
            return -EFAULT;
    } else {
        struct shm_info si = { .used_ids = used, .shm_tot = shm_tot, .shm_rss = rss };
        if (copy_to_user(ubuf, &si, sizeof(si)) < 0)
            return -EFAULT;
    }
    return maxidx;
}

static long shm_stat(const struct shmseg *s, void *ubuf)
{
    struct shmid64_ds ds = {
        .perm = s->perm, .segsz = s->segsz, .atime = s->atime, .dtime = s->dtime,
        .ctime = s->ctime, .cpid = s->cpid, .lpid = s->lpid, .nattch = (u64)s->obj.maps,
    };
    return copy_to_user(ubuf, &ds, sizeof(ds)) < 0 ? -EFAULT : 0;
}

// partial: the permission bits and owner rules are not checked against the caller (solo runs as its one user); SHM_LOCK only sets SHM_LOCKED (memory is never swapped)
long sys_shmctl(int id, int cmd, void *ubuf)
{
    if (cmd < 0 || id < 0)
        return -EINVAL;
    if (cmd == IPC_INFO || cmd == SHM_INFO)
        return shm_info(cmd, ubuf);
    if (cmd == SHM_STAT || cmd == SHM_STAT_ANY) {
        int slot = id % SEQ_MUL;         /* an index, not an id (Linux masks it so) */
        if (slot >= SHMMNI_SOLO || segs[slot] == NULL)
            return -EINVAL;
        long r = shm_stat(segs[slot], ubuf);
        return r < 0 ? r : seg_id(segs[slot]);
    }
    struct shmid64_ds ds;
    if (cmd == IPC_SET && copy_from_user(&ds, ubuf, sizeof(ds)) < 0)
        return -EFAULT;
    if (cmd != IPC_STAT && cmd != IPC_SET && cmd != IPC_RMID && cmd != SHM_LOCK &&
        cmd != SHM_UNLOCK)
        return -EINVAL;
    struct shmseg *s = seg_get(id);
    if (s == NULL)
        return -EINVAL;
    switch (cmd) {
    case IPC_STAT:
        return shm_stat(s, ubuf);
    case IPC_SET:
        s->perm.uid = ds.perm.uid;
        s->perm.gid = ds.perm.gid;
        s->perm.mode = (s->perm.mode & ~0777) | (ds.perm.mode & 0777);
        s->ctime = ipc_now_sec();
        return 0;
    case IPC_RMID:
        if (s->obj.maps == 0) {
            seg_destroy(s);
        } else {
            s->perm.mode |= SHM_DEST;
            s->perm.key = 0;            /* IPC_PRIVATE: the key can name a new segment */
        }
        return 0;
    case SHM_LOCK:
        s->perm.mode |= SHM_LOCKED;
        return 0;
    default:                            /* SHM_UNLOCK */
        s->perm.mode &= ~SHM_LOCKED;
        return 0;
    }
}
