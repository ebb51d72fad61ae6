#!/bin/sh
# Copyright (c) 2026 The sealntp developers.
# SPDX-License-Identifier: ISC
#
# The Autokey part of `make bench` (called from regress/bench/run.sh).
# Not a test: it measures and prints, and fails only if something could
# not be run.  On loopback, with the guide's trust group (our
# ntp-keygen's default key sizes: 2048-bit RSA host keys, 2048-bit IFF
# parameters), both daemons with -x:
#
# 1. Handshake: from starting the client (ntpd -d -x, server line with
#    `autokey iburst`) to its association showing auth ok, BENCH_AK_RUNS
#    times (5), each with a fresh client process; the median and the
#    range.  "wall" is from the exec of ntpd (so it includes keyd loading
#    the keys) to ntpctl first seeing ok, polled every 20 ms; "engine" is
#    the association's own time_to_ok from ntpctl (from its first
#    request).
# 2. Throughput of our server for Autokey-authenticated mode 3 requests
#    (a MAC with an Autokey key ID and the cookie, as a client sends
#    after its exchange: loadgen -K with the cookie akcookie_helper got
#    from the server) next to plain mode 3 requests, alternating
#    BENCH_ROUNDS times (3) in the same run against the same server,
#    each for BENCH_SECS (3) at the full load point; medians.  The
#    server is pinned to CPU 0 and the generator to CPU 1 when there are
#    two CPUs.
#
# Usage: sh regress/bench/autokey.sh [BUILD]
# Environment: BENCH_AK_RUNS, BENCH_ROUNDS, BENCH_SECS, BENCH_SOCKS (8),
# BENCH_WINDOW (8), BENCH_AK_PORT (27010: uses +1, +2), BENCH_KEEP=1.
set -u

BUILDARG=${1:-build}
BUILD=$BUILDARG
RUNS=${BENCH_AK_RUNS:-5}
ROUNDS=${BENCH_ROUNDS:-3}
SECS=${BENCH_SECS:-3}
SOCKS=${BENCH_SOCKS:-8}
WINDOW=${BENCH_WINDOW:-8}
PORT=${BENCH_AK_PORT:-27010}
SPORT=$((PORT + 1))
CPORT=$((PORT + 2))
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP" || exit 1
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
LOADGEN=$BUILD/bench/loadgen
COOKIE=$BUILD/regress/bench/akcookie_helper
HZ=$(getconf CLK_TCK)

