"""``coi seed-demo`` (reference data) and ``coi demo`` (a complete journey into a new database)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from app.access import authenticate
from app.cli.common import add_db_option, database_from, require_password, station
from app.cli.output import print_json
from app.core import ensure_clinic_key, ensure_key, remove_anchor
from app.demo import run_demo, seed_demo


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``seed-demo`` to the command line."""
    seed = commands.add_parser(
        "seed-demo",
        help="load demo sites, users for every role, temperature profiles and the demo product",
        description="Load the demo reference data as the administrator named by --as (password "
        "from COI_AS_PASSWORD, the terminal or standard input). Demo users get the password "
        "'demo-password'. Not for production databases.",
    )
    add_db_option(seed)
    seed.add_argument("--as", dest="as_user", required=True, metavar="ADMIN")
    seed.set_defaults(handler=run_seed)
    demo = commands.add_parser(
        "demo",
        help="run one complete vein-to-vein journey into a new database",
        description="Create a new database (DIR/demo.db, or the empty database named by --db), "
        "load the demo reference data and drive one case from enrolment to infusion through "
        "the services: a refused wrong-patient scan, a short excursion QA accepts, QC, QP "
        "release and the bedside check. Writes the printed label PDFs, the logger files and "
        "summary.json to DIR. Exit 0 only when the journey completed and the audit chain "
        "verifies.",
    )
    demo.add_argument("--out", required=True, type=Path, metavar="DIR")
    demo.add_argument(
        "--showcase",
        action="store_true",
        help="also leave cases at every intermediate stage (what ./run.sh shows); the "
        "administrator 'admin' then has the demo password too",
    )
    add_db_option(demo)
    demo.set_defaults(handler=run_demo_command)


def run_seed(args: argparse.Namespace) -> int:
    """Sign in as the administrator and seed."""
    ensure_key()
    with database_from(args) as database:
        password = require_password(f"Password of {args.as_user}", "COI_AS_PASSWORD")
        admin = authenticate(database, args.as_user, password, station())
        report = seed_demo(database, admin)
    print_json(
        {
            "sites": report.sites,
            "users": report.users,
            "profiles": report.profiles,
            "products": report.products,
        }
    )
    return 0


def run_demo_command(args: argparse.Namespace) -> int:
    """Run the demo journey; print and write the summary."""
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    if args.db is None:
        target = out / "demo.db"
        for leftover in (target, out / "demo.db-wal", out / "demo.db-shm"):
            leftover.unlink(missing_ok=True)
        args.db = f"sqlite:///{target.resolve()}"
        remove_anchor(args.db)  # the anchor of the demo database deleted just now
    ensure_key()
    ensure_clinic_key()  # the demo enrols patients: its one workstation is also the clinic's
    with database_from(args) as database:
        summary = run_demo(database, out, station(), showcase=args.showcase)
    (out / "summary.json").write_text(
        json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    print_json(summary)
    return 0 if summary["completed"] and summary["audit_verify"]["ok"] else 1
