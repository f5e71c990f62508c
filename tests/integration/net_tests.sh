# net_tests.sh - network integration tests, sourced by run.sh (its helpers:
# srun, fail, pass, expect_*; $W, $BIN, $RES, $T).  They boot real QEMU
# under TCG with user networking: the host reaches the guest through
# `solo run -p`, the guest reaches the host at 10.0.2.2.  Programs come from
# tests/net/ and are compiled on first use into $W/net.  The DNS test needs
# dnsmasq (Debian package dnsmasq-base) and port 53 on 127.0.0.1 (root).

NETSRC=$ROOT/tests/net

# net_prog NAME [static]: compile tests/net/NAME.c once (atomically: tests
# run in parallel) and print the binary's path.
net_prog() {
    local out=$W/net/$1
    mkdir -p "$W/net"
    if [ ! -x "$out" ] || [ "$NETSRC/$1.c" -nt "$out" ]; then
        gcc -O2 -Wall ${2:+-static} -o "$out.$BASHPID" "$NETSRC/$1.c" 2> "$W/net/$1.$BASHPID.log" &&
            mv -f "$out.$BASHPID" "$out" || { cat "$W/net/$1.$BASHPID.log" >&2; return 1; }
    fi
    echo "$out"
}

# A TCP port that is free on the host right now.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Boot echo_server with -p forwards, drive it from the host, check both sides.
net_echo() {   # net_echo 4|6 BYTES
    local prog port guest=7000
    prog=$(net_prog echo_server) || fail "cannot build echo_server"
    port=$(free_port)
    "$SOLO" run --timeout "$TMO" -p "$port:$guest" -p "$port:$guest/udp" "$prog" $guest "$1" 1 \
        < /dev/null > "$RES/$T.out" 2> "$RES/$T.err" &
    local vm=$!
    timeout 50 python3 "$NETSRC/host_client.py" tcp "$port" "$2" > "$RES/$T.host" 2>&1 &&
        timeout 30 python3 "$NETSRC/host_client.py" udp "$port" 40 >> "$RES/$T.host" 2>&1 ||
        { kill $vm 2> /dev/null; wait $vm; fail "host side: $(tail -c 300 "$RES/$T.host")"; }
    wait $vm
    echo $? > "$RES/$T.rc"
    expect_rc 0
    grep -q "^tcp: $2 bytes echoed intact" "$RES/$T.host" || fail "host: $(cat "$RES/$T.host")"
    grep -q "^tcp client 0: echoed $(($2 + 1)) bytes" "$RES/$T.out" || fail "guest: $(cat "$RES/$T.out")"
    grep -q "^udp: echoed 41 datagrams" "$RES/$T.out" || fail "guest: $(cat "$RES/$T.out")"
    pass
}

t_net_echo_tcp4() {   # AF_INET echo server in solo, 8 MiB through -p checked byte for byte, UDP too
    net_echo 4 8388608
}
t_net_echo_dualstack() {   # the same through an AF_INET6 dual-stack socket (v4-mapped peers)
    net_echo 6 2097152
}

t_net_client() {      # a client in solo reaches a host server at 10.0.2.2 (TCP 4 MB, UDP)
    local prog portfile=$W/$T.port
    prog=$(net_prog client) || fail "cannot build client"
    rm -f "$portfile"
    python3 "$NETSRC/host_echo.py" "$portfile" &
    local srv=$!
    for _ in $(seq 50); do [ -s "$portfile" ] && break; sleep 0.1; done
    srun "$prog" 10.0.2.2 "$(cat "$portfile")" 4000000
    kill $srv 2> /dev/null
    wait $srv 2> /dev/null
    expect_rc 0
    expect_out $'tcp: 4000000 bytes echoed intact\nudp: 20 datagrams echoed intact\n'
    pass
}

