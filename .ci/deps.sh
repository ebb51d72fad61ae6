#!/bin/sh
# Install the Debian packages that building and testing sealntp need, if
# any is missing.  Quiet when everything is there.
pkgs="build-essential pkg-config libssl-dev libsodium-dev libbsd-dev
libseccomp-dev kyua atf-sh libatf-dev clang libclang-rt-14-dev cppcheck
iproute2 util-linux procps openssl"
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
	    missing="$missing $p"
done
if [ -z "$missing" ]; then
	[ "$(id -u)" -eq 0 ] && sh "$(dirname "$0")/../etc/create-users.sh"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "missing Debian packages:$missing (run as root, or install them)" >&2
	exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null && apt-get install -y -qq $missing >/dev/null ||
    { echo "apt-get install failed for:$missing" >&2; exit 1; }
# The daemon's users and chroot directory, for the demo and the tests.
[ "$(id -u)" -eq 0 ] && sh "$(dirname "$0")/../etc/create-users.sh"
exit 0
