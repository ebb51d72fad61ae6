#!/bin/sh
# Copyright (c) 2026 The sealntp developers.
# SPDX-License-Identifier: ISC
#
# make bench: the server load benchmark.  Not a test: it measures and
# prints a table, and fails only if something could not be run.
#
# In one invocation it runs our server (local stratum 8, -x, no
# `limited`) and then chronyd (-x, local stratum 8, no rate limiting)
# on loopback, each pinned to CPU 0 with the load generator
# (regress/bench/loadgen.c) pinned to CPU 1, at two load points (full:
# many requests in flight; light: four clients, one each), and reports
# for each: valid responses/s, loss, p50/p99 latency, server CPU time
# per valid response (utime+stime from /proc/PID/stat before and after
# the run, every process of the server) and resident memory; then the
# ratios ours/chronyd.
#
# Beside them runs the floor: regress/bench/reflect.c, a reflector that
# answers each request with the smallest valid response and does
# nothing else (recvmmsg/sendmmsg batches of 64, no poll, no logging).
# "reflect" is the cheapest socket we know of: no receive timestamps,
# no IP_PKTINFO, and DF set (-D), which spares the kernel its IP ID
# generator; "reflect+ts" has SO_TIMESTAMPNS and IP_PKTINFO on, as our
# server's socket does.  Their CPU time per response is what the
# kernel's UDP path costs a server that uses the socket API: no such
# server can go below it.
#
# The servers take turns BENCH_ROUNDS times and each figure is the
# median over the rounds, so that a burst of other work on the machine
# does not land on one server only.
#
# Usage: sh regress/bench/run.sh [BUILD]
# Environment: BENCH_SECS (3 per load point), BENCH_ROUNDS (3),
# BENCH_SOCKS (8), BENCH_WINDOW (8), BENCH_PORT (27000: uses +1..+4),
# BENCH_KEEP=1 keeps the work directory.
set -u

BUILDARG=${1:-build}
BUILD=$BUILDARG
SECS=${BENCH_SECS:-3}
ROUNDS=${BENCH_ROUNDS:-3}
SOCKS=${BENCH_SOCKS:-8}
WINDOW=${BENCH_WINDOW:-8}
PORT=${BENCH_PORT:-27000}
OURPORT=$((PORT + 1))
CHRONYPORT=$((PORT + 2))
PORT_rf=$((PORT + 3))
PORT_rft=$((PORT + 4))
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP" || exit 1
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
LOADGEN=$BUILD/bench/loadgen
# Built by the Makefile's pattern rule for regress programs, which also
# links libraries it does not use: it needs no rule of its own.
REFLECT=$BUILD/regress/bench/reflect
HZ=$(getconf CLK_TCK)

say() { printf '%s\n' "$*"; }
die() { say "bench: $*" >&2; exit 1; }

make -s BUILD="$BUILDARG" "$BUILDARG/ntpd" "$BUILDARG/ntp-keyd" \
    "$BUILDARG/ntpctl" "$BUILDARG/bench/loadgen" \
    "$BUILDARG/regress/bench/reflect" || die "build failed"

