#!/bin/sh
# gen_ksyms.sh KERNEL_ELF - emit an assembler table of the kernel's function
# symbols, sorted by address, for symbolized backtraces: pairs of (address,
# offset of the name in the string blob), terminated by a zero address.
set -e
nm -n "$1" | awk '$2 ~ /^[tTwW]$/ && $1 ~ /^ffffffff/ { print $1, $3 }' > "$1.syms"
echo '.section .ksyms,"a"'
echo '.globl ksyms_start'
echo '.balign 8'
echo 'ksyms_start:'
awk 'BEGIN { off = 0 } { printf ".quad 0x%s, %d\n", $1, off; off += length($2) + 1 }' "$1.syms"
echo '.quad 0, 0'
echo '.globl ksyms_names'
echo 'ksyms_names:'
awk '{ printf ".asciz \"%s\"\n", $2 }' "$1.syms"
