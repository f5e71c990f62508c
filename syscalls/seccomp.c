/*
 * seccomp.c - seccomp(2) and the syscall filter it installs: strict mode
 * (only read, write, exit and rt_sigreturn; anything else kills the thread
 * with SIGKILL) and filter mode (classic BPF programs over struct
 * seccomp_data, checked at install time as Linux checks them and run by a
 * small interpreter before every syscall of the thread).
 *
 * State is per thread, as in Linux: current->seccomp_mode (0 off, 1 strict,
 * 2 filter) is the one field syscall_dispatch tests on every call, and
 * current->seccomp_filter is the newest filter of a chain linked through
 * ->prev.  Filters are immutable once installed and shared: a new thread
 * takes a reference to its creator's chain, TSYNC points every thread at the
 * caller's chain, and each filter holds a reference to the one before it, so
 * a chain is freed when its last thread exits.  All of this runs under the
 * big kernel lock, so other threads' fields may be changed directly (TSYNC).
 *
 * Every filter of the chain runs for each syscall; the result whose action
 * is lowest as a signed 32-bit number wins (KILL_PROCESS < KILL_THREAD <
 * TRAP < ERRNO < USER_NOTIF < TRACE < LOG < ALLOW), the newest filter
 * winning ties, exactly as Linux orders them.
 */
#include "syscalls.h"
#include "misc.h"
#include "seccomp.h"
#include "runtime/sched/signal.h"

#define SECCOMP_MODE_DISABLED 0
#define SECCOMP_MODE_STRICT 1
#define SECCOMP_MODE_FILTER 2

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
#define FLAGS_SUPPORTED (FLAG_TSYNC | FLAG_LOG | FLAG_SPEC_ALLOW | FLAG_TSYNC_ESRCH)

#define RET_KILL_PROCESS 0x80000000U
#define RET_KILL_THREAD 0x00000000U
#define RET_TRAP 0x00030000U
#define RET_ERRNO 0x00050000U
#define RET_USER_NOTIF 0x7fc00000U
#define RET_TRACE 0x7ff00000U
#define RET_LOG 0x7ffc0000U
#define RET_ALLOW 0x7fff0000U
#define RET_ACTION_FULL 0xffff0000U
#define RET_DATA 0x0000ffffU
#define MAX_ERRNO 4095

#define AUDIT_ARCH_X86_64 0xc000003eU
#define BPF_MAXINSNS 4096
#define MAX_INSNS_PER_PATH 32768        /* Linux: 256 KiB of instructions, 4 more per filter */
#define BPF_MEMWORDS 16

/* Classic BPF opcode fields. */
#define BPF_CLASS(c) ((c) & 0x07)
#define BPF_LD 0x00
#define BPF_LDX 0x01
#define BPF_ST 0x02
#define BPF_STX 0x03
#define BPF_ALU 0x04
#define BPF_JMP 0x05
#define BPF_RET 0x06
#define BPF_MISC 0x07
#define BPF_W 0x00
#define BPF_IMM 0x00
#define BPF_ABS 0x20
#define BPF_MEM 0x60
#define BPF_LEN 0x80
#define BPF_K 0x00
#define BPF_X 0x08
#define BPF_A 0x10
#define BPF_ADD 0x00
#define BPF_SUB 0x10
#define BPF_MUL 0x20
#define BPF_DIV 0x30
#define BPF_OR 0x40
#define BPF_AND 0x50
#define BPF_LSH 0x60
#define BPF_RSH 0x70
#define BPF_NEG 0x80
#define BPF_XOR 0xa0
#define BPF_JA 0x00
#define BPF_JEQ 0x10
#define BPF_JGT 0x20
#define BPF_JGE 0x30
#define BPF_JSET 0x40
#define BPF_TAX 0x00
#define BPF_TXA 0x80

struct sock_filter {
    u16 code;
    u8 jt, jf;
    u32 k;
};

struct sock_fprog {
    u16 len;
    u64 filter;                        /* user pointer to len instructions */
};

struct seccomp_data {
    s32 nr;
    u32 arch;
    u64 instruction_pointer;
    u64 args[6];
};

