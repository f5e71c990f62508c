/*
 * pivot_errors.c - pivot_root and acct check their capability first
 * (CAP_SYS_ADMIN, CAP_SYS_PACCT), before looking at their arguments.  Both
 * would change the host when they succeed, and a CI container may lack the
 * capabilities, so their argument errors are tested in solo only
 * (tests/integration/progs/pivot.c, acct.c).  What is compared here: with
 * the capability dropped from the effective set (always allowed, and a
 * no-op where the container lacks it), every call, even one with a bad
 * pointer or a missing path, is EPERM, and acct(NULL) too.
 */
// covers: pivot_root acct
#include "common.h"
#include <stdint.h>

struct cap_header { unsigned version; int pid; };
struct cap_data { unsigned effective, permitted, inheritable; };
#define CAP_V3 0x20080522
#define C_SYS_PACCT 20
#define C_SYS_ADMIN 21

/* Drop cap from the effective set (the permitted set keeps it). */
static long drop(int cap)
{
    struct cap_header h = { CAP_V3, 0 };
    struct cap_data d[2];
    if (syscall(SYS_capget, &h, d) != 0)
        return -1;
    d[cap / 32].effective &= ~(1U << (cap % 32));
    return syscall(SYS_capset, &h, d);
}

int main(void)
{
    show("drop CAP_SYS_ADMIN", drop(C_SYS_ADMIN));
    show("pivot_root / /", syscall(SYS_pivot_root, "/", "/"));
    show("pivot_root bad pointers", syscall(SYS_pivot_root, (void *)8, (void *)8));
    show("pivot_root missing paths", syscall(SYS_pivot_root, "no-such-dir", "no-such-dir"));
    show("pivot_root . .", syscall(SYS_pivot_root, ".", "."));
    show("drop CAP_SYS_PACCT", drop(C_SYS_PACCT));
    show("acct NULL", syscall(SYS_acct, NULL));
    show("acct bad pointer", syscall(SYS_acct, (void *)8));
    show("acct missing file", syscall(SYS_acct, "no-such-file"));
    show("acct a directory", syscall(SYS_acct, "."));
    return 0;
}
