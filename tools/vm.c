/*
 * vm.c - QEMU launcher and console relay (see vm.h).
 *
 * solo forks QEMU with four pipes and then loops in poll(): program stdout
 * and stderr are copied byte for byte to solo's own fds 1 and 2, the kernel
 * log is split into lines (scanned for "SOLO-EXIT n", the last LOG_KEEP kept
 * for post-mortems, streamed with -v), and QEMU's own messages are collected.
 * The loop ends when every pipe reached EOF (QEMU exited); a timeout or a
 * terminating signal kills QEMU first.  Invariant: solo never exits while
 * QEMU still runs.
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include "vm.h"

#define LOG_KEEP 30
#define LINE_MAX_LEN 1024
#define QERR_MAX (64 * 1024)

enum { CH_OUT, CH_ERR, CH_LOG, CH_QEMU, NCH };

struct relay {
    int rfd[NCH];                  /* read ends, -1 once at EOF */
    bool sink_ok[2];               /* our stdout / stderr still writable */
    char line[LINE_MAX_LEN + 1];   /* partial kernel log line */
    size_t linelen;
    char *ring[LOG_KEEP];          /* last kernel log lines */
    size_t ringpos, nlines;
    bool exited;
    int status;                    /* from SOLO-EXIT */
    char *qerr;                    /* QEMU's own output */
    size_t qerrlen;
    bool verbose;
    int trace_fd;                  /* trace lines go here (vm_opts.trace_fd) */
    bool trace_ok;
    /* stdin relay (added by console): solo's fd 0 -> the socket QEMU reads */
    int in_fd, in_sock;            /* -1 once done */
    char inbuf[65536];
    size_t inlen, inoff;           /* pending bytes inbuf[inoff..inlen) */
    bool tty_saved;                /* fd 0 is a terminal switched to raw-ish mode */
    struct termios tty;            /* its mode before */
};

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
    got_signal = sig;
}

/* True when the "flags" lines of /proc/cpuinfo carry vmx or svm. */
static bool cpu_has_virt(void)
{
    FILE *f = fopen("/proc/cpuinfo", "re");
    char *line = NULL;
    size_t cap = 0;
    bool hit = false;
    if (f == NULL)
        return false;
    while (!hit && getline(&line, &cap, f) > 0) {
        if (strncmp(line, "flags", 5) != 0)
            continue;
        char *save = NULL;
        for (char *w = strtok_r(line, " \t\n", &save); w != NULL; w = strtok_r(NULL, " \t\n", &save))
            hit = hit || strcmp(w, "vmx") == 0 || strcmp(w, "svm") == 0;
    }
    free(line);
    fclose(f);
    return hit;
}

/* True when /proc/modules lists kvm_intel or kvm_amd. */
static bool kvm_module_loaded(void)
{
    FILE *f = fopen("/proc/modules", "re");
    char *line = NULL;
    size_t cap = 0;
    bool hit = false;
    if (f == NULL)
        return false;
    while (!hit && getline(&line, &cap, f) > 0)
        hit = strncmp(line, "kvm_intel ", 10) == 0 || strncmp(line, "kvm_amd ", 8) == 0;
    free(line);
    fclose(f);
    return hit;
}

const char *accel_detect(void)
{
    if (!kvm_module_loaded() && !cpu_has_virt())
        return "tcg";
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return "tcg";
    close(fd);
    return "kvm";
}

char *qemu_find(const char *name)
{
    const char *path = getenv("PATH");
    if (strchr(name, '/') != NULL)
        return access(name, X_OK) == 0 ? xstrdup(name) : NULL;
    if (path == NULL || path[0] == '\0')
        path = "/usr/local/bin:/usr/bin:/bin";
    char *copy = xstrdup(path), *save = NULL, *found = NULL;
    for (char *d = strtok_r(copy, ":", &save); d != NULL && found == NULL;
         d = strtok_r(NULL, ":", &save)) {
        char *cand = path_join(d, name);
        if (access(cand, X_OK) == 0)
            found = cand;
        else
            free(cand);
    }
    free(copy);
    return found;
}

