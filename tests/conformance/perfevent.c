// covers: perf_event_open
/*
 * perfevent.c - perf_event_open with software events, counting only:
 * task-clock grows while spinning and barely while sleeping, context
 * switches after sleeps, page faults after touching new pages (by the mode
 * they come from), disabled counters, enable/disable/reset ioctls (alone and
 * for a group), read_format layouts (times, id, groups), events on another
 * thread and inherited by new threads, and the error paths (attr size,
 * reserved bits, flags, pid/cpu, group rules, ioctls, short reads).  Only
 * relations are printed.  Sampling, hardware events and mmap are left out:
 * they depend on the host's PMU.
 */
#include "common.h"
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

/* The ABI from <linux/perf_event.h> (musl has no kernel headers):
 * struct pe_attr up to PERF_ATTR_SIZE_VER7. */
struct pe_attr {
    uint32_t type, size;
    uint64_t config;
    union {
        uint64_t sample_period, sample_freq;
    };
    uint64_t sample_type, read_format;
    uint64_t disabled : 1, inherit : 1, pinned : 1, exclusive : 1, exclude_user : 1,
        exclude_kernel : 1, exclude_hv : 1, exclude_idle : 1, mmap : 1, comm : 1, freq : 1,
        inherit_stat : 1, enable_on_exec : 1, task : 1, watermark : 1, precise_ip : 2,
        mmap_data : 1, sample_id_all : 1, exclude_host : 1, exclude_guest : 1,
        exclude_callchain_kernel : 1, exclude_callchain_user : 1, mmap2 : 1, comm_exec : 1,
        use_clockid : 1, context_switch : 1, write_backward : 1, namespaces : 1, ksymbol : 1,
        bpf_event : 1, aux_output : 1, cgroup : 1, text_poke : 1, build_id : 1,
        inherit_thread : 1, remove_on_exec : 1, sigtrap : 1, reserved_1 : 26;
    uint32_t wakeup_events, bp_type;
    uint64_t config1, config2, branch_sample_type, sample_regs_user;
    uint32_t sample_stack_user;
    int32_t clockid;
    uint64_t sample_regs_intr;
    uint32_t aux_watermark;
    uint16_t sample_max_stack, reserved_2;
    uint32_t aux_sample_size, reserved_3;
    uint64_t sig_data;
};

#define PERF_TYPE_SOFTWARE 1
#define PERF_COUNT_SW_CPU_CLOCK 0
#define PERF_COUNT_SW_TASK_CLOCK 1
#define PERF_COUNT_SW_PAGE_FAULTS 2
#define PERF_COUNT_SW_CONTEXT_SWITCHES 3
#define PERF_COUNT_SW_CPU_MIGRATIONS 4
#define PERF_COUNT_SW_PAGE_FAULTS_MIN 5
#define PERF_COUNT_SW_PAGE_FAULTS_MAJ 6
#define PERF_COUNT_SW_ALIGNMENT_FAULTS 7
#define PERF_COUNT_SW_DUMMY 9
#define PERF_FORMAT_TOTAL_TIME_ENABLED 1
#define PERF_FORMAT_TOTAL_TIME_RUNNING 2
#define PERF_FORMAT_ID 4
#define PERF_FORMAT_GROUP 8
#define PERF_FLAG_FD_NO_GROUP 1UL
#define PERF_FLAG_PID_CGROUP 4UL
#define PERF_FLAG_FD_CLOEXEC 8UL
#define PERF_IOC_FLAG_GROUP 1
#define PERF_EVENT_IOC_ENABLE _IO('$', 0)
#define PERF_EVENT_IOC_DISABLE _IO('$', 1)
#define PERF_EVENT_IOC_REFRESH _IO('$', 2)
#define PERF_EVENT_IOC_RESET _IO('$', 3)
#define PERF_EVENT_IOC_PERIOD _IOW('$', 4, uint64_t)
#define PERF_EVENT_IOC_SET_OUTPUT _IO('$', 5)
#define PERF_EVENT_IOC_SET_FILTER _IOW('$', 6, char *)
#define PERF_EVENT_IOC_ID _IOR('$', 7, uint64_t *)
#define PERF_EVENT_IOC_SET_BPF _IOW('$', 8, uint32_t)
#define PERF_EVENT_IOC_PAUSE_OUTPUT _IOW('$', 9, uint32_t)

