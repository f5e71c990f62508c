/*
 * netif.c - lwIP's environment: start-up, the virtio-net interface, DHCP or
 * a static address, IPv6 autoconfiguration, loopback, lwIP's timers and the
 * files glibc's resolver reads (/etc/resolv.conf, /etc/hosts,
 * /etc/nsswitch.conf, /etc/hostname), generated from the live configuration.
 *
 * Everything lwIP does starts from one of three places, all on the kernel's
 * single context with interrupts off: a socket call, the virtio-net receive
 * interrupt (net_irq) or the lwIP kernel timer (net_tick), which re-arms
 * itself for lwIP's next timeout (at most NET_TICK_MAX_MS ahead; every
 * NET_POLL_MS when the device has no interrupt and must be polled).  A
 * packet queued on a loopback queue runs that timer at once (lwIP calls
 * tcpip_try_callback below), so loopback traffic flows without waiting for
 * a timeout.
 *
 * Manifest keys (root tuple, as Nanos/ops): "ipaddr", "netmask", "gateway"
 * give a static IPv4 address instead of DHCP; "nameservers" (a tuple of
 * addresses, or one string of addresses separated by spaces or commas)
 * replaces the DHCP-provided DNS servers.
 */
#include "net.h"
#include "runtime/lib/tuple.h"
#include "runtime/drivers/virtio.h"
#include "fs/vfs.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/dhcp.h"
#include "lwip/dns.h"
#include "lwip/timeouts.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/nd6.h"
#include "lwip/ip6_addr.h"
#include "lwip/ip_addr.h"
#include "netif/ethernet.h"

#define NET_TICK_MAX_MS 250
#define NET_POLL_MS 1
#define DHCP_WAIT_NS (5UL * 1000000000UL)
#define IPV6_WAIT_NS (100UL * 1000000UL)
#define NET_FLUSH_NS (3UL * 1000000000UL)
#define MAX_NAMESERVERS 3

struct tuple *fs_manifest(void);
#pragma weak fs_manifest

static struct netif vnif;
static bool have_vnif, polled, csum_tx;
static u16 vnif_csum;                  /* checksum work lwIP does on vnif */
static struct ktimer net_timer;
static char nameservers[MAX_NAMESERVERS][48];
static int n_manifest_ns;

/* ---------------------------------------------------------------- link */

/* Gather a pbuf chain into one frame for the device. */
static err_t vnif_linkoutput(struct netif *nif, struct pbuf *p)
{
    struct vnet_frag frags[32];
    int n = 0;
    for (struct pbuf *q = p; q != NULL; q = q->next) {
        if (n == (int)(sizeof(frags) / sizeof(frags[0])))
            return ERR_BUF;
        if (q->len == 0)
            continue;
        frags[n].p = q->payload;
        frags[n].len = q->len;
        n++;
    }
    int r = virtio_net_send(frags, n, csum_tx);
    return r == 0 ? ERR_OK : ERR_MEM;
}

/* A frame from the device: into a pbuf and up the stack.  Frames whose L4
 * checksum the device vouched for skip lwIP's check. */
static void vnif_rx(const void *frame, u32 len, bool csum_ok)
{
    struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);
    if (p == NULL)
        return;                        /* out of memory: dropped, as a full NIC would */
    pbuf_take(p, frame, (u16_t)len);
    u16 flags = vnif_csum;
    if (csum_ok)
        flags &= (u16)~(NETIF_CHECKSUM_CHECK_TCP | NETIF_CHECKSUM_CHECK_UDP);
    NETIF_SET_CHECKSUM_CTRL(&vnif, flags);
    if (vnif.input(p, &vnif) != ERR_OK)
        pbuf_free(p);
}

/* lwIP netif init for the virtio-net interface. */
static err_t vnif_init(struct netif *nif)
{
    struct vnet_info info;
    if (!virtio_net_info(&info))
        return ERR_IF;
    nif->name[0] = 'e';
    nif->name[1] = 'n';
    nif->hwaddr_len = ETH_HWADDR_LEN;
    memcpy(nif->hwaddr, info.mac, ETH_HWADDR_LEN);
    nif->mtu = 1500;
    nif->mtu6 = 1500;
    nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_IGMP |
                 NETIF_FLAG_MLD6;
    nif->output = etharp_output;
    nif->output_ip6 = ethip6_output;
    nif->linkoutput = vnif_linkoutput;
    csum_tx = info.csum_tx;
    vnif_csum = NETIF_CHECKSUM_ENABLE_ALL;
    if (csum_tx)
        vnif_csum &= (u16)~NETIF_CHECKSUM_GEN_TCP;     /* the device completes them */
    NETIF_SET_CHECKSUM_CTRL(nif, vnif_csum);
    netif_set_hostname(nif, "solo");
    return ERR_OK;
}

