#!/bin/sh
# run_suites.sh - what `make test` runs for the Criterion suites: each suite with its output
# in NAME.log beside its binary, one line per suite (its name, passed and failed tests, time),
# the whole log of a suite that fails, and one total line at the end.
# Usage: sh tests/run_suites.sh PROVSCAN_BIN SUITE_BINARY...
bin=$1
shift
# leaks of the test framework itself are not provscan's (tests/lsan.supp)
LSAN_OPTIONS="suppressions=$(pwd)/tests/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export LSAN_OPTIONS
passed=0
failed=0
bad=""
for t in "$@"; do
    name=${t##*/}
    log=$t.log
    start=$(date +%s)
    PROVSCAN_BIN=$bin "$t" --jobs 2 >"$log" 2>&1
    rc=$?
    secs=$(($(date +%s) - start))
    # Criterion's last line: "[====] Synthesis: Tested: 9 | Passing: 9 | Failing: 0 | Crashing: 0"
    counts=$(sed -n 's/.*Synthesis: Tested: \([0-9]*\) | Passing: \([0-9]*\) | Failing: \([0-9]*\) | Crashing: \([0-9]*\).*/\2 \3 \4/p' "$log" | tail -n 1)
    p=${counts%% *}
    p=${p:-0}
    if [ -n "$counts" ]; then
        rest=${counts#* }
        f=$((${rest% *} + ${rest#* }))
    else
        f=0
    fi
    if [ "$rc" != 0 ] || [ "$f" != 0 ]; then
        [ "$f" = 0 ] && f=1 # ended badly without a failing test (a crash, a timeout): count it
        bad="$bad $name"
    fi
    passed=$((passed + p))
    failed=$((failed + f))
    printf '  %-28s %4d passed, %d failed  (%d s)\n' "$name" "$p" "$f" "$secs"
    if [ "$f" != 0 ]; then
        echo "---- $log"
        cat "$log"
        echo "----"
    else
        # what a suite reports besides Criterion's lines (measured figures)
        grep -v '^\[' "$log" | sed 's/^/      /'
    fi
done
echo "make test: $passed passed, $failed failed"
[ -z "$bad" ] || { echo "make test: failing suites:$bad" >&2; exit 1; }
