#!/bin/sh
# Run the kyua suite in BUILDDIR/regress, print kyua's report, then one
# plain totals line "N passed, N failed, N skipped".  Exit non-zero if any
# test case failed or was broken.
set -u
build=${1:-build}
shared=${2:-$(pwd)/../shared}
src=$(pwd)
case $build in /*) ;; *) build=$src/$build ;; esac
case $shared in /*) ;; *) shared=$src/$shared ;; esac
vectors=$shared/vectors
[ -d "$vectors" ] || vectors=
results=$build/kyua-results.db
if [ "${SEAL_SANITIZER:-0}" = 1 ]; then
	# libatf-c leaks while listing test cases, and LeakSanitizer's
	# exit-time scan needs ptrace, which our seccomp filters forbid.
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=0}
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
	export ASAN_OPTIONS UBSAN_OPTIONS
fi
rm -f "$results"
cd "$build/regress" || exit 1
# kyua refuses empty values: without ../shared the variables are simply
# absent and the tests that need them skip, saying why.
set -- -v "test_suites.sealntp.srcdir=$src" \
    -v "test_suites.sealntp.builddir=$build" \
    -v "test_suites.sealntp.sanitizer=${SEAL_SANITIZER:-0}"
if [ -n "$vectors" ]; then
	set -- "$@" -v "test_suites.sealntp.vectors=$vectors" \
	    -v "test_suites.sealntp.shared=$shared"
else
	echo "note: $shared/vectors not found: tests that need the reference vectors will be skipped"
fi
kyua --config=none -v parallelism=${KYUA_PARALLELISM:-2} "$@" \
    test --results-file="$results" >/dev/null
kyua report --results-file="$results" --verbose \
    --results-filter=skipped,xfail,broken,failed > "$build/kyua-report.txt"
kyua report --results-file="$results" \
    --results-filter=passed,skipped,xfail,broken,failed \
    > "$build/kyua-summary.txt"
cat "$build/kyua-report.txt"
cat "$build/kyua-summary.txt" | grep -E '^\S+:\S+ +->'
line=$(grep '^Test cases:' "$build/kyua-summary.txt")
echo "$line"
total=$(echo "$line" | sed -n 's/.*: \([0-9]*\) total.*/\1/p')
skipped=$(echo "$line" | sed -n 's/.* \([0-9]*\) skipped.*/\1/p')
xfail=$(echo "$line" | sed -n 's/.* \([0-9]*\) expected failures.*/\1/p')
broken=$(echo "$line" | sed -n 's/.* \([0-9]*\) broken.*/\1/p')
failed=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
: "${total:=0}" "${skipped:=0}" "${xfail:=0}" "${broken:=0}" "${failed:=0}"
bad=$((failed + broken))
passed=$((total - skipped - xfail - bad))
echo "$passed passed, $bad failed, $skipped skipped"
[ "$bad" -eq 0 ] && [ "$total" -gt 0 ]
