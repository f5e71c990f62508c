/*
 * mm.c - the memory syscalls: brk, mmap, munmap, mprotect, madvise, mremap,
 * msync, mincore and the mlock family.  This file decodes and checks the
 * Linux arguments in Linux's order, so the same bad call gets the same errno
 * as on Linux; the address space itself is runtime/mm/vm.c.
 *
 * Memory is overcommitted like Linux's default heuristic: a private writable
 * (or shared anonymous) mapping larger than all of RAM fails with ENOMEM
 * unless MAP_NORESERVE is given; anything smaller succeeds and is backed on
 * first touch.  Pages of TFS and tmpfs files come from the page cache
 * (fs/pagecache.h): every mapping shares the cached frame, a private mapping
 * copies a page on its first write, and a MAP_SHARED writable mapping
 * stores into the cached frame itself, which is written back to the file on
 * msync, fsync, sync, munmap, MADV_DONTNEED and exit.  A MAP_SHARED
 * mapping through a read-only fd can never become writable (EACCES, as
 * Linux); other files (special files) are mapped through private copies and
 * refuse writable shared mappings with ENODEV (no mmap method).
 * remap_file_pages is emulated as Linux has done since 3.16: a MAP_FIXED,
 * MAP_SHARED mapping of the same file (or SysV shm segment) at a new offset.
 */
#include "syscalls.h"
#include "runtime/mm/vm.h"
#include "syscalls/misc.h"
#include "fs/vfs.h"
#include "fs/pagecache.h"

#define O_ACCMODE 03
#define O_RDONLY  00
#define O_WRONLY  01
#define O_RDWR    02
#define O_PATH    010000000

#define MAP_SHARED          0x01
#define MAP_PRIVATE         0x02
#define MAP_SHARED_VALIDATE 0x03
#define MAP_TYPE            0x0f
#define MAP_FIXED           0x10
#define MAP_ANONYMOUS       0x20
#define MAP_32BIT           0x40
#define MAP_GROWSDOWN       0x100
#define MAP_DENYWRITE       0x800
#define MAP_EXECUTABLE      0x1000
#define MAP_LOCKED          0x2000
#define MAP_NORESERVE       0x4000
#define MAP_POPULATE        0x8000
#define MAP_NONBLOCK        0x10000
#define MAP_STACK           0x20000
#define MAP_HUGETLB         0x40000
#define MAP_SYNC            0x80000
#define MAP_FIXED_NOREPLACE 0x100000
#define MAP_UNINITIALIZED   0x4000000
#define MAP_HUGE_MASK       (0x3fUL << 26)
#define LEGACY_MAP_MASK     (MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS | MAP_DENYWRITE | \
                             MAP_EXECUTABLE | MAP_UNINITIALIZED | MAP_GROWSDOWN | MAP_LOCKED | \
                             MAP_NORESERVE | MAP_POPULATE | MAP_NONBLOCK | MAP_STACK | MAP_HUGETLB | \
                             MAP_32BIT | MAP_HUGE_MASK)

#define MREMAP_MAYMOVE   1
#define MREMAP_FIXED     2
#define MREMAP_DONTUNMAP 4

#define MS_ASYNC      1
#define MS_INVALIDATE 2
#define MS_SYNC       4

#define MLOCK_ONFAULT 1
#define MCL_CURRENT   1
#define MCL_FUTURE    2
#define MCL_ONFAULT   4

#define MADV_NORMAL          0
#define MADV_RANDOM          1
#define MADV_SEQUENTIAL      2
#define MADV_WILLNEED        3
#define MADV_DONTNEED        4
#define MADV_FREE            8
#define MADV_REMOVE          9
#define MADV_DONTFORK        10
#define MADV_DOFORK          11
#define MADV_MERGEABLE       12
#define MADV_UNMERGEABLE     13
#define MADV_HUGEPAGE        14
#define MADV_NOHUGEPAGE      15
#define MADV_DONTDUMP        16
#define MADV_DODUMP          17
#define MADV_WIPEONFORK      18
#define MADV_KEEPONFORK      19
#define MADV_COLD            20
#define MADV_PAGEOUT         21
#define MADV_POPULATE_READ   22
#define MADV_POPULATE_WRITE  23
#define MADV_DONTNEED_LOCKED 24
#define MADV_COLLAPSE        25

