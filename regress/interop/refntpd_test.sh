#! /usr/bin/env atf-sh
#
# Copyright (c) 2026 The sealntp developers.
# SPDX-License-Identifier: ISC
#
# Autokey interoperability with the reference ntpd 4.2.8 (p18, built
# with Autokey), through the shared harness (../shared/interop/
# run-interop.sh) and our hooks (sealntp-hooks.sh beside this file):
# the reference in one network namespace, sealntp in the other, joined
# by a veth pair, nothing leaving them, the clock checked before and
# after.
#
# The reference build is not part of this project and no test needs
# it: without it (default /opt/refntp, kyua variable "refntp"), without
# root or without the harness, every case skips and says why.
#
#   ref_other_*  the reference server, our client: our client asks as
#                fast as the reference answers, so this takes seconds.
#   other_ref_*  our server, the reference client, which sends one
#                Autokey request per 16 s poll: 60 to 100 s a case, so
#                these run only with -v test_suites.sealntp.interop_slow=1.

. "$(atf_get_srcdir)/../lib/daemon.sh"

# ref_run CASE SCHEME: run the harness, expect a PASS
ref_run() {
	refntp=$(atf_config_get refntp /opt/refntp)
	shared=$(atf_config_get shared "")
	src=$(atf_config_get srcdir "")
	[ "$(id -u)" -eq 0 ] || atf_skip "needs root (network namespaces)"
	[ -x "$refntp/sbin/ntpd" ] || atf_skip "no reference ntpd at" \
	    "$refntp/sbin/ntpd (build 4.2.8p18 with Autokey there, outside" \
	    "the repository; see README, Interoperability)"
	[ -n "$shared" ] && [ -x "$shared/interop/run-interop.sh" ] ||
	    atf_skip "the shared interop harness (../shared/interop) is missing"
	[ -d "$shared/vectors/autokey/keys" ] ||
	    atf_skip "the reference key vectors are missing"
	hooks=$src/regress/interop/sealntp-hooks.sh
	[ -n "$src" ] && [ -f "$hooks" ] || atf_skip "sealntp-hooks.sh not found"
	command -v tcpdump >/dev/null 2>&1 || atf_skip "tcpdump not installed"
	command -v flock >/dev/null 2>&1 || atf_skip "flock (util-linux) not found"
	# The harness's namespaces have fixed names: one run at a time,
	# whoever starts it (another case, or a run by hand that also
	# takes this lock).
	exec 9> /run/lock/sealntp-akx.lock ||
	    atf_skip "cannot open /run/lock/sealntp-akx.lock"
	flock -w 350 9 || atf_skip "another harness run holds the lock"
	for ns in akx-srv akx-cli; do
		! ip netns list 2>/dev/null | grep -qw "$ns" ||
		    atf_skip "namespace $ns exists (a harness run in progress?)"
	done
	REFNTP=$refntp OTHER_BIN=$SEAL_BUILD OTHER_HOOKS=$hooks \
	    WORK=$(pwd)/work TIMEOUT=${2:-120} \
	    "$shared/interop/run-interop.sh" "$1" "$3" unicast \
	    > harness.out 2>&1 9>&-
	cat harness.out
	if ! grep -q '^VERDICT: PASS' harness.out; then
		for f in sequence.txt client.out server.out seal-peers.json; do
			[ -f "work/$f" ] || continue
			echo "--- $f"
			tail -n 60 "work/$f"
		done
		atf_fail "$(grep '^VERDICT' harness.out || echo 'no VERDICT line')"
	fi
}

slow() {
	[ "$(atf_config_get interop_slow 0)" = 1 ] ||
	    atf_skip "the reference client takes 60-100 s (one Autokey" \
	    "request per poll); run with -v test_suites.sealntp.interop_slow=1"
}

atf_test_case ref_other_iff
ref_other_iff_head() {
	atf_set "descr" "reference server, our client, IFF group key" \
	    "installed without 'ident': the client reaches auth ok"
	atf_set "timeout" 400
}
ref_other_iff_body() {
	ref_run ref-other 120 iff
}

atf_test_case ref_other_tc
ref_other_tc_head() {
	atf_set "descr" "reference server with a trusted certificate only" \
	    "(no identity scheme), our client: auth ok"
	atf_set "timeout" 400
}
ref_other_tc_body() {
	ref_run ref-other 120 tc
}

atf_test_case other_ref_iff
other_ref_iff_head() {
	atf_set "descr" "our server, reference client with IFF: the" \
	    "reference shows ok and CERT|VRFY|PROV|COOK|AUTO|SIGN"
	atf_set "timeout" 400
}
other_ref_iff_body() {
	slow
	ref_run other-ref 300 iff
}

atf_test_case other_ref_tc
other_ref_tc_head() {
	atf_set "descr" "our server with a trusted certificate only," \
	    "reference client: ok"
	atf_set "timeout" 400
}
other_ref_tc_body() {
	slow
	ref_run other-ref 300 tc
}

atf_init_test_cases() {
	atf_add_test_case ref_other_iff
	atf_add_test_case ref_other_tc
	atf_add_test_case other_ref_iff
	atf_add_test_case other_ref_tc
}
