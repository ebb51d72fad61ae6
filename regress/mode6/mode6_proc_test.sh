#! /usr/bin/env atf-sh
#
# Copyright (c) 2026 The sealntp developers.
# SPDX-License-Identifier: ISC
#
# The read-only mode 6 responder (ntpd/ctl6.c) in a running daemon: the
# seed guide's monitoring commands (ntpq -p, -c as, -c "rv 0 cert",
# -c "rv ASSID flags") against an Autokey client made as the guide makes
# it.  Always with our own small query helper; with the reference's
# ntpq and NTPsec's when they are installed.  Neither ntpq takes a port,
# so those cases run both daemons in a network namespace of their own,
# where the client can have port 123.

. "$(atf_get_srcdir)/../lib/daemon.sh"
SEAL_PORT_BASE=29000

KG=@BUILD@/ntp-keygen
CTLQ=@BUILD@/regress/mode6/ctlq_helper

# keys: the guide's IFF trust group (alpha.test trusted, beta.test its
# client), in s/ and c/
keys() {
	mkdir -p s c
	(cd s && $KG -s alpha.test -T -p serverpw -I -c RSA-MD5 -b 512 \
	    -m 1024) > s.kg 2>&1 || { cat s.kg; atf_fail "ntp-keygen (server)"; }
	(cd c && $KG -s beta.test -H -p clientpw -c RSA-MD5 -m 1024) \
	    > c.kg 2>&1 || { cat c.kg; atf_fail "ntp-keygen (client)"; }
	(cd s && $KG -s alpha.test -e -p serverpw) > c.export 2>/dev/null ||
	    atf_fail "ntp-keygen -e"
	awk '/^# ntpkey_[a-z]*par_/ { f = "c/" substr($0, 3) }
	    f != "" { print > f }' c.export
	for f in c/ntpkey_*par_*.*; do
		[ -f "$f" ] || atf_fail "no group key exported"
		b=${f##*/}
		ln -s "$b" "c/${b%.*}"
	done
}

# confs SERVERPORT CLIENTPORT: srv.conf and cli.conf
confs() {
	seal_conf srv "$1" "local stratum 8" \
	    "crypto pw serverpw host alpha.test" "keysdir $(pwd)/s"
	seal_conf cli "$2" "crypto pw clientpw host beta.test" \
	    "keysdir $(pwd)/c" \
	    "server 127.0.0.1 port $1 autokey iburst minpoll 4 maxpoll 4"
}

# ready: the client's association is ok and has its final flags (SIGN
# and LEAP follow once the client is synchronised)
ready() {
	seal_wait cli peers '"auth": "ok"' 10 ||
	    { seal_ctl cli peers; cat cli.log; atf_fail "auth never ok"; }
	seal_wait cli peers '"crypto_flags": "0x87f23"' 30 ||
	    { seal_ctl cli peers; cat cli.log; atf_fail "flags never 0x87f23"; }
	seal_ctl cli certs > certs.txt
	[ "$(wc -l < certs.txt)" -eq 3 ] ||
	    { cat certs.txt; atf_fail "not three certificates"; }
}

# certs_in FILE: the three certificate lines, exactly as ntpctl certs
# (and the reference's ntpq) prints them, are in FILE
certs_in() {
	while IFS= read -r l; do
		grep -qxF "$l" "$1" ||
		    { cat "$1"; atf_fail "missing in $1: $l"; }
	done < certs.txt
}

atf_test_case helper cleanup
helper_head() {
	atf_set descr "READSTAT and READVAR with our helper: the guide's views, errors for the rest"
}
helper_body() {
	seal_need_root
	keys
	confs "$(seal_port 1)" "$(seal_port 2)"
	seal_start srv
	seal_start cli
	ready
	p=$(seal_port 2)
	# ntpq -c as: one association, configured, auth ok, reachable, sys.peer
	atf_check -o save:as.txt $CTLQ "$p" readstat
	cat as.txt
	id=$(sed -n 2p as.txt | cut -d' ' -f1)
	st=$(sed -n 2p as.txt | cut -d' ' -f2)
	[ "$(wc -l < as.txt)" -eq 3 ] || atf_fail "not one association"
	case $st in 0xf6??) ;; *) atf_fail "peer status $st" ;; esac
	# ntpq -c "rv 0 cert": every pair, newest first, in one answer
	atf_check -o save:cert.txt $CTLQ "$p" readvar 0 cert
	cat cert.txt
	certs_in cert.txt
	[ "$(grep -c '^cert=' cert.txt)" -eq 3 ] || atf_fail "cert lines"
	[ "$(sed -n 2p cert.txt | cut -c1-31)" = 'cert="beta.test alpha.test 0x4"' ] ||
	    atf_fail "newest certificate not first"
	# ntpq -c "rv ASSID flags"
	atf_check -o save:flags.txt $CTLQ "$p" readvar "$id" flags
	atf_check -o match:'^status=0xf6[0-9a-f]{2}$' -o match:'^flags=0x87f23$' \
	    -o match:'^fragments=1$' cat flags.txt
	[ "$(wc -l < flags.txt)" -eq 3 ] || atf_fail "more than flags"
	# ntpq -p reads every variable of the association: two fragments
	atf_check -o save:peer.txt $CTLQ "$p" readvar "$id"
	cat peer.txt
	atf_check -o match:"^srcadr=127.0.0.1, srcport=$(seal_port 1), " \
	    -o match:'reach=0x[0-9a-f]+' -o match:'hmode=3, pmode=4' \
	    -o match:'host="alpha.test", flags=0x87f23' \
	    -o match:'signature="md5WithRSAEncryption"' \
	    -o match:'ident="alpha.test"' cat peer.txt
	# rv 0: the system's Autokey variables
	atf_check -o save:sys.txt $CTLQ "$p" readvar 0
	cat sys.txt
	atf_check -o match:'host="beta.test"' -o match:'flags=0x80003' \
	    -o match:'digest="md5"' -o match:"peer=$id" \
	    -o match:'update=[0-9]{12}' cat sys.txt
	certs_in sys.txt
	# read-only: errors, never a change
	atf_check -s exit:2 -o inline:"error=7\n" $CTLQ "$p" writevar 0 "stratum=1"
	atf_check -s exit:2 -o inline:"error=4\n" $CTLQ "$p" op4 0
	atf_check -s exit:2 -o inline:"error=3\n" $CTLQ "$p" op10 0
	atf_check -s exit:2 -o inline:"error=4\n" $CTLQ "$p" readvar 9999
	atf_check -s exit:2 -o inline:"error=5\n" $CTLQ "$p" readvar 0 nosuch
	seal_ctl cli counters > cnt.txt
	grep -Eq '^mode6_answered +10$' cnt.txt ||
	    { cat cnt.txt; atf_fail "mode6_answered"; }
	seal_wait cli peers '"auth": "ok"' 1 || atf_fail "no longer ok"
}
helper_cleanup() {
	seal_stop cli srv
}

