#! /usr/bin/env atf-sh
# Leap seconds seen from outside: a scheduled leap is announced (LI) in
# the last day before it, ntpctl shows TAI-UTC, the next leap and the
# file's expiry; an expired file is a warning, a damaged one an error.

. "$(atf_get_srcdir)/../lib/daemon.sh"
SEAL_PORT_BASE=24000
NTP_UNIX=2208988800

# mk_leapfile FILE LEAP_UNIX EXPIRES_UNIX: a synthetic leap-seconds.list
# (TAI-UTC 10 from 1972, 11 from LEAP) with the hash the format asks
# for: SHA-1 over the digits of #$, #@ and the data lines, in order.
mk_leapfile() {
	f=$1 leap=$(($2 + NTP_UNIX)) exp=$(($3 + NTP_UNIX))
	upd=$((exp - 200 * 86400))
	h=$(printf '%s' "${upd}${exp}227206080010${leap}11" | sha1sum |
	    cut -c1-40 | sed 's/\(........\)/\1 /g; s/ $//')
	printf '#\tsynthetic test file\n#$\t%s\n#@\t%s\n' "$upd" "$exp" > "$f"
	printf '2272060800\t10\t# 1 Jan 1972\n' >> "$f"
	printf '%s\t11\t# the test leap\n' "$leap" >> "$f"
	printf '#h\t%s\n' "$h" >> "$f"
}

# The next UTC midnight, at least a minute away (else the one after).
next_midnight() {
	now=$(date +%s)
	m=$(( (now / 86400 + 1) * 86400 ))
	if [ $((m - now)) -lt 60 ]; then
		sleep $((m - now + 1))
		m=$((m + 86400))
	fi
	echo $m
}

atf_test_case announce cleanup
announce_head() {
	atf_set descr "a leap at the next midnight: LI=1 in replies, ntpctl shows it, the kernel would be armed"
}
announce_body() {
	seal_need_root
	mid=$(next_midnight)
	now=$(date +%s)
	mk_leapfile soon.list "$mid" $((now + 30 * 86400))
	mk_leapfile later.list $((mid + 86400)) $((now + 30 * 86400))
	seal_conf soon "$(seal_port 1)" "local stratum 8" "leapfile $(pwd)/soon.list"
	seal_conf later "$(seal_port 2)" "local stratum 8" "leapfile $(pwd)/later.list"
	seal_start soon
	seal_start later
	atf_check -o match:'^li=1 version=4 mode=4 stratum=8$' \
	    "$(atf_get_srcdir)/leap_helper" "$(seal_port 1)"
	# two days ahead: known, not yet announced
	atf_check -o match:'^li=0 version=4 mode=4 stratum=8$' \
	    "$(atf_get_srcdir)/leap_helper" "$(seal_port 2)"
	seal_ctl soon -j status > soon.json
	seal_ctl soon status > soon.txt
	cat soon.txt soon.json
	atf_check -o match:'"leap": 1,' cat soon.json
	atf_check -o match:'"tai_offset": 10, "source": "leap file"' cat soon.json
	atf_check -o match:'"next_direction": 1' cat soon.json
	atf_check -o match:'"file_expired": false' cat soon.json
	want=$(date -u -d "@$mid" '+%Y-%m-%d %H:%M:%S UTC')
	atf_check -o match:"next leap: insert a second before $want" cat soon.txt
	atf_check -o match:'^leapfile: +expires ' cat soon.txt
	seal_ctl later -j status > later.json
	atf_check -o match:'"leap": 0,' cat later.json
	atf_check -o match:'"next_direction": 1' cat later.json
	# with -x the parent only says what it would do
	grep -q 'would arm the kernel to insert a leap second at the end of this UTC day, TAI-UTC 10 s' soon.log ||
	    { cat soon.log; atf_fail "no kernel arming log line"; }
	grep -q 'would arm' later.log && atf_fail "later armed the kernel"
	true
}
announce_cleanup() {
	seal_stop soon later
}

atf_test_case expired cleanup
expired_head() { atf_set descr "an expired leap file is used with a warning"; }
expired_body() {
	seal_need_root
	now=$(date +%s)
	mk_leapfile old.list $((now - 400 * 86400)) $((now - 86400))
	seal_conf d "$(seal_port 3)" "local stratum 8" "leapfile $(pwd)/old.list"
	seal_start d
	seal_ctl d status > st.txt
	cat d.log st.txt
	grep -q "leapfile $(pwd)/old.list expired on " d.log ||
	    atf_fail "no expiry warning naming the file"
	atf_check -o match:'TAI-UTC 11 s' cat st.txt
	atf_check -o match:'^leapfile: +EXPIRED on ' cat st.txt
	atf_check -o match:'^li=0 ' "$(atf_get_srcdir)/leap_helper" "$(seal_port 3)"
}
expired_cleanup() { seal_stop d; }

atf_test_case bad_hash
bad_hash_head() { atf_set descr "a leap file failing its hash stops the daemon at start, naming the file"; }
bad_hash_body() {
	seal_need_root
	now=$(date +%s)
	mk_leapfile good.list $((now + 86400)) $((now + 30 * 86400))
	# change one digit of the data: the hash no longer matches
	sed 's/^2272060800/2272060801/' good.list > bad.list
	seal_conf d "$(seal_port 4)" "local stratum 8" "leapfile $(pwd)/bad.list"
	atf_check -s not-exit:0 -e match:"leapfile $(pwd)/bad.list: hash mismatch" \
	    "$SEAL_BUILD/ntpd" -d -x -f d.conf
	atf_check -s not-exit:0 -e match:"leapfile $(pwd)/bad.list: hash mismatch" \
	    "$SEAL_BUILD/ntpd" -n -f d.conf
	[ ! -e d.sock ] || atf_fail "control socket created"
	seal_conf m "$(seal_port 4)" "local stratum 8" "leapfile $(pwd)/missing.list"
	atf_check -s not-exit:0 -e match:"leapfile $(pwd)/missing.list: No such file" \
	    "$SEAL_BUILD/ntpd" -n -f m.conf
	seal_conf g "$(seal_port 4)" "local stratum 8" "leapfile $(pwd)/good.list"
	atf_check -s exit:0 -e match:"configuration OK" "$SEAL_BUILD/ntpd" -n -f g.conf
}

atf_test_case debian_file cleanup
debian_file_head() { atf_set descr "ntpctl shows TAI-UTC 37 with Debian's leap-seconds.list"; }
debian_file_body() {
	seal_need_root
	f=/usr/share/zoneinfo/leap-seconds.list
	[ -r $f ] || atf_skip "$f is missing (package tzdata)"
	seal_conf d "$(seal_port 5)" "local stratum 8" "leapfile $f"
	seal_start d
	seal_ctl d status > st.txt
	seal_ctl d -j status > st.json
	cat st.txt
	atf_check -o match:'^leap: +TAI-UTC 37 s' cat st.txt
	atf_check -o match:'"tai_offset": 37' cat st.json
}
debian_file_cleanup() { seal_stop d; }

atf_init_test_cases() {
	atf_add_test_case announce
	atf_add_test_case expired
	atf_add_test_case bad_hash
	atf_add_test_case debian_file
}
