/*
 * seccomp.c - seccomp(2) filters installed by the test process itself (they
 * affect only this process): GET_ACTION_AVAIL for every action,
 * GET_NOTIF_SIZES, argument and program checks (EINVAL, EFAULT), then
 * filters that return ERRNO (on the syscall number, on an argument, with a
 * computed value, capped at 4095, with 0), TRAP (a SIGSYS handler sees
 * si_code SYS_SECCOMP, the syscall, the arch, si_errno = data, and the call
 * returns its own number), TRACE and USER_NOTIF without tracer or listener
 * (ENOSYS), LOG, the precedence of stacked filters, TSYNC (success, and the
 * tid of a thread that cannot follow, or ESRCH), KILL_THREAD of one thread
 * of several, prctl's SECCOMP and NO_NEW_PRIVS options, the /proc/self/status
 * lines and the per-path instruction limit (ENOMEM).  The syscalls filtered
 * are ones libc does not make on its own (getppid, getuid, alarm...).
 * Strict mode and killing the last thread: seccomp_strict.c, seccomp_kill.c.
 */
// covers: seccomp prctl
#include "common.h"
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <ucontext.h>
#include <sys/prctl.h>

#define SECCOMP_SET_MODE_STRICT 0
#define SECCOMP_SET_MODE_FILTER 1
#define SECCOMP_GET_ACTION_AVAIL 2
#define SECCOMP_GET_NOTIF_SIZES 3
#define FLAG_TSYNC 1U
#define FLAG_LOG 2U
#define FLAG_SPEC_ALLOW 4U
#define FLAG_NEW_LISTENER 8U
#define FLAG_TSYNC_ESRCH 16U
#define FLAG_WAIT_KILLABLE_RECV 32U

#define RET_KILL_PROCESS 0x80000000U
#define RET_KILL_THREAD 0x00000000U
#define RET_TRAP 0x00030000U
#define RET_ERRNO 0x00050000U
#define RET_USER_NOTIF 0x7fc00000U
#define RET_TRACE 0x7ff00000U
#define RET_LOG 0x7ffc0000U
#define RET_ALLOW 0x7fff0000U
#define ARCH_X86_64 0xc000003eU

/* Classic BPF encodings (linux/filter.h). */
#define LD_W_ABS 0x20
#define LD_W_LEN 0x80
#define LD_IMM 0x00
#define LD_MEM 0x60
#define LDX_MEM 0x61
#define LDX_IMM 0x01
#define ST 0x02
#define STX 0x03
#define RET_K 0x06
#define RET_A 0x16
#define JA 0x05
#define JEQ_K 0x15
#define JGT_K 0x25
#define JGE_K 0x35
#define JSET_K 0x45
#define JEQ_X 0x1d
#define ALU_ADD_K 0x04
#define ALU_ADD_X 0x0c
#define ALU_SUB_K 0x14
#define ALU_MUL_K 0x24
#define ALU_DIV_K 0x34
#define ALU_DIV_X 0x3c
#define ALU_OR_K 0x44
#define ALU_AND_K 0x54
#define ALU_LSH_K 0x64
#define ALU_RSH_K 0x74
#define ALU_NEG 0x84
#define ALU_MOD_K 0x94
#define ALU_XOR_K 0xa4
#define TAX 0x07
#define TXA 0x87
#define LD_H_ABS 0x28

#define OFF_NR 0
#define OFF_ARCH 4
#define OFF_IP_LO 8
#define OFF_ARG0 16

struct insn { uint16_t code; uint8_t jt, jf; uint32_t k; };
struct prog { unsigned short len; struct insn *filter; };

#define I(c, t, f, kk) { (c), (t), (f), (kk) }

static long sc(unsigned op, unsigned flags, void *args)
{
    return syscall(SYS_seccomp, op, flags, args);
}

static long install(struct insn *p, unsigned short n, unsigned flags)
{
    struct prog pr = { n, p };
    return sc(SECCOMP_SET_MODE_FILTER, flags, &pr);
}

