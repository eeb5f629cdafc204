"""``coi audit verify``: re-walk the hash chain."""

from __future__ import annotations

import argparse
import sys

from app.cli.common import add_db_option, database_from, print_json
from app.core import verify_database


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``audit verify`` to the command line."""
    audit = commands.add_parser("audit", help="the audit trail")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True, metavar="COMMAND")
    verify = audit_commands.add_parser(
        "verify",
        help="re-walk the hash chain; exit 0 when intact, 1 when broken",
    )
    add_db_option(verify)
    verify.set_defaults(handler=run_verify)


def run_verify(args: argparse.Namespace) -> int:
    """Print ``{"events": N, "ok": ..., "first_broken_seq": ...}``; exit 1 when broken."""
    with database_from(args, upgrade=False) as database:
        result = verify_database(database)
    print_json(result.as_dict())
    if not result.ok:
        print(f"audit event {result.first_broken_seq}: {result.problem}", file=sys.stderr)
    return 0 if result.ok else 1
