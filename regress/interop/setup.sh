#!/bin/sh
#
# Copyright (c) 2026 The sealntp developers.
# SPDX-License-Identifier: ISC
#
# Prepare the third-party peers for the interop tests (needs root).
#
# chrony and ntpsec-ntpdig are ordinary packages (.ci/deps.sh installs
# them).  ntpsec's ntpd cannot be installed beside chrony: both packages
# provide time-daemon and conflict.  So its .deb is fetched with
# `apt-get download` and unpacked with `dpkg -x` into a cache folder
# (never configured, never started as a service); the tests run
# $dir/usr/sbin/ntpd from there.  Its libraries (libssl3, libbsd0,
# libcap2) are on every machine that builds sealntp.
#
# usage: setup.sh [dir]	(default /var/cache/sealntp-test/ntpsec)
# Exit 0 when $dir/usr/sbin/ntpd runs; otherwise 1 with one line saying why.

set -u
dir=${1:-${SEAL_NTPSEC_DIR:-/var/cache/sealntp-test/ntpsec}}

if [ -x "$dir/usr/sbin/ntpd" ] && "$dir/usr/sbin/ntpd" --version \
    >/dev/null 2>&1; then
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "setup.sh: ntpsec not unpacked in $dir and not root" >&2
	exit 1
fi
command -v apt-get >/dev/null && command -v dpkg >/dev/null || {
	echo "setup.sh: no apt-get/dpkg: cannot fetch ntpsec" >&2
	exit 1
}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
# _apt cannot write into a root-owned mktemp folder: download as root.
fetch() {
	(cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root \
	    ntpsec >/dev/null 2>&1)
}
if ! fetch; then
	# the package lists may be missing or stale on a fresh machine
	apt-get update -qq >/dev/null 2>&1
	fetch || {
		echo "setup.sh: apt-get download ntpsec failed" >&2
		exit 1
	}
fi
deb=$(ls "$tmp"/ntpsec_*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || { echo "setup.sh: no ntpsec .deb downloaded" >&2; exit 1; }
rm -rf "$dir.new"
mkdir -p "$dir.new" && dpkg -x "$deb" "$dir.new" || {
	echo "setup.sh: dpkg -x failed" >&2
	exit 1
}
rm -rf "$dir"
mv "$dir.new" "$dir"
if ! "$dir/usr/sbin/ntpd" --version >/dev/null 2>&1; then
	echo "setup.sh: unpacked ntpsec ntpd does not run" \
	    "(missing libraries?)" >&2
	exit 1
fi
echo "setup.sh: ntpsec $("$dir/usr/sbin/ntpd" --version 2>&1 | head -1) in $dir"