/* A filter returning `ret` for syscall nr, ALLOW for everything else. */
static long install_one(int nr, uint32_t ret, unsigned flags)
{
    struct insn p[] = {
        I(LD_W_ABS, 0, 0, OFF_NR),
        I(JEQ_K, 0, 1, (uint32_t)nr),
        I(RET_K, 0, 0, ret),
        I(RET_K, 0, 0, RET_ALLOW),
    };
    return install(p, 4, flags);
}

static void avail(void)
{
    static const uint32_t acts[] = { RET_KILL_PROCESS, RET_KILL_THREAD, RET_TRAP, RET_ERRNO,
                                     RET_USER_NOTIF, RET_TRACE, RET_LOG, RET_ALLOW,
                                     RET_ERRNO | 1, 0x00010000U, 0x7ff80000U };
    char what[64];
    for (unsigned i = 0; i < sizeof(acts) / sizeof(acts[0]); i++) {
        uint32_t a = acts[i];
        snprintf(what, sizeof(what), "action_avail 0x%08x", a);
        show(what, sc(SECCOMP_GET_ACTION_AVAIL, 0, &a));
    }
    uint32_t a = RET_ALLOW;
    show("action_avail NULL", sc(SECCOMP_GET_ACTION_AVAIL, 0, NULL));
    show("action_avail flags", sc(SECCOMP_GET_ACTION_AVAIL, 1, &a));
    uint16_t sizes[3] = { 0, 0, 0 };
    show("notif_sizes", sc(SECCOMP_GET_NOTIF_SIZES, 0, sizes));
    printf("sizes %u %u %u\n", sizes[0], sizes[1], sizes[2]);
    show("notif_sizes NULL", sc(SECCOMP_GET_NOTIF_SIZES, 0, NULL));
    show("notif_sizes flags", sc(SECCOMP_GET_NOTIF_SIZES, 1, sizes));
    show("bad op", sc(7, 0, NULL));
    show("strict with flags", sc(SECCOMP_SET_MODE_STRICT, 1, NULL));
    show("strict with args", sc(SECCOMP_SET_MODE_STRICT, 0, sizes));
}

static void bad_programs(void)
{
    struct insn ok[] = { I(RET_K, 0, 0, RET_ALLOW) };
    struct prog pr = { 0, ok };
    struct insn big[4097];
    show("fprog NULL", sc(SECCOMP_SET_MODE_FILTER, 0, NULL));
    show("len 0", sc(SECCOMP_SET_MODE_FILTER, 0, &pr));
    for (int i = 0; i < 4097; i++)
        big[i] = (struct insn)I(RET_K, 0, 0, RET_ALLOW);
    show("len 4097", install(big, 4097, 0));
    pr.len = 1;
    pr.filter = NULL;
    show("insns NULL", sc(SECCOMP_SET_MODE_FILTER, 0, &pr));
    pr.filter = (struct insn *)8;
    show("insns bad address", sc(SECCOMP_SET_MODE_FILTER, 0, &pr));
    show("unknown flag", install(ok, 1, 1U << 12));
    show("WAIT_KILLABLE_RECV alone", install(ok, 1, FLAG_WAIT_KILLABLE_RECV));
    show("TSYNC|NEW_LISTENER", install(ok, 1, FLAG_TSYNC | FLAG_NEW_LISTENER));
    struct insn p1[] = { I(LD_H_ABS, 0, 0, 0), I(RET_K, 0, 0, RET_ALLOW) };
    show("halfword load", install(p1, 2, 0));
    struct insn p2[] = { I(LD_W_ABS, 0, 0, 64), I(RET_K, 0, 0, RET_ALLOW) };
    show("load offset 64", install(p2, 2, 0));
    struct insn p3[] = { I(LD_W_ABS, 0, 0, 2), I(RET_K, 0, 0, RET_ALLOW) };
    show("load offset 2", install(p3, 2, 0));
    struct insn p4[] = { I(JEQ_K, 0, 1, 0), I(RET_K, 0, 0, RET_ALLOW) };
    show("jump past end", install(p4, 2, 0));
    struct insn p5[] = { I(JA, 0, 0, 1), I(RET_K, 0, 0, RET_ALLOW) };
    show("ja past end", install(p5, 2, 0));
    struct insn p6[] = { I(LD_IMM, 0, 0, 1) };
    show("no ret", install(p6, 1, 0));
    struct insn p7[] = { I(LD_MEM, 0, 0, 3), I(RET_A, 0, 0, 0) };
    show("load unset memory", install(p7, 2, 0));
    struct insn p8[] = { I(JEQ_K, 0, 1, 5), I(ST, 0, 0, 3), I(LD_MEM, 0, 0, 3), I(RET_A, 0, 0, 0) };
    show("memory set on one path", install(p8, 4, 0));
    struct insn p9[] = { I(ST, 0, 0, 16), I(RET_K, 0, 0, RET_ALLOW) };
    show("store slot 16", install(p9, 2, 0));
    struct insn p10[] = { I(ALU_DIV_K, 0, 0, 0), I(RET_K, 0, 0, RET_ALLOW) };
    show("divide by 0", install(p10, 2, 0));
    struct insn p11[] = { I(ALU_MOD_K, 0, 0, 3), I(RET_K, 0, 0, RET_ALLOW) };
    show("mod", install(p11, 2, 0));
    struct insn p12[] = { I(ALU_LSH_K, 0, 0, 32), I(RET_K, 0, 0, RET_ALLOW) };
    show("shift 32", install(p12, 2, 0));
    struct insn p13[] = { I(0xff, 0, 0, 0), I(RET_K, 0, 0, RET_ALLOW) };
    show("opcode 0xff", install(p13, 2, 0));
    show("prctl SET_SECCOMP 3", prctl(PR_SET_SECCOMP, 3, 0, 0, 0));
    show("prctl SET_SECCOMP filter NULL", prctl(PR_SET_SECCOMP, 2, 0, 0, 0));
}

