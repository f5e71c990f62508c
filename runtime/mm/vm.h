/*
 * vm.h - the program's one user address space: a sorted list of regions
 * (anonymous, file-backed private, stack, brk heap, vDSO, guard) backed
 * lazily by the page tables.  The syscall edge (syscalls/mm.c) validates
 * Linux arguments and calls these; the loader (loader/elf.c) maps segments
 * and the stack with them; traps.c calls vm_fault for every page fault.
 *
 * VM_FILE regions of TFS and tmpfs files map the page cache's frames
 * (fs/pagecache.h); MAP_SHARED ones store into them (dirtying them) when
 * writable.  VM_SHM regions map the pages of a shared page object (struct vm_object,
 * SysV shared memory): every mapping of the object sees the same frames
 * (never copied on write), and the frames outlive the mappings until the
 * object's owner frees it.
 *
 * Addresses and lengths given to the vm_* calls are page-aligned and lie in
 * [VM_MIN_ADDR, USER_TOP) unless a comment says otherwise; the caller checks
 * that.  Protections are Linux PROT_* bits.  Errors are -errno.
 */
#ifndef SOLO_VM_H
#define SOLO_VM_H

#include "../kernel.h"

struct file;

/* Linux mmap/mprotect ABI values, shared by the syscall edge and the loader. */
#define PROT_NONE      0x0
#define PROT_READ      0x1
#define PROT_WRITE     0x2
#define PROT_EXEC      0x4
#define PROT_SEM       0x8
#define PROT_GROWSDOWN 0x01000000
#define PROT_GROWSUP   0x02000000

/* The layout of the address space. */
#define VM_MIN_ADDR     0x10000UL                    /* mmap_min_addr */
#define VM_STACK_TOP    USER_TOP                     /* 0x7ffffffff000 */
#define VM_MMAP_BASE    (USER_TOP - (128UL << 20))   /* top-down mmap search starts here */
#define VM_ET_DYN_BASE  0x555555554000UL             /* PIE / static-pie load address */

enum vm_kind {
    VM_ANON,        /* demand-zero memory (mmap anonymous, ELF bss) */
    VM_FILE,        /* file pages (page cache or private copies), on first touch */
    VM_STACK,       /* the main stack; grows down into the guard below it */
    VM_BRK,         /* the brk heap */
    VM_VDSO,        /* pages a kernel service owns and maps itself (never freed here):
                       the vDSO and vvar (vdso_map.c), AIO rings (syscalls/aio.c) */
    VM_GUARD,       /* the unused part of the stack reservation (not a Linux vma) */
    VM_SHM,         /* pages of a shared page object (struct vm_object), on first touch */
};

/* Region flags. */
#define VMR_SHARED    0x1      /* MAP_SHARED */
#define VMR_GROWSDOWN 0x2      /* MAP_GROWSDOWN or the stack */
#define VMR_NORESERVE 0x4      /* MAP_NORESERVE (no overcommit check) */
#define VMR_NOWRITE   0x8      /* may never become writable (Linux's VM_MAYWRITE clear) */

/* A shared page object: the memory behind VM_SHM regions.  Its owner
 * (syscalls/ipc_shm.c) sets npages, ino and the hooks, calls
 * vm_object_init, and frees it with vm_object_free once maps is zero (at the
 * latest in its closed hook).  Page i's frame is allocated zeroed when a
 * mapping first touches it and then shared by every mapping; an offset in a
 * VM_SHM region is a byte offset into the object. */
struct vm_object {
    u64 npages;
    u64 ino;                   /* the inode number /proc/self/maps shows */
    int maps;                  /* VM_SHM regions using it (Linux's vma count) */
    u64 resident;              /* frames allocated so far */
    void (*opened)(struct vm_object *o);   /* a region started using o (maps grew) */
    void (*closed)(struct vm_object *o);   /* a region stopped using o (maps shrank); may free o */
    u64 **leaves;              /* frames by page index, 512 per leaf (NULL: none yet) */
};

