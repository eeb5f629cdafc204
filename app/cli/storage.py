"""``coi storage put|take|where``: containers in freezers and dewars, by scan.

``put`` records that a final product bag or intermediate of the case was put in a position
(its label reads ``FREEZER/RACK/BOX/POSITION``); ``take`` records its retrieval and refuses a
container that is not there or stored elsewhere; ``where`` lists the case's stored
containers. Output JSON; exit 0 done, 1 refused (``{"error": ...}``; nothing written), 2 bad
usage.
"""

from __future__ import annotations

import argparse
from typing import Any

from app.cli.acting import acting, case_by_coi, refusals
from app.cli.common import add_case_arguments
from app.cli.output import print_json
from app.journey import PlacementView, put_away, take_out, where_stored


def _scans(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    add_case_arguments(parser)
    parser.add_argument("unit", metavar="UNIT_SCAN", help="the container's DIN bar code")
    parser.add_argument("location", metavar="LOCATION_SCAN", help="e.g. DEWAR-3/B/12/A1")
    return parser


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``storage`` to the command line."""
    storage = commands.add_parser("storage", help="put containers away, take them out, find them")
    words = storage.add_subparsers(dest="storage_command", required=True, metavar="COMMAND")
    put = _scans(words.add_parser("put", help="put a container away in a storage position"))
    put.set_defaults(handler=refusals(run_put))
    take = _scans(words.add_parser("take", help="take a container out of its storage position"))
    take.set_defaults(handler=refusals(run_take))
    where = words.add_parser("where", help="where each stored container of a case is")
    add_case_arguments(where)
    where.set_defaults(handler=refusals(run_where))


def placement_json(view: PlacementView) -> dict[str, Any]:
    """A container's storage position."""
    return {
        "din": view.din,
        "kind": view.kind.value,
        "location": view.location.code,
        "store": view.location.store,
        "rack": view.location.rack,
        "box": view.location.box,
        "position": view.location.position,
        "site": view.site,
        "put_at": view.put_at.isoformat(),
        "put_by": view.put_by,
        "taken_at": view.taken_at.isoformat() if view.taken_at else None,
        "taken_by": view.taken_by,
    }


def run_put(args: argparse.Namespace) -> int:
    """Put a container away."""
    with acting(args) as (database, actor):
        case = case_by_coi(database, actor, args.coi)
        view = put_away(database, actor, case.id, args.unit, args.location)
    print_json({"stored": placement_json(view)})
    return 0


def run_take(args: argparse.Namespace) -> int:
    """Take a container out."""
    with acting(args) as (database, actor):
        case = case_by_coi(database, actor, args.coi)
        view = take_out(database, actor, case.id, args.unit, args.location)
    print_json({"taken": placement_json(view)})
    return 0


def run_where(args: argparse.Namespace) -> int:
    """Print where the case's stored containers are."""
    with acting(args) as (database, actor):
        case = case_by_coi(database, actor, args.coi)
        views = where_stored(database, actor, case.id)
    print_json({"coi": case.coi, "stored": [placement_json(v) for v in views]})
    return 0
