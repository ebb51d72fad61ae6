#! /usr/bin/env atf-sh
#
# Copyright (c) 2026 The sealntp developers.
# SPDX-License-Identifier: ISC
#
# Interoperability with real third-party NTP implementations from
# Debian: our client against chronyd and ntpsec's ntpd as servers, and
# chronyd and ntpsec's ntpdig as clients of our server.  Everything
# runs on loopback, in the test's work directory, and without the right
# to change the clock (ours with -x, chronyd with -x, and every peer
# under setpriv --bounding-set -sys_time).  A peer that is not installed
# or cannot be run here makes its case skip with the reason.
#
# ntpsec's ntpd and ntpdig only speak port 123; the cases that need them
# create a network namespace of their own (only "lo" in it) and delete
# it in the cleanup.
#
# Offset bound: client and server read the same system clock, so the
# true offset is 0 and what the client measures is the asymmetry of the
# two one-way paths through the kernels' loopback and the daemons.
# Measured here (2 cores, -O2 build): 7-20 us against chronyd and ntpsec,
# under 1 us as chronyd sees our server; the ASan build adds a few tens
# of us.  We assert |offset| < 1 ms: about fifty times what we measured,
# so load on a CI machine does not make it flaky, yet far below what the
# mistakes this test is for produce: a fraction scaled as nanoseconds
# instead of 2^-32 s (up to 0.77 s), a wrong era or a seconds field off
# by one, or the reference time taken for the transmit time (seconds).

. "$(atf_get_srcdir)/../lib/daemon.sh"
SEAL_PORT_BASE=22000
PROBE="$(atf_get_srcdir)/../server/probe_helper"
OFFSET_BOUND=0.001
# fd53:ea1::1 exists only on "lo" inside the namespaces these tests make
UPSTREAM6=fd53:ea1::1

need_chrony() {
	command -v chronyd >/dev/null 2>&1 ||
	    atf_skip "chronyd not found: install the chrony package (sh .ci/deps.sh does)"
	command -v chronyc >/dev/null 2>&1 ||
	    atf_skip "chronyc not found: install the chrony package"
}

need_probe() {
	[ -x "$PROBE" ] || atf_skip "probe_helper not built ($PROBE)"
}

# --- network namespace ---------------------------------------------------

netns_make() {
	command -v ip >/dev/null 2>&1 || atf_skip "ip (iproute2) not found"
	ns=sealntp-interop-$$
	ip netns add "$ns" 2>ns.err ||
	    atf_skip "cannot create a network namespace: $(cat ns.err)"
	echo "$ns" > netns.name
	ip netns exec "$ns" ip link set lo up || atf_fail "lo up failed"
}

nsx() {
	ip netns exec "$(cat netns.name)" "$@"
}

# Kill what runs in our namespace (all of it started by this test), then
# delete it.
netns_cleanup() {
	[ -f netns.name ] || return 0
	ns=$(cat netns.name)
	for p in $(ip netns pids "$ns" 2>/dev/null); do
		kill "$p" 2>/dev/null
	done
	sleep 0.3
	for p in $(ip netns pids "$ns" 2>/dev/null); do
		kill -9 "$p" 2>/dev/null
	done
	ip netns del "$ns" 2>/dev/null
	rm -f netns.name
}

# ns_seal_start NAME: seal_start, inside the namespace
ns_seal_start() {
	name=$1
	ip netns exec "$(cat netns.name)" "$SEAL_BUILD/ntpd" -d -x \
	    -f "$name.conf" > "$name.log" 2>&1 &
	echo $! > "$name.pid"
	seal_up "$name"
}

# --- peers ----------------------------------------------------------------

