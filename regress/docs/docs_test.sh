#! /usr/bin/env atf-sh
# Man pages and --help agree with the code; make install puts
# everything where it belongs.

B=@BUILD@

# The option letters of a usage line, e.g. "[-dnvx] [-f file]" -> dfnvx
letters_usage() {
	sed -n 's/^usage: //p' | tr ' ' '\n' | sed -n 's/^\[-\([A-Za-z]*\).*/\1/p' |
	    fold -w1 | sort -u | tr -d '\n'
}
# ... and of an mdoc SYNOPSIS (.Op Fl dnUvx / .Op Fl f Ar file)
letters_man() {
	sed -n '/^\.Sh SYNOPSIS/,/^\.Sh/p' "$1" | sed -n 's/^\.Op Fl \([A-Za-z]*\).*/\1/p' |
	    fold -w1 | sort -u | tr -d '\n'
}

atf_test_case ntpd_options
ntpd_options_head() { atf_set descr "ntpd usage and ntpd.8 list the same options"; }
ntpd_options_body() {
	src=$(atf_config_get srcdir)
	"$B/ntpd" -h 2> usage.txt
	u=$(letters_usage < usage.txt)
	m=$(letters_man "$src/ntpd/ntpd.8")
	echo "usage: $u man: $m"
	[ -n "$u" ] && [ "$u" = "$m" ] || atf_fail "ntpd: usage has '$u', ntpd.8 has '$m'"
	for o in $(echo "$u" | fold -w1); do
		grep -q "^\.It Fl $o" "$src/ntpd/ntpd.8" || atf_fail "ntpd.8 does not describe -$o"
		grep -q "^  -$o" usage.txt || atf_fail "usage does not explain -$o"
	done
}

atf_test_case ntpctl_options
ntpctl_options_head() { atf_set descr "ntpctl usage and ntpctl.8 agree on options and views"; }
ntpctl_options_body() {
	src=$(atf_config_get srcdir)
	"$B/ntpctl" -h 2> usage.txt
	u=$(letters_usage < usage.txt)
	m=$(letters_man "$src/ctl/ntpctl.8")
	[ -n "$u" ] && [ "$u" = "$m" ] || atf_fail "ntpctl: usage has '$u', ntpctl.8 has '$m'"
	for v in $(sed -n 's/^  \([a-z][a-z]*\)  .*/\1/p' usage.txt); do
		grep -q "^\.It Cm $v" "$src/ctl/ntpctl.8" || atf_fail "ntpctl.8 lacks the view $v"
	done
}

atf_test_case install
install_head() { atf_set descr "make install DESTDIR= PREFIX= installs programs, man pages, examples"; }
install_body() {
	src=$(atf_config_get srcdir)
	d=$(pwd)/inst
	make -s -C "$src" BUILD="$B" DESTDIR="$d" PREFIX=/opt/seal install > make.log 2>&1 ||
	    { cat make.log; atf_fail "make install failed"; }
	for f in sbin/ntpd sbin/ntp-keyd sbin/ntp-keygen sbin/ntpctl; do
		[ -x "$d/opt/seal/$f" ] || atf_fail "missing $f"
	done
	for f in man8/ntpd.8 man8/ntpctl.8 man8/ntp-keygen.8 man5/ntp.conf.5; do
		[ -f "$d/opt/seal/share/man/$f" ] || atf_fail "missing man page $f"
	done
	for f in server.conf client.conf sealntp.service; do
		[ -f "$d/opt/seal/share/examples/sealntp/$f" ] || atf_fail "missing example $f"
	done
	# the sample configurations are valid
	"$d/opt/seal/sbin/ntpd" -n -f "$d/opt/seal/share/examples/sealntp/server.conf" ||
	    atf_fail "server.conf does not parse"
	"$d/opt/seal/sbin/ntpd" -n -f "$d/opt/seal/share/examples/sealntp/client.conf" ||
	    atf_fail "client.conf does not parse"
	[ -d "$d/var/lib/sealntp/empty" ] || atf_fail "no chroot directory"
}

atf_init_test_cases() {
	atf_add_test_case ntpd_options
	atf_add_test_case ntpctl_options
	atf_add_test_case install
}
