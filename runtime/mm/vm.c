/*
 * vm.c - the program's user address space.  It is one sorted, doubly linked
 * list of regions [start, end), each with Linux protections, a kind
 * (anonymous, private file copy, stack, brk heap, vDSO, guard) and for file
 * regions a file reference and offset.  The page tables are the only record
 * of which pages exist: a user leaf PTE that is non-zero holds a page of the
 * region covering it; page tables whose whole span gets unmapped are freed.
 * Pages of a PROT_NONE region keep their frame in a PTE with the present bit
 * clear and PTE_KEPT set, so mprotect can bring them back.  Pages are
 * filled on first touch (vm_fault): anonymous pages come zeroed from
 * page_alloc; pages of TFS and tmpfs files map the page cache's frame
 * (fs/pagecache.h, read with a small fault-around window) read-only with
 * PTE_CACHED set, and the first write to such a page of a private writable
 * mapping copies it into a private frame (copy-on-write), while the first
 * write through a MAP_SHARED writable mapping marks the cache page dirty and
 * makes that PTE writable (the cache writes it back later, write-protecting
 * the PTEs again through vm_write_protect); other file pages (special
 * files, pages reaching past file_limit) are read with file_pread into
 * private frames.
 * Pages of VM_SHM regions are the frames of a shared page object (struct
 * vm_object), allocated zeroed on first touch and mapped writable as the
 * region allows: every region mapping the object aliases the same memory.
 * While any range is registered with a userfaultfd (uffd_ranges != 0), a
 * missing page of an anonymous private region is first offered to
 * syscalls/userfaultfd.c, which may make the access wait for a handler
 * thread to fill it (vm_fill_page); unmapping a range ends its
 * registration (uffd_unmapped).
 *
 * Invariants: regions never overlap and are sorted by start; start and end
 * are page-aligned; every page that holds a frame lies inside a region; a
 * frame belongs to exactly one PTE, except vDSO frames, which vdso_map.c owns
 * (VM_VDSO regions never free them), and page-cache frames (PTE_CACHED),
 * which the cache owns and counts per PTE (writable in a PTE only in a
 * MAP_SHARED region, and then the cache page is dirty), and
 * VM_SHM frames, which their object owns (any number of PTEs may map them;
 * unmapping never frees them).  A VM_SHM region counts in its object's maps
 * from region_new to region_unlink, splits included, like Linux's shm vmas;
 * VM_SHM regions never merge (Linux never merges shm vmas).  Adjacent regions that agree on every
 * attribute are merged, so brk and back-to-back anonymous mmaps stay one
 * region each, as on Linux.
 *
 * The stack is a VM_STACK region under VM_STACK_TOP with a VM_GUARD region
 * below it covering the rest of the RLIMIT_STACK-sized reservation made at
 * exec; a fault in the guard right below the stack grows the stack.  Guards
 * are not Linux mappings: they do not appear in /proc/self/maps, count as
 * free for explicit addresses (hints, MAP_FIXED) and only keep the top-down
 * mmap search away.
 */
#include "vm.h"
#include "mm.h"
#include "../x86_64/cpu.h"
#include "fs/vfs.h"
#include "fs/pagecache.h"

#define PTE_KEPT      (1UL << 9)        /* software bit: frame kept by the VM */
#define PTE_CACHED    (1UL << 10)       /* software bit: a page-cache frame (read-only) */
#define PF_WRITE      (1UL << 1)
#define PF_RSVD       (1UL << 3)
#define PF_INSTR      (1UL << 4)
#define FAULT_AROUND  16                /* file pages read per fault, at most */

extern u64 vdso_base;
u64 vdso_size(void);

struct region {
    u64 start, end;
    u32 prot, flags;
    int kind;
    struct file *file;
    u64 offset, file_limit;
    char *name;
    u64 key;                           /* VM_FILE: the file's page-cache key (0: none) */
    struct vm_object *obj;             /* VM_SHM: the object, counted in obj->maps */
    struct region *prev, *next;        /* the sorted list */
    struct region *left, *right, *up;  /* the search tree (a treap keyed by start) */
    u32 prio;                          /* treap priority: a parent's is never lower */
    u64 gap;                           /* free bytes between the previous region (or 0) and start */
    u64 max_gap;                       /* the largest gap in this subtree */
};

static struct region *head;
static struct region *root;
static struct region *cache;            /* last lookup hit */
static bool ready;
static u64 brk_start, brk_cur;
static u64 layout_gen;                  /* bumped whenever a region goes away or changes protection */

/* ------------------------------------------------------------ page tables */

/* The next-level table behind entry va of table t at level l, or NULL. */
static u64 *table_next(u64 *t, u64 va, int l)
{
    u64 e = t[(va >> (12 + 9 * l)) & 511];
    if ((e & PTE_P) == 0 || (e & PTE_PS) != 0)
        return NULL;
    return phys_to_virt(e & PTE_ADDR_MASK);
}

/* The leaf PTE slot of user address va, or NULL when no page table covers it. */
static u64 *pte_slot(u64 va)
{
    u64 *t = phys_to_virt(kernel_pml4_pa);
    for (int l = 3; l > 0 && t != NULL; l--)
        t = table_next(t, va, l);
    return t == NULL ? NULL : &t[(va >> 12) & 511];
}

/* PTE flags for a page of a region with protection prot. */
static u64 pte_flags(u32 prot)
{
    u64 f = PTE_U | PTE_KEPT;
    if (prot == PROT_NONE)
        return f;
    f |= PTE_P;
    if ((prot & PROT_WRITE) != 0)
        f |= PTE_W;
    if ((prot & PROT_EXEC) == 0)
        f |= PTE_NX;
    return f;
}

/* PTE flags for a page of region r whose entry was old (keeps PTE_CACHED;
 * a cache frame stays writable only where it was: a dirty page of a shared
 * region that may still be written). */
static u64 leaf_flags(const struct region *r, u64 old)
{
    u64 f = pte_flags(r->prot);
    if ((old & PTE_CACHED) != 0) {
        bool keep_w = (r->flags & VMR_SHARED) != 0 && (old & PTE_W) != 0;
        f = (keep_w ? f : f & ~PTE_W) | PTE_CACHED;
    }
    return f;
}

/* Install frame pa at va with the given flags (present or kept). 0 or -ENOMEM. */
static int set_pte(u64 va, u64 pa, u64 flags)
{
    int r = mmu_map(va, pa, flags | PTE_P);
    if (r == 0 && (flags & PTE_P) == 0) {
        *pte_slot(va) = pa | flags;
        mmu_flush(va);
    }
    return r;
}

