"""Entry point of the ``coi`` command."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from app.cli import (
    admin,
    audit,
    backup,
    case,
    demo,
    epcis,
    exchange,
    key,
    loadtest,
    logger,
    report,
    scan,
)
from app.core import CoiError

EXIT_OK = 0
EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    """The full ``coi`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="coi",
        description="COI Tracker: chain of identity and custody for cell and gene therapies.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    admin.register(commands)
    audit.register(commands)
    backup.register(commands)
    case.register(commands)
    demo.register(commands)
    epcis.register(commands)
    exchange.register(commands)
    key.register(commands)
    loadtest.register(commands)
    logger.register(commands)
    report.register(commands)
    scan.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; known errors print one clear line and exit with status 2."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        status: int = args.handler(args)
    except CoiError as exc:
        print(f"coi: {exc.title.lower()}: {exc.message}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("coi: interrupted; nothing more was written", file=sys.stderr)
        return 130
    return status


if __name__ == "__main__":
    sys.exit(main())