/* ---- TRAP */

static volatile int trap_code, trap_syscall, trap_errno, trap_rax_is_nr, trap_addr_set;
static volatile unsigned trap_arch;

static void on_sigsys(int sig, siginfo_t *si, void *ctx)
{
    const char *raw = (const char *)si;
    uint64_t addr;
    int nr;
    unsigned arch;
    (void)sig;
    memcpy(&addr, raw + 16, sizeof(addr));
    memcpy(&nr, raw + 24, sizeof(nr));
    memcpy(&arch, raw + 28, sizeof(arch));
    trap_code = si->si_code;
    trap_errno = si->si_errno;
    trap_syscall = nr;
    trap_arch = arch;
    trap_addr_set = addr != 0;
    trap_rax_is_nr = ((ucontext_t *)ctx)->uc_mcontext.gregs[REG_RAX] == nr;
}

/* ---- threads */

static volatile int go_t1, t1_started, t2_ready, t2_tid, go_t2_exit, killed_tid;
static long t1_before, t1_after_ppid, t1_after_prio;
static int t1_err_after_ppid, t1_err_after_prio;

static void *t1_main(void *arg)
{
    (void)arg;
    t1_before = syscall(SYS_getppid) >= 0;
    t1_started = 1;
    while (!go_t1)
        usleep(1000);
    t1_after_ppid = syscall(SYS_getppid);
    t1_err_after_ppid = errno;
    t1_after_prio = syscall(SYS_getpriority, 0, 0);
    t1_err_after_prio = errno;
    return NULL;
}

/* Installs a filter of its own, so the main thread's TSYNC cannot cover it. */
static void *t2_main(void *arg)
{
    (void)arg;
    install_one(SYS_times, RET_ERRNO | EPERM, 0);
    t2_tid = (int)syscall(SYS_gettid);
    t2_ready = 1;
    while (!go_t2_exit)
        usleep(1000);
    return NULL;
}

static void *killed_main(void *arg)
{
    (void)arg;
    install_one(SYS_getsid, RET_KILL_THREAD, 0);
    killed_tid = (int)syscall(SYS_gettid);
    syscall(SYS_getsid, 0);
    printf("killed thread still runs\n");
    return NULL;
}

static void status_lines(void)
{
    char line[256];
    FILE *f = fopen("/proc/self/status", "r");
    if (f == NULL) {
        printf("no /proc/self/status\n");
        return;
    }
    while (fgets(line, sizeof(line), f) != NULL)
        if (strncmp(line, "NoNewPrivs:", 11) == 0 || strncmp(line, "Seccomp:", 8) == 0)
            printf("%s", line);
    fclose(f);
}