#define NPAGES 64

static struct pe_attr attr(int config)
{
    struct pe_attr a;
    memset(&a, 0, sizeof(a));
    a.size = sizeof(a);
    a.type = PERF_TYPE_SOFTWARE;
    a.config = config;
    return a;
}

static long peo(const void *a, long pid, long cpu, long group, unsigned long flags)
{
    return syscall(SYS_perf_event_open, a, pid, cpu, group, flags);
}

static int open_sw(int config, unsigned long more_flags_disabled)
{
    struct pe_attr a = attr(config);
    a.disabled = more_flags_disabled;
    return (int)peo(&a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
}

static uint64_t rd(int fd)
{
    uint64_t v = 0;
    if (read(fd, &v, sizeof(v)) != sizeof(v))
        return ~0ULL;
    return v;
}

static long long thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Spin for about ms milliseconds of this thread's CPU time. */
static void spin_ms(int ms)
{
    long long end = thread_cpu_ns() + ms * 1000000LL;
    while (thread_cpu_ns() < end)
        ;
}

static void sleep_ms(int ms)
{
    struct timespec ts = { 0, ms * 1000000L };
    nanosleep(&ts, NULL);
}

/* Touch n fresh anonymous pages (each one page fault from user mode). */
static void touch_pages(int n)
{
    char *p = mmap(NULL, (size_t)n * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    for (int i = 0; i < n; i++)
        ((volatile char *)p)[i * 4096] = 1;
    munmap(p, (size_t)n * 4096);
}

static void errors(void)
{
    struct pe_attr a = attr(PERF_COUNT_SW_TASK_CLOCK);
    unsigned char big[256];

    show("bad flags", peo(&a, 0, -1, -1, 1UL << 4));
    show("attr bad pointer", peo((void *)8, 0, -1, -1, 0));
    a.size = 32;
    show("attr too small", peo(&a, 0, -1, -1, 0));
    fact("our size written back", a.size >= 128);
    a = attr(PERF_COUNT_SW_TASK_CLOCK);
    memset(big, 0, sizeof(big));
    memcpy(big, &a, sizeof(a));
    ((struct pe_attr *)big)->size = sizeof(big);
    int fd = (int)peo(big, 0, -1, -1, 0);
    fact("larger attr with a zero tail", fd >= 0);
    close(fd);
    big[sizeof(big) - 1] = 1;
    show("larger attr with a non-zero tail", peo(big, 0, -1, -1, 0));
    a.size = 8192;
    show("attr bigger than a page", peo(&a, 0, -1, -1, 0));
    a = attr(PERF_COUNT_SW_TASK_CLOCK);
    a.size = 0;
    fd = (int)peo(&a, 0, -1, -1, 0);
    fact("size 0 means the first version", fd >= 0);
    close(fd);

    a = attr(PERF_COUNT_SW_TASK_CLOCK);
    a.reserved_1 = 1U << 25;
    show("reserved flag bit", peo(&a, 0, -1, -1, 0));
    a = attr(PERF_COUNT_SW_TASK_CLOCK);
    a.read_format = 1 << 6;
    show("unknown read_format bit", peo(&a, 0, -1, -1, 0));
    a = attr(PERF_COUNT_SW_TASK_CLOCK);
    a.inherit_thread = 1;
    show("inherit_thread without inherit", peo(&a, 0, -1, -1, 0));
    a = attr(PERF_COUNT_SW_TASK_CLOCK);
    a.sigtrap = 1;
    show("sigtrap without remove_on_exec", peo(&a, 0, -1, -1, 0));
    a = attr(PERF_COUNT_SW_TASK_CLOCK);
    a.sample_period = 1ULL << 63;
    show("period with bit 63", peo(&a, 0, -1, -1, 0));
    a = attr(PERF_COUNT_SW_TASK_CLOCK);
    a.freq = 1;
    a.sample_freq = 1ULL << 40;
    show("frequency too high", peo(&a, 0, -1, -1, 0));
    a = attr(1000);
    show("unknown software event", peo(&a, 0, -1, -1, 0));
    a = attr(PERF_COUNT_SW_TASK_CLOCK);
    a.type = 1000000;
    show("unknown event type", peo(&a, 0, -1, -1, 0));

    a = attr(PERF_COUNT_SW_TASK_CLOCK);
    show("pid -1 and cpu -1", peo(&a, -1, -1, -1, 0));
    show("cpu out of range", peo(&a, 0, 100000, -1, 0));
    show("no such thread", peo(&a, 2147483000, -1, -1, 0));
    show("negative pid", peo(&a, -2, -1, -1, 0));
    show("cgroup with pid -1", peo(&a, -1, 0, -1, PERF_FLAG_PID_CGROUP));
    int dir = open("/", O_RDONLY | O_DIRECTORY);
    show("cgroup fd not a cgroup", peo(&a, dir, 0, -1, PERF_FLAG_PID_CGROUP));
    close(dir);
    show("group fd not open", peo(&a, 0, -1, 1000, 0));
    show("group fd not an event", peo(&a, 0, -1, 0, 0));
}

static void fd_basics(void)
{
    int fd = open_sw(PERF_COUNT_SW_TASK_CLOCK, 0);
    char path[64], link[64];
    uint64_t v[2];
    fact("open task-clock", fd >= 0);
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    long n = readlink(path, link, sizeof(link) - 1);
    link[n > 0 ? n : 0] = 0;
    printf("link: %s\n", link);
    fact("opened read-write", (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR);
    fact("close-on-exec from PERF_FLAG_FD_CLOEXEC", fcntl(fd, F_GETFD) == FD_CLOEXEC);
    show("read of 4 bytes", read(fd, v, 4));
    show("read of 16 bytes", read(fd, v, 16));
    show("write", write(fd, v, 8));
    show("lseek", lseek(fd, 0, SEEK_SET));
    struct pollfd p = { fd, POLLIN | POLLOUT, 0 };
    show("poll", poll(&p, 1, 0));
    fact("poll reports POLLHUP only", p.revents == POLLHUP);
    show("ioctl PERIOD", ioctl(fd, PERF_EVENT_IOC_PERIOD, v));
    show("ioctl PERIOD bad pointer", ioctl(fd, PERF_EVENT_IOC_PERIOD, (void *)8));
    show("ioctl REFRESH", ioctl(fd, PERF_EVENT_IOC_REFRESH, 1));
    show("ioctl SET_FILTER", ioctl(fd, PERF_EVENT_IOC_SET_FILTER, "x"));
    show("ioctl SET_OUTPUT to a non-event", ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, 0L));
    show("ioctl SET_BPF bad fd", ioctl(fd, PERF_EVENT_IOC_SET_BPF, 1000L));
    show("ioctl PAUSE_OUTPUT", ioctl(fd, PERF_EVENT_IOC_PAUSE_OUTPUT, 1L));
    show("ioctl ID bad pointer", ioctl(fd, PERF_EVENT_IOC_ID, (void *)8));
    show("unknown ioctl", ioctl(fd, _IO('$', 0x7f), 0L));
    int fd2 = open_sw(PERF_COUNT_SW_TASK_CLOCK, 0);
    uint64_t id1 = 0, id2 = 0;
    show("ioctl ID", ioctl(fd, PERF_EVENT_IOC_ID, &id1));
    ioctl(fd2, PERF_EVENT_IOC_ID, &id2);
    fact("ids differ", id1 != id2);
    close(fd2);
    close(fd);
}

static void clocks(void)
{
    int tc = open_sw(PERF_COUNT_SW_TASK_CLOCK, 0);
    int cc = open_sw(PERF_COUNT_SW_CPU_CLOCK, 0);
    uint64_t t0 = rd(tc), c0 = rd(cc);
    long long s0 = thread_cpu_ns();
    spin_ms(40);
    long long spent = thread_cpu_ns() - s0;
    uint64_t t1 = rd(tc), c1 = rd(cc);
    fact("task-clock grew by most of the CPU time spun", t1 - t0 >= (uint64_t)spent * 8 / 10);
    fact("task-clock grew by not much more", t1 - t0 <= (uint64_t)spent + 20000000);
    fact("cpu-clock grew too", c1 - c0 >= (uint64_t)spent * 8 / 10);
    sleep_ms(60);
    uint64_t t2 = rd(tc);
    fact("task-clock barely grew while sleeping", t2 - t1 < 20000000);

    struct pe_attr a = attr(PERF_COUNT_SW_TASK_CLOCK);
    a.exclude_kernel = 1;
    int tu = (int)peo(&a, 0, -1, -1, 0);
    fact("task-clock excluding the kernel", tu >= 0);
    uint64_t u0 = rd(tu);
    spin_ms(20);
    fact("it counts too", rd(tu) - u0 >= 10000000);
    close(tu);

    a = attr(PERF_COUNT_SW_TASK_CLOCK);
    a.disabled = 1;
    a.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING | PERF_FORMAT_ID;
    int fd = (int)peo(&a, 0, -1, -1, 0);
    uint64_t v[4] = { 1, 1, 1, 1 }, id = 0;
    spin_ms(10);
    show("read with times and id", read(fd, v, sizeof(v)));
    fact("disabled: value and times 0", v[0] == 0 && v[1] == 0 && v[2] == 0);
    ioctl(fd, PERF_EVENT_IOC_ID, &id);
    fact("id in the read is the ioctl's", v[3] == id);
    show("ioctl ENABLE", ioctl(fd, PERF_EVENT_IOC_ENABLE, 0));
    spin_ms(20);
    read(fd, v, sizeof(v));
    fact("enabled: value grew", v[0] >= 10000000);
    fact("time running == time enabled", v[1] == v[2]);
    fact("time enabled >= 10 ms", v[1] >= 10000000);
    show("ioctl DISABLE", ioctl(fd, PERF_EVENT_IOC_DISABLE, 0));
    read(fd, v, sizeof(v));
    uint64_t frozen = v[0];
    spin_ms(10);
    read(fd, v, sizeof(v));
    fact("disabled again: value stays", v[0] == frozen);
    show("ioctl RESET", ioctl(fd, PERF_EVENT_IOC_RESET, 0));
    read(fd, v, sizeof(v));
    fact("reset: value 0", v[0] == 0);
    close(fd);
    close(tc);
    close(cc);
}

static void counts(void)
{
    int cs = open_sw(PERF_COUNT_SW_CONTEXT_SWITCHES, 0);
    struct pe_attr a = attr(PERF_COUNT_SW_CONTEXT_SWITCHES);
    a.exclude_kernel = 1;
    int csu = (int)peo(&a, 0, -1, -1, 0);
    uint64_t c0 = rd(cs);
    for (int i = 0; i < 5; i++)
        sleep_ms(2);
    fact("context switches after 5 sleeps >= 5", rd(cs) - c0 >= 5);
    fact("context switches excluding the kernel: 0", rd(csu) == 0);
    int mig = open_sw(PERF_COUNT_SW_CPU_MIGRATIONS, 0);
    fact("cpu-migrations opens", mig >= 0 && rd(mig) != ~0ULL);

    int pf = open_sw(PERF_COUNT_SW_PAGE_FAULTS, 0);
    int pfmin = open_sw(PERF_COUNT_SW_PAGE_FAULTS_MIN, 0);
    int pfmaj = open_sw(PERF_COUNT_SW_PAGE_FAULTS_MAJ, 0);
    int pfoff = open_sw(PERF_COUNT_SW_PAGE_FAULTS, 1);
    a = attr(PERF_COUNT_SW_PAGE_FAULTS);
    a.exclude_kernel = 1;
    int pfu = (int)peo(&a, 0, -1, -1, 0);
    a.exclude_kernel = 0;
    a.exclude_user = 1;
    int pfk = (int)peo(&a, 0, -1, -1, 0);
    fact("page fault events open", pf >= 0 && pfmin >= 0 && pfmaj >= 0 && pfu >= 0 && pfk >= 0);
    uint64_t f0 = rd(pf), m0 = rd(pfmin), u0 = rd(pfu), k0 = rd(pfk);
    touch_pages(NPAGES);
    uint64_t f1 = rd(pf), m1 = rd(pfmin), u1 = rd(pfu), k1 = rd(pfk);
    fact("page faults grew by >= the pages touched", f1 - f0 >= NPAGES);
    fact("minor faults too", m1 - m0 >= NPAGES);
    fact("user-mode faults too", u1 - u0 >= NPAGES);
    fact("kernel-mode faults: fewer", k1 - k0 < NPAGES);
    fact("disabled page-fault counter: 0", rd(pfoff) == 0);
    for (int e = PERF_COUNT_SW_ALIGNMENT_FAULTS; e <= PERF_COUNT_SW_DUMMY; e++) {
        int fd = open_sw(e, 0);
        printf("software event %d: %s\n", e, fd >= 0 && rd(fd) == 0 ? "opens, reads 0" : "no");
        close(fd);
    }
    close(cs);
    close(csu);
    close(mig);
    close(pf);
    close(pfmin);
    close(pfmaj);
    close(pfoff);
    close(pfu);
    close(pfk);
}

static void groups(void)
{
    struct pe_attr a = attr(PERF_COUNT_SW_PAGE_FAULTS);
    a.read_format = PERF_FORMAT_GROUP | PERF_FORMAT_ID | PERF_FORMAT_TOTAL_TIME_ENABLED;
    int l = (int)peo(&a, 0, -1, -1, 0);
    a.config = PERF_COUNT_SW_PAGE_FAULTS_MIN;
    int s1 = (int)peo(&a, 0, -1, l, 0);
    a.config = PERF_COUNT_SW_CONTEXT_SWITCHES;
    int s2 = (int)peo(&a, 0, -1, l, 0);
    fact("leader and two siblings", l >= 0 && s1 >= 0 && s2 >= 0);
    uint64_t ids[3], buf[16];
    ioctl(l, PERF_EVENT_IOC_ID, &ids[0]);
    ioctl(s1, PERF_EVENT_IOC_ID, &ids[1]);
    ioctl(s2, PERF_EVENT_IOC_ID, &ids[2]);
    touch_pages(NPAGES);
    spin_ms(10);
    show("group read size", read(l, buf, sizeof(buf)));
    fact("nr is 3", buf[0] == 3);
    fact("ids in creation order", buf[3] == ids[0] && buf[5] == ids[1] && buf[7] == ids[2]);
    fact("leader's page faults", buf[2] >= NPAGES);
    fact("sibling's minor faults", buf[4] >= NPAGES);
    fact("time enabled grew", buf[1] >= 5000000);
    show("group read too short", read(l, buf, 40));
    show("group read through a sibling", read(s1, buf, sizeof(buf)));
    fact("same layout", buf[0] == 3 && buf[3] == ids[0]);

    /* Group rules. */
    a = attr(PERF_COUNT_SW_PAGE_FAULTS);
    show("sibling as group leader", peo(&a, 0, -1, s1, 0));
    show("group on another cpu", peo(&a, 0, 0, l, 0));
    a.inherit = 1;
    show("inherit differs from the leader", peo(&a, 0, -1, l, 0));
    a.inherit = 0;
    a.pinned = 1;
    show("pinned sibling", peo(&a, 0, -1, l, 0));
    a.pinned = 0;
    int alone = (int)peo(&a, 0, 0, l, PERF_FLAG_FD_NO_GROUP);
    fact("PERF_FLAG_FD_NO_GROUP ignores the group", alone >= 0);
    close(alone);
    close(s2);
    close(s1);
    close(l);

    /* A disabled leader keeps its siblings from counting. */
    a = attr(PERF_COUNT_SW_PAGE_FAULTS_MIN);
    a.disabled = 1;
    l = (int)peo(&a, 0, -1, -1, 0);
    a = attr(PERF_COUNT_SW_PAGE_FAULTS);
    s1 = (int)peo(&a, 0, -1, l, 0);
    touch_pages(NPAGES);
    fact("sibling of a disabled leader: 0", rd(s1) == 0);
    show("ioctl ENABLE on the group through a sibling", ioctl(s1, PERF_EVENT_IOC_ENABLE, PERF_IOC_FLAG_GROUP));
    touch_pages(NPAGES);
    spin_ms(5);
    fact("now both count", rd(s1) >= NPAGES && rd(l) >= NPAGES);
    show("ioctl DISABLE on the group", ioctl(l, PERF_EVENT_IOC_DISABLE, PERF_IOC_FLAG_GROUP));
    show("ioctl RESET on the group", ioctl(l, PERF_EVENT_IOC_RESET, PERF_IOC_FLAG_GROUP));
    fact("both reset and stopped", rd(s1) == 0 && rd(l) == 0);
    close(l);
    show("ioctl ENABLE after its leader closed", ioctl(s1, PERF_EVENT_IOC_ENABLE, 0));
    touch_pages(NPAGES);
    fact("it counts on its own", rd(s1) >= NPAGES);
    close(s1);
}

static volatile int stop;
static volatile int worker_tid;

static void *worker(void *arg)
{
    (void)arg;
    worker_tid = (int)syscall(SYS_gettid);
    while (!stop)
        ;
    touch_pages(NPAGES);
    return NULL;
}

static void threads(void)
{
    struct pe_attr a = attr(PERF_COUNT_SW_PAGE_FAULTS);
    a.inherit = 1;
    int inh = (int)peo(&a, 0, -1, -1, 0);
    int own = open_sw(PERF_COUNT_SW_PAGE_FAULTS, 0);
    uint64_t i0 = rd(inh), o0 = rd(own);
    int self = (int)peo(&a, syscall(SYS_gettid), -1, -1, 0);
    fact("own tid as pid", self >= 0);
    close(self);

    pthread_t th;
    stop = 0;
    worker_tid = 0;
    pthread_create(&th, NULL, worker, NULL);
    while (worker_tid == 0)
        sleep_ms(1);
    a = attr(PERF_COUNT_SW_TASK_CLOCK);
    int other = (int)peo(&a, worker_tid, -1, -1, 0);
    fact("event on another thread", other >= 0);
    sleep_ms(30);
    stop = 1;
    pthread_join(th, NULL);
    sleep_ms(5);                       /* the kernel may still be finishing its exit */
    uint64_t v1 = rd(other);
    fact("it counted that thread's CPU time", v1 > 0 && v1 != ~0ULL);
    sleep_ms(5);
    fact("frozen after the thread exited", rd(other) == v1);
    fact("inherited counter has the thread's faults", rd(inh) - i0 >= NPAGES);
    fact("the caller's own counter does not", rd(own) - o0 < NPAGES);
    close(other);
    close(own);
    close(inh);
}

int main(void)
{
    errors();
    fd_basics();
    clocks();
    counts();
    groups();
    threads();
    {
        struct pe_attr a = attr(PERF_COUNT_SW_CONTEXT_SWITCHES);
        int fd = (int)peo(&a, -1, 0, -1, 0);
        fact("cpu-wide event as root", fd >= 0 && rd(fd) != ~0ULL);
        close(fd);
    }
    return 0;
}