/* One port forward "HOST:GUEST[/tcp|/udp]" as QEMU's hostfwd syntax. */
static char *hostfwd(const char *spec)
{
    const char *proto = "tcp", *slash = strchr(spec, '/');
    size_t n = slash != NULL ? (size_t)(slash - spec) : strlen(spec);
    const char *colon = memchr(spec, ':', n);
    if (slash != NULL)
        proto = slash + 1;
    if (colon == NULL)             /* "PORT": the same port on both sides */
        return xasprintf("hostfwd=%s::%.*s-:%.*s", proto, (int)n, spec, (int)n, spec);
    return xasprintf("hostfwd=%s::%.*s-:%.*s", proto, (int)(colon - spec), spec,
                     (int)(n - (size_t)(colon - spec) - 1), colon + 1);
}

/* The NIC (virtio-net, modern only) and its backend (added by net). */
static void net_argv(const struct vm_opts *o, struct strvec *av)
{
    const char *net = o->net != NULL ? o->net : "user";
    char *s;
    if (strcmp(net, "none") == 0)
        return;
    strvec_push(av, "-netdev");
    if (strncmp(net, "tap:", 4) == 0) {
        s = xasprintf("tap,id=solo_net,ifname=%s,script=no,downscript=no", net + 4);
    } else {
        s = xstrdup("user,id=solo_net");
        for (size_t i = 0; i < o->ports.n; i++) {
            char *f = hostfwd(o->ports.v[i]), *t = xasprintf("%s,%s", s, f);
            free(f);
            free(s);
            s = t;
        }
    }
    strvec_push(av, s);
    free(s);
    strvec_push(av, "-device");
    strvec_push(av, "virtio-net-pci,netdev=solo_net,disable-legacy=on,romfile=");
}

void vm_argv(const struct vm_opts *o, const char *qemu, const char *out, const char *err,
             const char *log, struct strvec *av)
{
    const char *accel = o->accel != NULL ? o->accel : accel_detect();
    char *s;
    strvec_push(av, qemu);
#define ARG(x) strvec_push(av, x)
#define ARGF(...) (s = xasprintf(__VA_ARGS__), strvec_push(av, s), free(s))
    ARG("-M"); ARG("q35");
    /* TCG runs every vCPU in one host thread unless told otherwise (MTTCG). */
    if (strcmp(accel, "tcg") == 0 && o->cpus > 1) {
        ARG("-accel"); ARG("tcg,thread=multi");
    } else {
        ARG("-accel"); ARG(accel);
    }
    ARG("-cpu"); ARG(strcmp(accel, "kvm") == 0 ? "host" : "max");
    ARG("-m"); ARGF("%llu", (unsigned long long)((o->mem + (1ULL << 20) - 1) >> 20));
    ARG("-smp"); ARGF("%u", o->cpus != 0 ? o->cpus : 1);
    ARG("-nodefaults"); ARG("-no-reboot"); ARG("-display"); ARG("none");
    if (o->firmware == NULL) {
        ARG("-kernel"); ARG(o->kernel);
        ARG("-chardev"); ARGF("file,id=solo_out,path=%s", out);
        ARG("-chardev"); ARGF("file,id=solo_err,path=%s", err);
        ARG("-serial"); ARG("chardev:solo_out");
        ARG("-serial"); ARG("chardev:solo_err");
    } else {
        /* OVMF and GRUB write to COM1: keep that out of the program's stdout */
        if (strcmp(o->firmware, "uefi") == 0) {
            const char *ovmf = getenv("SOLO_OVMF");
            ARG("-bios"); ARG(ovmf != NULL && ovmf[0] != '\0' ? ovmf : "/usr/share/ovmf/OVMF.fd");
        }
        ARG("-chardev"); ARGF("file,id=solo_fw,path=%s", log);
        ARG("-serial"); ARG("chardev:solo_fw");
    }
    ARG("-chardev"); ARGF("file,id=solo_log,path=%s", log);
    ARG("-device"); ARG("isa-debugcon,iobase=0xe9,chardev=solo_log");
    ARG("-device"); ARG("isa-debug-exit,iobase=0xf4,iosize=4");
    /* virtio-console (added by console): the streams' fast path, ports found by name */
    ARG("-chardev"); ARGF("file,id=solo_vout,path=%s", out);
    ARG("-chardev"); ARGF("file,id=solo_verr,path=%s", err);
    ARG("-device"); ARG("virtio-serial-pci,id=solo_vser,max_ports=4,disable-legacy=on,romfile=");
    ARG("-device"); ARG("virtserialport,bus=solo_vser.0,chardev=solo_vout,name=solo.stdout");
    ARG("-device"); ARG("virtserialport,bus=solo_vser.0,chardev=solo_verr,name=solo.stderr");
    if (o->stdin_sock > 0) {
        ARG("-chardev"); ARGF("socket,id=solo_vin,fd=%d", o->stdin_sock);
        ARG("-device"); ARG("virtserialport,bus=solo_vser.0,chardev=solo_vin,name=solo.stdin");
    }
    ARG("-drive"); ARGF("file=%s,if=none,id=solo_disk,format=raw,cache=%s", o->image,
                        o->scratch ? "unsafe" : "writeback");
    /* a disk boot (--firmware) boots from this disk first */
    const char *bootidx = o->firmware != NULL ? ",bootindex=0" : "";
    if (o->disk != NULL && strcmp(o->disk, "nvme") == 0) {
        ARG("-device"); ARGF("nvme,drive=solo_disk,serial=solo0%s", bootidx);
    } else {
        ARG("-device"); ARGF("virtio-blk-pci,drive=solo_disk,disable-legacy=on%s", bootidx);
    }
    net_argv(o, av);
#undef ARG
#undef ARGF
}

