#! /usr/bin/env atf-sh
# The drift file at start: its frequency is what ntpctl shows before any
# server answered; a damaged one is a warning that names the file.

. "$(atf_get_srcdir)/../lib/daemon.sh"
SEAL_PORT_BASE=24200

atf_test_case drift_shown cleanup
drift_shown_head() { atf_set descr "the drift file's value is the frequency ntpctl shows at start"; }
drift_shown_body() {
	seal_need_root
	echo "12.345" > ntp.drift
	seal_conf d "$(seal_port 1)" "local stratum 8" "driftfile $(pwd)/ntp.drift"
	seal_start d
	seal_ctl d status > st.txt
	seal_ctl d -j status > st.json
	cat st.txt d.log
	atf_check -o match:'^frequency: +\+12\.345 ppm$' cat st.txt
	atf_check -o match:'"frequency_ppm": 12\.345,' cat st.json
	grep -q 'ignoring drift file' d.log && atf_fail "warned about a good drift file"
	true
}
drift_shown_cleanup() { seal_stop d; }

atf_test_case drift_bad cleanup
drift_bad_head() { atf_set descr "a bad drift file is a warning naming it; the daemon runs from 0 ppm"; }
drift_bad_body() {
	seal_need_root
	echo "fast" > bad.drift
	seal_conf d "$(seal_port 2)" "local stratum 8" "driftfile $(pwd)/bad.drift"
	seal_start d
	seal_ctl d status > st.txt
	cat d.log st.txt
	grep -q "ignoring drift file: $(pwd)/bad.drift: not a frequency in ppm" d.log ||
	    atf_fail "no warning naming the drift file"
	atf_check -o match:'^frequency: +\+0\.000 ppm$' cat st.txt
	# out of the kernel's range is just as bad
	seal_stop d
	echo "900" > bad.drift
	seal_start d
	grep -q "ignoring drift file: $(pwd)/bad.drift" d.log ||
	    atf_fail "900 ppm accepted"
	# a missing file is normal on a first start: no warning
	seal_stop d
	seal_conf d "$(seal_port 2)" "local stratum 8" "driftfile $(pwd)/none.drift"
	seal_start d
	grep -q 'drift' d.log && { cat d.log; atf_fail "warned about a missing drift file"; }
	true
}
drift_bad_cleanup() { seal_stop d; }

atf_init_test_cases() {
	atf_add_test_case drift_shown
	atf_add_test_case drift_bad
}
