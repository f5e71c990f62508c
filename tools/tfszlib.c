/*
 * tfszlib.c - zlib codecs for TFS compressed extents on the host: one
 * zlib stream per extent, best compression (images are written once and
 * read many times), so the kernel's inflate sees plain RFC 1950 streams.
 */
#include <errno.h>
#include <zlib.h>
#include "tfszlib.h"

long tfs_host_inflate(void *ctx, const void *src, u64 slen, void *dst, u64 dlen)
{
    uLongf out = (uLongf)dlen;
    (void)ctx;
    if (uncompress(dst, &out, src, (uLong)slen) != Z_OK || out != dlen)
        return -EIO;
    return (long)out;
}

long tfs_host_deflate(void *ctx, const void *src, u64 slen, void *dst, u64 dcap)
{
    uLongf out = (uLongf)dcap;
    (void)ctx;
    int r = compress2(dst, &out, src, (uLong)slen, Z_BEST_COMPRESSION);
    if (r == Z_BUF_ERROR)
        return -ENOSPC;
    return r == Z_OK ? (long)out : -EIO;
}
