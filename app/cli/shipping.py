"""``coi ship open|pack|logger|label|label-scan|manifest|hand-over`` and
``coi receive scan|verify|accept``.

A shipment is named by its SSCC once opened, on either leg (``--to manufacturer`` or
``--to clinic``). The sender packs each container by scanning it, scans the data logger,
prints the shipper label, scans it back on the box, saves the manifest for the courier's
signature and hands the shipper to the courier; at the other end the receiver
scans each container in, imports the logger file (``coi logger import``), and a second person
verifies the receipt, signed; QA accepts a receipt left in quarantine. Output JSON; exit 0
done, 1 refused (``{"error": ...}``), 2 bad usage.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from app.casefile import ShipmentDirection, receipt_status
from app.cli.acting import acting, case_by_coi, refusals, signing
from app.cli.common import add_as_option, add_case_arguments
from app.cli.journey_json import shipment_json
from app.cli.output import print_json
from app.coldchain import shipment_id_of
from app.journey import (
    ShipmentView,
    accept_receipt,
    attach_logger,
    complete_receipt,
    create_shipment,
    hand_over,
    pack_unit,
    receive_unit,
)
from app.labelling import apply_shipper_label, print_shipper_label
from app.reports import save_manifest

DIRECTIONS = {
    "manufacturer": ShipmentDirection.TO_MANUFACTURER,
    "clinic": ShipmentDirection.TO_CLINIC,
}


def _with_sscc(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    add_as_option(parser)
    parser.add_argument("sscc", metavar="SSCC", help="the shipper's SSCC (18 digits)")
    return parser


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``ship`` and ``receive`` to the command line."""
    ship = commands.add_parser("ship", help="pack a shipper and hand it to the courier")
    words = ship.add_subparsers(dest="ship_command", required=True, metavar="COMMAND")
    opening = words.add_parser("open", help="open a shipper (an SSCC) for a case's containers")
    add_case_arguments(opening)
    opening.add_argument("--to", required=True, choices=sorted(DIRECTIONS), dest="direction")
    opening.set_defaults(handler=refusals(run_open))
    pack = _with_sscc(words.add_parser("pack", help="scan a container into the shipper"))
    pack.add_argument("scan", metavar="SCAN", help="the container's DIN bar code as scanned")
    pack.set_defaults(handler=refusals(run_pack))
    logger = _with_sscc(words.add_parser("logger", help="scan the data logger into the shipper"))
    logger.add_argument("scan", metavar="SCAN", help="the logger's GIAI, e.g. (8004)...")
    logger.set_defaults(handler=refusals(run_logger))
    label = _with_sscc(
        words.add_parser(
            "label",
            help="print (or reprint, with a reason) the shipper label (either leg); it is "
            "scanned on the box (label-scan) before the hand-over",
        )
    )
    label.add_argument("--printer", metavar="NAME", help="a configured printer (default: PDF)")
    label.add_argument("--out", type=Path, metavar="FILE", help="write the label's PDF here")
    label.add_argument("--reprint-reason", metavar="TEXT")
    label.set_defaults(handler=refusals(run_label))
    label_scan = _with_sscc(
        words.add_parser(
            "label-scan", help="scan the shipper label on its box (needed before the hand-over)"
        )
    )
    label_scan.add_argument("scan", metavar="SCAN", help="the label's SSCC or 2-D code as scanned")
    label_scan.set_defaults(handler=refusals(run_label_scan))
    manifest = _with_sscc(
        words.add_parser(
            "manifest", help="save the shipper's manifest (PDF, one page) for the courier to sign"
        )
    )
    manifest.add_argument("--out", required=True, type=Path, metavar="FILE")
    manifest.set_defaults(handler=refusals(run_manifest))
    handing = _with_sscc(words.add_parser("hand-over", help="hand the shipper to the courier"))
    handing.add_argument("--courier", required=True, metavar="NAME")
    handing.add_argument("--company", required=True, metavar="ORGANISATION")
    handing.set_defaults(handler=refusals(run_hand_over))

    receive = commands.add_parser("receive", help="receive a shipper: scan in, verify, accept")
    receive_words = receive.add_subparsers(dest="receive_command", required=True, metavar="COMMAND")
    scan = _with_sscc(
        receive_words.add_parser("scan", help="scan one container out of the arrived shipper")
    )
    scan.add_argument("scan", metavar="SCAN", help="the container's DIN or 2-D code as scanned")
    scan.set_defaults(handler=refusals(run_receive_scan))
    verify = _with_sscc(
        receive_words.add_parser(
            "verify", help="verify the receipt, signed (a second person at the receiving site)"
        )
    )
    verify.set_defaults(handler=refusals(run_verify))
    accept = _with_sscc(
        receive_words.add_parser("accept", help="accept a quarantined receipt, signed (QA)")
    )
    accept.add_argument("--justification", required=True)
    accept.set_defaults(handler=refusals(run_accept))
    status = _with_sscc(
        receive_words.add_parser("status", help="what arrived and what blocks acceptance")
    )
    status.set_defaults(handler=refusals(run_status))


