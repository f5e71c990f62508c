/*
 * serial.c - the program's console streams and the debug console.  When a
 * virtio-console device with solo's named ports is present
 * (runtime/drivers/virtio_console.c), stdout and stderr go through it in
 * large batches and stdin reads the host's stdin; otherwise (or for a stream
 * without its port) COM1 (0x3f8) carries stdout and COM2 (0x2f8) stderr, one
 * polled byte at a time, and stdin is at end of input.  The QEMU debug
 * console (port 0xe9) carries the kernel log, so kernel messages never mix
 * with program output.  No interrupts on the UARTs.
 */
#include "cpu.h"
#include "../drivers/virtio.h"

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
    int stream = fd == 2 ? 2 : 1;
    if (vcon_write(stream, buf, n) == 0)
        return;
    uart_write(stream == 2 ? COM2 : COM1, buf, n);
}

void console_flush(void)
{
    vcon_flush();
}

long console_in_read(void *buf, size_t n, bool nonblock)
{
    return vcon_read(buf, n, nonblock);
}

bool console_in_ready(void)
{
    return vcon_readable() != 0;
}

long console_in_pending(void)
{
    return vcon_pending();
}

void debugcon_write(const char *s, size_t n)
{
    __asm__ volatile("rep outsb" : "+S"(s), "+c"(n) : "d"((u16)DEBUGCON) : "memory");
}
