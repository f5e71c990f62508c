/*
 * procfs.c - the generated /proc and /sys files programs read to size
 * themselves: /proc/cpuinfo, /proc/meminfo, /proc/filesystems,
 * /proc/<pid>/{status,stat,statm,comm}, the per-thread directories
 * /proc/<pid>/task/<tid>/ and /proc/<tid>/, /proc/thread-self,
 * /proc/self/{mounts,mountinfo} (the mount table, fs/mount.c), the
 * /proc/<pid>/ns/ directory (its links are fs/nsfs.c's),
 * /sys/devices/system/cpu/{online,possible,present} and one
 * /sys/devices/system/cpu/cpuN/ directory per CPU (glibc counts those for
 * sysconf(_SC_NPROCESSORS_CONF) and reads "online" for _SC_NPROCESSORS_ONLN).
 *
 * Values are measured, never invented: the CPU model, family, flags and
 * address sizes come from cpuid, the clock from the calibrated TSC, memory
 * from the physical allocator, the address-space size from the VM, thread
 * count, CPU times, context switches and faults from the scheduler and the
 * signal code.  What solo does not track reads as 0 (swap, page cache,
 * shared pages, major faults); resident memory is the RAM in use in the whole VM, which in a
 * one-program kernel is an upper bound of the program's resident set.
 * Every file is regenerated on each open by a vfs_gen_fn (fs/vfs.h).
 * The CPU count is cpu_online_count() when the SMP code provides it, else 1.
 */
#include "vfs.h"
#include "runtime/x86_64/cpu.h"
#include "runtime/sched/signal.h"
#include "runtime/mm/vm.h"
#include "fs/pagecache.h"
#include "fs/nsfs.h"
#include "syscalls/misc.h"
#include "fs/inotify.h"
#include "syscalls/seccomp.h"
#include "fs/vfs_impl.h"
#include "syscalls/signal_impl.h"

#define MAX_SYS_CPUS 64
#define HZ 100

int cpu_online_count(void);
#pragma weak cpu_online_count
#pragma weak vfs_exe_path

static int ncpus(void)
{
    int n = cpu_online_count != NULL ? cpu_online_count() : 1;
    return n < 1 ? 1 : n;
}

/* ---------------------------------------------------------------- /proc/cpuinfo */

struct cpu_ident {
    char vendor[13];
    char model[49];
    u32 family, model_no, stepping, max_leaf, max_ext;
    u32 phys_bits, virt_bits, cache_kb, clflush;
};

static void cpu_identify(struct cpu_ident *c)
{
    u32 a, b, cc, d, r[12];
    memset(c, 0, sizeof(*c));
    cpuid(0, 0, &c->max_leaf, &b, &cc, &d);
    memcpy(c->vendor, &b, 4);
    memcpy(c->vendor + 4, &d, 4);
    memcpy(c->vendor + 8, &cc, 4);
    cpuid(1, 0, &a, &b, &cc, &d);
    c->stepping = a & 15;
    c->family = (a >> 8) & 15;
    c->model_no = (a >> 4) & 15;
    if (c->family == 6 || c->family == 15)
        c->model_no |= ((a >> 16) & 15) << 4;
    if (c->family == 15)
        c->family += (a >> 20) & 0xff;
    c->clflush = ((b >> 8) & 0xff) * 8;
    cpuid(0x80000000, 0, &c->max_ext, &b, &cc, &d);
    if (c->max_ext >= 0x80000004) {
        for (u32 i = 0; i < 3; i++)
            cpuid(0x80000002 + i, 0, &r[i * 4], &r[i * 4 + 1], &r[i * 4 + 2], &r[i * 4 + 3]);
        memcpy(c->model, r, 48);
    }
    c->phys_bits = 36;
    c->virt_bits = 48;
    if (c->max_ext >= 0x80000008) {
        cpuid(0x80000008, 0, &a, &b, &cc, &d);
        c->phys_bits = a & 0xff;
        c->virt_bits = (a >> 8) & 0xff;
    }
    if (c->max_ext >= 0x80000006) {
        cpuid(0x80000006, 0, &a, &b, &cc, &d);
        c->cache_kb = cc >> 16;        /* L2 size in KB */
    }
}

/* The model string without the padding spaces some CPUs put in front. */
static const char *model_name(const struct cpu_ident *c)
{
    const char *p = c->model;
    while (*p == ' ')
        p++;
    return *p != '\0' ? p : "unknown";
}

struct flag_name { u8 word, bit; const char *name; };

/* cpuid words: 0 = 1.edx, 1 = 1.ecx, 2 = 7.ebx, 3 = 7.ecx, 4 = 7.edx,
 * 5 = 0x80000001.edx, 6 = 0x80000001.ecx, 7 = 0xd/1.eax.  Linux's names. */