#define PAGE_MASK_LOW (PAGE_SIZE - 1)

/* Round len up to pages; 0 when that overflows. */
static u64 page_len(u64 len) { return len > ~0UL - PAGE_MASK_LOW ? 0 : ALIGN_UP(len, PAGE_SIZE); }

/* Whether [addr, addr+len) lies inside user space. */
static bool in_user(u64 addr, u64 len) { return len <= USER_TOP && addr <= USER_TOP - len; }

/* Linux's heuristic overcommit check for a mapping that may need len bytes of RAM. */
static bool accountable(u64 len, u32 prot, u64 flags, bool anon)
{
    if ((flags & MAP_NORESERVE) != 0)
        return false;
    if ((flags & MAP_TYPE) == MAP_PRIVATE)
        return (prot & PROT_WRITE) != 0;
    return anon;
}

/* Whether len more bytes of address space stay within RLIMIT_AS. */
static bool as_room(u64 len)
{
    u64 lim = rlimit_cur(RLIMIT_AS);
    return lim == RLIM_INFINITY || (len <= lim && vm_total_bytes() <= lim - len);
}

/* ------------------------------------------------------------ brk */

long sys_brk(u64 addr)
{
    u64 cur = vm_brk(0), start = vm_brk_start();
    if (addr > cur) {
        u64 grow = ALIGN_UP(addr, PAGE_SIZE) - ALIGN_UP(cur, PAGE_SIZE);
        u64 data = rlimit_cur(RLIMIT_DATA);
        if ((data != RLIM_INFINITY && addr - start > data) || !as_room(grow))
            return (long)cur;
    }
    return (long)vm_brk(addr);
}

/* ------------------------------------------------------------ mmap */

/* Checks that depend on the file, in Linux's order: 0 or -errno. */
static int check_file(struct file *f, u64 prot, u64 flags)
{
    if ((flags & MAP_HUGETLB) != 0)
        return -EINVAL;
    if ((flags & MAP_TYPE) == MAP_SHARED_VALIDATE && (flags & ~LEGACY_MAP_MASK) != 0)
        return -EOPNOTSUPP;
    int acc = file_flags(f) & O_ACCMODE;
    bool shared_write = (flags & MAP_TYPE) != MAP_PRIVATE && (prot & PROT_WRITE) != 0;
    if (shared_write && acc == O_RDONLY)
        return -EACCES;
    if (acc == O_WRONLY)
        return -EACCES;
    if (file_size(f) < 0)
        return -ENODEV;               /* not a regular file: no mmap method */
    if (shared_write && pagecache_key(f) == 0)
        return -ENODEV;               /* no page cache to write back from */
    return 0;
}

/* syscalls/memfd_secret.c: mmap's flag checks for memfd_secret files. */
bool file_is_secretmem(struct file *f);
int secretmem_mmap_check(u64 prot, u64 flags);

/* Where the mapping goes: the fixed address, or a free range. Address or -errno. */
static long mmap_place(u64 addr, u64 len, u64 flags)
{
    if ((flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) != 0) {
        if ((addr & PAGE_MASK_LOW) != 0)
            return -EINVAL;
        if (!in_user(addr, len))
            return -ENOMEM;
        if (addr < VM_MIN_ADDR)
            return -EPERM;
        if ((flags & MAP_FIXED_NOREPLACE) != 0 && !vm_range_free(addr, len))
            return -EEXIST;
        return (long)addr;
    }
    if ((flags & MAP_32BIT) != 0)
        return vm_find_free_range(0x40000000UL, 0x80000000UL, len);
    u64 hint = ALIGN_DOWN(addr, PAGE_SIZE);
    if (hint != 0 && hint < VM_MIN_ADDR)
        hint = VM_MIN_ADDR;
    return vm_find_free(hint, len);
}

