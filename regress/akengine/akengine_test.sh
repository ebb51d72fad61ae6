#! /usr/bin/env atf-sh
#
# Copyright (c) 2026 The sealntp developers.
# SPDX-License-Identifier: ISC
#
# Autokey in the engine, end to end on loopback: our client against our
# server with keys made as the seed guide makes them (server -T with an
# identity scheme, the group key exported with -e and installed on the
# client, client -H), as a user would see it with ntpctl.

. "$(atf_get_srcdir)/../lib/daemon.sh"
SEAL_PORT_BASE=26000

KG=@BUILD@/ntp-keygen
SHORTCERT=@BUILD@/regress/akengine/shortcert_helper

# server_keys DIR [ntp-keygen flags]: the trusted host alpha.test
server_keys() {
	d=$1
	shift
	mkdir -p "$d"
	(cd "$d" && $KG -s alpha.test -T -p serverpw "$@") > "$d.kg" 2>&1 ||
	    { cat "$d.kg"; atf_fail "ntp-keygen (server) failed in $d"; }
}

# client_keys DIR [ntp-keygen flags]: the client beta.test
client_keys() {
	d=$1
	shift
	mkdir -p "$d"
	(cd "$d" && $KG -s beta.test -H -p clientpw "$@") > "$d.kg" 2>&1 ||
	    { cat "$d.kg"; atf_fail "ntp-keygen (client) failed in $d"; }
}