static const struct flag_name flag_names[] = {
    {0, 0, "fpu"}, {0, 1, "vme"}, {0, 2, "de"}, {0, 3, "pse"}, {0, 4, "tsc"}, {0, 5, "msr"},
    {0, 6, "pae"}, {0, 7, "mce"}, {0, 8, "cx8"}, {0, 9, "apic"}, {0, 11, "sep"}, {0, 12, "mtrr"},
    {0, 13, "pge"}, {0, 14, "mca"}, {0, 15, "cmov"}, {0, 16, "pat"}, {0, 17, "pse36"},
    {0, 19, "clflush"}, {0, 23, "mmx"}, {0, 24, "fxsr"}, {0, 25, "sse"}, {0, 26, "sse2"},
    {0, 27, "ss"}, {0, 28, "ht"}, {5, 11, "syscall"}, {5, 20, "nx"}, {5, 26, "pdpe1gb"},
    {5, 27, "rdtscp"}, {5, 29, "lm"}, {1, 0, "pni"}, {1, 1, "pclmulqdq"}, {1, 9, "ssse3"},
    {1, 12, "fma"}, {1, 13, "cx16"}, {1, 17, "pcid"}, {1, 19, "sse4_1"}, {1, 20, "sse4_2"},
    {1, 21, "x2apic"}, {1, 22, "movbe"}, {1, 23, "popcnt"}, {1, 25, "aes"}, {1, 26, "xsave"},
    {1, 28, "avx"}, {1, 29, "f16c"}, {1, 30, "rdrand"}, {1, 31, "hypervisor"},
    {6, 0, "lahf_lm"}, {6, 5, "abm"}, {6, 6, "sse4a"}, {6, 8, "3dnowprefetch"},
    {2, 0, "fsgsbase"}, {2, 3, "bmi1"}, {2, 4, "hle"}, {2, 5, "avx2"}, {2, 7, "smep"},
    {2, 8, "bmi2"}, {2, 9, "erms"}, {2, 10, "invpcid"}, {2, 11, "rtm"}, {2, 16, "avx512f"},
    {2, 17, "avx512dq"}, {2, 18, "rdseed"}, {2, 19, "adx"}, {2, 20, "smap"},
    {2, 21, "avx512ifma"}, {2, 23, "clflushopt"}, {2, 24, "clwb"}, {2, 28, "avx512cd"},
    {2, 29, "sha_ni"}, {2, 30, "avx512bw"}, {2, 31, "avx512vl"}, {7, 0, "xsaveopt"},
    {7, 1, "xsavec"}, {7, 2, "xgetbv1"}, {7, 3, "xsaves"}, {3, 1, "avx512vbmi"},
    {3, 2, "umip"}, {3, 3, "pku"}, {3, 6, "avx512_vbmi2"}, {3, 8, "gfni"}, {3, 9, "vaes"},
    {3, 10, "vpclmulqdq"}, {3, 11, "avx512_vnni"}, {3, 12, "avx512_bitalg"},
    {3, 14, "avx512_vpopcntdq"}, {3, 22, "rdpid"}, {4, 4, "fsrm"}, {4, 8, "avx512_vp2intersect"},
    {4, 14, "serialize"}, {4, 22, "amx_bf16"}, {4, 24, "amx_tile"}, {4, 25, "amx_int8"},
};

static void cpu_flag_words(const struct cpu_ident *c, u32 w[8])
{
    u32 a, b, cc, d;
    memset(w, 0, 8 * sizeof(u32));
    cpuid(1, 0, &a, &b, &w[1], &w[0]);
    if (c->max_leaf >= 7)
        cpuid(7, 0, &a, &w[2], &w[3], &w[4]);
    if (c->max_ext >= 0x80000001)
        cpuid(0x80000001, 0, &a, &b, &w[6], &w[5]);
    if (c->max_leaf >= 0xd)
        cpuid(0xd, 1, &w[7], &b, &cc, &d);
}

/* Vector extensions count only when the kernel enabled their state (XCR0). */
static bool flag_usable(const struct flag_name *f, u64 xcr0)
{
    const char *n = f->name;
    if (strncmp(n, "avx512", 6) == 0)
        return (xcr0 & 0xe0) == 0xe0;
    if (strncmp(n, "amx", 3) == 0)
        return false;
    if (strcmp(n, "avx") == 0 || strcmp(n, "avx2") == 0 || strcmp(n, "fma") == 0 ||
        strcmp(n, "f16c") == 0 || strcmp(n, "vaes") == 0 || strcmp(n, "vpclmulqdq") == 0)
        return (xcr0 & 6) == 6;
    return true;
}

static u64 read_xcr0(void)
{
    u32 a, b, c, d, lo, hi;
    cpuid(1, 0, &a, &b, &c, &d);
    if ((c & (1U << 27)) == 0)
        return 3;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (u64)hi << 32 | lo;
}

static void put_flags(struct out *o, const struct cpu_ident *c)
{
    u32 w[8];
    u64 xcr0 = read_xcr0();
    cpu_flag_words(c, w);
    out_put(o, "flags\t\t:");
    for (size_t i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++) {
        const struct flag_name *f = &flag_names[i];
        if ((w[f->word] >> f->bit & 1) != 0 && flag_usable(f, xcr0))
            out_put(o, " %s", f->name);
    }
    out_put(o, "\n");
}