// partial: MAP_GROWSDOWN regions do not grow; MAP_HUGETLB gives ENOMEM (no huge pages reserved); writable MAP_SHARED mappings of special files (not TFS or tmpfs) give ENODEV
long sys_mmap(u64 addr, u64 len, u64 prot, u64 flags, int fd, u64 off)
{
    bool anon = (flags & MAP_ANONYMOUS) != 0;
    struct file *f = NULL;
    u64 type = flags & MAP_TYPE;
    if ((off & PAGE_MASK_LOW) != 0)
        return -EINVAL;
    if (!anon && ((f = fd_file(fd)) == NULL || (file_flags(f) & O_PATH) != 0))
        return -EBADF;
    if (len == 0 || type < MAP_SHARED || type > MAP_SHARED_VALIDATE)
        return -EINVAL;
    if (anon && (flags & MAP_HUGETLB) != 0)
        return -ENOMEM;
    len = page_len(len);
    if (len == 0 || len > USER_TOP)
        return -ENOMEM;
    if (!anon && (off >> PAGE_SHIFT) + (len >> PAGE_SHIFT) < (off >> PAGE_SHIFT))
        return -EOVERFLOW;
    long at = mmap_place(addr, len, flags);
    if (at < 0)
        return at;
    if (!anon && file_has_mmap(f)) {   /* the file maps itself (io_uring rings, memfd_secret) */
        int me = file_is_secretmem(f) ? secretmem_mmap_check(prot, flags) : 0;
        if (me == 0)
            me = file_mmap(f, (u64)at, len, (u32)prot, off);
        return me < 0 ? me : at;
    }
    int e = anon ? 0 : check_file(f, prot, flags);
    if (e < 0)
        return e;
    if (accountable(len, (u32)prot, flags, anon) && len > mem_total_bytes())
        return -ENOMEM;
    if (!as_room(len))
        return -ENOMEM;
    /* A shared file mapping may become writable later only through an fd
     * open for writing (Linux's VM_MAYWRITE), and only with a page cache. */
    bool maywrite = anon || type == MAP_PRIVATE ||
                    ((file_flags(f) & O_ACCMODE) == O_RDWR && pagecache_key(f) != 0);
    struct vm_map_args a = {
        (u32)prot & (PROT_READ | PROT_WRITE | PROT_EXEC),
        (type != MAP_PRIVATE ? VMR_SHARED : 0) | ((flags & MAP_GROWSDOWN) != 0 ? VMR_GROWSDOWN : 0) |
            ((flags & MAP_NORESERVE) != 0 ? VMR_NORESERVE : 0) | (maywrite ? 0 : VMR_NOWRITE),
        anon ? VM_ANON : VM_FILE, f, anon ? 0 : off, ~0UL,
        anon ? NULL : file_path(f),
    };
    e = vm_map((u64)at, len, &a);
    if (e < 0)
        return e;
    if ((flags & (MAP_POPULATE | MAP_LOCKED)) != 0 && (flags & MAP_NONBLOCK) == 0)
        vm_populate((u64)at, len);
    return at;
}

long sys_munmap(u64 addr, u64 len)
{
    if ((addr & PAGE_MASK_LOW) != 0 || len == 0)
        return -EINVAL;
    len = page_len(len);
    if (len == 0 || !in_user(addr, len))
        return -EINVAL;
    int e = vm_unmap(addr, len);
    if (e == 0)
        pagecache_writeback_unmapped();    /* pages of shared file mappings no longer mapped */
    return e;
}

// partial: PROT_GROWSDOWN/PROT_GROWSUP are accepted but do not extend the range; PROT_SEM is ignored
long sys_mprotect(u64 addr, u64 len, u64 prot)
{
    const u64 known = PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM;
    if ((prot & (PROT_GROWSDOWN | PROT_GROWSUP)) == (PROT_GROWSDOWN | PROT_GROWSUP))
        return -EINVAL;
    if ((addr & PAGE_MASK_LOW) != 0)
        return -EINVAL;
    if (len == 0)
        return 0;
    len = page_len(len);
    if (len == 0 || addr + len <= addr)
        return -ENOMEM;
    if ((prot & ~(known | PROT_GROWSDOWN | PROT_GROWSUP)) != 0)
        return -EINVAL;
    if (!in_user(addr, len))
        return -ENOMEM;
    return vm_protect(addr, len, (u32)prot & (PROT_READ | PROT_WRITE | PROT_EXEC));
}

