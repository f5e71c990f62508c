/*
 * signal.c - signal dispositions, masks, pending queues and the syscalls
 * that send, wait for and inspect signals: rt_sigaction, rt_sigprocmask,
 * rt_sigpending, rt_sigsuspend, rt_sigtimedwait, pause, sigaltstack, kill,
 * tkill, tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo.
 *
 * Invariants: bit (n-1) of a pending mask is set exactly when signal n is
 * pending there; its queue holds at most one entry for a standard signal
 * (1..31, not queued twice) and one per send for a real-time signal (32..64);
 * a pending bit without a queue entry (allocation failed) dequeues with
 * SI_USER info.  Ignored signals are never queued unless blocked, and making
 * a signal ignored flushes it.  Dispositions and the process queue are
 * process-wide; masks, the thread queue and the alternate stack are per
 * thread.  Delivery is in signal_frame.c.
 */
#include "signal_impl.h"

#pragma weak signalfd_signal_queued
#include "misc.h"

#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2
#define MINSIGSTKSZ 2048
#define MAX_QUEUED 4096
#define SYNC_SIGNALS (SIGBIT(SIGSEGV) | SIGBIT(SIGBUS) | SIGBIT(SIGILL) | SIGBIT(SIGTRAP) | \
                      SIGBIT(SIGFPE) | SIGBIT(SIGSYS))

struct sigq {
    struct sigq *next;
    struct ksiginfo si;
};

struct timespec_s { s64 tv_sec, tv_nsec; };

static struct k_sigaction actions[NSIG + 1];
static u64 shared_pending;
static struct sigq *shared_queue;
static int queued;

struct k_sigaction *sig_action(int sig) { return &actions[sig]; }

static bool valid_sig(int sig) { return sig >= 1 && sig <= NSIG; }

/* Default action "ignore": SIGCHLD, SIGURG, SIGWINCH, SIGCONT, and the stop
 * signals, since solo has nobody to continue a stopped program. */
static bool sig_default_ignored(int sig)
{
    switch (sig) {
    case SIGCHLD: case SIGURG: case SIGWINCH: case SIGCONT:
    case SIGSTOP: case SIGTSTP: case SIGTTIN: case SIGTTOU:
        return true;
    default:
        return false;
    }
}

bool sig_default_fatal(int sig) { return !sig_default_ignored(sig); }

static bool sig_ignored(int sig)
{
    u64 h = actions[sig].handler;
    if (sig == SIGKILL)
        return false;
    return h == SIG_IGN || (h == SIG_DFL && sig_default_ignored(sig));
}

_Noreturn void signal_exit(int sig)
{
    klog("solo: program killed by signal %d", sig);
    acct_process_exit((u32)sig, true);
    kernel_exit(128 + sig);
}

/* ---------------------------------------------------------------- queues */

/* Add si to a pending set.  0, or -EAGAIN for a real-time signal that cannot
 * be queued (standard signals still become pending, without their info). */
static int queue_add(u64 *pending, struct sigq **q, const struct ksiginfo *si)
{
    int sig = si->signo;
    if (sig < SIGRTMIN && (*pending & SIGBIT(sig)) != 0)
        return 0;                      /* standard signals do not queue twice */
    struct sigq *e = queued < MAX_QUEUED ? kmalloc(sizeof(*e)) : NULL;
    if (e == NULL) {
        if (sig >= SIGRTMIN && si->code != SI_USER && si->code != SI_KERNEL)
            return -EAGAIN;
        *pending |= SIGBIT(sig);
        return 0;
    }
    e->si = *si;
    e->next = NULL;
    while (*q != NULL)
        q = &(*q)->next;
    *q = e;
    queued++;
    *pending |= SIGBIT(sig);
    return 0;
}