static bool table_empty(const u64 *t)
{
    for (int i = 0; i < 512; i++)
        if (t[i] != 0)
            return false;
    return true;
}

/* Table t at level l (3 = PML4) maps base + i * span for entry i.  After
 * [start, end) lost all its pages, free the child tables that only covered
 * it, and those emptied by freeing below (partly covered page tables are not
 * scanned: they stay for reuse).  True when something was freed. */
static bool prune(u64 *t, int l, u64 base, u64 start, u64 end)
{
    u64 span = 1UL << (12 + 9 * l);
    u64 first = (MAX(start, base) - base) / span;
    u64 last = (MIN(end, base + 512 * span) - 1 - base) / span;
    bool freed = false;
    for (u64 i = first; i <= last; i++) {
        u64 e = t[i], va = base + i * span;
        if ((e & PTE_P) == 0 || (e & PTE_PS) != 0)
            continue;
        u64 *child = phys_to_virt(e & PTE_ADDR_MASK);
        bool inside = va >= start && end - va >= span;
        bool below = l > 1 && prune(child, l - 1, va, start, end);
        if (inside || (below && table_empty(child))) {
            t[i] = 0;
            page_free(e & PTE_ADDR_MASK);
            freed = true;
        }
        freed |= below;
    }
    return freed;
}

/* Give back the page tables [start, end) no longer needs. */
static void free_tables(u64 start, u64 end)
{
    if (prune(phys_to_virt(kernel_pml4_pa), 3, 0, start, end)) {
        write_cr3(read_cr3());         /* drop cached translations (user ones are not global) */
        smp_tlb_shootdown();           /* and on other CPUs before the tables are reused */
    }
}

typedef int (*pte_fn)(u64 va, u64 *slot, void *ctx);

/* Call fn for every page of [start, end) whose PTE holds a frame, skipping
 * absent page tables wholesale.  Stops at and returns fn's first non-zero. */
static int pte_walk(u64 start, u64 end, pte_fn fn, void *ctx)
{
    u64 va = start;
    while (va < end) {
        u64 *t = phys_to_virt(kernel_pml4_pa), *n;
        int l = 3;
        while (l > 0 && (n = table_next(t, va, l)) != NULL) {
            t = n;
            l--;
        }
        u64 span = 1UL << (12 + 9 * (l > 0 ? l : 1));
        u64 stop = MIN(end, ALIGN_DOWN(va, span) + span);
        if (l > 0) {
            va = stop;
            continue;
        }
        for (; va < stop; va += PAGE_SIZE) {
            u64 *slot = &t[(va >> 12) & 511];
            int r = *slot != 0 ? fn(va, slot, ctx) : 0;
            if (r != 0)
                return r;
        }
    }
    return 0;
}

/* ------------------------------------------------------------ regions */

static char *kstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = kmalloc(n);
    if (p != NULL)
        memcpy(p, s, n);
    return p;
}

/* A new region [start, end) as a says, mapping obj when it is a VM_SHM one. */
static struct region *region_new(u64 start, u64 end, const struct vm_map_args *a,
                                 struct vm_object *obj)
{
    struct region *r = kzalloc(sizeof(*r));
    if (r == NULL)
        return NULL;
    if (a->name != NULL && (r->name = kstrdup(a->name)) == NULL) {
        kfree(r);
        return NULL;
    }
    r->start = start;
    r->end = end;
    r->prot = a->prot;
    r->flags = a->flags;
    r->kind = a->kind;
    r->file = a->file;
    r->offset = a->offset;
    r->file_limit = a->file_limit;
    if (r->file != NULL)
        file_get(r->file);
    if (r->kind == VM_FILE && (r->key = pagecache_key(r->file)) != 0)
        file_mark_mapped(r->file);     /* the page cache holds its pages now */
    r->obj = obj;
    if (r->obj != NULL) {
        r->obj->maps++;
        if (r->obj->opened != NULL)
            r->obj->opened(r->obj);
    }
    return r;
}

static void region_args(const struct region *r, struct vm_map_args *a)
{
    a->prot = r->prot;
    a->flags = r->flags;
    a->kind = r->kind;
    a->file = r->file;
    a->offset = r->offset;
    a->file_limit = r->file_limit;
    a->name = r->name;
}

/* ------------------------------------------------------------ search tree
 * Regions are also kept in a treap ordered by start (which, regions being
 * disjoint, orders them like the list) so finding the region of an address
 * costs O(log n) even for programs with thousands of mappings.  Each node
 * also records the free gap below it and the largest gap in its subtree, so
 * the top-down search for free space is O(log n) too.  Whenever a start, an
 * end or a list neighbour changes, refresh() the regions whose gap moved. */

static u64 subtree_gap(const struct region *n) { return n != NULL ? n->max_gap : 0; }

static void pull(struct region *n)
{
    n->max_gap = MAX(n->gap, MAX(subtree_gap(n->left), subtree_gap(n->right)));
}

/* Recompute r's gap and the subtree maxima from r up to the root. */
static void refresh(struct region *r)
{
    if (r == NULL)
        return;
    r->gap = r->start - (r->prev != NULL ? r->prev->end : 0);
    for (; r != NULL; r = r->up)
        pull(r);
}

static u32 next_prio(void)
{
    static u32 x = 2463534242U;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return x;
}

/* Make p's child pointer (or the root) that points at old point at new. */
static void tree_relink(struct region *p, struct region *old, struct region *new)
{
    if (p == NULL)
        root = new;
    else if (p->left == old)
        p->left = new;
    else
        p->right = new;
    if (new != NULL)
        new->up = p;
}

/* Rotate x above its parent, keeping the in-order sequence. */
static void rotate_up(struct region *x)
{
    struct region *p = x->up, *g = p->up;
    if (p->left == x) {
        p->left = x->right;
        if (x->right != NULL)
            x->right->up = p;
        x->right = p;
    } else {
        p->right = x->left;
        if (x->left != NULL)
            x->left->up = p;
        x->left = p;
    }
    p->up = x;
    tree_relink(g, p, x);
    pull(p);
    pull(x);
}

static void tree_insert(struct region *r)
{
    struct region *p = NULL, **link = &root;
    while (*link != NULL) {
        p = *link;
        link = r->start < p->start ? &p->left : &p->right;
    }
    r->left = r->right = NULL;
    r->up = p;
    r->prio = next_prio();
    *link = r;
    while (r->up != NULL && r->up->prio < r->prio)
        rotate_up(r);
    refresh(r);
    refresh(r->next);
}

