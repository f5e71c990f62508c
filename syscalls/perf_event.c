/*
 * perf_event.c - perf_event_open for the software events, counted exactly
 * from what the scheduler and the fault path keep (runtime/sched/sched.c):
 * task-clock and cpu-clock (ns of CPU time: sched_thread_cpu_ns), context
 * switches, CPU migrations, page faults (all minor: solo has no swap, and a
 * file page read from the disk image is not told apart), alignment and
 * emulation faults (none on x86-64), the dummy, bpf-output and
 * cgroup-switches events (no BPF and one cgroup: they stay 0, as on Linux
 * then).  Hardware, cache, raw, tracepoint and breakpoint events find no PMU:
 * ENOENT, as Linux on a machine without one.
 *
 * Counting model: an event never hooks the hot paths.  It keeps `count`, the
 * total up to its last fold, and `base`, the source value (a monotonic
 * counter of its target) at that fold; while active, its value is count +
 * (source now - base).  Enabling, disabling, resetting and reading fold.
 * Times (TOTAL_TIME_ENABLED/RUNNING) follow the same scheme with the
 * target's CPU time (a task's event only runs while the task runs, as
 * Linux's task context time) or the wall clock for a CPU-wide event.  A
 * sibling runs only while its group leader is enabled.  A thread that exits
 * freezes its per-thread events (perf_thread_exit).
 *
 * Exclusion follows Linux's software PMU: the clocks ignore exclude_user and
 * exclude_kernel; context switches and migrations happen in the kernel
 * (exclude_kernel counts none); page faults count by the mode they came from.
 * Invariants: leader == self for a group leader; a leader's siblings are on
 * its sibs list in creation order; thr == NULL once the target exited.
 */
#include "syscalls.h"
#include "misc.h"
#include "fs/vfs_impl.h"
#include "runtime/x86_64/cpu.h"

#define PERF_TYPE_SOFTWARE 1
#define SW_CPU_CLOCK 0
#define SW_TASK_CLOCK 1
#define SW_PAGE_FAULTS 2
#define SW_CONTEXT_SWITCHES 3
#define SW_CPU_MIGRATIONS 4
#define SW_PAGE_FAULTS_MIN 5
#define SW_PAGE_FAULTS_MAJ 6
#define SW_MAX 12                      /* ALIGNMENT, EMULATION, DUMMY, BPF_OUTPUT, CGROUP_SWITCHES: 0 */

#define FMT_TIME_ENABLED 1
#define FMT_TIME_RUNNING 2
#define FMT_ID 4
#define FMT_GROUP 8
#define FMT_LOST 16
#define FMT_ALL 31

#define FLAG_FD_NO_GROUP 1
#define FLAG_FD_OUTPUT 2
#define FLAG_PID_CGROUP 4
#define FLAG_FD_CLOEXEC 8

/* attr.flags bits */
#define A_DISABLED (1UL << 0)
#define A_INHERIT (1UL << 1)
#define A_PINNED (1UL << 2)
#define A_EXCLUSIVE (1UL << 3)
#define A_EXCLUDE_USER (1UL << 4)
#define A_EXCLUDE_KERNEL (1UL << 5)
#define A_FREQ (1UL << 10)
#define A_NAMESPACES (1UL << 28)
#define A_INHERIT_THREAD (1UL << 35)
#define A_REMOVE_ON_EXEC (1UL << 36)
#define A_SIGTRAP (1UL << 37)
#define A_RESERVED_1 (~0UL << 38)

#define SAMPLE_WEIGHT (1UL << 14)
#define SAMPLE_WEIGHT_STRUCT (1UL << 24)
#define SAMPLE_MAX (1UL << 25)
#define MAX_SAMPLE_RATE 100000         /* kernel.perf_event_max_sample_rate's default */

#define ATTR_SIZE_VER0 64
#define CAP_SYS_ADMIN 21
#define CAP_PERFMON 38

#define IOC_ENABLE 0x2400
#define IOC_DISABLE 0x2401
#define IOC_REFRESH 0x2402
#define IOC_RESET 0x2403
#define IOC_PERIOD 0x40082404
#define IOC_SET_OUTPUT 0x2405
#define IOC_SET_FILTER 0x40082406
#define IOC_ID 0x80082407
#define IOC_SET_BPF 0x40042408
#define IOC_PAUSE_OUTPUT 0x40042409
#define IOC_QUERY_BPF 0xc008240a
#define IOC_MODIFY_ATTRIBUTES 0x4008240b
#define IOC_FLAG_GROUP 1

