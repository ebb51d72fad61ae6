#!/bin/sh
# make demo: a sealntp server and client on loopback, on unprivileged
# ports, with the system clock left alone (-x).  Waits until the client
# is synchronised, shows it with ntpctl, then stops both.
set -u
build=${1:-build}
case $build in /*) ;; *) build=$(pwd)/$build ;; esac
work=$(mktemp -d /tmp/sealntp-demo.XXXXXX)
sport=${DEMO_SERVER_PORT:-11123}
cport=${DEMO_CLIENT_PORT:-11124}
flags=-x
if [ "$(id -u)" -ne 0 ]; then
	echo "demo: not root: the children cannot chroot or change user;"
	echo "demo: running with -U (development mode, loudly insecure)"
	flags="-x -U"
else
	sh "$(dirname "$0")/create-users.sh"
fi

cleanup() {
	for n in client server; do
		[ -f "$work/$n.pid" ] && kill "$(cat "$work/$n.pid")" 2>/dev/null
	done
	sleep 0.5
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

cat > "$work/server.conf" <<CONF
# demo server: no upstream, serves its own clock at stratum 8
port $sport
listen on 127.0.0.1
local stratum 8
controlsocket $work/server.sock
CONF
cat > "$work/client.conf" <<CONF
# demo client of the server above
port $cport
listen on 127.0.0.1
server 127.0.0.1 port $sport iburst minpoll 4 maxpoll 6
controlsocket $work/client.sock
CONF

echo "== server: $build/ntpd -d $flags -f $work/server.conf"
"$build/ntpd" -d $flags -f "$work/server.conf" > "$work/server.log" 2>&1 &
echo $! > "$work/server.pid"
echo "== client: $build/ntpd -d $flags -f $work/client.conf"
"$build/ntpd" -d $flags -f "$work/client.conf" > "$work/client.log" 2>&1 &
echo $! > "$work/client.pid"

i=0
while [ $i -lt 300 ]; do
	if "$build/ntpctl" -s "$work/client.sock" -j status 2>/dev/null |
	    grep -q '"synced": true'; then
		break
	fi
	sleep 0.1
	i=$((i + 1))
done
echo
echo "== ntpctl -s client.sock status   (after $((i / 10)).$((i % 10)) s)"
"$build/ntpctl" -s "$work/client.sock" status
echo
echo "== ntpctl -s client.sock peers"
"$build/ntpctl" -s "$work/client.sock" peers
echo
echo "== ntpctl -s server.sock status"
"$build/ntpctl" -s "$work/server.sock" status
echo
echo "== client log"
cat "$work/client.log"
if [ $i -ge 300 ]; then
	echo "demo: the client did not synchronise within 30 s" >&2
	exit 1
fi
echo
echo "demo: the client is synchronised to the server; stopping both"
