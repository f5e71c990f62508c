/*
 * procfs.c - the generated /proc and /sys files programs read to size
 * themselves: /proc/cpuinfo, /proc/meminfo, /proc/filesystems,
 * /proc/self/{status,stat,statm},
 * /proc/self/{mounts,mountinfo} (the mount table, fs/mount.c),
 * /sys/devices/system/cpu/{online,possible,present} and one
 * /sys/devices/system/cpu/cpuN/ directory per CPU (glibc counts those for
 * sysconf(_SC_NPROCESSORS_CONF) and reads "online" for _SC_NPROCESSORS_ONLN).
 *
 * Values are measured, never invented: the CPU model, family, flags and
 * address sizes come from cpuid, the clock from the calibrated TSC, memory
 * from the physical allocator, the address-space size from the VM, thread
 * count and signal sets from the scheduler and the signal code.  What solo
 * does not track reads as 0 (swap, page cache, shared pages, context
 * switches); resident memory is the RAM in use in the whole VM, which in a
 * one-program kernel is an upper bound of the program's resident set.
 * Every file is regenerated on each open by a vfs_gen_fn (fs/vfs.h).
 * The CPU count is cpu_online_count() when the SMP code provides it, else 1.
 */
#include "vfs.h"
#include "runtime/x86_64/cpu.h"
#include "runtime/sched/signal.h"
#include "runtime/mm/vm.h"
#include "fs/pagecache.h"
#include "syscalls/misc.h"
#include "fs/inotify.h"
#include "syscalls/seccomp.h"

#define MAX_SYS_CPUS 64
#define HZ 100

int cpu_online_count(void);
#pragma weak cpu_online_count
#pragma weak vfs_exe_path

/* Output cursor for a generator: text beyond cap is counted, not written. */
struct out {
    char *buf;
    size_t cap, len;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = o->len < o->cap ? o->cap - o->len : 0;
    int n = kvsnprintf(room != 0 ? o->buf + o->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->len += (size_t)n;
}

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
    put(o, "flags\t\t:");
    for (size_t i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++) {
        const struct flag_name *f = &flag_names[i];
        if ((w[f->word] >> f->bit & 1) != 0 && flag_usable(f, xcr0))
            put(o, " %s", f->name);
    }
    put(o, "\n");
}

