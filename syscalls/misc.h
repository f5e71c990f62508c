/*
 * misc.h - process-wide state kept by the process/identity syscalls
 * (syscalls/misc.c) that other kernel parts read: the file-creation mask
 * (the calling thread's, kept in its fs state), the resource limits and the
 * credentials.  solo runs exactly one process (pid 1), so the rest is
 * global.  Readers never change it; only the
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

/* The calling thread's file-creation mask (umask, part of its fs state in
 * fs/vfs.c), 0 to 0777; new files get mode & ~umask. */
u32 process_umask(void);

/* The real, effective and filesystem user and group ids (0 = root). */
u32 process_ruid(void);
u32 process_euid(void);
u32 process_fsuid(void);
u32 process_fsgid(void);
u32 process_rgid(void);
bool process_in_group(u32 gid);        /* gid is the fs gid or a supplementary group */
bool process_in_supp_groups(u32 gid);  /* gid is a supplementary group */

/* Thread names (syscalls/prctl.c), as PR_SET_NAME/PR_GET_NAME and
 * /proc/<pid>/task/<tid>/comm see them: at most 15 chars, NUL-terminated. */
int thread_comm_set(int tid, const char *name, size_t n);    /* 0 or -ENOMEM */
void thread_comm(int tid, char *out);                         /* out: 16 bytes */

/* Capabilities (syscalls/prctl.c): numbers as Linux's, process-wide sets. */
#define CAP_CHOWN 0
#define CAP_DAC_OVERRIDE 1
#define CAP_DAC_READ_SEARCH 2
#define CAP_FOWNER 3
#define CAP_FSETID 4
#define CAP_SETGID 6
#define CAP_SETUID 7
#define CAP_SETPCAP 8
#define CAP_SYS_PACCT 20
#define CAP_SYS_ADMIN 21
#define CAP_SYS_BOOT 22
#define CAP_SYS_RESOURCE 24
#define CAP_MKNOD 27
#define CAP_MAC_OVERRIDE 32
#define CAP_SYSLOG 34
/* What a change of the fs uid from or to 0 takes or gives back. */
#define CAP_FS_SET ((1UL << CAP_CHOWN) | (1UL << CAP_DAC_OVERRIDE) | (1UL << CAP_DAC_READ_SEARCH) | \
                    (1UL << CAP_FOWNER) | (1UL << CAP_FSETID) | (1UL << CAP_MKNOD) | \
                    (1UL << CAP_MAC_OVERRIDE))

bool cap_has(int cap);                 /* is cap in the effective set? */
u64 cap_effective_set(void);
u64 cap_permitted_set(void);
u64 cap_inheritable_set(void);
/* Apply Linux's capability fix-ups after the uid changes (misc.c calls these). */
void cap_setuid_fixup(u32 old_r, u32 old_e, u32 old_s, u32 new_r, u32 new_e, u32 new_s);
void cap_setfsuid_fixup(u32 old_fs, u32 new_fs);

/* BSD process accounting (syscalls/acct.c): the program ends with a Linux
 * exit code (status << 8, or the signal number when killed by a signal);
 * append its record when accounting is on.  Call before kernel_exit. */
void acct_process_exit(u32 exitcode, bool signaled);

/* File handles (syscalls/handles.c): the handle of n as AT_HANDLE_FID
 * encodes it into f_handle (at least 12 bytes of room), returning its
 * length and type; whether n's file system can decode handles. */
struct node;
int fh_encode_fid(struct node n, void *f_handle, s32 *type);
bool fh_decodable(struct node n);

#endif
