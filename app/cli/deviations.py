"""``coi deviation list|close``: a case's deviations, and QA's signed closure.

A refused scan, a missing container or a cold-chain excursion opens a deviation; the release
checklist waits until QA closes each with the outcome of its investigation. Output JSON; exit
0 done, 1 refused (``{"error": ...}``), 2 bad usage.
"""

from __future__ import annotations

import argparse
from typing import Any

from app.cli.acting import acting, case_by_coi, refusals, signing
from app.cli.common import add_case_arguments
from app.cli.output import print_json
from app.core import ValidationFailed
from app.quality import DeviationView, close_deviation, deviations_of_case


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``deviation`` to the command line."""
    deviation = commands.add_parser("deviation", help="a case's deviations; QA closes them")
    words = deviation.add_subparsers(dest="deviation_command", required=True, metavar="COMMAND")
    listing = words.add_parser("list", help="the case's deviations, oldest first")
    add_case_arguments(listing)
    listing.set_defaults(handler=refusals(run_list))
    close = words.add_parser("close", help="close a deviation of the case, signed (QA)")
    add_case_arguments(close)
    close.add_argument("number", metavar="NUMBER", help="e.g. DEV-2026-0001")
    close.add_argument("--closure", required=True, help="the outcome of the investigation")
    close.set_defaults(handler=refusals(run_close))


def _json(view: DeviationView) -> dict[str, Any]:
    return {
        "number": view.number,
        "kind": view.kind,
        "status": view.status.value,
        "description": view.description,
    }


def run_list(args: argparse.Namespace) -> int:
    """Print the case's deviations."""
    with acting(args) as (database, actor):
        case = case_by_coi(database, actor, args.coi)
        views = deviations_of_case(database, actor, case.id)
    print_json({"coi": case.coi, "deviations": [_json(v) for v in views]})
    return 0


def run_close(args: argparse.Namespace) -> int:
    """Close one deviation, signed with the ``--as`` password."""
    with signing(args) as (database, actor, password):
        case = case_by_coi(database, actor, args.coi)
        wanted = args.number.strip().upper()
        found = [v for v in deviations_of_case(database, actor, case.id) if v.number == wanted]
        if not found:
            raise ValidationFailed(f"This case has no deviation {wanted[:40]!r}.")
        closed = close_deviation(
            database, actor, found[0].id, closure=args.closure, password=password
        )
    print_json({"closed": _json(closed)})
    return 0