# chrony_start NAME NETNS|- [chronyd flags]: run chronyd -x in the
# foreground with NAME.chrony.conf, without the right to set the clock,
# in the namespace if one is given; its pid in NAME.pid, log in NAME.log.
# (Commands are exec'd, not wrapped in shell functions, so that $! is
# chronyd itself.)
chrony_start() {
	name=$1 ns=$2 flags=${3:-}
	set -- chronyd -d -x -u root $flags -f "$(pwd)/$name.chrony.conf"
	if command -v setpriv >/dev/null 2>&1; then
		set -- setpriv --bounding-set -sys_time "$@"
	fi
	[ "$ns" = - ] || set -- ip netns exec "$ns" "$@"
	"$@" > "$name.log" 2>&1 &
	echo $! > "$name.pid"
	sleep 0.3
	kill -0 "$(cat "$name.pid")" 2>/dev/null ||
	    { cat "$name.log"; atf_fail "chronyd $name exited at start"; }
}

# serves PORT STRATUM [prefix...]: a server answers with that stratum
# and leap 0.  With SERVES_FRESH=1 each try comes from another loopback
# address (127.0.0.2-254): ntpsec rate-limits a client that asks every
# fraction of a second (a KoD, then silence), and a client it has
# limited would never see it synchronise, however long it waited.
serves() {
	port=$1 st=$2
	shift 2
	from=
	if [ "${SERVES_FRESH:-0}" = 1 ]; then
		_sv_n=$(( ${_sv_n:-0} % 253 + 2 ))
		from="-b 127.0.0.$_sv_n"
	fi
	"$@" "$PROBE" -p "$port" $from -w 200 v4 2>/dev/null |
	    grep -q "^reply .* leap=0 .* stratum=$st "
}

# wait_server PORT STRATUM SECONDS [prefix...]: until it serves (the
# bound is SECONDS * SEAL_SLACK of wall-clock time)
wait_server() {
	_ws_p=$1 _ws_st=$2 _ws_s=$3
	shift 3
	seal_poll "$_ws_s" serves "$_ws_p" "$_ws_st" "$@"
}

kill_pidfile() {
	for f in "$@"; do
		[ -f "$f" ] || continue
		p=$(cat "$f")
		[ -n "$p" ] && kill "$p" 2>/dev/null
		rm -f "$f"
	done
}

# check_sync NAME STRATUM PEER: our client NAME is synchronised to PEER
# at STRATUM with |offset| below the bound
check_sync() {
	name=$1 st=$2 peer=$3
	seal_ctl "$name" -j status > status.json
	seal_ctl "$name" peers
	cat status.json
	atf_check -o match:"\"stratum\": $st," cat status.json
	atf_check -o match:"\"system_peer\": \"$peer\"" cat status.json
	seal_ctl "$name" peers > peers.txt
	atf_check -o match:'sys\.peer' cat peers.txt
	off=$(sed -n 's/.*"offset": \([-0-9.e]*\).*/\1/p' status.json)
	echo "measured offset: $off s (bound $OFFSET_BOUND s)"
	awk -v o="$off" -v b="$OFFSET_BOUND" \
	    'BEGIN { exit !(o != "" && o < b && o > -b) }' ||
	    atf_fail "offset '$off' not within $OFFSET_BOUND s of 0"
}

# --- cases ----------------------------------------------------------------

atf_test_case chrony_server cleanup
chrony_server_head() {
	atf_set descr "our client synchronises to chronyd (local stratum 8) on loopback"
}
chrony_server_body() {
	seal_need_root
	need_chrony
	need_probe
	cport=$(seal_port 1)
	cat > up.chrony.conf <<-EOF
	local stratum 8
	allow 127.0.0.1
	port $cport
	bindaddress 127.0.0.1
	bindcmdaddress /
	cmdport 0
	pidfile $(pwd)/up.chronypid
	driftfile $(pwd)/up.drift
	EOF
	chrony_start up -
	wait_server "$cport" 8 5 || { cat up.log; atf_fail "chronyd does not serve"; }
	seal_conf client "$(seal_port 2)" \
	    "server 127.0.0.1 port $cport iburst minpoll 4 maxpoll 4"
	seal_start client
	seal_wait client status '"synced": true' 25 ||
	    { cat client.log up.log; seal_ctl client all; atf_fail "client never synchronised to chronyd"; }
	check_sync client 9 "127.0.0.1:$cport"
}
chrony_server_cleanup() {
	seal_stop client
	kill_pidfile up.pid up.chronypid
}

