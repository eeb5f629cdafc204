"""``coi audit verify``: re-walk the hash chain."""

from __future__ import annotations

import argparse
import sys

from app.audit import reconcile_database
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
    verify.add_argument(
        "--records",
        action="store_true",
        help="also reconcile every audited record with its audit trail and check every "
        "signature against its record (record_mismatches); exit 1 when any differs",
    )
    verify.set_defaults(handler=run_verify)


def run_verify(args: argparse.Namespace) -> int:
    """Print ``{"events": N, "ok": ..., "first_broken_seq": ...}``; exit 1 when broken."""
    with database_from(args, upgrade=False) as database:
        result = verify_database(database)
        records = reconcile_database(database) if args.records else None
    output = result.as_dict()
    if not result.ok:
        print(f"audit event {result.first_broken_seq}: {result.problem}", file=sys.stderr)
    if records is not None:
        output["record_mismatches"] = records.as_list()
        output["ok"] = result.ok and records.ok
        for mismatch in records.mismatches:
            print(mismatch.message, file=sys.stderr)
    print_json(output)
    return 0 if output["ok"] else 1
