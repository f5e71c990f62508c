/*
 * log.h - the kernel log's ring buffer (runtime/log.c), read by syslog(2)
 * (syscalls/sysmisc.c).  Every klog line is kept as one record
 * "<level>[seconds.micros] text\n", the format Linux's syslog(2) returns and
 * dmesg parses; the oldest records are dropped when the 64 KiB ring is full.
 * Offsets below count bytes ever logged, so a reader's position stays valid
 * while the ring wraps (it is moved up to the oldest record kept).
 */
#ifndef SOLO_LOG_H
#define SOLO_LOG_H

#include "kernel.h"

#define KLOG_BUF_SIZE 65536
#define KLOG_LEVEL_DEFAULT 6           /* KERN_INFO: klog's lines */
#define KLOG_LEVEL_PANIC 0             /* KERN_EMERG: panic's */

/* Copy the newest whole records after the clear mark that fit in cap bytes
 * into dst; with clear, move the clear mark to the end.  Returns bytes. */
size_t klog_read_all(char *dst, size_t cap, bool clear);
/* Copy records from the read position on (consuming them): whole records
 * while they fit, or the first cap bytes of one that alone does not. */
size_t klog_read(char *dst, size_t cap);
size_t klog_unread(void);              /* bytes after the read position */
void klog_clear(void);                 /* nothing before now is returned by klog_read_all */

/* Console level (syslog CONSOLE_OFF/ON/LEVEL): records with a level below it
 * also go to the debug console.  Default 7, minimum 1. */
void klog_console_off(void);
void klog_console_on(void);
void klog_console_set(int level);

#endif
