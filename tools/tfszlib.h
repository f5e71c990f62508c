/*
 * tfszlib.h - the host's zlib codecs for TFS compressed extents (struct
 * tfs_io's inflate/deflate hooks), over zlib1g.  Used by the image writer,
 * `solo fs` and the unit tests.
 */
#ifndef SOLO_TOOLS_TFSZLIB_H
#define SOLO_TOOLS_TFSZLIB_H

#include "fs/tfs_format.h"

long tfs_host_inflate(void *ctx, const void *src, u64 slen, void *dst, u64 dlen);
long tfs_host_deflate(void *ctx, const void *src, u64 slen, void *dst, u64 dcap);

#endif
