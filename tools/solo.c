/*
 * solo.c - the `solo` command: build an image from a Linux x86-64 program,
 * boot it under QEMU, and look inside images.  This file only parses the
 * command line and strings the pieces together; the work is in build.c
 * (what goes into an image), image.c (writing it), vm.c (booting it) and
 * fscmd.c (reading it back).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "build.h"
#include "disk.h"
#include "fscmd.h"
#include "image.h"
#include "vm.h"

static const char usage_text[] =
"usage: solo build [-o IMAGE] [-c config.json] [--size SIZE] [--compress] [-e NAME=VALUE]...\n"
"                  [--boot bios|uefi|hybrid [--kernel KERNEL]] PROGRAM [ARGS...]\n"
"       solo run [-c config.json] [--accel kvm|tcg] [--mem SIZE] [--cpus N] [-v]\n"
"                [--timeout SECONDS] [--kernel KERNEL] [--size SIZE] [-e NAME=VALUE]...\n"
"                [-p HOSTPORT:GUESTPORT[/udp]]... [--net user|tap:IFNAME|none]\n"
"                [--disk virtio|nvme]\n"
"                [--trace] [--trace-file FILE] [--syscall-summary] [--missing-files]\n"
"                PROGRAM [ARGS...]\n"
"       solo run [options] [--firmware bios|uefi] --image IMAGE\n"
"       solo run [options] --firmware bios|uefi PROGRAM [ARGS...]\n"
"       solo fs ls IMAGE [PATH] | solo fs cat IMAGE PATH | solo fs manifest IMAGE\n"
"       solo fs get IMAGE PATH DEST | solo fs check IMAGE\n"
"\n"
"PROGRAM is a Linux x86-64 ELF (static, static-pie or dynamic: its interpreter and\n"
"libraries are copied in).  An absolute PROGRAM keeps its path in the image, a\n"
"relative one lands under / and the program starts in / (config \"Cwd\" changes it).\n"
"argv[0] is PROGRAM as typed.  The kernel is KERNEL, $SOLO_KERNEL, or kernel.elf\n"
"next to the solo binary; QEMU is $SOLO_QEMU or qemu-system-x86_64 on $PATH.\n"
"The accelerator is kvm only on real hardware virtualization, else tcg; --mem\n"
"defaults to config.json's RunConfig.Memory or 1G, --cpus to RunConfig.CPUs or 1.\n"
"--disk picks the controller the image is attached to: virtio-blk (default) or\n"
"an NVMe controller (QEMU's nvme device, as on AWS Nitro).\n"
"-v also streams the kernel log (and QEMU's messages) to stderr.\n"
"--boot writes a GPT disk image that firmware boots through GRUB (multiboot2):\n"
"bios (SeaBIOS, legacy BIOS clouds), uefi (OVMF, UEFI clouds) or hybrid (both);\n"
"the kernel goes into the image.  --firmware boots such a disk with QEMU's\n"
"-drive and no -kernel: SeaBIOS for bios, OVMF ($SOLO_OVMF or\n"
"/usr/share/ovmf/OVMF.fd) for uefi; with a PROGRAM it builds a temporary disk\n"
"of that kind first (docs/boot.md).\n"
"--trace prints each system call of the program (strace-like: decoded arguments,\n"
"result or -1 ERRNO, time) to stderr or --trace-file; --syscall-summary prints\n"
"a count/time/errors table at exit; --missing-files lists at exit the paths the\n"
"program looked up that are not in the image (ENOENT).\n"
"\n"
"Exit status of solo run: the program's own status (0-255), or\n"
"    1  host-side failure (I/O error, QEMU not installed, kernel missing)\n"
"    2  bad command line or bad config.json, or a file would land under /dev/shm,\n"
"       where the guest mounts an empty tmpfs\n"
"  124  --timeout expired (the VM was killed)\n"
"  125  the VM stopped without reporting an exit status (kernel panic, QEMU crash)\n"
"  126  PROGRAM is not a runnable x86-64 ELF\n"
"  127  PROGRAM, its interpreter or a library it needs was not found\n"
"  128+N  solo was stopped by signal N\n"
"solo build and solo fs use the same codes for the same failures.\n";

static int usage(void)
{
    fputs(usage_text, stderr);
    return SOLO_EXIT_USAGE;
}

struct cli {
    struct build_opts b;
    const char *out;               /* build -o */
    const char *image;             /* run --image */
    const char *kernel;
    uint64_t size;
    struct vm_opts vm;
    bool mem_given, cpus_given;    /* on the command line (beats RunConfig) */
    unsigned trace;                /* manifest "trace": TRACE_* bits of syscalls/trace.h */
    const char *trace_file;        /* --trace-file */
    int boot;                      /* build --boot: enum disk_boot, 0 = bare TFS image */
};