# install_group SERVERDIR CLIENTDIR: export the group key(s) with -e and
# install each under the name on its first line, with its link
install_group() {
	(cd "$1" && $KG -s alpha.test -e -p serverpw) > "$2.export" 2>/dev/null ||
	    atf_fail "ntp-keygen -e failed in $1"
	awk -v d="$2" '/^# ntpkey_[a-z]*par_/ { f = d "/" substr($0, 3) }
	    f != "" { print > f }' "$2.export"
	for f in "$2"/ntpkey_*par_*.*; do
		[ -f "$f" ] || atf_fail "no group key in the export of $1"
		b=${f##*/}
		ln -s "$b" "$2/${b%.*}"
	done
}

# server NAME PORT KEYSDIR [lines]: a server synchronised by its local
# stratum (so its status word has TAI)
server() {
	n=$1 port=$2 k=$3
	shift 3
	seal_conf "$n" "$(seal_port "$port")" "local stratum 8" \
	    "crypto pw serverpw host alpha.test" "keysdir $(pwd)/$k" "$@"
	seal_start "$n"
}

# client NAME PORT KEYSDIR SERVERPORT [server line options]
client() {
	n=$1 port=$2 k=$3 sp=$4
	shift 4
	seal_conf "$n" "$(seal_port "$port")" \
	    "crypto pw clientpw host beta.test" "keysdir $(pwd)/$k" \
	    "server 127.0.0.1 port $(seal_port "$sp") autokey iburst minpoll 4 maxpoll 4 $*"
	seal_start "$n"
}

now() { date +%s.%N; }

# wait_ok NAME SECONDS: until the association is authenticated; prints
# the time it took
wait_ok() {
	t0=$(now)
	seal_wait "$1" peers '"auth": "ok"' "$2" ||
	    { seal_ctl "$1" peers; cat "$1.log"; atf_fail "$1: auth never ok"; }
	awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.2f\n", b - a }'
}

# peers_say NAME TEXT: ntpctl's peers view (text) contains TEXT
peers_say() {
	seal_ctl "$1" peers | grep -q "$2"
}

flags() {
	seal_ctl "$1" -j peers | sed -n 's/.*"crypto_flags": "\(0x[0-9a-f]*\)".*/\1/p'
}

atf_test_case iff_guide cleanup
iff_guide_head() {
	atf_set descr "the guide's IFF trust group: ok in seconds, the reference's flags, certificates as ntpq shows them"
}
iff_guide_body() {
	seal_need_root
	# RSA-MD5 as the reference's default, so the flags read as its do
	server_keys s -I -c RSA-MD5 -b 512 -m 1024
	client_keys c -c RSA-MD5 -m 1024
	install_group s c
	# notrust: only authenticated (Autokey) requests are served
	server srv 1 s "restrict default notrust"
	client cli 2 c 1
	t=$(wait_ok cli 10)
	echo "auth ok after $t s (from the start of the client)"
	awk -v t="$t" 'BEGIN { exit !(t < 5) }' || atf_fail "ok took $t s"
	seal_ctl cli peers
	# SIGN and LEAP follow once the client is synchronised: 0x87f23
	seal_wait cli peers '"crypto_flags": "0x87f23"' 30 ||
	    { seal_ctl cli peers; cat cli.log; atf_fail "flags never 0x87f23 (now $(flags cli))"; }
	seal_ctl cli peers > peers.txt
	cat peers.txt
	atf_check -o match:'ok: IFF, flags 0x87f23' cat peers.txt
	atf_check -o match:'autokey: flags=0x87f23, host alpha.test, scheme IFF, group alpha.test' cat peers.txt
	atf_check -o match:'certificate: alpha.test, issuer alpha.test' cat peers.txt
	seal_ctl cli -j peers > peers.json
	atf_check -o match:'"scheme": "IFF"' -o match:'"host": "alpha.test"' cat peers.json
	# the certificate list as ntpq -c "rv 0 cert" prints it
	seal_ctl cli certs > certs.txt
	cat certs.txt
	atf_check -o match:'^cert="beta.test alpha.test 0x4", until=[0-9]{12},$' \
	    -o match:'^cert="alpha.test alpha.test 0x5", until=[0-9]{12},$' \
	    -o match:'^cert="beta.test beta.test 0x0", until=[0-9]{12}$' cat certs.txt
	[ "$(sed -n 1p certs.txt | cut -c1-31)" = 'cert="beta.test alpha.test 0x4"' ] ||
	    atf_fail "newest (signed) certificate not first"
	seal_ctl srv certs > scerts.txt
	atf_check -o match:'^cert="alpha.test alpha.test 0x1", until=' cat scerts.txt
	seal_ctl cli -j certs | grep -q '"origin": "signed"' || atf_fail "certs JSON"
	# the server: its word has TAI, its counters show the exchange
	seal_ctl srv counters > scnt.txt
	cat scnt.txt
	grep -Eq '^ak_requests +[1-9]' scnt.txt || atf_fail "no ak_requests"
	grep -Eq '^ak_keyd_jobs +[1-9]' scnt.txt || atf_fail "no keyd jobs"
	grep -Eq '^ak_badmac +0$' scnt.txt || atf_fail "bad MACs on a clean run"
	# never disciplined before ok: "proven" is logged before "synchronised"
	p=$(grep -n 'autokey: alpha.test proven' cli.log | head -1 | cut -d: -f1)
	s=$(grep -n 'synchronised to 127.0.0.1' cli.log | head -1 | cut -d: -f1)
	[ -n "$p" ] && [ -n "$s" ] && [ "$p" -lt "$s" ] ||
	    { cat cli.log; atf_fail "synchronised before the association was proven"; }
	# a key reload (SIGHUP): the association proves itself again
	kill -HUP "$(cat cli.pid)"
	seal_poll 10 grep -q 'autokey: restart (keys reloaded)' cli.log
	grep -q 'autokey: restart (keys reloaded)' cli.log ||
	    { cat cli.log; atf_fail "no restart after SIGHUP"; }
	t=$(wait_ok cli 10)
	echo "ok again $t s after the reload"
}
iff_guide_cleanup() {
	seal_stop cli srv
}

atf_test_case defaults cleanup
defaults_head() {
	atf_set descr "the guide with ntp-keygen's defaults (2048-bit keys, RSA-SHA256), and ident on the server line"
}
defaults_body() {
	seal_need_root
	server_keys s -I
	client_keys c
	install_group s c
	server srv 3 s
	client cli 4 c 3 ident alpha.test
	t=$(wait_ok cli 15)
	echo "auth ok after $t s"
	# NID 668 (sha256WithRSAEncryption) << 16, IFF, and the progress bits
	seal_wait cli peers '"crypto_flags": "0x29c7f23"' 30 ||
	    { seal_ctl cli peers; atf_fail "flags $(flags cli)"; }
	seal_ctl cli peers
}
defaults_cleanup() {
	seal_stop cli srv
}

atf_test_case gq_mv cleanup
gq_mv_head() {
	atf_set descr "GQ and MV trust groups reach ok with their scheme bits"
}
gq_mv_body() {
	seal_need_root
	server_keys sg -G -c RSA-MD5 -b 512 -m 1024
	client_keys cg -c RSA-MD5 -m 1024
	install_group sg cg
	server srvg 5 sg
	client clig 6 cg 5
	t=$(wait_ok clig 10)
	echo "GQ: auth ok after $t s, flags $(flags clig)"
	case $(flags clig) in 0x83f43|0x87f43|0x81f43|0x85f43) ;; *)
	    seal_ctl clig peers; atf_fail "GQ flags $(flags clig)" ;; esac
	seal_ctl clig peers | grep -q 'scheme GQ' || atf_fail "scheme not GQ"
	server_keys sm -V 4 -c RSA-MD5 -b 512 -m 1024
	client_keys cm -c RSA-MD5 -m 1024
	install_group sm cm
	server srvm 7 sm
	client clim 8 cm 7
	t=$(wait_ok clim 10)
	echo "MV: auth ok after $t s, flags $(flags clim)"
	case $(flags clim) in 0x83f83|0x87f83|0x81f83|0x85f83) ;; *)
	    seal_ctl clim peers; atf_fail "MV flags $(flags clim)" ;; esac
}
gq_mv_cleanup() {
	seal_stop clig srvg clim srvm
}

