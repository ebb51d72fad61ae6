#!/bin/sh
# Copyright (c) 2026 The sealntp developers.
# SPDX-License-Identifier: ISC
#
# make bench, keyd's part: operations per second through the keyd pipe
# (signatures, IFF responses, cookie encryption and decryption) at the
# default key sizes of ntp-keygen (2048-bit RSA host key, 2048-bit IFF),
# driven by the engine's own wrappers with 16 requests in flight and the
# rate limits switched off (keyd -R), every reply verified.  It prints
# the rate limits beside the measured capacity.  Not a test.
#
# Usage: sh regress/bench/keyd.sh [BUILD]
# Environment: BENCH_KEYD_SECS (3 per operation), BENCH_KEEP=1.
set -u

BUILD=${1:-build}
SECS=${BENCH_KEYD_SECS:-3}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP" || exit 1
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
HELPER=$BUILD/regress/keyd/keydbench_helper

[ -x "$HELPER" ] || make -s BUILD="$BUILD" "$HELPER" >/dev/null ||
    { echo "keyd bench: cannot build $HELPER" >&2; exit 1; }
[ -x "$BUILD/ntp-keyd" ] && [ -x "$BUILD/ntp-keygen" ] ||
    { echo "keyd bench: build ntp-keyd and ntp-keygen first" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sealntp-keyd-bench.XXXXXX") || exit 1
trap '[ "${BENCH_KEEP:-0}" = 1 ] || rm -rf "$WORK"' EXIT
(cd "$WORK" && "$BUILD/ntp-keygen" -T -I -p benchpw -s bench.test \
    >/dev/null 2>&1) || { echo "keyd bench: ntp-keygen failed" >&2; exit 1; }

echo "== keyd: operations per second through the pipe =="
"$HELPER" "$BUILD/ntp-keyd" "$WORK" bench.test benchpw "$SECS" 2>/dev/null ||
    { echo "keyd bench: failed" >&2; exit 1; }
echo "keyd rate limits (ntp-keyd.8): sign 400/s, identity 200/s," \
    "cookie-enc 400/s, cookie-dec 50/s, cert-sign 20/s"