/* ------------------------------------------------------------ madvise */

static bool advice_known(int advice)
{
    switch (advice) {
    case MADV_NORMAL: case MADV_RANDOM: case MADV_SEQUENTIAL: case MADV_WILLNEED:
    case MADV_DONTNEED: case MADV_FREE: case MADV_REMOVE: case MADV_DONTFORK:
    case MADV_DOFORK: case MADV_MERGEABLE: case MADV_UNMERGEABLE: case MADV_HUGEPAGE:
    case MADV_NOHUGEPAGE: case MADV_DONTDUMP: case MADV_DODUMP: case MADV_WIPEONFORK:
    case MADV_KEEPONFORK: case MADV_COLD: case MADV_PAGEOUT: case MADV_POPULATE_READ:
    case MADV_POPULATE_WRITE: case MADV_DONTNEED_LOCKED: case MADV_COLLAPSE:
        return true;
    default:
        return false;
    }
}

/* Whether every region in [addr, addr+len) satisfies the advice's vma rule. */
static bool regions_fit(u64 addr, u64 len, int advice)
{
    u64 at = addr, end = addr + len;
    while (at < end) {
        int kind;
        u32 flags, prot;
        u64 rstart, rend;
        if (vm_region_next(at, &rstart, &kind, &flags, &prot, &rend) < 0 || rstart >= end)
            break;
        bool shared = (flags & VMR_SHARED) != 0;
        bool anon_private = kind != VM_FILE && kind != VM_VDSO && !shared;
        if ((advice == MADV_FREE || advice == MADV_WIPEONFORK) && !anon_private)
            return false;
        if ((advice == MADV_DONTNEED || advice == MADV_DONTNEED_LOCKED) && kind == VM_VDSO)
            return false;
        at = rend;
    }
    return true;
}

/* MADV_REMOVE, region by region as Linux's madvise_remove: memory with no
 * file behind it (private anonymous, stack, heap, vDSO) is EINVAL; a
 * mapping that is not shared or may never become writable is EACCES; a
 * tmpfs, memfd or TFS file gets a hole punched in it (fallocate PUNCH_HOLE|
 * KEEP_SIZE: the blocks are freed, the size stays, every mapping then reads
 * zeroes); SysV segments give EOPNOTSUPP.  Shared anonymous
 * memory, Linux's hidden shmem file, has its pages dropped (zero when
 * touched again).  Regions before a failing one stay done, as on Linux. */
static long madv_remove(u64 addr, u64 len)
{
    u64 at = addr, end = addr + len;
    while (at < end) {
        int kind;
        u32 flags, prot;
        u64 rstart, rend;
        if (vm_region_next(at, &rstart, &kind, &flags, &prot, &rend) < 0 || rstart >= end)
            break;
        u64 lo = MAX(rstart, addr), hi = MIN(rend, end);
        bool shared = (flags & VMR_SHARED) != 0;
        if (kind == VM_ANON && shared) {
            vm_discard(lo, hi - lo);
        } else if (kind == VM_FILE) {
            struct file *f;
            u64 off;
            if (!shared || (flags & VMR_NOWRITE) != 0)
                return -EACCES;
            if (vm_region_file(lo, &f, &off) < 0)
                return -EINVAL;
            int e = file_punch_hole(f, off, hi - lo);
            if (e < 0)
                return e;
        } else if (kind == VM_SHM) {
            return -EOPNOTSUPP;        /* SysV segments and io_uring rings: no punching */
        } else {
            return -EINVAL;            /* no file behind the memory */
        }
        at = rend;
    }
    return 0;
}

