#!/bin/sh
# setup-deps.sh - install everything solo needs to build, test and benchmark
# on Debian 12 (bookworm).  Idempotent; uses sudo when not run as root.
set -e
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
PKGS="build-essential make gcc binutils python3 qemu-system-x86 musl-tools libcmocka-dev \
zlib1g-dev busybox-static cpio linux-image-amd64 manpages-dev python3-sklearn dpkg-dev dnsmasq-base \
ca-certificates sqlite3 libpython3.11-testsuite clang libclang-rt-14-dev \
grub-pc-bin grub-efi-amd64-bin ovmf mtools"
missing=
for p in $PKGS; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing
fi