WORK=$(mktemp -d /tmp/sealntp-bench.XXXXXX) || die "mktemp"
OURPID= CHRONYPID= RFPID=
cleanup() {
	for p in $OURPID $CHRONYPID $RFPID; do
		kill "$p" 2>/dev/null
	done
	for p in $OURPID $CHRONYPID $RFPID; do
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do
			sleep 0.1; i=$((i + 1))
		done
		kill -9 "$p" 2>/dev/null
	done
	[ "${BENCH_KEEP:-0}" = 1 ] && say "bench: work files in $WORK" ||
	    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# --- pinning -------------------------------------------------------
NCPU=$(nproc 2>/dev/null || echo 1)
if [ "$NCPU" -ge 2 ] && command -v taskset >/dev/null; then
	PIN_SRV="taskset -c 0" PIN_GEN="taskset -c 1"
	PINNOTE="server on CPU 0, generator on CPU 1"
else
	PIN_SRV= PIN_GEN=
	PINNOTE="NOT pinned ($NCPU CPU(s) or no taskset): figures are rough"
fi

# --- chronyd -------------------------------------------------------
# An installed chronyd is used as it is.  Otherwise the Debian package
# is unpacked under the build directory rather than installed: chrony
# conflicts with ntpsec and openntpd (installing it would remove them),
# and unpacking starts no service that could touch the clock.
CHRONYD= CHRONYNOTE=
find_chronyd() {
	if command -v chronyd >/dev/null 2>&1; then
		CHRONYD=$(command -v chronyd)
		return 0
	fi
	x=$BUILD/bench/chrony/usr/sbin/chronyd
	if [ -x "$x" ]; then
		CHRONYD=$x
		return 0
	fi
	if ! command -v apt-get >/dev/null || ! command -v dpkg >/dev/null; then
		CHRONYNOTE="chronyd missing and no apt-get/dpkg to fetch it"
		return 1
	fi
	say "bench: chronyd missing; fetching the Debian package (not installing it)"
	d=$BUILD/bench/chrony-deb
	rm -rf "$d" && mkdir -p "$d" || return 1
	if ! (cd "$d" && apt-get download chrony >/dev/null 2>&1); then
		if [ "$(id -u)" -eq 0 ]; then
			apt-get update -qq >/dev/null 2>&1
		fi
		if ! (cd "$d" && apt-get download chrony >/dev/null 2>&1); then
			CHRONYNOTE="chronyd missing and 'apt-get download chrony' failed"
			return 1
		fi
	fi
	rm -rf "$BUILD/bench/chrony"
	if ! dpkg -x "$d"/chrony_*.deb "$BUILD/bench/chrony"; then
		CHRONYNOTE="cannot unpack the chrony package"
		return 1
	fi
	# Its libraries are ordinary packages that start nothing.
	if ldd "$x" 2>/dev/null | grep -q 'not found' &&
	    [ "$(id -u)" -eq 0 ]; then
		libs=$(dpkg-deb -f "$d"/chrony_*.deb Depends | tr ',' '\n' |
		    sed -n 's/^ *\(lib[^ ]*\).*/\1/p')
		say "bench: installing chronyd's libraries:" $libs
		# shellcheck disable=SC2086
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		    $libs >/dev/null 2>&1
	fi
	if ldd "$x" 2>/dev/null | grep -q 'not found'; then
		CHRONYNOTE="unpacked chronyd lacks libraries: $(ldd "$x" | grep 'not found' | tr -s ' \t\n' ' ')"
		return 1
	fi
	CHRONYD=$x
}
find_chronyd || say "bench: skipping chronyd: $CHRONYNOTE"

# --- helpers -------------------------------------------------------
# cpu_ticks PID: utime+stime of the whole process (all threads).  The
# command name may hold spaces, so fields are counted after its ')'.
cpu_ticks() {
	if [ -r "/proc/$1/stat" ]; then
		sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
	else
		echo 0
	fi
}
# rss_kb PID [FIELD]: VmRSS (default) or another kB line of status;
# RssAnon is the process's own memory, without shared library pages.
rss_kb() {
	v=$(awk -v f="${2:-VmRSS}:" '$1 == f { print $2 }' \
	    "/proc/$1/status" 2>/dev/null)
	echo "${v:-0}"
}
setv() { eval "$1=\$2"; }
getv() { eval "printf '%s' \"\${$1:-}\""; }
# wait_answer PORT: until the server answers with a valid response
wait_answer() {
	i=0
	while [ $i -lt 40 ]; do
		$LOADGEN -p "$1" -s 1 -w 1 -n 1 -d 1 -t 200 -k >/dev/null 2>&1 &&
		    return 0
		sleep 0.25; i=$((i + 1))
	done
	return 1
}
stop_pid() {
	kill "$1" 2>/dev/null
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1; i=$((i + 1))
	done
}

# Two load points.  "full": SOCKS sockets with WINDOW requests in
# flight each, which keeps the server busy with short queues: its
# throughput.  "light": four clients with one request in flight each,
# where the server sleeps and wakes for almost every request: the cost
# of a response when wake-ups dominate.
POINTS="full light"
ARGS_full="-s $SOCKS -w $WINDOW"
ARGS_light="-s 4 -w 1"
DESC_full="$SOCKS sockets x $WINDOW in flight"
DESC_light="4 sockets x 1 in flight"

# measure TAG PORT ROLE=PID...: a one-second warm-up, then each load
# point for SECS seconds.  Appends to WORK/TAG.POINT one line: the
# loadgen -k figures, cpu_ROLE=us per valid response for each process
# and cpu=their sum.
measure() {
	tag=$1 port=$2
	shift 2
	# shellcheck disable=SC2086
	$PIN_GEN "$LOADGEN" -p "$port" $ARGS_full -d 1 -k >/dev/null 2>&1
	for pt in $POINTS; do
		for rp in "$@"; do
			setv "b_${rp%%=*}" "$(cpu_ticks "${rp#*=}")"
		done
		# shellcheck disable=SC2046
		line=$($PIN_GEN "$LOADGEN" -p "$port" $(getv "ARGS_$pt") \
		    -d "$SECS" -k 2>&1)
		for rp in "$@"; do
			setv "a_${rp%%=*}" "$(cpu_ticks "${rp#*=}")"
		done
		valid=$(printf '%s\n' "$line" | tr ' ' '\n' |
		    sed -n 's/^valid=//p')
		[ -n "$valid" ] ||
		    { say "$line" >&2; die "loadgen failed against $tag"; }
		cpus= total=0
		for rp in "$@"; do
			r=${rp%%=*}
			us=$(awk -v a="$(getv "a_$r")" -v b="$(getv "b_$r")" \
			    -v n="$valid" -v hz="$HZ" 'BEGIN {
				printf "%.3f", (n > 0 ? (a - b) / hz * 1e6 / n : 0) }')
			cpus="$cpus cpu_$r=$us"
			total=$(awk -v t="$total" -v u="$us" \
			    'BEGIN { printf "%.3f", t + u }')
		done
		echo "$line$cpus cpu=$total" >> "$WORK/$tag.$pt"
	done
}

# med TAG POINT KEY: the median of KEY over the rounds, "-" if none
med() {
	[ -f "$WORK/$1.$2" ] || { echo -; return; }
	tr ' ' '\n' < "$WORK/$1.$2" | sed -n "s/^$3=//p" | sort -g |
	    awk '{ v[NR] = $1 } END {
		if (NR == 0) print "-"
		else if (NR % 2) print v[(NR + 1) / 2]
		else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# --- our server ----------------------------------------------------
OURNOTE= OUR= OUR_ROLES=
if [ "$(id -u)" -ne 0 ]; then
	OURNOTE="needs root (chroot, users _ntp/_ntpkey)"
elif ! getent passwd _ntp >/dev/null || ! getent passwd _ntpkey >/dev/null; then
	OURNOTE="users _ntp/_ntpkey missing (sh etc/create-users.sh)"
fi
{
	echo "port $OURPORT"
	echo "listen on 127.0.0.1"
	echo "controlsocket $WORK/seal.sock"
	echo "local stratum 8"
} > "$WORK/seal.conf"
# run_ours: one round; OUR_ROLES names the processes: engine, parent,
# keyd and any other child (labelled by its command line).
run_ours() {
	$PIN_SRV "$BUILD/ntpd" -d -x -f "$WORK/seal.conf" \
	    >> "$WORK/seal.log" 2>&1 &
	OURPID=$!
	if ! wait_answer "$OURPORT"; then
		cat "$WORK/seal.log" >&2
		die "our server never answered on port $OURPORT"
	fi
	roles="parent=$OURPID"
	for c in $(pgrep -P "$OURPID"); do
		case "$(tr '\0' ' ' < "/proc/$c/cmdline")" in
		*engine*) roles="engine=$c $roles" ;;
		*ntp-keyd*) roles="$roles keyd=$c" ;;
		*resolver*|*" -R"*) roles="$roles resolver=$c" ;;
		*) roles="$roles child$c=$c" ;;
		esac
	done
	case $roles in engine=*) ;; *) die "our engine not found" ;; esac
	say "bench: round $round: sealntp ($roles)"
	# shellcheck disable=SC2086
	measure our "$OURPORT" $roles
	OUR=1 OUR_ROLES= OUR_RSS=0 OUR_ANON=0
	for rp in $roles; do
		r=${rp%%=*}
		kb=$(rss_kb "${rp#*=}")
		an=$(rss_kb "${rp#*=}" RssAnon)
		OUR_ROLES="$OUR_ROLES${OUR_ROLES:+ }$r"
		setv "rss_$r" "$kb / $an"
		OUR_RSS=$((OUR_RSS + kb))
		OUR_ANON=$((OUR_ANON + an))
	done
	"$BUILD/ntpctl" -s "$WORK/seal.sock" counters \
	    > "$WORK/seal.counters" 2>&1
	stop_pid "$OURPID"
	OURPID=
}