atf_test_case wrong_group_key cleanup
wrong_group_key_head() {
	atf_set descr "a client with another group's key never reaches ok, says why, never synchronises"
}
wrong_group_key_body() {
	seal_need_root
	server_keys s -I -b 512 -m 1024
	# a second trust group with the same name: its key is not s's
	server_keys other -I -b 512 -m 1024
	client_keys c -m 1024
	install_group other c
	server srv 9 s
	client cli 10 c 9
	seal_wait cli peers '"auth": "bad"' 10 ||
	    { seal_ctl cli peers; cat cli.log; atf_fail "never bad"; }
	sleep 4
	seal_ctl cli peers > peers.txt
	cat peers.txt
	# refused by the proof, or before it by the key files' filestamps
	# when the two groups were made in different seconds
	why='(identity not verified: bad or missing group key|IFF: bad filestamp \(the group key installed for alpha.test is not the server.s\))'
	atf_check -o match:"bad: $why" cat peers.txt
	if seal_ctl cli -j peers | grep -q '"auth": "ok"'; then
		atf_fail "ok with the wrong group key"
	fi
	seal_ctl cli -j status | grep -q '"synced": false' ||
	    atf_fail "synchronised to a server whose identity failed"
	seal_ctl cli -j peers | grep -Eq '"reach": [1-9]' ||
	    atf_fail "server not reachable: the test proves nothing"
	grep -Eq "autokey: $why" cli.log || atf_fail "no log line"
	[ "$(grep -Ec "autokey: $why" cli.log)" -le 2 ] ||
	    atf_fail "log line repeated"
}
wrong_group_key_cleanup() {
	seal_stop cli srv
}

atf_test_case no_group_key cleanup
no_group_key_head() {
	atf_set descr "a client without the group key says so in ntpctl and the log, never ok"
}
no_group_key_body() {
	seal_need_root
	server_keys s -I -b 512 -m 1024
	client_keys c -m 1024
	server srv 11 s
	client cli 12 c 11
	seal_wait cli peers '"auth": "bad"' 10 ||
	    { seal_ctl cli peers; cat cli.log; atf_fail "never bad"; }
	seal_ctl cli peers > peers.txt
	cat peers.txt
	atf_check -o match:"bad: no IFF group key for group alpha.test installed in $(pwd)/c" \
	    cat peers.txt
	grep -q "autokey: no IFF group key for group alpha.test installed in" cli.log ||
	    atf_fail "no log line"
	sleep 2
	seal_ctl cli -j status | grep -q '"synced": false' ||
	    atf_fail "synchronised without identity"
}
no_group_key_cleanup() {
	seal_stop cli srv
}