/* Option handlers: store v into c; 0, or -1 after printing why v is bad. */
static int set_config(struct cli *c, const char *v) { c->b.config = v; return 0; }
static int set_env(struct cli *c, const char *v) { strvec_push(&c->b.env, v); return 0; }
static int set_out(struct cli *c, const char *v) { c->out = v; return 0; }
static int set_image(struct cli *c, const char *v) { c->image = v; return 0; }
static int set_kernel(struct cli *c, const char *v) { c->kernel = v; return 0; }
static int set_verbose(struct cli *c, const char *v) { (void)v; c->vm.verbose = true; return 0; }
static int set_boot(struct cli *c, const char *v)
{
    c->boot = disk_boot_parse(v);
    if (c->boot != 0)
        return 0;
    errmsg("--boot %s: expected bios, uefi or hybrid", v);
    return -1;
}

static int set_firmware(struct cli *c, const char *v)
{
    c->vm.firmware = v;
    if (strcmp(v, "bios") == 0 || strcmp(v, "uefi") == 0)
        return 0;
    errmsg("--firmware %s: expected bios or uefi", v);
    return -1;
}

static int set_compress(struct cli *c, const char *v) { (void)c; (void)v; image_compress = true; return 0; }

static int set_size(struct cli *c, const char *v)
{
    if (parse_size(v, &c->size) == 0 && c->size >= (1u << 20))
        return 0;
    errmsg("--size %s: expected a size of at least 1M such as 64M or 2G", v);
    return -1;
}

static int set_accel(struct cli *c, const char *v)
{
    c->vm.accel = v;
    if (strcmp(v, "kvm") == 0 || strcmp(v, "tcg") == 0)
        return 0;
    errmsg("--accel %s: expected kvm or tcg", v);
    return -1;
}

static int set_mem(struct cli *c, const char *v)
{
    c->mem_given = true;
    if (parse_size(v, &c->vm.mem) == 0 && c->vm.mem >= (32u << 20))
        return 0;
    errmsg("--mem %s: expected a size of at least 32M such as 512M or 2G", v);
    return -1;
}

/* A decimal number in [lo, hi], or -1. */
static long parse_count(const char *v, long lo, long hi)
{
    char *end;
    long n = strtol(v, &end, 10);
    return (*v >= '0' && *v <= '9' && *end == '\0' && n >= lo && n <= hi) ? n : -1;
}

static int set_cpus(struct cli *c, const char *v)
{
    long n = parse_count(v, 1, 255);
    c->cpus_given = true;
    c->vm.cpus = (unsigned)n;
    if (n > 0)
        return 0;
    errmsg("--cpus %s: expected a number from 1 to 255", v);
    return -1;
}

static int set_timeout(struct cli *c, const char *v)
{
    long n = parse_count(v, 0, 86400L * 365);
    c->vm.timeout_s = (unsigned)n;
    if (n >= 0)
        return 0;
    errmsg("--timeout %s: expected whole seconds", v);
    return -1;
}

/* -p HOST:GUEST[/tcp|/udp] (or PORT): forward a host port to the guest (added by net). */
static int set_publish(struct cli *c, const char *v)
{
    const char *p = v;
    int ports = 0;
    while (*p != '\0' && *p != '/') {
        const char *st = p;
        long n = 0;
        while (*p >= '0' && *p <= '9' && n <= 65535)
            n = n * 10 + (*p++ - '0');
        if (p == st || n < 1 || n > 65535 || (*p != ':' && *p != '/' && *p != '\0') || ++ports > 2)
            goto bad;
        if (*p == ':')
            p++;
    }
    if (ports == 0 || (*p == '/' && strcmp(p, "/tcp") != 0 && strcmp(p, "/udp") != 0))
        goto bad;
    strvec_push(&c->vm.ports, v);
    return 0;
bad:
    errmsg("-p %s: expected HOSTPORT:GUESTPORT, optionally followed by /tcp or /udp", v);
    return -1;
}

/* --net user | tap:IFNAME | none (added by net). */
static int set_net(struct cli *c, const char *v)
{
    c->vm.net = v;
    if (strcmp(v, "user") == 0 || strcmp(v, "none") == 0 || (strncmp(v, "tap:", 4) == 0 && v[4] != '\0'))
        return 0;
    errmsg("--net %s: expected user, tap:IFNAME or none", v);
    return -1;
}

