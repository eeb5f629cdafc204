"""``coi seed-demo``: load the demo reference data."""

from __future__ import annotations

import argparse

from app.cli.common import add_db_option, database_from, print_json, require_password, station
from app.demo import seed_demo
from app.users import authenticate


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


def run_seed(args: argparse.Namespace) -> int:
    """Sign in as the administrator and seed."""
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
