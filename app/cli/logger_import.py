"""``coi logger import``: import a shipment's data-logger file as a signed-in user."""

from __future__ import annotations

import argparse
from typing import Any

from app.access import authenticate
from app.cli.common import add_db_option, database_from, require_password, station
from app.cli.output import print_json
from app.coldchain import IMPORTERS, LoggerFileView, import_logger_file, shipment_id_of


def register(logger_commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``logger import`` beside ``logger analyze``."""
    command = logger_commands.add_parser(
        "import",
        help="import a shipment's logger file, assess it and store it (as the user --as)",
        description="Import the logger file of the shipment with this SSCC, judge it against the "
        "shipment's temperature profile over the shipment window and store it with its "
        "readings. An excursion or incomplete verdict quarantines the shipment's units and "
        "opens a deviation. You act as the user named by --as (password from COI_AS_PASSWORD, "
        "the terminal or standard input). Prints the stored file and its report as JSON; exit "
        "0 whatever the verdict, 2 when the file cannot be imported (nothing is stored).",
    )
    add_db_option(command)
    command.add_argument("sscc", metavar="SHIPMENT_SSCC")
    command.add_argument("file", metavar="FILE")
    command.add_argument("--format", choices=sorted(IMPORTERS), help="default: detected")
    command.add_argument(
        "--utc-offset-min",
        type=float,
        metavar="M",
        help="the logger clock's offset from UTC when the file does not state it",
    )
    command.add_argument("--as", dest="as_user", required=True, metavar="USER")
    command.set_defaults(handler=run_import)


def _summary(view: LoggerFileView) -> dict[str, Any]:
    return {
        "id": str(view.id),
        "file": view.file_name,
        "sha256": view.sha256,
        "format": view.format,
        "sensor_id": view.sensor_id,
        "readings_stored": view.reading_count,
        "profile": view.profile_name,
        "window_start": view.window_start.isoformat() if view.window_start else None,
        "window_end": view.window_end.isoformat() if view.window_end else None,
        "verdict": view.verdict.value if view.verdict else None,
        "report": view.report,
    }


def run_import(args: argparse.Namespace) -> int:
    """Sign in, import the file and print what was stored."""
    with database_from(args) as database:
        password = require_password(f"Password of {args.as_user}", "COI_AS_PASSWORD")
        actor = authenticate(database, args.as_user, password, station())
        shipment_id = shipment_id_of(database, actor, args.sscc)
        view = import_logger_file(
            database,
            actor,
            shipment_id,
            args.file,
            fmt=args.format,
            utc_offset_min=args.utc_offset_min,
        )
    print_json({"shipment": args.sscc, **_summary(view)})
    return 0
