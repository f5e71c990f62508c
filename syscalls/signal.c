/*
 * signal.c - signal dispositions and masks.  Handlers are recorded and read
 * back with Linux semantics (struct kernel_sigaction layout, SIGKILL/SIGSTOP
 * untouchable, sigset size 8); delivery is a later step, so a recorded
 * handler is not yet invoked.
 */
#include "syscalls.h"

#define NSIG 64
#define SIGKILL 9
#define SIGSTOP 19
#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2
#define SS_ONSTACK 1
#define SS_DISABLE 2
#define MINSIGSTKSZ 2048

struct k_sigaction {
    u64 handler;
    u64 flags;
    u64 restorer;
    u64 mask;
};

struct k_stack {
    u64 sp;
    s32 flags;
    u32 pad;
    u64 size;
};

static struct k_sigaction actions[NSIG + 1];
static struct k_stack altstack = { 0, SS_DISABLE, 0, 0 };

// partial: dispositions are stored and reported; handlers are not invoked yet (no delivery)
long sys_rt_sigaction(int sig, u64 act, u64 oact, size_t sigsetsize)
{
    struct k_sigaction n;
    if (sigsetsize != 8)
        return -EINVAL;
    if (sig < 1 || sig > NSIG)
        return -EINVAL;
    if (act != 0 && (sig == SIGKILL || sig == SIGSTOP))
        return -EINVAL;
    if (act != 0 && copy_from_user(&n, (void *)act, sizeof(n)) < 0)
        return -EFAULT;
    if (oact != 0 && copy_to_user((void *)oact, &actions[sig], sizeof(actions[sig])) < 0)
        return -EFAULT;
    if (act != 0) {
        n.mask &= ~((1UL << (SIGKILL - 1)) | (1UL << (SIGSTOP - 1)));
        actions[sig] = n;
    }
    return 0;
}

long sys_rt_sigprocmask(int how, u64 set, u64 oset, size_t sigsetsize)
{
    u64 n, old = current->sigmask;
    const u64 unblockable = (1UL << (SIGKILL - 1)) | (1UL << (SIGSTOP - 1));
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
        current->sigmask &= ~unblockable;
    }
    if (oset != 0 && copy_to_user((void *)oset, &old, sizeof(old)) < 0)
        return -EFAULT;
    return 0;
}

long sys_sigaltstack(u64 ss, u64 oss)
{
    struct k_stack n;
    if (oss != 0 && copy_to_user((void *)oss, &altstack, sizeof(altstack)) < 0)
        return -EFAULT;
    if (ss == 0)
        return 0;
    if (copy_from_user(&n, (void *)ss, sizeof(n)) < 0)
        return -EFAULT;
    if ((n.flags & ~(SS_DISABLE | SS_ONSTACK | (1 << 31))) != 0)
        return -EINVAL;
    if ((n.flags & SS_DISABLE) == 0 && n.size < MINSIGSTKSZ)
        return -ENOMEM;
    altstack = n;
    altstack.flags &= SS_DISABLE;
    return 0;
}

long sys_rt_sigpending(u64 set, size_t sigsetsize)
{
    u64 none = 0;
    if (sigsetsize > 8)
        return -EINVAL;
    return copy_to_user((void *)set, &none, sigsetsize);
}
