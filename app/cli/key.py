"""``coi key show|export|import [--clinic]``: the audit key, or the clinic key.

The audit key keys the audit chain; the clinic key seals patient identity. Both are secret
files outside the database, and both move between workstations the same way.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli.output import print_json
from app.core import (
    audit_key_path,
    clinic_key,
    clinic_key_path,
    export_clinic_key,
    export_key,
    import_clinic_key,
    import_key,
    load_key,
    require_clinic_key,
)

_CLINIC_HELP = "the clinic key (seals patient identity) instead of the audit key"


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``key`` to the command line."""
    key = commands.add_parser(
        "key",
        help="the audit key and the clinic key (secret files outside the database)",
        description="The audit chain is keyed (HMAC-SHA256) with a secret kept outside the "
        "database; patient identity is sealed (AES-GCM) with the clinic key, also kept "
        "outside it. `coi init` creates both; on a shared PostgreSQL database every "
        "workstation needs the same audit key, and every clinic workstation the same clinic "
        "key (a manufacturing workstation has none): export them on one and import them on "
        "the others. --clinic chooses the clinic key.",
    )
    key_commands = key.add_subparsers(dest="key_command", required=True, metavar="COMMAND")
    show = key_commands.add_parser("show", help="print the key file's path and key id")
    show.add_argument("--clinic", action="store_true", help=_CLINIC_HELP)
    show.set_defaults(handler=run_show)
    export = key_commands.add_parser("export", help="copy the key to a new file (mode 0600)")
    export.add_argument("file", type=Path)
    export.add_argument("--clinic", action="store_true", help=_CLINIC_HELP)
    export.set_defaults(handler=run_export)
    imported = key_commands.add_parser("import", help="install a key exported elsewhere")
    imported.add_argument("file", type=Path)
    imported.add_argument("--clinic", action="store_true", help=_CLINIC_HELP)
    imported.add_argument(
        "--replace",
        action="store_true",
        help="replace a different installed key (it is kept beside it as .replaced)",
    )
    imported.set_defaults(handler=run_import)


def run_show(args: argparse.Namespace) -> int:
    """Print where the key is and its id (never the key)."""
    if args.clinic:
        found = clinic_key()
        print_json(
            {
                "kind": "clinic",
                "path": str(clinic_key_path()),
                "key_id": found.key_id if found else None,
                "present": found is not None,
            }
        )
        return 0
    key = load_key()
    print_json({"path": str(key.path), "key_id": key.key_id})
    return 0


def run_export(args: argparse.Namespace) -> int:
    """Copy the key to ``FILE``."""
    if args.clinic:
        require_clinic_key("export the clinic key")
        found = export_clinic_key(args.file)
        print_json({"kind": "clinic", "exported": str(args.file), "key_id": found.key_id})
        return 0
    key = export_key(args.file)
    print_json({"exported": str(args.file), "key_id": key.key_id})
    return 0


def run_import(args: argparse.Namespace) -> int:
    """Install the key in ``FILE`` as this workstation's."""
    if args.clinic:
        clinic, moved = import_clinic_key(args.file, replace_existing=args.replace)
        path, key_id = clinic_key_path(), clinic.key_id
    else:
        audit, moved = import_key(args.file, replace_existing=args.replace)
        path, key_id = audit_key_path(), audit.key_id
    print_json(
        {
            "path": str(path),
            "key_id": key_id,
            "replaced": str(moved) if moved else None,
        }
    )
    return 0
