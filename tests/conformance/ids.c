/*
 * ids.c - process groups and sessions, the remaining credential calls
 * (set*uid/set*gid pairs, setgroups, setfs*id), scheduler parameters, and
 * the error paths of the host-wide calls (sethostname, setdomainname,
 * reboot: only invalid arguments are passed, so nothing changes natively).
 * Ids are printed only as relations ("unchanged", "equals uid"); calls that
 * would change an id use the current value, so the run works as root or not.
 */
// covers: setpgid setsid getpgid getsid setreuid setregid setresgid setgroups setfsuid setfsgid
// covers: sched_setparam sched_setscheduler sched_rr_get_interval sethostname setdomainname reboot rt_tgsigqueueinfo
#include "common.h"
#include <sched.h>
#include <signal.h>
#include <time.h>

static void test_groups_sessions(void)
{
    long pid = syscall(SYS_getpid);
    /* solo's program starts as a session leader, a native child usually does
     * not: after one setsid both are, whatever that call returned. */
    syscall(SYS_setsid);
    fact("session leader", syscall(SYS_getsid, 0) == pid);
    fact("group leader", syscall(SYS_getpgid, 0) == pid);
    show("setpgid as session leader", syscall(SYS_setpgid, 0, 0));
    show("setsid as session leader", syscall(SYS_setsid));
    show("setpgid negative pgid", syscall(SYS_setpgid, 0, -1));
    show("setpgid no such process", syscall(SYS_setpgid, 99999, 0));
    show("getpgid no such process", syscall(SYS_getpgid, 99999));
    show("getsid no such process", syscall(SYS_getsid, 99999));
}

static void test_creds(void)
{
    long uid = syscall(SYS_getuid), gid = syscall(SYS_getgid);
    show("setreuid no change", syscall(SYS_setreuid, -1, -1));
    show("setreuid same", syscall(SYS_setreuid, uid, uid));
    fact("uid unchanged", syscall(SYS_getuid) == uid && syscall(SYS_geteuid) == uid);
    show("setregid no change", syscall(SYS_setregid, -1, -1));
    show("setregid same", syscall(SYS_setregid, gid, gid));
    show("setresgid no change", syscall(SYS_setresgid, -1, -1, -1));
    show("setresgid same", syscall(SYS_setresgid, gid, gid, gid));
    fact("gid unchanged", syscall(SYS_getgid) == gid && syscall(SYS_getegid) == gid);
    fact("setfsuid returns fsuid (= euid)", syscall(SYS_setfsuid, -1) == uid);
    fact("setfsgid returns fsgid (= egid)", syscall(SYS_setfsgid, -1) == gid);
    show("setgroups negative size", syscall(SYS_setgroups, -1, NULL));
    show("setgroups too many", syscall(SYS_setgroups, 70000, NULL));
}

static void test_sched(void)
{
    struct sched_param sp = { 0 };
    show("sched_setparam", syscall(SYS_sched_setparam, 0, &sp));
    sp.sched_priority = 50;
    show("sched_setparam priority for SCHED_OTHER", syscall(SYS_sched_setparam, 0, &sp));
    show("sched_setparam no such process", syscall(SYS_sched_setparam, 99999, &sp));
    show("sched_setparam bad pid", syscall(SYS_sched_setparam, -1, &sp));
    sp.sched_priority = 0;
    show("sched_setscheduler other", syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, &sp));
    show("sched_setscheduler bad policy", syscall(SYS_sched_setscheduler, 0, 77, &sp));
    show("sched_setscheduler batch", syscall(SYS_sched_setscheduler, 0, SCHED_BATCH, &sp));
    show("policy", syscall(SYS_sched_getscheduler, 0));
    sp.sched_priority = 1;
    show("sched_setscheduler other with priority", syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, &sp));
    sp.sched_priority = 0;
    syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, &sp);
    struct timespec ts = { -1, -1 };
    show("sched_rr_get_interval", syscall(SYS_sched_rr_get_interval, 0, &ts));
    fact("interval is set", ts.tv_sec >= 0 && ts.tv_nsec >= 0);
    show("sched_rr_get_interval no such process", syscall(SYS_sched_rr_get_interval, 99999, &ts));
    show("sched_rr_get_interval bad pid", syscall(SYS_sched_rr_get_interval, -1, &ts));
}

static void test_host_calls(void)
{
    char name[128];
    memset(name, 'h', sizeof(name));
    show("sethostname too long", syscall(SYS_sethostname, name, 65));
    show("sethostname negative", syscall(SYS_sethostname, name, -1));
    show("setdomainname too long", syscall(SYS_setdomainname, name, 65));
    show("setdomainname negative", syscall(SYS_setdomainname, name, -1));
    show("reboot bad magic", syscall(SYS_reboot, 0x1234, 0x5678, 0x01234567, NULL));
}

static volatile int got;

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    got = si->si_code == SI_QUEUE && si->si_value.sival_int == 77;
}

static void test_tgsigqueueinfo(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_usr1;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, NULL);
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    si.si_signo = SIGUSR1;
    si.si_code = SI_QUEUE;
    si.si_value.sival_int = 77;
    long pid = syscall(SYS_getpid), tid = syscall(SYS_gettid);
    show("rt_tgsigqueueinfo", syscall(SYS_rt_tgsigqueueinfo, pid, tid, SIGUSR1, &si));
    fact("handler saw the value", got);
    show("rt_tgsigqueueinfo bad signal", syscall(SYS_rt_tgsigqueueinfo, pid, tid, 99, &si));
    show("rt_tgsigqueueinfo no such thread", syscall(SYS_rt_tgsigqueueinfo, pid, 99999, SIGUSR1, &si));
    si.si_code = SI_USER;              /* only the kernel may send si_code >= 0 to another... */
    show("rt_tgsigqueueinfo bad tgid", syscall(SYS_rt_tgsigqueueinfo, -1, tid, SIGUSR1, &si));
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    test_groups_sessions();
    test_creds();
    test_sched();
    test_host_calls();
    test_tgsigqueueinfo();
    return 0;
}