/* --disk virtio | nvme (added by nvme): the controller the image sits behind. */
static int set_disk(struct cli *c, const char *v)
{
    c->vm.disk = v;
    if (strcmp(v, "virtio") == 0 || strcmp(v, "nvme") == 0)
        return 0;
    errmsg("--disk %s: expected virtio or nvme", v);
    return -1;
}

/* Tracing options (added by conf2); bits as in syscalls/trace.h. */
enum { TRACE_CALLS = 1, TRACE_SUMMARY = 2, TRACE_MISSING = 4 };
static int set_trace(struct cli *c, const char *v) { (void)v; c->trace |= TRACE_CALLS; return 0; }
static int set_summary(struct cli *c, const char *v) { (void)v; c->trace |= TRACE_SUMMARY; return 0; }
static int set_missing(struct cli *c, const char *v) { (void)v; c->trace |= TRACE_MISSING; return 0; }
static int set_trace_file(struct cli *c, const char *v) { c->trace_file = v; c->trace |= TRACE_CALLS; return 0; }

enum { FOR_BUILD = 1, FOR_RUN = 2 };

struct optspec {
    const char *name, *alias;
    int cmds;                      /* FOR_BUILD | FOR_RUN */
    bool takes_value;
    int (*set)(struct cli *c, const char *v);
};

static const struct optspec options[] = {
    { "--config", "-c", FOR_BUILD | FOR_RUN, true, set_config },
    { "--env", "-e", FOR_BUILD | FOR_RUN, true, set_env },
    { "--size", NULL, FOR_BUILD | FOR_RUN, true, set_size },
    { "--compress", NULL, FOR_BUILD | FOR_RUN, false, set_compress },
    { "--output", "-o", FOR_BUILD, true, set_out },
    { "--image", NULL, FOR_RUN, true, set_image },
    { "--kernel", NULL, FOR_BUILD | FOR_RUN, true, set_kernel },
    { "--boot", NULL, FOR_BUILD, true, set_boot },
    { "--firmware", NULL, FOR_RUN, true, set_firmware },
    { "--accel", NULL, FOR_RUN, true, set_accel },
    { "--mem", NULL, FOR_RUN, true, set_mem },
    { "--cpus", NULL, FOR_RUN, true, set_cpus },
    { "--timeout", NULL, FOR_RUN, true, set_timeout },
    { "--verbose", "-v", FOR_RUN, false, set_verbose },
    { "--publish", "-p", FOR_RUN, true, set_publish },
    { "--net", NULL, FOR_RUN, true, set_net },
    { "--disk", NULL, FOR_RUN, true, set_disk },
    { "--trace", NULL, FOR_RUN, false, set_trace },
    { "--trace-file", NULL, FOR_RUN, true, set_trace_file },
    { "--syscall-summary", NULL, FOR_RUN, false, set_summary },
    { "--missing-files", NULL, FOR_RUN, false, set_missing },
};

/* Does arg name option o?  *inline_val gets the value of "--name=value". */
static bool opt_match(const struct optspec *o, const char *arg, const char **inline_val)
{
    size_t n = strlen(o->name);
    *inline_val = NULL;
    if (o->alias != NULL && strcmp(arg, o->alias) == 0)
        return true;
    if (strncmp(arg, o->name, n) != 0)
        return false;
    if (arg[n] == '=' && o->takes_value)
        *inline_val = arg + n + 1;
    return arg[n] == '\0' || *inline_val != NULL;
}

/* Parse the option at argv[*i] (consuming its value).  0, or an exit status. */
static int parse_opt(struct cli *c, int cmd, char **argv, int argc, int *i)
{
    const char *v;
    for (size_t k = 0; k < sizeof(options) / sizeof(options[0]); k++) {
        const struct optspec *o = &options[k];
        if ((o->cmds & cmd) == 0 || !opt_match(o, argv[*i], &v))
            continue;
        if (o->takes_value && v == NULL) {
            if (*i + 1 >= argc) {
                errmsg("option %s needs a value", argv[*i]);
                return SOLO_EXIT_USAGE;
            }
            v = argv[++*i];
        }
        return o->set(c, v) == 0 ? 0 : SOLO_EXIT_USAGE;
    }
    errmsg("unknown option %s (see solo --help)", argv[*i]);
    return SOLO_EXIT_USAGE;
}

/* Options up to PROGRAM (or "--"); sets the program and its arguments. */
static int parse_cmdline(struct cli *c, int cmd, int argc, char **argv)
{
    int i;
    for (i = 0; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        int r = parse_opt(c, cmd, argv, argc, &i);
        if (r != 0)
            return r;
    }
    if (i < argc) {
        c->b.program = argv[i];
        c->b.args = argv + i + 1;
        c->b.nargs = argc - i - 1;
    }
    return 0;
}