/* struct perf_event_attr up to PERF_ATTR_SIZE_VER8 (136 bytes). */
struct kattr {
    u32 type, size;
    u64 config;
    u64 sample_period;                 /* or sample_freq with A_FREQ */
    u64 sample_type, read_format, flags;
    u32 wakeup_events, bp_type;
    u64 config1, config2, branch_sample_type, sample_regs_user;
    u32 sample_stack_user;
    s32 clockid;
    u64 sample_regs_intr;
    u32 aux_watermark;
    u16 sample_max_stack, reserved_2;
    u32 aux_sample_size, aux_action;   /* aux_action: 3 flag bits, then reserved */
    u64 sig_data, config3;
};

struct pevent {
    u32 type;
    u64 config, read_format, id;
    bool enabled, inherit, excl_user, excl_kernel, pinned;
    struct thread *thr;                /* target thread; NULL: CPU-wide, or it exited */
    bool per_thread;                   /* targets a thread (else the CPU `cpu`) */
    int cpu;                           /* -1: any */
    u64 count, base;                   /* total up to the last fold; source then */
    u64 t_enabled, t_running, t_base;  /* times up to the last fold; clock then */
    struct pevent *leader;             /* itself for a leader */
    struct pevent *sibs, *sib_next;    /* a leader's siblings, in creation order */
    struct pevent *all_next;           /* every open event */
};

static struct vnode perf_vnode = { .name = "anon_inode:[perf_event]", .nops = &anon_inode_nops };
static const struct file_ops perf_fops;
static struct pevent *all_events;
static u64 next_id = 1;

static bool perfmon_capable(void)
{
    return (cap_effective_set() & ((1UL << CAP_PERFMON) | (1UL << CAP_SYS_ADMIN))) != 0;
}

/* The event's counter source now: a monotonic value of its target. */
static u64 ev_source(const struct pevent *e)
{
    bool clock = e->config == SW_CPU_CLOCK || e->config == SW_TASK_CLOCK;
    if (e->per_thread && e->thr == NULL && !e->inherit)
        return e->base;                /* the thread exited: frozen */
    if (!e->per_thread && clock)
        return now_ns();
    if (clock)
        return e->inherit ? sched_process_cpu_ns() : sched_thread_cpu_ns(e->thr);
    int a = -1, b = -1;                /* which sched counts make it up */
    switch (e->config) {
    case SW_CONTEXT_SWITCHES:
        a = e->excl_kernel ? -1 : SC_SWITCHES;
        break;
    case SW_CPU_MIGRATIONS:
        a = e->excl_kernel ? -1 : SC_MIGRATIONS;
        break;
    case SW_PAGE_FAULTS:
    case SW_PAGE_FAULTS_MIN:
        a = e->excl_user ? -1 : SC_FAULTS_USER;
        b = e->excl_kernel ? -1 : SC_FAULTS_KERNEL;
        break;
    default:                           /* major faults and the events that never occur */
        break;
    }
    u64 v = 0;
    for (int i = 0; i < 2; i++) {
        int w = i == 0 ? a : b;
        if (w < 0)
            continue;
        if (!e->per_thread)
            v += sched_cpu_count(e->cpu, w);
        else
            v += e->inherit ? sched_process_count(w) : sched_thread_count(e->thr, w);
    }
    return v;
}

/* The clock its times advance with: the target's CPU time, or the wall clock. */
static u64 ev_clock(const struct pevent *e)
{
    if (!e->per_thread)
        return now_ns();
    if (e->inherit)
        return sched_process_cpu_ns();
    return e->thr != NULL ? sched_thread_cpu_ns(e->thr) : e->t_base;
}

static bool ev_active(const struct pevent *e) { return e->enabled && e->leader->enabled; }

/* Bring count and times up to now. */
static void ev_fold(struct pevent *e)
{
    if (e->enabled) {
        u64 c = ev_clock(e);
        e->t_enabled += c - e->t_base;
        if (ev_active(e))
            e->t_running += c - e->t_base;
    }
    if (ev_active(e))
        e->count += ev_source(e) - e->base;
}

static void ev_rebase(struct pevent *e)
{
    e->base = ev_source(e);
    e->t_base = ev_clock(e);
}

/* Apply op (IOC_ENABLE, IOC_DISABLE or IOC_RESET) to e, or to its whole
 * group; every member is folded before and rebased after, since a leader's
 * state decides whether its siblings run. */