# --- chronyd -------------------------------------------------------
# No `ratelimit` line: chronyd then limits nobody.  -F 1 is its system
# call filter, as Debian starts it (ours has one too).
{
	echo "port $CHRONYPORT"
	echo "bindaddress 127.0.0.1"
	echo "cmdport 0"
	echo "local stratum 8"
	echo "allow 127.0.0.1"
	echo "pidfile $WORK/chronyd.pid"
} > "$WORK/chrony.conf"
CH= CH_VERSION=
run_chrony() {
	cuser=
	getent passwd _chrony >/dev/null || cuser="-u root"
	# shellcheck disable=SC2086
	$PIN_SRV "$CHRONYD" -x -d -F 1 $cuser -f "$WORK/chrony.conf" \
	    >> "$WORK/chrony.log" 2>&1 &
	CHRONYPID=$!
	if ! wait_answer "$CHRONYPORT"; then
		cat "$WORK/chrony.log" >&2
		CHRONYNOTE="chronyd never answered on port $CHRONYPORT"
		say "bench: skipping chronyd: $CHRONYNOTE"
		stop_pid "$CHRONYPID"
		CHRONYPID= CHRONYD=
		return
	fi
	roles="chronyd=$CHRONYPID"
	for c in $(pgrep -P "$CHRONYPID"); do
		roles="$roles helper$c=$c"
	done
	CH_VERSION=$("$CHRONYD" -v | sed -n 's/.*version \([^ ]*\).*/\1/p')
	say "bench: round $round: chronyd $CH_VERSION ($roles)"
	# shellcheck disable=SC2086
	measure ch "$CHRONYPORT" $roles
	CH=1 CH_RSS=0 CH_ANON=0
	for rp in $roles; do
		CH_RSS=$((CH_RSS + $(rss_kb "${rp#*=}")))
		CH_ANON=$((CH_ANON + $(rss_kb "${rp#*=}" RssAnon)))
	done
	stop_pid "$CHRONYPID"
	CHRONYPID=
}

