"""``coi loadtest``: qualify a database server with N workstations' worth of real operations."""

from __future__ import annotations

import argparse
import sys

from app.cli.common import station
from app.cli.output import print_json
from app.core import CoiError, ValidationFailed, resolve_database_url
from app.loadtest import check_figures, run_load_test


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``loadtest`` to the command line."""
    loadtest = commands.add_parser(
        "loadtest",
        help="run N workstation processes against a NEW, EMPTY database and print latency "
        "per kind of operation, errors, and the exactly-once and audit-chain checks as JSON",
        description="Sets the empty database up with the demo reference data, then each "
        "station process starts RATE operations a second through the real services (scan "
        "checks, enrolment, collection, labels printed as PDF and scanned back, custody, "
        "manufacturing steps, audit searches). Refuses a database that holds any table. Exit 0 "
        "when every acknowledged write is stored exactly once, nothing unacknowledged is "
        "stored, the audit chain verifies and no error is unexplained; 1 otherwise.",
    )
    loadtest.add_argument("--stations", type=int, default=20, metavar="N", help="default 20")
    loadtest.add_argument("--seconds", type=float, default=60.0, metavar="S", help="default 60")
    loadtest.add_argument(
        "--rate",
        type=float,
        default=2.0,
        metavar="OPS",
        help="operations a second per station (default 2)",
    )
    loadtest.add_argument(
        "--find-knee",
        action="store_true",
        help="afterwards, with the same stations, run rounds of --seconds at 0.1, 0.25, 0.5, 1, 2, "
        "3, 4, 6, 8, ... operations a second until one misses p99 < 100 ms; report the highest "
        "rate that met it",
    )
    loadtest.add_argument("--db", required=True, metavar="URL", help="a new, empty database")
    loadtest.set_defaults(handler=run_loadtest)


def run_loadtest(args: argparse.Namespace) -> int:
    """Run the load test and print its JSON; problems also on standard error."""
    try:
        check_figures(args.stations, args.seconds, args.rate)
    except ValidationFailed as exc:
        print(f"coi loadtest: {exc.message}", file=sys.stderr)
        return 2
    try:
        result = run_load_test(
            resolve_database_url(args.db),
            station(),
            stations=args.stations,
            seconds=args.seconds,
            rate=args.rate,
            knee=args.find_knee,
        )
    except CoiError as exc:  # a database that holds data, one that cannot be reached
        print_json({"error": exc.message})
        return 1
    print_json(result)
    for problem in result["station_problems"] + result["exactly_once"]["examples"]:
        print(problem, file=sys.stderr)
    return 0 if result["ok"] else 1