/* ---------------------------------------------------------------- polling */

/* Are packets waiting on a loopback queue (queued by timeouts after the poll)? */
static bool loop_pending(void)
{
    struct netif *n;
    NETIF_FOREACH(n)
        if (n->loop_first != NULL)
            return true;
    return false;
}

static void net_timer_arm(void)
{
    if (loop_pending()) {
        ktimer_arm(&net_timer, now_ns());
        return;
    }
    u32 ms = sys_timeouts_sleeptime();
    if (ms > NET_TICK_MAX_MS)
        ms = NET_TICK_MAX_MS;
    if (polled && ms > NET_POLL_MS)
        ms = NET_POLL_MS;
    ktimer_arm(&net_timer, now_ns() + (u64)ms * 1000000 + 1);
}

void net_poll(void)
{
    if (have_vnif) {
        virtio_net_poll();
        /* our own segments looped back to vnif's address may carry partial
         * checksums (offload): they need no check */
        NETIF_SET_CHECKSUM_CTRL(&vnif, vnif_csum & ~(NETIF_CHECKSUM_CHECK_TCP | NETIF_CHECKSUM_CHECK_UDP));
    }
    struct netif *n;
    NETIF_FOREACH(n)
        netif_poll(n);                 /* loopback deliveries */
    if (have_vnif)
        NETIF_SET_CHECKSUM_CTRL(&vnif, vnif_csum);
    sys_check_timeouts();
}

/* Does any TCP connection still hold data the peer has not acknowledged? */
static bool tcp_pending(void)
{
    for (struct tcp_pcb *p = tcp_active_pcbs; p != NULL; p = p->next)
        if (p->unsent != NULL || p->unacked != NULL)
            return true;
    return false;
}

void net_flush(void)
{
    u64 end = now_ns() + NET_FLUSH_NS;
    if (!have_vnif)
        return;
    /* the program's descriptors close with it: open connections get a FIN
     * after their queued data */
    for (struct tcp_pcb *p = tcp_active_pcbs; p != NULL; p = p->next)
        if (p->state == ESTABLISHED || p->state == CLOSE_WAIT)
            tcp_shutdown(p, 0, 1);
    while (tcp_pending() && now_ns() < end) {
        net_poll();
        for (int i = 0; i < 1000; i++)
            cpu_pause();
    }
    if (tcp_pending())
        klog("net: exiting with unacknowledged TCP data");
}

/* lwIP asks for a poll of a loopback queue it just filled (see lwipopts.h):
 * run the net timer now, out of the caller's lwIP call. */
signed char tcpip_try_callback(tcpip_callback_fn fn, void *ctx)
{
    (void)fn, (void)ctx;
    if (net_timer.fn != NULL)
        ktimer_arm(&net_timer, now_ns());
    return ERR_OK;
}

/* The lwIP kernel timer: poll, run timeouts, re-arm. */
static void net_tick(void *arg)
{
    net_poll();
    net_timer_arm();
}

/* virtio-net receive interrupt. */
static void net_irq(void)
{
    net_poll();
}

/* ---------------------------------------------------------------- /etc files */

/* Append one address as text (dotted quad or IPv6). */
static int put_ns(char *buf, size_t cap, size_t at, const char *ns)
{
    return ksnprintf(buf + MIN(at, cap), at < cap ? cap - at : 0, "nameserver %s\n", ns);
}

/* /etc/resolv.conf: the manifest's name servers, else DHCP's. */
static long gen_resolv_conf(char *buf, size_t cap)
{
    size_t n = 0;
    for (int i = 0; i < n_manifest_ns; i++)
        n += (size_t)put_ns(buf, cap, n, nameservers[i]);
    for (u8 i = 0; n_manifest_ns == 0 && i < DNS_MAX_SERVERS; i++) {
        const ip_addr_t *a = dns_getserver(i);
        char s[IPADDR_STRLEN_MAX];
        if (a == NULL || ip_addr_isany(a))
            continue;
        ipaddr_ntoa_r(a, s, sizeof(s));
        n += (size_t)put_ns(buf, cap, n, s);
    }
    n += (size_t)ksnprintf(buf + MIN(n, cap), n < cap ? cap - n : 0, "options attempts:2 timeout:2\n");
    return (long)n;
}