struct seccomp_filter {
    int refs;                          /* threads and newer filters pointing here */
    bool log;                          /* SECCOMP_FILTER_FLAG_LOG */
    u32 len;
    struct seccomp_filter *prev;
    struct sock_filter insns[];
};

long sys_exit(int status);

/* ---------------------------------------------------------------- references */

static void filter_get(struct seccomp_filter *f)
{
    if (f != NULL)
        f->refs++;
}

static void filter_put(struct seccomp_filter *f)
{
    while (f != NULL && --f->refs == 0) {
        struct seccomp_filter *prev = f->prev;
        kfree(f);
        f = prev;
    }
}

void seccomp_thread_inherit(struct thread *t, const struct thread *parent)
{
    t->seccomp_mode = parent->seccomp_mode;
    t->seccomp_filter = parent->seccomp_filter;
    t->no_new_privs = parent->no_new_privs;
    filter_get(t->seccomp_filter);
}

void seccomp_thread_exit(struct thread *t)
{
    filter_put(t->seccomp_filter);
    t->seccomp_filter = NULL;
}

int seccomp_filter_count(const struct thread *t)
{
    int n = 0;
    for (const struct seccomp_filter *f = t->seccomp_filter; f != NULL; f = f->prev)
        n++;
    return n;
}

/* ---------------------------------------------------------------- checking */

/* The opcodes seccomp accepts (a subset of classic BPF: no packet loads but
 * 32-bit loads of seccomp_data, no MOD). */
static bool code_allowed(u16 code)
{
    switch (code) {
    case BPF_RET | BPF_K: case BPF_RET | BPF_A:
    case BPF_ALU | BPF_ADD | BPF_K: case BPF_ALU | BPF_ADD | BPF_X:
    case BPF_ALU | BPF_SUB | BPF_K: case BPF_ALU | BPF_SUB | BPF_X:
    case BPF_ALU | BPF_MUL | BPF_K: case BPF_ALU | BPF_MUL | BPF_X:
    case BPF_ALU | BPF_DIV | BPF_K: case BPF_ALU | BPF_DIV | BPF_X:
    case BPF_ALU | BPF_AND | BPF_K: case BPF_ALU | BPF_AND | BPF_X:
    case BPF_ALU | BPF_OR | BPF_K: case BPF_ALU | BPF_OR | BPF_X:
    case BPF_ALU | BPF_XOR | BPF_K: case BPF_ALU | BPF_XOR | BPF_X:
    case BPF_ALU | BPF_LSH | BPF_K: case BPF_ALU | BPF_LSH | BPF_X:
    case BPF_ALU | BPF_RSH | BPF_K: case BPF_ALU | BPF_RSH | BPF_X:
    case BPF_ALU | BPF_NEG:
    case BPF_LD | BPF_IMM: case BPF_LDX | BPF_IMM:
    case BPF_LD | BPF_W | BPF_ABS: case BPF_LD | BPF_W | BPF_LEN: case BPF_LDX | BPF_W | BPF_LEN:
    case BPF_MISC | BPF_TAX: case BPF_MISC | BPF_TXA:
    case BPF_LD | BPF_MEM: case BPF_LDX | BPF_MEM: case BPF_ST: case BPF_STX:
    case BPF_JMP | BPF_JA:
    case BPF_JMP | BPF_JEQ | BPF_K: case BPF_JMP | BPF_JEQ | BPF_X:
    case BPF_JMP | BPF_JGE | BPF_K: case BPF_JMP | BPF_JGE | BPF_X:
    case BPF_JMP | BPF_JGT | BPF_K: case BPF_JMP | BPF_JGT | BPF_X:
    case BPF_JMP | BPF_JSET | BPF_K: case BPF_JMP | BPF_JSET | BPF_X:
        return true;
    default:
        return false;
    }
}