static int filter_count(void)
{
    char line[256];
    int n = -1;
    FILE *f = fopen("/proc/self/status", "r");
    if (f == NULL)
        return -1;
    while (fgets(line, sizeof(line), f) != NULL)
        if (strncmp(line, "Seccomp_filters:", 16) == 0)
            n = atoi(line + 16);
    fclose(f);
    return n;
}

int main(void)
{
    pthread_t t1, t2, tk;
    setvbuf(stdout, NULL, _IONBF, 0);

    avail();
    show("set no_new_privs", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
    show("set no_new_privs 0", prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0));
    show("set no_new_privs extra arg", prctl(PR_SET_NO_NEW_PRIVS, 1, 1, 0, 0));
    show("get no_new_privs", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    show("get no_new_privs extra arg", prctl(PR_GET_NO_NEW_PRIVS, 1, 0, 0, 0));
    bad_programs();
    int count0 = filter_count();

    pthread_create(&t1, NULL, t1_main, NULL);
    while (!t1_started)
        usleep(1000);

    /* Filter A: getppid -> EPERM; getpid(7) -> EACCES; arch and ip checked. */
    struct insn a[] = {
        I(LD_W_ABS, 0, 0, OFF_ARCH),
        I(JEQ_K, 1, 0, ARCH_X86_64),
        I(RET_K, 0, 0, RET_KILL_PROCESS),
        I(LD_W_ABS, 0, 0, OFF_IP_LO),
        I(JEQ_K, 0, 1, 0),
        I(RET_K, 0, 0, RET_KILL_PROCESS),
        I(LD_W_ABS, 0, 0, OFF_NR),
        I(JEQ_K, 0, 1, SYS_getppid),
        I(RET_K, 0, 0, RET_ERRNO | EPERM),
        I(JEQ_K, 0, 3, SYS_getpid),
        I(LD_W_ABS, 0, 0, OFF_ARG0),
        I(JEQ_K, 0, 1, 7),
        I(RET_K, 0, 0, RET_ERRNO | EACCES),
        I(RET_K, 0, 0, RET_ALLOW),
    };
    show("install A", install(a, sizeof(a) / sizeof(a[0]), FLAG_SPEC_ALLOW));
    show("getppid", syscall(SYS_getppid));
    long pid = syscall(SYS_getpid, 0);
    printf("getpid(0) positive: %d\n", pid > 0);
    show("getpid(7)", syscall(SYS_getpid, 7));
    show("prctl GET_SECCOMP", prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
    show("strict after filter", sc(SECCOMP_SET_MODE_STRICT, 0, NULL));
    show("prctl strict after filter", prctl(PR_SET_SECCOMP, 1, 0, 0, 0));
    status_lines();

    /* Filter B: arithmetic on getuid's first argument gives the errno. */
    struct insn b[] = {
        I(LD_W_ABS, 0, 0, OFF_NR),
        I(JEQ_K, 0, 16, SYS_getuid),
        I(LD_W_ABS, 0, 0, OFF_ARG0),
        I(ALU_LSH_K, 0, 0, 4),         /* 5 -> 80 */
        I(ALU_OR_K, 0, 0, 3),          /* 83 */
        I(ALU_SUB_K, 0, 0, 1),         /* 82 */
        I(ALU_XOR_K, 0, 0, 0x10),      /* 66 */
        I(ALU_MUL_K, 0, 0, 3),         /* 198 */
        I(ALU_DIV_K, 0, 0, 2),         /* 99 */
        I(ALU_ADD_K, 0, 0, 1),         /* 100 */
        I(ALU_RSH_K, 0, 0, 1),         /* 50 */
        I(ST, 0, 0, 5),
        I(LDX_MEM, 0, 0, 5),
        I(LD_W_LEN, 0, 0, 0),          /* 64 */
        I(ALU_DIV_X, 0, 0, 0),         /* 64 / 50 = 1 */
        I(TAX, 0, 0, 0),
        I(LD_MEM, 0, 0, 5),
        I(ALU_ADD_X, 0, 0, 0),         /* 51 */
        I(ALU_ADD_K, 0, 0, RET_ERRNO),
        I(RET_A, 0, 0, 0),
        I(RET_K, 0, 0, RET_ALLOW),
    };
    b[1].jf = (uint8_t)(sizeof(b) / sizeof(b[0]) - 3);   /* not getuid: the final ALLOW */
    show("install B", install(b, sizeof(b) / sizeof(b[0]), 0));
    show("getuid(5)", syscall(SYS_getuid, 5));

    /* JSET / JGT / JGE / NEG / TAX / TXA / AND / OR on alarm's argument;
     * alarm(0) is let through (and cancels nothing). */
    struct insn c[] = {
        I(LD_W_ABS, 0, 0, OFF_NR),
        I(JEQ_K, 0, 12, SYS_alarm),
        I(LD_W_ABS, 0, 0, OFF_ARG0),
        I(JSET_K, 0, 1, 0x100),
        I(RET_K, 0, 0, RET_ERRNO | 0xffff),   /* capped at 4095 */
        I(JGT_K, 0, 1, 1000),
        I(RET_K, 0, 0, RET_ERRNO | 0),        /* skipped, returns 0 */
        I(JGE_K, 0, 6, 7),
        I(ALU_NEG, 0, 0, 0),                  /* 8 -> 0xfffffff8 */
        I(TAX, 0, 0, 0),
        I(TXA, 0, 0, 0),
        I(ALU_AND_K, 0, 0, 0xff),             /* 248 */
        I(ALU_OR_K, 0, 0, RET_ERRNO),
        I(RET_A, 0, 0, 0),
        I(RET_K, 0, 0, RET_ALLOW),
    };
    show("install C", install(c, sizeof(c) / sizeof(c[0]), 0));
    show("alarm(0x100)", syscall(SYS_alarm, 0x100));
    show("alarm(1536)", syscall(SYS_alarm, 1536));
    show("alarm(8)", syscall(SYS_alarm, 8));
    show("alarm(0)", syscall(SYS_alarm, 0));

    /* Precedence: getgid ERRNO in D, TRAP in E -> TRAP; getegid EPERM in D,
     * E2BIG in E -> E2BIG (newest wins a tie); geteuid LOG in D, ALLOW in E
     * -> runs; getpgrp TRACE -> ENOSYS; getsid USER_NOTIF -> ENOSYS. */
    struct insn d[] = {
        I(LD_W_ABS, 0, 0, OFF_NR),
        I(JEQ_K, 0, 1, SYS_getgid),
        I(RET_K, 0, 0, RET_ERRNO | EPERM),
        I(JEQ_K, 0, 1, SYS_getegid),
        I(RET_K, 0, 0, RET_ERRNO | EPERM),
        I(JEQ_K, 0, 1, SYS_geteuid),
        I(RET_K, 0, 0, RET_LOG),
        I(JEQ_K, 0, 1, SYS_getpgrp),
        I(RET_K, 0, 0, RET_TRACE | 5),
        I(JEQ_K, 0, 1, SYS_getsid),
        I(RET_K, 0, 0, RET_USER_NOTIF),
        I(RET_K, 0, 0, RET_ALLOW),
    };
    show("install D", install(d, sizeof(d) / sizeof(d[0]), FLAG_LOG));
    struct insn e[] = {
        I(LD_W_ABS, 0, 0, OFF_NR),
        I(JEQ_K, 0, 1, SYS_getgid),
        I(RET_K, 0, 0, RET_TRAP | 0x123),
        I(JEQ_K, 0, 1, SYS_getegid),
        I(RET_K, 0, 0, RET_ERRNO | E2BIG),
        I(JEQ_K, 0, 1, SYS_sched_yield),
        I(RET_K, 0, 0, RET_TRAP | 7),
        I(RET_K, 0, 0, RET_ALLOW),
    };
    show("install E", install(e, sizeof(e) / sizeof(e[0]), 0));
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_sigsys;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSYS, &sa, NULL);
    show("getgid", syscall(SYS_getgid));
    printf("trap: code %d syscall %d errno 0x%x arch 0x%x addr %d rax=nr %d\n", trap_code,
           trap_syscall, trap_errno, trap_arch, trap_addr_set, trap_rax_is_nr);
    show("sched_yield", syscall(SYS_sched_yield));
    printf("trap: code %d syscall %d errno 0x%x\n", trap_code, trap_syscall, trap_errno);
    show("getegid", syscall(SYS_getegid));
    printf("geteuid runs: %d\n", syscall(SYS_geteuid) >= 0);
    show("getpgrp", syscall(SYS_getpgrp));
    show("getsid", syscall(SYS_getsid, 0));
    printf("filters added: %d\n", filter_count() - count0);

    /* Thread 1 predates every filter: it runs unfiltered until TSYNC. */
    struct insn f[] = {
        I(LD_W_ABS, 0, 0, OFF_NR),
        I(JEQ_K, 0, 1, SYS_getpriority),
        I(RET_K, 0, 0, RET_ERRNO | EPERM),
        I(RET_K, 0, 0, RET_ALLOW),
    };
    show("install F TSYNC", install(f, 4, FLAG_TSYNC));
    go_t1 = 1;
    pthread_join(t1, NULL);
    printf("t1 before: getppid ok %ld\n", t1_before);
    printf("t1 after: getppid %s getpriority %s\n", t1_after_ppid < 0 ? errname(t1_err_after_ppid) : "ok",
           t1_after_prio < 0 ? errname(t1_err_after_prio) : "ok");

    /* Thread 2 has a filter of its own: TSYNC names it, or ESRCH. */
    pthread_create(&t2, NULL, t2_main, NULL);
    while (!t2_ready)
        usleep(1000);
    long r = install_one(SYS_getpriority, RET_ERRNO | EACCES, FLAG_TSYNC);
    printf("TSYNC blocked: returns tid of t2 %d\n", r == t2_tid);
    show("TSYNC|TSYNC_ESRCH blocked", install_one(SYS_getpriority, RET_ERRNO | EACCES, FLAG_TSYNC | FLAG_TSYNC_ESRCH));
    show_ok("times (t2's filter only)", syscall(SYS_times, NULL));
    go_t2_exit = 1;
    pthread_join(t2, NULL);

    /* KILL_THREAD in a thread of several ends that thread only.  It never
     * runs pthread_exit, so it cannot be joined (musl waits for that):
     * wait until its tid is gone. */
    pthread_create(&tk, NULL, killed_main, NULL);
    while (killed_tid == 0)
        usleep(1000);
    while (syscall(SYS_tgkill, getpid(), killed_tid, 0) == 0)
        usleep(2000);
    show("signal to the killed thread", syscall(SYS_tgkill, getpid(), killed_tid, 0));
    printf("main alive after KILL_THREAD of a thread\n");

    /* A skipped call's errno is final: EINTR from read is not restarted,
     * EPIPE from write raises no SIGPIPE. */
    struct insn g[] = {
        I(LD_W_ABS, 0, 0, OFF_ARG0),
        I(JEQ_K, 0, 5, 99),
        I(LD_W_ABS, 0, 0, OFF_NR),
        I(JEQ_K, 0, 1, SYS_read),
        I(RET_K, 0, 0, RET_ERRNO | EINTR),
        I(JEQ_K, 0, 1, SYS_write),
        I(RET_K, 0, 0, RET_ERRNO | EPIPE),
        I(RET_K, 0, 0, RET_ALLOW),
    };
    char byte = 0;
    show("install G", install(g, sizeof(g) / sizeof(g[0]), 0));
    show("read(99)", syscall(SYS_read, 99, &byte, 1));
    show("write(99)", syscall(SYS_write, 99, &byte, 1));

    /* The instruction limit per path: 32768, counting 4 more per filter. */
    static struct insn jump[4096];
    jump[0] = (struct insn)I(JA, 0, 0, 4094);
    for (int i = 1; i < 4096; i++)
        jump[i] = (struct insn)I(RET_K, 0, 0, RET_ALLOW);
    long lr = 0;
    for (int i = 0; i < 16 && lr == 0; i++)
        lr = install(jump, 4096, 0);
    show("filling the path", lr);
    show("getppid at the end", syscall(SYS_getppid));
    return 0;
}