static void tree_remove(struct region *r)
{
    while (r->left != NULL || r->right != NULL) {
        struct region *c = r->left == NULL ? r->right : r->right == NULL ? r->left :
                           r->left->prio > r->right->prio ? r->left : r->right;
        rotate_up(c);
    }
    struct region *p = r->up;
    tree_relink(p, r, NULL);
    for (; p != NULL; p = p->up)
        pull(p);
}

/* The region with the greatest start <= addr, or NULL. */
static struct region *floor_region(u64 addr)
{
    struct region *best = NULL;
    for (struct region *n = root; n != NULL;) {
        if (n->start <= addr) {
            best = n;
            n = n->right;
        } else {
            n = n->left;
        }
    }
    return best;
}

/* ------------------------------------------------------------ the region list */

static void region_unlink(struct region *r)
{
    layout_gen++;
    tree_remove(r);
    if (r->prev != NULL)
        r->prev->next = r->next;
    else
        head = r->next;
    if (r->next != NULL)
        r->next->prev = r->prev;
    refresh(r->next);
    if (cache == r)
        cache = NULL;
    if (r->file != NULL)
        file_put(r->file);
    struct vm_object *o = r->obj;
    kfree(r->name);
    kfree(r);
    if (o != NULL) {
        o->maps--;
        if (o->closed != NULL)
            o->closed(o);          /* last: it may free o */
    }
}

/* Link r into the list after prev (NULL: first) and into the tree. */
static void link_after(struct region *prev, struct region *r)
{
    r->prev = prev;
    r->next = prev != NULL ? prev->next : head;
    if (r->next != NULL)
        r->next->prev = r;
    if (prev != NULL)
        prev->next = r;
    else
        head = r;
    tree_insert(r);
}

/* The region containing addr, or NULL. */
static struct region *lookup(u64 addr)
{
    if (cache != NULL && addr >= cache->start && addr < cache->end)
        return cache;
    struct region *r = floor_region(addr);
    if (r == NULL || addr >= r->end)
        return NULL;
    cache = r;
    return r;
}

/* The first region that ends after addr, or NULL. */
static struct region *first_after(u64 addr)
{
    struct region *r = floor_region(addr);
    if (r == NULL)
        return head;
    return addr < r->end ? r : r->next;
}

static bool names_equal(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return strcmp(a, b) == 0;
}

static bool mergeable(const struct region *a, const struct region *b)
{
    if (a->end != b->start || a->kind != b->kind || a->prot != b->prot ||
        a->flags != b->flags || a->file != b->file || a->kind == VM_VDSO || a->kind == VM_SHM)
        return false;
    if (a->file != NULL && (a->offset + (a->end - a->start) != b->offset ||
                            a->file_limit != b->file_limit))
        return false;
    return names_equal(a->name, b->name);
}

/* Merge r with its neighbours where they agree; returns the surviving region. */
static struct region *merge_around(struct region *r)
{
    if (r->next != NULL && mergeable(r, r->next)) {
        r->end = r->next->end;
        region_unlink(r->next);
    }
    if (r->prev != NULL && mergeable(r->prev, r)) {
        struct region *p = r->prev;
        p->end = r->end;
        region_unlink(r);
        r = p;
    }
    refresh(r->next);
    return r;
}

/* Insert r (not overlapping any region) at its sorted place, merging. */
static void region_insert(struct region *r)
{
    link_after(floor_region(r->start), r);
    merge_around(r);
}

/* Split r at addr (strictly inside it) into two regions.  0 or -ENOMEM. */
static int region_split(struct region *r, u64 addr)
{
    struct vm_map_args a;
    region_args(r, &a);
    a.offset = r->offset + (addr - r->start);
    struct region *n = region_new(addr, r->end, &a, r->obj);
    if (n == NULL)
        return -ENOMEM;
    r->end = addr;
    link_after(r, n);
    return 0;
}

/* Make start and end region boundaries.  0 or -ENOMEM. */
static int clip(u64 start, u64 end)
{
    struct region *r = lookup(start);
    if (r != NULL && r->start < start && region_split(r, start) < 0)
        return -ENOMEM;
    r = lookup(end - 1);
    if (r != NULL && r->end > end && region_split(r, end) < 0)
        return -ENOMEM;
    return 0;
}

static int drop_page(u64 va, u64 *slot, void *ctx)
{
    const struct region *r = ctx;
    u64 pa = *slot & PTE_ADDR_MASK;
    u64 old = *slot;
    *slot = 0;
    mmu_flush(va);
    if ((old & PTE_CACHED) != 0)
        pagecache_unmap(pa);
    else if (r->kind != VM_VDSO && r->kind != VM_SHM)
        page_free(pa);
    return 0;
}

/* Unmap [start, end): free the frames and remove the regions.  0 or -ENOMEM. */
static int remove_range(u64 start, u64 end)
{
    if (clip(start, end) < 0)
        return -ENOMEM;
    struct region *r = first_after(start);
    while (r != NULL && r->start < end) {
        struct region *next = r->next;
        pte_walk(r->start, r->end, drop_page, r);
        region_unlink(r);
        r = next;
    }
    free_tables(start, end);
    if (uffd_ranges != 0)
        uffd_unmapped(start, end);     /* a new mapping there starts unregistered */
    return 0;
}

/* ------------------------------------------------------------ set-up */

static void add_vdso_region(u64 start, u64 len, u32 prot, const char *name)
{
    struct vm_map_args a = { prot, 0, VM_VDSO, NULL, 0, 0, name };
    struct region *r = region_new(start, start + len, &a, NULL);
    if (r == NULL)
        panic("vm: out of memory recording the vDSO");
    region_insert(r);
}

void vm_init(void)
{
    if (ready)
        return;
    ready = true;
    if (vdso_base != 0) {
        add_vdso_region(vdso_base - PAGE_SIZE, PAGE_SIZE, PROT_READ, "[vvar]");
        add_vdso_region(vdso_base, vdso_size(), PROT_READ | PROT_EXEC, "[vdso]");
    }
    if (vfs_register_generated("/proc/self/maps", vm_maps_gen) < 0)
        klog("vm: cannot register /proc/self/maps");
}

/* vm_map, with the object of a VM_SHM region (else NULL). */
static int map_at(u64 start, u64 len, const struct vm_map_args *a, struct vm_object *obj)
{
    vm_init();
    kassert((start | len) % PAGE_SIZE == 0 && len != 0 && start + len <= USER_TOP);
    kassert((a->kind == VM_SHM) == (obj != NULL));
    if (remove_range(start, start + len) < 0)
        return -ENOMEM;
    struct region *r = region_new(start, start + len, a, obj);
    if (r == NULL)
        return -ENOMEM;
    region_insert(r);
    return 0;
}