/* The operand checks of one instruction at pc of an n-instruction program. */
static bool insn_ok(const struct sock_filter *in, u32 pc, u32 n)
{
    switch (in->code) {
    case BPF_ALU | BPF_DIV | BPF_K:
        return in->k != 0;
    case BPF_ALU | BPF_LSH | BPF_K:
    case BPF_ALU | BPF_RSH | BPF_K:
        return in->k < 32;
    case BPF_LD | BPF_MEM: case BPF_LDX | BPF_MEM: case BPF_ST: case BPF_STX:
        return in->k < BPF_MEMWORDS;
    case BPF_LD | BPF_W | BPF_ABS:
        return in->k < sizeof(struct seccomp_data) && (in->k & 3) == 0;
    case BPF_JMP | BPF_JA:
        return in->k < n - pc - 1;
    default:
        if (BPF_CLASS(in->code) == BPF_JMP)
            return pc + in->jt + 1 < n && pc + in->jf + 1 < n;
        return true;
    }
}

/* Scratch memory: every load of M[k] must follow a store to M[k] on all
 * paths to it.  Jumps only go forward, so one pass in order suffices: valid[pc]
 * is the set of slots stored on every path seen so far into pc. */
static bool memory_ok(const struct sock_filter *p, u32 n)
{
    u16 *valid = kmalloc(n * sizeof(u16));
    bool ok = true;
    if (valid == NULL)
        return false;
    for (u32 i = 0; i < n; i++)
        valid[i] = 0xffff;
    u16 cur = 0;
    for (u32 pc = 0; pc < n && ok; pc++) {
        const struct sock_filter *in = &p[pc];
        cur &= valid[pc];
        switch (in->code) {
        case BPF_ST: case BPF_STX:
            cur |= (u16)(1U << in->k);
            break;
        case BPF_LD | BPF_MEM: case BPF_LDX | BPF_MEM:
            ok = (cur & (1U << in->k)) != 0;
            break;
        case BPF_JMP | BPF_JA:
            valid[pc + 1 + in->k] &= cur;
            cur = 0xffff;
            break;
        default:
            if (BPF_CLASS(in->code) == BPF_JMP) {
                valid[pc + 1 + in->jt] &= cur;
                valid[pc + 1 + in->jf] &= cur;
                cur = 0xffff;
            } else if (BPF_CLASS(in->code) == BPF_RET) {
                cur = 0xffff;
            }
            break;
        }
    }
    kfree(valid);
    return ok;
}

/* Linux's checks of a seccomp program: known opcodes, operands in range,
 * jumps inside the program, a RET at the end, no read of unset memory. */
static bool program_ok(const struct sock_filter *p, u32 n)
{
    for (u32 pc = 0; pc < n; pc++)
        if (!code_allowed(p[pc].code) || !insn_ok(&p[pc], pc, n))
            return false;
    if (BPF_CLASS(p[n - 1].code) != BPF_RET)
        return false;
    return memory_ok(p, n);
}

/* ---------------------------------------------------------------- running */

static u32 alu(u16 op, u32 a, u32 v)
{
    switch (op) {
    case BPF_ADD: return a + v;
    case BPF_SUB: return a - v;
    case BPF_MUL: return a * v;
    case BPF_DIV: return a / v;
    case BPF_AND: return a & v;
    case BPF_OR: return a | v;
    case BPF_XOR: return a ^ v;
    case BPF_LSH: return a << (v & 31);
    case BPF_RSH: return a >> (v & 31);
    default: return (u32)-(s32)a;       /* BPF_NEG */
    }
}

static bool jump_taken(u16 op, u32 a, u32 v)
{
    switch (op) {
    case BPF_JEQ: return a == v;
    case BPF_JGT: return a > v;
    case BPF_JGE: return a >= v;
    default: return (a & v) != 0;       /* BPF_JSET */
    }
}

/* Run one checked program over d.  Division by a zero X returns 0, as
 * Linux's classic BPF does. */
