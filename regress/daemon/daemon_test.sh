#! /usr/bin/env atf-sh
# The process split, sandboxes, start-up errors, shutdown and a plain
# server/client pair on loopback, seen from outside as a user would.

. "$(atf_get_srcdir)/../lib/daemon.sh"
SEAL_PORT_BASE=21000

atf_test_case sync_loopback cleanup
sync_loopback_head() {
	atf_set descr "our client synchronises to our server on loopback"
}
sync_loopback_body() {
	seal_need_root
	seal_conf server "$(seal_port 1)" "local stratum 8"
	seal_conf client "$(seal_port 2)" \
	    "server 127.0.0.1 port $(seal_port 1) iburst minpoll 4 maxpoll 4"
	seal_start server
	seal_start client
	seal_wait client status '"synced": true' 30 ||
	    { cat client.log; seal_ctl client all; atf_fail "client never synchronised"; }
	seal_ctl client peers > peers.txt
	cat peers.txt
	atf_check -o match:'sys\.peer' cat peers.txt
	seal_ctl client status > status.txt
	seal_ctl client -j status > status.json
	atf_check -o match:'status: +synchronised to 127\.0\.0\.1' cat status.txt
	# stratum: the server's local 8, plus one
	atf_check -o match:'"stratum": 9' cat status.json
	# same machine clock: the offset is noise, far below a millisecond
	off=$(seal_ctl client -j status | sed -n 's/.*"offset": \([-0-9.e]*\).*/\1/p')
	echo "offset $off"
	awk -v o="$off" 'BEGIN { exit !(o < 0.001 && o > -0.001) }' ||
	    atf_fail "offset $off is not near 0"
	seal_ctl server counters > counters.txt
	atf_check -o match:'server_replies +[1-9]' cat counters.txt
	grep -q 'synchronised to 127.0.0.1' client.log || atf_fail "no sync log line"
}
sync_loopback_cleanup() {
	seal_stop client server
}

# split_settled NAME: parent, engine, keyd and resolver all run sandboxed
split_settled() {
	n=$1
	set -- $(seal_children "$n")
	[ -n "$1" ] && [ -n "$2" ] || return 1
	r=$(seal_resolver "$n")
	[ -n "$r" ] && seal_sandboxed "$(cat "$n.pid")" "$1" "$2" "$r"
}

atf_test_case process_split cleanup
process_split_head() {
	atf_set descr "three processes: uids, seccomp, no_new_privs, capabilities, chroot, dumpable"
}
process_split_body() {
	seal_need_root
	seal_conf d "$(seal_port 3)" "local stratum 8"
	seal_start d
	# the engine answers before its siblings may have finished their
	# set-up: wait for all four processes to be sandboxed, then look
	seal_poll 10 split_settled d
	set -- $(seal_children d)
	engine=$1 keyd=$2
	parent=$(cat d.pid)
	[ -n "$engine" ] && [ -n "$keyd" ] || atf_fail "children not found"
	euid=$(id -u _ntp) kuid=$(id -u _ntpkey)
	for p in $parent $engine $keyd; do
		grep -E '^(Uid|Seccomp|NoNewPrivs|CapEff):' /proc/$p/status | sed "s/^/$p /"
		atf_check -o match:'^Seccomp:[[:space:]]+2$' grep '^Seccomp:' /proc/$p/status
		atf_check -o match:'^NoNewPrivs:[[:space:]]+1$' grep '^NoNewPrivs:' /proc/$p/status
	done
	atf_check -o match:'^Uid:[[:space:]]+0[[:space:]]+0[[:space:]]+0' grep '^Uid:' /proc/$parent/status
	atf_check -o match:"^Uid:[[:space:]]+$euid[[:space:]]+$euid[[:space:]]+$euid" grep '^Uid:' /proc/$engine/status
	atf_check -o match:"^Uid:[[:space:]]+$kuid[[:space:]]+$kuid[[:space:]]+$kuid" grep '^Uid:' /proc/$keyd/status
	for p in $engine $keyd; do
		atf_check -o match:'^CapEff:[[:space:]]+0000000000000000$' grep '^CapEff:' /proc/$p/status
		atf_check -o match:'^CapPrm:[[:space:]]+0000000000000000$' grep '^CapPrm:' /proc/$p/status
		atf_check -o match:'^CapBnd:[[:space:]]+0000000000000000$' grep '^CapBnd:' /proc/$p/status
		root=$(readlink /proc/$p/root)
		echo "$p root: $root"
		[ "$root" = /var/lib/sealntp/empty ] || atf_fail "$p root is $root"
		[ -z "$(ls -A "/proc/$p/root/")" ] || atf_fail "$p root is not empty"
	done
	# A process that is not dumpable has its /proc files owned by root.
	atf_check -o inline:"0\n" stat -c %u /proc/$keyd/status
	atf_check -o inline:"0\n" stat -c %u /proc/$engine/status
	# cores off
	atf_check -o match:'Max core file size +0 +0' cat /proc/$keyd/limits
	# the resolver (ntpd -R): the engine's user, sandboxed, no
	# capabilities, but not chrooted (it reads /etc/resolv.conf)
	resolver=$(seal_resolver d)
	[ -n "$resolver" ] || atf_fail "resolver not found"
	grep -E '^(Uid|Seccomp|NoNewPrivs|CapEff):' /proc/$resolver/status | sed "s/^/$resolver /"
	atf_check -o match:"^Uid:[[:space:]]+$euid[[:space:]]+$euid[[:space:]]+$euid" grep '^Uid:' /proc/$resolver/status
	atf_check -o match:'^Seccomp:[[:space:]]+2$' grep '^Seccomp:' /proc/$resolver/status
	atf_check -o match:'^NoNewPrivs:[[:space:]]+1$' grep '^NoNewPrivs:' /proc/$resolver/status
	atf_check -o match:'^CapEff:[[:space:]]+0000000000000000$' grep '^CapEff:' /proc/$resolver/status
	atf_check -o match:'^CapBnd:[[:space:]]+0000000000000000$' grep '^CapBnd:' /proc/$resolver/status
	atf_check -o inline:"0\n" stat -c %u /proc/$resolver/status
}
process_split_cleanup() {
	seal_stop d
}

