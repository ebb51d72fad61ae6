#! /usr/bin/env atf-sh
#
# Copyright (c) 2026 The sealntp developers.
# SPDX-License-Identifier: ISC
#
# keyd as a process: its sandbox, every start-up refusal with its one
# line, the secrecy of the keys (the engine's memory holds none of them),
# and the SIGHUP key reload.  All on a guide-made trust group.

. "$(atf_get_srcdir)/../lib/daemon.sh"
SEAL_PORT_BASE=25000

KG=@BUILD@/ntp-keygen
MEMSCAN=@BUILD@/regress/keyd/memscan_helper
CERTDATE=@BUILD@/regress/keyd/certdate_helper
BENCH=@BUILD@/regress/keyd/keydbench_helper

# keys DIR [extra ntp-keygen flags]: the seed guide's server set-up
keys() {
	d=$1
	shift
	mkdir -p "$d"
	(cd "$d" && $KG -T -I -p serverpw -s alpha.test "$@" >/dev/null 2>&1) ||
	    atf_fail "ntp-keygen failed in $d"
}

# crypto_conf NAME PORT KEYSDIR
crypto_conf() {
	seal_conf "$1" "$(seal_port "$2")" "local stratum 8" \
	    "crypto pw serverpw host alpha.test" "keysdir $(pwd)/$3"
}

# refuses NAME REGEX: ntpd exits non-zero with that line from keyd
refuses() {
	atf_check -s not-exit:0 -o ignore -e save:"$1.err" \
	    "$SEAL_BUILD/ntpd" -d -x -f "$1.conf"
	cat "$1.err"
	grep -Eq "$2" "$1.err" || atf_fail "no '$2' in the log"
	[ ! -S "$1.sock" ] || atf_fail "$1 left a control socket"
}

# keyd_ready NAME: its keyd runs, sandboxed
keyd_ready() {
	set -- $(seal_children "$1")
	[ -n "$2" ] && seal_sandboxed "$2"
}

atf_test_case sandbox cleanup
sandbox_head() {
	atf_set descr "keyd: not dumpable, Seccomp 2, its own uid, an empty root"
}
sandbox_body() {
	seal_need_root
	keys k
	crypto_conf d 1 k
	seal_start d
	# keyd may still be setting up when the engine answers
	seal_poll 10 keyd_ready d
	set -- $(seal_children d)
	engine=$1 keyd=$2
	[ -n "$keyd" ] || atf_fail "keyd not found"
	grep -E '^(Uid|Seccomp|NoNewPrivs|CapEff):' /proc/$keyd/status
	atf_check -o match:'^Seccomp:[[:space:]]+2$' grep '^Seccomp:' /proc/$keyd/status
	kuid=$(id -u _ntpkey)
	atf_check -o match:"^Uid:[[:space:]]+$kuid[[:space:]]+$kuid[[:space:]]+$kuid" \
	    grep '^Uid:' /proc/$keyd/status
	[ "$kuid" != "$(id -u _ntp)" ] || atf_fail "keyd and engine share a uid"
	atf_check -o match:'^CapEff:[[:space:]]+0+$' grep '^CapEff:' /proc/$keyd/status
	# not dumpable: its /proc files belong to root, not to _ntpkey
	[ "$(stat -c %u /proc/$keyd/environ)" = 0 ] ||
	    atf_fail "keyd is dumpable (/proc/$keyd/environ owned by $(stat -c %U /proc/$keyd/environ))"
	root=$(readlink /proc/$keyd/root)
	echo "keyd root: $root"
	[ "$root" != / ] || atf_fail "keyd is not chrooted"
	[ -z "$(ls -A /proc/$keyd/root/)" ] || atf_fail "keyd's root is not empty"
	# keyd is up and answers
	seal_ctl d keyd > keyd.txt
	cat keyd.txt
	atf_check -o match:'crypto on' -o match:'subject alpha.test' \
	    -o match:'trusted' cat keyd.txt
}
sandbox_cleanup() {
	seal_stop d
}

