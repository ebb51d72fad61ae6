#! /usr/bin/env atf-sh
#
# Copyright (c) 2026 The sealntp developers.
# SPDX-License-Identifier: ISC
#
# Key directories shared with the reference ntp-keygen 4.2.8 (p18, built
# with Autokey): each tool updates and exports from a directory the
# other made, and each reads what the other wrote.  The reference build
# is not part of this project: without it (default /opt/refntp, kyua
# variable "refntp") every case skips and says why.
#
# The reference differs in ways these cases work around, not test:
#   - its -q is the password of keys exported to stdout, not the one to
#     read the directory with; that is -p, whose default is the name
#     gethostname() returns.  So its runs here always give -p, and its
#     "monthly update" is -T -p (a new certificate) or -T -H -p (also a
#     new host key).  Its "-q new -p old" exports the identity server
#     keys re-encrypted with "new".
#   - its group name defaults to gethostname() too, so server runs give
#     -i alpha.test, which makes its certificate subject
#     alpha.test@alpha.test.
#   - a file it reuses lends its filestamp to the certificate it writes,
#     so its certificate may replace an older one of the same name.
#   - its -e writes PKCS#8, which loses the IFF and MV public values:
#     sealntp reads such a file and says why it cannot be used.
# Each tool writes files named by the current second: "sleep 1" before
# a run that must make new names.

KG=@BUILD@/ntp-keygen
HELPER=@BUILD@/regress/keygen/ident_helper

# the reference, or a skip saying why not
ref_need() {
	refntp=$(atf_config_get refntp /opt/refntp)
	REF=$refntp/sbin/ntp-keygen
	[ -x "$REF" ] || atf_skip "no reference ntp-keygen at $REF (build" \
	    "4.2.8p18 with Autokey there, outside the repository; see" \
	    "README, Interoperability)"
	command -v openssl >/dev/null 2>&1 || atf_skip "openssl not installed"
	# its random seed and option files: only this case's own
	HOME=$(pwd)
	RANDFILE=$(pwd)/.rnd
	export HOME RANDFILE
}

# ref DIR ARGS...: the reference in DIR; its output in DIR.out/DIR.err
ref() {
	d=$1
	shift
	(cd "$d" && "$REF" "$@") > "$d.out" 2> "$d.err" ||
	    atf_fail "reference ntp-keygen $* in $d:" \
	    "$(tail -n 3 "$d.err" | tr '\n' ' ')"
}

# kg DIR ARGS...: ours in DIR; its stdout in DIR.out, stderr in DIR.err
kg() {
	d=$1
	shift
	(cd "$d" && "$KG" "$@") > "$d.out" 2> "$d.err" ||
	    atf_fail "ntp-keygen $* in $d: $(tr '\n' ' ' < "$d.err")"
}

# target of a link, failing if it is not one
target() {
	[ -L "$1" ] || atf_fail "$1 is not a symbolic link"
	readlink "$1"
}

# pkey_ok FILE PW: OpenSSL's own tool decrypts the key
pkey_ok() {
	openssl pkey -in "$1" -passin "pass:$2" -noout 2>/dev/null ||
	    atf_fail "openssl pkey cannot read $1 with password $2"
}

# cert_ok DIR HOST PW: the certificate parses and holds the host key
cert_ok() {
	openssl x509 -in "$1/ntpkey_cert_$2" -noout -pubkey > cert.pub ||
	    atf_fail "openssl x509 cannot read $1/ntpkey_cert_$2"
	openssl pkey -in "$1/ntpkey_host_$2" -passin "pass:$3" -pubout \
	    > host.pub || atf_fail "cannot read $1/ntpkey_host_$2"
	cmp -s cert.pub host.pub ||
	    atf_fail "$1: the certificate does not hold the host key"
}

# install_export EXPORT DIR: save each file of an -e export under the name on
# its first line, and link the group name to it
install_export() {
	mkdir -p "$2"
	awk -v d="$2" '/^# ntpkey_/ { f = d "/" substr($0, 3) } { print > f }' \
	    "$1"
	for n in $(sed -n 's/^# \(ntpkey_[a-z]*par_.*\)/\1/p' "$1"); do
		ln -sf "$n" "$2/${n%.*}"
	done
}

# pqg FILE: the DSA domain of a key, to compare two tools' exports
pqg() {
	openssl pkey -in "$1" -noout -text | sed -n '/^P:/,$p'
}

