/*
 * memfd_secret.c - memfd_secret(2): a file whose memory is reachable only
 * through MAP_SHARED mappings of it.
 *
 * The file's pages are a shared page object (struct vm_object,
 * runtime/mm/vm.h), mapped as VM_SHM regions, so every mapping of the file
 * sees the same frames, allocated zeroed on first touch.  As on Linux the
 * file has no read or write methods (read/write give EINVAL, it is not
 * seekable: pread and lseek give ESPIPE), its size can be set once with
 * ftruncate (from 0; a second change is EINVAL), a page past the size is
 * SIGBUS, MAP_PRIVATE is EINVAL and PROT_EXEC is EPERM (Linux's secretmem
 * mount is noexec).  It reads as /secretmem (deleted) in /proc/self/fd.
 * The memory outlives the descriptor while mapped: the object goes when the
 * last file reference and the last mapping are both gone.
 *
 * The file maps itself through its mmap method; syscalls/mm.c calls
 * secretmem_mmap_check first (the method does not see mmap's flags), and
 * syscalls/fs.c calls secretmem_truncate for ftruncate.
 */
#include "syscalls/syscalls.h"
#include "fs/vfs.h"
#include "fs/vfs_impl.h"
#include "runtime/mm/vm.h"

/* mmap flags, as syscalls/mm.c has them */
#define MAP_TYPE 0x0f
#define MAP_PRIVATE 0x02
#define MAP_SHARED_VALIDATE 0x03
#define MAP_HUGETLB 0x40000
#define MAP_LEGACY (0x01 | 0x02 | 0x10 | 0x20 | 0x800 | 0x1000 | 0x4000000 | 0x100 | 0x2000 | \
                    0x4000 | 0x8000 | 0x10000 | 0x20000 | MAP_HUGETLB | 0x40 | (0x3fUL << 26))

struct secretmem {
    struct vm_object obj;               /* first: the VM's hooks get &obj */
    u64 size;                           /* bytes (ftruncate) */
    bool file_gone;                     /* the last file reference was dropped */
};

static void secret_free(struct secretmem *s)
{
    vm_object_free(&s->obj);
    kfree(s);
}

/* VM hook: a region of the object went; free it when nothing is left. */
static void secret_closed(struct vm_object *o)
{
    struct secretmem *s = (struct secretmem *)o;
    if (o->maps == 0 && s->file_gone)
        secret_free(s);
}

static int secret_stat(struct node n, struct kstat *st)
{
    const struct secretmem *s = (const struct secretmem *)n.id;
    st->mode = S_IFREG | 0600;
    st->ino = s->obj.ino;
    st->dev = VFS_MKDEV(0, 14);
    st->nlink = 1;
    st->size = s->size;
    st->blksize = PAGE_SIZE;
    return 0;
}

static long secret_readlink(struct node n, char *buf, size_t cap)
{
    const char *t = n.v->name;
    size_t k = MIN(strlen(t), cap);
    memcpy(buf, t, k);
    return (long)k;
}

static const struct node_ops secret_nops = { .stat = secret_stat, .readlink = secret_readlink };
static struct vnode secret_vnode = { .name = "/secretmem (deleted)", .nops = &secret_nops };

static long secret_rw(struct file *f, void *buf, size_t n, u64 off)
{
    (void)f, (void)buf, (void)n, (void)off;
    return -EINVAL;                     /* no read/write methods */
}

static long secret_write(struct file *f, const void *buf, size_t n, u64 off)
{
    (void)f, (void)buf, (void)n, (void)off;
    return -EINVAL;
}

static void secret_release(struct file *f)
{
    struct secretmem *s = f->priv;
    s->file_gone = true;
    if (s->obj.maps == 0)
        secret_free(s);
}

static int secret_mmap(struct file *f, u64 at, u64 len, u32 prot, u64 off);

static const struct file_ops secret_fops = {
    .read = secret_rw,
    .write = secret_write,
    .mmap = secret_mmap,
    .release = secret_release,
};

/* The secret memory behind f, or NULL when f is another kind of file. */
static struct secretmem *secret_of(struct file *f)
{
    return f != NULL && f->node.v == &secret_vnode ? f->priv : NULL;
}

bool file_is_secretmem(struct file *f)
{
    return secret_of(f) != NULL;
}

/* mmap's checks for f (after its generic ones): 0 or -errno. */
int secretmem_mmap_check(u64 prot, u64 flags)
{
    if ((flags & MAP_HUGETLB) != 0)
        return -EINVAL;
    if ((flags & MAP_TYPE) == MAP_SHARED_VALIDATE && (flags & ~MAP_LEGACY) != 0)
        return -EOPNOTSUPP;             /* MAP_SYNC included: no DAX here */
    if ((flags & MAP_TYPE) == MAP_PRIVATE)
        return -EINVAL;
    if ((prot & PROT_EXEC) != 0)
        return -EPERM;                  /* the secretmem mount is noexec */
    return 0;
}

/* The mmap method: map [at, at+len) of f at byte offset off (MAP_FIXED
 * semantics), after secretmem_mmap_check. */
static int secret_mmap(struct file *f, u64 at, u64 len, u32 prot, u64 off)
{
    struct secretmem *s = secret_of(f);
    struct vm_map_args a = {
        .prot = prot & (PROT_READ | PROT_WRITE),
        .flags = VMR_SHARED,
        .kind = VM_SHM,
        .offset = off,
        .name = secret_vnode.name,
    };
    return vm_map_object(at, len, &a, &s->obj);
}

/* ftruncate: the size can be set once (Linux refuses any change once it is
 * not 0).  0 or -errno. */
int secretmem_truncate(struct file *f, u64 len)
{
    struct secretmem *s = secret_of(f);
    if (s->size != 0)
        return -EINVAL;
    if (len == 0)
        return 0;
    u64 npages = (len + PAGE_SIZE - 1) / PAGE_SIZE;
    if (npages > mem_total_bytes() / PAGE_SIZE)
        return -ENOMEM;
    /* the object has no frames yet (it had no pages): give it a page index
     * of the new size; mappings made before see the pages from now on */
    struct vm_object grown = s->obj;
    grown.npages = npages;
    if (vm_object_init(&grown) < 0)
        return -ENOMEM;
    kfree(s->obj.leaves);
    s->obj.leaves = grown.leaves;
    s->obj.npages = npages;
    s->size = len;
    return 0;
}

#define O_CLOEXEC_ABI 02000000

// partial: the pages stay in the kernel's direct map (Linux removes them from it); the mappings are not locked (no RLIMIT_MEMLOCK charge, mlock and MADV_DONTNEED succeed) and an mprotect can add PROT_EXEC; fallocate gives ESPIPE (Linux EOPNOTSUPP), /proc/self/maps shows device 00:01
long sys_memfd_secret(unsigned flags)
{
    if ((flags & ~(unsigned)O_CLOEXEC_ABI) != 0)
        return -EINVAL;
    struct secretmem *s = kzalloc(sizeof(*s));
    struct file *f = file_alloc();
    if (s == NULL || f == NULL || (s->obj.closed = secret_closed, vm_object_init(&s->obj)) < 0) {
        kfree(s);
        kfree(f);
        return -ENOMEM;
    }
    s->obj.ino = anon_inode_next();
    f->ops = &secret_fops;
    f->priv = s;
    f->node = (struct node){ &secret_vnode, (u64)s };
    f->flags = O_RDWR | O_LARGEFILE;
    int fd = fd_install(f, 0, (flags & O_CLOEXEC_ABI) != 0);
    if (fd < 0)
        file_put(f);
    return fd;
}