/* Set up o's (empty) page index: 0 or -ENOMEM. */
int vm_object_init(struct vm_object *o);
/* Free o's frames and index (o->maps must be 0); o itself stays the owner's. */
void vm_object_free(struct vm_object *o);
/* Give pages 0..npages-1 of o (after vm_object_init) the physically
 * contiguous frames from pa on, which o then owns (freed one by one by
 * vm_object_free); for objects the kernel also reads through the direct map
 * (io_uring rings).  0 or -ENOMEM. */
int vm_object_adopt(struct vm_object *o, u64 pa);

/* What to map: everything but the address range. */
struct vm_map_args {
    u32 prot;                  /* PROT_* */
    u32 flags;                 /* VMR_* */
    int kind;                  /* enum vm_kind */
    struct file *file;         /* VM_FILE: the region takes its own reference */
    u64 offset;                /* VM_FILE: file offset of the first page */
    u64 file_limit;            /* VM_FILE: file bytes at or past this offset read as zero */
    const char *name;          /* /proc/self/maps name (copied), or NULL */
};

/* Set up the address space once (vDSO regions, /proc/self/maps); idempotent. */
void vm_init(void);

/* Map [start, start+len), replacing (unmapping) anything there: MAP_FIXED. */
int vm_map(u64 start, u64 len, const struct vm_map_args *a);
/* vm_map for a VM_SHM region of obj (a->offset: a byte offset into obj). */
int vm_map_object(u64 start, u64 len, const struct vm_map_args *a, struct vm_object *obj);
/* Unmap [start, start+len); holes are fine.  0 or -ENOMEM (a split failed). */
int vm_unmap(u64 start, u64 len);
/* Change the protection of [start, start+len), which must be fully mapped (-ENOMEM). */
int vm_protect(u64 start, u64 len, u32 prot);

/* A free range of len bytes: hint (page-aligned) when it is free, else the
 * highest free range below VM_MMAP_BASE, else any.  Address or -ENOMEM. */
long vm_find_free(u64 hint, u64 len);
/* The highest free range of len bytes inside [lo, hi) (MAP_32BIT).  Address or -ENOMEM. */
long vm_find_free_range(u64 lo, u64 hi, u64 len);
/* True when no region (guard regions aside) intersects [start, start+len). */
bool vm_range_free(u64 start, u64 len);
/* True when [start, start+len) is covered by regions without a hole (guards excluded). */
bool vm_range_mapped(u64 start, u64 len);
/* The kind and flags of the region holding addr: 0, or -ENOMEM when unmapped. */
int vm_region_info(u64 addr, int *kind, u32 *flags, u32 *prot, u64 *end);
/* The same for the first region (guards skipped) ending after addr, which
 * may start above it (*start): 0, or -ENOMEM when there is none. */
int vm_region_next(u64 addr, u64 *start, int *kind, u32 *flags, u32 *prot, u64 *end);

/* The object and byte offset of the VM_SHM region starting at or holding
 * addr: 0, or -ENOMEM when there is no VM_SHM region there. */
int vm_region_object(u64 addr, struct vm_object **obj, u64 *offset);

/* The file and file offset of the VM_FILE region holding addr: 0, or
 * -ENOMEM when there is no VM_FILE region there. */
int vm_region_file(u64 addr, struct file **f, u64 *offset);

/* Page-cache hooks (fs/pagecache.c): make every shared mapping's PTE of
 * pages [first, last] of the file with cache key key read-only (a store
 * faults and dirties the page again); the file shrank to first pages: drop
 * every mapped page (cached or private copy) from page first on. */
void vm_write_protect(u64 key, u64 first, u64 last);
void vm_file_truncated(u64 key, u64 first);
/* msync: write back the dirty pages of the shared file mappings in [start,
 * start+len) (durable: and make them durable, as fsync).  0, -EIO (or the
 * write's error), or -ENOMEM when part of the range is unmapped (the rest is
 * still written, unless stop_at_hole: then nothing after the hole is). */