/* Bit i set when host fd i (0, 1, 2) is a terminal. */
static uint64_t tty_mask(void)
{
    uint64_t m = 0;
    for (int fd = 0; fd < 3; fd++)
        if (isatty(fd))
            m |= 1u << fd;
    return m;
}

/* Default image name for `solo build`: the program's basename + ".img". */
static char *default_output(const char *program)
{
    const char *base = strrchr(program, '/');
    return xasprintf("%s.img", base != NULL ? base + 1 : program);
}

static char *find_kernel(const char *opt);

/* The TFS volume written to tfs made into a bootable disk at out (--boot). */
static int tfs_to_disk(const char *tfs, const char *kernel_opt, int boot, const char *out)
{
    char why[600];
    struct stat st;
    char *kernel = find_kernel(kernel_opt);
    int rc = 0;
    if (stat(kernel, &st) != 0 || !S_ISREG(st.st_mode)) {
        errmsg("kernel not found at %s (build it with make, or pass --kernel)", kernel);
        rc = SOLO_EXIT_FAILURE;
    } else if (disk_write(tfs, kernel, boot, out, why, sizeof(why)) < 0) {
        errmsg("%s", why);
        rc = SOLO_EXIT_FAILURE;
    }
    free(kernel);
    return rc;
}

static int cmd_build(int argc, char **argv)
{
    struct cli c;
    struct image_plan plan;
    char why[600];
    memset(&c, 0, sizeof(c));
    memset(&plan, 0, sizeof(plan));
    int rc = parse_cmdline(&c, FOR_BUILD, argc, argv);
    if (rc == 0)
        rc = build_plan(&c.b, &plan, NULL);
    if (rc == 0) {
        char *out = c.out != NULL ? xstrdup(c.out) : default_output(plan.program);
        char *vol = c.boot != 0 ? xasprintf("%s.tfs.tmp", out) : xstrdup(out);
        if (image_write(&plan, vol, c.size, c.boot == 0, why, sizeof(why)) < 0) {
            errmsg("%s", why);
            rc = SOLO_EXIT_FAILURE;
        } else if (c.boot != 0) {
            rc = tfs_to_disk(vol, c.kernel, c.boot, out);
            unlink(vol);
        }
        free(vol);
        free(out);
    }
    plan_free(&plan);
    strvec_free(&c.b.env);
    strvec_free(&c.vm.ports);
    return rc;
}

/* The kernel to boot: --kernel, $SOLO_KERNEL, or kernel.elf beside this binary. */
static char *find_kernel(const char *opt)
{
    const char *env = getenv("SOLO_KERNEL");
    char self[4096];
    if (opt != NULL)
        return xstrdup(opt);
    if (env != NULL && env[0] != '\0')
        return xstrdup(env);
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0)
        return xstrdup("kernel.elf");
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (slash != NULL)
        *slash = '\0';
    return path_join(self, "kernel.elf");
}

static const char *volatile cleanup_path;

