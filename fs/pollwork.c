/*
 * pollwork.c - the poll worker: a kernel thread that finishes requests the
 * program left pending (io_uring polls, reads and chains; AIO polls) when
 * the files they wait for become ready, without the program calling in.
 *
 * Files have no per-file wake-up callbacks: every readiness change wakes the
 * one queue vfs_pollq (fs/pipe.c), and timers post from interrupt context
 * (which wakes it too).  Each user (io_uring, aio) registers a struct
 * poll_work whose callback looks at its own pending requests and completes
 * those that can go on.  The worker runs every callback after each wake-up
 * of vfs_pollq while some callback says it still has pending work, and sleeps
 * on a queue of its own otherwise, so it costs nothing when nothing waits.
 *
 * Callbacks run in the worker's kernel-thread context (not interrupt
 * context): they may block and copy to user memory (one address space).
 * Wake-ups cannot be lost: vfs_poll_wake and poll_work_kick bump
 * vfs_poll_seq, and the worker goes to sleep only if the sequence did not
 * move while its callbacks ran (the kernel runs under the big kernel lock
 * with interrupts off, so nothing changes between that check and the sleep).
 */
#include "fs/vfs_impl.h"

u64 vfs_poll_seq;                      /* bumped by every vfs_poll_wake and kick */
static struct poll_work *works;        /* registered callbacks, never removed */
static struct waitq idleq;             /* the worker sleeps here when nothing is pending */
static struct thread *worker;

static void worker_main(void *arg)
{
    (void)arg;
    for (;;) {
        u64 seen = vfs_poll_seq;
        bool more = false;
        for (struct poll_work *w = works; w != NULL; w = w->next)
            if (w->fn(w->arg))
                more = true;
        if (vfs_poll_seq != seen)
            continue;                  /* something changed while they ran */
        waitq_wait(more ? &vfs_pollq : &idleq, 0);
    }
}

/* Register w (once; later calls do nothing) and start the worker if it is
 * not running yet.  0 or -ENOMEM (no worker: the caller's own calls still
 * complete requests, as before). */
int poll_work_add(struct poll_work *w)
{
    if (worker == NULL) {
        waitq_init(&idleq);
        worker = thread_create_kernel(worker_main, NULL);
        if (worker == NULL)
            return -ENOMEM;
    }
    if (!w->added) {
        w->added = true;
        w->next = works;
        works = w;
    }
    return 0;
}

/* Something became pending (or a callback was skipped): have the worker run
 * the callbacks soon.  Any context, interrupts included. */
void poll_work_kick(void)
{
    vfs_poll_seq++;
    /* Wake it from either of its sleeps; blocked inside a callback, it sees
     * the sequence move when the callbacks are done. */
    if (worker != NULL && (worker->waiting_on == &idleq || worker->waiting_on == &vfs_pollq))
        thread_wake(worker, 0);
}
