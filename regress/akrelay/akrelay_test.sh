#! /usr/bin/env atf-sh
#
# Copyright (c) 2026 The sealntp developers.
# SPDX-License-Identifier: ISC
#
# A tampering relay (relay_helper.c) between our Autokey client and our
# Autokey server on loopback: the client's server line names the
# relay's port, the relay forwards to the server, and all addresses are
# 127.0.0.1, so the Autokey session keys are those of a direct path.
# Each case tampers with the server's responses in one way and checks
# that the client never accepts a tampered datagram: every one the
# relay altered, re-sent or delivered out of order shows up in the
# client's rejection counters (ntpctl counters: rx_short, rx_badmac,
# rx_badext, rx_bogus, ...; ntpctl peers: the association's "rejected"),
# and the association never becomes "ok" when every response is
# altered.  Keys come from our ntp-keygen at the start of each case
# (small moduli, for speed), so the cases need no vectors.

. "$(atf_get_srcdir)/../lib/daemon.sh"
SEAL_PORT_BASE=28000
# Each case takes its own ports (ports N: 28000 + 10 N + 1..3), so that
# cases never collide even when kyua runs them side by side.
ports() {
	SEAL_PORT_BASE=$((28000 + 10 * $1))
}
RELAY="$(atf_get_srcdir)/relay_helper"

# ak_setup: keys for alpha.test (trusted, IFF) and beta.test (client,
# group key installed), the server running, the configurations written
ak_setup() {
	seal_need_root
	[ -x "$RELAY" ] || atf_skip "relay_helper not built"
	mkdir -m 700 skeys ckeys
	(cd skeys && "$SEAL_BUILD/ntp-keygen" -T -I -m 512 -b 512 \
	    -p serverpw -s alpha.test) > keygen.log 2>&1 ||
	    { cat keygen.log; atf_fail "ntp-keygen -T -I failed"; }
	(cd skeys && "$SEAL_BUILD/ntp-keygen" -e -p serverpw -s alpha.test) \
	    > group.key 2>> keygen.log || atf_fail "ntp-keygen -e failed"
	(cd ckeys && "$SEAL_BUILD/ntp-keygen" -H -m 512 -p clientpw \
	    -s beta.test) >> keygen.log 2>&1 || atf_fail "ntp-keygen -H failed"
	gk=$(head -n 1 group.key | sed 's/^# *//')
	cp group.key "ckeys/$gk"
	ln -s "$gk" "ckeys/${gk%.*}"
	seal_conf server "$(seal_port 1)" "local stratum 8" \
	    "crypto pw serverpw host alpha.test" "keysdir $(pwd)/skeys"
	seal_conf client "$(seal_port 2)" \
	    "server 127.0.0.1 port $(seal_port 3) autokey iburst minpoll 4 maxpoll 4" \
	    "crypto pw clientpw host beta.test" "keysdir $(pwd)/ckeys"
	seal_start server
}

# relay_start ARGS...: the relay from port 3 to the server (port 1)
relay_start() {
	"$RELAY" -l "$(seal_port 3)" -s "$(seal_port 1)" -o relay.stats \
	    -L 120 -v "$@" 2> relay.log &
	echo $! > relay.pid
	seal_poll 10 test -s relay.stats ||
	    { cat relay.log; atf_fail "relay did not start"; }
}

relay_stop() {
	[ -f relay.pid ] || return 0
	kill "$(cat relay.pid)" 2>/dev/null
	seal_poll 10 seal_gone "$(cat relay.pid)" ||
	    kill -9 "$(cat relay.pid)" 2>/dev/null
	rm -f relay.pid
}

ak_cleanup() {
	seal_stop client server
	relay_stop
}

# stat KEY: a relay statistic
stat() {
	sed -n "s/^$1=//p" relay.stats
}

# jnum FILE KEY: the first number "KEY": N in a JSON file (0 if none)
jnum() {
	v=$(grep -o "\"$2\": *[0-9]*" "$1" | head -n 1 | sed 's/.*: *//')
	echo "${v:-0}"
}

# snapshot NAME: the client's counters and peers now
snapshot() {
	seal_ctl client -j counters > "$1.counters.json"
	seal_ctl client -j peers > "$1.peers.json"
}

# rejected NAME: every datagram the client refused, by any check
rejected() {
	n=0
	for k in rx_short rx_badversion rx_badmode rx_badext rx_badmac \
	    rx_bogus rx_unexpected; do
		n=$((n + $(jnum "$1.counters.json" "$k")))
	done
	echo $((n + $(jnum "$1.peers.json" rejected)))
}

