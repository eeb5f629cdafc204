"""``coi logger analyze``: import a data-logger file and print its cold-chain assessment."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime

from app.cli import logger_import
from app.cli.common import add_db_option, database_from
from app.cli.output import print_json
from app.coldchain import (
    IMPORTERS,
    AssessmentError,
    LoggerFileError,
    TemperatureProfile,
    analyze_file,
    seed_profile,
    stored_profile,
)
from app.core import CoiError

EXIT_UNREADABLE = 2


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``logger analyze`` and ``logger import`` to the command line."""
    logger = commands.add_parser("logger", help="data-logger files")
    logger_commands = logger.add_subparsers(dest="logger_command", required=True, metavar="COMMAND")
    analyze = logger_commands.add_parser(
        "analyze",
        help="assess a logger file against a temperature profile; print the report as JSON",
        description="Exit 0 whatever the verdict; 2 when the file cannot be read.",
    )
    analyze.add_argument("file")
    analyze.add_argument(
        "--profile",
        help="a seeded profile: cryo-lnd, fresh-2-8, ambient-15-25; with --db, a profile of "
        "that database (as its administrator configured it)",
    )
    analyze.add_argument("--low", type=float, metavar="C", help="lower limit, °C")
    analyze.add_argument("--high", type=float, metavar="C", help="upper limit, °C")
    analyze.add_argument("--max-single-min", type=float, default=0.0, metavar="M")
    analyze.add_argument("--max-cumulative-min", type=float, default=0.0, metavar="M")
    analyze.add_argument("--max-gap-min", type=float, default=15.0, metavar="M")
    analyze.add_argument("--start", type=_utc_time, metavar="T", help="ISO 8601 with offset")
    analyze.add_argument("--end", type=_utc_time, metavar="T", help="ISO 8601 with offset")
    analyze.add_argument("--format", choices=sorted(IMPORTERS), help="default: detected")
    analyze.add_argument(
        "--utc-offset-min",
        type=float,
        metavar="M",
        help="the logger clock's offset from UTC when the file does not state it",
    )
    add_db_option(analyze)
    analyze.set_defaults(handler=run_analyze)
    logger_import.register(logger_commands)


def _utc_time(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} needs a UTC offset, e.g. {text}Z")
    return value


def _profile(args: argparse.Namespace) -> TemperatureProfile:
    if args.profile and args.db:
        with database_from(args, upgrade=False) as database:
            return stored_profile(database, args.profile)
    if args.profile:
        return seed_profile(args.profile)
    return TemperatureProfile(
        name="command-line",
        lower_c=args.low,
        upper_c=args.high,
        max_single_excursion_min=args.max_single_min,
        max_cumulative_excursion_min=args.max_cumulative_min,
        max_gap_min=args.max_gap_min,
    )


def run_analyze(args: argparse.Namespace) -> int:
    """Print the assessment report; exit 2 with one line when the input cannot be used."""
    try:
        profile = _profile(args)
        report = analyze_file(
            args.file,
            profile,
            args.start,
            args.end,
            args.format,
            utc_offset_min=args.utc_offset_min,
        )
    except (LoggerFileError, AssessmentError, CoiError, ValueError, KeyError, OSError) as exc:
        print(f"coi: cannot assess {args.file}: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    print_json(report)
    return 0