int vm_map(u64 start, u64 len, const struct vm_map_args *a)
{
    return map_at(start, len, a, NULL);
}

int vm_map_object(u64 start, u64 len, const struct vm_map_args *a, struct vm_object *obj)
{
    return map_at(start, len, a, obj);
}

int vm_unmap(u64 start, u64 len)
{
    vm_init();
    return len == 0 ? 0 : remove_range(start, start + len);
}

/* ------------------------------------------------------------ queries */

bool vm_range_free(u64 start, u64 len)
{
    for (struct region *r = first_after(start); r != NULL && r->start < start + len; r = r->next)
        if (r->kind != VM_GUARD)
            return false;
    return true;
}

bool vm_range_mapped(u64 start, u64 len)
{
    u64 at = start, end = start + len;
    for (struct region *r = first_after(start); r != NULL && at < end; r = r->next) {
        if (r->start > at || r->kind == VM_GUARD)
            return false;
        at = r->end;
    }
    return at >= end;
}

int vm_region_info(u64 addr, int *kind, u32 *flags, u32 *prot, u64 *end)
{
    struct region *r = lookup(addr);
    if (r == NULL || r->kind == VM_GUARD)
        return -ENOMEM;
    *kind = r->kind;
    *flags = r->flags;
    *prot = r->prot;
    *end = r->end;
    return 0;
}

int vm_region_object(u64 addr, struct vm_object **obj, u64 *offset)
{
    struct region *r = lookup(addr);
    if (r == NULL || r->kind != VM_SHM)
        return -ENOMEM;
    *obj = r->obj;
    *offset = r->offset + (addr - r->start);
    return 0;
}

int vm_region_file(u64 addr, struct file **f, u64 *offset)
{
    struct region *r = lookup(addr);
    if (r == NULL || r->kind != VM_FILE)
        return -ENOMEM;
    *f = r->file;
    *offset = r->offset + (addr - r->start);
    return 0;
}

/* The rightmost region in n's subtree that starts at or below hi and has a
 * gap of at least len below it, or NULL. */
static struct region *gap_search(struct region *n, u64 hi, u64 len)
{
    if (n == NULL || n->max_gap < len)
        return NULL;
    if (n->start > hi)
        return gap_search(n->left, hi, len);
    struct region *r = gap_search(n->right, hi, len);
    if (r != NULL)
        return r;
    return n->gap >= len ? n : gap_search(n->left, hi, len);
}

int vm_region_next(u64 addr, u64 *start, int *kind, u32 *flags, u32 *prot, u64 *end)
{
    struct region *r = first_after(addr);
    while (r != NULL && r->kind == VM_GUARD)
        r = r->next;
    if (r == NULL)
        return -ENOMEM;
    *start = r->start;
    *kind = r->kind;
    *flags = r->flags;
    *prot = r->prot;
    *end = r->end;
    return 0;
}

/* The highest a in [lo, hi - len] with [a, a+len) free of regions (guards
 * included), or 0. */
static u64 highest_gap(u64 lo, u64 hi, u64 len)
{
    if (hi <= lo || hi - lo < len)
        return 0;
    struct region *below = floor_region(hi - 1);
    u64 top = below != NULL ? MAX(below->end, lo) : lo;
    if (top < hi && hi - top >= len)
        return hi - len;                /* the gap right below hi */
    struct region *r = gap_search(root, hi, len);
    if (r == NULL)
        return 0;
    u64 from = MAX(r->prev != NULL ? r->prev->end : 0, lo);
    return r->start > from && r->start - from >= len ? r->start - len : 0;
}

long vm_find_free(u64 hint, u64 len)
{
    vm_init();
    if (len == 0 || len > USER_TOP - VM_MIN_ADDR)
        return -ENOMEM;
    if (hint >= VM_MIN_ADDR && hint <= USER_TOP - len && vm_range_free(hint, len))
        return (long)hint;
    u64 a = highest_gap(VM_MIN_ADDR, VM_MMAP_BASE, len);
    if (a == 0)
        a = highest_gap(VM_MMAP_BASE, USER_TOP, len);
    return a != 0 ? (long)a : -ENOMEM;
}

long vm_find_free_range(u64 lo, u64 hi, u64 len)
{
    vm_init();
    u64 a = highest_gap(MAX(lo, VM_MIN_ADDR), MIN(hi, USER_TOP), len);
    return a != 0 ? (long)a : -ENOMEM;
}

/* ------------------------------------------------------------ protection */

static int reprotect_page(u64 va, u64 *slot, void *ctx)
{
    const struct region *r = ctx;
    *slot = (*slot & PTE_ADDR_MASK) | leaf_flags(r, *slot);
    mmu_flush(va);
    return 0;
}

/* Whether a region may take protection prot at all (Linux's VM_MAY* bits:
 * a shared file mapping made through a read-only fd has VMR_NOWRITE). */
static bool prot_allowed(const struct region *r, u32 prot)
{
    if ((prot & PROT_WRITE) == 0)
        return true;
    return r->kind != VM_VDSO && (r->flags & VMR_NOWRITE) == 0;
}

int vm_protect(u64 start, u64 len, u32 prot)
{
    u64 end = start + len;
    vm_init();
    if (!vm_range_mapped(start, len))
        return -ENOMEM;
    for (struct region *r = first_after(start); r != NULL && r->start < end; r = r->next)
        if (!prot_allowed(r, prot))
            return -EACCES;
    if (clip(start, end) < 0)
        return -ENOMEM;
    struct region *r = first_after(start);
    layout_gen++;
    while (r != NULL && r->start < end) {
        r->prot = prot;
        pte_walk(r->start, r->end, reprotect_page, r);
        r = merge_around(r)->next;
    }
    if (r != NULL)
        merge_around(r);
    return 0;
}

/* ------------------------------------------------------------ faults */

static bool access_ok(u32 prot, u64 err)
{
    if ((err & PF_WRITE) != 0)
        return (prot & PROT_WRITE) != 0;
    if ((err & PF_INSTR) != 0)
        return (prot & PROT_EXEC) != 0;
    return prot != PROT_NONE;
}

/* A fault at va in guard g: grow the stack right above g down to va.
 * Returns the stack region, or NULL when g is not the stack's guard. */
static struct region *grow_stack(struct region *g, u64 va)
{
    struct region *s = g->next;
    if (s == NULL || s->kind != VM_STACK || s->start != g->end)
        return NULL;
    s->start = va;
    if (va == g->start)
        region_unlink(g);
    else
        g->end = va;
    refresh(s);
    return s;
}