static u32 filter_run(const struct seccomp_filter *f, const struct seccomp_data *d)
{
    u32 a = 0, x = 0, mem[BPF_MEMWORDS];
    const u8 *data = (const u8 *)d;
    for (u32 pc = 0; pc < f->len; pc++) {
        const struct sock_filter *in = &f->insns[pc];
        u32 src = (in->code & BPF_X) != 0 ? x : in->k;
        switch (BPF_CLASS(in->code)) {
        case BPF_LD:
            if (in->code == (BPF_LD | BPF_W | BPF_ABS))
                memcpy(&a, data + in->k, sizeof(a));
            else if (in->code == (BPF_LD | BPF_W | BPF_LEN))
                a = sizeof(*d);
            else if (in->code == (BPF_LD | BPF_MEM))
                a = mem[in->k];
            else
                a = in->k;
            break;
        case BPF_LDX:
            if (in->code == (BPF_LDX | BPF_W | BPF_LEN))
                x = sizeof(*d);
            else if (in->code == (BPF_LDX | BPF_MEM))
                x = mem[in->k];
            else
                x = in->k;
            break;
        case BPF_ST:
            mem[in->k] = a;
            break;
        case BPF_STX:
            mem[in->k] = x;
            break;
        case BPF_ALU:
            if (in->code == (BPF_ALU | BPF_DIV | BPF_X) && x == 0)
                return 0;
            a = alu(in->code & 0xf0, a, src);
            break;
        case BPF_JMP:
            if ((in->code & 0xf0) == BPF_JA)
                pc += in->k;
            else
                pc += jump_taken(in->code & 0xf0, a, src) ? in->jt : in->jf;
            break;
        case BPF_RET:
            return (in->code & BPF_A) != 0 ? a : in->k;
        default:                       /* BPF_MISC */
            if ((in->code & 0xf8) == BPF_TAX)
                x = a;
            else
                a = x;
            break;
        }
    }
    return 0;                          /* not reached: checked programs end in RET */
}

/* The action of an unknown return value is KILL_PROCESS; the precedence
 * compares the action bits as a signed number. */
static s32 action_rank(u32 ret) { return (s32)(ret & RET_ACTION_FULL); }

static unsigned logged_lines;

static void log_action(u64 nr, u32 ret)
{
    if (logged_lines >= 64)
        return;
    if (++logged_lines == 64)
        klog("solo: seccomp: further log lines suppressed");
    else
        klog("solo: seccomp: tid %d syscall %lu action 0x%x", current->tid, nr, ret);
}

/* Kill the thread (the program when it is the last one) as signal sig does. */
static _Noreturn void kill_thread(int sig)
{
    if (thread_count_live() > 1) {
        current->seccomp_mode = SECCOMP_MODE_DISABLED;   /* its exit path must run unfiltered */
        sys_exit(0);
    }
    signal_exit(sig);
}

static void raise_sigsys(const struct frame *f, u64 nr, u32 data)
{
    struct ksiginfo si;
    memset(&si, 0, sizeof(si));
    si.signo = SIGSYS;
    si.code = SYS_SECCOMP;
    si.err = (s32)data;
    si.u.sys.call_addr = f->rip;
    si.u.sys.syscall = (s32)nr;
    si.u.sys.arch = AUDIT_ARCH_X86_64;
    signal_force(&si);
}

/* Strict mode: the four calls Linux allows, SIGKILL for anything else. */
static bool strict_allows(u64 nr)
{
    if (nr == 0 || nr == 1 || nr == 15 || nr == 60)
        return true;
    log_action(nr, RET_KILL_THREAD);
    kill_thread(SIGKILL);
}

/* Called by syscall_dispatch for a thread with a seccomp mode before the
 * handler runs.  true: run the syscall; false: skip it, *result is what the
 * syscall returns (rax).  Kill actions do not return. */
