#! /usr/bin/env atf-sh
# Names resolved again by the engine through the resolver process
# (ntpd -R): pools and servers whose name did not resolve at start.
# Nothing here sends a packet beyond loopback: "localhost" comes from
# /etc/hosts, an unresolvable name is made with HOSTALIASES (an alias
# glibc refuses to put in a query), and the DNS test runs in a mount
# namespace whose resolv.conf points at a DNS responder on 127.0.0.2.

. "$(atf_get_srcdir)/../lib/daemon.sh"
SEAL_PORT_BASE=24100

atf_test_case pool_localhost cleanup
pool_localhost_head() { atf_set descr "pool localhost: associations appear, the resolver answers again"; }
pool_localhost_body() {
	seal_need_root
	seal_conf server "$(seal_port 1)" "local stratum 8"
	seal_conf client "$(seal_port 2)" \
	    "pool localhost port $(seal_port 1) iburst minpoll 4 maxpoll 4"
	seal_start server
	seal_start client -v
	seal_wait client status '"synced": true' 30 ||
	    { cat client.log; atf_fail "client never synchronised"; }
	seal_ctl client -j peers > peers.json
	cat peers.json
	atf_check -o match:'"name": "localhost", "address": "127\.0\.0\.1:' cat peers.json
	# A pool of one address is short of its four: the engine asks the
	# resolver again (after 5 s) and gets an answer through its sandbox.
	seal_poll 10 grep -q 'localhost resolved again: 1 address(es), 0 taken' client.log
	cat client.log
	grep -q 'localhost resolved again' client.log || atf_fail "no answer from the resolver"
	kill -0 "$(cat client.pid)" || atf_fail "client died"
}
pool_localhost_cleanup() { seal_stop client server; }

atf_test_case unresolvable cleanup
unresolvable_head() { atf_set descr "names that do not resolve are retried with backoff, nothing dies"; }
unresolvable_body() {
	seal_need_root
	# glibc reads HOSTALIASES as the resolver's user: a readable place.
	d=$(mktemp -d /tmp/sealntp-pool.XXXXXX)
	echo "$d" > aliasdir
	chmod 755 "$d"
	long=$(printf 'x%.0s' $(seq 1 64))
	printf 'sealnoserver %s.invalid\nsealnopool %s.invalid\n' "$long" "$long" > "$d/aliases"
	chmod 644 "$d/aliases"
	setpriv --reuid=_ntp --regid=_ntp --clear-groups cat "$d/aliases" >/dev/null 2>&1 ||
	    atf_skip "user _ntp cannot read $d/aliases"
	seal_conf d "$(seal_port 3)" "server sealnoserver iburst" "pool sealnopool iburst"
	HOSTALIASES="$d/aliases" seal_start d -v
	seal_poll 15 grep -q 'cannot resolve sealnoserver (line 4): .*; retrying in 10 s' d.log
	cat d.log
	grep -q 'd.conf:4: cannot resolve sealnoserver: .*; will retry' d.log ||
	    atf_fail "no start-up line for the server"
	grep -q 'cannot resolve sealnoserver (line 4): .*; retrying in 5 s' d.log ||
	    atf_fail "no first retry"
	grep -q 'cannot resolve sealnoserver (line 4): .*; retrying in 10 s' d.log ||
	    atf_fail "no second retry with a longer wait"
	grep -q 'cannot resolve sealnopool (line 5): ' d.log ||
	    atf_fail "the pool is not retried"
	kill -0 "$(cat d.pid)" || atf_fail "daemon died"
	seal_ctl d status >/dev/null || atf_fail "ntpctl gets no answer"
}
unresolvable_cleanup() {
	seal_stop d
	[ -f aliasdir ] && rm -rf "$(cat aliasdir)"
}

# dns_ready: the DNS responder said it is ready, or it is gone
dns_ready() {
	grep -q ready dns.log || ! kill -0 "$(cat dns.pid)" 2>/dev/null
}