say() { printf '%s\n' "$*"; }
die() { say "autokey bench: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || { say "autokey bench: skipped: needs root (chroot, users)"; exit 0; }
getent passwd _ntp >/dev/null && getent passwd _ntpkey >/dev/null ||
    { say "autokey bench: skipped: users _ntp/_ntpkey missing (sh etc/create-users.sh)"; exit 0; }
make -s BUILD="$BUILDARG" "$BUILDARG/ntpd" "$BUILDARG/ntp-keyd" \
    "$BUILDARG/ntpctl" "$BUILDARG/ntp-keygen" "$BUILDARG/bench/loadgen" \
    "$BUILDARG/regress/bench/akcookie_helper" || die "build failed"

WORK=$(mktemp -d /tmp/sealntp-akbench.XXXXXX) || die "mktemp"
SPID= CPID=
stop_pid() {
	[ -n "$1" ] || return 0
	kill "$1" 2>/dev/null
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1; i=$((i + 1))
	done
	kill -9 "$1" 2>/dev/null
}
cleanup() {
	stop_pid "$CPID"
	stop_pid "$SPID"
	[ "${BENCH_KEEP:-0}" = 1 ] && say "autokey bench: work files in $WORK" ||
	    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

NCPU=$(nproc 2>/dev/null || echo 1)
if [ "$NCPU" -ge 2 ] && command -v taskset >/dev/null; then
	PIN_SRV="taskset -c 0" PIN_GEN="taskset -c 1"
	PINNOTE="server on CPU 0, generator on CPU 1"
else
	PIN_SRV= PIN_GEN=
	PINNOTE="not pinned"
fi

# --- the trust group (the guide's steps) ---------------------------
mkdir -m 700 "$WORK/skeys" "$WORK/ckeys" || die "mkdir"
(cd "$WORK/skeys" && "$BUILD/ntp-keygen" -T -I -p serverpw -s alpha.test &&
    "$BUILD/ntp-keygen" -e -p serverpw -s alpha.test > "$WORK/group.key") \
    > "$WORK/keygen.log" 2>&1 || { cat "$WORK/keygen.log"; die "server keys"; }
(cd "$WORK/ckeys" && "$BUILD/ntp-keygen" -H -p clientpw -s beta.test) \
    >> "$WORK/keygen.log" 2>&1 || { cat "$WORK/keygen.log"; die "client keys"; }
gk=$(head -n 1 "$WORK/group.key" | sed 's/^# *//')
cp "$WORK/group.key" "$WORK/ckeys/$gk" && ln -s "$gk" "$WORK/ckeys/${gk%.*}" ||
    die "installing the group key"

cat > "$WORK/server.conf" <<CONF
port $SPORT
listen on 127.0.0.1
local stratum 8
controlsocket $WORK/server.sock
crypto pw serverpw host alpha.test
keysdir $WORK/skeys
CONF
cat > "$WORK/client.conf" <<CONF
port $CPORT
listen on 127.0.0.1
controlsocket $WORK/client.sock
server 127.0.0.1 port $SPORT autokey iburst
crypto pw clientpw host beta.test
keysdir $WORK/ckeys
CONF

ms() { echo $(( $(date +%s%N) / 1000000 )); }
ctl() {
	n=$1
	shift
	"$BUILD/ntpctl" -s "$WORK/$n.sock" "$@" 2>/dev/null
}

$PIN_SRV "$BUILD/ntpd" -d -x -f "$WORK/server.conf" > "$WORK/server.log" 2>&1 &
SPID=$!
i=0
until ctl server -j status | grep -q '"stratum": 8'; do
	kill -0 "$SPID" 2>/dev/null || { cat "$WORK/server.log"; die "server exited"; }
	[ $i -lt 100 ] || die "server does not answer"
	sleep 0.1; i=$((i + 1))
done

# --- 1. handshake ----------------------------------------------------
: > "$WORK/wall" ; : > "$WORK/engine"
run=1
while [ $run -le "$RUNS" ]; do
	rm -f "$WORK/client.sock"
	t0=$(ms)
	"$BUILD/ntpd" -d -x -f "$WORK/client.conf" > "$WORK/client.log" 2>&1 &
	CPID=$!
	ok=
	while [ $(( $(ms) - t0 )) -lt 30000 ]; do
		if ctl client -j peers > "$WORK/peers.json" &&
		    grep -q '"auth": *"ok"' "$WORK/peers.json"; then
			ok=$(( $(ms) - t0 ))
			break
		fi
		kill -0 "$CPID" 2>/dev/null || break
		sleep 0.02
	done
	[ -n "$ok" ] || { cat "$WORK/client.log"; die "run $run: no auth ok within 30 s"; }
	echo "$ok" >> "$WORK/wall"
	grep -o '"time_to_ok": *[0-9.]*' "$WORK/peers.json" |
	    sed 's/.*: *//' | awk '{ printf "%d\n", $1 * 1000 }' >> "$WORK/engine"
	flags=$(grep -o '"crypto_flags": *"[^"]*"' "$WORK/peers.json" |
	    sed 's/.*: *"//; s/"//')
	stop_pid "$CPID"
	CPID=
	run=$((run + 1))
done
# stats FILE: "median min max" of the numbers in FILE
stats() {
	sort -n "$1" | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "- - -"; exit }
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%d %d %d\n", m, v[1], v[NR] }'
}

# --- 2. throughput: Autokey MAC'd next to plain ----------------------
cookie=$("$COOKIE" -p "$SPORT" | sed -n 's/^cookie=\(0x[0-9a-f]*\).*/\1/p')
[ -n "$cookie" ] || die "no cookie from the server (akcookie_helper)"
engine=
for c in $(pgrep -P "$SPID"); do
	case "$(tr '\0' ' ' < "/proc/$c/cmdline")" in
	*engine*|*" -E"*) engine=$c ;;
	esac
