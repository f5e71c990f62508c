/*
 * sched.c - threads, the run queue, wait queues and timed sleeps.
 *
 * Kernel code runs with interrupts off; it is never preempted, it only gives
 * up the CPU by blocking (waitq_wait) or when an interrupt that arrived in
 * user mode finds the time slice used up.  Each thread has its own kernel
 * stack; switch_context moves between them.  When nothing is runnable the
 * CPU's idle thread halts until the next interrupt.  One LAPIC one-shot timer
 * serves both the earliest sleeper's deadline and the 10 ms time slice.
 * User FPU/SSE/AVX state is saved with XSAVE when a thread is switched out.
 * Kernel timers (struct ktimer, sorted by deadline) share the same one-shot
 * timer; their callbacks run with interrupts off and never block.
 *
 * SMP: every CPU has its own current thread, idle thread, time slice and
 * LAPIC timer (struct cpu); the run queue, sleepers and kernel timers are
 * shared and guarded by the big kernel lock (smp.c), which a CPU holds from
 * kernel entry to the return to user mode, across switch_context, and drops
 * only in its idle halt.  Each CPU arms its timer for the earliest global
 * deadline, so whichever CPU takes the interrupt expires it.  A thread made
 * runnable wakes an idle CPU with an IPI.
 *
 * Affinity: each thread has a CPU mask (sched_set_affinity); a CPU takes the
 * first runnable thread of the shared queue whose mask has it (with one CPU
 * every mask has it, so the head is taken at once).  Waking a thread kicks an
 * idle CPU of its mask, or a busy one so that its time slice gets armed.
 *
 * Per-thread x86 state switched here besides the FPU: the user segment
 * selectors (DS/ES/FS/GS, saved from the registers; FS/GS get their base
 * from the MSRs when null, from the LDT descriptor otherwise) and the I/O
 * permission bitmap in the TSS (ioperm/iopl), loaded only when the set the
 * CPU holds differs from the thread's, so threads that never called ioperm
 * cost one compare.
 *
 * Kernel threads (thread_create_kernel; the poll worker, fs/pollwork.c) run
 * a kernel function on their own stack with no user context; they are
 * scheduled like program threads but are not in all_threads, so the
 * program, its CPU time and /proc never see them.
 *
 * Event counts (enum sched_count) are kept per thread and per CPU here:
 * switch-outs and migrations in switch_to, page faults by the trap handler;
 * perf_event_open reads them.
 */
#include "thread.h"
#include "signal.h"
#include "../x86_64/cpu.h"

#define KSTACK_SIZE (32 * 1024)
#define SLICE_NS 10000000UL

void switch_context(u64 *prev_ksp, u64 next_ksp);
void thread_first_run(void);

static struct thread *runq_head, *runq_tail;
static struct thread *sleepers;        /* sorted by deadline */
static struct ktimer *ktimers;         /* sorted by deadline */
static struct thread *all_threads;
static struct thread *zombies;
#define idle_thread (this_cpu()->idle)
#define need_resched (this_cpu()->need_resched)
#define slice_end (this_cpu()->slice_end)
static int next_tid = 1;
static int live_threads;
static u64 dead_cpu_ns;                /* CPU time of threads that have exited */
static u64 dead_sys_ns;                /* the system part of it */
static u64 dead_counts[SC_NCOUNTS];    /* event counts of threads that have exited */
static u64 cpu_counts[MAX_CPUS][SC_NCOUNTS];   /* per CPU, every thread (idle too) */
static bool sched_ready;

void waitq_init(struct waitq *q) { q->head = q->tail = NULL; }

static void runq_push(struct thread *t)
{
    t->run_next = NULL;
    if (runq_tail != NULL)
        runq_tail->run_next = t;
    else
        runq_head = t;
    runq_tail = t;
}

/* Take the first queued thread allowed on this CPU, or NULL. */
static struct thread *runq_pop(void)
{
    u64 bit = 1UL << smp_cpu_id();
    struct thread *prev = NULL, *t = runq_head;
    while (t != NULL && (t->cpu_mask & bit) == 0) {
        prev = t;
        t = t->run_next;
    }
    if (t == NULL)
        return NULL;
    if (prev != NULL)
        prev->run_next = t->run_next;
    else
        runq_head = t->run_next;
    if (runq_tail == t)
        runq_tail = prev;
    t->run_next = NULL;
    return t;
}