/* Remove signal sig's oldest entry from a pending set into *si. */
static void queue_take(u64 *pending, struct sigq **q, int sig, struct ksiginfo *si)
{
    bool more = false, found = false;
    for (struct sigq **pp = q; *pp != NULL;) {
        struct sigq *e = *pp;
        if (e->si.signo != sig) {
            pp = &e->next;
            continue;
        }
        if (found) {
            more = true;
            break;
        }
        *si = e->si;
        *pp = e->next;
        kfree(e);
        queued--;
        found = true;
    }
    if (!found) {
        memset(si, 0, sizeof(*si));
        si->signo = sig;
        si->code = SI_USER;
    }
    if (!more)
        *pending &= ~SIGBIT(sig);
}

/* Drop every queued instance of sig from a pending set. */
static void queue_flush(u64 *pending, struct sigq **q, int sig)
{
    struct ksiginfo si;
    while ((*pending & SIGBIT(sig)) != 0)
        queue_take(pending, q, sig, &si);
}

static int pick(u64 set)
{
    if ((set & SYNC_SIGNALS) != 0)
        set &= SYNC_SIGNALS;
    return set == 0 ? 0 : __builtin_ctzl(set) + 1;
}

int sig_dequeue(struct thread *t, u64 allowed, struct ksiginfo *si)
{
    int sig = pick(t->sig_pending & allowed);
    if (sig != 0) {
        queue_take(&t->sig_pending, &t->sig_queue, sig, si);
        return sig;
    }
    sig = pick(shared_pending & allowed);
    if (sig != 0)
        queue_take(&shared_pending, &shared_queue, sig, si);
    return sig;
}

void signal_thread_exit(struct thread *t)
{
    while (t->sig_queue != NULL) {
        struct sigq *e = t->sig_queue;
        t->sig_queue = e->next;
        kfree(e);
        queued--;
    }
    t->sig_pending = 0;
}

/* ---------------------------------------------------------------- sending */

bool signal_interrupts(const struct thread *t)
{
    u64 pend = t->sig_pending | shared_pending;
    return (pend & ~t->sigmask) != 0 || (pend & t->sigwait_set) != 0;
}

/* Wake t if it sleeps interruptibly and sig is one it acts on or waits for. */
static bool wake_for(struct thread *t, int sig)
{
    bool wants = (t->sigmask & SIGBIT(sig)) == 0 || (t->sigwait_set & SIGBIT(sig)) != 0;
    if (!wants)
        return false;
    if (t->state == THREAD_BLOCKED && t->intr)
        thread_wake(t, -EINTR);
    sched_kick(t);                     /* SMP: running on another CPU, it takes it at once */
    return true;
}

int signal_send_thread(struct thread *t, const struct ksiginfo *si)
{
    int sig = si->signo;
    if (!t->user)
        return 0;                      /* a kernel thread (acting for the program) takes none */
    if (sig_ignored(sig) && (t->sigmask & SIGBIT(sig)) == 0 && (t->sigwait_set & SIGBIT(sig)) == 0)
        return 0;
    int r = queue_add(&t->sig_pending, &t->sig_queue, si);
    if (r == 0)
        (void)wake_for(t, sig);
    if (r == 0 && signalfd_signal_queued != NULL)
        signalfd_signal_queued();
    return r;
}

/* The thread that takes a process signal: a sigtimedwait waiter for it,
 * else the current thread unless it blocks it, else any that does not. */
static struct thread *process_target(int sig)
{
    struct thread *t;
    for (t = thread_list(); t != NULL; t = t->all_next)
        if ((t->sigwait_set & SIGBIT(sig)) != 0)
            return t;
    if (current != NULL && current->user && (current->sigmask & SIGBIT(sig)) == 0)
        return current;
    for (t = thread_list(); t != NULL; t = t->all_next)
        if ((t->sigmask & SIGBIT(sig)) == 0)
            return t;
    return NULL;
}

int signal_send_process(const struct ksiginfo *si)
{
    int sig = si->signo;
    struct thread *t = process_target(sig);
    if (sig_ignored(sig) && (t == NULL || (t->sigwait_set & SIGBIT(sig)) == 0)) {
        bool blocked = false;
        for (struct thread *b = thread_list(); b != NULL; b = b->all_next)
            blocked = blocked || (b->sigmask & SIGBIT(sig)) != 0;
        if (!blocked)
            return 0;
    }
    int r = queue_add(&shared_pending, &shared_queue, si);
    if (r == 0 && t != NULL)
        (void)wake_for(t, sig);
    if (r == 0 && signalfd_signal_queued != NULL)
        signalfd_signal_queued();
    return r;
}

