"""``coi export epcis`` and ``coi import epcis``: a case's journey as EPCIS 2.0, and a
partner's shipping and sensor events attached to our cases.

Both act as the user named by ``--as`` (password from COI_AS_PASSWORD, the terminal or one line
of standard input). Output is one JSON object. Exit status: 0 done, 1 refused (``{"error":
...}``: an unknown COI, a file that is not an EPCIS document, a role that may not; nothing was
written), 2 bad usage.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from app.access import authenticate
from app.cli.common import (
    AS_PASSWORD_VARIABLE,
    add_as_option,
    database_from,
    require_password,
    station,
)
from app.cli.output import print_json
from app.core import CoiError, ValidationFailed
from app.exchange import EpcisImport, export_epcis, import_epcis

EXIT_REFUSED = 1
SCHEMA_VARIABLE = "COI_EPCIS_SCHEMA"


def _time(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} needs a UTC offset, e.g. {text}Z")
    return moment


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``export epcis`` and ``import epcis`` to the command line."""
    export = commands.add_parser("export", help="export records in a standard format")
    export_commands = export.add_subparsers(dest="export_command", required=True, metavar="FORMAT")
    epcis_out = export_commands.add_parser(
        "epcis",
        help="the journey of one case (or of every case you may see) as EPCIS 2.0 JSON-LD",
        description="Write an EPCIS 2.0 JSON-LD document (GS1 context): commissioning of each "
        "collected bag (COI and collection times in ilmd), packing, logger association, "
        "shipping and receiving, each manufacturing step, the QP decision, the infusion and "
        "each logger assessment. Each eventID is the standard event hash. No patient identity.",
    )
    add_as_option(epcis_out)
    epcis_out.add_argument("--coi", metavar="COI", help="one case (default: every case you see)")
    epcis_out.add_argument("--since", type=_time, metavar="T", help="only events at or after T")
    epcis_out.add_argument("--out", required=True, metavar="FILE", help="the .jsonld to write")
    epcis_out.set_defaults(handler=refusals(run_export))

    imports = commands.add_parser("import", help="import records a partner sent")
    import_commands = imports.add_subparsers(dest="import_command", required=True, metavar="FORMAT")
    epcis_in = import_commands.add_parser(
        "epcis",
        help="attach a partner's EPCIS shipping and sensor events to the cases they name",
        description="Read an EPCIS 2.0 JSON-LD document and store each shipping or sensor event "
        "whose identifiers (DIN, SSCC, logger GIAI) name one case here that you may see. "
        "Unknown identifiers are reported, never guessed; an event already imported (same "
        "eventID) is not stored again. QA or clinic coordinator.",
    )
    add_as_option(epcis_in)
    epcis_in.add_argument("file", metavar="FILE")
    epcis_in.add_argument(
        "--schema",
        metavar="FILE",
        help=f"also validate against GS1's EPCIS JSON schema (default: ${SCHEMA_VARIABLE})",
    )
    epcis_in.set_defaults(handler=refusals(run_import))


def refusals(run: Any) -> Any:
    """Run a command; a known refusal prints ``{"error": ...}`` and exits with status 1."""

    def guarded(args: argparse.Namespace) -> int:
        try:
            status: int = run(args)
        except CoiError as refusal:
            print_json({"error": refusal.message})
            return EXIT_REFUSED
        return status

    return guarded


def write_beside(out: Path, content: bytes) -> None:
    """Write ``content`` to a temporary file beside ``out``, then move it into place."""
    if not out.parent.is_dir():
        raise ValidationFailed(f"The folder of {out} does not exist; nothing was written.")
    handle, temporary = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
        Path(temporary).replace(out)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise ValidationFailed(f"Cannot write {out}: {exc.strerror or exc}.") from None


def run_export(args: argparse.Namespace) -> int:
    """Write the document (whole, or not at all) and print what it holds."""
    out = Path(args.out)
    if not out.parent.is_dir():
        raise ValidationFailed(f"The folder of {out} does not exist; nothing was written.")
    with database_from(args) as database:
        password = require_password(f"Password of {args.as_user}", AS_PASSWORD_VARIABLE)
        actor = authenticate(database, args.as_user.strip(), password, station())
        export = export_epcis(database, actor, coi=args.coi, since=args.since)
    write_beside(out, export.json_bytes())
    print_json(
        {
            "out": str(out),
            "events": export.event_count,
            "cases": list(export.cois),
            "sha256": export.sha256,
        }
    )
    return 0


def import_json(result: EpcisImport) -> dict[str, Any]:
    """The import as the command prints it."""
    return {
        "file": result.file,
        "sha256": result.sha256,
        "events": len(result.outcomes),
        "imported": result.count("imported"),
        "duplicates": result.count("duplicate"),
        "skipped": result.count("skipped"),
        "outcomes": [
            {
                "event": o.number,
                "type": o.event_type,
                "event_id": o.event_id,
                "outcome": o.outcome,
                "reason": o.reason,
                **({"coi": o.coi} if o.coi else {}),
                "unknown_identifiers": list(o.unknown),
            }
            for o in result.outcomes
        ],
    }


def run_import(args: argparse.Namespace) -> int:
    """Import the file and print each event's outcome."""
    schema_text = args.schema or os.environ.get(SCHEMA_VARIABLE)
    schema = Path(schema_text) if schema_text else None
    with database_from(args) as database:
        password = require_password(f"Password of {args.as_user}", AS_PASSWORD_VARIABLE)
        actor = authenticate(database, args.as_user.strip(), password, station())
        result = import_epcis(database, actor, Path(args.file), schema=schema)
    print_json(import_json(result))
    return 0