def _print(key: str, shipment: ShipmentView) -> int:
    print_json({key: shipment_json(shipment)})
    return 0


def run_open(args: argparse.Namespace) -> int:
    """Open a shipper for the case."""
    with acting(args) as (database, actor):
        case = case_by_coi(database, actor, args.coi)
        shipment = create_shipment(database, actor, case.id, DIRECTIONS[args.direction])
    return _print("opened", shipment)


def run_pack(args: argparse.Namespace) -> int:
    """Scan one container into the shipper."""
    with acting(args) as (database, actor):
        shipment = pack_unit(database, actor, shipment_id_of(database, actor, args.sscc), args.scan)
    return _print("packed", shipment)


def run_logger(args: argparse.Namespace) -> int:
    """Scan the data logger into the shipper."""
    with acting(args) as (database, actor):
        shipment_id = shipment_id_of(database, actor, args.sscc)
        shipment = attach_logger(database, actor, shipment_id, args.scan)
    return _print("logger", shipment)


def run_label(args: argparse.Namespace) -> int:
    """Print the shipper label."""
    with acting(args) as (database, actor):
        printed = print_shipper_label(
            database,
            actor,
            shipment_id_of(database, actor, args.sscc),
            printer=args.printer,
            reprint_reason=args.reprint_reason,
        )
    if args.out is not None:
        args.out.write_bytes(printed.pdf)
    print_json(
        {
            "labelled": args.sscc,
            "serial": printed.label.serial,
            "printer": printed.label.printer_name,
            "pdf": str(args.out) if args.out is not None else None,
        }
    )
    return 0


def run_label_scan(args: argparse.Namespace) -> int:
    """Scan the shipper label on its box."""
    with acting(args) as (database, actor):
        label = apply_shipper_label(
            database, actor, shipment_id_of(database, actor, args.sscc), args.scan
        )
    print_json({"label_scanned": args.sscc, "serial": label.serial, "status": label.status.value})
    return 0


def run_manifest(args: argparse.Namespace) -> int:
    """Save the shipper's manifest."""
    with acting(args) as (database, actor):
        saved = save_manifest(database, actor, shipment_id_of(database, actor, args.sscc), args.out)
    print_json({"manifest": str(saved.path), "sha256": saved.sha256})
    return 0


def run_hand_over(args: argparse.Namespace) -> int:
    """Hand the shipper to the courier."""
    with acting(args) as (database, actor):
        shipment = hand_over(
            database,
            actor,
            shipment_id_of(database, actor, args.sscc),
            courier_name=args.courier,
            courier_organisation=args.company,
        )
    return _print("handed_over", shipment)


def run_receive_scan(args: argparse.Namespace) -> int:
    """Scan one container in."""
    with acting(args) as (database, actor):
        shipment_id = shipment_id_of(database, actor, args.sscc)
        shipment = receive_unit(database, actor, shipment_id, args.scan)
    return _print("received", shipment)


def run_verify(args: argparse.Namespace) -> int:
    """Verify the receipt, signed with the ``--as`` password."""
    with signing(args) as (database, actor, password):
        shipment_id = shipment_id_of(database, actor, args.sscc)
        complete_receipt(database, actor, shipment_id, password)
        status = receipt_status(database, actor, shipment_id)
    print_json(
        {
            "verified": shipment_json(status.shipment),
            "blocking": list(status.blocking_reasons),
        }
    )
    return 0


def run_accept(args: argparse.Namespace) -> int:
    """QA accepts a quarantined receipt, signed."""
    with signing(args) as (database, actor, password):
        shipment_id = shipment_id_of(database, actor, args.sscc)
        shipment = accept_receipt(database, actor, shipment_id, password, args.justification)
    return _print("accepted", shipment)


def run_status(args: argparse.Namespace) -> int:
    """Print where the receipt stands."""
    with acting(args) as (database, actor):
        status = receipt_status(database, actor, shipment_id_of(database, actor, args.sscc))
    print_json(
        {
            "shipment": shipment_json(status.shipment),
            "units": [
                {
                    "din": unit.din,
                    "outcome": unit.receipt_outcome.value if unit.receipt_outcome else None,
                    "side_state": unit.side_state.value,
                }
                for unit in status.units
            ],
            "received_by": status.received_by,
            "verified_by": status.verified_by,
            "blocking": list(status.blocking_reasons),
        }
    )
    return 0