# server_refused N: the server's counters show at least N refused requests
server_refused() {
	seal_ctl server -j counters > server.counters.json
	[ $(( $(jnum server.counters.json ak_badmac) +
	    $(jnum server.counters.json rx_badmac) +
	    $(jnum server.counters.json rx_badext) )) -ge "$1" ]
}

auth_ok() {
	seal_ctl client -j peers 2>/dev/null | grep -q '"auth": *"ok"'
}

# watch SECONDS: run the client that long; "ever_ok" if auth was ever ok
watch() {
	rm -f ever_ok
	i=0
	while [ $i -lt $(($1 * 5)) ]; do
		auth_ok && : > ever_ok
		sleep 0.2; i=$((i + 1))
	done
}

# watch_step COMMAND...: note "ever_ok" if auth is ok now; COMMAND's status
watch_step() {
	auth_ok && : > ever_ok
	"$@"
}

# watch_more SECONDS COMMAND...: go on watching (ever_ok kept) until
# COMMAND succeeds, at most SECONDS * SEAL_SLACK: on a loaded machine
# the exchanges a case needs can take longer than its watch
watch_more() {
	_wm_s=$1
	shift
	seal_poll "$_wm_s" watch_step "$@"
}

# watch_ok SECONDS: until auth is ok ("ever_ok"), at most that long
# (times SEAL_SLACK)
watch_ok() {
	rm -f ever_ok
	watch_more "$1" test -f ever_ok
}

# relay_did KEY...: the relay's statistics KEY... add up to more than 0
relay_did() {
	_rd_n=0
	for _rd_k in "$@"; do
		_rd_n=$((_rd_n + $(stat "$_rd_k")))
	done
	[ "$_rd_n" -gt 0 ]
}

# refused_since BEFORE N: the client has refused at least N datagrams
# since snapshot BEFORE (snapshot "after" taken to count)
refused_since() {
	snapshot after
	[ $(( $(rejected after) - $(rejected "$1") )) -ge "$2" ]
}

# settle: stop the relay (its statistics are then final) and give the
# daemons a moment for what it already delivered, so that the counts
# compared are of the same datagrams
settle() {
	relay_stop
	sleep 0.3
}

# report: what happened, for the test log
report() {
	echo "--- relay statistics"
	cat relay.stats
	echo "--- relay log (last 40)"
	tail -n 40 relay.log
	echo "--- client peers"
	seal_ctl client peers
	echo "--- client counters"
	seal_ctl client counters | grep -v ' 0$'
}

# check_counted BEFORE: every altered or out-of-order datagram the
# relay sent the client since snapshot BEFORE was refused
check_counted() {
	settle
	bad=$(( $(stat s2c_tampered) + $(stat s2c_replayed) ))
	# the client may still be reading the last ones the relay sent
	seal_poll 10 refused_since "$1" "$bad"
	snapshot after
	got=$(( $(rejected after) - $(rejected "$1") ))
	report
	echo "relay sent $bad altered/replayed datagram(s); client refused $got"
	[ "$bad" -gt 0 ] || atf_fail "the relay altered nothing: test broken"
	[ "$got" -ge "$bad" ] || atf_fail "$bad tampered datagram(s) sent," \
	    "only $got refused: some were accepted"
}

# --- every response altered: never ok ------------------------------

# never_ok SECONDS RELAYARGS...
never_ok() {
	secs=$1
	shift
	ak_setup
	relay_start "$@"
	: > before.counters.json
	: > before.peers.json
	seal_start client
	watch "$secs"
	watch_more 30 relay_did s2c_tampered s2c_replayed
	check_counted before
	[ ! -f ever_ok ] || atf_fail "auth became ok through the relay"
	[ "$(jnum after.peers.json reach)" -eq 0 ] ||
	    atf_fail "the association became reachable on tampered responses"
}

atf_test_case flip_mac cleanup
flip_mac_head() {
	atf_set "descr" "a bit of every response's MAC flipped: all" \
	    "refused, never ok"
	atf_set "require.user" "root"
}
flip_mac_body() {
	ports 1
	never_ok 3 -m flip -b -1
}
flip_mac_cleanup() {
	ak_cleanup
}

atf_test_case flip_header cleanup
flip_header_head() {
	atf_set "descr" "a bit of every response's transmit timestamp" \
	    "flipped (covered by the MAC): all refused, never ok"
	atf_set "require.user" "root"
}
flip_header_body() {
	ports 2
	never_ok 3 -m flip -b 383
}
flip_header_cleanup() {
	ak_cleanup
}

