/*
 * clock_set.c - setting the clocks: clock_settime, settimeofday, adjtimex
 * and clock_adjtime.  Only CLOCK_REALTIME is settable (as on Linux); a step
 * moves the wall clock of the kernel and of the vDSO page together
 * (realtime_set_ns).  The NTP discipline state Linux keeps (status, time
 * constant, error estimates, frequency, TAI offset) is kept here and
 * reported by adjtimex; it starts as on a freshly booted Linux (STA_UNSYNC,
 * so the state reads TIME_ERROR until someone clears it).  The program runs
 * as root with every capability, so no EPERM for the privileged modes.
 * Invariant: the wall clock never reads earlier than the time since boot
 * (Linux refuses such a step with EINVAL, and so do we).
 */
#include "syscalls.h"

#define CLOCK_REALTIME 0
#define CLOCK_MAX_ID 11                 /* CLOCK_TAI */
#define CLOCK_SGI_CYCLE 10              /* removed from Linux: invalid */
#define USEC_PER_SEC 1000000L
#define NSEC_PER_SEC 1000000000UL
#define TIME_SETTOD_SEC_MAX (9223372036L - 86400L * 365 * 30)

#define ADJ_OFFSET 0x0001
#define ADJ_FREQUENCY 0x0002
#define ADJ_MAXERROR 0x0004
#define ADJ_ESTERROR 0x0008
#define ADJ_STATUS 0x0010
#define ADJ_TIMECONST 0x0020
#define ADJ_TAI 0x0080
#define ADJ_SETOFFSET 0x0100
#define ADJ_MICRO 0x1000
#define ADJ_NANO 0x2000
#define ADJ_TICK 0x4000
#define ADJ_ADJTIME 0x8000              /* with ADJ_OFFSET: OFFSET_SINGLESHOT */
#define ADJ_OFFSET_READONLY 0x2000

#define STA_PLL 0x0001
#define STA_UNSYNC 0x0040
#define STA_NANO 0x2000
#define STA_RONLY 0xff00                /* PPSSIGNAL..CLK: read-only bits */
#define TIME_OK 0
#define TIME_ERROR 5
#define NTP_PHASE_LIMIT 16000000L       /* us: maxerror/esterror when unsynchronised */
#define MAXTC 10
#define USER_HZ 100
#define PPM_SCALE 65536L
#define MAXFREQ_SCALED (500L * PPM_SCALE)

struct kernel_timex {                    /* struct __kernel_timex, 208 bytes */
    u32 modes; s32 pad0;
    s64 offset, freq, maxerror, esterror;
    s32 status; s32 pad1;
    s64 constant, precision, tolerance;
    s64 time_sec, time_usec;
    s64 tick, ppsfreq, jitter;
    s32 shift; s32 pad2;
    s64 stabil, jitcnt, calcnt, errcnt, stbcnt;
    s32 tai;
    s32 pad3[11];
};

/* The discipline state adjtimex reports (Linux's initial values). */
static struct {
    s32 status;
    s64 maxerror, esterror, constant, freq, tick;
    s32 tai;
} ntp = { STA_UNSYNC, NTP_PHASE_LIMIT, NTP_PHASE_LIMIT, 2, 0, USEC_PER_SEC / USER_HZ, 0 };

/* Time zone set by settimeofday, read by gettimeofday: minuteswest, dsttime. */
s32 sys_tz[2];

/* Step the wall clock to sec/nsec; -EINVAL for an invalid time or one earlier than boot. */
static int wall_set(s64 sec, s64 nsec)
{
    if (sec < 0 || sec > TIME_SETTOD_SEC_MAX || nsec < 0 || nsec >= (s64)NSEC_PER_SEC)
        return -EINVAL;
    u64 ns = (u64)sec * NSEC_PER_SEC + (u64)nsec;
    if (ns < now_ns())
        return -EINVAL;
    realtime_set_ns(ns);
    return 0;
}

long sys_clock_settime(int clk, u64 uts)
{
    s64 ts[2];
    if (clk != CLOCK_REALTIME)          /* CPU clocks too (Linux 6.x: EINVAL) */
        return -EINVAL;
    if (copy_from_user(ts, (void *)uts, sizeof(ts)) < 0)
        return -EFAULT;
    return wall_set(ts[0], ts[1]);
}

long sys_settimeofday(u64 utv, u64 utz)
{
    s64 tv[2];
    s32 tz[2];
    if (utv != 0) {
        if (copy_from_user(tv, (void *)utv, sizeof(tv)) < 0)
            return -EFAULT;
        if (tv[0] < 0 || tv[1] < 0 || tv[1] >= USEC_PER_SEC)
            return -EINVAL;
    }
    if (utz != 0 && copy_from_user(tz, (void *)utz, sizeof(tz)) < 0)
        return -EFAULT;
    if (utv != 0 && (tv[0] > TIME_SETTOD_SEC_MAX || (u64)tv[0] * NSEC_PER_SEC < now_ns()))
        return -EINVAL;
    if (utz != 0) {
        if (tz[0] > 15 * 60 || tz[0] < -15 * 60)
            return -EINVAL;
        sys_tz[0] = tz[0];
        sys_tz[1] = tz[1];
    }
    if (utv != 0)
        return wall_set(tv[0], tv[1] * 1000);
    return 0;
}