t_net_static() {      # RunConfig IPAddress/NetMask/Gateway instead of DHCP
    local prog portfile=$W/$T.port
    prog=$(net_prog client) || fail "cannot build client"
    rm -f "$portfile"
    python3 "$NETSRC/host_echo.py" "$portfile" &
    local srv=$!
    for _ in $(seq 50); do [ -s "$portfile" ] && break; sleep 0.1; done
    printf '{"RunConfig": {"IPAddress": "10.0.2.77", "NetMask": "255.255.255.0", "Gateway": "10.0.2.2"}}' \
        > "$W/$T.json"
    srun -v -c "$W/$T.json" "$prog" 10.0.2.2 "$(cat "$portfile")" 100000
    kill $srv 2> /dev/null
    wait $srv 2> /dev/null
    expect_rc 0
    expect_err_grep 'net: static address 10\.0\.2\.77'
    expect_out $'tcp: 100000 bytes echoed intact\nudp: 20 datagrams echoed intact\n'
    pass
}

t_net_ifaddrs() {     # getifaddrs/if_nameindex/route dump over AF_NETLINK: lo, eth0 with its DHCP address
    local prog
    prog=$(net_prog ifaddrs static) || fail "cannot build ifaddrs"
    srun "$prog"
    expect_rc 0
    expect_out 'lo flags 0x10049 packet index 1 type 772 mac 00:00:00:00:00:00
eth0 flags 0x11043 packet index 2 type 1 mac 52:54:00:12:34:56
lo flags 0x10049 inet 127.0.0.1 mask 255.0.0.0 bcast -
eth0 flags 0x11043 inet 10.0.2.15 mask 255.255.255.0 bcast 10.0.2.255
lo flags 0x10049 inet6 ::1 mask ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff bcast -
eth0 flags 0x11043 inet6 fec0::5054:ff:fe12:3456 mask ffff:ffff:ffff:ffff:: bcast -
eth0 flags 0x11043 inet6 fe80::5054:ff:fe12:3456 mask ffff:ffff:ffff:ffff:: bcast -
if_nameindex 1 lo, if_nametoindex 1
if_nameindex 2 eth0, if_nametoindex 2
route default via 10.0.2.2 dev 2 proto 16 scope 0 table 254
route 10.0.2.0/24 dev 2 proto 2 scope 253 table 254 src 10.0.2.15
'
    pass
}

t_net_netlink6() {    # IPv6 RTM_GETADDR/RTM_GETROUTE dumps as Linux lays them out; AF_UNSPEC order; AI_ADDRCONFIG
    local prog
    prog=$(net_prog nldump6 static) || fail "cannot build nldump6"
    srun "$prog"
    expect_rc 0
    # QEMU's router (fe80::2) advertises fec0::/64: a SLAAC address with
    # lifetimes (site scope, proto RA), the prefix route and a default route
    # that expire; ::1 and the link-local address are permanent
    expect_out 'addr ::1/128 dev 1 scope 254 ifa_flags 0x80 flags 0x80 proto 1 life forever stamps ok attrs 1,6,8,11
addr fec0::5054:ff:fe12:3456/64 dev 2 scope 200 ifa_flags 0 flags 0 proto 2 life valid>=preferred>0 stamps ok attrs 1,6,8,11
addr fe80::5054:ff:fe12:3456/64 dev 2 scope 253 ifa_flags 0x80 flags 0x80 proto 3 life forever stamps ok attrs 1,6,8,11
route fe80::/64 dev 2 table 254/254 proto 2 type 1 scope 0 metric 256 pref 0 expires no attrs 15,1,6,4,12,20
route fec0::/64 dev 2 table 254/254 proto 2 type 1 scope 0 metric 256 pref 0 expires yes attrs 15,1,6,4,12,20
route default via fe80::2 dev 2 table 254/254 proto 9 type 1 scope 0 metric 1024 pref 0 expires yes attrs 15,6,5,4,12,20
route ::1/128 dev 1 table 255/255 proto 2 type 2 scope 0 metric 0 pref 0 expires no attrs 15,1,6,4,12,20
route fe80::5054:ff:fe12:3456/128 dev 2 table 255/255 proto 2 type 2 scope 0 metric 0 pref 0 expires no attrs 15,1,6,4,12,20
route fec0::5054:ff:fe12:3456/128 dev 2 table 255/255 proto 2 type 2 scope 0 metric 0 pref 0 expires no attrs 15,1,6,4,12,20
route ff00::/8 dev 2 table 255/255 proto 2 type 5 scope 0 metric 256 pref 0 expires no attrs 15,1,6,4,12,20
AF_UNSPEC addresses: inet inet6
AF_UNSPEC routes: inet inet6
'
    if [ -x /usr/bin/python3 ]; then
        # glibc's AI_ADDRCONFIG dumps RTM_GETADDR (AF_UNSPEC): both families
        # have a non-loopback address, so neither is filtered out
        cat > "$W/$T.py" << 'EOF'
import socket
def addrs(fam, flags):
    try:
        return sorted({a[4][0] for a in socket.getaddrinfo(None, 80, fam, socket.SOCK_STREAM, 0, flags)})
    except socket.gaierror as e:
        return "gaierror %d" % e.errno
for fam in (socket.AF_UNSPEC, socket.AF_INET, socket.AF_INET6):
    print(fam.name, addrs(fam, socket.AI_ADDRCONFIG), addrs(fam, socket.AI_ADDRCONFIG | socket.AI_PASSIVE))
print(socket.if_nameindex())
EOF
        TMO=120 srun /usr/bin/python3 "$W/$T.py"
        expect_rc 0
        expect_out "AF_UNSPEC ['127.0.0.1', '::1'] ['0.0.0.0', '::']
AF_INET ['127.0.0.1'] ['0.0.0.0']
AF_INET6 ['::1'] ['::']
[(1, 'lo'), (2, 'eth0')]
"
    fi
    pass
}