/* Is a queued thread allowed on this CPU? */
static bool runq_has_work(void)
{
    u64 bit = 1UL << smp_cpu_id();
    for (struct thread *t = runq_head; t != NULL; t = t->run_next)
        if ((t->cpu_mask & bit) != 0)
            return true;
    return false;
}

static void timer_insert(struct thread *t)
{
    struct thread **pp = &sleepers;
    while (*pp != NULL && (*pp)->deadline <= t->deadline)
        pp = &(*pp)->timer_next;
    t->timer_next = *pp;
    *pp = t;
}

static void timer_remove(struct thread *t)
{
    for (struct thread **pp = &sleepers; *pp != NULL; pp = &(*pp)->timer_next) {
        if (*pp == t) {
            *pp = t->timer_next;
            t->timer_next = NULL;
            return;
        }
    }
}

void waitq_remove(struct thread *t)
{
    struct waitq *q = t->waiting_on;
    struct thread *prev = NULL;
    if (q == NULL)
        return;
    for (struct thread *c = q->head; c != NULL; prev = c, c = c->wait_next) {
        if (c != t)
            continue;
        if (prev != NULL)
            prev->wait_next = c->wait_next;
        else
            q->head = c->wait_next;
        if (q->tail == c)
            q->tail = prev;
        break;
    }
    t->wait_next = NULL;
    t->waiting_on = NULL;
}

static void timer_arm(void);

void sched_make_runnable(struct thread *t)
{
    if (t->state == THREAD_RUNNABLE || t->state == THREAD_RUNNING || t->state == THREAD_DEAD)
        return;
    t->state = THREAD_RUNNABLE;
    runq_push(t);
    if (cpu_online_count() > 1) {
        smp_kick_mask(t->cpu_mask);
        if (sched_ready && current != idle_thread)
            timer_arm();
    }
}

void sched_kick(struct thread *t)
{
    if (t->state == THREAD_RUNNING && t->cpu != smp_cpu_id())
        smp_kick_cpu(t->cpu);
}

/* Wake t from whatever it sleeps on with the given result. */
void thread_wake(struct thread *t, int result)
{
    waitq_remove(t);
    if (t->deadline != 0) {
        timer_remove(t);
        t->deadline = 0;
    }
    t->wake_result = result;
    sched_make_runnable(t);
}

void waitq_requeue(struct thread *t, struct waitq *to)
{
    waitq_remove(t);
    t->waiting_on = to;
    t->wait_next = NULL;
    if (to->tail != NULL)
        to->tail->wait_next = t;
    else
        to->head = t;
    to->tail = t;
}

int waitq_wake(struct waitq *q, int n)
{
    int woken = 0;
    while (woken < n && q->head != NULL) {
        thread_wake(q->head, 0);
        woken++;
    }
    return woken;
}

/* Program the one-shot timer for the earliest deadline or slice end. */
static void timer_arm(void)
{
    u64 next = 0, now = now_ns();
    if (sleepers != NULL)
        next = sleepers->deadline;
    if (ktimers != NULL && (next == 0 || ktimers->deadline < next))
        next = ktimers->deadline;
    if (runq_head != NULL && current != idle_thread && (next == 0 || slice_end < next))
        next = slice_end;
    if (next == 0) {
        apic_oneshot_ns(0);
        return;
    }
    apic_oneshot_ns(next > now + 1000 ? next - now : 1000);
}

void ktimer_cancel(struct ktimer *kt)
{
    if (!kt->armed)
        return;
    for (struct ktimer **pp = &ktimers; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == kt) {
            *pp = kt->next;
            break;
        }
    }
    kt->next = NULL;
    kt->armed = false;
}

/* Arm kt for deadline (0 is taken as "now"): its callback runs once then. */
void ktimer_arm(struct ktimer *kt, u64 deadline)
{
    struct ktimer **pp = &ktimers;
    ktimer_cancel(kt);
    kt->deadline = deadline != 0 ? deadline : 1;
    while (*pp != NULL && (*pp)->deadline <= kt->deadline)
        pp = &(*pp)->next;
    kt->next = *pp;
    *pp = kt;
    kt->armed = true;
    if (sched_ready)
        timer_arm();
}