static void put_cpu(struct out *o, const struct cpu_ident *c, int i, int n)
{
    u64 khz = tsc_hz() / 1000;
    out_put(o, "processor\t: %d\nvendor_id\t: %s\ncpu family\t: %u\nmodel\t\t: %u\n", i, c->vendor,
        c->family, c->model_no);
    out_put(o, "model name\t: %s\nstepping\t: %u\n", model_name(c), c->stepping);
    out_put(o, "cpu MHz\t\t: %lu.%03lu\n", khz / 1000, khz % 1000);
    if (c->cache_kb != 0)
        out_put(o, "cache size\t: %u KB\n", c->cache_kb);
    out_put(o, "physical id\t: 0\nsiblings\t: %d\ncore id\t\t: %d\ncpu cores\t: %d\n", n, i, n);
    out_put(o, "apicid\t\t: %d\ninitial apicid\t: %d\nfpu\t\t: yes\nfpu_exception\t: yes\n", i, i);
    out_put(o, "cpuid level\t: %u\nwp\t\t: yes\n", c->max_leaf);
    put_flags(o, c);
    out_put(o, "bugs\t\t:\nbogomips\t: %lu.%02lu\n", khz * 2 / 1000, (khz * 2 % 1000) / 10);
    out_put(o, "clflush size\t: %u\ncache_alignment\t: %u\n", c->clflush, c->clflush);
    out_put(o, "address sizes\t: %u bits physical, %u bits virtual\npower management:\n\n",
        c->phys_bits, c->virt_bits);
}

static long gen_cpuinfo(char *buf, size_t cap)
{
    struct out o = { buf, cap, 0 };
    struct cpu_ident c;
    int n = ncpus();
    cpu_identify(&c);
    for (int i = 0; i < n; i++)
        put_cpu(&o, &c, i, n);
    return (long)o.len;
}

/* ---------------------------------------------------------------- /proc/meminfo */

static long gen_meminfo(char *buf, size_t cap)
{
    struct out o = { buf, cap, 0 };
    u64 total = mem_total_bytes() >> 10, free = mem_free_bytes() >> 10;
    u64 cached = pagecache_bytes() >> 10;        /* file pages for mappings (fs/pagecache.h) */
    out_put(&o, "MemTotal:       %8lu kB\nMemFree:        %8lu kB\nMemAvailable:   %8lu kB\n",
        total, free, free);
    out_put(&o, "Buffers:        %8lu kB\nCached:         %8lu kB\nSwapCached:     %8lu kB\n", 0UL, cached, 0UL);
    out_put(&o, "Active:         %8lu kB\nInactive:       %8lu kB\n", total - free, 0UL);
    out_put(&o, "SwapTotal:      %8lu kB\nSwapFree:       %8lu kB\n", 0UL, 0UL);
    out_put(&o, "Dirty:          %8lu kB\nWriteback:      %8lu kB\n", 0UL, 0UL);
    out_put(&o, "AnonPages:      %8lu kB\nShmem:          %8lu kB\n", total - free - cached, 0UL);
    out_put(&o, "CommitLimit:    %8lu kB\nCommitted_AS:   %8lu kB\n", total, vm_total_bytes() >> 10);
    out_put(&o, "HugePages_Total:       0\nHugePages_Free:        0\nHugepagesize:       2048 kB\n");
    return (long)o.len;
}

/* ---------------------------------------------------------------- /proc/<pid> */

/* The command name of thread tid (what PR_SET_NAME and comm set). */
static void comm(int tid, char out[16])
{
    thread_comm(tid, out);
}

/* RAM in use in the VM, capped at the mapped size: the program's resident set at most. */
static u64 rss_pages(void)
{
    return MIN(mem_total_bytes() - mem_free_bytes(), vm_total_bytes()) / PAGE_SIZE;
}

/* The thread a file of /proc/<pid> describes: for the process (PID_SELF),
 * the main thread while it lives, else the caller; NULL if tid has exited. */
static struct thread *task_of(int tid)
{
    struct thread *t = thread_by_tid(tid);
    return t != NULL || tid != PID_SELF ? t : current;
}

static u64 ns_ticks(u64 ns)
{
    return ns / (1000000000UL / HZ);
}

/* The state letter and word of t, as Linux shows them. */
static char state_char(const struct thread *t)
{
    return t->state == THREAD_BLOCKED ? 'S' : 'R';
}

static const char *state_word(const struct thread *t)
{
    return t->state == THREAD_BLOCKED ? "sleeping" : "running";
}

/* The name in status: newline and backslash escaped, as Linux does. */
static void put_escaped_name(struct out *o, const char *name)
{
    for (const char *p = name; *p != '\0'; p++) {
        if (*p == '\n')
            out_put(o, "\\n");
        else if (*p == '\\')
            out_put(o, "\\\\");
        else
            out_put(o, "%c", *p);
    }
}

/* Node id bits of a per-thread file reached through task/<tid> or
 * /proc/<tid> (the low 32 bits are the tid). */
