"""``coi hold set|lift``: put a container on hold, and QA's signed lift of a hold.

A hold has a typed cause (what put it there): ``set`` puts one on by hand (cause ``manual``);
``lift`` takes a hold or quarantine off, signed, only when it names the container's cause:
without ``--cause`` it lifts a person's hold or an automatic quarantine, and the hold of a
failed result after release or of a recall only with ``--cause post-release`` or
``--cause recall``. Output JSON; exit 0 done, 1 refused (``{"error": ...}``; nothing
written), 2 bad usage.
"""

from __future__ import annotations

import argparse
from typing import Any

from app.casefile import unit_by_din
from app.cli.acting import acting, refusals, signing
from app.cli.common import add_as_option
from app.cli.output import print_json
from app.journey import UnitView, lift_unit_side_state, set_unit_side_state
from db.enums import SideState, SideStateCause

CAUSES = {cause.value.replace("_", "-"): cause for cause in SideStateCause}


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``hold`` to the command line."""
    hold = commands.add_parser("hold", help="put a container on hold; lift a hold (QA, signed)")
    words = hold.add_subparsers(dest="hold_command", required=True, metavar="COMMAND")
    put = words.add_parser("set", help="put a container on hold, with the reason")
    lift = words.add_parser("lift", help="lift a container's hold or quarantine, signed (QA)")
    for parser in (put, lift):
        add_as_option(parser)
        parser.add_argument("din", metavar="DIN", help="the container's DIN or its bar code")
        parser.add_argument("--reason", required=True)
    lift.add_argument(
        "--cause",
        choices=sorted(CAUSES),
        help="the cause lifted (post-release, recall: required for those holds)",
    )
    put.set_defaults(handler=refusals(run_set))
    lift.set_defaults(handler=refusals(run_lift))


def _json(view: UnitView) -> dict[str, Any]:
    return {"din": view.din, "side_state": view.side_state.value, "why": view.side_state_why}


def run_set(args: argparse.Namespace) -> int:
    """Put the container on hold."""
    with acting(args) as (database, actor):
        unit = unit_by_din(database, actor, args.din)
        view = set_unit_side_state(database, actor, unit.id, SideState.ON_HOLD, args.reason)
    print_json({"held": _json(view)})
    return 0


def run_lift(args: argparse.Namespace) -> int:
    """Lift the container's hold or quarantine, signed."""
    cause = CAUSES[args.cause] if args.cause else None
    with signing(args) as (database, actor, password):
        unit = unit_by_din(database, actor, args.din)
        view = lift_unit_side_state(database, actor, unit.id, args.reason, password, cause=cause)
    print_json({"lifted": _json(view)})
    return 0
