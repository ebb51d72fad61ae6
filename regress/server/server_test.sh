#! /usr/bin/env atf-sh
#
# Copyright (c) 2026 The sealntp developers.
# SPDX-License-Identifier: ISC
#
# The server side seen from the wire: a running sealntp gets crafted
# datagrams from probe_helper (see probe_helper.c for its output) and
# we check the answers, the silence, and the counters ntpctl shows.

. "$(atf_get_srcdir)/../lib/daemon.sh"
SEAL_PORT_BASE=23000
PROBE="$(atf_get_srcdir)/probe_helper"

# cnt NAME COUNTER: one counter of a running instance, from the JSON view
cnt() {
	v=$(seal_ctl "$1" -j counters |
	    sed -n "s/.*\"$2\": \([0-9]*\).*/\1/p")
	[ -n "$v" ] || atf_fail "ntpctl -j counters on $1 gave no $2"
	echo "$v"
}

# cnt_reach NAME COUNTER VALUE: wait until the counter is at least VALUE
# (a datagram that got no answer may still be in the engine's queue when
# the probe gives up listening), then the caller compares it exactly
cnt_reach_now() {
	[ "$(cnt "$1" "$2")" -ge "$3" ]
}
cnt_reach() {
	seal_poll 10 cnt_reach_now "$@" || true
}

# probe NAME KIND [probe_helper options]: send KIND to instance NAME's
# port, output to KIND.out (and the test's log).  Without -w, or for a
# burst, answers are expected: the first may take up to 30 s on a loaded
# machine (it takes milliseconds on a quiet one).
probe() {
	name=$1 kind=$2
	shift 2
	if [ "$kind" = burst ]; then
		set -- "$@" -f 30000
	else
		case " $* " in *" -w "*) ;; *) set -- "$@" -f 30000 ;; esac
	fi
	"$PROBE" -p "$(cat "$name.port")" "$@" "$kind" > "$kind.out" ||
	    atf_fail "probe_helper $kind failed"
	sed "s/^/$kind: /" "$kind.out"
}

# start NAME PORTNUM [config lines]: configure and start, remember port
start() {
	name=$1 port=$(seal_port "$2")
	shift 2
	seal_conf "$name" "$port" "$@"
	echo "$port" > "$name.port"
	seal_start "$name"
}

# expect_field KIND FIELD=VALUE...: every reply line in KIND.out has them
expect_field() {
	kind=$1
	shift
	grep -q '^reply ' "$kind.out" || atf_fail "$kind: no reply"
	for f in "$@"; do
		if grep '^reply ' "$kind.out" | grep -vq " $f\( \|\$\)"; then
			atf_fail "$kind: a reply without $f"
		fi
	done
}

atf_test_case version_echo cleanup
version_echo_head() {
	atf_set descr "mode 4 answers: version echoed (1-4), org = our xmt, sane rec/xmt, local stratum"
}
version_echo_body() {
	seal_need_root
	start s 1 "local stratum 8"
	for v in 4 3 2 1; do
		probe s v$v
		expect_field v$v mode=4 version=$v stratum=8 leap=0 org_ok=1 \
		    sane=1 kod=0
	done
	# the poll we sent (4) comes back clamped into 4..17
	expect_field v4 poll=4
	[ "$(cnt s server_replies)" -eq 4 ] || atf_fail "server_replies not 4"
	[ "$(cnt s tx)" -eq 4 ] || atf_fail "tx not 4"
}
version_echo_cleanup() { seal_stop s; }

atf_test_case unsynchronised cleanup
unsynchronised_head() {
	atf_set descr "a server with no source and no local stratum says stratum 16, leap 3"
}
unsynchronised_body() {
	seal_need_root
	start s 2
	probe s v4
	expect_field v4 mode=4 version=4 stratum=16 leap=3 org_ok=1 sane=1
	probe s v3
	expect_field v3 version=3 stratum=16 leap=3
}
unsynchronised_cleanup() { seal_stop s; }

