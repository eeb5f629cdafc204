"""``coi backup`` and ``coi restore``: a whole database to a file and back, checked."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.admin import backup_database, restore_database
from app.cli.common import add_db_option, database_from
from app.cli.output import print_json
from app.core import resolve_database_url


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``backup`` and ``restore`` to the command line."""
    backup = commands.add_parser(
        "backup",
        help="back up the whole database to FILE (SQLite: online backup; PostgreSQL: pg_dump "
        "custom format) with FILE.manifest.json beside it",
        description="Prints {file, method, revision, counts per table, audit_head {seq, hash}, "
        "audit_key_id, ...}. Consistent while others write. The audit key is not in the "
        "backup: verifying a restore needs the key with audit_key_id.",
    )
    backup.add_argument("--out", required=True, type=Path, metavar="FILE", help="the new file")
    add_db_option(backup)
    backup.set_defaults(handler=run_backup)
    restore = commands.add_parser(
        "restore",
        help="restore FILE into an EMPTY database, then check the counts and the audit chain; "
        "exit 0 only when all hold, 1 otherwise",
        description="Refuses a database that holds any table. Needs FILE.manifest.json beside "
        "FILE and the audit key the backup names. Prints {ok, counts, counts_match, "
        "count_differences, audit_head, audit, ...}.",
    )
    restore.add_argument("file", type=Path, metavar="FILE", help="a file from `coi backup`")
    restore.add_argument("--db", required=True, metavar="URL", help="the empty target database")
    restore.set_defaults(handler=run_restore)


def run_backup(args: argparse.Namespace) -> int:
    """Back up and print the manifest as JSON."""
    with database_from(args, upgrade=False) as database:
        result = backup_database(database, args.out)
    print_json(result.as_dict())
    return 0


def run_restore(args: argparse.Namespace) -> int:
    """Restore, print what was checked as JSON; each problem on standard error."""
    result = restore_database(args.file, resolve_database_url(args.db))
    print_json(result.as_dict())
    if not result.ok:
        for table, counts in result.data["count_differences"].items():
            print(
                f"{table}: {counts['restored']} rows restored, the backup holds {counts['backup']}",
                file=sys.stderr,
            )
        for problem in result.data["audit"]["problems"]:
            print(problem, file=sys.stderr)
    return 0 if result.ok else 1