// partial: only DONTNEED/DONTNEED_LOCKED/FREE (drop pages), REMOVE (punch a hole in a tmpfs, memfd or TFS file) and POPULATE_* (prefault) act; REMOVE on a SysV shared memory segment gives EOPNOTSUPP; other advice is accepted; MADV_COLLAPSE fails (no huge pages), HWPOISON/SOFT_OFFLINE are unknown (no CONFIG_MEMORY_FAILURE)
long sys_madvise(u64 addr, u64 len, int advice)
{
    if (!advice_known(advice) || (addr & PAGE_MASK_LOW) != 0)
        return -EINVAL;
    u64 plen = page_len(len);
    if (len != 0 && plen == 0)
        return -EINVAL;
    if (addr + plen < addr)
        return -EINVAL;
    if (plen == 0)
        return 0;
    if (!in_user(addr, plen))
        return -ENOMEM;
    if (advice == MADV_COLLAPSE || !regions_fit(addr, plen, advice))
        return -EINVAL;
    if (advice == MADV_REMOVE) {
        long e = madv_remove(addr, plen);
        if (e < 0)
            return e;
    }
    switch (advice) {
    case MADV_DONTNEED: case MADV_DONTNEED_LOCKED: case MADV_FREE:
        vm_discard(addr, plen);
        pagecache_writeback_unmapped();    /* dirty shared file pages left unmapped */
        break;
    case MADV_POPULATE_READ: case MADV_POPULATE_WRITE:
        if (!vm_range_mapped(addr, plen))
            return -ENOMEM;
        return vm_populate(addr, plen) < 0 ? -EFAULT : 0;
    default:
        break;
    }
    return vm_range_mapped(addr, plen) ? 0 : -ENOMEM;
}

/* ------------------------------------------------------------ mremap */

/* The checks common to every mremap: the old range lies in one region. */
static long mremap_source(u64 old, u64 old_len)
{
    int kind;
    u32 flags, prot;
    u64 end;
    if (vm_region_info(old, &kind, &flags, &prot, &end) < 0 || old_len > end - old)
        return -EFAULT;
    return 0;
}

static long mremap_fixed(u64 old, u64 old_len, u64 new_len, u64 dst, bool keep_old)
{
    if ((dst & PAGE_MASK_LOW) != 0 || !in_user(dst, new_len))
        return -EINVAL;
    if (dst < old + old_len && old < dst + new_len)
        return -EINVAL;
    if (dst < VM_MIN_ADDR)
        return -EPERM;
    int e = vm_unmap(dst, new_len);
    if (e == 0 && old_len > new_len) {
        e = vm_unmap(old + new_len, old_len - new_len);
        old_len = new_len;
    }
    if (e == 0)
        e = vm_move(old, old_len, dst, new_len, keep_old);
    return e < 0 ? e : (long)dst;
}

// partial: old_size 0 (duplicating a shared mapping) gives EINVAL
long sys_mremap(u64 old, u64 old_len, u64 new_len, u64 flags, u64 new_addr)
{
    bool keep_old = (flags & MREMAP_DONTUNMAP) != 0;
    if ((flags & ~(u64)(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP)) != 0)
        return -EINVAL;
    if ((flags & (MREMAP_FIXED | MREMAP_DONTUNMAP)) != 0 && (flags & MREMAP_MAYMOVE) == 0)
        return -EINVAL;
    if (keep_old && old_len != new_len)
        return -EINVAL;
    if ((old & PAGE_MASK_LOW) != 0)
        return -EINVAL;
    old_len = page_len(old_len);
    new_len = page_len(new_len);
    if (new_len == 0 || old_len == 0)
        return -EINVAL;
    long e = mremap_source(old, old_len);
    if (e < 0)
        return e;
    if ((flags & MREMAP_FIXED) != 0)
        return mremap_fixed(old, old_len, new_len, new_addr, keep_old);
    if (old_len >= new_len && !keep_old) {
        e = vm_unmap(old + new_len, old_len - new_len);
        return e < 0 ? e : (long)old;
    }
    if (!as_room(new_len - old_len))
        return -ENOMEM;
    if (!keep_old && vm_expand(old, old_len, new_len) == 0)
        return (long)old;
    if ((flags & MREMAP_MAYMOVE) == 0)
        return -ENOMEM;
    long dst = vm_find_free(0, new_len);
    if (dst < 0)
        return dst;
    e = vm_move(old, old_len, (u64)dst, new_len, keep_old);
    return e < 0 ? e : dst;
}

/* ------------------------------------------------------------ remap_file_pages */