bool vm_exit_line(const char *line, size_t len, int *status)
{
    static const char tag[] = "SOLO-EXIT ";
    size_t tl = sizeof(tag) - 1, i;
    int v = 0;
    while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == '\n'))
        len--;
    if (len <= tl || memcmp(line, tag, tl) != 0)
        return false;
    for (i = tl; i < len && line[i] >= '0' && line[i] <= '9' && v < 1000; i++)
        v = v * 10 + (line[i] - '0');
    if (i != len || v > 255)
        return false;
    *status = v;
    return true;
}

/* Write all of buf to fd; false once the reader went away. */
static bool write_all(int fd, const char *buf, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, buf, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        buf += w;
        n -= (size_t)w;
    }
    return true;
}

/* One complete kernel log line. */
static void log_line(struct relay *r, const char *line, size_t len)
{
    int st;
    size_t tl = sizeof(VM_TRACE_TAG) - 1;
    if (len >= tl && memcmp(line, VM_TRACE_TAG, tl) == 0) {
        if (r->trace_ok)
            r->trace_ok = write_all(r->trace_fd, line + tl, len - tl) && write_all(r->trace_fd, "\n", 1);
        return;                        /* shown once, untagged, even with -v */
    }
    if (r->verbose && r->sink_ok[1])
        r->sink_ok[1] = write_all(2, line, len) && write_all(2, "\n", 1);
    if (vm_exit_line(line, len, &st)) {
        r->exited = true;
        r->status = st;
    }
    free(r->ring[r->ringpos]);
    r->ring[r->ringpos] = strndup(line, len);
    r->ringpos = (r->ringpos + 1) % LOG_KEEP;
    r->nlines++;
}

/* Split kernel log bytes into lines (over-long lines are cut). */
static void log_bytes(struct relay *r, const char *buf, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (buf[i] == '\n' || r->linelen == LINE_MAX_LEN) {
            log_line(r, r->line, r->linelen);
            r->linelen = 0;
            if (buf[i] == '\n')
                continue;
        }
        r->line[r->linelen++] = buf[i];
    }
}

