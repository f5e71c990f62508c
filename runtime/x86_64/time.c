/*
 * time.c - clocks.  The TSC (assumed invariant) is the monotonic clock,
 * calibrated at boot against the PIT (10 ms gate on channel 2); wall time is
 * the CMOS RTC read once at boot plus monotonic time since.  boot_tsc is the
 * TSC value boot.S saved at the kernel's first instruction.
 */
#include "cpu.h"
#include "../vdso/vvar.h"

extern u64 boot_tsc;
static u64 tsc_freq;                   /* Hz */
static u64 tsc_mult;                   /* ns per tick, 32.32 fixed point (shared with the vDSO) */
static u64 tsc_at_init;
static u64 rtc_epoch_ns;               /* wall time at tsc_at_init */
static u64 real_base_ns;               /* wall time at boot_tsc: realtime = real_base_ns + now_ns() */
static u64 boot_to_main;
static struct vvar *vvar_live;         /* the vDSO's clock page, once filled */

/* ns for a TSC delta; the same arithmetic as the vDSO so both clocks agree. */
static u64 tsc_to_ns(u64 d)
{
    return (u64)(((unsigned __int128)d * tsc_mult) >> 32);
}

static void tsc_calibrate(void)
{
    const u32 latch = 11932;           /* 10 ms at 1.193182 MHz */
    outb(0x61, (inb(0x61) & ~0x02) | 0x01);
    outb(0x43, 0xb0);                  /* channel 2, lo/hi, mode 0 */
    outb(0x42, latch & 0xff);
    outb(0x42, latch >> 8);
    u64 t0 = rdtsc();
    while ((inb(0x61) & 0x20) == 0)
        cpu_pause();
    u64 t1 = rdtsc();
    tsc_freq = (t1 - t0) * 100;
    if (tsc_freq < 1000000)
        tsc_freq = 1000000000;         /* implausible: assume 1 GHz */
    tsc_mult = (u64)(((unsigned __int128)1000000000UL << 32) / tsc_freq);
}

static u8 cmos(u8 reg)
{
    outb(0x70, reg);
    return inb(0x71);
}

static u64 days_from_civil(u64 y, u64 m, u64 d)
{
    /* days since 1970-01-01 for a Gregorian date (y >= 1970) */
    y -= m <= 2;
    u64 era = y / 400, yoe = y - era * 400;
    u64 doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    u64 doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void rtc_read(void)
{
    u8 s, mi, h, d, mo, y, b;
    while ((cmos(0x0a) & 0x80) != 0)
        cpu_pause();
    s = cmos(0x00); mi = cmos(0x02); h = cmos(0x04);
    d = cmos(0x07); mo = cmos(0x08); y = cmos(0x09); b = cmos(0x0b);
    if ((b & 0x04) == 0) {
#define BCD(x) ((u8)(((x) & 0x0f) + ((x) >> 4) * 10))
        s = BCD(s); mi = BCD(mi); h = (u8)(BCD(h & 0x7f) | (h & 0x80)); d = BCD(d); mo = BCD(mo); y = BCD(y);
    }
    if ((b & 0x02) == 0 && (h & 0x80) != 0)
        h = (u8)(((h & 0x7f) + 12) % 24);
    u64 days = days_from_civil(2000 + y, mo, d);
    rtc_epoch_ns = ((days * 24 + h) * 3600 + mi * 60 + s) * 1000000000UL;
}

void time_init(void)
{
    tsc_calibrate();
    tsc_at_init = rdtsc();
    rtc_read();
    real_base_ns = rtc_epoch_ns - tsc_to_ns(tsc_at_init - boot_tsc);
    klog("time: TSC %lu kHz", tsc_freq / 1000);
}

u64 tsc_hz(void) { return tsc_freq; }
u64 now_ns(void) { return tsc_to_ns(rdtsc() - boot_tsc); }
/* The same sum the vDSO computes (vvar real_base_ns + its monotonic time), so a
 * realtime deadline the kernel sees as reached is reached for the program too. */
u64 realtime_ns(void) { return real_base_ns + now_ns(); }
u64 realtime_to_now(u64 real) { return real > real_base_ns ? real - real_base_ns : 1; }

void time_fill_vvar(struct vvar *v)
{
    v->tsc_base = boot_tsc;
    v->mult = tsc_mult;
    v->real_base_ns = real_base_ns;
    v->res_ns = 1;
    vvar_live = v;
}

/* Step the wall clock so realtime_ns() reads ns now; the vDSO's page follows
 * (one aligned 64-bit store, so a concurrent vDSO reader sees old or new). */
void realtime_set_ns(u64 ns)
{
    real_base_ns = ns - now_ns();
    if (vvar_live != NULL)
        __atomic_store_n(&vvar_live->real_base_ns, real_base_ns, __ATOMIC_RELEASE);
}
u64 boot_to_main_ns(void) { return boot_to_main; }

/* Record the boot-to-main time (called right before the first entry to ring 3). */
void time_mark_main(void) { boot_to_main = now_ns(); }
