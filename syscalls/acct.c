/*
 * acct.c - acct(2), BSD process accounting in Linux's version 3 format.
 *
 * acct(path) opens path for appending (as Linux: O_WRONLY|O_APPEND, so
 * ENOENT, EISDIR for a directory, EROFS, ...; a file that is not regular is
 * EACCES) and keeps the open file; acct(NULL) turns accounting off.  Turning
 * it off, or switching to another file, first appends a record of the
 * program as it is now to the old file, as Linux does for the calling
 * process; the program's end (exit, exit_group of the last thread, a fatal
 * signal) appends its final record.  solo runs one process, so there is one
 * record per process, never one per thread.
 *
 * A record (struct acct_v3, 64 bytes) holds: flags (ASU: the program used
 * root's privileges, which it did to enable accounting; AXSIG when a signal
 * killed it), version 3, the exit code as Linux's do_exit sees it (status
 * << 8, or the signal number), real uid/gid, pid 1 and parent 0 (as getpid/
 * getppid answer), the start time in seconds since the epoch, the elapsed
 * time as an IEEE float of AHZ (100 Hz) ticks, user and system CPU time,
 * average memory (the mapped size in KiB) and minor faults as comp_t, and
 * the comm name of the thread that ends the program.  comp_t is a 13-bit
 * mantissa with a 3-bit base-8 exponent (value = m * 8^e), rounded to the
 * nearest.  Like Linux, ac_io, ac_rw and ac_swaps are always 0; a live
 * record (acct(NULL)) has the flags, exit code, CPU times, memory and
 * faults that only the end of threads accumulates, so those are 0 (solo
 * does not keep the times of exited threads apart from the whole).
 * The kernel has no FPU code: the float is built from its bits.
 */
#include "syscalls.h"
#include "misc.h"
#include "fs/vfs_impl.h"
#include "runtime/mm/vm.h"

#define ACCT_VERSION 3
#define AFORK 0x01
#define ASU 0x02
#define ACORE 0x08
#define AXSIG 0x10
#define AHZ 100
#define ACCT_COMM 16

typedef u16 comp_t;

struct acct_v3 {
    u8 ac_flag;
    u8 ac_version;
    u16 ac_tty;
    u32 ac_exitcode;
    u32 ac_uid;
    u32 ac_gid;
    u32 ac_pid;
    u32 ac_ppid;
    u32 ac_btime;
    u32 ac_etime;                      /* the bits of a float */
    comp_t ac_utime, ac_stime, ac_mem, ac_io, ac_rw, ac_minflt, ac_majflt, ac_swaps;
    char ac_comm[ACCT_COMM];
};
_Static_assert(sizeof(struct acct_v3) == 64, "struct acct_v3 is 64 bytes");

long sys_openat(int dirfd, const char *path, int flags, int mode);
long sys_getuid(void);
long sys_getgid(void);

static struct file *acct_file;         /* NULL: accounting is off */

/* v as comp_t: drop base-8 digits until the mantissa fits 13 bits, round
 * to nearest on the last digit dropped; the largest value saturates. */
static comp_t encode_comp(u64 v)
{
    unsigned e = 0;
    bool up = false;
    while (v >= (1U << 13)) {
        up = (v & 7) >= 4;
        v >>= 3;
        e++;
    }
    if (up && ++v == (1U << 13)) {
        v >>= 3;
        e++;
    }
    if (e > 7)
        return 0xffff;
    return (comp_t)((e << 13) | v);
}

/* The IEEE single-precision bits of v (truncated to 24 significant bits). */
static u32 encode_float(u64 v)
{
    if (v == 0)
        return 0;
    int top = 63 - __builtin_clzll(v);
    u64 mant = top > 23 ? v >> (top - 23) : v << (23 - top);
    return ((u32)(top + 127) << 23) | (u32)(mant & 0x7fffff);
}

static u64 ns_to_ticks(u64 ns)
{
    return ns / (1000000000UL / AHZ);
}

/* Fill r for the program: at its end (final) or as it is now. */
static void fill(struct acct_v3 *r, bool final, u32 exitcode, bool signaled)
{
    memset(r, 0, sizeof(*r));
    u64 start = boot_to_main_ns(), now = now_ns();
    u64 elapsed = ns_to_ticks(now > start ? now - start : 0);
    r->ac_version = ACCT_VERSION;
    r->ac_uid = (u32)sys_getuid();
    r->ac_gid = (u32)sys_getgid();
    r->ac_pid = 1;
    r->ac_ppid = 0;
    u64 real = realtime_ns() / 1000000000UL, up = elapsed / AHZ;
    r->ac_btime = (u32)(real > up ? real - up : 0);
    r->ac_etime = encode_float(elapsed);
    thread_comm(current != NULL ? current->tid : 1, r->ac_comm);
    if (!final)
        return;
    u64 cpu = sched_process_cpu_ns(), sys = sched_process_sys_ns();
    r->ac_flag = ASU | (signaled ? AXSIG : 0);
    r->ac_exitcode = exitcode;
    r->ac_utime = encode_comp(ns_to_ticks(cpu - MIN(sys, cpu)));
    r->ac_stime = encode_comp(ns_to_ticks(sys));
    r->ac_mem = encode_comp(vm_total_bytes() / 1024);
    r->ac_minflt = encode_comp(sched_process_count(SC_FAULTS_USER) +
                               sched_process_count(SC_FAULTS_KERNEL));
}

/* Append one record to f (errors are dropped, as Linux drops them). */
static void append(struct file *f, const struct acct_v3 *r)
{
    if (f->ops == NULL || f->ops->write == NULL || f->ops->size == NULL)
        return;
    long end = f->ops->size(f);
    if (end >= 0)
        f->ops->write(f, r, sizeof(*r), (u64)end);
}

/* Stop writing to the current file, with a record of the program as it is. */
static void acct_close(void)
{
    struct acct_v3 r;
    if (acct_file == NULL)
        return;
    fill(&r, false, 0, false);
    append(acct_file, &r);
    file_put(acct_file);
    acct_file = NULL;
}

// partial: the record's ac_tty is 0 (no controlling terminal), ac_majflt 0 (every fault counts as minor), ACORE never set (no core dumps)
long sys_acct(const char *name)
{
    if (!cap_has(CAP_SYS_PACCT))
        return -EPERM;
    if (name == NULL) {
        acct_close();
        return 0;
    }
    long fd = sys_openat(AT_FDCWD, name, O_WRONLY | O_APPEND | O_LARGEFILE | O_CLOEXEC, 0);
    if (fd < 0)
        return fd;
    struct file *f = fd_file((int)fd);
    file_get(f);
    fd_close((int)fd);
    struct kstat st;
    int r = node_stat(f->node, &st);
    if (r == 0 && !S_ISREG(st.mode))
        r = -EACCES;
    if (r == 0 && (f->ops == NULL || f->ops->write == NULL))
        r = -EIO;
    if (r < 0) {
        file_put(f);
        return r;
    }
    acct_close();
    acct_file = f;
    return 0;
}

void acct_process_exit(u32 exitcode, bool signaled)
{
    struct acct_v3 r;
    if (acct_file == NULL)
        return;
    fill(&r, true, exitcode, signaled);
    append(acct_file, &r);
    file_put(acct_file);
    acct_file = NULL;
}