/* After a send from a syscall: a signal that kills the program by default
 * does so at once (even if the chosen thread sleeps uninterruptibly), unless
 * every candidate thread blocks it. */
static void fatal_now(struct thread *t, int sig)
{
    if (actions[sig].handler != SIG_DFL && sig != SIGKILL)
        return;
    if (!sig_default_fatal(sig))
        return;
    if (t == NULL)
        t = process_target(sig);
    if (t != NULL && (sig == SIGKILL || (t->sigmask & SIGBIT(sig)) == 0) && t->sigwait_set == 0)
        signal_exit(sig);
}

static void user_info(struct ksiginfo *si, int sig, int code)
{
    memset(si, 0, sizeof(*si));
    si->signo = sig;
    si->code = code;
    si->u.kill.pid = PID_SELF;
    si->u.kill.uid = process_ruid();
}

/* Send to the process after checks shared by kill and rt_sigqueueinfo. */
static long send_to_self(const struct ksiginfo *si)
{
    if (si->signo == 0)
        return 0;
    int r = signal_send_process(si);
    if (r == 0)
        fatal_now(NULL, si->signo);
    return r;
}

static long send_to_tid(int tid, const struct ksiginfo *si)
{
    struct thread *t = thread_by_tid(tid);
    if (t == NULL)
        return -ESRCH;
    if (si->signo == 0)
        return 0;
    int r = signal_send_thread(t, si);
    if (r == 0)
        fatal_now(t, si->signo);
    return r;
}

/* kill: solo is the only process (pid 1, its own group); kill(-1) spares
 * the caller as Linux does, so it finds nobody. */
long sys_kill(int pid, int sig)
{
    struct ksiginfo si;
    if (sig < 0 || sig > NSIG)
        return -EINVAL;
    if (pid == -1 || (pid != 0 && pid != PID_SELF && pid != -PID_SELF))
        return -ESRCH;
    user_info(&si, sig, SI_USER);
    return send_to_self(&si);
}

long sys_tgkill(int tgid, int tid, int sig)
{
    struct ksiginfo si;
    if (tgid <= 0 || tid <= 0 || sig < 0 || sig > NSIG)
        return -EINVAL;
    if (tgid != PID_SELF)
        return -ESRCH;
    user_info(&si, sig, SI_TKILL);
    return send_to_tid(tid, &si);
}

long sys_tkill(int tid, int sig)
{
    struct ksiginfo si;
    if (tid <= 0 || sig < 0 || sig > NSIG)
        return -EINVAL;
    user_info(&si, sig, SI_TKILL);
    return send_to_tid(tid, &si);
}

/* The caller's siginfo for rt_sigqueueinfo; to itself any si_code goes. */
static long user_siginfo(struct ksiginfo *si, int sig, u64 uinfo)
{
    if (copy_from_user(si, (void *)uinfo, sizeof(*si)) < 0)
        return -EFAULT;
    si->signo = sig;
    return 0;
}

long sys_rt_sigqueueinfo(int pid, int sig, u64 uinfo)
{
    struct ksiginfo si;
    if (sig < 0 || sig > NSIG)
        return -EINVAL;
    long r = user_siginfo(&si, sig, uinfo);
    if (r < 0)
        return r;
    if (pid != PID_SELF)
        return -ESRCH;
    return send_to_self(&si);
}

long sys_rt_tgsigqueueinfo(int tgid, int tid, int sig, u64 uinfo)
{
    struct ksiginfo si;
    if (tgid <= 0 || tid <= 0 || sig < 0 || sig > NSIG)
        return -EINVAL;
    long r = user_siginfo(&si, sig, uinfo);
    if (r < 0)
        return r;
    if (tgid != PID_SELF)
        return -ESRCH;
    return send_to_tid(tid, &si);
}