int vm_sync(u64 start, u64 len, bool durable, bool stop_at_hole);

/* Fault in every page of [start, start+len) that the protection allows. */
int vm_populate(u64 start, u64 len);
/* MADV_DONTNEED: drop the pages of [start, start+len): the next touch sees
 * zeroes (anonymous) or the file again (private file mappings). */
int vm_discard(u64 start, u64 len);
/* mincore: vec[i] = 1 when page i of [start, start+len) is resident. */
int vm_resident(u64 start, u64 len, u8 *vec);
/* Move [old, old+old_len) (within one region) to [dst, dst+new_len), keeping
 * the pages; the tail beyond old_len fills on demand.  dst must be free (or
 * overlap nothing the caller cares about: it is unmapped first).  keep_old
 * leaves the old range mapped but empty (MREMAP_DONTUNMAP). */
int vm_move(u64 old, u64 old_len, u64 dst, u64 new_len, bool keep_old);
/* Grow the region ending at old+old_len in place to old+new_len: -ENOMEM when
 * the space after it is taken or old+old_len is not the end of its region. */
int vm_expand(u64 old, u64 old_len, u64 new_len);

/* remap_file_pages: [start, start+len) must lie in one run of adjacent
 * MAP_SHARED regions of the same file or object with the same attributes;
 * map it again (MAP_FIXED, populated) at page pgoff of that file or object.
 * 0, -EINVAL (not such a range; shared anonymous memory has no object to
 * index), -EOVERFLOW (pgoff past the largest file offset) or -ENOMEM. */
int vm_remap_shared(u64 start, u64 len, u64 pgoff);

/* brk: vm_brk_init sets the start (page-aligned, after the program's
 * segments); vm_brk moves the break to addr when possible and returns the
 * break in force afterwards (Linux brk semantics). */
void vm_brk_init(u64 start);
u64 vm_brk(u64 addr);

/* Create the stack region [VM_STACK_TOP - initial, VM_STACK_TOP) with the
 * rest of a reserve-byte reservation (at most VM_STACK_RESERVE_MAX) below
 * it as a guard it grows into. */
int vm_stack_init(u64 initial, u64 reserve, bool exec);
#define VM_STACK_RESERVE_MAX (VM_STACK_TOP - VM_MMAP_BASE - (1UL << 20))

/* Bytes of address space mapped (guards excluded): Linux's total_vm, for RLIMIT_AS. */
u64 vm_total_bytes(void);
/* The first address of the brk heap (0 before the loader set it). */
u64 vm_brk_start(void);

/* userfaultfd (syscalls/userfaultfd.c).  uffd_ranges counts its registered
 * ranges; while it is 0 the VM never calls out.  uffd_fault is asked about
 * every missing page of an anonymous private region (addr is the faulting
 * address, error_code the #PF error code): 1 when addr lies in no registered
 * range (fault the page in as usual), 0 when the fault was handed to the
 * handler and the access should simply be retried, or the access's failure
 * (-EFAULT; -EIO for UFFD_FEATURE_SIGBUS).  uffd_unmapped drops the
 * registrations of [start, end) when its mappings go away. */
extern u64 uffd_ranges;
int uffd_fault(u64 addr, u64 error_code);
void uffd_unmapped(u64 start, u64 end);
/* UFFDIO_COPY / UFFDIO_ZEROPAGE: give the empty page va of an anonymous
 * private region a new frame holding the page at data (kernel memory; NULL:
 * zeroes).  0, -EEXIST (the page is there), -ENOENT (no such region) or
 * -ENOMEM. */
int vm_fill_page(u64 va, const void *data);

/* The /proc/self/maps text (a vfs_gen_fn). */
long vm_maps_gen(char *buf, size_t cap);

#endif