atf_test_case ntpsec_server cleanup
ntpsec_server_head() {
	atf_set descr "our client synchronises to ntpsec's ntpd, itself fed by a chronyd, in a namespace"
}
ntpsec_server_body() {
	seal_need_root
	need_chrony
	need_probe
	src=$(atf_config_get srcdir "")
	[ -n "$src" ] || src=$(atf_get_srcdir)/../../..
	nsdir=${SEAL_NTPSEC_DIR:-/var/cache/sealntp-test/ntpsec}
	sh "$src/regress/interop/setup.sh" "$nsdir" 2>setup.err ||
	    atf_skip "ntpsec's ntpd is not available: $(cat setup.err)"
	ntpsec=$nsdir/usr/sbin/ntpd
	netns_make
	# ntpsec accepts no 127.x server but 127.0.0.1 and always uses port
	# 123, so the upstream chronyd listens on an IPv6 address of its own
	# on lo, and the local route to it gets source ::1, where ntpsec
	# listens: ntpsec only sends from addresses it has a socket on.
	nsx ip addr add "$UPSTREAM6/128" dev lo nodad ||
	    atf_skip "cannot add an IPv6 address in the namespace"
	nsx ip -6 route add local "$UPSTREAM6" dev lo table local src ::1 \
	    metric 1024 || atf_fail "route add failed"
	nsx ip -6 route del local "$UPSTREAM6" dev lo table local \
	    proto kernel metric 0 || atf_fail "route del failed"
	nsx ip -6 route get "$UPSTREAM6" | grep -q 'src ::1' ||
	    atf_fail "route to $UPSTREAM6 does not use ::1"
	cat > up.chrony.conf <<-EOF
	local stratum 8
	allow ::1
	port 123
	bindaddress $UPSTREAM6
	bindcmdaddress /
	cmdport 0
	pidfile $(pwd)/up.chronypid
	driftfile $(pwd)/up.drift
	EOF
	chrony_start up "$(cat netns.name)" -6
	cat > ntpsec.conf <<-EOF
	server $UPSTREAM6 iburst minpoll 4 maxpoll 4
	driftfile $(pwd)/ntpsec.drift
	statsdir $(pwd)/
	interface ignore all
	interface ignore wildcard
	interface listen 127.0.0.1
	interface listen ::1
	EOF
	command -v setpriv >/dev/null 2>&1 ||
	    atf_skip "setpriv not found: ntpsec would run with the right to set the clock"
	ip netns exec "$(cat netns.name)" setpriv --bounding-set -sys_time \
	    "$ntpsec" -n -c "$(pwd)/ntpsec.conf" -p "$(pwd)/ntpsec.ntpsecpid" \
	    > ntpsec.log 2>&1 &
	echo $! > ntpsec.pid
	# ntpsec answers stratum 16/leap 3 until it has selected chronyd
	SERVES_FRESH=1
	wait_server 123 9 30 nsx ||
	    { cat ntpsec.log up.log; atf_fail "ntpsec never synchronised to chronyd"; }
	SERVES_FRESH=0
	seal_conf client "$(seal_port 3)" \
	    "server 127.0.0.1 iburst minpoll 4 maxpoll 4"
	ns_seal_start client
	seal_wait client status '"synced": true' 30 ||
	    { cat client.log ntpsec.log; seal_ctl client all; atf_fail "client never synchronised to ntpsec"; }
	check_sync client 10 "127.0.0.1:123"
}
ntpsec_server_cleanup() {
	seal_stop client
	kill_pidfile ntpsec.pid ntpsec.ntpsecpid up.pid up.chronypid
	netns_cleanup
}

# chrony_selected CMDPORT: chronyd has selected (or combines) our server
chrony_selected() {
	chronyc -h 127.0.0.1 -p "$1" -n -c sources > sources.csv 2>&1
	grep -Eq '^\^,[*+],127\.0\.0\.1,8,' sources.csv
}