static void put_cpu(struct out *o, const struct cpu_ident *c, int i, int n)
{
    u64 khz = tsc_hz() / 1000;
    put(o, "processor\t: %d\nvendor_id\t: %s\ncpu family\t: %u\nmodel\t\t: %u\n", i, c->vendor,
        c->family, c->model_no);
    put(o, "model name\t: %s\nstepping\t: %u\n", model_name(c), c->stepping);
    put(o, "cpu MHz\t\t: %lu.%03lu\n", khz / 1000, khz % 1000);
    if (c->cache_kb != 0)
        put(o, "cache size\t: %u KB\n", c->cache_kb);
    put(o, "physical id\t: 0\nsiblings\t: %d\ncore id\t\t: %d\ncpu cores\t: %d\n", n, i, n);
    put(o, "apicid\t\t: %d\ninitial apicid\t: %d\nfpu\t\t: yes\nfpu_exception\t: yes\n", i, i);
    put(o, "cpuid level\t: %u\nwp\t\t: yes\n", c->max_leaf);
    put_flags(o, c);
    put(o, "bugs\t\t:\nbogomips\t: %lu.%02lu\n", khz * 2 / 1000, (khz * 2 % 1000) / 10);
    put(o, "clflush size\t: %u\ncache_alignment\t: %u\n", c->clflush, c->clflush);
    put(o, "address sizes\t: %u bits physical, %u bits virtual\npower management:\n\n",
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
    put(&o, "MemTotal:       %8lu kB\nMemFree:        %8lu kB\nMemAvailable:   %8lu kB\n",
        total, free, free);
    put(&o, "Buffers:        %8lu kB\nCached:         %8lu kB\nSwapCached:     %8lu kB\n", 0UL, cached, 0UL);
    put(&o, "Active:         %8lu kB\nInactive:       %8lu kB\n", total - free, 0UL);
    put(&o, "SwapTotal:      %8lu kB\nSwapFree:       %8lu kB\n", 0UL, 0UL);
    put(&o, "Dirty:          %8lu kB\nWriteback:      %8lu kB\n", 0UL, 0UL);
    put(&o, "AnonPages:      %8lu kB\nShmem:          %8lu kB\n", total - free - cached, 0UL);
    put(&o, "CommitLimit:    %8lu kB\nCommitted_AS:   %8lu kB\n", total, vm_total_bytes() >> 10);
    put(&o, "HugePages_Total:       0\nHugePages_Free:        0\nHugepagesize:       2048 kB\n");
    return (long)o.len;
}

/* ---------------------------------------------------------------- /proc/self */

/* The command name: the program file's base name, at most 15 chars. */
static void comm(char out[16])
{
    const char *p = vfs_exe_path != NULL ? vfs_exe_path() : NULL;
    const char *base = p != NULL ? strrchr(p, '/') : NULL;
    base = base != NULL ? base + 1 : (p != NULL ? p : "solo");
    size_t n = strnlen(base, 15);
    memcpy(out, base, n);
    out[n] = '\0';
}

/* RAM in use in the VM, capped at the mapped size: the program's resident set at most. */
static u64 rss_pages(void)
{
    return MIN(mem_total_bytes() - mem_free_bytes(), vm_total_bytes()) / PAGE_SIZE;
}

/* The thread /proc/self describes: the main thread while it lives. */
static struct thread *leader(void)
{
    struct thread *t = thread_by_tid(1);
    return t != NULL ? t : current;
}

static u64 ticks_since_start(void)
{
    u64 start = boot_to_main_ns(), now = now_ns();
    return now > start ? (now - start) / (1000000000UL / HZ) : 0;
}

static long gen_status(char *buf, size_t cap)
{
    struct out o = { buf, cap, 0 };
    struct thread *t = leader();
    char name[16];
    u64 shpnd, ign, cgt;
    u32 uid = process_ruid(), euid = process_euid();
    signal_proc_sets(&shpnd, &ign, &cgt);
    comm(name);
    put(&o, "Name:\t%s\nUmask:\t%04o\nState:\tR (running)\nTgid:\t1\nNgid:\t0\nPid:\t1\nPPid:\t0\n",
        name, process_umask());
    put(&o, "TracerPid:\t0\nUid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\n", uid, euid, euid,
        process_fsuid(), process_fsgid(), process_fsgid(), process_fsgid(), process_fsgid());
    put(&o, "FDSize:\t%lu\nGroups:\t\n", rlimit_cur(RLIMIT_NOFILE) < 1024 ? rlimit_cur(RLIMIT_NOFILE) : 1024UL);
    put(&o, "VmPeak:\t%8lu kB\nVmSize:\t%8lu kB\n", vm_total_bytes() >> 10, vm_total_bytes() >> 10);
    put(&o, "VmHWM:\t%8lu kB\nVmRSS:\t%8lu kB\n", rss_pages() * 4, rss_pages() * 4);
    put(&o, "RssAnon:\t%8lu kB\nRssFile:\t%8lu kB\nRssShmem:\t%8lu kB\n", rss_pages() * 4, 0UL, 0UL);
    put(&o, "VmSwap:\t%8lu kB\nThreads:\t%d\n", 0UL, thread_count_live());
    put(&o, "SigQ:\t0/%lu\n", rlimit_cur(RLIMIT_SIGPENDING));
    put(&o, "SigPnd:\t%016lx\nShdPnd:\t%016lx\nSigBlk:\t%016lx\nSigIgn:\t%016lx\nSigCgt:\t%016lx\n",
        t->sig_pending, shpnd, t->sigmask, ign, cgt);
    put(&o, "CapInh:\t%016lx\nCapPrm:\t%016lx\nCapEff:\t%016lx\n",
        cap_inheritable_set(), cap_permitted_set(), cap_effective_set());
    put(&o, "NoNewPrivs:\t%d\nSeccomp:\t%d\nSeccomp_filters:\t%d\n", t->no_new_privs ? 1 : 0,
        t->seccomp_mode, seccomp_filter_count(t));
    u64 allowed = sched_affinity(t);
    put(&o, "Cpus_allowed:\t%lx\nCpus_allowed_list:\t", allowed);
    for (int c = 0, sep = 0; c < 64; c++) {    /* ranges of set bits: "0-1,3" */
        if ((allowed >> c & 1) == 0 || (c > 0 && (allowed >> (c - 1) & 1) != 0))
            continue;
        int e = c;
        while (e + 1 < 64 && (allowed >> (e + 1) & 1) != 0)
            e++;
        put(&o, "%s%d", sep++ ? "," : "", c);
        if (e > c)
            put(&o, "-%d", e);
    }
    put(&o, "\n");
    put(&o, "Mems_allowed:\t1\nMems_allowed_list:\t0\n");
    put(&o, "voluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n");
    return (long)o.len;
}

static long gen_stat(char *buf, size_t cap)
{
    struct out o = { buf, cap, 0 };
    struct thread *t = leader();
    char name[16];
    u64 shpnd, ign, cgt, vsize = vm_total_bytes();
    signal_proc_sets(&shpnd, &ign, &cgt);
    comm(name);
    /* pid comm state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt */
    put(&o, "1 (%s) R 0 1 1 0 -1 4194560 0 0 0 0 ", name);
    /* utime stime cutime cstime priority nice num_threads itrealvalue starttime */
    put(&o, "%lu 0 0 0 20 0 %d 0 %lu ", ticks_since_start(), thread_count_live(),
        boot_to_main_ns() / (1000000000UL / HZ));
    /* vsize rss rsslim startcode endcode startstack kstkesp kstkeip */
    put(&o, "%lu %lu %lu 0 0 0 0 0 ", vsize, rss_pages(), rlimit_cur(RLIMIT_RSS));
    /* signal blocked sigignore sigcatch wchan nswap cnswap exit_signal processor rt_priority policy */
    put(&o, "%lu %lu %lu %lu 0 0 0 17 0 0 0 ", (t->sig_pending | shpnd) & 0x7fffffffUL,
        t->sigmask & 0x7fffffffUL, ign & 0x7fffffffUL, cgt & 0x7fffffffUL);
    /* delayacct_blkio_ticks guest_time cguest_time start_data end_data start_brk
     * arg_start arg_end env_start env_end exit_code */
    put(&o, "0 0 0 0 0 %lu 0 0 0 0 0\n", vm_brk_start());
    return (long)o.len;
}

static long gen_statm(char *buf, size_t cap)
{
    return ksnprintf(buf, cap, "%lu %lu 0 0 0 %lu 0\n", vm_total_bytes() / PAGE_SIZE, rss_pages(),
                     vm_total_bytes() / PAGE_SIZE);
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
        put(&o, "%s\t%s\n", fs_types[i].nodev ? "nodev" : "", fs_types[i].name);
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
    reg("/proc/self/status", gen_status);
    reg("/proc/self/stat", gen_stat);
    reg("/proc/self/statm", gen_statm);
    reg("/sys/devices/system/cpu/online", gen_cpu_range);
    reg("/sys/devices/system/cpu/possible", gen_cpu_range);
    reg("/sys/devices/system/cpu/present", gen_cpu_range);
    for (int i = 0; i < ncpus() && i < MAX_SYS_CPUS; i++)
        sys_cpu_init(i);
    inotify_proc_init();
    keys_proc_init();
}
