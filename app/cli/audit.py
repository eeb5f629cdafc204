"""``coi audit verify``: re-walk the keyed chain, compare it with the anchor, check triggers."""

from __future__ import annotations

import argparse
import sys

from app.audit import verify_with_records
from app.cli.common import add_db_option, database_from
from app.cli.output import print_json
from app.core import current_seal, parse_seal, verify_database


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``audit verify`` and ``audit seal`` to the command line."""
    audit = commands.add_parser("audit", help="the audit trail")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True, metavar="COMMAND")
    verify = audit_commands.add_parser(
        "verify",
        help="re-walk the keyed chain, compare it with this workstation's anchor, check the "
        "append-only triggers; exit 0 only when all hold, 1 otherwise",
        description="Prints {events, ok, first_broken_seq, keyed, anchor: {seq, hash, matches}, "
        "triggers_ok, record_mismatches, problems, notes}. Needs the audit key (`coi key "
        "import`); a missing or wrong key is an error (exit 2), never an unkeyed check.",
    )
    add_db_option(verify)
    verify.add_argument(
        "--seal",
        metavar="TEXT",
        help="also check against a head printed on a report: 'COI-AUDIT-SEAL v1 seq=N hash=H'",
    )
    verify.add_argument(
        "--records",
        action="store_true",
        help="also reconcile every audited record with its audit trail and check every "
        "signature against its record (record_mismatches); exit 1 when any differs",
    )
    verify.set_defaults(handler=run_verify)
    seal = audit_commands.add_parser("seal", help="print the chain's head as a seal line")
    add_db_option(seal)
    seal.set_defaults(handler=run_seal)


def run_verify(args: argparse.Namespace) -> int:
    """Print the verification as JSON; each problem on standard error; exit 1 unless all hold."""
    seal = parse_seal(args.seal) if args.seal else None
    with database_from(args, upgrade=False) as database:
        if args.records:  # one walk over the events for the chain and the records
            result = verify_with_records(database, seal=seal)
        else:
            result = verify_database(database, seal=seal)
    print_json(result.as_dict())
    for problem in result.problems:
        print(problem, file=sys.stderr)
    records = result.reconciliation
    for mismatch in records.mismatches if records is not None else ():
        print(mismatch.message, file=sys.stderr)
    return 0 if result.ok else 1


def run_seal(args: argparse.Namespace) -> int:
    """Print ``COI-AUDIT-SEAL v1 seq=N hash=H`` for the chain's head now."""
    with database_from(args, upgrade=False) as database:
        print(current_seal(database))
    return 0