/* Linux's timekeeping_validate_timex (the capability checks always pass). */
static int timex_validate(const struct kernel_timex *t)
{
    if ((t->modes & ADJ_ADJTIME) != 0) {
        if ((t->modes & ADJ_OFFSET) == 0)
            return -EINVAL;
    } else if ((t->modes & ADJ_TICK) != 0 &&
               (t->tick < 900000 / USER_HZ || t->tick > 1100000 / USER_HZ)) {
        return -EINVAL;
    }
    if ((t->modes & ADJ_SETOFFSET) != 0) {
        if (t->time_usec < 0)
            return -EINVAL;
        if (t->time_usec >= ((t->modes & ADJ_NANO) != 0 ? (s64)NSEC_PER_SEC : USEC_PER_SEC))
            return -EINVAL;
    }
    if ((t->modes & ADJ_FREQUENCY) != 0 &&
        (t->freq < (s64)(-0x7fffffffffffffffL - 1) / PPM_SCALE || t->freq > 0x7fffffffffffffffL / PPM_SCALE))
        return -EINVAL;
    return 0;
}

/* Step the wall clock by sec + sub (us, or ns with nano); -EINVAL if it would precede boot. */
static int wall_shift(s64 sec, s64 sub, bool nano)
{
    s64 delta = sec * (s64)NSEC_PER_SEC + (nano ? sub : sub * 1000);
    s64 now = (s64)realtime_ns();
    if (delta < 0 && now + delta < (s64)now_ns())
        return -EINVAL;
    realtime_set_ns((u64)(now + delta));
    return 0;
}

/* Apply the settable fields of t (already validated). */
static int timex_apply(const struct kernel_timex *t)
{
    u32 m = t->modes;
    bool nano = (m & ADJ_NANO) != 0 || ((m & ADJ_MICRO) == 0 && (ntp.status & STA_NANO) != 0);
    if ((m & ADJ_SETOFFSET) != 0) {
        int r = wall_shift(t->time_sec, t->time_usec, (m & ADJ_NANO) != 0);
        if (r < 0)
            return r;
    }
    if ((m & ADJ_ADJTIME) != 0) {
        if ((m & ADJ_OFFSET_READONLY) == 0)
            return wall_shift(0, t->offset, false);
        return 0;
    }
    if ((m & ADJ_STATUS) != 0)
        ntp.status = (ntp.status & STA_RONLY) | (t->status & ~STA_RONLY);
    if ((m & ADJ_NANO) != 0)
        ntp.status |= STA_NANO;
    if ((m & ADJ_MICRO) != 0)
        ntp.status &= ~STA_NANO;
    if ((m & ADJ_MAXERROR) != 0)
        ntp.maxerror = MIN(MAX(t->maxerror, 0), NTP_PHASE_LIMIT);
    if ((m & ADJ_ESTERROR) != 0)
        ntp.esterror = MIN(MAX(t->esterror, 0), NTP_PHASE_LIMIT);
    if ((m & ADJ_TIMECONST) != 0)
        ntp.constant = MIN(MAX(t->constant, 0), MAXTC);
    if ((m & ADJ_TAI) != 0 && t->constant >= 0)
        ntp.tai = (s32)t->constant;
    if ((m & ADJ_FREQUENCY) != 0)
        ntp.freq = MIN(MAX(t->freq, -MAXFREQ_SCALED), MAXFREQ_SCALED);
    if ((m & ADJ_TICK) != 0)
        ntp.tick = t->tick;
    if ((m & ADJ_OFFSET) != 0 && (ntp.status & STA_PLL) != 0)
        return wall_shift(0, t->offset, nano);
    return 0;
}

/* Fill t with the current state; returns the clock state (TIME_OK/TIME_ERROR). */
static int timex_report(struct kernel_timex *t, bool adjtime_offset)
{
    u64 ns = realtime_ns();
    bool nano = (ntp.status & STA_NANO) != 0;
    if (!adjtime_offset)
        t->offset = 0;                  /* steps are immediate: nothing left to slew */
    t->freq = ntp.freq;
    t->maxerror = ntp.maxerror;
    t->esterror = ntp.esterror;
    t->status = ntp.status;
    t->constant = ntp.constant;
    t->precision = 1;
    t->tolerance = MAXFREQ_SCALED;
    t->tick = ntp.tick;
    t->ppsfreq = t->jitter = 0;
    t->shift = 0;
    t->stabil = t->jitcnt = t->calcnt = t->errcnt = t->stbcnt = 0;
    t->tai = ntp.tai;
    t->time_sec = (s64)(ns / NSEC_PER_SEC);
    t->time_usec = (s64)(ns % NSEC_PER_SEC) / (nano ? 1 : 1000);
    return (ntp.status & STA_UNSYNC) != 0 ? TIME_ERROR : TIME_OK;
}

/* adjtimex on CLOCK_REALTIME: validate, apply, report. */
static long realtime_adj(u64 utx)
{
    struct kernel_timex t;
    if (copy_from_user(&t, (void *)utx, sizeof(t)) < 0)
        return -EFAULT;
    int r = timex_validate(&t);
    if (r == 0)
        r = timex_apply(&t);
    if (r < 0)
        return r;
    /* adjtime(3)'s ADJ_OFFSET_SS_READ returns the remaining slew: none */
    if ((t.modes & ADJ_ADJTIME) != 0)
        t.offset = 0;
    r = timex_report(&t, (t.modes & ADJ_ADJTIME) != 0);
    if (copy_to_user((void *)utx, &t, sizeof(t)) < 0)
        return -EFAULT;
    return r;
}

// partial: offsets step the clock at once instead of slewing; frequency and PLL settings are kept and reported but do not steer the TSC clock
long sys_adjtimex(u64 utx)
{
    return realtime_adj(utx);
}

// partial: as adjtimex; only CLOCK_REALTIME is adjustable (others EOPNOTSUPP, as Linux)
long sys_clock_adjtime(int clk, u64 utx)
{
    if (clk < 0 || clk > CLOCK_MAX_ID || clk == CLOCK_SGI_CYCLE)
        return -EINVAL;
    if (clk != CLOCK_REALTIME)
        return -EOPNOTSUPP;
    return realtime_adj(utx);
}
