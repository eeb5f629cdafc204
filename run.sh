#!/usr/bin/env bash
# Sets everything up and starts the desktop app on an SQLite demo database with demo data.
# Demo users all have the password "demo-password" (see README.md).
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"

data_dir=$(python -c 'from db.settings_url import data_directory; print(data_directory())')
demo_dir="$data_dir/demo"
export COI_DATABASE_URL=${COI_DATABASE_URL:-sqlite:///$demo_dir/demo.db}
if [ ! -f "$demo_dir/demo.db" ] && [[ "$COI_DATABASE_URL" == "sqlite:///$demo_dir/demo.db" ]]; then
  # One complete journey plus cases left at every stage, through the real services.
  echo "Creating the demo database in $demo_dir (about a minute)..." >&2
  coi demo --out "$demo_dir" --showcase >/dev/null
fi
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
  echo "No display found: starting under xvfb-run (nothing will be visible)." >&2
  echo "On a desktop, run ./run.sh from a graphical session." >&2
  exec xvfb-run -a coi-tracker "$@"
fi
exec coi-tracker "$@"