atf_test_case startup_errors cleanup
startup_errors_head() {
	atf_set descr "every start-up refusal names the file and the reason"
}
startup_errors_body() {
	seal_need_root
	keys k
	# missing keys directory
	crypto_conf a 2 nokeys
	refuses a "keys directory $(pwd)/nokeys: No such file or directory"
	# a missing link
	cp -RP k k1 && rm k1/ntpkey_host_alpha.test
	crypto_conf b 3 k1
	refuses b "k1/ntpkey_host_alpha.test: missing"
	# a wrong password
	seal_conf c "$(seal_port 4)" "crypto pw wrongpw host alpha.test" \
	    "keysdir $(pwd)/k"
	refuses c "k/ntpkey_host_alpha.test: cannot decrypt.*wrong password"
	# an expired certificate, and one not valid yet
	cp -RP k k2 && $CERTDATE k2 alpha.test serverpw -400 30 ||
	    atf_fail "certdate_helper"
	crypto_conf e 5 k2
	refuses e "k2/ntpkey_cert_alpha.test: certificate expired on"
	cp -RP k k3 && $CERTDATE k3 alpha.test serverpw 10 365 ||
	    atf_fail "certdate_helper"
	crypto_conf f 6 k3
	refuses f "k3/ntpkey_cert_alpha.test: certificate not valid before"
	# identity files of another group behind our link
	keys other -s other.test
	cp -RP k k4 && cp other/ntpkey_IFFkey_other.test.* k4/ &&
	    (cd k4 && ln -sf $(cd ../other && ls ntpkey_IFFkey_other.test.*) \
	    ntpkey_iffkey_alpha.test)
	crypto_conf g 7 k4
	refuses g "k4/ntpkey_iffkey_alpha.test: identity file of group 'other.test', not of 'alpha.test'"
	# without crypto, keyd starts with nothing loaded
	seal_conf h "$(seal_port 8)" "local stratum 8"
	seal_start h
	seal_ctl h keyd > h.txt
	atf_check -o match:'crypto off' cat h.txt
	seal_stop h
}
startup_errors_cleanup() {
	# h still runs if a check after its start failed
	seal_stop h
}

atf_test_case secrecy cleanup
secrecy_head() {
	atf_set descr "the engine's memory holds neither the host key's d," \
	    "nor the IFF secret b, nor the password; keyd's holds d and b"
}
secrecy_body() {
	seal_need_root
	keys k
	crypto_conf s 9 k
	seal_start s
	set -- $(seal_children s)
	engine=$1 keyd=$2
	[ -n "$engine" ] && [ -n "$keyd" ] || atf_fail "children not found"
	# let the engine talk to keyd a little first
	seal_ctl s keyd >/dev/null
	$MEMSCAN $keyd k alpha.test serverpw > keyd.txt ||
	    atf_fail "cannot scan keyd"
	$MEMSCAN $engine k alpha.test serverpw > engine.txt ||
	    atf_fail "cannot scan the engine"
	echo "keyd (pid $keyd):"; cat keyd.txt
	echo "engine (pid $engine):"; cat engine.txt
	# the scan works: it finds the keys where they are
	atf_check -o match:'^d found' grep '^d ' keyd.txt
	atf_check -o match:'^b found' grep '^b ' keyd.txt
	# and they are only in the vault, no-access: not in malloc's heap,
	# nor anywhere else keyd could read without opening the vault
	! grep -E '^[db] found.*\[heap\]' keyd.txt ||
	    atf_fail "a key in keyd's ordinary heap"
	atf_check -o match:'^d readable 0$' grep '^d readable' keyd.txt
	atf_check -o match:'^b readable 0$' grep '^b readable' keyd.txt
	# keyd wiped the password after loading
	atf_check -o match:'^pw absent' grep '^pw ' keyd.txt
	for s in d b pw; do
		atf_check -o match:"^$s absent" grep "^$s " engine.txt
	done
	# the parent wiped its copy too
	$MEMSCAN $(cat s.pid) k alpha.test serverpw > parent.txt
	cat parent.txt
	atf_check -o match:'^pw absent' grep '^pw ' parent.txt
}
secrecy_cleanup() {
	seal_stop s
}

