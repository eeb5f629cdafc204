"""``coi thaw``, ``coi bedside check|not-given`` and ``coi infuse``: stage 10 at the clinic.

The infusion nurse records the thaw start of the bag, scans the patient's wristband and the
bag (both must be this case's); a second nurse confirms the infusion with its start and end
times and signs; the case is Infused once every bag of the dose is infused or recorded as
not given (``coi bedside not-given DIN --reason …``). Output JSON; exit 0 done, 1 refused
(``{"error": ...}``), 2 bad usage.
"""

from __future__ import annotations

import argparse
from datetime import date

from app.casefile import latest_bedside_check, unit_by_din
from app.cli.acting import acting, case_by_coi, moment, refusals, signing
from app.cli.common import add_as_option, add_case_arguments
from app.cli.output import print_json
from app.journey import (
    bedside_check,
    confirm_infusion,
    find_case,
    record_bag_not_given,
    record_thaw,
)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date as YYYY-MM-DD") from None


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``thaw``, ``bedside`` and ``infuse`` to the command line."""
    thaw = commands.add_parser("thaw", help="record the thaw start of a bag (infusion nurse)")
    add_as_option(thaw)
    thaw.add_argument("din", metavar="DIN", help="the bag's DIN or its bar code as scanned")
    thaw.add_argument("--at", type=moment, default="now", metavar="TIME", help="default: now")
    thaw.set_defaults(handler=refusals(run_thaw))

    bedside = commands.add_parser("bedside", help="the bedside identity check")
    words = bedside.add_subparsers(dest="bedside_command", required=True, metavar="COMMAND")
    check = words.add_parser(
        "check", help="scan the patient's wristband and the bag (infusion nurse)"
    )
    add_case_arguments(check)
    check.add_argument("--wristband", required=True, metavar="SCAN")
    check.add_argument("--bag", required=True, metavar="SCAN")
    check.add_argument(
        "--date-of-birth",
        type=_day,
        metavar="YYYY-MM-DD",
        help="asked as a second identifier when a look-alike case is active",
    )
    check.set_defaults(handler=refusals(run_check))
    skipped = words.add_parser(
        "not-given", help="record why a bag of the dose is not given; it goes on hold"
    )
    add_as_option(skipped)
    skipped.add_argument("din", metavar="DIN", help="the bag's DIN or its bar code as scanned")
    skipped.add_argument("--reason", required=True, help="why the bag is not given")
    skipped.set_defaults(handler=refusals(run_not_given))

    infuse = commands.add_parser(
        "infuse", help="confirm the checked bag was infused, signed (a second infusion nurse)"
    )
    add_case_arguments(infuse)
    infuse.add_argument("--start", required=True, type=moment, metavar="TIME")
    infuse.add_argument("--end", required=True, type=moment, metavar="TIME")
    infuse.set_defaults(handler=refusals(run_infuse))


def run_thaw(args: argparse.Namespace) -> int:
    """Record the thaw start."""
    with acting(args) as (database, actor):
        bag = unit_by_din(database, actor, args.din)
        thaw = record_thaw(database, actor, bag.id, args.at)
    print_json(
        {
            "thawed": thaw.din,
            "started_at": thaw.started_at.isoformat(),
            "infuse_by": thaw.infuse_by.isoformat() if thaw.infuse_by else None,
        }
    )
    return 0


def run_check(args: argparse.Namespace) -> int:
    """The bedside check."""
    with acting(args) as (database, actor):
        case = case_by_coi(database, actor, args.coi)
        check = bedside_check(
            database,
            actor,
            case.id,
            wristband_scan=args.wristband,
            bag_scan=args.bag,
            date_of_birth=args.date_of_birth,
        )
    print_json({"checked": check.din, "coi": case.coi, "checked_at": check.checked_at.isoformat()})
    return 0


def run_not_given(args: argparse.Namespace) -> int:
    """Record a bag of the dose as not given, with the reason."""
    with acting(args) as (database, actor):
        bag = unit_by_din(database, actor, args.din)
        held = record_bag_not_given(database, actor, bag.id, reason=args.reason)
        stage = find_case(database, actor, held.case_id).stage
    print_json({"not_given": held.din, "side_state": held.side_state.value, "stage": stage.value})
    return 0


def run_infuse(args: argparse.Namespace) -> int:
    """Confirm the infusion of the case's latest checked bag, signed."""
    with signing(args) as (database, actor, password):
        case = case_by_coi(database, actor, args.coi)
        check = latest_bedside_check(database, actor, case.id)
        infused = confirm_infusion(
            database,
            actor,
            check.id,
            started_at=args.start,
            ended_at=args.end,
            password=password,
        )
        stage = case_by_coi(database, actor, args.coi).stage
    print_json({"infused": infused.din, "coi": case.coi, "stage": stage.value})
    return 0