# --- the floor: regress/bench/reflect.c ----------------------------
REFLECTS="rf rft"
RARGS_rf="-D" RARGS_rft="-t -i"
NAME_rf=reflect NAME_rft=reflect+ts
RF=
# run_reflect TAG: one round of one reflector variant.  It stops by
# itself (-l) should this script die without stopping it.
run_reflect() {
	rtag=$1
	# shellcheck disable=SC2046
	$PIN_SRV "$REFLECT" -p "$(getv "PORT_$rtag")" $(getv "RARGS_$rtag") \
	    -l $((4 * SECS + 60)) >> "$WORK/reflect.log" 2>&1 &
	RFPID=$!
	if ! wait_answer "$(getv "PORT_$rtag")"; then
		cat "$WORK/reflect.log" >&2
		die "$(getv "NAME_$rtag") never answered"
	fi
	say "bench: round $round: $(getv "NAME_$rtag") (reflect=$RFPID)"
	measure "$rtag" "$(getv "PORT_$rtag")" "reflect=$RFPID"
	RF=1
	setv "RSS_$rtag" "$(rss_kb "$RFPID")"
	setv "ANON_$rtag" "$(rss_kb "$RFPID" RssAnon)"
	stop_pid "$RFPID"
	RFPID=
}

[ -z "$OURNOTE" ] || say "bench: skipping sealntp: $OURNOTE"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
round=1
while [ $round -le "$ROUNDS" ]; do
	[ -n "$OURNOTE" ] || run_ours
	[ -z "$CHRONYD" ] || run_chrony
	for t in $REFLECTS; do
		run_reflect "$t"
	done
	round=$((round + 1))
done

# --- report --------------------------------------------------------
[ -n "$OUR" ] || [ -n "$CH" ] || die "nothing was measured"
col() { printf '%-28s %12s %12s %12s %12s %9s %9s\n' "$@"; }
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a != "" && b != "" && a != "-" && b != "-" && b + 0 > 0)
			printf "%.2f", a / b
		else
			print "-"
	}'
}
# row LABEL KEY [r]: the medians of KEY at load point pt for each
# server; with r, the ratios ours/chronyd and reflect/chronyd too.
row() {
	o=$(med our "$pt" "$2") c=$(med ch "$pt" "$2")
	f=$(med rf "$pt" "$2") t=$(med rft "$pt" "$2")
	if [ "${3:-}" = r ]; then
		col "$1" "$o" "$c" "$f" "$t" "$(ratio "$o" "$c")" \
		    "$(ratio "$f" "$c")"
	else
		col "$1" "$o" "$c" "$f" "$t" "" ""
	fi
}
pair() { printf '%s / %s' "$(med "$1" "$pt" invalid)" "$(med "$1" "$pt" unmatched)"; }
say ""
say "sealntp server benchmark: $(uname -sr), $NCPU CPU(s), $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
say "$PINNOTE; ${SECS}s per load point after a 1s warm-up;"
say "medians of $ROUNDS rounds, the servers taking turns"
say "load average before the runs: $LOAD_BEFORE (well above 0: other work shares the CPUs and the figures are noisy)"
say "generator: $PIN_GEN $LOADGEN -p PORT {$ARGS_full | $ARGS_light} -d $SECS -k"
say "chronyd: ${CH_VERSION:-not run}; reflect: the floor (regress/bench/reflect.c -D: no"
say "timestamps, DF set); reflect+ts: with SO_TIMESTAMPNS and IP_PKTINFO, as ours (-t -i)"
say ""
col "" "sealntp" "chronyd" "reflect" "reflect+ts" "ours/chr" "refl/chr"
for pt in $POINTS; do
	say "$pt load: $(getv "DESC_$pt")"
	row "  valid responses/s" rps r
	row "  loss %" loss_pct
	col "  invalid / unmatched" "$(pair our)" "$(pair ch)" "$(pair rf)" \
	    "$(pair rft)" "" ""
	row "  latency p50 us" p50_us r
	row "  latency p99 us" p99_us r
	row "  server CPU us/response" cpu r
	for r in $OUR_ROLES; do
		col "    $r" "$(med our "$pt" "cpu_$r")" "" "" "" "" ""
	done
	row "  generator CPU %" gen_cpu_pct