static void qemu_bytes(struct relay *r, const char *buf, size_t n)
{
    if (r->verbose && r->sink_ok[1])
        r->sink_ok[1] = write_all(2, buf, n);
    if (r->qerrlen + n > QERR_MAX)
        n = QERR_MAX - r->qerrlen;
    memcpy(r->qerr + r->qerrlen, buf, n);
    r->qerrlen += n;
}

/* Read what channel c has and route it. */
static void drain_channel(struct relay *r, int c)
{
    char buf[65536];
    ssize_t n = read(r->rfd[c], buf, sizeof(buf));
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (n <= 0) {
        close(r->rfd[c]);
        r->rfd[c] = -1;
        return;
    }
    if (c == CH_OUT || c == CH_ERR) {
        if (r->sink_ok[c])
            r->sink_ok[c] = write_all(c == CH_OUT ? 1 : 2, buf, (size_t)n);
    } else if (c == CH_LOG) {
        log_bytes(r, buf, (size_t)n);
    } else {
        qemu_bytes(r, buf, (size_t)n);
    }
}

/* End of solo's stdin: shut down our sending side (not close: QEMU drops a
 * socket on hang-up even with unread bytes; a half-close lets it read them
 * all, then EOF, which the guest sees as end of input). */
static void stdin_eof(struct relay *r)
{
    if (r->in_sock >= 0)
        shutdown(r->in_sock, SHUT_WR);
    r->in_fd = -1;
    r->inlen = r->inoff = 0;
}

/* Stop relaying stdin for good. */
static void stdin_done(struct relay *r)
{
    if (r->in_sock >= 0)
        close(r->in_sock);
    r->in_sock = -1;
    r->in_fd = -1;
    r->inlen = r->inoff = 0;
}

/* Read more of solo's stdin (revents on fd 0). */
static void stdin_read(struct relay *r, short revents)
{
    ssize_t n = (revents & POLLNVAL) != 0 ? 0 : read(r->in_fd, r->inbuf, sizeof(r->inbuf));
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (n <= 0) {
        stdin_eof(r);
        return;
    }
    r->inlen = (size_t)n;
    r->inoff = 0;
}

/* Push pending stdin bytes into the (non-blocking) socket. */
static void stdin_write(struct relay *r)
{
    ssize_t n = write(r->in_sock, r->inbuf + r->inoff, r->inlen - r->inoff);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (n <= 0) {                  /* QEMU went away */
        stdin_done(r);
        return;
    }
    r->inoff += (size_t)n;
    if (r->inoff == r->inlen)
        r->inlen = r->inoff = 0;
}

/* Add the stdin relay's pollfd (reading fd 0, or writing the socket while
 * bytes are pending); returns the new count.  *slot gets its index or -1. */
