#! /usr/bin/env atf-sh
#
# Copyright (c) 2026 The sealntp developers.
# SPDX-License-Identifier: ISC
#
# ntp-keygen from the command line: the seed guide's steps end to end
# (server -T -I, export -e, client -H, group key install, monthly -q
# updates), the other identity schemes, and every error case.

KG=@BUILD@/ntp-keygen
HELPER=@BUILD@/regress/keygen/ident_helper

# target of a link, failing if it is not one
target() {
	[ -L "$1" ] || atf_fail "$1 is not a symbolic link"
	readlink "$1"
}

# mode of a file in octal
mode() {
	stat -c %a "$1"
}

# the private key in a key file, through OpenSSL's own tool
pkey_ok() {
	sed 1,3d "$1" | openssl pkey -passin "pass:$2" -noout ||
	    atf_fail "openssl pkey cannot read $1"
}

# a listing with link targets, to prove a failed run changed nothing
snapshot() {
	(cd "$1" && ls -lA --time-style=+%s | sed 1d | awk '{print $1, $5, $6, $7, $8, $9}')
}

header_ok() {
	# first line "# <name>", second the date, third empty
	n=$(basename "$1")
	[ "$(sed -n 1p "$1")" = "# $n" ] || atf_fail "$1: bad first line"
	sed -n 2p "$1" | grep -Eq '^# [A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9][0-9] ' ||
	    atf_fail "$1: bad second line"
	[ -z "$(sed -n 3p "$1")" ] || atf_fail "$1: third line not empty"
}

