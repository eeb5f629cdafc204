#!/usr/bin/env bash
# Sets everything up and runs the whole default test suite: layering contracts, lint, types,
# and pytest (SQLite always; PostgreSQL too when COI_TEST_POSTGRES_URL is set).
#   ./test.sh             the default suite (what CI runs)
#   ./test.sh --slow      only the slow benchmarks and long fuzzing (marker "slow")
#   ./test.sh -- ARGS     extra pytest arguments, e.g. ./test.sh -- -k audit
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"

marker="not slow"
if [ "${1:-}" = "--slow" ]; then marker="slow"; shift; fi
if [ "${1:-}" = "--" ]; then shift; fi

echo "== import-linter"; lint-imports
echo "== ruff"
ruff check .
ruff format --check .
echo "== mypy"; mypy
echo "== pytest"
# Exit status 5 (no tests collected) is a failure like any other non-zero status.
if [ "$marker" = "slow" ] || [ "$#" -gt 0 ]; then
    QT_QPA_PLATFORM=offscreen pytest -m "$marker" "$@"
    exit 0
fi
# The default suite also measures the safety modules, which must stay at 100 % line coverage.
# It runs on every core (pytest-xdist; COI_TEST_WORKERS overrides), one test file per worker at a
# time, so a file's module-scoped journey is built once.
# A worker that crashes (a segmentation fault, an abort) ends the run: its test is reported as
# failed, the other workers finish what they were given, and nothing is restarted
# (--max-worker-restart=0). Replacing it can hang the run for good: under --dist loadfile
# pytest-xdist 3.8 puts every file the dead worker was ever given back in the queue, finished
# ones too, and hands such a file to a worker as an empty batch; that worker then reports
# nothing, so it is never given more work nor told to stop, and the run waits on it forever
# (or, when a replacement is scheduled before it has collected, fails with a KeyError).
report="$(mktemp -d)/coverage.json"
# shellcheck disable=SC2046  # one argument per module
QT_QPA_PLATFORM=offscreen pytest -m "$marker" -n "${COI_TEST_WORKERS:-auto}" --dist loadfile \
    --max-worker-restart=0 \
    $(python scripts/check_coverage.py --cov-args) \
    --cov-report=term:skip-covered --cov-report="json:$report"
echo "== safety-module coverage"
python scripts/check_coverage.py "$report"