atf_test_case expired_certificate cleanup
expired_certificate_head() {
	atf_set descr "a server whose certificate has expired is refused"
}
expired_certificate_body() {
	seal_need_root
	server_keys s -I -b 512 -m 1024
	client_keys c -m 1024
	install_group s c
	# Valid for 8 s more: keyd must load it while it is valid (start-up
	# under ASan on a loaded machine takes a few seconds), and the
	# client starts once it has expired.
	$SHORTCERT s alpha.test serverpw 8 || atf_fail "shortcert_helper"
	end=$(( $(date +%s) + 8 ))
	server srv 13 s
	# past its end, by the coarse clock keyd and the engine read too
	while [ "$(date +%s)" -le $((end + 1)) ]; do
		sleep 0.2
	done
	client cli 14 c 13
	seal_wait cli peers '"auth": "bad"' 10 ||
	    { seal_ctl cli peers; cat cli.log; atf_fail "never bad"; }
	seal_ctl cli peers > peers.txt
	cat peers.txt
	atf_check -o match:'bad: CERT: certificate expired' cat peers.txt
	sleep 2
	if seal_ctl cli -j peers | grep -q '"auth": "ok"'; then
		atf_fail "ok with an expired certificate"
	fi
	seal_ctl cli -j status | grep -q '"synced": false' ||
	    atf_fail "synchronised to a server with an expired certificate"
}
expired_certificate_cleanup() {
	seal_stop cli srv
}

atf_test_case wildcard cleanup
wildcard_head() {
	atf_set descr "the guide's configuration as written: no 'listen on', both daemons on wildcard sockets"
}
wildcard_body() {
	seal_need_root
	server_keys s -I -c RSA-MD5 -b 512 -m 1024
	client_keys c -c RSA-MD5 -m 1024
	install_group s c
	# no "listen on": the session keys need the addresses from
	# IP_PKTINFO (server) and the routing table (client)
	printf 'port %s\ncontrolsocket %s\nlocal stratum 8\ncrypto pw serverpw host alpha.test\nkeysdir %s\n' \
	    "$(seal_port 15)" "$(pwd)/srv.sock" "$(pwd)/s" > srv.conf
	printf 'port %s\ncontrolsocket %s\ncrypto pw clientpw host beta.test\nkeysdir %s\nserver 127.0.0.1 port %s autokey iburst minpoll 4 maxpoll 4\n' \
	    "$(seal_port 16)" "$(pwd)/cli.sock" "$(pwd)/c" "$(seal_port 15)" > cli.conf
	seal_start srv
	seal_start cli
	t=$(wait_ok cli 10)
	echo "auth ok after $t s on wildcard sockets"
	seal_ctl srv counters > scnt.txt
	grep -Eq '^ak_badmac +0$' scnt.txt || { cat scnt.txt; atf_fail "bad MACs"; }
}
wildcard_cleanup() {
	seal_stop cli srv
}

atf_test_case tc cleanup
tc_head() {
	atf_set descr "trusted certificate only (no identity scheme): ok with no scheme bit"
}
tc_body() {
	seal_need_root
	server_keys st -c RSA-MD5 -b 512 -m 1024
	client_keys ct -c RSA-MD5 -m 1024
	server srvt 17 st
	client clit 18 ct 17
	t=$(wait_ok clit 10)
	echo "TC: auth ok after $t s, flags $(flags clit)"
	case $(flags clit) in 0x81f03|0x83f03|0x85f03|0x87f03) ;; *)
	    seal_ctl clit peers; atf_fail "TC flags $(flags clit)" ;; esac
	seal_ctl clit peers > peers.txt
	cat peers.txt
	atf_check -o match:'certificate: alpha.test, issuer alpha.test' cat peers.txt
}
tc_cleanup() {
	seal_stop clit srvt
}