/* /etc/hosts: loopback names and this machine's name and address. */
static long gen_hosts(char *buf, size_t cap)
{
    char s[IPADDR_STRLEN_MAX] = "127.0.1.1";
    if (have_vnif && !ip4_addr_isany_val(*netif_ip4_addr(&vnif)))
        ip4addr_ntoa_r(netif_ip4_addr(&vnif), s, sizeof(s));
    return ksnprintf(buf, cap,
                     "127.0.0.1\tlocalhost\n"
                     "::1\tlocalhost ip6-localhost ip6-loopback\n"
                     "ff02::1\tip6-allnodes\n"
                     "ff02::2\tip6-allrouters\n"
                     "%s\tsolo\n", s);
}

/* /etc/nsswitch.conf: files, then DNS for hosts. */
static long gen_nsswitch(char *buf, size_t cap)
{
    return ksnprintf(buf, cap,
                     "passwd:    files\n"
                     "group:     files\n"
                     "shadow:    files\n"
                     "hosts:     files dns\n"
                     "networks:  files\n"
                     "protocols: files\n"
                     "services:  files\n");
}

/* /etc/hostname. */
static long gen_hostname(char *buf, size_t cap)
{
    return ksnprintf(buf, cap, "solo\n");
}

/* Register the generated /etc files. */
static void etc_files_init(void)
{
    static const struct { const char *path; vfs_gen_fn gen; } files[] = {
        { "/etc/resolv.conf", gen_resolv_conf },
        { "/etc/hosts", gen_hosts },
        { "/etc/nsswitch.conf", gen_nsswitch },
        { "/etc/hostname", gen_hostname },
    };
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        int r = vfs_register_generated(files[i].path, files[i].gen);
        if (r < 0)
            klog("net: cannot create %s: error %d", files[i].path, -r);
    }
}

/* ---------------------------------------------------------------- configuration */

/* Record one manifest name server if it parses as an address. */
static void add_nameserver(const char *s, size_t len)
{
    char tmp[48];
    ip_addr_t a;
    if (len == 0 || len >= sizeof(tmp) || n_manifest_ns == MAX_NAMESERVERS)
        return;
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    if (!ipaddr_aton(tmp, &a)) {
        klog("net: ignoring name server \"%s\" (not an address)", tmp);
        return;
    }
    memcpy(nameservers[n_manifest_ns++], tmp, len + 1);
}

/* Split a string of addresses on spaces and commas. */
static void add_nameserver_list(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        while (i < len && (s[i] == ' ' || s[i] == ','))
            i++;
        size_t st = i;
        while (i < len && s[i] != ' ' && s[i] != ',')
            i++;
        add_nameserver(s + st, i - st);
    }
}

/* tuple_iter callback over the manifest's "nameservers" tuple. */
static int ns_iter(void *ctx, const u8 *k, size_t kl, const struct value *v)
{
    if (v->kind == VALUE_BYTES)
        add_nameserver_list((const char *)v->u.bytes, v->len);
    return 0;
}

/* Name servers from the manifest (tuple or string), if any. */
static void manifest_nameservers(struct tuple *m)
{
    const struct value *v = tuple_get(m, "nameservers");
    if (v == NULL)
        return;
    if (v->kind == VALUE_BYTES)
        add_nameserver_list((const char *)v->u.bytes, v->len);
    else if (v->kind == VALUE_TUPLE)
        tuple_iter(v->u.t, ns_iter, NULL);
}

/* A static IPv4 configuration from the manifest: true if "ipaddr" is given. */
static bool manifest_static(struct tuple *m, ip4_addr_t *ip, ip4_addr_t *mask, ip4_addr_t *gw)
{
    const char *a = tuple_get_str(m, "ipaddr");
    const char *nm = tuple_get_str(m, "netmask");
    const char *g = tuple_get_str(m, "gateway");
    if (a == NULL)
        return false;
    if (!ip4addr_aton(a, ip)) {
        klog("net: manifest ipaddr \"%s\" is not an IPv4 address; using DHCP", a);
        return false;
    }
    if (nm == NULL || !ip4addr_aton(nm, mask))
        IP4_ADDR(mask, 255, 255, 255, 0);
    if (g == NULL || !ip4addr_aton(g, gw))
        ip4_addr_set_zero(gw);
    return true;
}