static void timers_expire(void)
{
    u64 now = now_ns();
    while (sleepers != NULL && sleepers->deadline <= now)
        thread_wake(sleepers, -ETIMEDOUT);
    while (ktimers != NULL && ktimers->deadline <= now) {
        struct ktimer *kt = ktimers;
        ktimers = kt->next;
        kt->next = NULL;
        kt->armed = false;
        kt->fn(kt->arg);
    }
}

static void timer_irq(void)
{
    timers_expire();
    if (runq_head != NULL && now_ns() >= slice_end)
        need_resched = true;
    timer_arm();
}

static void reap_zombies(void)
{
    struct thread **pp = &zombies;
    while (*pp != NULL) {
        struct thread *z = *pp;
        if (z == current) {
            pp = &z->all_next;
            continue;
        }
        *pp = z->all_next;
        kfree(z->io_bitmap);
        kfree(z->kstack_base);
        kfree(z->xsave_alloc);
        kfree(z);
    }
}

/* Charge prev for its time on the CPU (and the system part of it, when it
 * leaves inside a syscall) and start next's clocks.  run_start is 0 while a
 * thread is off the CPU, so a runnable thread waiting in the queue is not
 * charged for the wait. */
static void account(struct thread *prev, struct thread *next)
{
    u64 now = now_ns();
    if (prev != idle_thread && prev->run_start != 0 && now > prev->run_start) {
        prev->cpu_ns += now - prev->run_start;
        if (prev->in_sys && now > prev->sys_start)
            prev->sys_ns += now - prev->sys_start;
    }
    prev->run_start = 0;
    next->run_start = now;
    if (next->in_sys)
        next->sys_start = now;
}

u64 sched_thread_cpu_ns(const struct thread *t)
{
    u64 ns = t->cpu_ns, now = now_ns();
    if (t->run_start != 0 && now > t->run_start)
        ns += now - t->run_start;
    return ns;
}

u64 sched_thread_sys_ns(const struct thread *t)
{
    u64 ns = t->sys_ns, now = now_ns();
    if (t->run_start != 0 && t->in_sys && now > t->sys_start)
        ns += now - t->sys_start;
    return ns;
}

u64 sched_process_cpu_ns(void)
{
    u64 ns = dead_cpu_ns;
    for (struct thread *t = all_threads; t != NULL; t = t->all_next)
        ns += sched_thread_cpu_ns(t);
    return ns;
}

u64 sched_process_sys_ns(void)
{
    u64 ns = dead_sys_ns;
    for (struct thread *t = all_threads; t != NULL; t = t->all_next)
        ns += sched_thread_sys_ns(t);
    return ns;
}

void sched_syscall_enter(void)
{
    struct thread *t = current;
    t->in_sys = true;
    t->sys_start = now_ns();
}

void sched_syscall_exit(void)
{
    struct thread *t = current;
    u64 now = now_ns();
    if (now > t->sys_start)
        t->sys_ns += now - t->sys_start;
    t->in_sys = false;
}

/* Count prev's switch-out and next's migration (per thread and per CPU). */
static void count_switch(struct thread *prev, struct thread *next, int cpu)
{
    if (prev != idle_thread) {
        prev->counts[SC_SWITCHES]++;
        if (prev->state == THREAD_RUNNABLE)
            prev->counts[SC_INVOLUNTARY]++;
    }
    cpu_counts[cpu][SC_SWITCHES]++;
    if (next != idle_thread && next->cpu >= 0 && next->cpu != cpu) {
        next->counts[SC_MIGRATIONS]++;
        cpu_counts[cpu][SC_MIGRATIONS]++;
    }
}

u64 sched_thread_count(const struct thread *t, int which) { return t->counts[which]; }

u64 sched_process_count(int which)
{
    u64 n = dead_counts[which];
    for (struct thread *t = all_threads; t != NULL; t = t->all_next)
        n += t->counts[which];
    return n;
}

u64 sched_cpu_count(int cpu, int which)
{
    return cpu >= 0 && cpu < MAX_CPUS ? cpu_counts[cpu][which] : 0;
}