atf_test_case noquery cleanup
noquery_head() {
	atf_set descr "restrict ... noquery: mode 6 is counted and dropped"
}
noquery_body() {
	seal_need_root
	seal_conf q "$(seal_port 3)" "local stratum 8" \
	    "restrict 127.0.0.1 noquery"
	seal_start q
	atf_check -s exit:3 -o inline:"timeout\n" $CTLQ -w 1 "$(seal_port 3)" readstat
	seal_ctl q counters > cnt.txt
	grep -Eq '^rx_mode6 +1$' cnt.txt || { cat cnt.txt; atf_fail "rx_mode6"; }
	grep -Eq '^mode6_answered +0$' cnt.txt ||
	    { cat cnt.txt; atf_fail "answered"; }
	seal_stop q
	# the same daemon without it: an empty association list
	seal_conf q "$(seal_port 3)" "local stratum 8"
	seal_start q
	# (local clock as the source: 5; its one event, clock_sync)
	atf_check -o save:st.txt $CTLQ "$(seal_port 3)" readstat
	atf_check -o match:'^status=0x[0-9a-f]515$' -o match:'^fragments=1$' \
	    cat st.txt
	[ "$(wc -l < st.txt)" -eq 2 ] || { cat st.txt; atf_fail "associations"; }
}
noquery_cleanup() {
	seal_stop q
}

# ---- the real ntpqs, in a network namespace -------------------------

NS=