// partial: a shared anonymous mapping (which Linux backs by a hidden shmem file) gives EINVAL
long sys_remap_file_pages(u64 start, u64 size, u64 prot, u64 pgoff, u64 flags)
{
    (void)flags;                       /* all but MAP_NONBLOCK ignored; it only skips populating */
    if (prot != 0)
        return -EINVAL;
    start = ALIGN_DOWN(start, PAGE_SIZE);
    size = ALIGN_DOWN(size, PAGE_SIZE);
    if (start + size <= start)
        return -EINVAL;
    if (pgoff + (size >> PAGE_SHIFT) < pgoff)
        return -EINVAL;
    if (!in_user(start, size))
        return -EINVAL;                /* no vma can cover it */
    return vm_remap_shared(start, size, pgoff);
}

/* ------------------------------------------------------------ the rest */

/* MS_SYNC writes the dirty pages of the shared file mappings in the range
 * and makes them durable (fsync); MS_ASYNC (or no flag) writes them without
 * waiting for durability, where Linux only leaves them to its flusher.
 * MS_INVALIDATE has nothing to do: every mapping maps the one cached page. */
// partial: MS_INVALIDATE never fails with EBUSY (mlock is not recorded)
long sys_msync(u64 addr, u64 len, int flags)
{
    if ((flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) != 0 || (addr & PAGE_MASK_LOW) != 0)
        return -EINVAL;
    if ((flags & MS_ASYNC) != 0 && (flags & MS_SYNC) != 0)
        return -EINVAL;
    u64 plen = page_len(len);
    if ((len != 0 && plen == 0) || !in_user(addr, plen))
        return -ENOMEM;
    if (plen == 0)
        return 0;
    return vm_sync(addr, plen, (flags & MS_SYNC) != 0, flags == MS_SYNC);
}

long sys_mincore(u64 addr, u64 len, u64 uvec)
{
    u8 vec[256];
    if ((addr & PAGE_MASK_LOW) != 0)
        return -EINVAL;
    u64 plen = page_len(len);
    if ((len != 0 && plen == 0) || !in_user(addr, plen))
        return -ENOMEM;
    if (!user_range_ok((void *)uvec, plen / PAGE_SIZE))
        return -EFAULT;
    if (!vm_range_mapped(addr, plen))
        return -ENOMEM;
    for (u64 done = 0; done < plen / PAGE_SIZE; done += sizeof(vec)) {
        u64 n = MIN((u64)sizeof(vec), plen / PAGE_SIZE - done);
        vm_resident(addr + done * PAGE_SIZE, n * PAGE_SIZE, vec);
        if (copy_to_user((void *)(uvec + done), vec, n) < 0)
            return -EFAULT;
    }
    return 0;
}

/* The page range of an mlock-family call: start rounded down, length up. */
static long lock_range(u64 *addr, u64 *len)
{
    u64 a = ALIGN_DOWN(*addr, PAGE_SIZE);
    u64 l = page_len(*len + (*addr - a));
    if (*len != 0 && l == 0)
        return -ENOMEM;
    if (!in_user(a, l))
        return -ENOMEM;
    if (l != 0 && !vm_range_mapped(a, l))
        return -ENOMEM;
    *addr = a;
    *len = l;
    return 0;
}

// partial: memory is never swapped, so locking only prefaults the pages
long sys_mlock(u64 addr, u64 len)
{
    long e = lock_range(&addr, &len);
    if (e == 0 && len != 0)
        vm_populate(addr, len);
    return e;
}

// partial: memory is never swapped, so locking only prefaults the pages (not with MLOCK_ONFAULT)
long sys_mlock2(u64 addr, u64 len, u64 flags)
{
    if ((flags & ~(u64)MLOCK_ONFAULT) != 0)
        return -EINVAL;
    long e = lock_range(&addr, &len);
    if (e == 0 && len != 0 && (flags & MLOCK_ONFAULT) == 0)
        vm_populate(addr, len);
    return e;
}

long sys_munlock(u64 addr, u64 len)
{
    return lock_range(&addr, &len);
}

// partial: memory is never swapped; the flags are checked and nothing else happens
long sys_mlockall(u64 flags)
{
    if (flags == 0 || (flags & ~(u64)(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) != 0 ||
        flags == MCL_ONFAULT)
        return -EINVAL;
    return 0;
}

long sys_munlockall(void)
{
    return 0;
}