#define VIA_THREAD_DIR (1UL << 32)
#define VIA_TID_DIR (1UL << 33)

/* status of thread id (the process's when id is PID_SELF). */
static long gen_status(u64 id, char *buf, size_t cap)
{
    struct out o = { buf, cap, 0 };
    int tid = (int)id;
    struct thread *t = task_of(tid);
    char name[16];
    u64 shpnd, ign, cgt;
    u32 uid = process_ruid(), euid = process_euid();
    signal_proc_sets(&shpnd, &ign, &cgt);
    comm(tid, name);
    out_put(&o, "Name:\t");
    put_escaped_name(&o, name);
    out_put(&o, "\nUmask:\t%04o\nState:\t%c (%s)\nTgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t0\n",
        process_umask(), state_char(t), state_word(t), PID_SELF, tid);
    out_put(&o, "TracerPid:\t0\nUid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\n", uid, euid, euid,
        process_fsuid(), process_fsgid(), process_fsgid(), process_fsgid(), process_fsgid());
    out_put(&o, "FDSize:\t%lu\nGroups:\t\n", rlimit_cur(RLIMIT_NOFILE) < 1024 ? rlimit_cur(RLIMIT_NOFILE) : 1024UL);
    out_put(&o, "VmPeak:\t%8lu kB\nVmSize:\t%8lu kB\n", vm_total_bytes() >> 10, vm_total_bytes() >> 10);
    out_put(&o, "VmHWM:\t%8lu kB\nVmRSS:\t%8lu kB\n", rss_pages() * 4, rss_pages() * 4);
    out_put(&o, "RssAnon:\t%8lu kB\nRssFile:\t%8lu kB\nRssShmem:\t%8lu kB\n", rss_pages() * 4, 0UL, 0UL);
    out_put(&o, "VmSwap:\t%8lu kB\nThreads:\t%d\n", 0UL, thread_count_live());
    out_put(&o, "SigQ:\t0/%lu\n", rlimit_cur(RLIMIT_SIGPENDING));
    out_put(&o, "SigPnd:\t%016lx\nShdPnd:\t%016lx\nSigBlk:\t%016lx\nSigIgn:\t%016lx\nSigCgt:\t%016lx\n",
        t->sig_pending, shpnd, t->sigmask, ign, cgt);
    out_put(&o, "CapInh:\t%016lx\nCapPrm:\t%016lx\nCapEff:\t%016lx\n",
        cap_inheritable_set(), cap_permitted_set(), cap_effective_set());
    out_put(&o, "NoNewPrivs:\t%d\nSeccomp:\t%d\nSeccomp_filters:\t%d\n", t->no_new_privs ? 1 : 0,
        t->seccomp_mode, seccomp_filter_count(t));
    u64 allowed = sched_affinity(t);
    out_put(&o, "Cpus_allowed:\t%lx\nCpus_allowed_list:\t", allowed);
    for (int c = 0, sep = 0; c < 64; c++) {    /* ranges of set bits: "0-1,3" */
        if ((allowed >> c & 1) == 0 || (c > 0 && (allowed >> (c - 1) & 1) != 0))
            continue;
        int e = c;
        while (e + 1 < 64 && (allowed >> (e + 1) & 1) != 0)
            e++;
        out_put(&o, "%s%d", sep++ ? "," : "", c);
        if (e > c)
            out_put(&o, "-%d", e);
    }
    out_put(&o, "\n");
    out_put(&o, "Mems_allowed:\t1\nMems_allowed_list:\t0\n");
    /* the thread's own switches (the main thread's for the process), as Linux */
    u64 sw = t != NULL ? sched_thread_count(t, SC_SWITCHES) : 0;
    u64 inv = t != NULL ? MIN(sched_thread_count(t, SC_INVOLUNTARY), sw) : 0;
    out_put(&o, "voluntary_ctxt_switches:\t%lu\nnonvoluntary_ctxt_switches:\t%lu\n", sw - inv, inv);
    return (long)o.len;
}

/* stat of thread id; CPU times are the whole process's (all its threads,
 * those that exited included) except in task/<tid>, as on Linux. */
