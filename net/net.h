/*
 * net.h - the network service's interface to the rest of the kernel and
 * between its own files: netif.c (lwIP start-up, virtio-net glue, DHCP, the
 * generated /etc files, the poll path), socket.c (AF_INET/AF_INET6 sockets
 * over lwIP's raw API) and unix.c (AF_UNIX).  syscalls/net.c decodes the
 * Linux ABI and calls the sock_* functions below with kernel copies of
 * addresses and data.
 *
 * Invariant: lwIP runs only on the kernel's one execution context (syscalls,
 * the virtio-net interrupt, the lwIP kernel timer), all with interrupts off,
 * so there is no locking anywhere in net/.
 */
#ifndef SOLO_NET_H
#define SOLO_NET_H

#include "runtime/kernel.h"
#include "runtime/sched/thread.h"

struct file;
struct sock;

/* Bring the network up (called once after the root filesystem is mounted):
 * lwIP, loopback, virtio-net with DHCP or the manifest's static address,
 * the /etc files for the resolver.  Never fails the boot. */
void net_init(void);
extern u64 net_init_ns;                /* now_ns() when the stack started */

/* Process what the device and loopback have delivered and run due lwIP
 * timers; wakes sockets whose state changed. */
void net_poll(void);

/* At program exit (interrupts off): send a FIN on every open connection
 * (its descriptors close with the program) and keep the stack running, by
 * polling, until all queued TCP data and FINs are acknowledged or
 * NET_FLUSH_NS passes, so what the program wrote before exiting still
 * reaches its peers, as on Linux. */
void net_flush(void);

/* ---- Linux ABI constants ---- */
#define AF_UNSPEC 0
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define AF_NETLINK 16
#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define SOCK_RAW 3
#define SOCK_SEQPACKET 5
#define SOCK_TYPE_MASK 0xf
#define SOCK_NONBLOCK 04000
#define SOCK_CLOEXEC 02000000
#define IPPROTO_IP 0
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define IPPROTO_IPV6 41
#define SOL_SOCKET 1
#define SHUT_RD 0
#define SHUT_WR 1
#define SHUT_RDWR 2
#define MSG_OOB 0x1
#define MSG_PEEK 0x2
#define MSG_DONTROUTE 0x4
#define MSG_TRUNC 0x20
#define MSG_DONTWAIT 0x40
#define MSG_EOR 0x80
#define MSG_WAITALL 0x100
#define MSG_NOSIGNAL 0x4000
#define MSG_MORE 0x8000
#define MSG_CMSG_CLOEXEC 0x40000000

/* A socket address in the caller's (kernel) memory, Linux layout. */
#define SOCKADDR_MAX 128
struct ksockaddr {
    u8 data[SOCKADDR_MAX];
    u32 len;
};

/* One datagram/stream transfer request, kernel buffers. */
struct sock_msg {
    void *buf;
    size_t len;
    int flags;                         /* MSG_* */
    struct ksockaddr *addr;            /* in: destination (send), out: source (recv); may be NULL */
    int out_flags;                     /* MSG_TRUNC on receive */
    /* SCM_RIGHTS (AF_UNIX): on send, files to pass (references the callee
     * takes over when it sends any byte, else leaves to the caller); on
     * receive, files arrived with the data (references for the caller)
     * when want_files is set, else they are dropped as Linux drops them. */
    struct file **files;
    int nfiles;
    bool want_files;
    /* Received ancillary data the family adds (IP_TTL, IPV6_HOPLIMIT...),
     * in the order Linux writes it; recvmsg copies it out. */
    struct sock_cmsg {
        int level, type;
        u32 len;                       /* bytes of data */
        u8 data[20];
    } anc[6];
    int nanc;
    /* Received: when the datagram arrived (realtime ns; 0 where the family does not
     * record it), for SO_TIMESTAMP and its variants. */
    u64 tstamp;
    /* On send: the datagram's own hop limit (TTL) / traffic class (TOS)
     * from sendmsg's control data, IPv6's on AF_INET6 sockets, IPv4's on
     * AF_INET ones (-1: the socket's). */
    int hoplimit, tclass;
};

/* ---- sockets (socket.c: the file type and what every family shares) ---- */