# vcopy DIR VECTORDIR: a vector keys dir, whose links are stored as
# small files naming their target, made a real one
vcopy() {
	mkdir "$1"
	cp "$2"/* "$1"/
	chmod u+w "$1"/*
	for f in "$1"/*; do
		t=$(cat "$f")
		case $t in ntpkey_*) [ -f "$1/$t" ] && rm "$f" &&
		    ln -s "$t" "$f" ;; esac
	done
}

atf_test_case ours_iff_ref
ours_iff_ref_head() {
	atf_set descr "our IFF server directory: the reference renews its" \
	    "certificate and host key, exports the group key and the" \
	    "re-encrypted IFF key from it; we read every result"
	atf_set timeout 60
}
ours_iff_ref_body() {
	ref_need
	mkdir s
	kg s -s alpha.test -T -I -m 512 -b 512 -p serverpw
	iff=$(target s/ntpkey_iffkey_alpha.test)
	fs=${iff##*.}
	kg s -s alpha.test -e -p serverpw
	install_export s.out c

	# the reference's update: it reads our host key and IFF key
	ref s -s alpha.test -i alpha.test -T -p serverpw
	grep -q "Using host key ntpkey_RSAhost_alpha.test.$fs" s.err ||
	    atf_fail "the reference did not reuse our host key"
	grep -q "Using IFF keys $iff" s.err ||
	    atf_fail "the reference did not read our IFF key"
	cert_ok s alpha.test serverpw
	atf_check -o match:"server: alpha.test@alpha.test fs=$fs trusted" \
	    -o match:"iff: verified fs=$fs" \
	    $HELPER s alpha.test serverpw c alpha.test

	# its new host key: link moved, our IFF key kept
	sleep 1
	ref s -s alpha.test -i alpha.test -T -H -m 512 -p serverpw
	host=$(target s/ntpkey_host_alpha.test)
	[ "${host##*.}" -gt "$fs" ] || atf_fail "host link not moved: $host"
	[ "$(target s/ntpkey_iffkey_alpha.test)" = "$iff" ] ||
	    atf_fail "IFF link moved"
	pkey_ok "s/$host" serverpw
	cert_ok s alpha.test serverpw
	atf_check -o match:"iff: verified fs=$fs" \
	    $HELPER s alpha.test serverpw c alpha.test

	# its group key export: our parameters, less the public value
	ref s -s alpha.test -i alpha.test -e -p serverpw
	cp s.out refexport
	[ "$(sed -n 1p refexport)" = "# ntpkey_iffpar_alpha.test.$fs" ] ||
	    atf_fail "reference export names $(sed -n 1p refexport)"
	[ "$(pqg refexport)" = "$(pqg c/ntpkey_iffpar_alpha.test)" ] ||
	    atf_fail "the reference exported other IFF parameters"
	install_export refexport stock
	atf_check -s exit:1 -o match:"public value was lost" \
	    $HELPER s alpha.test serverpw stock alpha.test

	# its re-encrypted IFF key, installed with a host key under the
	# same new password: we read both and the group key still fits
	ref s -s alpha.test -i alpha.test -q newpw -p serverpw
	[ "$(sed -n 1p s.out)" = "# ntpkey_iffkey_alpha.test.$fs" ] ||
	    atf_fail "reference IFF key export names $(sed -n 1p s.out)"
	pkey_ok s.out newpw
	mkdir n
	cp s.out "n/ntpkey_iffkey_alpha.test.$fs"
	ln -s "ntpkey_iffkey_alpha.test.$fs" n/ntpkey_iffkey_alpha.test
	{ sed -n 1,3p "s/$host"; openssl pkey -in "s/$host" \
	    -passin pass:serverpw -aes256 -passout pass:newpw; } > "n/$host"
	ln -s "$host" n/ntpkey_host_alpha.test
	cp -P s/ntpkey_cert_alpha.test "s/$(target s/ntpkey_cert_alpha.test)" n/
	atf_check -o match:"iff: verified fs=$fs" \
	    $HELPER n alpha.test newpw c alpha.test

	# and our own update of the directory the reference touched last
	sleep 1
	kg s -s alpha.test -T -q serverpw -m 512
	[ "$(target s/ntpkey_host_alpha.test)" != "$host" ] ||
	    atf_fail "our update did not move the host link"
	cert_ok s alpha.test serverpw
	atf_check -o match:"server: alpha.test@alpha.test .* trusted" \
	    -o match:"iff: verified fs=$fs" \
	    $HELPER s alpha.test serverpw c alpha.test
}

atf_test_case ours_client_ref
ours_client_ref_head() {
	atf_set descr "our client directory: the reference renews the" \
	    "certificate and the host key, we update after it, and it" \
	    "reads our update"
	atf_set timeout 60
}
ours_client_ref_body() {
	ref_need
	mkdir c
	kg c -s beta.test -H -m 512 -p clientpw
	host=$(target c/ntpkey_host_beta.test)
	fs=${host##*.}

	ref c -s beta.test -p clientpw
	grep -q "Using host key $host" c.err ||
	    atf_fail "the reference did not reuse our host key"
	cert_ok c beta.test clientpw

	sleep 1
	ref c -s beta.test -H -m 512 -p clientpw
	host2=$(target c/ntpkey_host_beta.test)
	[ "${host2##*.}" -gt "$fs" ] || atf_fail "host link not moved"
	[ "$(target c/ntpkey_cert_beta.test)" = \
	    "ntpkey_RSA-SHA256cert_beta.test.${host2##*.}" ] ||
	    atf_fail "cert link: $(target c/ntpkey_cert_beta.test)"
	pkey_ok "c/$host2" clientpw
	cert_ok c beta.test clientpw
	if openssl x509 -in c/ntpkey_cert_beta.test -noout -text |
	    grep -q 'Trust Root'; then
		atf_fail "client certificate trusted"
	fi

	# our monthly update reads the reference's host key
	sleep 1
	kg c -s beta.test -q clientpw -m 512
	host3=$(target c/ntpkey_host_beta.test)
	[ "${host3##*.}" -gt "${host2##*.}" ] || atf_fail "our update: $host3"
	[ -f "c/$host" ] && [ -f "c/$host2" ] || atf_fail "old keys removed"
	pkey_ok "c/$host3" clientpw
	cert_ok c beta.test clientpw

	# and the reference reads ours
	ref c -s beta.test -p clientpw
	grep -q "Using host key $host3" c.err ||
	    atf_fail "the reference did not read our updated host key"
	cert_ok c beta.test clientpw
}

atf_test_case ref_iff_ours
ref_iff_ours_head() {
	atf_set descr "a reference IFF server directory: our monthly" \
	    "update and group key export from it, our re-encryption, and" \
	    "the reference reading the result"
	atf_set timeout 60
}
ref_iff_ours_body() {
	ref_need
	mkdir s
	ref s -s alpha.test -i alpha.test -T -I -m 512 -b 512 -p serverpw
	iff=$(target s/ntpkey_iffkey_alpha.test)
	host=$(target s/ntpkey_host_alpha.test)
	fs=${iff##*.}

	sleep 1
	kg s -s alpha.test -T -q serverpw -m 512
	host2=$(target s/ntpkey_host_alpha.test)
	fs2=${host2##*.}
	[ "$fs2" -gt "$fs" ] || atf_fail "host link not moved: $host2"
	[ -f "s/$host" ] || atf_fail "old host key removed"
	[ "$(target s/ntpkey_iffkey_alpha.test)" = "$iff" ] ||
	    atf_fail "IFF link moved"
	# the reference's scheme and subject carry over
	[ "$(target s/ntpkey_cert_alpha.test)" = \
	    "ntpkey_RSA-MD5cert_alpha.test.$fs2" ] ||
	    atf_fail "cert link: $(target s/ntpkey_cert_alpha.test)"
	openssl x509 -in s/ntpkey_cert_alpha.test -noout -subject |
	    grep -q 'alpha.test@alpha.test' || atf_fail "subject changed"
	pkey_ok "s/$host2" serverpw
	cert_ok s alpha.test serverpw

	kg s -s alpha.test -e -p serverpw
	[ "$(sed -n 1p s.out)" = "# ntpkey_iffpar_alpha.test.$fs" ] ||
	    atf_fail "export names $(sed -n 1p s.out)"
	grep -q 'BEGIN DSA PRIVATE KEY' s.out || atf_fail "not traditional"
	install_export s.out c
	atf_check -o match:"iff: verified fs=$fs" \
	    $HELPER s alpha.test serverpw c alpha.test

	# the reference reads our new host key and exports the same domain
	ref s -s alpha.test -i alpha.test -e -p serverpw
	grep -q "Using host key $host2" s.err ||
	    atf_fail "the reference did not read our host key"
	grep -q "Using IFF keys $iff" s.err || atf_fail "IFF not read"
	[ "$(pqg s.out)" = "$(pqg c/ntpkey_iffpar_alpha.test)" ] ||
	    atf_fail "the two exports differ in p, q, g"

	# -q old -p new: every key the directory needs opens with "new",
	# the IFF key keeps its filestamp, and the reference agrees
	sleep 1
	kg s -s alpha.test -T -q serverpw -p newpw -m 512
	pkey_ok s/ntpkey_host_alpha.test newpw
	pkey_ok s/ntpkey_iffkey_alpha.test newpw
	[ "$(target s/ntpkey_iffkey_alpha.test)" = \
	    "ntpkey_IFFkey_alpha.test.$fs" ] || atf_fail "IFF link"
	atf_check -o match:"iff: verified fs=$fs" \
	    $HELPER s alpha.test newpw c alpha.test
	ref s -s alpha.test -i alpha.test -e -p newpw
	grep -q "Using IFF keys ntpkey_IFFkey_alpha.test.$fs" s.err ||
	    atf_fail "the reference cannot read the re-encrypted IFF key"
}

atf_test_case ref_vectors_ours
ref_vectors_ours_head() {
	atf_set descr "the stored reference server directories (IFF, GQ," \
	    "stock MV, traditional MV): our update and export, the" \
	    "vectors' clients still verify, the reference reads the result"
	atf_set timeout 60
}
ref_vectors_ours_body() {
	ref_need
	v=$(atf_config_get vectors "")
	[ -n "$v" ] && [ -d "$v/autokey/keys" ] ||
	    atf_skip "no vectors (config var 'vectors' empty)"
	for s in iff gq mv mv-traditional; do
		vcopy "$s" "$v/autokey/keys/$s/server"
		vcopy "$s-c" "$v/autokey/keys/$s/client"
		kg "$s" -s alpha.test -T -q serverpw -m 512
		cp "$s.err" "$s.update.err"
		host=$(target "$s/ntpkey_host_alpha.test")
		[ "${host##*.}" -gt 4004651491 ] || atf_fail "$s: $host"
		pkey_ok "$s/$host" serverpw
		cert_ok "$s" alpha.test serverpw
		# the reference reads our host key in its own directory
		ref "$s" -s alpha.test -i alpha.test -T -p serverpw
		grep -q "Using host key $host" "$s.err" ||
		    atf_fail "$s: the reference did not read our host key"
	done
	# the stock MV set has lost its public values: the update warned
	# and went on; an export has nothing else to offer and says why
	grep -q "warning: ntpkey_mvta_alpha.test: .*public value was lost" \
	    mv.update.err || atf_fail "no MV warning in mv.update.err"
	atf_check -s exit:1 -e match:"ntpkey_mvta_alpha.test: .*lost" \
	    -x "cd mv && $KG -s alpha.test -e -p serverpw"
	for s in iff gq; do
		kg "$s" -s alpha.test -e -p serverpw
		install_export "$s.out" "$s-ours"
	done
	atf_check -o match:"iff: verified fs=4004649424" \
	    $HELPER iff alpha.test serverpw iff-c alpha.test
	atf_check -o match:"iff: verified fs=4004649424" \
	    $HELPER iff alpha.test serverpw iff-ours alpha.test
	atf_check -o match:"gq: verified fs=4004649436" \
	    $HELPER gq alpha.test serverpw gq-c alpha.test
	atf_check -o match:"gq: verified fs=4004649436" \
	    $HELPER gq alpha.test serverpw gq-ours alpha.test
	atf_check -o match:"mv: verified fs=4004651491" \
	    $HELPER mv-traditional alpha.test serverpw mv-traditional-c \
	    alpha.test
}

atf_test_case ours_gq_mv_ref
ours_gq_mv_ref_head() {
	atf_set descr "our GQ and MV server directory: the reference reads" \
	    "both, exports their group keys and server keys; its GQ group" \
	    "key works with us, its MV one is diagnosed"
	atf_set timeout 60
}
ours_gq_mv_ref_body() {
	ref_need
	mkdir s
	kg s -s alpha.test -T -G -V 3 -m 512 -b 512 -p serverpw
	gq=$(target s/ntpkey_gqkey_alpha.test)
	mv=$(target s/ntpkey_mvta_alpha.test)
	fs=${gq##*.}

	ref s -s alpha.test -i alpha.test -T -p serverpw
	grep -q "Using GQ parameters $gq" s.err || atf_fail "GQ not read"
	grep -q "Using MV keys $mv" s.err || atf_fail "MV not read"
	cert_ok s alpha.test serverpw
	# its certificate carries the same GQ public value as ours
	openssl x509 -in "s/ntpkey_cert_alpha.test" -noout -text |
	    grep -q 'Subject Key Identifier' || atf_fail "no GQ SKI"

	ref s -s alpha.test -i alpha.test -e -p serverpw
	grep -q "^# ntpkey_gqpar_alpha.test.$fs\$" s.out || atf_fail "gqpar"
	grep -q "^# ntpkey_mvpar_alpha.test.$fs\$" s.out || atf_fail "mvpar"
	install_export s.out stock
	atf_check -s exit:1 -o match:"gq: verified fs=$fs" \
	    -o match:"mv: .*public value was lost" \
	    $HELPER s alpha.test serverpw stock alpha.test

	ref s -s alpha.test -i alpha.test -q newpw -p serverpw
	grep -q "^# ntpkey_gqkey_alpha.test.$fs\$" s.out || atf_fail "gqkey"
	grep -q "^# ntpkey_mvkey_alpha.test.$fs\$" s.out || atf_fail "mvkey"
	awk '/^# ntpkey_gqkey/ { p = 1 } /^# ntpkey_mvkey/ { p = 0 } p' \
	    s.out > gqkey
	pkey_ok gqkey newpw

	# our export after the reference's runs, and our update
	kg s -s alpha.test -e -p serverpw
	install_export s.out c
	atf_check -o match:"gq: verified fs=$fs" -o match:"mv: verified fs=$fs" \
	    $HELPER s alpha.test serverpw c alpha.test
	sleep 1
	kg s -s alpha.test -T -q serverpw -m 512
	cert_ok s alpha.test serverpw
	atf_check -o match:"gq: verified fs=$fs" -o match:"mv: verified fs=$fs" \
	    $HELPER s alpha.test serverpw c alpha.test
}

atf_test_case ref_gq_mv_ours
ref_gq_mv_ours_head() {
	atf_set descr "a reference GQ and MV server directory: our update" \
	    "(its MV set cannot be used: a warning), our GQ export works," \
	    "the reference reads our update"
	atf_set timeout 60
}
ref_gq_mv_ours_body() {
	ref_need
	mkdir s
	ref s -s alpha.test -i alpha.test -T -G -V 3 -m 512 -b 512 -p serverpw
	gq=$(target s/ntpkey_gqkey_alpha.test)
	fs=${gq##*.}
	target s/ntpkey_mvta_alpha.test > /dev/null

	sleep 1
	kg s -s alpha.test -T -q serverpw -m 512
	grep -q "warning: ntpkey_mvta_alpha.test: .*lost.*MV left out" s.err ||
	    atf_fail "no MV warning: $(tr '\n' ' ' < s.err)"
	host=$(target s/ntpkey_host_alpha.test)
	[ "${host##*.}" -gt "$fs" ] || atf_fail "host link not moved"
	[ "$(target s/ntpkey_gqkey_alpha.test)" = "$gq" ] || atf_fail "GQ moved"
	pkey_ok "s/$host" serverpw
	cert_ok s alpha.test serverpw

	kg s -s alpha.test -e -p serverpw
	grep -q "^# ntpkey_gqpar_alpha.test.$fs\$" s.out || atf_fail "gqpar"
	if grep -q mvpar s.out; then
		atf_fail "exported the unusable MV set"
	fi
	install_export s.out c
	atf_check -o match:"gq: verified fs=$fs" \
	    $HELPER s alpha.test serverpw c alpha.test

	ref s -s alpha.test -i alpha.test -e -p serverpw
	grep -q "Using host key $host" s.err ||
	    atf_fail "the reference did not read our host key"
	grep -q "^# ntpkey_gqpar_alpha.test.$fs\$" s.out ||
	    atf_fail "reference gqpar after our update"
	install_export s.out refc
	rm -f refc/ntpkey_mvpar_alpha.test*
	atf_check -o match:"gq: verified fs=$fs" \
	    $HELPER s alpha.test serverpw refc alpha.test

	# our re-encryption: the reference opens every file with "newpw"
	kg s -s alpha.test -T -q serverpw -p newpw -m 512
	ref s -s alpha.test -i alpha.test -e -p newpw
	grep -q "Using GQ parameters ntpkey_GQkey_alpha.test.$fs" s.err ||
	    atf_fail "the reference cannot read the re-encrypted GQ key"
	grep -q "Using MV keys ntpkey_MVta_alpha.test.$fs" s.err ||
	    atf_fail "the reference cannot read the re-encrypted MV keys"
	atf_check -o match:"gq: verified fs=$fs" \
	    $HELPER s alpha.test newpw c alpha.test
}

atf_init_test_cases() {
	atf_add_test_case ours_iff_ref
	atf_add_test_case ours_client_ref
	atf_add_test_case ref_iff_ours
	atf_add_test_case ref_vectors_ours
	atf_add_test_case ours_gq_mv_ref
	atf_add_test_case ref_gq_mv_ours
}