atf_test_case guide
guide_head() {
	atf_set descr "The seed guide: server -T -I, export -e, client -H," \
	    "group key install, monthly -q updates on both sides"
	atf_set timeout 600
	atf_set require.progs openssl
}
guide_body() {
	mkdir server client

	# server set-up with the defaults (2048-bit host key and IFF)
	(cd server && $KG -s alpha.test -T -I -p serverpw) 2>err ||
	    atf_fail "server set-up: $(cat err)"
	cd server
	host=$(target ntpkey_host_alpha.test)
	cert=$(target ntpkey_cert_alpha.test)
	iff=$(target ntpkey_iffkey_alpha.test)
	fs=${host##*.}
	[ "$host" = "ntpkey_RSAhost_alpha.test.$fs" ] || atf_fail "host $host"
	[ "$cert" = "ntpkey_RSA-SHA256cert_alpha.test.$fs" ] || atf_fail "cert $cert"
	[ "$iff" = "ntpkey_IFFkey_alpha.test.$fs" ] || atf_fail "iff $iff"
	for f in $host $iff; do
		header_ok $f
		[ "$(mode $f)" = 600 ] || atf_fail "$f mode $(mode $f)"
		pkey_ok $f serverpw
		grep -q 'BEGIN ENCRYPTED PRIVATE KEY' $f || atf_fail "$f not PKCS#8"
	done
	header_ok $cert
	[ "$(mode $cert)" = 644 ] || atf_fail "$cert mode"
	sed 1,3d $host | openssl pkey -passin pass:serverpw -text -noout |
	    grep -q 'Private-Key: (2048 bit' || atf_fail "host key not 2048 bits"
	sed 1,3d $iff | openssl pkey -passin pass:serverpw -text -noout |
	    grep -q 'Private-Key: (2048 bit' || atf_fail "IFF not 2048 bits"
	sed 1,3d $cert | openssl x509 -noout -text > cert.txt ||
	    atf_fail "openssl x509 cannot read $cert"
	grep -q 'Subject: CN *= *alpha.test' cert.txt || atf_fail "subject"
	grep -q 'Issuer: CN *= *alpha.test' cert.txt || atf_fail "issuer"
	grep -q 'Trust Root' cert.txt || atf_fail "not trusted"
	grep -q 'CA:TRUE' cert.txt || atf_fail "not CA"
	grep -q 'Digital Signature, Certificate Sign' cert.txt || atf_fail "KU"
	grep -q "Serial Number: $fs " cert.txt || atf_fail "serial"
	rm cert.txt
	cd ..

	# export the group key; nothing is written in the server's dir
	before=$(snapshot server)
	(cd server && $KG -s alpha.test -e -p serverpw) > groupkey 2>err ||
	    atf_fail "export: $(cat err)"
	[ "$before" = "$(snapshot server)" ] || atf_fail "-e changed files"
	grep -q "writing IFF parameters ntpkey_iffpar_alpha.test.$fs" err ||
	    atf_fail "no note on stderr"
	[ "$(sed -n 1p groupkey)" = "# ntpkey_iffpar_alpha.test.$fs" ] ||
	    atf_fail "export first line: $(sed -n 1p groupkey)"
	grep -q 'BEGIN DSA PRIVATE KEY' groupkey ||
	    atf_fail "export is not the traditional DSA form"
	sed 1,3d groupkey | openssl pkey -noout -text > par.txt ||
	    atf_fail "openssl cannot read the export"
	grep -q 'priv: 1 (0x1)' par.txt || atf_fail "export holds a secret"

	# client set-up (default modulus too)
	(cd client && $KG -s beta.test -H -p clientpw) 2>err ||
	    atf_fail "client set-up: $(cat err)"
	chost=$(target client/ntpkey_host_beta.test)
	ccert=$(target client/ntpkey_cert_beta.test)
	cfs=${chost##*.}
	[ "$ccert" = "ntpkey_RSA-SHA256cert_beta.test.$cfs" ] || atf_fail "ccert"
	pkey_ok client/$chost clientpw
	sed 1,3d client/$ccert | openssl x509 -noout -text > ccert.txt
	grep -q 'Subject: CN *= *beta.test' ccert.txt || atf_fail "client subject"
	if grep -q 'Trust Root' ccert.txt; then
		atf_fail "client certificate must not be trusted"
	fi

	# install the group key under the name on its first line, and link
	name=$(sed -n '1s/^# //p' groupkey)
	cp groupkey client/$name
	ln -s $name client/ntpkey_iffpar_alpha.test
	atf_check -o match:"iff: verified fs=$fs" $HELPER server alpha.test \
	    serverpw client alpha.test

	sleep 1	# a new filestamp for the update

	# monthly update on the server: new host key and certificate, old
	# files kept, links moved, IFF untouched
	(cd server && $KG -s alpha.test -T -q serverpw) 2>err ||
	    atf_fail "server update: $(cat err)"
	cd server
	host2=$(target ntpkey_host_alpha.test)
	cert2=$(target ntpkey_cert_alpha.test)
	fs2=${host2##*.}
	[ "$fs2" -gt "$fs" ] || atf_fail "update kept filestamp $fs"
	[ "$cert2" = "ntpkey_RSA-SHA256cert_alpha.test.$fs2" ] || atf_fail "cert2"
	[ -f "$host" ] && [ -f "$cert" ] || atf_fail "old files removed"
	[ "$(target ntpkey_iffkey_alpha.test)" = "$iff" ] || atf_fail "iff moved"
	pkey_ok $host2 serverpw
	sed 1,3d $cert2 | openssl x509 -noout -text | grep -q 'Trust Root' ||
	    atf_fail "updated certificate not trusted"
	cd ..
	atf_check -o match:"iff: verified fs=$fs" $HELPER server alpha.test \
	    serverpw client alpha.test

	# monthly update on the client
	(cd client && $KG -s beta.test -q clientpw) 2>err ||
	    atf_fail "client update: $(cat err)"
	chost2=$(target client/ntpkey_host_beta.test)
	[ "$chost2" != "$chost" ] && [ -f client/$chost ] ||
	    atf_fail "client update did not keep the old host key"
	[ "$(target client/ntpkey_cert_beta.test)" != "$ccert" ] ||
	    atf_fail "client certificate link not moved"
	[ "$(target client/ntpkey_iffpar_alpha.test)" = "$name" ] ||
	    atf_fail "group key link touched"
	pkey_ok client/$chost2 clientpw
	if sed 1,3d client/$chost2 | openssl pkey -passin pass:serverpw \
	    -noout 2>/dev/null; then
		atf_fail "client key readable with the wrong password"
	fi
}

atf_test_case schemes
schemes_head() {
	atf_set descr "GQ and MV: generate, export, install, exchange"
	atf_set timeout 300
	atf_set require.progs openssl
}
schemes_body() {
	mkdir server client
	(cd server && $KG -s alpha.test -T -G -V 4 -b 512 -m 1024 -p pw) \
	    2>err || atf_fail "$(cat err)"
	fs=$(target server/ntpkey_host_alpha.test); fs=${fs##*.}
	[ "$(target server/ntpkey_gqkey_alpha.test)" = \
	    "ntpkey_GQkey_alpha.test.$fs" ] || atf_fail "gq link"
	[ "$(target server/ntpkey_mvta_alpha.test)" = \
	    "ntpkey_MVta_alpha.test.$fs" ] || atf_fail "mvta link"
	[ "$(target server/ntpkey_mvkey_alpha.test)" = \
	    "ntpkey_MVkey_alpha.test.$fs" ] || atf_fail "mvkey link"
	[ "$(grep -c 'BEGIN DSA PRIVATE KEY' server/ntpkey_MVta_alpha.test.$fs)" = 6 ] ||
	    atf_fail "MVta does not hold n + 2 keys"
	pkey_ok server/ntpkey_GQkey_alpha.test.$fs pw
	# the certificate carries v in its subjectKeyIdentifier
	sed 1,3d server/ntpkey_cert_alpha.test | openssl x509 -noout -text |
	    grep -q 'Subject Key Identifier' || atf_fail "no GQ SKI"
	(cd server && $KG -s alpha.test -e -p pw) > export 2>err ||
	    atf_fail "$(cat err)"
	grep -q "^# ntpkey_gqpar_alpha.test.$fs\$" export || atf_fail "gqpar"
	grep -q "^# ntpkey_mvpar_alpha.test.$fs\$" export || atf_fail "mvpar"
	# split the export into its two files and install them
	awk -v d=client '/^# ntpkey_/ { f = d "/" substr($0, 3) } { print > f }' export
	ln -s ntpkey_gqpar_alpha.test.$fs client/ntpkey_gqpar_alpha.test
	ln -s ntpkey_mvpar_alpha.test.$fs client/ntpkey_mvpar_alpha.test
	atf_check -o match:"gq: verified" -o match:"mv: verified" \
	    $HELPER server alpha.test pw client alpha.test
}

atf_test_case reference_files
reference_files_head() {
	atf_set descr "Read reference-made keys dirs; diagnose the stock" \
	    "PKCS#8 group key export"
}
reference_files_body() {
	v=$(atf_config_get vectors "")
	[ -n "$v" ] || atf_skip "no vectors (config var 'vectors' empty)"
	# the stored vectors keep links as files naming their target
	for d in server client; do
		mkdir $d
		cp "$v"/autokey/keys/iff/$d/* $d/
		chmod u+w $d/*
		for f in $d/*; do
			t=$(cat $f)
			case $t in ntpkey_*) [ -f "$d/$t" ] &&
			    rm $f && ln -s "$t" $f ;; esac
		done
	done
	atf_check -o match:"iff: verified fs=4004649424" $HELPER server \
	    alpha.test serverpw client alpha.test
	# the reference's own export: refused with the reason and the fix
	rm client/ntpkey_iffpar_alpha.test
	cp "$v"/autokey/exports/ntpkey_iffpar_alpha.test.stock-export \
	    client/ntpkey_iffpar_alpha.test
	atf_check -s exit:1 -o match:"PKCS#8" -o match:"ntp-keygen -e" \
	    $HELPER server alpha.test serverpw client alpha.test
	# our keygen re-exports the reference server's group key correctly
	(cd server && $KG -s alpha.test -e -p serverpw) > fixed 2>err ||
	    atf_fail "$(cat err)"
	cp fixed client/ntpkey_iffpar_alpha.test
	atf_check -o match:"iff: verified fs=4004649424" $HELPER server \
	    alpha.test serverpw client alpha.test
	# ours is the same key as the vectors' hand-made working form
	sed 1,3d fixed > a
	sed 1,3d "$v"/autokey/exports/ntpkey_iffpar_alpha.test.traditional-pem > b
	cmp -s a b || atf_fail "re-export differs from traditional-pem vector"
}

atf_test_case rekey
rekey_head() {
	atf_set descr "-q old -p new writes the identity keys kept again" \
	    "under the new password, same names and filestamps, so one" \
	    "password opens the directory and the group keys still fit"
	atf_set require.progs openssl
}
rekey_body() {
	mkdir s
	(cd s && $KG -s alpha.test -T -I -G -V 2 -b 512 -m 512 -p old) \
	    2>err || atf_fail "$(cat err)"
	(cd s && $KG -s alpha.test -e -p old) > export 2>err ||
	    atf_fail "$(cat err)"
	mkdir c
	awk '/^# ntpkey_/ { f = "c/" substr($0, 3) } { print > f }' export
	for f in c/ntpkey_*; do ln -s "${f#c/}" "${f%.*}"; done
	links="iffkey gqkey mvta mvkey"
	for l in $links; do
		eval "old_$l=\$(target s/ntpkey_${l}_alpha.test)"
	done
	(cd s && $KG -s alpha.test -T -q old -p new -m 512) 2>err ||
	    atf_fail "$(cat err)"
	for l in host $links; do
		pkey_ok s/ntpkey_${l}_alpha.test new
	done
	for l in $links; do
		eval "t=\$old_$l"
		[ "$(target s/ntpkey_${l}_alpha.test)" = "$t" ] ||
		    atf_fail "$l: name or filestamp changed"
	done
	atf_check -o match:"iff: verified" -o match:"gq: verified" \
	    -o match:"mv: verified" $HELPER s alpha.test new c alpha.test
	atf_check -o ignore -e ignore -x "cd s && $KG -s alpha.test -e -p new"
}

atf_test_case stock_mv
stock_mv_head() {
	atf_set descr "a reference MV set that lost its public values does" \
	    "not stop the monthly update (a warning); -e says why it fails"
}
stock_mv_body() {
	v=$(atf_config_get vectors "")
	[ -n "$v" ] || atf_skip "no vectors (config var 'vectors' empty)"
	mkdir s
	cp "$v"/autokey/keys/mv/server/* s/
	chmod u+w s/*
	for f in s/*; do
		t=$(cat $f)
		case $t in ntpkey_*) [ -f "s/$t" ] && rm $f && ln -s "$t" $f ;; esac
	done
	(cd s && $KG -s alpha.test -T -q serverpw -m 512) 2>err ||
	    atf_fail "update: $(tr '\n' ' ' < err)"
	grep -q 'warning: ntpkey_mvta_alpha.test: .*public value was lost.*MV left out' \
	    err || atf_fail "no warning: $(tr '\n' ' ' < err)"
	[ "$(target s/ntpkey_host_alpha.test)" != \
	    ntpkey_RSAhost_alpha.test.4004649437 ] || atf_fail "no new host key"
	pkey_ok s/ntpkey_host_alpha.test serverpw
	(cd s && $KG -s alpha.test -e -p serverpw) > out 2>err &&
	    atf_fail "-e of a lost MV set succeeded"
	[ "$(wc -l < err)" = 1 ] || atf_fail "$(cat err)"
	grep -q '^ntp-keygen: ntpkey_mvta_alpha.test: .*lost' err ||
	    atf_fail "$(cat err)"
	[ -s out ] && atf_fail "-e wrote to stdout"
	# a new password: the lost set is written again as it is, so the
	# one password still opens every file
	(cd s && $KG -s alpha.test -T -q serverpw -p newpw -m 512) 2>err ||
	    atf_fail "re-encryption: $(tr '\n' ' ' < err)"
	for l in host mvta mvkey; do
		pkey_ok s/ntpkey_${l}_alpha.test newpw
	done
	[ "$(target s/ntpkey_mvta_alpha.test)" = \
	    ntpkey_MVta_alpha.test.4004649437 ] || atf_fail "MVta name"
	atf_check -s exit:1 -e match:"ntpkey_mvta_alpha.test: .*lost" \
	    -x "cd s && $KG -s alpha.test -e -p newpw"
}

atf_test_case errors
errors_head() {
	atf_set descr "Wrong password, missing files, conflicting options:" \
	    "one line naming the file, exit non-zero, nothing written"
	atf_set timeout 300
}
errors_body() {
	mkdir s empty
	(cd s && $KG -s alpha.test -T -I -b 512 -m 1024 -p serverpw) 2>/dev/null ||
	    atf_fail "set-up"
	before=$(snapshot s)

	# wrong password: export, update, plain run
	for args in "-e -p wrong" "-T -q wrong" "-p wrong" "-H -p wrong"; do
		(cd s && $KG -s alpha.test $args) >out 2>err &&
		    atf_fail "$args: succeeded"
		[ "$(wc -l < err)" = 1 ] || atf_fail "$args: $(cat err)"
		grep -q 'ntpkey_host_alpha.test: cannot decrypt.*wrong password' err ||
		    atf_fail "$args: $(cat err)"
		[ -s out ] && atf_fail "$args: wrote to stdout"
		[ "$before" = "$(snapshot s)" ] || atf_fail "$args: files changed"
	done
	# missing host key for an update or an export; missing parameters
	atf_check -s not-exit:0 -e match:"empty/ntpkey_host_alpha.test: missing" \
	    -x "cd empty && $KG -s alpha.test -T -q pw"
	atf_check -s not-exit:0 -e match:"ntpkey_host_alpha.test: missing" \
	    -x "cd empty && $KG -s alpha.test -e -p pw"
	[ -z "$(ls empty)" ] || atf_fail "files written in empty/"
	mkdir c
	(cd c && $KG -s beta.test -m 1024 -p pw) 2>/dev/null || atf_fail "client"
	atf_check -s not-exit:0 -e match:"nothing to export.*ntpkey_iffkey_beta.test" \
	    -x "cd c && $KG -s beta.test -e -p pw"

	# conflicting and bad options
	atf_check -s not-exit:0 -e match:"-T.*-P" $KG -T -P
	atf_check -s not-exit:0 -e match:"-M" $KG -M -H
	atf_check -s not-exit:0 -e match:"conflicts" $KG -s a@x -i y
	atf_check -s not-exit:0 -e match:"RSA or DSA" $KG -S EC
	atf_check -s not-exit:0 -e match:"-m bits" $KG -m 100
	atf_check -s not-exit:0 -e match:"-V nkeys" $KG -V 1
	atf_check -s not-exit:0 -e match:"scheme" $KG -c NOPE
	atf_check -s not-exit:0 -e match:"usage" $KG -Z
	atf_check -s not-exit:0 -e match:"unexpected argument" $KG extra
	atf_check -s not-exit:0 -e match:"unusable host name" $KG -s ../x
	[ -z "$(ls empty)" ] || atf_fail "files written"

	# unwritable directory
	mkdir ro
	chmod 555 ro
	if [ "$(id -u)" = 0 ]; then
		command -v unshare >/dev/null ||
		    atf_skip "root without unshare: cannot make ro/ unwritable"
		unshare -m true 2>/dev/null ||
		    atf_skip "root and no mount namespace: cannot make ro/ unwritable"
		atf_check -s not-exit:0 -e match:"cannot write in .*/ro" -x \
		    "unshare -m sh -c 'mount --bind ro ro && mount -o remount,bind,ro ro && cd ro && $KG -s a.test -H -p pw'"
	else
		atf_check -s not-exit:0 -e match:"cannot write in .*/ro" \
		    -x "cd ro && $KG -s a.test -H -p pw"
	fi
	[ -z "$(ls ro)" ] || atf_fail "files written in ro/"
}

atf_test_case md5keys
md5keys_head() {
	atf_set descr "-M: the symmetric keys file and its ntp.keys link"
}
md5keys_body() {
	atf_check -s exit:0 -e ignore $KG -s alpha.test -M
	t=$(target ntp.keys)
	case $t in ntpkey_MD5key_alpha.test.*) ;; *) atf_fail "link $t" ;; esac
	[ "$(mode $t)" = 600 ] || atf_fail "mode"
	[ "$(grep -c '^ *[0-9]* MD5 [!-~]\{20\}  # MD5 key$' $t)" = 10 ] ||
	    atf_fail "MD5 lines"
	[ "$(grep -c '^[0-9]* SHA1 [0-9a-f]\{40\}  # SHA1 key$' $t)" = 10 ] ||
	    atf_fail "SHA1 lines"
	if sed 1,3d $t | cut -c8-27 | grep -q '#'; then
		atf_fail "a key contains #"
	fi
}

atf_test_case help
help_head() {
	atf_set descr "-h/--help, and the man page documents every option"
}
help_body() {
	atf_check -s exit:0 -o match:"^usage: ntp-keygen" $KG -h
	atf_check -s exit:0 -o match:"^usage: ntp-keygen" $KG --help
	src=$(atf_config_get srcdir "")
	[ -n "$src" ] || atf_skip "no srcdir config var"
	man=$src/keyd/ntp-keygen.8
	for o in $($KG -h | sed -n 's/^  -\([A-Za-z]\).*/\1/p'); do
		grep -q "^\.It Fl $o" $man || atf_fail "-$o missing in the man page"
	done
	for o in $(sed -n 's/^\.It Fl \([A-Za-z]\).*/\1/p' $man); do
		$KG -h | grep -q "^  -$o" || atf_fail "-$o not in --help"
	done
}

atf_init_test_cases() {
	atf_add_test_case guide
	atf_add_test_case schemes
	atf_add_test_case reference_files
	atf_add_test_case rekey
	atf_add_test_case stock_mv
	atf_add_test_case errors
	atf_add_test_case md5keys
	atf_add_test_case help
}