atf_test_case dns_appears cleanup
dns_appears_head() { atf_set descr "a pool name that starts resolving gets its associations (DNS on loopback)"; }
dns_appears_body() {
	seal_need_root
	command -v python3 >/dev/null || atf_skip "python3 is needed for the DNS responder"
	command -v unshare >/dev/null || atf_skip "unshare (util-linux) is missing"
	echo "nameserver 127.0.0.2" > resolv.conf
	echo "options attempts:1 timeout:1" >> resolv.conf
	python3 "$(atf_get_srcdir)/data/fakedns.py" 127.0.0.2 "$(pwd)/enable" \
	    pool.sealntp.test > dns.log 2>&1 &
	echo $! > dns.pid
	seal_poll 10 dns_ready
	grep -q ready dns.log || { cat dns.log; atf_skip "cannot run a DNS responder on 127.0.0.2:53"; }
	seal_conf server "$(seal_port 4)" "local stratum 8"
	seal_conf client "$(seal_port 5)" \
	    "pool pool.sealntp.test port $(seal_port 4) iburst minpoll 4 maxpoll 4"
	seal_start server
	# the client sees our resolv.conf in its own mount namespace
	unshare -m sh -c "mount --bind '$(pwd)/resolv.conf' /etc/resolv.conf &&
	    exec '$SEAL_BUILD/ntpd' -d -x -v -f client.conf" > client.log 2>&1 &
	echo $! > client.pid
	seal_wait client status '"uptime"' 10 || { cat client.log; atf_fail "client did not start"; }
	grep -q 'cannot resolve pool.sealntp.test' client.log ||
	    { cat client.log; atf_fail "the name resolved before it existed"; }
	touch enable
	seal_wait client peers '"name": "pool.sealntp.test", "address": "127\.0\.0\.1:' 20 ||
	    { cat client.log dns.log; atf_fail "no association after the name appeared"; }
	seal_wait client status '"synced": true' 30 ||
	    { cat client.log; atf_fail "never synchronised to the new association"; }
	cat client.log
	grep -q 'pool.sealntp.test: new association 1 with 127.0.0.1:' client.log ||
	    atf_fail "no log line for the new association"
}
dns_appears_cleanup() {
	seal_stop client server
	[ -f dns.pid ] && kill "$(cat dns.pid)" 2>/dev/null
	true
}

# resolver_ready NAME: its resolver runs, sandboxed
resolver_ready() {
	r=$(seal_resolver "$1")
	[ -n "$r" ] && seal_sandboxed "$r"
}

atf_test_case kill_resolver cleanup
kill_resolver_head() { atf_set descr "resolver killed: the daemon stops, says which and how"; }
kill_resolver_body() {
	seal_need_root
	seal_conf d "$(seal_port 6)" "local stratum 8"
	seal_start d
	parent=$(cat d.pid)
	# it may still be setting up when the engine answers
	seal_poll 10 resolver_ready d
	resolver=$(seal_resolver d)
	[ -n "$resolver" ] || atf_fail "resolver not found"
	# timed by the clock from the kill to the exit, polled closely
	t0=$(date +%s%N)
	kill -9 "$resolver"
	while seal_alive "$parent" &&
	    [ $(( $(date +%s%N) - t0 )) -lt 30000000000 ]; do
		sleep 0.02
	done
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	seal_alive "$parent" && atf_fail "parent still running 30 s after the resolver died"
	echo "the parent exited within $ms ms of the kill"
	[ "$ms" -le 3000 ] ||
	    atf_fail "the parent took $ms ms to exit after the resolver died (bound: 3 s)"
	cat d.log
	grep -q "resolver (pid $resolver) killed by signal 9" d.log ||
	    atf_fail "no log line naming the dead resolver"
	[ ! -e d.sock ] || atf_fail "control socket left behind"
	rm -f d.pid
}
kill_resolver_cleanup() { seal_stop d; }

atf_test_case peer_refused
peer_refused_head() { atf_set descr "peer (symmetric mode) lines are refused with a clear message"; }
peer_refused_body() {
	printf 'port %s\nserver 127.0.0.1\npeer 127.0.0.2 iburst\n' "$(seal_port 7)" > p.conf
	atf_check -s exit:1 -e match:"p.conf:3: peer: symmetric mode is not implemented yet" \
	    "$SEAL_BUILD/ntpd" -n -f p.conf
	atf_check -s exit:1 -e match:"p.conf:3: peer: symmetric mode is not implemented yet" \
	    "$SEAL_BUILD/ntpd" -d -x -f p.conf
}

atf_init_test_cases() {
	atf_add_test_case peer_refused
	atf_add_test_case kill_resolver
	atf_add_test_case pool_localhost
	atf_add_test_case unresolvable
	atf_add_test_case dns_appears
}