/* A frame for a user page; when memory is short, unmapped page-cache
 * pages are given up first.  0 when out of memory. */
static u64 user_page_alloc(void)
{
    u64 pa = page_alloc();
    if (pa == 0 && pagecache_shrink() > 0)
        pa = page_alloc();
    return pa;
}

static int fill_zero(const struct region *r, u64 va)
{
    u64 pa = user_page_alloc();
    if (pa == 0) {
        klog("vm: out of memory at %lx", va);
        return -ENOMEM;
    }
    if (mmu_map(va, pa, pte_flags(r->prot)) < 0) {
        page_free(pa);
        return -ENOMEM;
    }
    return 0;
}

static bool page_empty(u64 va)
{
    u64 *s = pte_slot(va);
    return s == NULL || *s == 0;
}

/* The file offset of page va of file region r. */
static u64 file_off(const struct region *r, u64 va) { return r->offset + (va - r->start); }

/* The window of empty pages around va (inside r, inside the file's data,
 * at most FAULT_AROUND pages, aligned to it) to read in one go. */
static void fault_window(const struct region *r, u64 va, u64 data_end, u64 *ws, u64 *we)
{
    u64 span = FAULT_AROUND * PAGE_SIZE;
    u64 lo = MAX(r->start, ALIGN_DOWN(va, span));
    u64 hi = MIN(r->end, ALIGN_DOWN(va, span) + span);
    u64 s = va, e = va + PAGE_SIZE;
    while (s > lo && page_empty(s - PAGE_SIZE))
        s -= PAGE_SIZE;
    while (e < hi && file_off(r, e) < data_end && page_empty(e))
        e += PAGE_SIZE;
    *ws = s;
    *we = e;
}

/* Map the n frames at pa (just read for r) at ws.., skipping pages that got
 * a frame meanwhile; frames not mapped are freed.  0, or -ENOMEM when va's
 * page could not be mapped. */
static int map_read_pages(const struct region *r, u64 va, u64 ws, u64 pa, size_t n)
{
    int e = 0;
    for (size_t i = 0; i < n; i++) {
        u64 at = ws + i * PAGE_SIZE;
        if (!page_empty(at) || mmu_map(at, pa + i * PAGE_SIZE, pte_flags(r->prot)) < 0) {
            page_free(pa + i * PAGE_SIZE);
            if (at == va && page_empty(va))
                e = -ENOMEM;
        }
    }
    return e;
}

/* Map the page-cache frames of file region r (cache key key) around va,
 * reading missing ones (pages wholly below data_end only).  Should the read
 * block and the layout change meanwhile, the access simply faults again. */
static int fill_cached(const struct region *r, u64 va, u64 key, u64 data_end)
{
    u64 ws, we;
    fault_window(r, va, data_end, &ws, &we);
    u64 gen = layout_gen;
    if (pagecache_lookup(key, file_off(r, va) / PAGE_SIZE) == 0) {
        int e = pagecache_fill(r->file, key, file_off(r, ws) / PAGE_SIZE,
                               file_off(r, we) / PAGE_SIZE, file_off(r, va) / PAGE_SIZE);
        if (e < 0 || gen != layout_gen)
            return e;
    }
    for (u64 at = ws; at < we; at += PAGE_SIZE) {
        u64 pa = pagecache_lookup(key, file_off(r, at) / PAGE_SIZE);
        if (pa == 0 || !page_empty(at))
            continue;
        if (set_pte(at, pa, leaf_flags(r, PTE_CACHED)) < 0) {
            if (at == va)
                return -ENOMEM;
            continue;
        }
        pagecache_map(pa);
    }
    return 0;
}

/* Read the file page(s) around va of private file region r into new frames.
 * Should the read block and the layout change meanwhile, the frames are
 * dropped and the access simply faults again. */
static int fill_file(const struct region *r, u64 va)
{
    long size = file_size(r->file);
    u64 data_end = MIN(r->file_limit, size < 0 ? ~0UL : ALIGN_UP((u64)size, PAGE_SIZE));
    if (file_off(r, va) >= data_end)
        return -EIO;                 /* past the end of the file: SIGBUS on Linux */
    u64 key = pagecache_key(r->file);
    u64 cache_end = MIN(data_end, ALIGN_DOWN(r->file_limit, PAGE_SIZE));
    if (key != 0 && (r->offset % PAGE_SIZE) == 0 && file_off(r, va) < cache_end)
        return fill_cached(r, va, key, cache_end);
    u64 ws, we;
    fault_window(r, va, data_end, &ws, &we);
    size_t n = (we - ws) / PAGE_SIZE;
    u64 pa = pages_alloc(n);
    if (pa == 0 && n > 1) {
        ws = va;
        n = 1;
        pa = user_page_alloc();
    }
    if (pa == 0) {
        klog("vm: out of memory at %lx", va);
        return -ENOMEM;
    }
    u64 off = file_off(r, ws), gen = layout_gen;
    struct file *f = r->file;
    file_get(f);
    long got = file_pread(f, phys_to_virt(pa), MIN(n * PAGE_SIZE, r->file_limit - off), off);
    file_put(f);
    if (got < 0 || gen != layout_gen) {
        if (got < 0)
            klog("vm: reading a mapped file page at offset %lx failed: %ld", off, got);
        pages_free(pa, n);
        return got < 0 ? -EIO : 0;
    }
    return map_read_pages(r, va, ws, pa, n);
}

/* A write to page-cache page va of private writable region r: give the
 * page a private copy of the frame, mapped writable.  A frame no other PTE
 * maps leaves the cache and becomes the private page itself (a later
 * mapping reads the file again), so relocated data pages are not held
 * twice. */
static int copy_on_write(const struct region *r, u64 va, u64 *slot)
{
    u64 old = *slot & PTE_ADDR_MASK;
    if (pagecache_steal(old)) {
        *slot = old | pte_flags(r->prot);
        mmu_flush(va);
        return 0;
    }
    u64 pa = user_page_alloc();
    if (pa == 0) {
        klog("vm: out of memory at %lx", va);
        return -ENOMEM;
    }
    memcpy(phys_to_virt(pa), phys_to_virt(old), PAGE_SIZE);
    *slot = pa | pte_flags(r->prot);
    mmu_flush(va);
    pagecache_unmap(old);
    return 0;
}

/* A store to page-cache page va of shared writable region r: the cache
 * page becomes dirty and the PTE writable (until the page is written back). */
