/*
 * scm_rights.c - descriptor passing (SCM_RIGHTS) over AF_UNIX stream and
 * datagram socketpairs: the received descriptors are new numbers for the
 * same open files, MSG_CMSG_CLOEXEC marks them close-on-exec, several
 * SCM_RIGHTS messages arrive as one, a short control buffer truncates
 * (MSG_CTRUNC, the extra descriptors closed), an empty or partial array is
 * accepted, and the errors: a bad descriptor EBADF, more than SCM_MAX_FD
 * (253) EINVAL, a malformed cmsg_len EINVAL.  On a stream the descriptors
 * stay with the bytes sent with them: a read stops after those bytes.
 * SCM_CREDENTIALS with SO_PASSCRED: the receiver sees the sender's pid,
 * uid and gid.
 */
// covers: sendmsg recvmsg socketpair
#include "common.h"
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>

#define MAXC 4096

static union {
    struct cmsghdr h;
    char b[MAXC];
} cbuf;

/* sendmsg data with SCM_RIGHTS fds (n of them; n < 0: no control data). */
static long send_fds(int s, const char *data, const int *fds, int n)
{
    struct iovec iov = { (void *)data, strlen(data) };
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
    if (n >= 0) {
        memset(&cbuf, 0, sizeof(cbuf));
        cbuf.h.cmsg_len = CMSG_LEN(n * sizeof(int));
        cbuf.h.cmsg_level = SOL_SOCKET;
        cbuf.h.cmsg_type = SCM_RIGHTS;
        memcpy(CMSG_DATA(&cbuf.h), fds, n * sizeof(int));
        m.msg_control = cbuf.b;
        m.msg_controllen = CMSG_SPACE(n * sizeof(int));
    }
    return syscall(SYS_sendmsg, s, &m, 0);
}

/* recvmsg into buf with a control buffer of clen bytes; prints what came and
 * stores the received fds in got (count in *ngot). */
static long recv_fds(const char *what, int s, char *buf, size_t len, size_t clen, int flags,
                     int *got, int *ngot)
{
    struct iovec iov = { buf, len };
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
    memset(&cbuf, 0, sizeof(cbuf));
    m.msg_control = clen > 0 ? cbuf.b : NULL;
    m.msg_controllen = clen;
    long r = syscall(SYS_recvmsg, s, &m, flags);
    *ngot = 0;
    if (r < 0) {
        printf("%s: -1 %s\n", what, errname(errno));
        return r;
    }
    printf("%s: %ld \"%.*s\" flags %s controllen %zu\n", what, r, (int)r, buf,
           (m.msg_flags & MSG_CTRUNC) ? "CTRUNC" : "0", (size_t)m.msg_controllen);
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c != NULL; c = CMSG_NXTHDR(&m, c)) {
        int n = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        printf("  cmsg level %d type %d len %zu", c->cmsg_level, c->cmsg_type, (size_t)c->cmsg_len);
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            printf(" fds %d", n);
            memcpy(got + *ngot, CMSG_DATA(c), n * sizeof(int));
            *ngot += n;
        } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
            struct ucred u;
            memcpy(&u, CMSG_DATA(c), sizeof(u));
            printf(" pid is ours %d uid %u gid %u", u.pid == getpid(), u.uid, u.gid);
        }
        printf("\n");
    }
    return r;
}

/* Whether fd reads what is written to the pipe's write end w. */
static int same_pipe(int fd, int w)
{
    char c = 0;
    if (write(w, "q", 1) != 1 || read(fd, &c, 1) != 1)
        return 0;
    return c == 'q';
}

/* The lowest free descriptor (to see which ones a call left open). */
static int lowest_free(void)
{
    int fd = dup(0);
    close(fd);
    return fd;
}

static void closeall(const int *fds, int n)
{
    for (int i = 0; i < n; i++)
        close(fds[i]);
}