atf_test_case flip_ext cleanup
flip_ext_head() {
	atf_set "descr" "a bit in the value of every response's extension" \
	    "field flipped: all refused, never ok"
	atf_set "require.user" "root"
}
flip_ext_body() {
	ports 3
	# byte 70: inside the first field's value (48 + 20 header bytes)
	never_ok 3 -m flip -t ext -b 563
}
flip_ext_cleanup() {
	ak_cleanup
}

atf_test_case strip_mac cleanup
strip_mac_head() {
	atf_set "descr" "every response's MAC cut off (the last 20" \
	    "bytes): never ok"
	atf_set "require.user" "root"
}
strip_mac_body() {
	ports 4
	never_ok 3 -m trunc -T -20
}
strip_mac_cleanup() {
	ak_cleanup
}

atf_test_case truncate cleanup
truncate_head() {
	atf_set "descr" "every response shortened by 4 bytes: all refused"
	atf_set "require.user" "root"
}
truncate_body() {
	ports 5
	never_ok 3 -m trunc -T -4
}
truncate_cleanup() {
	ak_cleanup
}

# --- some responses altered: the genuine ones may prove the server --

# some_bad SECONDS NEED_OK RELAYARGS...: altered ones refused; ok is
# allowed (NEED_OK 1: watched for until it comes, for the caller to check)
some_bad() {
	secs=$1 need_ok=$2
	shift 2
	ak_setup
	relay_start "$@"
	: > before.counters.json
	: > before.peers.json
	seal_start client
	watch "$secs"
	watch_more 30 relay_did s2c_tampered s2c_replayed
	[ "$need_ok" = 0 ] || watch_more 30 test -f ever_ok
	check_counted before
	[ -f ever_ok ] && echo "auth ok from the genuine responses"
	return 0
}

atf_test_case flip_every_third cleanup
flip_every_third_head() {
	atf_set "descr" "every third response's MAC flipped: those refused"
	atf_set "require.user" "root"
}
flip_every_third_body() {
	ports 6
	some_bad 4 0 -m flip -e 3 -b -1
}
flip_every_third_cleanup() {
	ak_cleanup
}

atf_test_case replay cleanup
replay_head() {
	atf_set "descr" "every response sent again after the next one:" \
	    "each copy refused, the association still proves itself"
	atf_set "require.user" "root"
}
replay_body() {
	ports 7
	some_bad 4 1 -m replay
	[ -f ever_ok ] || atf_fail "replayed copies kept the genuine" \
	    "responses from proving the server"
}
replay_cleanup() {
	ak_cleanup
}

atf_test_case duplicate cleanup
duplicate_head() {
	atf_set "descr" "every response duplicated at once: each copy" \
	    "refused, the association still proves itself"
	atf_set "require.user" "root"
}
duplicate_body() {
	ports 8
	some_bad 4 1 -m replay -D 0
	[ -f ever_ok ] || atf_fail "duplicates kept the genuine responses" \
	    "from proving the server"
}
duplicate_cleanup() {
	ak_cleanup
}

atf_test_case reorder cleanup
reorder_head() {
	atf_set "descr" "every second response held back and sent after" \
	    "the next one: the late ones refused"
	atf_set "require.user" "root"
}
reorder_body() {
	ports 9
	ak_setup
	relay_start -m reorder -e 2 -H 60000
	: > before.counters.json
	: > before.peers.json
	seal_start client
	watch 4
	watch_more 30 relay_did s2c_reordered
	settle
	late=$(stat s2c_reordered)
	seal_poll 10 refused_since before "$late"
	snapshot after
	got=$(rejected after)
	report
	echo "relay delivered $late response(s) late; client refused $got"
	[ "$late" -gt 0 ] || atf_fail "nothing was reordered: test broken"
	[ "$got" -ge "$late" ] || atf_fail "$late late response(s), only" \
	    "$got refused"
}
reorder_cleanup() {
	ak_cleanup
}

atf_test_case drop cleanup
drop_head() {
	atf_set "descr" "every second response dropped: the client asks" \
	    "again and still proves the server"
	atf_set "require.user" "root"
}
drop_body() {
	ports 10
	ak_setup
	relay_start -m drop -e 2
	seal_start client
	watch_ok 10
	report
	[ "$(stat s2c_dropped)" -gt 0 ] || atf_fail "nothing dropped"
	[ -f ever_ok ] || atf_fail "not ok within $((10 * SEAL_SLACK)) s" \
	    "with half the responses lost"
}
drop_cleanup() {
	ak_cleanup
}