static long gen_stat(u64 id, char *buf, size_t cap)
{
    struct out o = { buf, cap, 0 };
    int tid = (int)id;
    bool whole = (id & VIA_THREAD_DIR) == 0;
    struct thread *t = task_of(tid);
    char name[16];
    u64 shpnd, ign, cgt, vsize = vm_total_bytes();
    u64 cpu = whole ? sched_process_cpu_ns() : sched_thread_cpu_ns(t);
    u64 sys = whole ? sched_process_sys_ns() : sched_thread_sys_ns(t);
    sys = MIN(sys, cpu);
    signal_proc_sets(&shpnd, &ign, &cgt);
    comm(tid, name);
    /* pid comm state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt */
    u64 minflt = whole ? sched_process_count(SC_FAULTS_USER) + sched_process_count(SC_FAULTS_KERNEL)
                       : t != NULL ? sched_thread_count(t, SC_FAULTS_USER) + sched_thread_count(t, SC_FAULTS_KERNEL) : 0;
    out_put(&o, "%d (%s) %c 0 %d %d 0 -1 4194560 %lu 0 0 0 ", tid, name, state_char(t), PID_SELF,
        PID_SELF, minflt);
    /* utime stime cutime cstime priority nice num_threads itrealvalue starttime */
    out_put(&o, "%lu %lu 0 0 20 0 %d 0 %lu ", ns_ticks(cpu - sys), ns_ticks(sys), thread_count_live(),
        ns_ticks(boot_to_main_ns()));
    /* vsize rss rsslim startcode endcode startstack kstkesp kstkeip */
    out_put(&o, "%lu %lu %lu 0 0 0 0 0 ", vsize, rss_pages(), rlimit_cur(RLIMIT_RSS));
    /* signal blocked sigignore sigcatch wchan nswap cnswap exit_signal processor rt_priority policy */
    out_put(&o, "%lu %lu %lu %lu 0 0 0 17 %d 0 0 ", (t->sig_pending | shpnd) & 0x7fffffffUL,
        t->sigmask & 0x7fffffffUL, ign & 0x7fffffffUL, cgt & 0x7fffffffUL, t->cpu);
    /* delayacct_blkio_ticks guest_time cguest_time start_data end_data start_brk
     * arg_start arg_end env_start env_end exit_code */
    out_put(&o, "0 0 0 0 0 %lu 0 0 0 0 0\n", vm_brk_start());
    return (long)o.len;
}

/* comm: the thread's name and a newline. */
static long gen_comm(u64 id, char *buf, size_t cap)
{
    char name[16];
    comm((int)id, name);
    return ksnprintf(buf, cap, "%s\n", name);
}

static long gen_statm(char *buf, size_t cap)
{
    return ksnprintf(buf, cap, "%lu %lu 0 0 0 %lu 0\n", vm_total_bytes() / PAGE_SIZE, rss_pages(),
                     vm_total_bytes() / PAGE_SIZE);
}

/* ------------------------------------------------ per-thread files and directories
 *
 * /proc/<pid> is the vnode directory fs/special.c makes (the files other
 * subsystems register land there).  A per-thread file (stat, status, comm)
 * is one vnode there whose node id is the thread it describes: PID_SELF in
 * /proc/<pid>, the tid when reached through a thread directory.  A thread
 * directory is the node { thread_dir or tid_alias, tid }: task/<tid> (every
 * entry of /proc/<pid> but task) or /proc/<tid> of a thread that is not the
 * leader (Linux makes those reachable though readdir of /proc skips them).
 * Their listings follow /proc/<pid>'s children; task/ lists the live
 * threads by tid, and a position in it is the next tid to list.
 */

typedef long (*task_gen_fn)(u64 id, char *buf, size_t cap);

struct task_file {
    const char *name;
    task_gen_fn gen;
    u32 perm;
    struct vnode *v;
};

static struct task_file task_files[] = {
    { "stat", gen_stat, 0444, NULL },
    { "status", gen_status, 0444, NULL },
    { "comm", gen_comm, 0644, NULL },
};

static struct vnode *pid_dir;          /* /proc/<pid> */
static struct vnode *task_dir;         /* /proc/<pid>/task */
static struct vnode thread_dir, tid_alias;

#define TASK_INO_BASE 0x60000000UL     /* inodes of per-thread nodes: base + tid * 16 + k */

static const struct task_file *task_file_of(const struct vnode *v)
{
    for (size_t i = 0; i < ARRAY_SIZE(task_files); i++)
        if (task_files[i].v == v)
            return &task_files[i];
    return NULL;
}

/* The inode of per-thread node {v, id} (k: which node of the thread): its
 * vnode's in /proc/<pid>, else one of the thread's own. */
static u64 task_ino(const struct vnode *v, u64 id, u64 k)
{
    if (v->parent != NULL && (id & (VIA_THREAD_DIR | VIA_TID_DIR)) == 0)
        return v->ino;
    return TASK_INO_BASE + (id & 0xffffffffUL) * 16 + k + ((id & VIA_TID_DIR) != 0 ? 8 : 0);
}

/* A tid name: decimal, no leading zero; 0 if it is not one. */
static int parse_tid(const char *name, size_t len)
{
    int tid = 0;
    if (len == 0 || len > 9 || name[0] == '0')
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (name[i] < '0' || name[i] > '9')
            return 0;
        tid = tid * 10 + (name[i] - '0');
    }
    return tid;
}

static bool task_alive(int tid)
{
    return tid == PID_SELF || thread_by_tid(tid) != NULL;
}

/* ---- per-thread files */

static long tf_read(struct file *f, void *buf, size_t n, u64 off)
{
    size_t k = clip_read(f->priv_len, off, n);
    memcpy(buf, (const u8 *)f->priv + off, k);
    return (long)k;
}

static long tf_size(struct file *f)
{
    return (long)f->priv_len;
}

static void tf_release(struct file *f)
{
    kfree(f->priv);
}

/* Writing comm names the thread with the first 15 bytes written (a newline
 * included), whatever the offset, as Linux does. */
