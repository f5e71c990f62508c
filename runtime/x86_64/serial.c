/*
 * serial.c - the two 16550 UARTs and the debug console.  COM1 (0x3f8)
 * carries the program's stdout, COM2 (0x2f8) its stderr; the QEMU debug
 * console (port 0xe9) carries the kernel log, so kernel messages never mix
 * with program output.  Output is polled; no interrupts.
 */
#include "cpu.h"

#define COM1 0x3f8
#define COM2 0x2f8
#define DEBUGCON 0xe9

static void uart_init(u16 base)
{
    outb(base + 1, 0x00);              /* no interrupts */
    outb(base + 3, 0x80);              /* DLAB */
    outb(base + 0, 0x01);              /* 115200 baud */
    outb(base + 1, 0x00);
    outb(base + 3, 0x03);              /* 8N1 */
    outb(base + 2, 0xc7);              /* FIFO on, cleared */
    outb(base + 4, 0x03);              /* DTR, RTS */
}

void serial_init(void)
{
    uart_init(COM1);
    uart_init(COM2);
}

static void uart_write(u16 base, const u8 *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int spins = 0;
        while ((inb(base + 5) & 0x20) == 0 && spins < 100000)
            spins++;
        outb(base, p[i]);
    }
}

void console_write(int fd, const void *buf, size_t n)
{
    uart_write(fd == 2 ? COM2 : COM1, buf, n);
}

void debugcon_write(const char *s, size_t n)
{
    __asm__ volatile("rep outsb" : "+S"(s), "+c"(n) : "d"((u16)DEBUGCON) : "memory");
}