void sched_note_fault(u64 error_code)
{
    int which = (error_code & 4) != 0 ? SC_FAULTS_USER : SC_FAULTS_KERNEL;   /* PF_USER */
    struct thread *t = current;
    if (t != NULL && t != idle_thread)
        t->counts[which]++;
    cpu_counts[smp_cpu_id()][which]++;
}

static void seg_save(struct thread *t)
{
    t->sel_ds = SEG_READ(ds);
    t->sel_es = SEG_READ(es);
    t->sel_fs = SEG_READ(fs);
    t->sel_gs = SEG_READ(gs);
}

/* Load t's selectors and FS/GS bases; a selector whose LDT entry went away
 * meanwhile becomes 0, as Linux does. */
static void seg_restore(const struct thread *t)
{
    u16 fs = seg_usable(t->sel_fs), gs = seg_usable(t->sel_gs);
    if (SEG_READ(ds) != t->sel_ds)
        SEG_LOAD(ds, seg_usable(t->sel_ds));
    if (SEG_READ(es) != t->sel_es)
        SEG_LOAD(es, seg_usable(t->sel_es));
    if ((fs & ~3) != 0) {
        SEG_LOAD(fs, fs);
    } else {
        if (SEG_READ(fs) != fs)
            SEG_LOAD(fs, fs);
        wrmsr(MSR_FS_BASE, t->fs_base);
    }
    if ((gs & ~3) != 0) {
        seg_load_user_gs(gs);
    } else {
        if (SEG_READ(gs) != gs)
            seg_load_user_gs(gs);
        wrmsr(MSR_KERNEL_GS_BASE, t->gs_base);
    }
}

static void io_restore(const struct thread *t)
{
    if (t->io_seq != this_cpu()->io_seq)
        cpu_io_load(t->io_seq, t->io_bitmap, t->io_bytes);
}

void sched_io_update(void)
{
    io_restore(current);
}

static void switch_to(struct thread *prev, struct thread *next)
{
    account(prev, next);
    count_switch(prev, next, smp_cpu_id());
    if (prev->user && prev->state != THREAD_DEAD) {
        xsave_state(prev->xsave);
        prev->fpu_valid = true;
        seg_save(prev);
    }
    this_cpu()->cur = next;
    next->state = THREAD_RUNNING;
    next->cpu = smp_cpu_id();
    if (next->user) {
        cpu_set_kstack(next->kstack_top);
        seg_restore(next);
        io_restore(next);
        if (next->fpu_valid)
            xrstor_state(next->xsave);
        slice_end = now_ns() + SLICE_NS;
    }
    need_resched = false;
    timer_arm();
    switch_context(&prev->ksp, next->ksp);
}

void schedule(void)
{
    struct thread *prev = current, *next;
    if (prev->state == THREAD_RUNNING && prev != idle_thread) {
        prev->state = THREAD_RUNNABLE;
        runq_push(prev);
        if ((prev->cpu_mask & (1UL << smp_cpu_id())) == 0)
            smp_kick_mask(prev->cpu_mask);     /* it must move: wake a CPU it may use */
    }
    next = runq_pop();
    if (next == NULL)
        next = idle_thread;
    if (next == prev) {
        prev->state = THREAD_RUNNING;
        slice_end = now_ns() + SLICE_NS;
        need_resched = false;
        timer_arm();
        return;
    }
    switch_to(prev, next);
}

u64 sched_affinity(const struct thread *t)
{
    int n = cpu_online_count();
    return t->cpu_mask & (n >= 64 ? ~0UL : (1UL << n) - 1);
}

void sched_set_affinity(struct thread *t, u64 mask)
{
    t->cpu_mask = mask;
    if (t->state == THREAD_RUNNABLE) {
        smp_kick_mask(mask);
    } else if (t->state == THREAD_RUNNING && (mask & (1UL << t->cpu)) == 0) {
        if (t == current)
            schedule();                /* returns on a CPU of the mask */
        else
            sched_kick(t);             /* its CPU switches in sched_resched_ipi */
    }
}

void sched_resched_ipi(void)
{
    struct thread *t = current;
    if (!sched_ready || t == idle_thread)
        return;                        /* the idle loop looks at the queue itself */
    if ((t->cpu_mask & (1UL << smp_cpu_id())) == 0)
        need_resched = true;           /* moved off this CPU by sched_setaffinity */
    else
        timer_arm();                   /* a thread allowed here may wait: end the slice in time */
}

