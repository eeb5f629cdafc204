#!/usr/bin/env bash
# Runs the UI test suite again and again beside two busy CPU loops, to shake out crashes and
# flaky tests that only a loaded machine shows (threads and Qt objects whose lifetimes race).
# Not part of the default suite.
#   scripts/stress_ui.sh                 10 runs of tests/ui
#   scripts/stress_ui.sh 3               3 runs
#   scripts/stress_ui.sh 5 -- -k admin   5 runs of the UI tests matching "admin"
# Each run is `python -X faulthandler -m pytest -m "not slow" tests/ui` (PostgreSQL too when
# COI_TEST_POSTGRES_URL is set); its log, with every thread's stack if it crashed, goes to
# tests/artifacts/stress/run-N.log. Prints one line per run and the totals; exits 0 only when
# every run passed. A run that dies of a signal (or prints "Fatal Python error") is a crash; one
# still going after STRESS_RUN_TIMEOUT seconds (default 3600) is killed and counted as hung.
# Ctrl+C (or SIGTERM) stops the current run and the CPU loops.
set -uo pipefail
cd "$(dirname "$0")/.."

runs=10
if [ "${1:-}" != "" ] && [ "${1:-}" != "--" ]; then runs=$1; shift; fi
if [ "${1:-}" = "--" ]; then shift; fi
limit=${STRESS_RUN_TIMEOUT:-3600}
logs=tests/artifacts/stress
mkdir -p "$logs"

hogs=()
run_pid=""
stop_hogs() {
    for pid in "${hogs[@]}"; do kill "$pid" 2>/dev/null; done
    for pid in "${hogs[@]}"; do wait "$pid" 2>/dev/null; done
    hogs=()
}
interrupted() {
    if [ -n "$run_pid" ]; then kill "$run_pid" 2>/dev/null; wait "$run_pid" 2>/dev/null; fi
    exit 130
}
trap stop_hogs EXIT
trap interrupted INT TERM
for _ in 1 2; do
    ( while :; do :; done ) &
    hogs+=("$!")
done
echo "two CPU loops running (pids ${hogs[*]}) on $(nproc) CPUs; $runs runs of the UI suite"

passed=0 failed=0 crashed=0 hung=0
for n in $(seq 1 "$runs"); do
    log="$logs/run-$n.log"
    started=$(date +%s)
    QT_QPA_PLATFORM=offscreen timeout --signal=KILL "$limit" \
        .venv/bin/python -X faulthandler -m pytest -q -p no:cacheprovider -m "not slow" \
        tests/ui "$@" >"$log" 2>&1 &
    run_pid=$!
    wait "$run_pid"
    status=$?
    run_pid=""
    seconds=$(($(date +%s) - started))
    load=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo "?")
    summary=$(grep -E "^[0-9]+ (passed|failed)|^=+ .*(passed|failed)" "$log" | tail -1)
    if [ "$status" -eq 137 ] && [ "$seconds" -ge "$limit" ]; then
        hung=$((hung + 1)); verdict="HUNG (killed after ${limit} s)"
    elif [ "$status" -gt 128 ] || grep -q "Fatal Python error" "$log"; then
        crashed=$((crashed + 1)); verdict="CRASHED (status $status; stacks in $log)"
    elif [ "$status" -eq 0 ]; then
        passed=$((passed + 1)); verdict="passed"
    else
        failed=$((failed + 1)); verdict="FAILED (status $status; see $log)"
    fi
    echo "run $n/$runs: $verdict in ${seconds} s, load average $load — ${summary:-no summary}"
done
stop_hogs
echo "runs=$runs passed=$passed failed=$failed crashed=$crashed hung=$hung"
[ "$passed" -eq "$runs" ]