static void basics(int type, const char *name)
{
    int sv[2], p[2], got[300], n;
    char buf[64];
    printf("-- %s\n", name);
    socketpair(AF_UNIX, type, 0, sv);
    pipe(p);
    show("send 1 fd", send_fds(sv[0], "a", &p[0], 1));
    recv_fds("recv", sv[1], buf, sizeof(buf), MAXC, 0, got, &n);
    fact("received fd is a new number", n == 1 && got[0] != p[0]);
    fact("same pipe", n == 1 && same_pipe(got[0], p[1]));
    fact("no cloexec", n == 1 && fcntl(got[0], F_GETFD) == 0);
    closeall(got, n);

    show("send 1 fd", send_fds(sv[0], "b", &p[0], 1));
    recv_fds("recv CMSG_CLOEXEC", sv[1], buf, sizeof(buf), MAXC, MSG_CMSG_CLOEXEC, got, &n);
    fact("cloexec", n == 1 && fcntl(got[0], F_GETFD) == FD_CLOEXEC);
    closeall(got, n);

    /* two SCM_RIGHTS messages in one sendmsg arrive as one */
    {
        struct iovec iov = { "c", 1 };
        struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
        memset(&cbuf, 0, sizeof(cbuf));
        struct cmsghdr *c1 = &cbuf.h;
        c1->cmsg_len = CMSG_LEN(sizeof(int));
        c1->cmsg_level = SOL_SOCKET;
        c1->cmsg_type = SCM_RIGHTS;
        memcpy(CMSG_DATA(c1), &p[0], sizeof(int));
        struct cmsghdr *c2 = (struct cmsghdr *)(cbuf.b + CMSG_SPACE(sizeof(int)));
        c2->cmsg_len = CMSG_LEN(2 * sizeof(int));
        c2->cmsg_level = SOL_SOCKET;
        c2->cmsg_type = SCM_RIGHTS;
        int two[2] = { p[1], p[0] };
        memcpy(CMSG_DATA(c2), two, sizeof(two));
        m.msg_control = cbuf.b;
        m.msg_controllen = CMSG_SPACE(sizeof(int)) + CMSG_SPACE(2 * sizeof(int));
        show("send two cmsgs", syscall(SYS_sendmsg, sv[0], &m, 0));
    }
    recv_fds("recv", sv[1], buf, sizeof(buf), MAXC, 0, got, &n);
    fact("order kept", n == 3 && same_pipe(got[0], got[1]) && same_pipe(got[2], p[1]));
    closeall(got, n);

    /* a control buffer for one of three: MSG_CTRUNC, the other two closed */
    int three[3] = { p[0], p[0], p[0] };
    show("send 3 fds", send_fds(sv[0], "d", three, 3));
    int before = lowest_free();
    recv_fds("recv room for 1", sv[1], buf, sizeof(buf), CMSG_LEN(sizeof(int)), 0, got, &n);
    fact("only that one installed", n == 1 && got[0] == before && lowest_free() == before + 1);
    closeall(got, n);
    show("send 3 fds", send_fds(sv[0], "e", three, 3));
    recv_fds("recv no control buffer", sv[1], buf, sizeof(buf), 0, 0, got, &n);
    fact("none installed", lowest_free() == before);
    show("send 1 fd", send_fds(sv[0], "f", &p[0], 1));
    recv_fds("recv header only", sv[1], buf, sizeof(buf), CMSG_LEN(0), 0, got, &n);
    show("send 1 fd", send_fds(sv[0], "g", &p[0], 1));
    recv_fds("recv room for half a header", sv[1], buf, sizeof(buf), 8, 0, got, &n);
    fact("none installed", lowest_free() == before);

    /* empty and partial arrays are accepted */
    show("send empty array", send_fds(sv[0], "h", NULL, 0));
    recv_fds("recv", sv[1], buf, sizeof(buf), MAXC, 0, got, &n);
    {
        struct iovec iov = { "i", 1 };
        struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
        memset(&cbuf, 0, sizeof(cbuf));
        cbuf.h.cmsg_len = CMSG_LEN(3);
        cbuf.h.cmsg_level = SOL_SOCKET;
        cbuf.h.cmsg_type = SCM_RIGHTS;
        m.msg_control = cbuf.b;
        m.msg_controllen = CMSG_SPACE(3);
        show("send partial int", syscall(SYS_sendmsg, sv[0], &m, 0));
        recv_fds("recv", sv[1], buf, sizeof(buf), MAXC, 0, got, &n);
        /* another level is not the socket layer's: ignored */
        cbuf.h.cmsg_len = CMSG_LEN(4);
        cbuf.h.cmsg_level = 1234;
        show("send level 1234", syscall(SYS_sendmsg, sv[0], &m, 0));
        recv_fds("recv", sv[1], buf, sizeof(buf), MAXC, 0, got, &n);
        cbuf.h.cmsg_level = SOL_SOCKET;
        cbuf.h.cmsg_type = 77;
        show("send unknown SOL_SOCKET type", syscall(SYS_sendmsg, sv[0], &m, 0));
        cbuf.h.cmsg_type = SCM_RIGHTS;
        cbuf.h.cmsg_len = 8;
        show("send cmsg_len 8", syscall(SYS_sendmsg, sv[0], &m, 0));
        cbuf.h.cmsg_len = CMSG_SPACE(3) + 8;
        show("send cmsg_len past controllen", syscall(SYS_sendmsg, sv[0], &m, 0));
        m.msg_control = (void *)8;
        show("send bad control pointer", syscall(SYS_sendmsg, sv[0], &m, 0));
    }

    /* errors: nothing is sent */
    int bad[2] = { p[0], 999 };
    show("send bad fd", send_fds(sv[0], "x", bad, 2));
    int neg = -1;
    show("send fd -1", send_fds(sv[0], "x", &neg, 1));
    int many[254];
    for (int i = 0; i < 254; i++)
        many[i] = p[0];
    show("send 253 fds", send_fds(sv[0], "j", many, 253));
    int before2 = lowest_free();
    recv_fds("recv 253", sv[1], buf, sizeof(buf), MAXC, MSG_DONTWAIT, got, &n);
    closeall(got, n);
    fact("all closed again", lowest_free() == before2);
    show("send 254 fds", send_fds(sv[0], "x", many, 254));
    show("recv nothing left", recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT));
    close(p[0]);
    close(p[1]);
    close(sv[0]);
    close(sv[1]);
}