static void ev_apply(struct pevent *e, unsigned op, bool group)
{
    struct pevent *l = e->leader;
    ev_fold(l);
    for (struct pevent *s = l->sibs; s != NULL; s = s->sib_next)
        ev_fold(s);
    for (struct pevent *m = l; m != NULL; m = m == l ? l->sibs : m->sib_next) {
        if (!group && m != e)
            continue;
        if (op == IOC_RESET)
            m->count = 0;
        else
            m->enabled = op == IOC_ENABLE;
    }
    ev_rebase(l);
    for (struct pevent *s = l->sibs; s != NULL; s = s->sib_next)
        ev_rebase(s);
}

static u64 ev_value(struct pevent *e)
{
    ev_fold(e);
    ev_rebase(e);
    return e->count;
}

void perf_thread_exit(struct thread *t)
{
    for (struct pevent *e = all_events; e != NULL; e = e->all_next) {
        if (e->thr != t)
            continue;
        if (!e->inherit)
            ev_value(e);               /* fold what it counted up to now */
        e->thr = NULL;
    }
}

/* ---------------------------------------------------------------- the fd */

static size_t read_size(const struct pevent *e)
{
    u64 f = e->read_format;
    size_t per = 8 + ((f & FMT_ID) ? 8 : 0) + ((f & FMT_LOST) ? 8 : 0);
    size_t n = 1;
    if ((f & FMT_GROUP) == 0)
        return per + ((f & FMT_TIME_ENABLED) ? 8 : 0) + ((f & FMT_TIME_RUNNING) ? 8 : 0);
    for (const struct pevent *s = e->leader->sibs; s != NULL; s = s->sib_next)
        n++;
    return 8 + ((f & FMT_TIME_ENABLED) ? 8 : 0) + ((f & FMT_TIME_RUNNING) ? 8 : 0) + n * per;
}

/* Append one member's value [id] [lost]. */
static size_t put_member(u64 *out, struct pevent *m, u64 f)
{
    size_t k = 0;
    out[k++] = ev_value(m);
    if (f & FMT_ID)
        out[k++] = m->id;
    if (f & FMT_LOST)
        out[k++] = 0;                  /* counting events lose nothing */
    return k;
}

/* The read_format layout: { value [enabled] [running] [id] [lost] } or, with
 * PERF_FORMAT_GROUP, { nr [enabled] [running] { value [id] [lost] } * nr }
 * for the group of e's leader (leader first).  ENOSPC when n is too small. */
static long perf_read(struct file *f, void *buf, size_t n, u64 off)
{
    struct pevent *e = f->priv, *l = e->leader;
    u64 fmt = e->read_format, *out = buf;
    size_t need = read_size(e), k = 0;
    (void)off;
    if (n < need)
        return -ENOSPC;
    if ((fmt & FMT_GROUP) == 0) {
        u64 v = ev_value(e);
        out[k++] = v;
        if (fmt & FMT_TIME_ENABLED)
            out[k++] = e->t_enabled;
        if (fmt & FMT_TIME_RUNNING)
            out[k++] = e->t_running;
        if (fmt & FMT_ID)
            out[k++] = e->id;
        if (fmt & FMT_LOST)
            out[k++] = 0;
        return (long)need;
    }
    out[k++] = need / 8;               /* placeholder for nr, fixed below */
    ev_value(l);
    if (fmt & FMT_TIME_ENABLED)
        out[k++] = l->t_enabled;
    if (fmt & FMT_TIME_RUNNING)
        out[k++] = l->t_running;
    u64 nr = 0;
    for (struct pevent *m = l; m != NULL; m = m == l ? l->sibs : m->sib_next, nr++)
        k += put_member(out + k, m, fmt);
    out[0] = nr;
    return (long)need;
}

/* Counting events have no ring buffer to wait on: Linux reports POLLHUP. */
static int perf_poll(struct file *f)
{
    (void)f;
    return POLLHUP;
}

static void perf_release(struct file *f)
{
    struct pevent *e = f->priv;
    for (struct pevent **pp = &all_events; *pp != NULL; pp = &(*pp)->all_next) {
        if (*pp == e) {
            *pp = e->all_next;
            break;
        }
    }
    if (e->leader == e) {              /* the siblings become leaders of their own */
        struct pevent *s = e->sibs;
        while (s != NULL) {
            struct pevent *next = s->sib_next;
            ev_value(s);
            s->leader = s;
            s->sib_next = NULL;
            ev_rebase(s);
            s = next;
        }
    } else {
        for (struct pevent **pp = &e->leader->sibs; *pp != NULL; pp = &(*pp)->sib_next) {
            if (*pp == e) {
                *pp = e->sib_next;
                break;
            }
        }
    }
    kfree(e);
}

static int attr_copy(u64 uattr, struct kattr *a);