static int dirty_shared(const struct region *r, u64 va, u64 *slot)
{
    if (pagecache_dirty(*slot & PTE_ADDR_MASK, r->file) < 0) {
        klog("vm: out of memory at %lx", va);
        return -ENOMEM;
    }
    *slot |= PTE_W;
    mmu_flush(va);
    return 0;
}

/* ------------------------------------------------------------ shared page objects */

#define LEAF_PAGES (PAGE_SIZE / sizeof(u64))

int vm_object_init(struct vm_object *o)
{
    u64 nleaves = (o->npages + LEAF_PAGES - 1) / LEAF_PAGES;
    o->maps = 0;
    o->resident = 0;
    o->leaves = kzalloc(MAX(nleaves, 1UL) * sizeof(u64 *));
    return o->leaves == NULL ? -ENOMEM : 0;
}

void vm_object_free(struct vm_object *o)
{
    kassert(o->maps == 0);
    u64 nleaves = (o->npages + LEAF_PAGES - 1) / LEAF_PAGES;
    for (u64 i = 0; i < nleaves; i++) {
        if (o->leaves[i] == NULL)
            continue;
        for (u64 j = 0; j < LEAF_PAGES; j++)
            if (o->leaves[i][j] != 0)
                page_free(o->leaves[i][j]);
        kfree(o->leaves[i]);
    }
    kfree(o->leaves);
    o->leaves = NULL;
    o->resident = 0;
}

int vm_object_adopt(struct vm_object *o, u64 pa)
{
    for (u64 i = 0; i < o->npages; i++) {
        u64 **leaf = &o->leaves[i / LEAF_PAGES];
        if (*leaf == NULL && (*leaf = kzalloc(PAGE_SIZE)) == NULL)
            return -ENOMEM;
    }
    for (u64 i = 0; i < o->npages; i++)
        o->leaves[i / LEAF_PAGES][i % LEAF_PAGES] = pa + i * PAGE_SIZE;
    o->resident = o->npages;
    return 0;
}

/* The frame of page idx (< npages) of o, allocated zeroed on first use; 0
 * when out of memory. */
static u64 object_frame(struct vm_object *o, u64 idx)
{
    u64 **leaf = &o->leaves[idx / LEAF_PAGES];
    if (*leaf == NULL && (*leaf = kzalloc(PAGE_SIZE)) == NULL)
        return 0;
    u64 *slot = &(*leaf)[idx % LEAF_PAGES];
    if (*slot == 0 && (*slot = user_page_alloc()) != 0)
        o->resident++;
    return *slot;
}

/* Map the object's frame for page va of VM_SHM region r.  A page past the
 * end of the object (a region grown by mremap) is -EIO: SIGBUS on Linux. */
static int fill_shared(const struct region *r, u64 va)
{
    u64 idx = (r->offset + (va - r->start)) / PAGE_SIZE;
    if (idx >= r->obj->npages)
        return -EIO;
    u64 pa = object_frame(r->obj, idx);
    if (pa == 0) {
        klog("vm: out of memory at %lx", va);
        return -ENOMEM;
    }
    return mmu_map(va, pa, pte_flags(r->prot)) < 0 ? -ENOMEM : 0;
}

/* Anonymous private memory: what userfaultfd may register. */
static bool is_anon_private(const struct region *r)
{
    return (r->kind == VM_ANON || r->kind == VM_BRK || r->kind == VM_STACK) &&
           (r->flags & VMR_SHARED) == 0;
}

int vm_fill_page(u64 va, const void *data)
{
    struct region *r = lookup(va);
    if (r == NULL || !is_anon_private(r))
        return -ENOENT;
    if (!page_empty(va))
        return -EEXIST;
    u64 pa = user_page_alloc();
    if (pa == 0)
        return -ENOMEM;
    if (data != NULL)
        memcpy(phys_to_virt(pa), data, PAGE_SIZE);
    if (set_pte(va, pa, pte_flags(r->prot)) < 0) {
        page_free(pa);
        return -ENOMEM;
    }
    return 0;
}

/* Give page va of region r a frame according to its kind. */
static int fault_in(const struct region *r, u64 va)
{
    if (r->kind == VM_SHM)
        return fill_shared(r, va);
    return r->kind == VM_FILE ? fill_file(r, va) : fill_zero(r, va);
}

/* The page-fault entry (contract in kernel.h).  Besides -EFAULT it returns
 * -EIO for a file page past the end of the file or unreadable (SIGBUS on
 * Linux) and -ENOMEM when out of memory; the trap code treats any non-zero
 * value as a failed access. */
int vm_fault(u64 addr, u64 error_code)
{
    if (addr >= USER_TOP || (error_code & PF_RSVD) != 0 || !ready)
        return -EFAULT;
    u64 va = ALIGN_DOWN(addr, PAGE_SIZE);
    struct region *r = lookup(addr);
    if (r != NULL && r->kind == VM_GUARD)
        r = grow_stack(r, va);
    if (r == NULL || !access_ok(r->prot, error_code))
        return -EFAULT;
    u64 *slot = pte_slot(va);
    bool shared_write = (error_code & PF_WRITE) != 0 && (r->flags & VMR_SHARED) != 0;
    if (slot != NULL && *slot != 0) {
        if ((*slot & PTE_CACHED) != 0 && (error_code & PF_WRITE) != 0)
            return shared_write ? dirty_shared(r, va, slot) : copy_on_write(r, va, slot);
        /* Already there (stale TLB entry or a kept page): refresh the flags. */
        *slot = (*slot & PTE_ADDR_MASK) | leaf_flags(r, *slot);
        mmu_flush(va);
        return 0;
    }
    /* A missing anonymous page of a range registered with a userfaultfd is
     * its handler's to fill: nothing is allocated here (one load when no
     * range is registered). */
    if (uffd_ranges != 0 && is_anon_private(r)) {
        int u = uffd_fault(addr, error_code);
        if (u <= 0)
            return u;
    }
    u64 gen = layout_gen;
    int e = fault_in(r, va);
    /* A store to a shared file page just read in: dirty it now rather than
     * fault again (unless a blocked read let the layout change). */
    if (e == 0 && shared_write && gen == layout_gen && (slot = pte_slot(va)) != NULL &&
        (*slot & PTE_CACHED) != 0)
        return dirty_shared(r, va, slot);
    return e;
}

