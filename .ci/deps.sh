#!/bin/sh
# Install the Debian packages that building and testing sealntp need, if
# any is missing.  Quiet when everything is there.
pkgs="build-essential pkg-config libssl-dev libsodium-dev libbsd-dev
libseccomp-dev kyua atf-sh libatf-dev clang libclang-rt-14-dev cppcheck
iproute2 util-linux procps openssl python3"
# Third-party NTP peers for regress/interop and mode6 (chrony; ntpsec's
# ntpdig and the python module its ntpq needs; its
# ntpd, which conflicts with chrony, is unpacked by setup.sh into a
# cache folder).  Not fatal: without them those tests skip and say why.
# No service may start on install (it would discipline this machine's
# clock): a policy-rc.d that forbids it is put in place if none exists.
peers() {
	[ "$(id -u)" -eq 0 ] || return 0
	pm=
	for p in chrony ntpsec-ntpdig python3-ntp; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		    grep -q 'install ok installed' || pm="$pm $p"
	done
	if [ -n "$pm" ]; then
		echo "installing test peers:$pm"
		prc=
		if [ ! -e /usr/sbin/policy-rc.d ]; then
			printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
			chmod 755 /usr/sbin/policy-rc.d
			prc=1
		fi
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		    -o DPkg::Lock::Timeout=120 $pm >/dev/null 2>&1 ||
		    { apt-get update -qq >/dev/null 2>&1 &&
		    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		    -o DPkg::Lock::Timeout=120 $pm >/dev/null 2>&1; } ||
		    echo "note: could not install$pm; interop tests will skip" >&2
		[ -n "$prc" ] && rm -f /usr/sbin/policy-rc.d
	fi
	sh "$(dirname "$0")/../regress/interop/setup.sh" >/dev/null ||
	    echo "note: ntpsec not unpacked; its interop test will skip" >&2
	return 0
}
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
	    missing="$missing $p"
done
if [ -z "$missing" ]; then
	[ "$(id -u)" -eq 0 ] && sh "$(dirname "$0")/../etc/create-users.sh"
	peers
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
peers
exit 0