static int stdin_pollfd(struct relay *r, struct pollfd *pf, int np, int *slot)
{
    *slot = -1;
    if (r->in_sock < 0 || (r->in_fd < 0 && r->inlen == 0))
        return np;
    *slot = np;
    if (r->inlen > 0)
        pf[np] = (struct pollfd){ r->in_sock, POLLOUT, 0 };
    else
        pf[np] = (struct pollfd){ r->in_fd, POLLIN, 0 };
    return np + 1;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Poll until every channel is at EOF.  Returns 0, or the signal / -1 for a timeout
 * that made us kill QEMU. */
static int relay_loop(struct relay *r, pid_t pid, unsigned timeout_s)
{
    int64_t deadline = timeout_s != 0 ? now_ms() + (int64_t)timeout_s * 1000 : 0;
    int why = 0;
    for (;;) {
        struct pollfd pf[NCH + 1];
        int map[NCH], np = 0, in_slot;
        for (int c = 0; c < NCH; c++) {
            if (r->rfd[c] >= 0) {
                pf[np] = (struct pollfd){ r->rfd[c], POLLIN, 0 };
                map[np++] = c;
            }
        }
        if (np == 0)
            return why;
        int nch = np;
        np = stdin_pollfd(r, pf, np, &in_slot);
        int wait = -1;
        if (deadline != 0 && why == 0)
            wait = (int)MAX(deadline - now_ms(), 0);
        int n = poll(pf, (nfds_t)np, wait);
        if (got_signal != 0 && why == 0) {
            why = got_signal;
            kill(pid, SIGTERM);
        }
        if (deadline != 0 && why == 0 && now_ms() >= deadline) {
            why = -1;
            kill(pid, SIGKILL);
        }
        for (int i = 0; n > 0 && i < nch; i++)
            if (pf[i].revents != 0)
                drain_channel(r, map[i]);
        if (n > 0 && in_slot >= 0 && pf[in_slot].revents != 0) {
            if (r->inlen > 0)
                stdin_write(r);
            else
                stdin_read(r, pf[in_slot].revents);
        }
    }
}

/* Tell the user why there is no exit status, with the end of the kernel log. */
static void post_mortem(struct relay *r, int wstatus)
{
    if (r->nlines == 0 && r->linelen == 0) {
        errmsg("QEMU stopped before the kernel wrote anything (%s %d)",
               WIFEXITED(wstatus) ? "exit status" : "signal",
               WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : WTERMSIG(wstatus));
    } else {
        errmsg("the VM stopped without reporting an exit status (kernel panic or crash); "
               "last kernel log lines:");
        size_t n = MIN(r->nlines, (size_t)LOG_KEEP);
        for (size_t i = 0; i < n; i++) {
            const char *l = r->ring[(r->ringpos + LOG_KEEP - n + i) % LOG_KEEP];
            fprintf(stderr, "  | %s\n", l != NULL ? l : "");
        }
        if (r->linelen > 0)
            fprintf(stderr, "  | %.*s\n", (int)r->linelen, r->line);
    }
    if (r->qerrlen > 0 && !r->verbose)
        fprintf(stderr, "solo: QEMU said:\n%.*s%s", (int)r->qerrlen, r->qerr,
                r->qerr[r->qerrlen - 1] == '\n' ? "" : "\n");
}

/* Child side of fork: wire the fds and exec QEMU. */
_Noreturn static void exec_qemu(struct strvec *av, const int wfd[NCH], int stdin_sock)
{
    if (stdin_sock > 0)
        fcntl(stdin_sock, F_SETFD, 0);
    int null = open("/dev/null", O_RDONLY);
    if (null >= 0)
        dup2(null, 0);
    dup2(wfd[CH_QEMU], 1);
    dup2(wfd[CH_QEMU], 2);
    for (int c = 0; c < CH_QEMU; c++)
        fcntl(wfd[c], F_SETFD, 0);
    signal(SIGPIPE, SIG_DFL);
    execv(av->v[0], av->v);
    dprintf(2, "exec %s: %s\n", av->v[0], strerror(errno));
    _exit(127);
}

/* Install handlers so SIGINT/SIGTERM/SIGHUP interrupt poll instead of killing solo. */
static void catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* Create the four pipes (read ends cloexec). */
static int make_pipes(int rfd[NCH], int wfd[NCH])
{
    for (int c = 0; c < NCH; c++) {
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0) {
            int e = errno;
            for (int k = 0; k < c; k++) {
                close(rfd[k]);
                close(wfd[k]);
            }
            return -e;
        }
        rfd[c] = p[0];
        wfd[c] = p[1];
    }
    return 0;
}

/* A terminal on fd 0 goes raw-ish for the run: no line buffering and no
 * local echo (ICANON, ECHO, IEXTEN off; VMIN 1), so every key reaches the
 * program at once and a program that manages the terminal (readline) echoes
 * and edits as it does natively; ISIG (^C/^Z stop solo), ICRNL (Enter is
 * \n) and output processing stay on.  ^D is passed on as a byte. */
static void tty_raw(struct relay *r)
{
    struct termios t;
    if (!isatty(0) || tcgetattr(0, &r->tty) < 0)
        return;
    t = r->tty;
    t.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ECHONL | IEXTEN);
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    r->tty_saved = tcsetattr(0, TCSANOW, &t) == 0;
}

