/*
 * main.c - kernel start-up and program exit.  kmain runs once on the boot
 * CPU: CPU tables, memory, clocks, devices, the root filesystem, then it
 * loads the manifest's program and drops to ring 3.  kernel_exit is the one
 * way out: it flushes the filesystem, reports the status on the kernel log
 * (`SOLO-EXIT n`, which `solo run` turns into its own exit status) and powers
 * the VM off through QEMU's isa-debug-exit device.
 */
#include "kernel.h"
#include "lib/tuple.h"
#include "x86_64/cpu.h"
#include "x86_64/bootinfo.h"
#include "mm/mm.h"
#include "sched/thread.h"
#include "drivers/blockdev.h"
#include "fs/vfs.h"

int loader_exec(const char *path, int argc, char *const argv[], char *const envp[], u64 *entry, u64 *sp);

/* Parts still being written by others link weakly until they land. */
#pragma weak loader_exec
#pragma weak fs_init
#pragma weak fs_manifest
#pragma weak fs_sync_all
#pragma weak fs_exit
#pragma weak drivers_init
#pragma weak blockdev_get
#pragma weak partition_root
#pragma weak tuple_get_str
#pragma weak tuple_get_tuple
#pragma weak tuple_iter
#pragma weak net_init
#pragma weak net_flush
#pragma weak procfs_init
#pragma weak trace_exit

void net_init(void);
void net_flush(void);
void procfs_init(void);                /* fs/procfs.c: /proc and /sys files */
void trace_exit(void);                 /* syscalls/trace.c: summary, missing files */

#define MAX_ARGS 256

int vdso_init(void);
int vdso_map_user(void);
void time_mark_main(void);

/* Print a fatal start-up error where the user sees it (stderr) and exit. */
_Noreturn static void fatal(int status, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(buf, sizeof(buf) - 1, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof(buf) - 2)
        n = sizeof(buf) - 2;
    buf[n++] = '\n';
    console_write(2, buf, (size_t)n);
    klog("%.*s", n - 1, buf);
    kernel_exit(status);
}

struct envctx { char **envp; int *envc; char *buf; size_t *used; };

/* tuple_iter callback: append NAME=VALUE to the environment block. */
static int add_env(void *c, const u8 *k, size_t kl, const struct value *v)
{
    struct envctx *ctx = c;
    if (v->kind != VALUE_BYTES || *ctx->envc >= MAX_ARGS)
        return 0;
    size_t need = kl + 1 + v->len + 1;
    if (*ctx->used + need > 16384)
        return 1;
    char *p = ctx->buf + *ctx->used;
    memcpy(p, k, kl);
    p[kl] = '=';
    memcpy(p + kl + 1, v->u.bytes, v->len);
    p[kl + 1 + v->len] = '\0';
    ctx->envp[(*ctx->envc)++] = p;
    *ctx->used += need;
    return 0;
}

/* Build argv/envp from the manifest and start the program. */
_Noreturn static void start_program(void)
{
    static char *argv[MAX_ARGS + 1], *envp[MAX_ARGS + 1];
    static char envbuf[16384];
    struct tuple *m = fs_manifest != NULL ? fs_manifest() : NULL;
    const char *prog = m ? tuple_get_str(m, "program") : NULL;
    struct tuple *args = m ? tuple_get_tuple(m, "arguments") : NULL;
    struct tuple *env = m ? tuple_get_tuple(m, "environment") : NULL;
    int argc = 0, envc = 0;
    size_t used = 0;
    u64 entry, sp;

    if (prog == NULL)
        fatal(127, "solo: the image's manifest names no program");
    for (argc = 0; args != NULL && argc < MAX_ARGS; argc++) {
        char key[16];
        ksnprintf(key, sizeof(key), "%d", argc);
        const char *a = tuple_get_str(args, key);
        if (a == NULL)
            break;
        argv[argc] = (char *)a;
    }
    if (argc == 0)
        argv[argc++] = (char *)prog;
    argv[argc] = NULL;
    envp[0] = NULL;
    if (env != NULL) {
        struct envctx ctx = { envp, &envc, envbuf, &used };
        tuple_iter(env, add_env, &ctx);
        envp[envc] = NULL;
    }
    thread_create_main();
    if (vdso_map_user() < 0)
        klog("solo: vDSO not mapped");
    int r = loader_exec == NULL ? -ENOSYS : loader_exec(prog, argc, argv, envp, &entry, &sp);
    if (r < 0)
        fatal(r == -ENOENT ? 127 : 126, "solo: cannot run %s: error %d", prog, -r);
    time_mark_main();
    klog("solo: boot-to-main %lu us", boot_to_main_ns() / 1000);
    enter_user(entry, sp);
}

/* boot.S: info_pa is the PVH start info (magic 0) or the multiboot2
 * information copied into the kernel (magic BOOT_MB2_MAGIC). */
void kmain(u64 info_pa, u64 magic)
{
    serial_init();
    klog("solo kernel starting");
    cpu_init();
    bootinfo_parse(info_pa, (u32)magic);
    phys_init(boot_info.ram, boot_info.nram);
    mmu_init(boot_info.ram, boot_info.nram);
    kheap_init();
    time_init();
    apic_init();
    sched_init();
    smp_init();                        /* other CPUs wait for the BKL until the program runs */
    if (vdso_init() < 0)
        klog("solo: vDSO unavailable (out of memory); clocks use syscalls");
    if (drivers_init != NULL)
        drivers_init();
    struct blockdev *root = blockdev_get != NULL ? blockdev_get(0) : NULL;
    if (root == NULL)
        fatal(125, "solo: no root disk found (expected a virtio-blk device)");
    if (partition_root != NULL)
        root = partition_root(root);   /* a GRUB disk image: the solo TFS partition */
    int r = fs_init != NULL ? fs_init(root) : -ENOSYS;
    if (r < 0)
        fatal(125, "solo: cannot mount the root filesystem: error %d", -r);
    if (net_init != NULL)
        net_init();
    if (procfs_init != NULL)
        procfs_init();
    start_program();
}

_Noreturn void kernel_exit(int status)
{
    irq_disable();
    if (trace_exit != NULL)
        trace_exit();
    if (net_flush != NULL)
        net_flush();                   /* queued TCP data reaches its peers (net/) */
    if (fs_exit != NULL)
        fs_exit();                     /* unlinked files still in use are freed, then a sync */
    else if (fs_sync_all != NULL)
        fs_sync_all();
    console_flush();
    klog("SOLO-EXIT %d", status & 0xff);
    outl(0xf4, (u32)(status & 0x7f));
    for (;;)
        __asm__ volatile("cli; hlt");
}