bool seccomp_allows(struct frame *f, u64 nr, long *result)
{
    struct thread *t = current;
    if (t->seccomp_mode == SECCOMP_MODE_STRICT)
        return strict_allows(nr);
    struct seccomp_data d;
    d.nr = (s32)nr;
    d.arch = AUDIT_ARCH_X86_64;
    d.instruction_pointer = f->rip;
    d.args[0] = f->rdi;
    d.args[1] = f->rsi;
    d.args[2] = f->rdx;
    d.args[3] = f->r10;
    d.args[4] = f->r8;
    d.args[5] = f->r9;
    u32 ret = RET_ALLOW;
    const struct seccomp_filter *match = NULL;
    for (const struct seccomp_filter *sf = t->seccomp_filter; sf != NULL; sf = sf->prev) {
        u32 r = filter_run(sf, &d);
        if (action_rank(r) < action_rank(ret)) {
            ret = r;
            match = sf;
        }
    }
    u32 action = ret & RET_ACTION_FULL, data = ret & RET_DATA;
    bool requested_log = match != NULL && match->log;
    switch (action) {
    case RET_ALLOW:
        return true;
    case RET_LOG:
        log_action(nr, ret);
        return true;
    case RET_ERRNO:
        if (requested_log)
            log_action(nr, ret);
        *result = -(long)MIN(data, (u32)MAX_ERRNO);
        return false;
    case RET_TRAP:
        if (requested_log)
            log_action(nr, ret);
        raise_sigsys(f, nr, data);
        *result = (long)nr;            /* the handler sees the registers rolled back: rax = nr */
        return false;
    case RET_TRACE:                    /* no tracer can be attached */
    case RET_USER_NOTIF:               /* no listener can exist */
        if (requested_log)
            log_action(nr, ret);
        *result = -ENOSYS;
        return false;
    case RET_KILL_THREAD:
        log_action(nr, ret);
        kill_thread(SIGSYS);
    default:                           /* KILL_PROCESS and unknown actions */
        log_action(nr, ret);
        signal_exit(SIGSYS);
    }
}

/* ---------------------------------------------------------------- installing */

/* Linux refuses to change a mode once set, except adding filters to filter mode. */
static bool may_assign(int mode)
{
    return current->seccomp_mode == SECCOMP_MODE_DISABLED || current->seccomp_mode == mode;
}

static long set_strict(void)
{
    if (!may_assign(SECCOMP_MODE_STRICT))
        return -EINVAL;
    current->seccomp_mode = SECCOMP_MODE_STRICT;
    return 0;
}

/* Copy and check the user's struct sock_fprog into a new filter (errors in Linux's order). */
static long filter_prepare(u64 uprog, struct seccomp_filter **out)
{
    struct sock_fprog prog;
    if (copy_from_user(&prog, (void *)uprog, sizeof(prog)) < 0)
        return -EFAULT;
    if (prog.len == 0 || prog.len > BPF_MAXINSNS)
        return -EINVAL;
    if (!current->no_new_privs && !cap_has(CAP_SYS_ADMIN))
        return -EACCES;
    if (prog.filter == 0)
        return -EINVAL;
    struct seccomp_filter *f = kzalloc(sizeof(*f) + prog.len * sizeof(struct sock_filter));
    if (f == NULL)
        return -ENOMEM;
    if (copy_from_user(f->insns, (void *)prog.filter, prog.len * sizeof(struct sock_filter)) < 0) {
        kfree(f);
        return -EFAULT;
    }
    if (!program_ok(f->insns, prog.len)) {
        kfree(f);
        return -EINVAL;
    }
    f->len = prog.len;
    f->refs = 1;
    *out = f;
    return 0;
}

static bool is_ancestor(const struct seccomp_filter *a, const struct seccomp_filter *of)
{
    if (a == NULL)
        return true;
    for (; of != NULL; of = of->prev)
        if (of == a)
            return true;
    return false;
}

/* TSYNC is possible when every other thread runs no filter or an ancestor of
 * ours: 0, or the tid of the first thread that cannot follow. */
static int tsync_blocker(void)
{
    for (struct thread *t = thread_list(); t != NULL; t = t->all_next) {
        if (t == current || t->seccomp_mode == SECCOMP_MODE_DISABLED)
            continue;
        if (t->seccomp_mode != SECCOMP_MODE_FILTER || !is_ancestor(t->seccomp_filter, current->seccomp_filter))
            return t->tid;
    }
    return 0;
}