/* A global IPv6 address of vnif: 1 preferred, 0 tentative, -1 none. */
static int ip6_global_state(void)
{
    int best = -1;
    for (int i = 1; i < LWIP_IPV6_NUM_ADDRESSES; i++) {
        u8 st = netif_ip6_addr_state(&vnif, i);
        if (ip6_addr_ispreferred(st))
            return 1;
        if (ip6_addr_istentative(st))
            best = 0;
    }
    return best;
}

/* Before the program starts, run the stack until DHCP binds (at most
 * DHCP_WAIT_NS; not waited for with a static address) and IPv6 autoconfigures
 * (at most IPV6_WAIT_NS: the router answers our solicitation at once where
 * there is one).  nd6_tmr is run out of turn to send the solicitation now and
 * to validate the new address (no duplicate detection), instead of after
 * lwIP's one-second ND ticks. */
static void config_wait(bool dhcp)
{
    u64 start = now_ns(), end = start + DHCP_WAIT_NS, end6 = start + IPV6_WAIT_NS;
    nd6_tmr();
    for (;;) {
        bool v4 = !dhcp || dhcp_supplied_address(&vnif);
        int v6 = ip6_global_state();
        if (v6 == 0)
            nd6_tmr();
        if (v4 && (v6 == 1 || now_ns() >= end6))
            break;
        if (now_ns() >= end)
            break;
        net_poll();
        kernel_sleep_until(now_ns() + 1000000);
    }
    if (dhcp && dhcp_supplied_address(&vnif))
        klog("net: DHCP address %s (%lu us)", ip4addr_ntoa(netif_ip4_addr(&vnif)),
             (now_ns() - start) / 1000);
    else if (dhcp)
        klog("net: no DHCP answer yet; continuing in the background");
    for (int i = 1; i < LWIP_IPV6_NUM_ADDRESSES; i++) {
        char s[IP6ADDR_STRLEN_MAX];
        if (ip6_addr_ispreferred(netif_ip6_addr_state(&vnif, i)))
            klog("net: IPv6 address %s", ip6addr_ntoa_r(netif_ip6_addr(&vnif, i), s, sizeof(s)));
    }
}

/* Add and configure the virtio-net interface, then wait for its addresses. */
static void vnif_up(struct tuple *m)
{
    ip4_addr_t ip, mask, gw;
    bool fixed = m != NULL && manifest_static(m, &ip, &mask, &gw);
    if (!fixed) {
        ip4_addr_set_zero(&ip);
        ip4_addr_set_zero(&mask);
        ip4_addr_set_zero(&gw);
    }
    if (netif_add(&vnif, &ip, &mask, &gw, NULL, vnif_init, ethernet_input) == NULL) {
        klog("net: cannot add the virtio-net interface");
        return;
    }
    have_vnif = true;
    netif_set_default(&vnif);
    netif_create_ip6_linklocal_address(&vnif, 1);
    netif_set_ip6_autoconfig_enabled(&vnif, 1);
    netif_set_up(&vnif);
    netif_set_link_up(&vnif);
    struct vnet_info info;
    virtio_net_info(&info);
    polled = !info.irq;
    virtio_net_start(vnif_rx, net_irq);
    if (fixed)
        klog("net: static address %s", ip4addr_ntoa(&ip));
    else if (dhcp_start(&vnif) != ERR_OK)
        klog("net: cannot start DHCP");
    config_wait(!fixed && netif_dhcp_data(&vnif) != NULL);
}

u64 net_init_ns;                       /* when lwIP started: the date of every address (netlink) */

void net_init(void)
{
    struct tuple *m = fs_manifest != NULL ? fs_manifest() : NULL;
    lwip_init();
    net_init_ns = now_ns();
    net_timer.fn = net_tick;
    if (m != NULL)
        manifest_nameservers(m);
    struct vnet_info info;
    if (virtio_net_info(&info))
        vnif_up(m);
    else
        klog("net: no network device; loopback only");
    etc_files_init();
    net_timer_arm();
}
