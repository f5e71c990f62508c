// covers: uselib _sysctl create_module get_kernel_syms query_module nfsservctl getpmsg putpmsg afs_syscall tuxcall security vserver set_thread_area get_thread_area epoll_ctl_old epoll_wait_old lookup_dcookie
// linux-enosys: uselib _sysctl create_module get_kernel_syms query_module nfsservctl getpmsg putpmsg afs_syscall tuxcall security vserver set_thread_area get_thread_area epoll_ctl_old epoll_wait_old lookup_dcookie
/*
 * linux_enosys.c - numbers of the x86-64 table that Linux itself answers
 * with ENOSYS to 64-bit programs: never-implemented slots (getpmsg,
 * putpmsg, afs_syscall, tuxcall, security, vserver), calls removed from
 * the kernel (create_module, get_kernel_syms, query_module, nfsservctl,
 * _sysctl, lookup_dcookie, uselib without CONFIG_USELIB), the old epoll
 * entry points, and set_thread_area/get_thread_area (32-bit only).  solo
 * answers them the same way; the syscall report lists them as "ENOSYS, as
 * Linux" (tools/syscall_report.sh reads the linux-enosys line above).
 */
#include "common.h"

int main(void)
{
    static const struct { int nr; const char *name; } calls[] = {
        { 134, "uselib" }, { 156, "_sysctl" }, { 174, "create_module" },
        { 177, "get_kernel_syms" }, { 178, "query_module" }, { 180, "nfsservctl" },
        { 181, "getpmsg" }, { 182, "putpmsg" }, { 183, "afs_syscall" }, { 184, "tuxcall" },
        { 185, "security" }, { 205, "set_thread_area" }, { 211, "get_thread_area" },
        { 212, "lookup_dcookie" }, { 214, "epoll_ctl_old" }, { 215, "epoll_wait_old" },
        { 236, "vserver" },
    };
    for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
        show(calls[i].name, syscall(calls[i].nr, 0L, 0L, 0L, 0L, 0L, 0L));
    return 0;
}