/* ---------------------------------------------------------------- dispositions */

void signal_proc_sets(u64 *pending, u64 *ignored, u64 *caught)
{
    *pending = shared_pending;
    *ignored = 0;
    *caught = 0;
    for (int sig = 1; sig <= NSIG; sig++) {
        if (actions[sig].handler == SIG_IGN)
            *ignored |= SIGBIT(sig);
        else if (actions[sig].handler != SIG_DFL)
            *caught |= SIGBIT(sig);
    }
}

/* A signal that became ignored is discarded wherever it is pending. */
static void flush_everywhere(int sig)
{
    queue_flush(&shared_pending, &shared_queue, sig);
    for (struct thread *t = thread_list(); t != NULL; t = t->all_next)
        queue_flush(&t->sig_pending, &t->sig_queue, sig);
}

long sys_rt_sigaction(int sig, u64 act, u64 oact, size_t sigsetsize)
{
    struct k_sigaction n;
    if (sigsetsize != 8 || !valid_sig(sig))
        return -EINVAL;
    if (act != 0 && (sig == SIGKILL || sig == SIGSTOP))
        return -EINVAL;
    if (act != 0 && copy_from_user(&n, (void *)act, sizeof(n)) < 0)
        return -EFAULT;
    if (oact != 0 && copy_to_user((void *)oact, &actions[sig], sizeof(actions[sig])) < 0)
        return -EFAULT;
    if (act != 0) {
        n.mask &= ~SIG_UNBLOCKABLE;
        n.flags &= SA_KNOWN;
        actions[sig] = n;
        if (sig_ignored(sig))
            flush_everywhere(sig);
    }
    return 0;
}

long sys_rt_sigprocmask(int how, u64 set, u64 oset, size_t sigsetsize)
{
    u64 n, old = current->sigmask;
    if (sigsetsize != 8)
        return -EINVAL;
    if (set != 0) {
        if (copy_from_user(&n, (void *)set, sizeof(n)) < 0)
            return -EFAULT;
        switch (how) {
        case SIG_BLOCK: current->sigmask |= n; break;
        case SIG_UNBLOCK: current->sigmask &= ~n; break;
        case SIG_SETMASK: current->sigmask = n; break;
        default: return -EINVAL;
        }
        current->sigmask &= ~SIG_UNBLOCKABLE;
    }
    if (oset != 0 && copy_to_user((void *)oset, &old, sizeof(old)) < 0)
        return -EFAULT;
    return 0;
}

long sys_rt_sigpending(u64 set, size_t sigsetsize)
{
    u64 p = (current->sig_pending | shared_pending) & current->sigmask;
    if (sigsetsize > 8)
        return -EINVAL;
    return copy_to_user((void *)set, &p, sigsetsize);
}

/* ---------------------------------------------------------------- waiting */

void signal_mask_push(u64 mask)
{
    current->sig_saved_mask = current->sigmask;
    current->sig_restore_mask = true;
    current->sigmask = mask & ~SIG_UNBLOCKABLE;
}

void signal_mask_pop(void)
{
    if (current->sig_restore_mask) {
        current->sigmask = current->sig_saved_mask;
        current->sig_restore_mask = false;
    }
}

/* Sleep until a signal is delivered; the handler runs with the pre-call mask
 * restored by its sigreturn (sigsuspend's saved mask). */
long sys_rt_sigsuspend(u64 umask, size_t sigsetsize)
{
    u64 m;
    if (sigsetsize != 8)
        return -EINVAL;
    if (copy_from_user(&m, (void *)umask, sizeof(m)) < 0)
        return -EFAULT;
    signal_mask_push(m);
    while (waitq_wait_intr(NULL, 0) != -EINTR)
        ;
    return -EINTR;
}

long sys_pause(void)
{
    while (waitq_wait_intr(NULL, 0) != -EINTR)
        ;
    return -EINTR;
}

/* The relative timeout of rt_sigtimedwait as a now_ns deadline (0 = none);
 * *poll is set for a zero timeout. */