static long perf_ioctl(struct file *f, unsigned cmd, u64 arg)
{
    struct pevent *e = f->priv;
    struct file *o;
    struct kattr na;
    u64 v;
    switch (cmd) {
    case IOC_ENABLE:
    case IOC_DISABLE:
    case IOC_RESET:
        ev_apply(e, cmd, (arg & IOC_FLAG_GROUP) != 0);
        return 0;
    case IOC_ID:
        return copy_to_user((void *)arg, &e->id, sizeof(e->id)) < 0 ? -EFAULT : 0;
    case IOC_PERIOD:
        if (copy_from_user(&v, (void *)arg, sizeof(v)) < 0)
            return -EFAULT;
        return -EINVAL;                /* not a sampling event */
    case IOC_REFRESH:                  /* only for sampling events */
    case IOC_SET_FILTER:               /* only for tracepoints and address filters */
    case IOC_PAUSE_OUTPUT:             /* no ring buffer */
    case IOC_QUERY_BPF:                /* only for tracepoints */
        return -EINVAL;
    case IOC_SET_OUTPUT:               /* no ring buffer to redirect into */
        if (arg == ~0UL)
            return 0;                  /* -1: stop redirecting (there is nothing to stop) */
        o = fd_file((int)arg);
        return o != NULL && o->ops == &perf_fops ? -EINVAL : -EBADF;
    case IOC_SET_BPF:                  /* no fd is a BPF program */
        return fd_file((int)arg) != NULL ? -EINVAL : -EBADF;
    case IOC_MODIFY_ATTRIBUTES: {
        int r = attr_copy(arg, &na);
        return r < 0 ? r : -EINVAL;    /* only breakpoints can be modified */
    }
    default:
        return -ENOTTY;
    }
}

static const struct file_ops perf_fops = {
    .read = perf_read,
    .ioctl = perf_ioctl,
    .poll = perf_poll,
    .release = perf_release,
};

/* ---------------------------------------------------------------- open */

/* Copy a user perf_event_attr of any size as Linux's perf_copy_attr: a size
 * below VER0 or above a page, or non-zero bytes past ours, is E2BIG with our
 * size written back; then the reserved fields and flag combinations. */
static int attr_copy(u64 uattr, struct kattr *a)
{
    u32 size, ours = sizeof(*a);
    memset(a, 0, sizeof(*a));
    if (copy_from_user(&size, (void *)(uattr + 4), sizeof(size)) < 0)
        return -EFAULT;
    if (size == 0)
        size = ATTR_SIZE_VER0;
    if (size < ATTR_SIZE_VER0 || size > PAGE_SIZE)
        goto too_big;
    int r = copy_struct_from_user(a, ours, (void *)uattr, size);
    if (r == -E2BIG)
        goto too_big;
    if (r < 0)
        return r;
    a->size = size;
    if ((a->flags & A_RESERVED_1) != 0 || a->reserved_2 != 0 || (a->aux_action & ~7U) != 0)
        return -EINVAL;
    if ((a->sample_type & ~(SAMPLE_MAX - 1)) != 0 || (a->read_format & ~(u64)FMT_ALL) != 0)
        return -EINVAL;
    if ((a->sample_type & SAMPLE_WEIGHT) != 0 && (a->sample_type & SAMPLE_WEIGHT_STRUCT) != 0)
        return -EINVAL;
    if ((a->flags & A_INHERIT) == 0 && (a->flags & A_INHERIT_THREAD) != 0)
        return -EINVAL;
    if ((a->flags & A_SIGTRAP) != 0 && (a->flags & A_REMOVE_ON_EXEC) == 0)
        return -EINVAL;
    if ((a->flags & A_REMOVE_ON_EXEC) != 0 && (a->flags & (1UL << 12)) != 0)
        return -EINVAL;                /* with enable_on_exec */
    return 0;
too_big:
    if (copy_to_user((void *)(uattr + 4), &ours, sizeof(ours)) < 0)
        return -EFAULT;
    return -E2BIG;
}

/* Find the group leader's event for group_fd: 0, -EBADF (not an open perf fd). */
static int group_event(int group_fd, struct pevent **out)
{
    struct file *f = fd_file(group_fd);
    if (f == NULL || f->ops != &perf_fops)
        return -EBADF;
    *out = f->priv;
    return 0;
}

/* Is (type, config) an event solo can count?  0, -ENOENT (no such PMU or
 * event) or -EOPNOTSUPP (sampling: no overflow interrupts). */
static int event_supported(const struct kattr *a)
{
    if (a->type != PERF_TYPE_SOFTWARE || a->config >= SW_MAX)
        return -ENOENT;
    if (a->sample_period != 0)
        return -EOPNOTSUPP;
    return 0;
}