void sched_preempt_check(void)
{
    if (need_resched && sched_ready)
        schedule();
}

int waitq_wait(struct waitq *q, u64 deadline)
{
    struct thread *t = current;
    t->state = THREAD_BLOCKED;
    t->wake_result = 0;
    t->waiting_on = q;
    t->wait_next = NULL;
    if (q != NULL) {
        if (q->tail != NULL)
            q->tail->wait_next = t;
        else
            q->head = t;
        q->tail = t;
    }
    t->deadline = deadline;
    if (deadline != 0) {
        if (deadline <= now_ns()) {    /* already expired: do not sleep at all */
            waitq_remove(t);
            t->deadline = 0;
            t->state = THREAD_RUNNING;
            return -ETIMEDOUT;
        }
        timer_insert(t);
    }
    schedule();
    return t->wake_result;
}

int waitq_wait_intr(struct waitq *q, u64 deadline)
{
    struct thread *t = current;
    if (signal_interrupts(t))
        return -EINTR;
    t->intr = true;
    int r = waitq_wait(q, deadline);
    t->intr = false;
    return r;
}

static void idle_loop(void)
{
    for (;;) {
        reap_zombies();
        timers_expire();
        if (runq_has_work()) {
            schedule();
            continue;
        }
        timer_arm();
        smp_idle_halt();
    }
}

/* A new user thread's first run: it returns to user mode through its frame. */
void sched_first_run_hook(void)
{
    reap_zombies();
    if (current->uframe != NULL)
        signal_return_to_user(current->uframe, -1);
}

/* Allocate a thread with a kernel stack; the caller sets up what it runs. */
static struct thread *thread_alloc(bool user)
{
    struct thread *t = kzalloc(sizeof(*t));
    if (t == NULL)
        return NULL;
    t->kstack_base = kmalloc(KSTACK_SIZE);
    if (user)
        t->xsave_alloc = kzalloc(xsave_size() + 64);
    if (t->kstack_base == NULL || (user && t->xsave_alloc == NULL)) {
        kfree(t->kstack_base);
        kfree(t->xsave_alloc);
        kfree(t);
        return NULL;
    }
    t->kstack_top = ((u64)t->kstack_base + KSTACK_SIZE) & ~15UL;
    t->xsave = user ? (void *)ALIGN_UP((u64)t->xsave_alloc, 64) : NULL;
    t->user = user;
    t->state = THREAD_BLOCKED;
    return t;
}

/* Push the switch_context frame so the first switch "returns" to rip. */
static void thread_prime(struct thread *t, u64 stack_top, void (*rip)(void))
{
    u64 *sp = (u64 *)stack_top;
    *--sp = (u64)rip;
    for (int i = 0; i < 6; i++)
        *--sp = 0;
    t->ksp = (u64)sp;
}

void sched_init(void)
{
    idle_thread = thread_alloc(false);
    kassert(idle_thread != NULL);
    idle_thread->tid = 0;
    thread_prime(idle_thread, idle_thread->kstack_top, idle_loop);
    irq_register(VEC_TIMER, timer_irq);
    sched_ready = true;
}

/* An AP, holding the BKL: make an idle thread for this CPU and run it. */
_Noreturn void sched_start_cpu(void)
{
    struct thread *idle = thread_alloc(false);
    u64 boot_ksp;
    kassert(idle != NULL);
    idle->tid = 0;
    idle->state = THREAD_RUNNING;
    idle->cpu = smp_cpu_id();
    thread_prime(idle, idle->kstack_top, idle_loop);
    idle_thread = idle;
    this_cpu()->cur = idle;
    switch_context(&boot_ksp, idle->ksp);
    panic("AP boot stack resumed");
}

/* Create the program's main thread (tid 1) and make it current. */
struct thread *thread_create_main(void)
{
    struct thread *t = thread_alloc(true);
    kassert(t != NULL);
    t->tid = next_tid++;
    t->state = THREAD_RUNNING;
    t->cpu_mask = ~0UL;
    t->all_next = all_threads;
    all_threads = t;
    live_threads++;
    this_cpu()->cur = t;
    t->cpu = smp_cpu_id();
    t->run_start = now_ns();
    cpu_set_kstack(t->kstack_top);
    slice_end = now_ns() + SLICE_NS;
    return t;
}