done
cpu_ticks() {
	sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk '{ print $12 + $13 }'
}
: > "$WORK/plain" ; : > "$WORK/ak"
round=1
while [ $round -le "$ROUNDS" ]; do
	for kind in plain ak; do
		kopt=
		[ $kind = ak ] && kopt="-K $cookie"
		b=$(cpu_ticks "${engine:-$SPID}")
		# shellcheck disable=SC2086
		line=$($PIN_GEN "$LOADGEN" -p "$SPORT" -s "$SOCKS" -w "$WINDOW" \
		    -d "$SECS" -k $kopt 2>&1)
		a=$(cpu_ticks "${engine:-$SPID}")
		valid=$(printf '%s\n' "$line" | tr ' ' '\n' | sed -n 's/^valid=//p')
		[ -n "$valid" ] && [ "$valid" -gt 0 ] ||
		    { say "$line" >&2; die "loadgen ($kind) got no valid response"; }
		cpu=$(awk -v a="$a" -v b="$b" -v n="$valid" -v hz="$HZ" \
		    'BEGIN { printf "%.3f", (a - b) / hz * 1e6 / n }')
		echo "$line cpu=$cpu" >> "$WORK/$kind"
	done
	round=$((round + 1))
done
ctl server counters > "$WORK/server.counters"
# med KIND KEY
med() {
	tr ' ' '\n' < "$WORK/$1" | sed -n "s/^$2=//p" | sort -g | awk '{ v[NR] = $1 }
	    END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]
		else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0) printf "%.2f", a / b; else print "-" }'
}

# --- report ----------------------------------------------------------
set -- $(stats "$WORK/wall")
wm=$1 wlo=$2 whi=$3
set -- $(stats "$WORK/engine")
em=$1 elo=$2 ehi=$3
say ""
say "Autokey (IFF, 2048-bit keys) on loopback: $(uname -sr), $NCPU CPU(s)"
say "handshake, client start to auth ok, $RUNS runs (ms): median / min / max"
printf '  %-44s %6s / %6s / %6s\n' "from ntpd start (keyd loading keys too)" "$wm" "$wlo" "$whi"
printf '  %-44s %6s / %6s / %6s\n' "association's own time to ok (ntpctl)" "$em" "$elo" "$ehi"
say "  final crypto flags ${flags:-?}; the reference 4.2.8p18 takes about 60 s"
say "  (one Autokey request per 16 s poll: ../shared/vectors/autokey/README.md)"
say "server throughput, $PINNOTE, $SOCKS sockets x $WINDOW in flight,"
say "${SECS}s each, medians of $ROUNDS alternating rounds:"
printf '  %-30s %12s %12s %8s\n' "" "plain" "Autokey MAC" "ak/plain"
o=$(med plain rps) a=$(med ak rps)
printf '  %-30s %12s %12s %8s\n' "valid responses/s" "$o" "$a" "$(ratio "$a" "$o")"
o=$(med plain cpu) a=$(med ak cpu)
printf '  %-30s %12s %12s %8s\n' "engine CPU us/response" "$o" "$a" "$(ratio "$a" "$o")"
o=$(med plain p50_us) a=$(med ak p50_us)
printf '  %-30s %12s %12s %8s\n' "latency p50 us" "$o" "$a" "$(ratio "$a" "$o")"
o=$(med plain p99_us) a=$(med ak p99_us)
printf '  %-30s %12s %12s %8s\n' "latency p99 us" "$o" "$a" "$(ratio "$a" "$o")"
printf '  %-30s %12s %12s\n' "loss % / invalid" \
    "$(med plain loss_pct) / $(med plain invalid)" "$(med ak loss_pct) / $(med ak invalid)"
printf '  %-30s %12s %12s\n' "generator CPU %" "$(med plain gen_cpu_pct)" "$(med ak gen_cpu_pct)"
say "  server counters: $(grep -E '^(ak_requests|ak_responses|ak_badmac|ak_naks) ' \
    "$WORK/server.counters" | tr -s ' ' | tr '\n' ' ')"
exit 0