static long wait_deadline(u64 uts, u64 *deadline, bool *poll)
{
    struct timespec_s ts;
    *deadline = 0;
    *poll = false;
    if (uts == 0)
        return 0;
    if (copy_from_user(&ts, (void *)uts, sizeof(ts)) < 0)
        return -EFAULT;
    if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000L)
        return -EINVAL;
    if (ts.tv_sec == 0 && ts.tv_nsec == 0) {
        *poll = true;
        return 0;
    }
    u64 ns = (u64)ts.tv_sec >= (1UL << 32) ? 1UL << 62 : (u64)ts.tv_sec * 1000000000UL + (u64)ts.tv_nsec;
    *deadline = now_ns() + ns;
    return 0;
}

/* Copy a dequeued siginfo out as the full 128-byte Linux siginfo_t. */
static int put_siginfo(u64 uinfo, const struct ksiginfo *si)
{
    u8 buf[128];
    memset(buf, 0, sizeof(buf));
    memcpy(buf, si, sizeof(*si));
    return uinfo == 0 ? 0 : copy_to_user((void *)uinfo, buf, sizeof(buf));
}

long sys_rt_sigtimedwait(u64 uset, u64 uinfo, u64 uts, size_t sigsetsize)
{
    u64 set, deadline;
    bool poll;
    struct ksiginfo si;
    if (sigsetsize != 8)
        return -EINVAL;
    if (copy_from_user(&set, (void *)uset, sizeof(set)) < 0)
        return -EFAULT;
    set &= ~SIG_UNBLOCKABLE;
    long r = wait_deadline(uts, &deadline, &poll);
    if (r < 0)
        return r;
    int sig = sig_dequeue(current, set, &si);
    while (sig == 0 && !poll) {
        current->sigwait_set = set;
        r = waitq_wait_intr(NULL, deadline);
        current->sigwait_set = 0;
        sig = sig_dequeue(current, set, &si);
        if (sig != 0 || r == -EINTR || r == -ETIMEDOUT)
            break;
    }
    if (sig == 0)
        return poll || r == -ETIMEDOUT ? -EAGAIN : -EINTR;
    if (put_siginfo(uinfo, &si) < 0)
        return -EFAULT;
    return sig;
}

/* ---------------------------------------------------------------- sigaltstack */

struct k_stack {
    u64 sp;
    s32 flags;
    u32 pad;
    u64 size;
};

static bool on_altstack(const struct thread *t, u64 sp)
{
    return t->ss_size != 0 && sp > t->ss_sp && sp - t->ss_sp <= t->ss_size;
}

long sys_sigaltstack(u64 ss, u64 oss)
{
    struct thread *t = current;
    struct k_stack n, o;
    bool on = on_altstack(t, t->uframe->rsp);
    memset(&o, 0, sizeof(o));
    o.sp = t->ss_sp;
    o.size = t->ss_size;
    o.flags = on ? SS_ONSTACK : ((t->ss_flags & SS_DISABLE) != 0 || t->ss_size == 0) ? SS_DISABLE : 0;
    o.flags |= (s32)(t->ss_flags & SS_AUTODISARM);
    if (ss != 0) {
        if (copy_from_user(&n, (void *)ss, sizeof(n)) < 0)
            return -EFAULT;
        if (on)
            return -EPERM;
        u32 mode = (u32)n.flags & ~SS_AUTODISARM;
        if (mode != 0 && mode != SS_ONSTACK && mode != SS_DISABLE)
            return -EINVAL;
        if (mode == SS_DISABLE) {
            n.sp = 0;
            n.size = 0;
        } else if (n.size < MINSIGSTKSZ) {
            return -ENOMEM;
        }
        t->ss_sp = n.sp;
        t->ss_size = n.size;
        t->ss_flags = (int)(mode == SS_DISABLE ? SS_DISABLE : 0) | (int)((u32)n.flags & SS_AUTODISARM);
    }
    if (oss != 0 && copy_to_user((void *)oss, &o, sizeof(o)) < 0)
        return -EFAULT;
    return 0;
}