atf_test_case secrecy_ops
secrecy_ops_head() {
	atf_set descr "after many signatures, IFF responses and cookie" \
	    "decryptions keyd's readable memory holds neither d nor b: the" \
	    "vault is closed again and the decoded keys were cleared"
}
secrecy_ops_body() {
	seal_need_root
	keys k -m 512 -b 512
	mkfifo hold
	# -w: keydbench keeps keyd running until its standard input closes
	$BENCH -w @BUILD@/ntp-keyd k alpha.test serverpw 0.2 < hold \
	    > out.txt 2> err.txt &
	bench=$!
	exec 3> hold
	i=0
	while ! grep -q '^keyd pid ' out.txt && kill -0 $bench 2>/dev/null &&
	    [ $i -lt 600 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	keyd=$(sed -n 's/^keyd pid //p' out.txt)
	scan=1
	[ -z "$keyd" ] || $MEMSCAN $keyd k alpha.test serverpw > scan.txt ||
	    scan=0
	exec 3>&-
	wait $bench || { cat out.txt err.txt; atf_fail "keydbench_helper failed"; }
	cat out.txt scan.txt
	[ -n "$keyd" ] || atf_fail "keydbench_helper gave no keyd pid"
	[ $scan = 1 ] || atf_fail "cannot scan keyd"
	for op in sign iff cookie-dec; do
		grep -Eq "^keyd $op +[0-9]+ ops/s \([1-9][0-9]* ok" out.txt ||
		    atf_fail "no successful $op"
	done
	atf_check -o match:'^d found' grep '^d ' scan.txt
	atf_check -o match:'^b found' grep '^b ' scan.txt
	atf_check -o match:'^d readable 0$' grep '^d readable' scan.txt
	atf_check -o match:'^b readable 0$' grep '^b readable' scan.txt
}

atf_test_case reload cleanup
reload_head() {
	atf_set descr "ntp-keygen -q then SIGHUP: the new keys are in use," \
	    "the engine is the same process; a failed reload keeps the old keyd"
}
reload_body() {
	seal_need_root
	keys k
	crypto_conf r 10 k
	seal_start r
	set -- $(seal_children r)
	engine=$1 keyd=$2
	old=$(seal_ctl r -j keyd | sed -n 's/.*"host_filestamp": \([0-9]*\).*/\1/p')
	[ -n "$old" ] || atf_fail "no filestamp"
	sleep 1	# a new filestamp needs a new second
	(cd k && $KG -q serverpw -s alpha.test >/dev/null 2>&1) ||
	    atf_fail "ntp-keygen -q"
	new=$(sed -n '1s/.*\.\([0-9]*\)$/\1/p' k/ntpkey_host_alpha.test)
	[ "$new" != "$old" ] || atf_fail "ntp-keygen -q made no new host key"
	kill -HUP $(cat r.pid)
	seal_wait r keyd "\"host_filestamp\": $new" 10 ||
	    { cat r.log; seal_ctl r keyd; atf_fail "the new filestamp $new never showed"; }
	seal_ctl r keyd
	# the old keyd leaves once the new one serves: wait for it (a
	# loaded machine may take more than a moment), then look
	seal_poll 10 seal_gone "$keyd" ||
	    atf_fail "the old keyd $keyd is still there"
	seal_poll 10 keyd_ready r
	set -- $(seal_children r)
	[ "$1" = "$engine" ] || atf_fail "the engine changed: $engine -> $1"
	[ "$2" != "$keyd" ] || atf_fail "keyd was not replaced"
	grep -q 'keys reloaded' r.log || atf_fail "no log line"
	newkeyd=$2
	grep -q '^Seccomp:[[:space:]]*2' /proc/$newkeyd/status ||
	    atf_fail "the new keyd is not sandboxed"
	# a broken update: the running keyd stays, the error is logged
	mv k/ntpkey_host_alpha.test k/moved
	kill -HUP $(cat r.pid)
	seal_poll 10 grep -q 'key reload failed' r.log
	grep 'key reload failed' r.log || { cat r.log; atf_fail "no failure line"; }
	grep -q 'ntpkey_host_alpha.test: missing' r.log || atf_fail "no reason"
	set -- $(seal_children r)
	[ "$1" = "$engine" ] && [ "$2" = "$newkeyd" ] ||
	    atf_fail "processes changed after a failed reload"
	seal_ctl r -j keyd > after.json
	atf_check -o match:"\"host_filestamp\": $new" cat after.json
}
reload_cleanup() {
	seal_stop r
}

atf_test_case pipe
pipe_head() {
	atf_set descr "a real keyd through the engine's wrappers: every" \
	    "operation answered and verified; the rate limits refuse, the" \
	    "link survives"
}
pipe_body() {
	keys k -m 512 -b 512
	# -n: rate limits on; cookie-dec (50/s, burst 100) must refuse some
	$BENCH -n @BUILD@/ntp-keyd k alpha.test serverpw 0.3 > out.txt 2>err.txt ||
	    { cat out.txt err.txt; atf_fail "keydbench_helper failed"; }
	cat out.txt
	for op in sign iff cookie-enc cookie-dec; do
		grep -Eq "^keyd $op +[0-9]+ ops/s \([1-9][0-9]* ok" out.txt ||
		    atf_fail "no successful $op"
	done
	grep -Eq '^keyd cookie-dec .*, [1-9][0-9]* refused' out.txt ||
	    atf_fail "the cookie-dec rate limit refused nothing"
}

atf_test_case violations
violations_head() {
	atf_set descr "a request outside keyd's table, in the wrong state or" \
	    "with a bad length is fatal: keyd closes the link and exits"
}
violations_body() {
	keys k -m 512 -b 512
	for n in 1 2 3 4 5; do
		$BENCH -x $n @BUILD@/ntp-keyd k alpha.test serverpw 1 \
		    > out$n.txt 2> err$n.txt
		cat out$n.txt err$n.txt
		grep -q '^keyd exited with status 1$' out$n.txt ||
		    atf_fail "violation $n: keyd did not exit with status 1"
		! grep -q 'answered' out$n.txt ||
		    atf_fail "violation $n was answered"
	done
	grep -q 'does not serve: CTL_SHOW_STATUS' err1.txt || atf_fail "log 1"
	grep -q 'KEYD_HELLO twice' err2.txt || atf_fail "log 2"
	grep -q 'malformed KEYD_SIGN' err3.txt || atf_fail "log 3"
	grep -q 'KEYD_GET_CERT with a bad length 3' err4.txt || atf_fail "log 4"
	grep -q 'descriptor with KEYD_GET_PUBLIC' err5.txt || atf_fail "log 5"
}

atf_init_test_cases() {
	atf_add_test_case violations
	atf_add_test_case pipe
	atf_add_test_case sandbox
	atf_add_test_case startup_errors
	atf_add_test_case secrecy
	atf_add_test_case secrecy_ops
	atf_add_test_case reload
}