/* A signal while the temporary image is being written: remove it, then die of the signal. */
static void cleanup_and_die(int sig)
{
    if (cleanup_path != NULL)
        unlink(cleanup_path);
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Write the plan to a fresh temporary image; its path or NULL (message printed). */
static char *temp_image(struct image_plan *plan, uint64_t size)
{
    const char *dir = getenv("TMPDIR");
    char why[600];
    char *path = xasprintf("%s/solo-XXXXXX.img", dir != NULL && dir[0] != '\0' ? dir : "/tmp");
    int fd = mkstemps(path, 4);
    if (fd < 0) {
        errmsg("cannot create a temporary image in %s: %s", dir != NULL ? dir : "/tmp", strerror(errno));
        free(path);
        return NULL;
    }
    close(fd);
    cleanup_path = path;
    signal(SIGINT, cleanup_and_die);
    signal(SIGTERM, cleanup_and_die);
    signal(SIGHUP, cleanup_and_die);
    if (image_write(plan, path, size, false, why, sizeof(why)) < 0) {
        errmsg("%s", why);
        cleanup_path = NULL;
        free(path);
        return NULL;
    }
    return path;
}

/* Record the host's terminals in an existing image (best effort). */
static void image_tty(const char *image, bool verbose)
{
    char why[600];
    if (access(image, W_OK) != 0)
        return;
    if (image_set_manifest_u64(image, "tty", tty_mask(), why, sizeof(why)) < 0 && verbose)
        warnmsg("%s (booting it anyway)", why);
}

/* Put the tracing bits into the image's manifest and open --trace-file.
 * 0, or an exit status after printing why. */
static int setup_trace(struct cli *c, const char *image)
{
    char why[600];
    if (c->trace == 0) {
        /* an existing image must not keep tracing from an earlier --trace run */
        if (c->image != NULL && access(image, W_OK) == 0)
            (void)image_set_manifest_u64(image, "trace", 0, why, sizeof(why));
        return 0;
    }
    if (image_set_manifest_u64(image, "trace", c->trace, why, sizeof(why)) < 0) {
        errmsg("%s", why);
        return SOLO_EXIT_FAILURE;
    }
    if (c->trace_file == NULL)
        return 0;
    c->vm.trace_fd = open(c->trace_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (c->vm.trace_fd < 0) {
        errmsg("--trace-file %s: %s", c->trace_file, strerror(errno));
        c->vm.trace_fd = 0;
        return SOLO_EXIT_FAILURE;
    }
    return 0;
}

static int cmd_run(int argc, char **argv)
{
    struct cli c;
    struct image_plan plan;
    char *tmp = NULL, *tmpdisk = NULL, *kernel = NULL;
    struct stat st;
    memset(&c, 0, sizeof(c));
    memset(&plan, 0, sizeof(plan));
    c.vm.mem = 1ULL << 30;
    c.vm.cpus = 1;
    int rc = parse_cmdline(&c, FOR_RUN, argc, argv);
    if (rc == 0 && c.image != NULL && (c.b.program != NULL || c.b.config != NULL || c.b.env.n > 0)) {
        errmsg("--image boots an existing image: give no PROGRAM, -c or -e with it");
        rc = SOLO_EXIT_USAGE;
    }
    if (rc == 0 && !(c.image != NULL && c.vm.firmware != NULL)) {   /* a disk carries its kernel */
        kernel = find_kernel(c.kernel);
        if (stat(kernel, &st) != 0 || !S_ISREG(st.st_mode)) {
            errmsg("kernel not found at %s (build it with make, or pass --kernel)", kernel);
            rc = SOLO_EXIT_FAILURE;
        }
    }
    if (rc == 0 && c.image != NULL) {
        if (stat(c.image, &st) != 0) {
            errmsg("%s: %s", c.image, strerror(errno));
            rc = SOLO_EXIT_FAILURE;
        } else {
            image_tty(c.image, c.vm.verbose);
        }
    } else if (rc == 0) {
        struct run_hints h = { 0, 0 };
        rc = build_plan(&c.b, &plan, &h);
        if (h.mem != 0 && !c.mem_given)
            c.vm.mem = h.mem;
        if (h.cpus != 0 && !c.cpus_given)
            c.vm.cpus = h.cpus;
        plan.has_tty = true;
        plan.tty = tty_mask();
        if (rc == 0 && (tmp = temp_image(&plan, c.size)) == NULL)
            rc = SOLO_EXIT_FAILURE;
        if (rc == 0 && c.vm.firmware != NULL) {
            /* the temporary TFS volume becomes a temporary disk of that kind */
            tmpdisk = xasprintf("%s.disk", tmp);
            rc = tfs_to_disk(tmp, c.kernel, disk_boot_parse(c.vm.firmware), tmpdisk);
            unlink(tmp);
            free(tmp);
            tmp = tmpdisk;
            cleanup_path = tmp;
            tmpdisk = NULL;
        }
    }
    if (rc == 0)
        rc = setup_trace(&c, c.image != NULL ? c.image : tmp);
    if (rc == 0) {
        c.vm.kernel = kernel;
        c.vm.image = c.image != NULL ? c.image : tmp;
        c.vm.scratch = c.image == NULL;
        rc = vm_run(&c.vm);
    }
    if (c.vm.trace_fd > 0)
        close(c.vm.trace_fd);
    if (tmp != NULL)
        unlink(tmp);
    cleanup_path = NULL;
    free(tmp);
    free(kernel);
    plan_free(&plan);
    strvec_free(&c.b.env);
    strvec_free(&c.vm.ports);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage();
    if (strcmp(argv[1], "build") == 0)
        return cmd_build(argc - 2, argv + 2);
    if (strcmp(argv[1], "run") == 0)
        return cmd_run(argc - 2, argv + 2);
    if (strcmp(argv[1], "fs") == 0)
        return fs_main(argc - 2, argv + 2);
    if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage_text, stdout);
        return 0;
    }
    errmsg("unknown command \"%s\" (expected build, run or fs; see solo --help)", argv[1]);
    return SOLO_EXIT_USAGE;
}