static void stream_bounds(void)
{
    int sv[2], p[2], got[8], n;
    char buf[64];
    printf("-- stream boundaries\n");
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    pipe(p);
    send_fds(sv[0], "ab", &p[0], 1);
    send_fds(sv[0], "cd", NULL, -1);
    send_fds(sv[0], "ef", &p[0], 1);
    send_fds(sv[0], "gh", &p[1], 1);
    recv_fds("recv", sv[1], buf, sizeof(buf), MAXC, 0, got, &n);
    closeall(got, n);
    recv_fds("recv", sv[1], buf, sizeof(buf), MAXC, 0, got, &n);
    closeall(got, n);
    recv_fds("recv", sv[1], buf, sizeof(buf), MAXC, 0, got, &n);
    closeall(got, n);
    show("recv empty", recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT));
    /* a partial read of the bytes sent with files gets the files */
    send_fds(sv[0], "ijkl", &p[0], 1);
    recv_fds("recv 2 of 4", sv[1], buf, 2, MAXC, 0, got, &n);
    closeall(got, n);
    recv_fds("recv the rest", sv[1], buf, sizeof(buf), MAXC, 0, got, &n);
    /* read(2) drops passed files */
    send_fds(sv[0], "mn", &p[0], 1);
    int before = lowest_free();
    show("read", read(sv[1], buf, sizeof(buf)));
    fact("nothing installed", lowest_free() == before);
    close(p[0]);
    close(p[1]);
    close(sv[0]);
    close(sv[1]);
}

static void creds(void)
{
    int sv[2], got[8], n, one = 1;
    char buf[64];
    printf("-- credentials\n");
    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
    show("send without SO_PASSCRED", send(sv[0], "a", 1, 0));
    recv_fds("recv", sv[1], buf, sizeof(buf), MAXC, 0, got, &n);
    show("SO_PASSCRED", setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)));
    show("send", send(sv[0], "b", 1, 0));
    recv_fds("recv", sv[1], buf, sizeof(buf), MAXC, 0, got, &n);
    show("send", send(sv[0], "c", 1, 0));
    recv_fds("recv no room", sv[1], buf, sizeof(buf), 0, 0, got, &n);
    close(sv[0]);
    close(sv[1]);
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one));
    show("stream send", send(sv[0], "de", 2, 0));
    recv_fds("stream recv", sv[1], buf, sizeof(buf), MAXC, 0, got, &n);
    close(sv[0]);
    close(sv[1]);
}

int main(void)
{
    basics(SOCK_STREAM, "stream");
    basics(SOCK_DGRAM, "datagram");
    stream_bounds();
    creds();
    return 0;
}