int vm_populate(u64 start, u64 len)
{
    u64 end = start + len;
    vm_init();
restart:
    for (struct region *r = first_after(start); r != NULL && r->start < end; r = r->next) {
        if (r->prot == PROT_NONE || r->kind == VM_GUARD || r->kind == VM_VDSO)
            continue;
        for (u64 va = MAX(start, r->start); va < MIN(end, r->end); va += PAGE_SIZE) {
            if (!page_empty(va))
                continue;
            /* A page registered with a userfaultfd waits for its handler,
             * as an access from a syscall would; the layout may have
             * changed meanwhile, so look again from va on. */
            int u = uffd_ranges != 0 && is_anon_private(r) ? uffd_fault(va, 0) : 1;
            if (u < 0)
                return -EFAULT;
            if (u == 0) {
                start = va;
                goto restart;
            }
            int e = fault_in(r, va);
            if (e < 0)
                return e;
        }
    }
    return 0;
}

int vm_discard(u64 start, u64 len)
{
    u64 end = start + len;
    vm_init();
    for (struct region *r = first_after(start); r != NULL && r->start < end; r = r->next)
        if (r->kind != VM_VDSO && r->kind != VM_GUARD)
            pte_walk(MAX(start, r->start), MIN(end, r->end), drop_page, r);
    return 0;
}

int vm_resident(u64 start, u64 len, u8 *vec)
{
    for (u64 i = 0; i < len / PAGE_SIZE; i++)
        vec[i] = page_empty(start + i * PAGE_SIZE) ? 0 : 1;
    return 0;
}

/* ------------------------------------------------------------ file write-back hooks */

/* The part [*vs, *ve) of file region r holding file bytes [lo, hi); false
 * when r holds none of them. */
static bool file_span(const struct region *r, u64 lo, u64 hi, u64 *vs, u64 *ve)
{
    u64 rs = r->offset, re = r->offset + (r->end - r->start);
    if (hi <= rs || lo >= re)
        return false;
    *vs = r->start + (MAX(lo, rs) - rs);
    *ve = r->start + (MIN(hi, re) - rs);
    return true;
}

static int protect_page(u64 va, u64 *slot, void *ctx)
{
    (void)va;
    if ((*slot & (PTE_CACHED | PTE_W)) == (PTE_CACHED | PTE_W)) {
        *slot &= ~PTE_W;
        *(bool *)ctx = true;
    }
    return 0;
}

void vm_write_protect(u64 key, u64 first, u64 last)
{
    bool changed = false;
    u64 lo = first * PAGE_SIZE, hi = last >= ~0UL / PAGE_SIZE ? ~0UL : (last + 1) * PAGE_SIZE;
    for (struct region *r = head; r != NULL; r = r->next) {
        u64 vs, ve;
        if (r->kind == VM_FILE && r->key == key && (r->flags & VMR_SHARED) != 0 &&
            file_span(r, lo, hi, &vs, &ve))
            pte_walk(vs, ve, protect_page, &changed);
    }
    if (changed) {
        write_cr3(read_cr3());         /* user translations are not global */
        smp_tlb_shootdown();
    }
}

void vm_file_truncated(u64 key, u64 first)
{
    for (struct region *r = head; r != NULL; r = r->next) {
        u64 vs, ve;
        if (r->kind == VM_FILE && r->key == key && first < ~0UL / PAGE_SIZE &&
            file_span(r, first * PAGE_SIZE, ~0UL, &vs, &ve))
            pte_walk(vs, ve, drop_page, r);
    }
}

int vm_sync(u64 start, u64 len, bool durable, bool stop_at_hole)
{
    u64 at = start, end = start + len;
    bool hole = false;
    vm_init();
    while (at < end) {
        struct region *r = first_after(at);
        while (r != NULL && r->kind == VM_GUARD)
            r = r->next;
        if (r == NULL || r->start >= end || (r->start > at && stop_at_hole)) {
            hole = true;
            break;
        }
        hole |= r->start > at;
        u64 s = MAX(at, r->start), e = MIN(end, r->end);
        at = r->end;
        if (r->kind != VM_FILE || (r->flags & VMR_SHARED) == 0 || r->key == 0)
            continue;
        /* The write-back may block and the region go: keep the file. */
        struct file *f = r->file;
        u64 first = file_off(r, s) / PAGE_SIZE, last = (file_off(r, e) - 1) / PAGE_SIZE;
        file_get(f);
        int err = pagecache_sync_file(f, first, last, durable);
        file_put(f);
        if (err < 0)
            return err;
    }
    return hole ? -ENOMEM : 0;
}

/* ------------------------------------------------------------ mremap */

struct move_ctx { s64 delta; };

static int move_page(u64 va, u64 *slot, void *ctx)
{
    const struct move_ctx *m = ctx;
    u64 e = *slot;
    if (set_pte(va + (u64)m->delta, e & PTE_ADDR_MASK, e & ~PTE_ADDR_MASK) < 0)
        return -ENOMEM;
    *slot = 0;
    mmu_flush(va);
    return 0;
}

/* Move every frame of [start, start+len) by delta; all or nothing. */
static int move_frames(u64 start, u64 len, s64 delta)
{
    struct move_ctx m = { delta };
    if (pte_walk(start, start + len, move_page, &m) == 0)
        return 0;
    /* A page table could not be allocated: move back what moved (the old
     * tables still exist, so this cannot fail). */
    struct move_ctx back = { -delta };
    pte_walk(start + (u64)delta, start + (u64)delta + len, move_page, &back);
    return -ENOMEM;
}

int vm_move(u64 old, u64 old_len, u64 dst, u64 new_len, bool keep_old)
{
    struct region *r = lookup(old);
    kassert(r != NULL && old + old_len <= r->end);
    struct vm_map_args a;
    region_args(r, &a);
    struct vm_object *obj = r->obj;
    a.offset = r->offset + (old - r->start);
    if (a.kind == VM_STACK || a.kind == VM_BRK) {
        a.kind = VM_ANON;          /* a moved heap or stack is plain memory */
        a.name = NULL;
    }
    int e = map_at(dst, new_len, &a, obj);
    if (e < 0)
        return e;
    e = move_frames(old, MIN(old_len, new_len), (s64)(dst - old));
    if (e < 0) {
        remove_range(dst, dst + new_len);
        return e;
    }
    return keep_old ? 0 : remove_range(old, old + old_len);
}

int vm_expand(u64 old, u64 old_len, u64 new_len)
{
    struct region *r = lookup(old);
    u64 end = old + new_len;
    if (r == NULL || r->end != old + old_len || end > USER_TOP || end < old)
        return -ENOMEM;
    if (!vm_range_free(r->end, end - r->end))
        return -ENOMEM;
    if (remove_range(r->end, end) < 0)      /* guard pieces only */
        return -ENOMEM;
    r->end = end;
    refresh(r->next);
    merge_around(r);
    return 0;
}