/* Per-family methods.  f is the socket's file (f->priv a struct sock *). */
struct sock_ops {
    int (*bind)(struct file *f, const struct ksockaddr *a);
    int (*listen)(struct file *f, int backlog);
    /* A connection: 0 and *out (a new socket file, flags O_NONBLOCK or 0). */
    int (*accept)(struct file *f, int flags, struct file **out, struct ksockaddr *peer);
    int (*connect)(struct file *f, const struct ksockaddr *a);
    int (*shutdown)(struct file *f, int how);
    long (*send)(struct file *f, struct sock_msg *m);   /* bytes or -errno */
    long (*recv)(struct file *f, struct sock_msg *m);   /* bytes or -errno */
    int (*name)(struct file *f, struct ksockaddr *a, bool peer);
    /* Family and protocol levels (SOL_SOCKET is handled in socket.c first). */
    int (*setopt)(struct file *f, int level, int name, const void *val, u32 len);
    int (*getopt)(struct file *f, int level, int name, void *val, u32 *len);
    int (*poll)(struct file *f);       /* POLL* bits */
    long (*nread)(struct file *f);     /* FIONREAD: bytes ready to read */
    void (*release)(struct sock *s);   /* last reference gone: free s */
};

/* What every socket starts with (embedded first in each family's state). */
struct sock {
    const struct sock_ops *ops;
    int family, type, protocol;
    struct waitq wq;                   /* blocked callers on this socket */
    int err;                           /* pending SO_ERROR (positive errno) */
    u64 rcvtimeo, sndtimeo;            /* ns; 0: wait forever */
    int rcvbuf, sndbuf;                /* as set (Linux doubles on set) */
    bool reuseaddr, reuseport, keepalive, broadcast, oobinline, passcred;
    bool listening;
    int linger_on, linger_s;
    int rcvlowat;
    u8 tstamp;                         /* SO_TIMESTAMP*: SOCK_TS_* bits */
    u64 ino;
};

/* struct sock's tstamp bits, as Linux's SOCK_RCVTSTAMP, SOCK_RCVTSTAMPNS, SOCK_TSTAMP_NEW */
#define SOCK_TS_ON 1
#define SOCK_TS_NS 2
#define SOCK_TS_NEW 4

bool file_is_socket(struct file *f);
struct sock *file_sock(struct file *f);   /* NULL if f is not a socket */
/* New socket file around s (taking it over): 0 and *out, or -ENFILE. */
int sock_file(struct sock *s, int flags, struct file **out);
void sock_init(struct sock *s, const struct sock_ops *ops, int family, int type, int protocol);
/* New socket: 0 and *out (one reference), or -EAFNOSUPPORT, -EPROTONOSUPPORT,
 * -ESOCKTNOSUPPORT, -EINVAL, -ENOMEM. */
int sock_create(int family, int type, int protocol, struct file **out);
int sock_pair(int family, int type, int protocol, struct file **a, struct file **b);
int sock_setopt(struct file *f, int level, int name, const void *val, u32 len);
int sock_getopt(struct file *f, int level, int name, void *val, u32 *len);

int inet_create(int family, int type, int protocol, struct sock **out);   /* inet.c */
int unix_create(int type, struct sock **out);                             /* unix.c */
int unix_pair(int type, struct sock **a, struct sock **b);
int netlink_create(int type, int protocol, struct sock **out);           /* netlink.c */
/* SIOCGIFNAME/INDEX/FLAGS/MTU/HWADDR on a kernel copy of a struct ifreq
 * (40 bytes), from the interface table netlink.c also reports: 0, -ENODEV,
 * or -ENOTTY for another command (ifr NULL: just whether cmd is one). */
int net_ifreq(unsigned cmd, void *ifr);

/* Sleep on s until woken or its timeout; f's O_NONBLOCK and MSG_DONTWAIT
 * make it -EAGAIN at once.  0 (recheck), -EAGAIN, -EINTR. */
int sock_wait(struct file *f, struct sock *s, int msgflags, bool sending, u64 *deadline);
/* A socket's state changed: wake its sleepers and poll/select/epoll. */
void sock_wake(struct sock *s);
bool sock_nonblock(struct file *f, int msgflags);

#endif
