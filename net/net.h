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

/* Bring the network up (called once after the root filesystem is mounted):
 * lwIP, loopback, virtio-net with DHCP or the manifest's static address,
 * the /etc files for the resolver.  Never fails the boot. */
void net_init(void);

/* Process what the device and loopback have delivered and run due lwIP
 * timers; wakes sockets whose state changed. */
void net_poll(void);

/* ---- Linux ABI constants ---- */
#define AF_UNSPEC 0
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
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
    int *fds;                          /* SCM_RIGHTS: file descriptors passed (AF_UNIX) */
    int nfds;                          /* in: how many to send / room to receive; out: received */
};

/* ---- sockets (socket.c dispatches by family) ---- */
struct sock_ops {
    int (*bind)(struct file *f, const struct ksockaddr *a);
    int (*listen)(struct file *f, int backlog);
    int (*accept)(struct file *f, int flags, struct file **out, struct ksockaddr *peer);
    int (*connect)(struct file *f, const struct ksockaddr *a);
    int (*shutdown)(struct file *f, int how);
    long (*send)(struct file *f, struct sock_msg *m);
    long (*recv)(struct file *f, struct sock_msg *m);
    int (*name)(struct file *f, struct ksockaddr *a, bool peer);
    int (*setopt)(struct file *f, int level, int name, const void *val, u32 len);
    int (*getopt)(struct file *f, int level, int name, void *val, u32 *len);
};

bool file_is_socket(struct file *f);
const struct sock_ops *sock_ops_of(struct file *f);
/* New socket file: 0 and *out (one reference), or -EAFNOSUPPORT,
 * -EPROTONOSUPPORT, -ESOCKTNOSUPPORT, -ENOMEM. */
int sock_create(int family, int type, int protocol, struct file **out);
int sock_pair(int family, int type, int protocol, struct file **a, struct file **b);

int inet_create(int family, int type, int protocol, struct file **out);   /* socket.c */
int unix_create(int type, struct file **out);                             /* unix.c */
int unix_pair(int type, struct file **a, struct file **b);

/* Socket-level options shared by every family (SO_TYPE, SO_ERROR...): 0 if
 * handled, -ENOPROTOOPT if not known. */
int sock_common_getopt(struct file *f, int type, int err, int name, void *val, u32 *len);

/* Sleep until woken or deadline (0 = none); -EINTR when a signal arrives. */
int net_wait(struct waitq *q, u64 deadline);
/* A socket's state changed: wake its sleepers and poll/select/epoll. */
void net_wake(struct waitq *q);

#endif