static long comm_write(struct file *f, const void *buf, size_t n, u64 off)
{
    int tid = (int)f->node.id;
    if (!task_alive(tid))
        return -ESRCH;
    int r = thread_comm_set(tid, buf, n);
    return r < 0 ? r : (long)n;
}

static const struct file_ops tf_fops = {
    .read = tf_read,
    .size = tf_size,
    .release = tf_release,
};

static const struct file_ops comm_fops = {
    .read = tf_read,
    .write = comm_write,
    .size = tf_size,
    .release = tf_release,
};

static int tf_stat(struct node n, struct kstat *st)
{
    int r = vnode_ops.stat(n, st);
    st->ino = task_ino(n.v, n.id, 1 + (u64)(task_file_of(n.v) - task_files));
    return r;
}

/* Generate the file's text once at open (a read loop sees one snapshot). */
static int tf_open(struct node n, struct file *f)
{
    const struct task_file *tf = task_file_of(n.v);
    int tid = (int)n.id;
    bool wr = (f->flags & O_ACCMODE) != O_RDONLY || (f->flags & O_TRUNC) != 0;
    if (tf == NULL || !task_alive(tid))
        return -ENOENT;
    if (wr && (tf->perm & 0200) == 0)
        return -EACCES;
    size_t cap = 4096;
    for (;;) {
        char *buf = kmalloc(cap);
        if (buf == NULL)
            return -ENOMEM;
        long len = tf->gen(n.id, buf, cap);
        if (len >= 0 && (size_t)len <= cap) {
            f->priv = buf;
            f->priv_len = (size_t)len;
            f->ops = tf->perm & 0200 ? &comm_fops : &tf_fops;
            return 0;
        }
        kfree(buf);
        if (len < 0)
            return (int)len;
        cap = (size_t)len;
    }
}

static const struct node_ops task_file_ops = {
    .stat = tf_stat,
    .open = tf_open,
};

/* ---- directories */

static int dir_open(struct node n, struct file *f)
{
    if (!task_alive((int)n.id))
        return -ENOENT;
    f->ops = &vfs_dir_fops;
    return (f->flags & O_ACCMODE) != O_RDONLY || (f->flags & O_TRUNC) != 0 ? -EISDIR : 0;
}

/* A thread directory: /proc/<pid>'s entries, the per-thread ones for its thread. */
static int td_lookup(struct node dir, const char *name, size_t len, struct node *out)
{
    int tid = (int)dir.id;
    if (!task_alive(tid))
        return -ENOENT;
    struct vnode *c = vnode_find(pid_dir, name, len);
    if (c == NULL || (c == task_dir && dir.v == &thread_dir))
        return -ENOENT;
    u64 via = dir.v == &thread_dir ? VIA_THREAD_DIR : VIA_TID_DIR;
    *out = (struct node){ c, task_file_of(c) != NULL ? (u64)tid | via : c->arg };
    return 0;
}

static int td_stat(struct node n, struct kstat *st)
{
    int r = vnode_ops.stat((struct node){ pid_dir, pid_dir->arg }, st);
    st->ino = task_ino(n.v, n.id | (n.v == &tid_alias ? VIA_TID_DIR : 0), 0);
    return r;
}

static int td_readdir(struct node dir, u64 pos, dir_emit_fn emit, void *ctx)
{
    int tid = (int)dir.id;
    u64 i = 0;
    for (struct vnode *c = pid_dir->child; c != NULL; c = c->sibling) {
        if (c == task_dir && dir.v == &thread_dir)
            continue;
        const struct task_file *tf = task_file_of(c);
        u64 via = dir.v == &thread_dir ? VIA_THREAD_DIR : VIA_TID_DIR;
        u64 ino = tf != NULL ? task_ino(c, (u64)tid | via, 1 + (u64)(tf - task_files)) : c->ino;
        if (i >= pos && emit(ctx, c->name, strlen(c->name), ino, node_dtype(c->mode), i + 1))
            break;
        i++;
    }
    return 0;
}

static const struct node_ops thread_dir_ops = {
    .lookup = td_lookup,
    .stat = td_stat,
    .open = dir_open,
    .readdir = td_readdir,
};

/* task/: one directory per live thread. */
static int task_lookup(struct node dir, const char *name, size_t len, struct node *out)
{
    int tid = parse_tid(name, len);
    if (tid == 0 || thread_by_tid(tid) == NULL)
        return -ENOENT;
    *out = (struct node){ &thread_dir, (u64)tid };
    return 0;
}

static int task_stat(struct node n, struct kstat *st)
{
    int r = vnode_ops.stat(n, st);
    st->nlink = 2 + (u64)thread_count_live();
    return r;
}

/* Live threads in tid order from tid pos on; the next position is tid + 1. */
static int task_readdir(struct node dir, u64 pos, dir_emit_fn emit, void *ctx)
{
    for (;;) {
        int next = 0;
        for (struct thread *t = thread_list(); t != NULL; t = t->all_next)
            if ((u64)t->tid >= pos && (next == 0 || t->tid < next))
                next = t->tid;
        if (next == 0)
            return 0;
        char name[12];
        int len = ksnprintf(name, sizeof(name), "%d", next);
        if (emit(ctx, name, (size_t)len, task_ino(&thread_dir, (u64)next, 0), DT_DIR, (u64)next + 1))
            return 0;
        pos = (u64)next + 1;
    }
}

