/*
 * vm.h - booting an image under QEMU and relaying its consoles.
 *
 * QEMU gets three one-way channels, each a pipe that solo drains:
 *   virtio-console port "solo.stdout", else COM1 -> program stdout -> solo's stdout
 *   virtio-console port "solo.stderr", else COM2 -> program stderr -> solo's stderr
 *   debugcon (port 0xe9)      -> the kernel log (to stderr with -v)
 * (the virtio port and the UART of a stream are two chardevs on the same pipe),
 * and a stream socket for the program's stdin (port "solo.stdin"): solo copies
 * its own fd 0 into it and half-closes it at end of input, which the guest reads as
 * EOF.  A terminal on fd 0 is put in a raw-ish mode for the run (no line
 * buffering, no local echo; ^C still stops solo and the VM; see tty_raw).
 * and QEMU's own stdout/stderr go to a fourth pipe that is shown only when
 * something fails (or with -v).  Bytes are relayed unchanged.  The kernel ends
 * every run with a "SOLO-EXIT n" log line and an isa-debug-exit write; vm_run
 * returns n.  When the VM stops without that line, it prints the last kernel
 * log lines and returns SOLO_EXIT_VM (125).
 */
#ifndef SOLO_TOOLS_VM_H
#define SOLO_TOOLS_VM_H

#include <stdbool.h>
#include <stdint.h>
#include "util.h"

#define VM_TRACE_TAG "solo-trace: "

struct vm_opts {
    const char *kernel;            /* kernel ELF booted with -kernel (PVH) */
    const char *image;             /* raw TFS image, attached as virtio-blk or NVMe */
    const char *accel;             /* "kvm", "tcg", or NULL to detect */
    uint64_t mem;                  /* bytes of guest RAM */
    unsigned cpus;
    bool verbose;                  /* stream the kernel log and QEMU's messages */
    unsigned timeout_s;            /* 0: none; else kill the VM after this long */
    const char *qemu;              /* QEMU binary; NULL: $SOLO_QEMU or qemu-system-x86_64 */
    bool scratch;                  /* throwaway image: skip host flushes (cache=unsafe) */
    /* network (added by net): NULL or "user" = QEMU user networking (10.0.2.0/24,
     * DHCP, DNS at 10.0.2.3), "tap:IFNAME" = a host tap device, "none" = no NIC */
    const char *net;
    struct strvec ports;           /* user networking forwards: "HOST:GUEST[/tcp|/udp]" */
    /* syscall tracing (added by conf2): kernel log lines that start with
     * VM_TRACE_TAG are the tracer's output (syscalls/trace.c); they go, tag
     * removed, to trace_fd (0: solo's stderr) instead of the kernel log. */
    int trace_fd;
    /* console (added by console): > 0: QEMU's end of the stream socket carrying
     * the program's stdin (virtio-console port "solo.stdin"); 0: no stdin port */
    int stdin_sock;
    /* disk controller (added by nvme): NULL or "virtio" = virtio-blk, "nvme" =
     * QEMU's NVMe controller with the image as namespace 1 */
    const char *disk;
    /* disk boots (added by diskboot): NULL = PVH with -kernel; "bios" (SeaBIOS) or
     * "uefi" (OVMF) boot image, a GRUB disk (tools/disk.h), with -drive only.
     * COM1/COM2 then carry the firmware's and GRUB's console to the kernel
     * log pipe, not to the program's streams (virtio-console carries those). */
    const char *firmware;
};

/* "kvm" when /dev/kvm is real hardware virtualization (kvm_intel/kvm_amd loaded
 * or vmx/svm in /proc/cpuinfo) and openable, else "tcg". */
const char *accel_detect(void);
/* Full path of the QEMU binary to use, or NULL when it is not installed. Malloc'ed. */
char *qemu_find(const char *name);
/* The QEMU command line for o, with the three consoles on the given paths. */
void vm_argv(const struct vm_opts *o, const char *qemu, const char *out, const char *err,
             const char *log, struct strvec *argv);
/* Boot and relay until the VM stops; returns the exit status for solo. */
int vm_run(const struct vm_opts *o);
/* Parse one kernel log line; true and *status when it is "SOLO-EXIT n". */
bool vm_exit_line(const char *line, size_t len, int *status);

#endif