# netns_up: a namespace with loopback up, or skip
netns_up() {
	seal_need_root
	command -v ip >/dev/null || atf_skip "no ip(8) for a network namespace"
	NS=sealm6.$$
	echo "$NS" > netns.name
	ip netns add "$NS" 2>netns.err ||
	    atf_skip "cannot create a network namespace: $(cat netns.err)"
	ip netns exec "$NS" ip link set lo up ||
	    atf_fail "cannot bring loopback up in $NS"
}

netns_down() {
	[ -f netns.name ] && ip netns del "$(cat netns.name)" 2>/dev/null
	return 0
}

# ns_start NAME: seal_start, inside the namespace
ns_start() {
	ip netns exec "$NS" "$SEAL_BUILD/ntpd" -d -x -f "$1.conf" \
	    > "$1.log" 2>&1 &
	echo $! > "$1.pid"
	seal_up "$1"
}

# ntpq_run NTPQ: the daemons in the namespace, the client on port 123;
# the four commands' outputs in p.txt, as.txt, cert.txt, flags.txt
ntpq_run() {
	q=$1
	netns_up
	keys
	confs 1123 123
	ns_start srv
	ns_start cli
	ready
	atf_check -o save:as.txt ip netns exec "$NS" $q -n -c as 127.0.0.1
	cat as.txt
	atf_check -o save:p.txt ip netns exec "$NS" $q -n -p 127.0.0.1
	cat p.txt
	id=$(awk '$1 == "1" { print $2 }' as.txt)
	[ -n "$id" ] || atf_fail "no association in ntpq -c as"
	atf_check -o save:cert.txt ip netns exec "$NS" $q -n -c "rv 0 cert" 127.0.0.1
	cat cert.txt
	atf_check -o save:flags.txt ip netns exec "$NS" $q -n -c "rv $id flags" 127.0.0.1
	cat flags.txt
	grep -Eq "^ *1 +$id +f6[0-9a-f]{2} +yes +yes +ok +sys\.peer " as.txt ||
	    atf_fail "ntpq -c as: not configured, reachable, ok, sys.peer"
	grep -Eq '^\*127\.0\.0\.1 +[^ ]+ +8 u ' p.txt ||
	    atf_fail "ntpq -p: the server is not the system peer at stratum 8"
}

ntpq_down() {
	seal_stop cli srv
	netns_down
}

atf_test_case ntpq_reference cleanup
ntpq_reference_head() {
	atf_set descr "the reference ntpq: -p, as, rv 0 cert, rv ASSID flags"
}
ntpq_reference_body() {
	q=$(atf_config_get refntp /opt/refntp)/bin/ntpq
	[ -x "$q" ] || atf_skip "no reference ntpq at $q (kyua variable refntp)"
	ntpq_run "$q"
	certs_in cert.txt
	atf_check -o inline:"flags=0x87f23\n" cat flags.txt
}
ntpq_reference_cleanup() {
	ntpq_down
}

atf_test_case ntpq_ntpsec cleanup
ntpq_ntpsec_head() {
	atf_set descr "NTPsec's ntpq (regress/interop/setup.sh unpacks it; needs python3-ntp)"
}
ntpq_ntpsec_body() {
	d=${SEAL_NTPSEC_DIR:-/var/cache/sealntp-test/ntpsec}
	q=$d/usr/bin/ntpq
	[ -x "$q" ] || atf_skip "no NTPsec ntpq in $d (regress/interop/setup.sh)"
	# its own interpreter (the shebang), not whatever python3 is first
	py=$(sed -n '1s/^#! *//p' "$q" | cut -d' ' -f1)
	"${py:-python3}" -c 'import ntp.packet' 2>/dev/null ||
	    atf_skip "NTPsec's ntpq needs the python3-ntp package for ${py:-python3}"
	ntpq_run "$q"
	# it keeps one value per name: the last (oldest) certificate only
	# (spec 10.2), and prints flags in decimal
	grep -qxF "$(tail -1 certs.txt)" cert.txt ||
	    atf_fail "ntpq: not the last certificate"
	atf_check -o inline:"flags=556835\n" cat flags.txt
}
ntpq_ntpsec_cleanup() {
	ntpq_down
}

atf_init_test_cases() {
	atf_add_test_case helper
	atf_add_test_case noquery
	atf_add_test_case ntpq_reference
	atf_add_test_case ntpq_ntpsec
}
