"""``coi key show|export|import``: the audit key that keys the audit chain."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli.output import print_json
from app.core import audit_key_path, export_key, import_key, load_key


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``key`` to the command line."""
    key = commands.add_parser(
        "key",
        help="the audit key (a secret file outside the database that keys the audit chain)",
        description="The audit chain is keyed (HMAC-SHA256) with a secret kept outside the "
        "database. `coi init` creates it; on a shared PostgreSQL database every workstation "
        "needs the same key: export it on one and import it on the others.",
    )
    key_commands = key.add_subparsers(dest="key_command", required=True, metavar="COMMAND")
    show = key_commands.add_parser("show", help="print the key file's path and key id")
    show.set_defaults(handler=run_show)
    export = key_commands.add_parser("export", help="copy the key to a new file (mode 0600)")
    export.add_argument("file", type=Path)
    export.set_defaults(handler=run_export)
    imported = key_commands.add_parser("import", help="install a key exported elsewhere")
    imported.add_argument("file", type=Path)
    imported.add_argument(
        "--replace",
        action="store_true",
        help="replace a different installed key (it is kept beside it as .replaced)",
    )
    imported.set_defaults(handler=run_import)


def run_show(_args: argparse.Namespace) -> int:
    """Print where the key is and its id (never the key)."""
    key = load_key()
    print_json({"path": str(key.path), "key_id": key.key_id})
    return 0


def run_export(args: argparse.Namespace) -> int:
    """Copy the key to ``FILE``."""
    key = export_key(args.file)
    print_json({"exported": str(args.file), "key_id": key.key_id})
    return 0


def run_import(args: argparse.Namespace) -> int:
    """Install the key in ``FILE`` as this workstation's."""
    key, moved = import_key(args.file, replace_existing=args.replace)
    print_json(
        {
            "path": str(audit_key_path()),
            "key_id": key.key_id,
            "replaced": str(moved) if moved else None,
        }
    )
    return 0
