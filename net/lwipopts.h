/*
 * lwipopts.h - how solo configures lwIP 2.1.3.  NO_SYS: lwIP's raw API only,
 * driven from net/ (the device interrupt, a kernel timer, socket calls) with the
 * kernel's usual guarantee (one CPU, kernel code never preempted, interrupts
 * off), so lwIP needs no locks and no threads of its own.  Memory (heap and
 * pools) comes from kmalloc.  IPv4 and IPv6 (SLAAC), DHCP, loopback, TCP
 * with window scaling and an out-of-order queue, UDP.  Name resolution is
 * glibc's business (it reads /etc/resolv.conf and asks over UDP): lwIP's
 * DNS code is linked only to hold the servers DHCP hands out.
 */
#ifndef SOLO_LWIPOPTS_H
#define SOLO_LWIPOPTS_H

#include <stddef.h>
void *solo_lwip_malloc(size_t n);
void *solo_lwip_calloc(size_t count, size_t size);
void solo_lwip_free(void *p);

#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0
#define LWIP_SOCKET 0
#define LWIP_NETCONN 0
#define LWIP_TIMERS 1

/* memory: everything from the kernel heap */
#define MEM_LIBC_MALLOC 1
#define MEMP_MEM_MALLOC 1
#define MEM_ALIGNMENT 8
#define mem_clib_malloc solo_lwip_malloc
#define mem_clib_calloc solo_lwip_calloc
#define mem_clib_free solo_lwip_free
#define MEMP_NUM_TCP_PCB 1024
#define MEMP_NUM_TCP_PCB_LISTEN 256
#define MEMP_NUM_UDP_PCB 256
#define MEMP_NUM_TCP_SEG 8192
#define MEMP_NUM_PBUF 4096
#define MEMP_NUM_REASSDATA 64
#define MEMP_NUM_FRAG_PBUF 256
#define MEMP_NUM_SYS_TIMEOUT 64
#define PBUF_POOL_SIZE 512
#define PBUF_LINK_ENCAPSULATION_HLEN 0

/* link and network layers */
#define LWIP_ETHERNET 1
#define LWIP_ARP 1
#define ARP_TABLE_SIZE 32
#define ARP_QUEUEING 1
#define LWIP_IPV4 1
#define LWIP_IPV6 1
#define LWIP_IPV6_AUTOCONFIG 1
#define LWIP_IPV6_MLD 1
#define LWIP_IPV6_NUM_ADDRESSES 3
#define LWIP_IPV6_DUP_DETECT_ATTEMPTS 0  /* addresses usable at once (boot waits for them) */
#define LWIP_ICMP 1
#define LWIP_ICMP6 1
#define LWIP_RAW 0
#define LWIP_IGMP 0
#define LWIP_AUTOIP 0
#define LWIP_DHCP 1
#define LWIP_DHCP_CHECK_LINK_UP 1
#define DHCP_DOES_ARP_CHECK 0          /* no 1 s address probe at boot */
#define LWIP_DNS 1                     /* only to keep the DHCP-provided servers */
#define DNS_MAX_SERVERS 3
#define LWIP_DHCP_GET_NTP_SRV 0
#define LWIP_DHCP_MAX_DNS_SERVERS 3
#define IP_REASSEMBLY 1
#define IP_FRAG 1
#define IPV6_FRAG_COPYHEADER 1          /* 64-bit pointers do not fit the fragment header */
#define IP_DEFAULT_TTL 64
#define SO_REUSE 1
#define SO_REUSE_RXTOALL 1

/* the interfaces: virtio-net plus loopback (127.0.0.1, ::1) */
#define LWIP_NETIF_LOOPBACK 1
#define LWIP_HAVE_LOOPIF 1
#define LWIP_LOOPBACK_MAX_PBUFS 0
/* A packet queued on a loopback queue asks for a poll through
 * tcpip_try_callback, which net/netif.c implements by running the net poll
 * at once from the kernel timer (never inside the lwIP call that queued it):
 * without this, loopback traffic waited for lwIP's next timeout, up to
 * 250 ms a packet. */
#define LWIP_NETIF_LOOPBACK_MULTITHREADING 1
typedef void (*tcpip_callback_fn)(void *ctx);
signed char tcpip_try_callback(tcpip_callback_fn fn, void *ctx);
#define LWIP_NETIF_STATUS_CALLBACK 1
#define LWIP_NETIF_LINK_CALLBACK 1
#define LWIP_NETIF_HOSTNAME 1
#define LWIP_CHECKSUM_CTRL_PER_NETIF 1   /* virtio-net checksum offload */
#define LWIP_SINGLE_NETIF 0

/* TCP: large windows (scaled), out-of-order segments kept */
#define LWIP_TCP 1
#define TCP_MSS 1460
#define LWIP_WND_SCALE 1
#define TCP_RCV_SCALE 4
#define TCP_WND (512 * 1024)
#define TCP_SND_BUF (256 * 1024)
#define TCP_SND_QUEUELEN 2048
#define TCP_SNDLOWAT (32 * 1024)
#define TCP_SNDQUEUELOWAT (TCP_SND_QUEUELEN / 2)
#define TCP_QUEUE_OOSEQ 1
#define TCP_OOSEQ_MAX_BYTES (1024 * 1024)
#define TCP_OOSEQ_MAX_PBUFS 1024
#define TCP_LISTEN_BACKLOG 1
#define TCP_DEFAULT_LISTEN_BACKLOG 128
#define LWIP_TCP_KEEPALIVE 1
#define LWIP_TCP_TIMESTAMPS 0
#define TCP_OVERSIZE TCP_MSS
#define LWIP_TCP_SACK_OUT 0
#define LWIP_CALLBACK_API 1
#define LWIP_UDP 1
#define LWIP_UDPLITE 1                 /* IPPROTO_UDPLITE sockets */

/* checksums: net/sys_arch.c's routine, 64 bits of accumulator per step */
unsigned short solo_chksum(const void *p, int len);
#define LWIP_CHKSUM solo_chksum
#define LWIP_CHKSUM_ALGORITHM 0

/* no stats or debug output */
#define LWIP_STATS 0
#define LWIP_DEBUG 0

#endif
