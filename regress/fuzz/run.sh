#!/bin/sh
# Build every libFuzzer target regress/fuzz/*_fuzz.c with clang and run
# each for FUZZTIME seconds (default 20) on its seed corpus.
# Usage: sh regress/fuzz/run.sh [target ...]
set -eu
FUZZTIME=${FUZZTIME:-20}
B=build-fuzz
SAN="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all"
make -s CC=clang BUILD=$B OPT="-O1 -g" SAN="$SAN" \
    $B/libntp.a $B/libctl.a $B/libkeys.a $B/libcommon.a
targets=${*:-$(ls regress/fuzz/*_fuzz.c | sed 's|.*/||; s|_fuzz.c||')}
status=0
for t in $targets; do
	src=regress/fuzz/${t}_fuzz.c
	bin=$B/fuzz/$t
	mkdir -p $B/fuzz "$B/fuzz/corpus-$t"
	[ -d regress/fuzz/corpus/$t ] && cp regress/fuzz/corpus/$t/* "$B/fuzz/corpus-$t/" 2>/dev/null || true
	clang -std=c11 -D_GNU_SOURCE -O1 -g -fsanitize=fuzzer,address,undefined \
	    -Icommon -Intpd -Ikeyd -Ictl $(pkg-config --cflags libcrypto libsodium libbsd-overlay libseccomp) \
	    -o "$bin" "$src" $B/libntp.a $B/libctl.a $B/libkeys.a $B/libcommon.a \
	    $(pkg-config --libs libcrypto libsodium libbsd-overlay libseccomp) -lm
	echo "fuzz: $t for ${FUZZTIME}s"
	if ! "$bin" -max_total_time="$FUZZTIME" -print_final_stats=1 \
	    "$B/fuzz/corpus-$t" > "$B/fuzz/$t.log" 2>&1; then
		echo "fuzz: $t FAILED, see $B/fuzz/$t.log"; tail -30 "$B/fuzz/$t.log"
		status=1
	else
		grep -E 'stat::number_of_executed_units' "$B/fuzz/$t.log" || true
	fi
done
exit $status