atf_test_case malformed cleanup
malformed_head() {
	atf_set descr "malformed and unexpected datagrams are dropped silently and counted by kind"
}
malformed_body() {
	seal_need_root
	start s 3 "local stratum 8"
	set -- $(seal_children s)
	engine=$1
	loglines=$(wc -l < s.log)
	# kind counter: the counter each kind must raise by exactly one
	for kc in empty:rx_short short:rx_short version0:rx_badversion \
	    version5:rx_badversion mode0:rx_badmode mode5:rx_badmode \
	    mode6:rx_mode6 mode7:rx_mode7 badlen:rx_badext \
	    badext:rx_badext badmac:rx_badmac mode4:rx_unexpected; do
		kind=${kc%%:*} c=${kc#*:}
		before=$(cnt s "$c")
		rx=$(cnt s rx)
		# mode6 is answered: allow for a slow first reply (as probe
		# does when no -w is given); the others must stay unanswered
		if [ "$kind" = mode6 ]; then
			probe s "$kind" -w 200 -f 30000
		else
			probe s "$kind" -w 200
		fi
		if [ "$kind" = mode6 ]; then
			# from loopback: the read-only responder (regress/mode6)
			grep -q '^reply .* mode=6 ' "$kind.out" ||
			    atf_fail "mode6 (READVAR) not answered"
		else
			grep -q '^noreply$' "$kind.out" ||
			    atf_fail "$kind was answered"
		fi
		cnt_reach s rx $((rx + 1))
		after=$(cnt s "$c")
		[ "$after" -eq $((before + 1)) ] ||
		    atf_fail "$kind: $c went from $before to $after"
		[ "$(cnt s rx)" -eq $((rx + 1)) ] || atf_fail "$kind: rx not +1"
	done
	[ "$(cnt s server_replies)" -eq 0 ] || atf_fail "something was answered"
	# A well-framed MAC with a key we do not have: never a time answer
	# without authentication; dropped and counted, or (once symmetric
	# keys exist) a crypto-NAK, 48 bytes + the 4-byte key ID 0.
	before=$(cnt s rx_badmac)
	rx=$(cnt s rx)
	probe s mac -w 200
	cnt_reach s rx $((rx + 1))
	if ! grep -q '^noreply$' mac.out; then
		grep -q '^reply len=52 ' mac.out ||
		    atf_fail "a MAC'd request with an unknown key got a time answer"
	else
		[ "$(cnt s rx_badmac)" -eq $((before + 1)) ] ||
		    atf_fail "mac: dropped but rx_badmac not +1"
	fi
	# dropped quietly: no log line per packet
	[ "$(wc -l < s.log)" -lt $((loglines + 3)) ] ||
	    { cat s.log; atf_fail "dropped packets were logged"; }
	# and the engine is still there and serving
	kill -0 "$engine" || atf_fail "engine died"
	probe s v4
	expect_field v4 mode=4 stratum=8 org_ok=1
	seal_ctl s counters
}
malformed_cleanup() { seal_stop s; }

atf_test_case restrict_longest cleanup
restrict_longest_head() {
	atf_set descr "restrict: the longest matching mask wins, whatever the line order"
}
restrict_longest_body() {
	seal_need_root
	# host line after a default ignore: 127.0.0.1 served, .2 not
	start a 4 "local stratum 8" "restrict default ignore" \
	    "restrict 127.0.0.1"
	probe a v4
	expect_field v4 mode=4 stratum=8
	probe a v3 -b 127.0.0.2 -w 300
	grep -q '^noreply$' v3.out || atf_fail "127.0.0.2 was answered"
	cnt_reach a rx_restricted 1
	[ "$(cnt a rx_restricted)" -eq 1 ] || atf_fail "rx_restricted not 1"
	seal_stop a
	# most specific first, a /8 ignore in the middle, default last
	start b 5 "local stratum 8" "restrict 127.0.0.1" \
	    "restrict 127.0.0.0 mask 255.0.0.0 ignore" "restrict default"
	probe b v4
	expect_field v4 mode=4 stratum=8
	probe b v3 -b 127.0.0.2 -w 300
	grep -q '^noreply$' v3.out || atf_fail "127.0.0.2 passed the /8 ignore"
	cnt_reach b rx_restricted 1
	[ "$(cnt b rx_restricted)" -eq 1 ] || atf_fail "rx_restricted not 1"
	[ "$(cnt b server_replies)" -eq 1 ] || atf_fail "server_replies not 1"
}
restrict_longest_cleanup() { seal_stop a b; }

atf_test_case limited_kod cleanup
limited_kod_head() {
	atf_set descr "restrict limited kod: a fast burst gets answers, then one KoD RATE, then silence"
}
limited_kod_body() {
	seal_need_root
	start s 6 "local stratum 8" "restrict default limited kod"
	# -w 1000: a pause under load must not end the count of answers
	probe s burst -n 20 -w 1000
	cnt_reach s rx 20
	kod=$(grep -c '^reply .* kod=1$' burst.out || true)
	ok=$(grep -c '^reply .* kod=0$' burst.out || true)
	echo "answers $ok, kiss-o'-death $kod"
	[ "$ok" -ge 1 ] && [ "$ok" -le 9 ] || atf_fail "$ok normal answers to a burst of 20"
	# at most one KoD per client per RL_KOD_INTERVAL (8 s)
	[ "$kod" -eq 1 ] || atf_fail "$kod KoD answers, expected 1"
	grep '^reply .* kod=1$' burst.out > kod.out
	expect_field kod mode=4 version=4 stratum=0 leap=3 \
	    refid_ascii=RATE org_ok=1
	[ "$(cnt s kod_sent)" -eq 1 ] || atf_fail "kod_sent not 1"
	rl=$(cnt s rx_ratelimited)
	[ "$rl" -eq $((20 - ok)) ] || atf_fail "rx_ratelimited $rl, expected $((20 - ok))"
	[ "$(cnt s server_replies)" -eq "$ok" ] || atf_fail "server_replies mismatch"
}
limited_kod_cleanup() { seal_stop s; }

atf_test_case limited_nokod cleanup
limited_nokod_head() {
	atf_set descr "restrict limited without kod: excess requests dropped, no KoD sent"
}
limited_nokod_body() {
	seal_need_root
	start s 7 "local stratum 8" "restrict default limited"
	# -w 1000: a pause under load must not end the count of answers
	probe s burst -n 20 -w 1000
	cnt_reach s rx 20
	kod=$(grep -c '^reply .* kod=1$' burst.out || true)
	ok=$(grep -c '^reply .* kod=0$' burst.out || true)
	[ "$kod" -eq 0 ] || atf_fail "KoD sent without kod"
	[ "$ok" -ge 1 ] && [ "$ok" -le 9 ] || atf_fail "$ok normal answers to a burst of 20"
	[ "$(cnt s kod_sent)" -eq 0 ] || atf_fail "kod_sent not 0"
	[ "$(cnt s rx_ratelimited)" -eq $((20 - ok)) ] ||
	    atf_fail "rx_ratelimited mismatch"
	# without limited, the same burst is answered in full
	seal_stop s
	start t 8 "local stratum 8"
	probe t burst -n 20 -w 1000
	[ "$(grep -c '^reply ' burst.out)" -eq 20 ] ||
	    atf_fail "unlimited burst not fully answered"
}
limited_nokod_cleanup() { seal_stop s t; }

atf_test_case noserve_notrust cleanup
noserve_notrust_head() {
	atf_set descr "restrict noserve and notrust drop plain requests; noquery does not"
}
noserve_notrust_body() {
	seal_need_root
	start a 9 "local stratum 8" "restrict 127.0.0.1 noserve"
	probe a v4 -w 300
	grep -q '^noreply$' v4.out || atf_fail "noserve answered"
	cnt_reach a rx_restricted 1
	[ "$(cnt a rx_restricted)" -eq 1 ] || atf_fail "rx_restricted not 1"
	seal_stop a
	# notrust: only authenticated requests; a plain one is dropped
	start b 10 "local stratum 8" "restrict default notrust"
	probe b v4 -w 300
	grep -q '^noreply$' v4.out || atf_fail "notrust answered a plain request"
	cnt_reach b rx_restricted 1
	[ "$(cnt b rx_restricted)" -eq 1 ] || atf_fail "rx_restricted not 1"
	seal_stop b
	# noquery and nomodify are about mode 6/7, not time service
	start c 11 "local stratum 8" "restrict default noquery nomodify"
	probe c v4
	expect_field v4 mode=4 stratum=8 org_ok=1
}
noserve_notrust_cleanup() { seal_stop a b c; }

atf_test_case port_taken cleanup
port_taken_head() {
	atf_set descr "a second daemon on a UDP port already served does not silently share it"
}
port_taken_body() {
	seal_need_root
	start a 12 "local stratum 8"
	# same NTP port, its own control socket
	seal_conf b "$(cat a.port)" "local stratum 9"
	"$SEAL_BUILD/ntpd" -d -x -f b.conf > b.log 2>&1 &
	echo $! > b.pid
	# b must give up: wait for it to exit rather than a fixed time
	seal_poll 10 seal_gone "$(cat b.pid)" ||
	    { cat b.log; atf_fail "a second ntpd runs on the same port"; }
	probe a v4
	expect_field v4 stratum=8
	grep -q "Address already in use" b.log ||
	    { cat b.log; atf_fail "no 'address in use' error from the second ntpd"; }
}
port_taken_cleanup() { seal_stop a b; }

atf_init_test_cases() {
	atf_add_test_case version_echo
	atf_add_test_case unsynchronised
	atf_add_test_case malformed
	atf_add_test_case restrict_longest
	atf_add_test_case limited_kod
	atf_add_test_case limited_nokod
	atf_add_test_case noserve_notrust
	atf_add_test_case port_taken
}