t_net_local() {       # loopback TCP/UDP (v4, v6, dual-stack), epoll, errors, AF_UNIX: same as native
    local prog
    prog=$(net_prog local) || fail "cannot build local"
    "$prog" > "$RES/$T.native" 2>&1 || fail "native run failed: $(grep -v '^ok' "$RES/$T.native")"
    srun "$prog"
    expect_rc 0
    cmp -s "$RES/$T.native" "$RES/$T.out" ||
        fail "differs from native: $(diff "$RES/$T.native" "$RES/$T.out" | head -5)"
    pass
}

t_net_dns() {         # dnsmasq on the host serves a test zone; glibc (C and Python) resolves in solo
    command -v dnsmasq > /dev/null || { echo "PASS (skipped: no dnsmasq)" > "$RES/$T.result"; exit 0; }
    local prog pidf=$W/$T.dnsmasq.pid
    prog=$(net_prog resolve) || fail "cannot build resolve"
    rm -f "$pidf"
    dnsmasq --port=53 --listen-address=127.0.0.1 --bind-interfaces --no-resolv --no-hosts \
        --local=/solo.test/ --address=/host1.solo.test/10.9.8.7 --host-record=host6.solo.test,fd00::42 \
        --pid-file="$pidf" 2> "$RES/$T.dnsmasq" || fail "dnsmasq: $(cat "$RES/$T.dnsmasq")"
    # user networking forwards guest 10.0.2.2:53 to the host's 127.0.0.1:53
    printf '{"NameServers": ["10.0.2.2"]}' > "$W/$T.json"
    srun -c "$W/$T.json" "$prog" host1.solo.test host6.solo.test nothere.solo.test localhost
    local want=$'host1.solo.test 10.9.8.7\nhost6.solo.test fd00::42\nnothere.solo.test error EAI_NONAME\nlocalhost 127.0.0.1\n'
    if [ "$(rc)" != 0 ] || [ "$(cat "$RES/$T.out")" != "${want%$'\n'}" ]; then
        kill "$(cat "$pidf")"; fail "resolve: rc $(rc), got '$(cat "$RES/$T.out")'"
    fi
    if [ -x /usr/bin/python3 ]; then
        local lib
        lib=$(/usr/bin/python3 -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')
        printf '{"NameServers": ["10.0.2.2"], "Dirs": ["%s"], "Env": {"PYTHONDONTWRITEBYTECODE": "1"}}' \
            "$lib" > "$W/$T.py.json"
        TMO=120 srun -c "$W/$T.py.json" /usr/bin/python3 -c '
import socket
print(sorted({a[4][0] for a in socket.getaddrinfo("host1.solo.test", 80)}))
try:
    socket.getaddrinfo("nothere.solo.test", 80)
except socket.gaierror as e:
    print("gaierror", e.errno == socket.EAI_NONAME)'
        if [ "$(rc)" != 0 ] || [ "$(cat "$RES/$T.out")" != $'[\'10.9.8.7\']\ngaierror True' ]; then
            kill "$(cat "$pidf")"; fail "python: rc $(rc), got '$(cat "$RES/$T.out")' $(tail -c 300 "$RES/$T.err")"
        fi
    fi
    kill "$(cat "$pidf")"
    pass
}

t_net_tap() {         # --net tap:IFNAME (root): a host tap device, static address, checksum offload
    [ "$(id -u)" = 0 ] && command -v ip > /dev/null ||
        { echo "PASS (skipped: needs root and iproute2)" > "$RES/$T.result"; exit 0; }
    local prog portfile=$W/$T.port tap=solotap$((BASHPID % 10000))
    prog=$(net_prog client) || fail "cannot build client"
    ip tuntap add dev "$tap" mode tap 2> "$RES/$T.ip" || {
        echo "PASS (skipped: cannot create a tap device: $(head -c 200 "$RES/$T.ip"))" > "$RES/$T.result"; exit 0; }
    ip addr add 192.168.77.1/24 dev "$tap" && ip link set "$tap" up ||
        { ip tuntap del dev "$tap" mode tap; fail "cannot configure $tap"; }
    rm -f "$portfile"
    python3 "$NETSRC/host_echo.py" "$portfile" 192.168.77.1 &
    local srv=$!
    for _ in $(seq 50); do [ -s "$portfile" ] && break; sleep 0.1; done
    printf '{"RunConfig": {"IPAddress": "192.168.77.2", "NetMask": "255.255.255.0", "Gateway": "192.168.77.1"}}' \
        > "$W/$T.json"
    srun -v -c "$W/$T.json" --net "tap:$tap" "$prog" 192.168.77.1 "$(cat "$portfile")" 2000000
    kill $srv 2> /dev/null
    wait $srv 2> /dev/null
    ip tuntap del dev "$tap" mode tap
    expect_rc 0
    expect_err_grep 'virtio-net: .*checksum offload tx on rx on'
    expect_out $'tcp: 2000000 bytes echoed intact\nudp: 20 datagrams echoed intact\n'
    pass
}

t_net_client6() {     # IPv6 on the wire: SLAAC from user networking's router, client to the host's ::1
    python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2> /dev/null ||
        { echo "PASS (skipped: no IPv6 loopback on the host)" > "$RES/$T.result"; exit 0; }
    local prog portfile=$W/$T.port
    prog=$(net_prog client) || fail "cannot build client"
    rm -f "$portfile"
    python3 "$NETSRC/host_echo.py" "$portfile" ::1 &
    local srv=$!
    for _ in $(seq 50); do [ -s "$portfile" ] && break; sleep 0.1; done
    # fec0::2 is the host; user networking does not reassemble IPv6 fragments,
    # so datagrams stay under the MTU
    srun -v "$prog" fec0::2 "$(cat "$portfile")" 1000000 1400
    kill $srv 2> /dev/null
    wait $srv 2> /dev/null
    expect_rc 0
    expect_err_grep 'net: IPv6 address FEC0::'
    expect_out $'tcp: 1000000 bytes echoed intact\nudp: 20 datagrams echoed intact\n'
    pass
}

t_net_exit_flush() {  # data written just before exit still arrives, then EOF (FIN at exit)
    local prog portfile=$W/$T.port
    prog=$(net_prog sender) || fail "cannot build sender"
    rm -f "$portfile"
    python3 "$NETSRC/host_sink.py" "$portfile" 6000000 1 > "$RES/$T.host" 2>&1 &
    local sink=$!
    for _ in $(seq 50); do [ -s "$portfile" ] && break; sleep 0.1; done
    srun "$prog" 10.0.2.2 "$(cat "$portfile")" 6000000
    wait $sink
    expect_rc 0
    expect_out $'sent 6000000\n'
    [ "$(cat "$RES/$T.host")" = "received 6000000 of 6000000 bytes, intact" ] ||
        fail "host: $(cat "$RES/$T.host")"
    pass
}

t_net_timerfd() {     # timerfd (issue 5's readiness family): same output as native
    local prog
    prog=$(net_prog timerfd) || fail "cannot build timerfd"
    "$prog" > "$RES/$T.native" 2>&1 || fail "native run failed"
    srun "$prog"
    expect_rc 0
    cmp -s "$RES/$T.native" "$RES/$T.out" ||
        fail "differs from native: $(diff "$RES/$T.native" "$RES/$T.out" | head -5)"
    pass
}
