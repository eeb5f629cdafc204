"""``coi scan decode``, ``coi scan parse`` and ``coi id check``."""

from __future__ import annotations

import argparse
import sys

from app.cli.output import print_json
from labels.check_character import check_report


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``scan`` and ``id`` to the command line."""
    scan = commands.add_parser("scan", help="decode images and parse scanner text")
    scan_commands = scan.add_subparsers(dest="scan_command", required=True, metavar="COMMAND")
    decode = scan_commands.add_parser(
        "decode", help="decode the bar codes in image files; one JSON object per image"
    )
    decode.add_argument("images", nargs="+", metavar="IMAGE")
    decode.set_defaults(handler=run_decode)
    parse = scan_commands.add_parser("parse", help="parse raw scanner text into typed fields")
    parse.add_argument("text")
    parse.add_argument("--gs", metavar="TEXT", help="the scanner's substitute for GS, e.g. '^'")
    parse.set_defaults(handler=run_parse)

    identifier = commands.add_parser("id", help="identifier check characters")
    id_commands = identifier.add_subparsers(dest="id_command", required=True, metavar="COMMAND")
    check = id_commands.add_parser(
        "check", help="ISO/IEC 7064 mod 37-2 check character of 13 characters (DIN or COI)"
    )
    check.add_argument("text13")
    check.set_defaults(handler=run_check)


def run_decode(args: argparse.Namespace) -> int:
    """Decode each image; an unreadable file gets its error and the batch goes on."""
    from labels.decode import decode_image  # noqa: PLC0415 - the imaging libraries, this command only

    failures = 0
    for path in args.images:
        result = decode_image(path)
        line: dict[str, object] = {
            "file": path,
            "symbols": [
                {
                    "format": symbol.format,
                    "text": symbol.text,
                    "symbology_identifier": symbol.symbology_identifier,
                }
                for symbol in result.symbols
            ],
        }
        if result.error is not None:
            line["error"] = result.error
            failures += 1
        print_json(line)
    return 1 if failures else 0


def run_parse(args: argparse.Namespace) -> int:
    """Print the typed parse result; exit 0 whatever the text (validity is in the JSON)."""
    from labels.scan import parse_scan  # noqa: PLC0415 - the GS1 tables, this command only

    print_json(parse_scan(args.text, gs_substitute=args.gs).as_dict())
    return 0


def run_check(args: argparse.Namespace) -> int:
    """Print the check character, its value and the Type-3 flag."""
    try:
        report = check_report(args.text13)
    except ValueError as exc:
        print(f"coi: {exc}", file=sys.stderr)
        return 2
    print_json(report)
    return 0
