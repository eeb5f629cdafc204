"""``coi collect register|verify`` and ``coi label print|scan``: the apheresis bag and labels.

The apheresis nurse registers the bag (a DIN is issued unless a pre-labelled one is scanned),
prints its label and scans it back; a second person verifies the collection and signs with the
``--as`` password. Output JSON; exit 0 done, 1 refused (``{"error": ...}``), 2 bad usage.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from app.casefile import collection_screen, unit_by_din
from app.cli.acting import acting, case_by_coi, moment, refusals, signing
from app.cli.common import add_as_option, add_case_arguments
from app.cli.journey_json import unit_json
from app.cli.output import print_json
from app.journey import CollectedBag, register_collection, verify_collection
from app.labelling import confirm_label, print_unit_label


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``collect`` and ``label`` to the command line."""
    collect = commands.add_parser("collect", help="register and verify the apheresis collection")
    words = collect.add_subparsers(dest="collect_command", required=True, metavar="COMMAND")
    bag = words.add_parser(
        "register",
        help="register one apheresis bag of a case (apheresis nurse)",
        description="Record the collection of one bag; prints its DIN. Then print its label "
        "(coi label print) and scan it back (coi label scan).",
    )
    add_case_arguments(bag)
    bag.add_argument("--volume-ml", required=True, type=float)
    bag.add_argument("--anticoagulant", required=True, help="e.g. ACD-A")
    bag.add_argument("--start", required=True, type=moment, metavar="TIME", help="ISO, with zone")
    bag.add_argument("--end", required=True, type=moment, metavar="TIME")
    bag.add_argument("--din-scan", metavar="SCAN", help="a pre-labelled bag's DIN")
    bag.set_defaults(handler=refusals(run_register))
    verify = words.add_parser(
        "verify", help="verify the collection, signed (a second person of the clinic)"
    )
    add_case_arguments(verify)
    verify.set_defaults(handler=refusals(run_verify))

    label = commands.add_parser("label", help="print a container's label, scan it back")
    label_words = label.add_subparsers(dest="label_command", required=True, metavar="COMMAND")
    printing = label_words.add_parser(
        "print",
        help="print (or reprint, with a reason) the label of the container with this DIN",
        description="Record and print the label; without --printer the PDF is written to "
        "--out. Prints the codes a scanner reads from it (din_scan, two_d_scan).",
    )
    add_as_option(printing)
    printing.add_argument("din", metavar="DIN")
    printing.add_argument("--printer", metavar="NAME", help="a configured printer (default: PDF)")
    printing.add_argument("--out", type=Path, metavar="FILE", help="write the label's PDF here")
    printing.add_argument("--reprint-reason", metavar="TEXT")
    printing.set_defaults(handler=refusals(run_print))
    scan = label_words.add_parser("scan", help="scan a printed label back on its container")
    add_as_option(scan)
    scan.add_argument("din", metavar="DIN")
    scan.add_argument("scan", metavar="SCAN", help="what the scanner read from the label")
    scan.set_defaults(handler=refusals(run_scan))


def run_register(args: argparse.Namespace) -> int:
    """Register one bag of the case."""
    with acting(args) as (database, actor):
        case = case_by_coi(database, actor, args.coi)
        unit = register_collection(
            database,
            actor,
            case.id,
            CollectedBag(
                args.volume_ml, args.anticoagulant, args.start, args.end, args.din_scan or None
            ),
        )
    print_json({"registered": unit_json(unit)})
    return 0


def run_verify(args: argparse.Namespace) -> int:
    """Verify the case's collection, signed with the ``--as`` password."""
    with signing(args) as (database, actor, password):
        case = case_by_coi(database, actor, args.coi)
        verified = verify_collection(database, actor, case.id, password)
        bags = collection_screen(database, actor, case.id).bags
    print_json(
        {"verified": verified.coi, "stage": verified.stage.value, "bags": [b.din for b in bags]}
    )
    return 0


def run_print(args: argparse.Namespace) -> int:
    """Print a container's label."""
    with acting(args) as (database, actor):
        unit = unit_by_din(database, actor, args.din)
        printed = print_unit_label(
            database, actor, unit.id, printer=args.printer, reprint_reason=args.reprint_reason
        )
    if args.out is not None:
        args.out.write_bytes(printed.pdf)
    print_json(
        {
            "printed": unit.din,
            "serial": printed.label.serial,
            "printer": printed.label.printer_name,
            "din_scan": printed.din_scan,
            "two_d_scan": printed.two_d_scan,
            "pdf": str(args.out) if args.out is not None else None,
        }
    )
    return 0


def run_scan(args: argparse.Namespace) -> int:
    """Scan a printed label back on its container."""
    with acting(args) as (database, actor):
        unit = unit_by_din(database, actor, args.din)
        label = confirm_label(database, actor, unit.id, args.scan)
    print_json({"applied": unit.din, "serial": label.serial, "status": label.status.value})
    return 0
