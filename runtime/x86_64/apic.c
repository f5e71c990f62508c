/*
 * apic.c - the local APIC (xAPIC MMIO mode) and its timer, used one-shot:
 * kernel_sleep_until arms it for the remaining time and halts.  The legacy
 * 8259 PICs are remapped and masked so they never raise vectors that collide
 * with exceptions.  The timer is calibrated against the TSC at boot, on the
 * boot CPU; each AP programs its own LAPIC with that calibration.  IPIs go
 * through the ICR (physical destination mode).
 */
#include "cpu.h"

#define APIC_ID 0x20
#define APIC_EOI 0xb0
#define APIC_SVR 0xf0
#define APIC_ICR_LO 0x300
#define APIC_ICR_HI 0x310
#define APIC_LVT_TIMER 0x320
#define APIC_TIMER_INIT 0x380
#define APIC_TIMER_CUR 0x390
#define APIC_TIMER_DIV 0x3e0

static volatile u32 *apic;
static u64 apic_ticks_per_ms;

static u32 apic_read(u32 reg) { return apic[reg / 4]; }
static void apic_write(u32 reg, u32 v) { apic[reg / 4] = v; }

static void pic_disable(void)
{
    outb(0x20, 0x11); outb(0xa0, 0x11);          /* init */
    outb(0x21, 0xf0); outb(0xa1, 0xf8);          /* vectors 0xf0.. (never enabled) */
    outb(0x21, 0x04); outb(0xa1, 0x02);
    outb(0x21, 0x01); outb(0xa1, 0x01);
    outb(0x21, 0xff); outb(0xa1, 0xff);          /* mask all */
}

void apic_eoi(void)
{
    if (apic != NULL)
        apic_write(APIC_EOI, 0);
}

void apic_init(void)
{
    u64 base = rdmsr(0x1b);
    pic_disable();
    wrmsr(0x1b, base | (1UL << 11));             /* global enable */
    apic = ioremap(base & ~0xfffUL, PAGE_SIZE);
    kassert(apic != NULL);
    apic_write(APIC_SVR, 0x100 | VEC_SPURIOUS);
    apic_write(APIC_TIMER_DIV, 0x3);             /* divide by 16 */
    apic_write(APIC_LVT_TIMER, 1 << 16);         /* masked */
    /* Calibrate: count APIC ticks over 5 ms of TSC time. */
    u64 t0 = now_ns();
    apic_write(APIC_TIMER_INIT, 0xffffffff);
    while (now_ns() - t0 < 5000000)
        cpu_pause();
    u32 elapsed = 0xffffffff - apic_read(APIC_TIMER_CUR);
    apic_write(APIC_TIMER_INIT, 0);
    apic_ticks_per_ms = elapsed / 5;
    if (apic_ticks_per_ms == 0)
        apic_ticks_per_ms = 1;
    apic_write(APIC_LVT_TIMER, VEC_TIMER);       /* one-shot */
    klog("apic: id %u, timer %lu ticks/ms", apic_read(APIC_ID) >> 24, apic_ticks_per_ms);
}

void apic_oneshot_ns(u64 ns)
{
    u64 ticks = ns / 1000 * apic_ticks_per_ms / 1000;
    if (ns != 0 && ticks == 0)
        ticks = 1;
    if (ticks > 0xffffffffUL)
        ticks = 0xffffffffUL;
    apic_write(APIC_TIMER_INIT, (u32)ticks);
}

void apic_init_ap(void)
{
    wrmsr(0x1b, rdmsr(0x1b) | (1UL << 11));
    apic_write(APIC_SVR, 0x100 | VEC_SPURIOUS);
    apic_write(APIC_TIMER_DIV, 0x3);
    apic_write(APIC_LVT_TIMER, VEC_TIMER);       /* one-shot, same calibration as the boot CPU */
    apic_write(APIC_TIMER_INIT, 0);
}

u32 apic_id(void) { return apic_read(APIC_ID) >> 24; }

void apic_send_ipi(u32 dest, u32 icr_lo)
{
    apic_write(APIC_ICR_HI, dest << 24);
    apic_write(APIC_ICR_LO, icr_lo);
    while ((apic_read(APIC_ICR_LO) & (1U << 12)) != 0)   /* delivery pending */
        cpu_pause();
}
