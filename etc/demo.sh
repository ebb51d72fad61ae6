#!/bin/sh
# Copyright (c) 2026 The sealntp developers.
# SPDX-License-Identifier: ISC
#
# make demo: the NTP project's Autokey guide with the IFF identity
# scheme ("6.7. Autokey Configuration for NTP stable releases"), step
# by step, with sealntp's own programs.  Two hosts on loopback:
#
#	alpha.test	the trusted server of the group "alpha.test"
#	beta.test	a client of the group
#
# each with its own temporary keys directory and configuration, both
# daemons with the system clock left alone (-x), on unprivileged ports.
# It waits until the client's association is authenticated, shows the
# guide's monitoring views with ntpctl, then stops both and removes
# everything it made.
#
# Usage: sh etc/demo.sh [BUILD]   (as root; otherwise the daemons run
# with -U, the loudly insecure development mode without chroot or user
# change)
# Environment: DEMO_SERVER_PORT (11123), DEMO_CLIENT_PORT (11124),
# DEMO_TIMEOUT (30 s), DEMO_KEEP=1 keeps the work directory.
set -u
build=${1:-build}
case $build in /*) ;; *) build=$(pwd)/$build ;; esac
sport=${DEMO_SERVER_PORT:-11123}
cport=${DEMO_CLIENT_PORT:-11124}
timeout=${DEMO_TIMEOUT:-30}
for p in ntpd ntpctl ntp-keygen ntp-keyd; do
	[ -x "$build/$p" ] || { echo "demo: $build/$p missing (make)" >&2; exit 1; }
done

work=$(mktemp -d /tmp/sealntp-demo.XXXXXX) || exit 1
flags=-x
if [ "$(id -u)" -ne 0 ]; then
	echo "demo: not root: the children cannot chroot or change user;"
	echo "demo: running with -U (development mode, loudly insecure)"
	flags="-x -U"
else
	sh "$(dirname "$0")/create-users.sh" || exit 1
fi

cleanup() {
	for n in client server; do
		[ -f "$work/$n.pid" ] && kill "$(cat "$work/$n.pid")" 2>/dev/null
	done
	sleep 0.5
	if [ "${DEMO_KEEP:-0}" = 1 ]; then
		echo "demo: work files kept in $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

step() { printf '\n== %s\n' "$*"; }
run() { printf '   $ %s\n' "$*"; }
# show FILE: a configuration or a key file's head, indented
show() { sed 's/^/   | /' "$1"; }
fail() {
	echo "demo: $*" >&2
	for n in server client; do
		[ -f "$work/$n.log" ] || continue
		echo "--- $n log" >&2
		tail -n 20 "$work/$n.log" >&2
	done
	exit 1
}

# keygen HOSTDIR ARGS...: ntp-keygen in the host's keys directory, as
# the guide runs it ("cd /etc/ntp; ntp-keygen ..."); its chatter goes
# to a log, the files it made are listed.
keygen() {
	d=$1
	shift
	run "cd $d && ntp-keygen $*"
	(cd "$d" && "$build/ntp-keygen" "$@") >> "$work/keygen.log" 2>&1 ||
	    { cat "$work/keygen.log" >&2; fail "ntp-keygen $* failed"; }
}
listkeys() {
	(cd "$1" && ls -l ntpkey_* | awk '{ $1 = $2 = $3 = $4 = $5 = $6 = $7 = $8 = ""; sub(/^ +/, ""); print "     " $0 }')
}

# flags: the client association's crypto flags (0 if none yet)
flags() {
	f=$(ctl client -j peers 2>/dev/null |
	    grep -o '"crypto_flags": *"0x[0-9a-fA-F]*"' | head -n 1 |
	    sed 's/.*"\(0x[^"]*\)"/\1/')
	echo "${f:-0}"
}

# flagnames WORD: the guide's 6.7.4.1 names of the bits set
flagnames() {
	n=
	for b in 0x1:ENAB 0x2:TAI 0x10:PRIV 0x20:IFF 0x40:GQ 0x80:MV \
	    0x100:VALID 0x200:VRFY 0x400:PROV 0x800:AGREE 0x1000:AUTO \
	    0x2000:SIGN 0x4000:LEAP; do
		[ $(( $1 & ${b%%:*} )) -ne 0 ] && n="$n ${b#*:}"
	done
	printf '%s (signature digest NID %d)\n' "${n# }" $(( $1 >> 16 ))
}

# ctl NAME ARGS...: ntpctl against one of the two daemons
ctl() {
	n=$1
	shift
	"$build/ntpctl" -s "$work/$n.sock" "$@"
}

start() {
	n=$1
	run "ntpd -d $flags -f $work/$n.conf"
	"$build/ntpd" -d $flags -f "$work/$n.conf" > "$work/$n.log" 2>&1 &
	echo $! > "$work/$n.pid"
	i=0
	until ctl "$n" status > /dev/null 2>&1; do
		kill -0 "$(cat "$work/$n.pid")" 2>/dev/null ||
		    fail "ntpd ($n) exited at start-up"
		[ $i -lt 100 ] || fail "ntpd ($n) does not answer ntpctl"
		sleep 0.1
		i=$((i + 1))
	done
}

echo "sealntp demo: the Autokey guide (IFF identity scheme) on loopback"
echo "work directory: $work"
t0=$(date +%s)

# ------------------------------------------------------------------
step "6.7.2. Server set-up (alpha.test, the group's trusted host)"
step "6.7.2.1. Create the NTP keys directory"
skeys=$work/alpha.test/keys
run "mkdir -m 700 $skeys"
mkdir -p "$work/alpha.test" && mkdir -m 700 "$skeys" || fail "mkdir"

step "6.7.2.2. Edit ntp.conf"
cat > "$work/server.conf" <<CONF
crypto pw serverpw host alpha.test
keysdir $skeys
# demo only: serve our own clock, on loopback, on a spare port
local stratum 8
port $sport
listen on 127.0.0.1
controlsocket $work/server.sock
CONF
show "$work/server.conf"
echo "   (no 'crypto randfile' is needed: sealntp reads the kernel's random source)"

step "6.7.2.3.1. IFF parameters: generate (-T trusted host, -I IFF)"
keygen "$skeys" -T -I -p serverpw -s alpha.test
listkeys "$skeys"
echo "   ntpkey_iffkey_* holds the group secret: it never leaves this host"
echo "   (and in the daemon, only ntp-keyd reads it)"

step "6.7.2.3.1. IFF parameters: export the IFF group key (-e)"
run "cd $skeys && ntp-keygen -e -p serverpw -s alpha.test > $work/groupkey"
(cd "$skeys" && "$build/ntp-keygen" -e -p serverpw -s alpha.test) \
    > "$work/groupkey" 2>> "$work/keygen.log" || fail "ntp-keygen -e failed"
gkname=$(head -n 1 "$work/groupkey" | sed -n 's/^# *\(ntpkey_[^ ]*\)$/\1/p')
[ -n "$gkname" ] || fail "the group key's first line names no file"
echo "   the group key (public; its first line is the name to install it under):"
head -n 2 "$work/groupkey" | sed 's/^/   | /'
echo "   | ..."

step "6.7.2.4. Restart ntpd (server)"
start server

# ------------------------------------------------------------------
step "6.7.3. Client set-up (beta.test)"
step "6.7.3.1. Create the NTP keys directory"
ckeys=$work/beta.test/keys
run "mkdir -m 700 $ckeys"
mkdir -p "$work/beta.test" && mkdir -m 700 "$ckeys" || fail "mkdir"

step "6.7.3.2. Edit ntp.conf"
step "6.7.3.2.1. Unicast Autokey: 'autokey' on the server line"
cat > "$work/client.conf" <<CONF
crypto pw clientpw host beta.test
keysdir $ckeys
server 127.0.0.1 port $sport autokey iburst
# demo only: on loopback, on a spare port
port $cport
listen on 127.0.0.1
controlsocket $work/client.sock
CONF
show "$work/client.conf"
echo "   (no 'ident alpha.test' needed: the client finds the installed group key)"

step "6.7.3.3. Generate client parameters (-H: a new host key)"
keygen "$ckeys" -H -p clientpw -s beta.test
listkeys "$ckeys"

step "6.7.3.4.1. IFF group keys: install the group key with the standard link"
link=${gkname%.*}
run "cp $work/groupkey $ckeys/$gkname"
run "ln -s $gkname $ckeys/$link"
cp "$work/groupkey" "$ckeys/$gkname" && chmod 644 "$ckeys/$gkname" &&
    ln -s "$gkname" "$ckeys/$link" || fail "installing the group key"
listkeys "$ckeys"

step "6.7.3.5. Restart ntpd (client)"
tc=$(date +%s)
start client

# ------------------------------------------------------------------
step "6.7.4. Monitoring authentication status"
echo "   waiting until the client's association shows auth ok (at most ${timeout} s)"
i=0 ok=
while [ $i -lt $((timeout * 10)) ]; do
	if ctl client -j peers 2>/dev/null | grep -q '"auth": *"ok"'; then
		ok=1
		break
	fi
	kill -0 "$(cat "$work/client.pid")" 2>/dev/null ||
	    fail "the client exited"
	kill -0 "$(cat "$work/server.pid")" 2>/dev/null ||
	    fail "the server exited"
	sleep 0.1
	i=$((i + 1))
done
if [ -n "$ok" ]; then
	authtime="$((i / 10)).$((i % 10)) s"
	echo "   authenticated $authtime after the client started"
	# and synchronised to it: the time it now takes is authenticated
	i=0
	while [ $i -lt $((timeout * 10)) ] &&
	    ! ctl client -j status 2>/dev/null | grep -q '"synced": *true'; do
		sleep 0.1
		i=$((i + 1))
	done
	ctl client -j status 2>/dev/null | grep -q '"synced": *true' &&
	    echo "   synchronised to it $(( $(date +%s) - tc )) s after the client started"
	# once synchronised the client has the server sign its
	# certificate (SIGN, 0x2000): then "certs" shows it signed
	i=0
	while [ $i -lt 100 ] && [ $(( $(flags) & 0x2000 )) -eq 0 ]; do
		sleep 0.1
		i=$((i + 1))
	done
fi

echo
echo "   the association (the guide's 'ntpq -c as' and 'rv ASSID flags'):"
run "ntpctl -s client.sock peers"
ctl client peers | sed 's/^/   /'
f=$(flags)
echo "   flags=$f: $(flagnames "$f")"
echo "   (the guide: 0x83f21 for Autokey+IFF, 0x87f21 with verified leap"
echo "   seconds values; the 0x02 TAI bit is the server's, the top bits the"
echo "   digest of the server's signatures: 8 = md5WithRSA, 668 = sha256WithRSA)"
echo
echo "   certificates (the guide's 'ntpq -c \"rv 0 cert\"'):"
shown=
for v in certs cert; do
	if ctl client "$v" > "$work/certs.txt" 2>/dev/null; then
		run "ntpctl -s client.sock $v"
		sed 's/^/   /' "$work/certs.txt"
		shown=1
		break
	fi
done
if [ -z "$shown" ]; then
	run "ntpctl -s client.sock keyd"
	ctl client keyd | sed 's/^/   /'
fi
echo
echo "   the client's status:"
run "ntpctl -s client.sock status"
ctl client status | sed 's/^/   /'

if [ -z "$ok" ]; then
	echo
	ctl client counters | sed 's/^/   /'
	fail "the client's association was not authenticated within ${timeout} s"
fi
echo
echo "demo: the guide's trust group works: beta.test authenticated alpha.test"
echo "demo: with Autokey and IFF in $authtime; whole run $(( $(date +%s) - t0 )) s."
echo "demo: stopping both daemons"
exit 0