static const struct node_ops task_dir_ops = {
    .lookup = task_lookup,
    .stat = task_stat,
    .open = dir_open,
    .readdir = task_readdir,
};

/* /proc: its vnodes, then /proc/<tid> for the threads that are not the leader. */
static int proc_lookup(struct node dir, const char *name, size_t len, struct node *out)
{
    int r = vnode_ops.lookup(dir, name, len, out);
    if (r != -ENOENT)
        return r;
    int tid = parse_tid(name, len);
    if (tid == 0 || thread_by_tid(tid) == NULL)
        return -ENOENT;
    *out = (struct node){ &tid_alias, (u64)tid };
    return 0;
}

static struct node_ops proc_dir_ops;

/* /proc/thread-self: a symlink to <pid>/task/<the caller's tid>. */
static long thread_self_readlink(struct node n, char *buf, size_t cap)
{
    char t[32];
    int len = ksnprintf(t, sizeof(t), "%s/task/%d", PROC_PID_NAME, current->tid);
    size_t k = MIN((size_t)len, cap);
    memcpy(buf, t, k);
    return (long)k;
}

static int thread_self_stat(struct node n, struct kstat *st)
{
    char t[32];
    st->mode = S_IFLNK | 0777;
    st->ino = n.v->ino;
    st->dev = VFS_DEV_PROC;
    st->nlink = 1;
    st->size = (u64)thread_self_readlink(n, t, sizeof(t));
    return 0;
}

static const struct node_ops thread_self_ops = {
    .stat = thread_self_stat,
    .readlink = thread_self_readlink,
};

int procfs_pid_dir(struct file *f)
{
    if (f == NULL || (f->flags & O_PATH) != 0 || f->node.v == NULL)
        return -EBADF;
    if (f->node.v == pid_dir)
        return PID_SELF;
    if (f->node.v == &tid_alias)
        return (int)f->node.id;
    return -EBADF;
}

/* A prototype directory vnode (not in the tree: reached only by lookups). */
static void proto_dir(struct vnode *v, const char *name, const struct node_ops *ops, u64 ino)
{
    v->name = name;
    v->kind = VN_DIR;
    v->mode = S_IFDIR | 0555;
    v->dev = VFS_DEV_PROC;
    v->ino = ino;
    v->nops = ops;
}

static void proc_pid_init(void)
{
    struct vnode *proc = vnode_find(vfs_root_vnode(), "proc", 4);
    pid_dir = proc != NULL ? vnode_find(proc, PROC_PID_NAME, strlen(PROC_PID_NAME)) : NULL;
    if (pid_dir == NULL) {
        klog("procfs: no /proc/%s", PROC_PID_NAME);
        return;
    }
    for (size_t i = 0; i < ARRAY_SIZE(task_files); i++) {
        struct vnode *v = vnode_add(pid_dir, task_files[i].name, VN_GEN, S_IFREG | task_files[i].perm);
        if (v == NULL) {
            klog("procfs: cannot add /proc/%s/%s", PROC_PID_NAME, task_files[i].name);
            continue;
        }
        v->arg = PID_SELF;
        v->nops = &task_file_ops;
        task_files[i].v = v;
    }
    nsfs_proc_init(pid_dir);           /* ns/ (fs/nsfs.c) */
    task_dir = vnode_add(pid_dir, "task", VN_DIR, S_IFDIR | 0555);
    if (task_dir != NULL) {
        task_dir->arg = PID_SELF;
        task_dir->nops = &task_dir_ops;
    }
    proto_dir(&thread_dir, "task", &thread_dir_ops, TASK_INO_BASE);
    proto_dir(&tid_alias, PROC_PID_NAME, &thread_dir_ops, TASK_INO_BASE);
    struct vnode *ts = vnode_add(proc, "thread-self", VN_LINK, S_IFLNK | 0777);
    if (ts != NULL)
        ts->nops = &thread_self_ops;
    proc_dir_ops = vnode_ops;
    proc_dir_ops.lookup = proc_lookup;
    proc->nops = &proc_dir_ops;
}

/* ---------------------------------------------------------------- /sys/devices/system/cpu */

static long gen_cpu_range(char *buf, size_t cap)
{
    int n = ncpus();
    return n == 1 ? ksnprintf(buf, cap, "0\n") : ksnprintf(buf, cap, "0-%d\n", n - 1);
}

static long gen_one(char *buf, size_t cap) { return ksnprintf(buf, cap, "1\n"); }
static long gen_zero(char *buf, size_t cap) { return ksnprintf(buf, cap, "0\n"); }

/* Per-CPU files that name their own CPU: one generator per CPU number. */
#define CPU_GEN(n) \
    static long core_id_##n(char *buf, size_t cap) { return ksnprintf(buf, cap, "%d\n", n); }