atf_test_case chrony_client cleanup
chrony_client_head() {
	atf_set descr "chronyd -x as a client accepts our server and selects it"
}
chrony_client_body() {
	seal_need_root
	need_chrony
	sport=$(seal_port 4) cmdport=$(seal_port 5)
	seal_conf server "$sport" "local stratum 8"
	seal_start server
	cat > cl.chrony.conf <<-EOF
	server 127.0.0.1 port $sport iburst minpoll 4 maxpoll 4
	port 0
	cmdport $cmdport
	bindcmdaddress 127.0.0.1
	bindcmdaddress /
	cmdallow 127.0.0.1
	pidfile $(pwd)/cl.chronypid
	driftfile $(pwd)/cl.drift
	EOF
	chrony_start cl -
	# chronyc -c sources: mode,state,address,stratum,poll,reach,...;
	# state '*' = selected as the system peer, '+' = combined
	ok=
	seal_poll 20 chrony_selected "$cmdport" && ok=1
	cat sources.csv
	chronyc -h 127.0.0.1 -p "$cmdport" -n tracking | tee tracking.txt
	[ -n "$ok" ] || { cat cl.log; atf_fail "chronyd did not select our server"; }
	reach=$(cut -d, -f6 sources.csv)
	[ "$reach" -gt 0 ] || atf_fail "reach $reach"
	atf_check -o match:'^Stratum +: 9$' cat tracking.txt
	atf_check -o match:'^Leap status +: Normal$' cat tracking.txt
	atf_check -o match:'^Reference ID +: 7F000001 ' cat tracking.txt
	# chronyd's own measurement of our server: same clock, so near 0
	off=$(sed -n 's/^Last offset *: *\([-+0-9.e]*\) seconds$/\1/p' tracking.txt)
	echo "chronyd's last offset: $off s (bound $OFFSET_BOUND s)"
	awk -v o="$off" -v b="$OFFSET_BOUND" \
	    'BEGIN { exit !(o != "" && o + 0 < b && o + 0 > -b) }' ||
	    atf_fail "chronyd measures our server at '$off' s"
	seal_ctl server counters > counters.txt
	# chronyd selects after its iburst's first 3 or 4 samples
	atf_check -o match:'server_replies +([3-9]|[1-9][0-9]+)$' cat counters.txt
}
chrony_client_cleanup() {
	kill_pidfile cl.pid cl.chronypid
	seal_stop server
}

atf_test_case ntpdig_client cleanup
ntpdig_client_head() {
	atf_set descr "ntpsec's ntpdig accepts our server's answers (port 123, in a namespace)"
}
ntpdig_client_body() {
	seal_need_root
	command -v ntpdig >/dev/null 2>&1 ||
	    atf_skip "ntpdig not found: install the ntpsec-ntpdig package (sh .ci/deps.sh does)"
	netns_make
	# our server on the standard port, inside the namespace
	seal_conf server 123 "local stratum 8"
	ns_seal_start server
	nsx ntpdig -j -t 2 127.0.0.1 > dig.json 2> dig.err ||
	    { cat dig.err server.log; atf_fail "ntpdig failed"; }
	cat dig.json
	atf_check -o match:'"stratum":8' cat dig.json
	atf_check -o match:'"leap":"no-leap"' cat dig.json
	atf_check -o match:'"adjusted":false' cat dig.json
	# ntpdig is Python: its timestamps carry the interpreter's latency,
	# tenths of a millisecond; 10 ms still catches any real error.
	off=$(sed -n 's/.*"offset":\([-0-9.e]*\).*/\1/p' dig.json)
	awk -v o="$off" 'BEGIN { exit !(o != "" && o < 0.01 && o > -0.01) }' ||
	    atf_fail "ntpdig offset '$off'"
	# several samples in one run, all accepted
	atf_check -o match:'127\.0\.0\.1 s8 no-leap' -e ignore \
	    ip netns exec "$(cat netns.name)" ntpdig -p 3 -t 2 127.0.0.1
	seal_ctl server counters > counters.txt
	atf_check -o match:'server_replies +[4-9]' cat counters.txt
}
ntpdig_client_cleanup() {
	seal_stop server
	netns_cleanup
}

atf_init_test_cases() {
	atf_add_test_case chrony_server
	atf_add_test_case ntpsec_server
	atf_add_test_case chrony_client
	atf_add_test_case ntpdig_client
}