atf_test_case requests cleanup
requests_head() {
	atf_set "descr" "a bit of every request's MAC flipped: the server" \
	    "refuses them (its counters say so), the client never gets ok"
	atf_set "require.user" "root"
}
requests_body() {
	ports 11
	ak_setup
	relay_start -d c2s -m flip -b -1
	seal_start client
	watch 5
	watch_more 30 relay_did c2s_tampered
	settle
	report
	seal_poll 10 server_refused "$(stat c2s_tampered)"
	seal_ctl server -j counters > server.counters.json
	echo "--- server counters"
	seal_ctl server counters | grep -v ' 0$'
	[ ! -f ever_ok ] || atf_fail "auth ok with every request altered"
	bad=$(stat c2s_tampered)
	got=$(( $(jnum server.counters.json ak_badmac) +
	    $(jnum server.counters.json rx_badmac) +
	    $(jnum server.counters.json rx_badext) ))
	echo "relay altered $bad request(s); server refused $got"
	[ "$bad" -gt 0 ] || atf_fail "nothing altered: test broken"
	[ "$got" -ge "$bad" ] || atf_fail "server refused $got of $bad"
}
requests_cleanup() {
	ak_cleanup
}

# A response turned into a kiss-o'-death (stratum 0, code DENY) on the
# way, its MAC left as it was (so it no longer verifies): a client must
# not act on an unauthenticated DENY from an Autokey server, or anyone
# on the path can switch its time source off.
atf_test_case forged_kod cleanup
forged_kod_head() {
	atf_set "descr" "a response rewritten into KoD DENY with a MAC" \
	    "that does not verify: refused, the client keeps polling"
	atf_set "require.user" "root"
}
forged_kod_body() {
	ports 12
	ak_setup
	# the 4th response: the exchange is under way; stratum (byte 1)
	# 0, reference ID (bytes 12-15) "DENY"
	relay_start -m poke -k 4 -P 1:00,12:44454e59
	: > before.counters.json
	: > before.peers.json
	seal_start client
	watch 4
	watch_more 30 relay_did s2c_poked
	watch_more 30 test -f ever_ok
	settle
	seal_poll 10 refused_since before 1
	snapshot after
	report
	[ "$(stat s2c_poked)" -eq 1 ] || atf_fail "nothing rewritten: test broken"
	if grep -q 'access denied (KoD)' client.log; then
		atf_fail "the client obeyed a KoD DENY whose MAC did not" \
		    "verify (client.log: access denied (KoD), stop polling)"
	fi
	[ "$(rejected after)" -ge 1 ] ||
	    atf_fail "the forged KoD was not counted as refused"
	[ -f ever_ok ] || atf_fail "the genuine responses did not prove" \
	    "the server"
}
forged_kod_cleanup() {
	ak_cleanup
}

# A forged copy of each response (one bit flipped, so its MAC fails)
# arrives just ahead of the genuine one, as an attacker who sees the
# request can arrange.  The forgery must be refused without costing
# the genuine answer: otherwise one racing packet per poll keeps the
# client from ever proving its server.
atf_test_case forgery_first cleanup
forgery_first_head() {
	atf_set "descr" "a forged copy ahead of every response: the copies" \
	    "refused, the genuine responses still prove the server"
	atf_set "require.user" "root"
}
forgery_first_body() {
	ports 13
	ak_setup
	relay_start -m preflip -b -1
	: > before.counters.json
	: > before.peers.json
	seal_start client
	watch 4
	watch_more 30 relay_did s2c_tampered
	watch_more 30 test -f ever_ok
	check_counted before
	[ -f ever_ok ] || atf_fail "never ok: each forgery cost the genuine" \
	    "response"
}
forgery_first_cleanup() {
	ak_cleanup
}

atf_init_test_cases() {
	atf_add_test_case flip_mac
	atf_add_test_case flip_header
	atf_add_test_case flip_ext
	atf_add_test_case strip_mac
	atf_add_test_case truncate
	atf_add_test_case flip_every_third
	atf_add_test_case replay
	atf_add_test_case duplicate
	atf_add_test_case reorder
	atf_add_test_case drop
	atf_add_test_case requests
	atf_add_test_case forged_kod
	atf_add_test_case forgery_first
}