#define CPU_GEN10(d) CPU_GEN(d##0) CPU_GEN(d##1) CPU_GEN(d##2) CPU_GEN(d##3) CPU_GEN(d##4) \
    CPU_GEN(d##5) CPU_GEN(d##6) CPU_GEN(d##7) CPU_GEN(d##8) CPU_GEN(d##9)
CPU_GEN(0) CPU_GEN(1) CPU_GEN(2) CPU_GEN(3) CPU_GEN(4) CPU_GEN(5) CPU_GEN(6) CPU_GEN(7) CPU_GEN(8) CPU_GEN(9)
CPU_GEN10(1) CPU_GEN10(2) CPU_GEN10(3) CPU_GEN10(4) CPU_GEN10(5)
CPU_GEN(60) CPU_GEN(61) CPU_GEN(62) CPU_GEN(63)

static const vfs_gen_fn core_id_gen[MAX_SYS_CPUS] = {
    core_id_0, core_id_1, core_id_2, core_id_3, core_id_4, core_id_5, core_id_6, core_id_7,
    core_id_8, core_id_9, core_id_10, core_id_11, core_id_12, core_id_13, core_id_14, core_id_15,
    core_id_16, core_id_17, core_id_18, core_id_19, core_id_20, core_id_21, core_id_22, core_id_23,
    core_id_24, core_id_25, core_id_26, core_id_27, core_id_28, core_id_29, core_id_30, core_id_31,
    core_id_32, core_id_33, core_id_34, core_id_35, core_id_36, core_id_37, core_id_38, core_id_39,
    core_id_40, core_id_41, core_id_42, core_id_43, core_id_44, core_id_45, core_id_46, core_id_47,
    core_id_48, core_id_49, core_id_50, core_id_51, core_id_52, core_id_53, core_id_54, core_id_55,
    core_id_56, core_id_57, core_id_58, core_id_59, core_id_60, core_id_61, core_id_62, core_id_63,
};

static int reg(const char *path, vfs_gen_fn fn)
{
    int r = vfs_register_generated(path, fn);
    if (r < 0)
        klog("procfs: cannot register %s: error %d", path, -r);
    return r;
}

static void sys_cpu_init(int cpu)
{
    static const char *const topo[] = { "core_id", "thread_siblings_list", "core_siblings_list",
                                        "physical_package_id" };
    char path[96];
    ksnprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online", cpu);
    reg(path, gen_one);
    for (int i = 0; i < 4; i++) {
        ksnprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/topology/%s", cpu, topo[i]);
        reg(path, i == 3 ? gen_zero : i == 2 ? gen_cpu_range : core_id_gen[cpu]);
    }
}

/* ---------------------------------------------------------------- /proc/filesystems */

/* The file system types solo has, in /proc/filesystems order; sysfs(2)
 * (syscalls/sysmisc.c) numbers them by this order too.  "nodev" marks
 * types that need no block device. */
static const struct { const char *name; bool nodev; } fs_types[] = {
    { "tmpfs", true },                 /* /tmp, /dev/shm (and /dev reports tmpfs) */
    { "proc", true },                  /* /proc and the generated /sys files */
    { "tfs", false },                  /* the root volume */
};

int fs_type_count(void) { return (int)ARRAY_SIZE(fs_types); }

/* The name of type i (0 <= i < fs_type_count()), or NULL. */
const char *fs_type_name(int i)
{
    return i >= 0 && i < fs_type_count() ? fs_types[i].name : NULL;
}

static long gen_filesystems(char *buf, size_t cap)
{
    struct out o = { buf, cap, 0 };
    for (int i = 0; i < fs_type_count(); i++)
        out_put(&o, "%s\t%s\n", fs_types[i].nodev ? "nodev" : "", fs_types[i].name);
    return (long)o.len;
}

/* fs/mount.c: the mount table and its /proc views */
void mount_init(void);
long mount_gen_mounts(char *buf, size_t cap);
long mount_gen_mountinfo(char *buf, size_t cap);

/* syscalls/keys.c: /proc/keys, /proc/key-users, /proc/sys/kernel/keys */
void keys_proc_init(void);

/* Register every file above; called once at start-up, after the root is mounted. */
void procfs_init(void)
{
    mount_init();
    reg("/proc/self/mounts", mount_gen_mounts);
    reg("/proc/self/mountinfo", mount_gen_mountinfo);
    reg("/proc/cpuinfo", gen_cpuinfo);
    reg("/proc/meminfo", gen_meminfo);
    reg("/proc/filesystems", gen_filesystems);
    proc_pid_init();
    reg("/proc/self/statm", gen_statm);
    reg("/sys/devices/system/cpu/online", gen_cpu_range);
    reg("/sys/devices/system/cpu/possible", gen_cpu_range);
    reg("/sys/devices/system/cpu/present", gen_cpu_range);
    for (int i = 0; i < ncpus() && i < MAX_SYS_CPUS; i++)
        sys_cpu_init(i);
    inotify_proc_init();
    keys_proc_init();
}
