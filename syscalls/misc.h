/*
 * misc.h - process-wide state kept by the process/identity syscalls
 * (syscalls/misc.c) that other kernel parts read: the file-creation mask,
 * the resource limits and the credentials.  solo runs exactly one process
 * (pid 1), so all of this is global.  Readers never change it; only the
 * syscalls in misc.c do.
 */
#ifndef SOLO_SYSCALLS_MISC_H
#define SOLO_SYSCALLS_MISC_H

#include "runtime/kernel.h"

/* Resource numbers (Linux x86-64 values). */
#define RLIMIT_CPU 0
#define RLIMIT_FSIZE 1
#define RLIMIT_DATA 2
#define RLIMIT_STACK 3
#define RLIMIT_CORE 4
#define RLIMIT_RSS 5
#define RLIMIT_NPROC 6
#define RLIMIT_NOFILE 7
#define RLIMIT_MEMLOCK 8
#define RLIMIT_AS 9
#define RLIMIT_LOCKS 10
#define RLIMIT_SIGPENDING 11
#define RLIMIT_MSGQUEUE 12
#define RLIMIT_NICE 13
#define RLIMIT_RTPRIO 14
#define RLIMIT_RTTIME 15
#define RLIM_NLIMITS 16
#define RLIM_INFINITY (~0UL)

/* The current soft limit of resource res (RLIM_INFINITY when unlimited);
 * res must be below RLIM_NLIMITS.  E.g. the fd table caps descriptors at
 * rlimit_cur(RLIMIT_NOFILE), the loader sizes the stack from RLIMIT_STACK. */
u64 rlimit_cur(int res);

/* The file-creation mask (umask), 0 to 0777; new files get mode & ~umask. */
u32 process_umask(void);

/* The real, effective and filesystem user and group ids (0 = root). */
u32 process_ruid(void);
u32 process_euid(void);
u32 process_fsuid(void);
u32 process_fsgid(void);

#endif