// partial: counting only: sampling (sample_period/sample_freq) is EOPNOTSUPP and mmap of the fd is ENODEV (no ring buffer, no user page); hardware, cache, raw, tracepoint and breakpoint events are ENOENT (no PMU); every page fault counts as minor; inherit counts every thread of the program (also those that existed before the open); an event on a thread with cpu >= 0 counts it on every CPU; PERF_FLAG_PID_CGROUP is EBADF (no cgroup filesystem); PERF_FLAG_FD_OUTPUT is EINVAL
long sys_perf_event_open(u64 uattr, int pid, int cpu, int group_fd, u64 flags)
{
    struct kattr a;
    struct pevent *leader = NULL, *e;
    struct thread *task = NULL;
    bool output = false;
    if ((flags & ~(u64)(FLAG_FD_NO_GROUP | FLAG_FD_OUTPUT | FLAG_PID_CGROUP | FLAG_FD_CLOEXEC)) != 0)
        return -EINVAL;
    int r = attr_copy(uattr, &a);
    if (r < 0)
        return r;
    if ((a.flags & A_EXCLUDE_KERNEL) == 0 && !perfmon_capable())
        return -EACCES;                /* perf_event_paranoid 2 */
    if ((a.flags & A_NAMESPACES) != 0 && !perfmon_capable())
        return -EACCES;
    if ((a.flags & A_FREQ) != 0 ? a.sample_period > MAX_SAMPLE_RATE : (a.sample_period >> 63) != 0)
        return -EINVAL;
    if ((flags & FLAG_PID_CGROUP) != 0 && (pid == -1 || cpu == -1))
        return -EINVAL;
    if (group_fd != -1) {
        r = group_event(group_fd, &leader);
        if (r < 0)
            return r;
        output = (flags & FLAG_FD_OUTPUT) != 0;
        if ((flags & FLAG_FD_NO_GROUP) != 0)
            leader = NULL;
    }
    if (pid != -1 && (flags & FLAG_PID_CGROUP) == 0) {
        task = pid == 0 ? current : (pid > 0 ? thread_by_tid(pid) : NULL);
        if (task == NULL)
            return -ESRCH;
    }
    bool inherit = (a.flags & A_INHERIT) != 0;
    if (task != NULL && leader != NULL && leader->inherit != inherit)
        return -EINVAL;
    if ((u32)cpu >= (u32)cpu_online_count() && (task == NULL || cpu != -1))
        return -EINVAL;
    if ((flags & FLAG_PID_CGROUP) != 0)
        return -EBADF;                 /* no fd names a cgroup directory */
    r = event_supported(&a);
    if (r < 0)
        return r;
    if (task == NULL && !perfmon_capable())
        return -EACCES;                /* CPU-wide events need CAP_PERFMON */
    if (leader != NULL) {
        bool same_target = leader->per_thread == (task != NULL) &&
                           (task == NULL || leader->thr == task);
        if (leader->leader != leader || leader->cpu != cpu || !same_target ||
            (a.flags & (A_PINNED | A_EXCLUSIVE)) != 0)
            return -EINVAL;
    }
    if (output)
        return -EINVAL;                /* no ring buffer to share */
    e = kzalloc(sizeof(*e));
    struct file *f = file_alloc();
    if (e == NULL || f == NULL) {
        kfree(e);
        kfree(f);
        return -ENOMEM;
    }
    e->type = a.type;
    e->config = a.config;
    e->read_format = a.read_format;
    e->id = next_id++;
    e->inherit = inherit;
    e->excl_user = (a.flags & A_EXCLUDE_USER) != 0;
    e->excl_kernel = (a.flags & A_EXCLUDE_KERNEL) != 0;
    e->pinned = (a.flags & A_PINNED) != 0;
    e->per_thread = task != NULL;
    e->thr = task;
    e->cpu = cpu;
    e->enabled = (a.flags & A_DISABLED) == 0;
    e->leader = leader != NULL ? leader : e;
    f->ops = &perf_fops;
    f->priv = e;
    f->node = (struct node){ &perf_vnode, anon_inode_next() };
    f->flags = O_RDWR;
    int fd = fd_install(f, 0, (flags & FLAG_FD_CLOEXEC) != 0);
    if (fd < 0) {
        file_put(f);                   /* perf_release frees e */
        return fd;
    }
    if (leader != NULL) {
        struct pevent **pp = &leader->sibs;
        while (*pp != NULL)
            pp = &(*pp)->sib_next;
        *pp = e;
    }
    e->all_next = all_events;
    all_events = e;
    ev_rebase(e);
    return fd;
}