static void tsync_all(void)
{
    for (struct thread *t = thread_list(); t != NULL; t = t->all_next) {
        if (t == current)
            continue;
        filter_get(current->seccomp_filter);
        filter_put(t->seccomp_filter);
        t->seccomp_filter = current->seccomp_filter;
        if (current->no_new_privs)
            t->no_new_privs = true;
        t->seccomp_mode = SECCOMP_MODE_FILTER;
    }
}

static long set_filter(u32 flags, u64 uprog)
{
    struct seccomp_filter *f;
    if ((flags & ~FLAGS_SUPPORTED) != 0)
        return -EINVAL;                /* NEW_LISTENER, WAIT_KILLABLE_RECV: no user notification */
    long r = filter_prepare(uprog, &f);
    if (r < 0)
        return r;
    if (!may_assign(SECCOMP_MODE_FILTER)) {
        kfree(f);
        return -EINVAL;
    }
    u32 total = f->len;
    for (const struct seccomp_filter *w = current->seccomp_filter; w != NULL; w = w->prev)
        total += w->len + 4;
    if (total > MAX_INSNS_PER_PATH) {
        kfree(f);
        return -ENOMEM;
    }
    if ((flags & FLAG_TSYNC) != 0) {
        int tid = tsync_blocker();
        if (tid != 0) {
            kfree(f);
            return (flags & FLAG_TSYNC_ESRCH) != 0 ? -ESRCH : tid;
        }
    }
    f->log = (flags & FLAG_LOG) != 0;
    f->prev = current->seccomp_filter;  /* the thread's reference moves to the new filter */
    current->seccomp_filter = f;
    current->seccomp_mode = SECCOMP_MODE_FILTER;
    if ((flags & FLAG_TSYNC) != 0)
        tsync_all();
    return 0;
}

static long action_avail(u64 uaction)
{
    u32 action;
    if (copy_from_user(&action, (void *)uaction, sizeof(action)) < 0)
        return -EFAULT;
    switch (action) {
    case RET_KILL_PROCESS: case RET_KILL_THREAD: case RET_TRAP: case RET_ERRNO:
    case RET_USER_NOTIF: case RET_TRACE: case RET_LOG: case RET_ALLOW:
        return 0;
    default:
        return -EOPNOTSUPP;
    }
}

static long notif_sizes(u64 usizes)
{
    /* struct seccomp_notif, struct seccomp_notif_resp, struct seccomp_data */
    u16 sizes[3] = { 80, 24, sizeof(struct seccomp_data) };
    return copy_to_user((void *)usizes, sizes, sizeof(sizes));
}

/*
 * USER_NOTIF and TRACE actions answer ENOSYS, as Linux does when no listener
 * or tracer is attached: solo has no ptrace and no listener descriptors.
 * SPEC_ALLOW is accepted and changes nothing (no speculation controls).
 */
// partial: SECCOMP_FILTER_FLAG_NEW_LISTENER (and WAIT_KILLABLE_RECV) return EINVAL: no user-notification listener fds
long sys_seccomp(u32 op, u32 flags, u64 uargs)
{
    switch (op) {
    case SECCOMP_SET_MODE_STRICT:
        if (flags != 0 || uargs != 0)
            return -EINVAL;
        return set_strict();
    case SECCOMP_SET_MODE_FILTER:
        return set_filter(flags, uargs);
    case SECCOMP_GET_ACTION_AVAIL:
        if (flags != 0)
            return -EINVAL;
        return action_avail(uargs);
    case SECCOMP_GET_NOTIF_SIZES:
        if (flags != 0)
            return -EINVAL;
        return notif_sizes(uargs);
    default:
        return -EINVAL;
    }
}

/* prctl(PR_SET_SECCOMP, mode, prog): strict mode ignores prog, no flags. */
long seccomp_prctl_set(u64 mode, u64 uprog)
{
    if (mode == SECCOMP_MODE_STRICT)
        return sys_seccomp(SECCOMP_SET_MODE_STRICT, 0, 0);
    if (mode == SECCOMP_MODE_FILTER)
        return sys_seccomp(SECCOMP_SET_MODE_FILTER, 0, uprog);
    return -EINVAL;
}