static void tty_restore(struct relay *r)
{
    if (r->tty_saved)
        tcsetattr(0, TCSANOW, &r->tty);
    r->tty_saved = false;
}

/* The stdin socket pair: QEMU's end in o->stdin_sock, ours (non-blocking)
 * in r->in_sock.  Without one (fd 0 closed, a terminal solo does not own as
 * the foreground job, no socket) the guest's stdin reads EOF. */
static void stdin_open(struct relay *r, struct vm_opts *o)
{
    int sv[2];
    o->stdin_sock = 0;
    if (fcntl(0, F_GETFD) < 0 || (isatty(0) && tcgetpgrp(0) != getpgrp()))
        return;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return;
    fcntl(sv[0], F_SETFL, O_NONBLOCK);
    r->in_sock = sv[0];
    r->in_fd = 0;
    o->stdin_sock = sv[1];
    tty_raw(r);
}

/* Turn the relay's outcome into solo's exit status. */
static int outcome(struct relay *r, int why, int wstatus, unsigned timeout_s)
{
    if (r->exited)
        return r->status;
    if (why == -1) {
        errmsg("timed out after %u s; the VM was killed", timeout_s);
        return SOLO_EXIT_TIMEOUT;
    }
    if (why > 0)
        return 128 + why;
    post_mortem(r, wstatus);
    return SOLO_EXIT_VM;
}

int vm_run(const struct vm_opts *o)
{
    const char *name = o->qemu != NULL ? o->qemu : getenv("SOLO_QEMU");
    char *qemu = qemu_find(name != NULL && name[0] != '\0' ? name : "qemu-system-x86_64");
    struct relay r = { .sink_ok = { true, true }, .verbose = o->verbose, .in_fd = -1, .in_sock = -1,
                       .trace_fd = o->trace_fd > 0 ? o->trace_fd : 2, .trace_ok = true };
    struct vm_opts vo = *o;
    struct strvec av = { NULL, 0 };
    int wfd[NCH], wstatus = 0, rc;
    if (qemu == NULL) {
        errmsg("%s not found (install the Debian package qemu-system-x86)",
               name != NULL && name[0] != '\0' ? name : "qemu-system-x86_64");
        return SOLO_EXIT_FAILURE;
    }
    if (make_pipes(r.rfd, wfd) < 0) {
        errmsg("cannot create pipes: %s", strerror(errno));
        free(qemu);
        return SOLO_EXIT_FAILURE;
    }
    char *paths[3];
    for (int c = 0; c < 3; c++)
        paths[c] = xasprintf("/dev/fd/%d", wfd[c]);
    stdin_open(&r, &vo);
    vm_argv(&vo, qemu, paths[0], paths[1], paths[2], &av);
    if (o->verbose) {
        fputs("solo: running", stderr);
        for (size_t i = 0; i < av.n; i++)
            fprintf(stderr, " %s", av.v[i]);
        fputc('\n', stderr);
    }
    r.qerr = xmalloc(QERR_MAX);
    catch_signals();
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0)
        exec_qemu(&av, wfd, vo.stdin_sock);
    for (int c = 0; c < NCH; c++)
        close(wfd[c]);
    if (vo.stdin_sock > 0)
        close(vo.stdin_sock);
    if (pid < 0) {
        errmsg("cannot start QEMU: %s", strerror(errno));
        rc = SOLO_EXIT_FAILURE;
    } else {
        int why = relay_loop(&r, pid, o->timeout_s);
        while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
            ;
        rc = outcome(&r, why, wstatus, o->timeout_s);
    }
    for (int c = 0; c < NCH; c++)
        if (r.rfd[c] >= 0)
            close(r.rfd[c]);
    stdin_done(&r);
    tty_restore(&r);
    for (int i = 0; i < LOG_KEEP; i++)
        free(r.ring[i]);
    for (int c = 0; c < 3; c++)
        free(paths[c]);
    free(r.qerr);
    free(qemu);
    strvec_free(&av);
    return rc;
}