/* ------------------------------------------------------------ remap_file_pages */

/* Whether n continues the run of shared regions that r starts (Linux's
 * check: no hole, the same file and the same flags). */
static bool same_shared_run(const struct region *r, const struct region *prev,
                            const struct region *n)
{
    return n != NULL && n->start == prev->end && n->kind == r->kind && n->file == r->file &&
           n->obj == r->obj && n->prot == r->prot && n->flags == r->flags;
}

int vm_remap_shared(u64 start, u64 len, u64 pgoff)
{
    vm_init();
    struct region *r = lookup(start);
    if (r == NULL || r->kind == VM_GUARD || (r->flags & VMR_SHARED) == 0)
        return -EINVAL;
    for (const struct region *p = r; p->end < start + len; p = p->next)
        if (!same_shared_run(r, p, p->next))
            return -EINVAL;
    if (r->kind != VM_FILE && r->kind != VM_SHM)
        return -EINVAL;
    if (pgoff > (0x7fffffffffffffffUL - len) / PAGE_SIZE)
        return -EOVERFLOW;              /* past the largest file offset: do_mmap's check */
    struct vm_map_args a;
    region_args(r, &a);
    struct vm_object *obj = r->obj;
    a.offset = pgoff * PAGE_SIZE;
    a.file_limit = ~0UL;
    /* vm_map unmaps the old regions first: keep the file, the object and
     * the name alive across that.  The extra maps count keeps the object's
     * owner from freeing it when its old regions go (the hooks still see
     * the old regions close and the new one open, as Linux's do). */
    char *name = a.name != NULL ? kstrdup(a.name) : NULL;
    if (a.name != NULL && name == NULL)
        return -ENOMEM;
    a.name = name;
    if (a.file != NULL)
        file_get(a.file);
    if (obj != NULL)
        obj->maps++;
    int e = map_at(start, len, &a, obj);
    if (obj != NULL) {
        obj->maps--;
        if (e < 0 && obj->closed != NULL)
            obj->closed(obj);           /* the old regions may have been its last */
    }
    if (a.file != NULL)
        file_put(a.file);
    kfree(name);
    if (e == 0)
        vm_populate(start, len);        /* MAP_POPULATE, errors ignored as Linux does */
    return e;
}

/* ------------------------------------------------------------ brk and stack */

void vm_brk_init(u64 start)
{
    brk_start = brk_cur = ALIGN_UP(start, PAGE_SIZE);
}

/* Grow the heap from old_top to new_top (page-aligned).  0 or -ENOMEM. */
static int brk_grow(u64 old_top, u64 new_top)
{
    struct vm_map_args a = { PROT_READ | PROT_WRITE, 0, VM_BRK, NULL, 0, 0, "[heap]" };
    if (new_top > USER_TOP - PAGE_SIZE || new_top - old_top > mem_total_bytes())
        return -ENOMEM;
    if (!vm_range_free(old_top, new_top - old_top + PAGE_SIZE))
        return -ENOMEM;        /* keep a page between the heap and the next mapping */
    return vm_map(old_top, new_top - old_top, &a);
}

u64 vm_brk(u64 addr)
{
    vm_init();
    if (brk_start == 0 || addr < brk_start || addr > USER_TOP)
        return brk_cur;
    u64 old_top = ALIGN_UP(brk_cur, PAGE_SIZE), new_top = ALIGN_UP(addr, PAGE_SIZE);
    int e = 0;
    if (new_top > old_top)
        e = brk_grow(old_top, new_top);
    else if (new_top < old_top)
        e = vm_unmap(new_top, old_top - new_top);
    if (e == 0)
        brk_cur = addr;
    return brk_cur;
}

int vm_stack_init(u64 initial, u64 reserve, bool exec)
{
    struct vm_map_args s = { PROT_READ | PROT_WRITE | (exec ? PROT_EXEC : 0), VMR_GROWSDOWN,
                             VM_STACK, NULL, 0, 0, "[stack]" };
    struct vm_map_args g = { PROT_NONE, 0, VM_GUARD, NULL, 0, 0, NULL };
    reserve = MIN(ALIGN_UP(reserve, PAGE_SIZE), VM_STACK_RESERVE_MAX);
    initial = MIN(ALIGN_UP(initial, PAGE_SIZE), VM_STACK_RESERVE_MAX);
    int e = vm_map(VM_STACK_TOP - initial, initial, &s);
    if (e == 0 && initial < reserve)
        e = vm_map(VM_STACK_TOP - reserve, reserve - initial, &g);
    return e;
}

u64 vm_total_bytes(void)
{
    u64 total = 0;
    for (const struct region *r = head; r != NULL; r = r->next)
        if (r->kind != VM_GUARD)
            total += r->end - r->start;
    return total;
}

u64 vm_brk_start(void) { return brk_start; }

/* ------------------------------------------------------------ /proc/self/maps */

/* One line of /proc/self/maps for r into line (room for n bytes); its length. */
static size_t maps_line(const struct region *r, char *line, size_t n)
{
    bool shm = r->kind == VM_SHM;        /* Linux: device 00:01 (its shm mount), inode = shmid */
    size_t len = (size_t)ksnprintf(line, n, "%08lx-%08lx %c%c%c%c %08lx 00:%02x %lu ", r->start, r->end,
                                   (r->prot & PROT_READ) != 0 ? 'r' : '-',
                                   (r->prot & PROT_WRITE) != 0 ? 'w' : '-',
                                   (r->prot & PROT_EXEC) != 0 ? 'x' : '-',
                                   (r->flags & VMR_SHARED) != 0 ? 's' : 'p',
                                   r->kind == VM_FILE || shm ? r->offset : 0UL,
                                   shm ? 1 : 0, shm ? r->obj->ino : 0UL);
    if (r->name != NULL) {
        while (len < 72)
            line[len++] = ' ';
        line[len++] = ' ';
        size_t nl = strnlen(r->name, n - len - 1);
        memcpy(line + len, r->name, nl);
        len += nl;
    }
    line[len++] = '\n';
    return len;
}

long vm_maps_gen(char *buf, size_t cap)
{
    static char line[4096 + 128];
    size_t total = 0;
    vm_init();
    for (const struct region *r = head; r != NULL; r = r->next) {
        if (r->kind == VM_GUARD)
            continue;
        size_t len = maps_line(r, line, sizeof(line));
        if (total + len <= cap)
            memcpy(buf + total, line, len);
        total += len;
    }
    return (long)total;
}