done
say "memory after the last round, kB"
col "  resident (VmRSS)" "${OUR_RSS:--}" "${CH_RSS:--}" "${RSS_rf:--}" \
    "${RSS_rft:--}" "$(ratio "${OUR_RSS:-}" "${CH_RSS:-}")" \
    "$(ratio "${RSS_rf:-}" "${CH_RSS:-}")"
col "  private (RssAnon)" "${OUR_ANON:--}" "${CH_ANON:--}" "${ANON_rf:--}" \
    "${ANON_rft:--}" "$(ratio "${OUR_ANON:-}" "${CH_ANON:-}")" \
    "$(ratio "${ANON_rf:-}" "${CH_ANON:-}")"
for r in $OUR_ROLES; do
	col "    $r (VmRSS / RssAnon)" "$(getv "rss_$r")" "" "" "" "" ""
done
say ""
if [ -n "$OUR" ] && [ -n "$CH" ]; then
	for pt in $POINTS; do
		awk -v pt="$pt" \
		    -v r="$(ratio "$(med our "$pt" rps)" "$(med ch "$pt" rps)")" \
		    -v c="$(ratio "$(med our "$pt" cpu)" "$(med ch "$pt" cpu)")" 'BEGIN {
			printf "targets, %s load: responses/s >= chronyd: %s (%.2f); ",
			    pt, (r >= 1 ? "met" : "MISSED"), r
			printf "CPU/response <= half of chronyd: %s (%.2f)\n",
			    (c <= 0.5 ? "met" : "MISSED"), c
		}'
	done
else
	say "ratios: not available (${OURNOTE}${CHRONYNOTE})"
fi
# The floor: what the kernel alone costs per response, against half of
# chronyd's figure (the CPU target).
if [ -n "$RF" ] && [ -n "$CH" ]; then
	for pt in $POINTS; do
		awk -v pt="$pt" -v c="$(med ch "$pt" cpu)" \
		    -v f="$(med rf "$pt" cpu)" -v t="$(med rft "$pt" cpu)" \
		    -v o="$(med our "$pt" cpu)" 'BEGIN {
			if (c + 0 <= 0 || f == "-")
				exit
			printf "floor, %s load: reflect %.3f us/response (%.2f of chronyd), ",
			    pt, f, f / c
			printf "reflect+ts %.3f (%.2f)\n", t, t / c
			if (c / 2 < f)
				w = "BELOW the floor: out of reach on the socket API"
			else
				w = "above the floor: reachable in principle"
			printf "  half of chronyd, %.3f us, is %s\n", c / 2, w
			if (o != "-" && o + 0 > 0) {
				p = 100 * (o - t) / o
				printf "  ours above reflect+ts: %+.3f us/response (%+.0f%% of ours)\n",
				    o - t, (p > -0.5 && p < 0.5) ? 0 : p
			}
		}'
	done
fi
if [ -n "$OUR" ]; then
	say "our counters after the last round: $(grep -E '^(rx|tx|tx_errors|server_replies) ' \
	    "$WORK/seal.counters" | tr -s ' ' | tr '\n' ' ')"
fi
sh "$TOP/regress/bench/keyd.sh" "$BUILD" || say "keyd bench: failed"
sh "$TOP/regress/bench/autokey.sh" "$BUILDARG" || say "autokey bench: failed"
exit 0