atf_test_case group_filter cleanup
group_filter_head() {
	atf_set descr "host@group subjects: Autokey only within the group;" \
	    "an ASSOC from outside it is declined on both sides, counted, shown"
}
group_filter_body() {
	seal_need_root
	mkdir sg cb cr
	(cd sg && $KG -s alpha.test@blue -T -I -p serverpw -b 512 -m 1024) \
	    > sg.kg 2>&1 || { cat sg.kg; atf_fail "ntp-keygen sg"; }
	server_keys s -I -b 512 -m 1024
	for c in cb:blue cr:red; do
		(cd "${c%:*}" && $KG -s "beta.test@${c#*:}" -H -p clientpw \
		    -m 1024) > "${c%:*}.kg" 2>&1 ||
		    { cat "${c%:*}.kg"; atf_fail "ntp-keygen ${c%:*}"; }
	done
	(cd sg && $KG -s alpha.test@blue -e -p serverpw) > blue.export \
	    2>/dev/null || atf_fail "ntp-keygen -e in sg"
	f=$(sed -n '1s/^# //p' blue.export)
	case $f in ntpkey_iffpar_blue.*) ;; *) atf_fail "export named '$f'" ;; esac
	for c in cb cr; do
		cp blue.export "$c/$f" && ln -s "$f" "$c/ntpkey_iffpar_blue" ||
		    atf_fail "installing the group key in $c"
	done
	# the server loads ntpkey_iffkey_blue: `crypto ident` names it
	seal_conf srvg "$(seal_port 20)" "local stratum 8" \
	    "crypto pw serverpw host alpha.test ident blue" "keysdir $(pwd)/sg"
	seal_start srvg
	server srv 21 s
	# beta.test@blue: ok with the blue server, declines the one without
	# a group
	seal_conf clib "$(seal_port 22)" \
	    "crypto pw clientpw host beta.test" "keysdir $(pwd)/cb" \
	    "server 127.0.0.1 port $(seal_port 20) autokey iburst minpoll 4 maxpoll 4" \
	    "server 127.0.0.1 port $(seal_port 21) autokey iburst minpoll 4 maxpoll 4"
	seal_start clib
	# beta.test@red: the blue server declines it
	client clir 23 cr 20
	wait_ok clib 10 > /dev/null
	seal_poll 10 peers_say clib 'declined: the server is not in our group'
	seal_ctl clib peers > peers.txt
	cat peers.txt
	atf_check -o match:'ok: IFF' cat peers.txt
	atf_check -o match:'declined: the server is not in our group' cat peers.txt
	[ "$(seal_ctl clib -j peers | grep -c '"auth": "ok"')" -eq 1 ] ||
	    atf_fail "the server outside the group was accepted"
	seal_ctl clib counters | grep -Eq '^ak_declined +[1-9]' ||
	    atf_fail "clib: no ak_declined"
	sleep 3
	seal_ctl clir peers
	if seal_ctl clir -j peers | grep -q '"auth": "ok"'; then
		atf_fail "a client of another group reached ok"
	fi
	seal_ctl srvg counters > scnt.txt
	cat scnt.txt
	grep -Eq '^ak_declined +[1-9]' scnt.txt ||
	    atf_fail "the blue server declined nothing"
}
group_filter_cleanup() {
	seal_stop clib clir srvg srv
}

atf_test_case leap_values cleanup
leap_values_head() {
	atf_set descr "a client without a leap file adopts TAI-UTC from the" \
	    "leap values its proven server signed (spec 3.6)"
}
leap_values_body() {
	seal_need_root
	lf=/usr/share/zoneinfo/leap-seconds.list
	[ -r $lf ] || atf_skip "$lf is missing (package tzdata)"
	server_keys s -I -b 512 -m 1024
	client_keys c -m 1024
	install_group s c
	server srvl 24 s "leapfile $lf"
	client clil 25 c 24
	wait_ok clil 10 > /dev/null
	# LEAP is asked once the client is synchronised
	seal_wait clil peers '"crypto_flags": "0x[0-9a-f]*[4567]f23"' 30 ||
	    { seal_ctl clil peers; cat clil.log; atf_fail "LEAP never lit (flags $(flags clil))"; }
	seal_ctl clil status > st.txt
	cat st.txt
	atf_check -o match:'^leap: +TAI-UTC 37 s' cat st.txt
	seal_ctl clil -j status | grep -q '"tai_offset": 37' ||
	    atf_fail "JSON status without tai_offset 37"
	# the log lines may trail the status (the parent writes the second)
	seal_poll 10 grep -q 'TAI-UTC 37 s, from the leap values alpha.test signed' clil.log ||
	    { cat clil.log; atf_fail "no adoption log line"; }
	seal_poll 10 grep -q 'would clear the kernel.s leap second flags, TAI-UTC 37 s' clil.log ||
	    { cat clil.log; atf_fail "the kernel's TAI offset was not (would-be) set"; }
}
leap_values_cleanup() {
	seal_stop clil srvl
}

atf_init_test_cases() {
	atf_add_test_case iff_guide
	atf_add_test_case defaults
	atf_add_test_case gq_mv
	atf_add_test_case wrong_group_key
	atf_add_test_case no_group_key
	atf_add_test_case expired_certificate
	atf_add_test_case wildcard
	atf_add_test_case tc
	atf_add_test_case group_filter
	atf_add_test_case leap_values
}