# kill -9 one child: the parent notices, says which, exits non-zero
# within 2 s, and nothing is left behind.
kill_child() {
	which=$1
	seal_need_root
	seal_conf d "$(seal_port 4)" "local stratum 8"
	seal_start d
	seal_poll 10 seal_have_children d || atf_fail "children not found"
	set -- $(seal_children d)
	engine=$1 keyd=$2
	parent=$(cat d.pid)
	if [ "$which" = engine ]; then victim=$engine; else victim=$keyd; fi
	# Timed by the clock from the kill to the parent's exit, polled
	# closely: a count of "sleep 0.1" rounds is neither the time that
	# passed nor the moment of the exit.
	t0=$(date +%s%N)
	kill -9 "$victim"
	while seal_alive "$parent" &&
	    [ $(( $(date +%s%N) - t0 )) -lt 30000000000 ]; do
		sleep 0.02
	done
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	seal_alive "$parent" && atf_fail "parent still running 30 s after $which died"
	echo "the parent exited within $ms ms of the kill"
	[ "$ms" -le 2000 ] ||
	    atf_fail "the parent took $ms ms to exit after $which died (bound: 2 s)"
	wait "$parent" 2>/dev/null
	cat d.log
	grep -q "$which (pid $victim) killed by signal 9" d.log ||
	    atf_fail "no log line naming the dead $which"
	for p in $engine $keyd; do
		kill -0 "$p" 2>/dev/null && atf_fail "process $p left behind"
	done
	[ ! -e d.sock ] || atf_fail "control socket left behind"
	rm -f d.pid
}

atf_test_case kill_engine cleanup
kill_engine_head() { atf_set descr "engine killed: daemon stops with an error"; }
kill_engine_body() { kill_child engine; }
kill_engine_cleanup() { seal_stop d; }

atf_test_case kill_keyd cleanup
kill_keyd_head() { atf_set descr "keyd killed: daemon stops with an error"; }
kill_keyd_body() { kill_child keyd; }
kill_keyd_cleanup() { seal_stop d; }

