/*
 * zinflate.c - the kernel's inflate for compressed TFS extents: struct
 * tfs_io's inflate hook over zlib's inflate (Debian's zlib source, built
 * freestanding with Z_SOLO by the GNUmakefile), with zlib's memory from
 * the kernel heap (Z_SOLO has no default allocator).
 * Invariant: one stream per call, ended before returning; the output must
 * be exactly the extent's size, else the extent is reported corrupt (-EIO).
 */
#include "runtime/kernel.h"
#include "zlib.h"

long tfs_kernel_inflate(void *ctx, const void *src, u64 slen, void *dst, u64 dlen);

static voidpf z_alloc(voidpf opaque, uInt items, uInt size)
{
    (void)opaque;
    return kmalloc((size_t)items * size);
}

static void z_free(voidpf opaque, voidpf p)
{
    (void)opaque;
    kfree(p);
}

/* Inflate the zlib stream src[0..slen) into exactly dlen bytes at dst.
 * dlen, or -EIO (corrupt or wrong-sized stream) / -ENOMEM. */
long tfs_kernel_inflate(void *ctx, const void *src, u64 slen, void *dst, u64 dlen)
{
    z_stream z;
    (void)ctx;
    if (slen > 0xffffffffUL || dlen > 0xffffffffUL)
        return -EIO;
    memset(&z, 0, sizeof(z));
    z.zalloc = z_alloc;
    z.zfree = z_free;
    z.next_in = (Bytef *)src;
    z.avail_in = (uInt)slen;
    z.next_out = dst;
    z.avail_out = (uInt)dlen;
    int r = inflateInit(&z);
    if (r != Z_OK)
        return r == Z_MEM_ERROR ? -ENOMEM : -EIO;
    r = inflate(&z, Z_FINISH);
    u64 out = z.total_out;
    inflateEnd(&z);
    if (r == Z_MEM_ERROR)
        return -ENOMEM;
    return (r == Z_STREAM_END && out == dlen) ? (long)dlen : -EIO;
}