/* clone copies the I/O permission (ioperm bitmap and iopl level). */
static int io_inherit(struct thread *t, const struct thread *parent)
{
    if (parent->io_bitmap != NULL) {
        t->io_bitmap = kmalloc(IO_BITMAP_BYTES);
        if (t->io_bitmap == NULL)
            return -ENOMEM;
        memcpy(t->io_bitmap, parent->io_bitmap, IO_BITMAP_BYTES);
    }
    t->io_bytes = parent->io_bytes;
    t->io_bitmap_seq = parent->io_bitmap_seq;   /* same contents: same name */
    t->iopl = parent->iopl;
    t->io_seq = parent->io_seq;
    return 0;
}

struct thread *thread_create_user(const struct frame *regs, u64 fs_base)
{
    reap_zombies();
    struct thread *t = thread_alloc(true);
    if (t == NULL)
        return NULL;
    if (io_inherit(t, current) != 0) {
        kfree(t->kstack_base);
        kfree(t->xsave_alloc);
        kfree(t);
        return NULL;
    }
    struct frame *f = (struct frame *)(t->kstack_top - sizeof(struct frame));
    *f = *regs;
    t->uframe = f;
    thread_prime(t, (u64)f, thread_first_run);
    t->tid = next_tid++;
    t->fs_base = fs_base;
    t->gs_base = current->gs_base;
    t->sel_ds = SEG_READ(ds);          /* clone keeps the selectors (and LDT bases) */
    t->sel_es = SEG_READ(es);
    t->sel_gs = SEG_READ(gs);
    t->sel_fs = fs_base == current->fs_base ? SEG_READ(fs) : 0;   /* a new TLS: null FS */
    t->sigmask = current->sigmask;
    seccomp_thread_inherit(t, current);
    t->cpu_mask = current->cpu_mask;   /* clone keeps the affinity */
    t->cpu = -1;
    xsave_state(t->xsave);             /* the child starts with the parent's FPU state */
    t->fpu_valid = true;
    t->all_next = all_threads;
    all_threads = t;
    live_threads++;
    return t;
}

/* A kernel thread's first run (switch_context "returns" here). */
static void kthread_entry(void)
{
    current->kfn(current->karg);
    panic("kernel thread returned");
}

struct thread *thread_create_kernel(void (*fn)(void *), void *arg)
{
    struct thread *t = thread_alloc(false);
    if (t == NULL)
        return NULL;
    t->kfn = fn;
    t->karg = arg;
    t->tid = 1;                        /* acts for the program: the main thread's id */
    t->sigmask = ~0UL;
    t->cpu_mask = ~0UL;
    t->cpu = -1;
    thread_prime(t, t->kstack_top, kthread_entry);
    sched_make_runnable(t);
    return t;
}

_Noreturn void thread_exit_current(void)
{
    struct thread *t = current;
    for (struct thread **pp = &all_threads; *pp != NULL; pp = &(*pp)->all_next) {
        if (*pp == t) {
            *pp = t->all_next;
            break;
        }
    }
    live_threads--;
    perf_thread_exit(t);
    for (int i = 0; i < SC_NCOUNTS; i++)
        dead_counts[i] += t->counts[i];
    dead_cpu_ns += sched_thread_cpu_ns(t);
    dead_sys_ns += sched_thread_sys_ns(t);
    t->state = THREAD_DEAD;
    t->all_next = zombies;
    zombies = t;
    schedule();
    panic("dead thread %d scheduled", t->tid);
}

int thread_count_live(void) { return live_threads; }

struct thread *thread_list(void) { return all_threads; }

struct thread *thread_by_tid(int tid)
{
    for (struct thread *t = all_threads; t != NULL; t = t->all_next)
        if (t->tid == tid)
            return t;
    return NULL;
}

void kernel_sleep_until(u64 deadline_ns)
{
    if (!sched_ready || current == NULL) {
        while (now_ns() < deadline_ns) {
            apic_oneshot_ns(deadline_ns - now_ns());
            __asm__ volatile("sti; hlt; cli" ::: "memory");
        }
        return;
    }
    while (now_ns() < deadline_ns)
        (void)waitq_wait(NULL, deadline_ns);
}