atf_test_case exit_status cleanup
exit_status_head() { atf_set descr "a killed daemon's exit status is non-zero; SIGTERM gives 0"; }
exit_status_body() {
	seal_need_root
	seal_conf d "$(seal_port 5)" "local stratum 8"
	"$SEAL_BUILD/ntpd" -d -x -f d.conf > d.log 2>&1 &
	parent=$!
	echo $parent > d.pid
	# up and with its children, however long that takes under load
	seal_up d
	seal_poll 10 seal_have_children d || atf_fail "children not found"
	set -- $(seal_children d)
	kill -9 "$1"
	wait $parent
	st=$?
	[ $st -ne 0 ] || atf_fail "exit status 0 after the engine was killed"
	"$SEAL_BUILD/ntpd" -d -x -f d.conf > d2.log 2>&1 &
	parent=$!
	echo $parent > d.pid
	seal_up d
	seal_poll 10 seal_have_children d || atf_fail "children not found"
	set -- $(seal_children d)
	kill -TERM $parent
	wait $parent
	st=$?
	cat d2.log
	[ $st -eq 0 ] || atf_fail "exit status $st after SIGTERM"
	for p in "$@"; do
		kill -0 "$p" 2>/dev/null && atf_fail "process $p left behind"
	done
	grep -q terminating d2.log || atf_fail "no shutdown log line"
	rm -f d.pid
}
exit_status_cleanup() { seal_stop d; }

atf_test_case missing_user
missing_user_head() { atf_set descr "a missing user is a clear start-up error"; }
missing_user_body() {
	seal_need_root
	seal_conf d "$(seal_port 6)" "user _sealntp_nosuchuser"
	atf_check -s not-exit:0 -e match:"user '_sealntp_nosuchuser' does not exist" \
	    "$SEAL_BUILD/ntpd" -d -x -f d.conf
}

atf_test_case config_errors
config_errors_head() { atf_set descr "bad config files: file:line: and the word, exit non-zero"; }
config_errors_body() {
	printf 'port 12345\nfrobnicate yes\n' > unknown.conf
	atf_check -s exit:1 -e match:"unknown.conf:2: unknown directive 'frobnicate'" \
	    "$SEAL_BUILD/ntpd" -n -f unknown.conf
	printf '# comment\nserver\n' > missing.conf
	atf_check -s exit:1 -e match:"missing.conf:2: server: missing argument" \
	    "$SEAL_BUILD/ntpd" -n -f missing.conf
	printf 'restrict 10.0.0.300 nomodify\n' > badaddr.conf
	atf_check -s exit:1 -e match:"badaddr.conf:1: restrict: bad address '10.0.0.300'" \
	    "$SEAL_BUILD/ntpd" -n -f badaddr.conf
	printf 'server 127.0.0.1 minpoll x\n' > badnum.conf
	atf_check -s exit:1 -e match:"badnum.conf:1: minpoll: bad number 'x'" \
	    "$SEAL_BUILD/ntpd" -n -f badnum.conf
	atf_check -s exit:1 -e match:"nonexistent.conf" \
	    "$SEAL_BUILD/ntpd" -n -f nonexistent.conf
	printf 'server 127.0.0.1 iburst\n' > good.conf
	atf_check -s exit:0 -e match:"configuration OK" "$SEAL_BUILD/ntpd" -n -f good.conf
}

atf_test_case ntpctl_errors
ntpctl_errors_head() { atf_set descr "ntpctl: daemon not running and bad usage are one clear line"; }
ntpctl_errors_body() {
	atf_check -s exit:1 -e match:"^ntpctl: ntpd is not running \(no control socket at $(pwd)/none.sock\)$" \
	    "$SEAL_BUILD/ntpctl" -s "$(pwd)/none.sock" status
	atf_check -s exit:2 -e match:"unknown view 'bogus'" "$SEAL_BUILD/ntpctl" bogus
	atf_check -s exit:2 -e match:"usage: ntpctl" "$SEAL_BUILD/ntpctl" --help
}

atf_test_case second_instance cleanup
second_instance_head() { atf_set descr "a second daemon on the same control socket refuses to start"; }
second_instance_body() {
	seal_need_root
	seal_conf d "$(seal_port 7)" "local stratum 8"
	seal_start d
	atf_check -s not-exit:0 -e match:"another ntpd is running" \
	    "$SEAL_BUILD/ntpd" -d -x -f d.conf
	# and the first still answers
	seal_ctl d status > st.txt
	atf_check -o match:'serving local stratum 8' cat st.txt
}
second_instance_cleanup() { seal_stop d; }

atf_init_test_cases() {
	atf_add_test_case sync_loopback
	atf_add_test_case process_split
	atf_add_test_case kill_engine
	atf_add_test_case kill_keyd
	atf_add_test_case exit_status
	atf_add_test_case missing_user
	atf_add_test_case config_errors
	atf_add_test_case ntpctl_errors
	atf_add_test_case second_instance
}
