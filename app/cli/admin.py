"""``coi init``, ``coi user ...``, ``coi printer ...``: set up a database, accounts, printers."""

from __future__ import annotations

import argparse
import secrets
import sys

from app.access import (
    authenticate,
    change_own_password,
    count_users,
    create_first_admin,
    create_user,
    list_users,
    parse_role,
    set_password,
    unlock_user,
)
from app.cli.common import (
    add_db_option,
    database_from,
    read_password,
    require_password,
    station,
)
from app.cli.output import print_json
from app.core import Database, UnitOfWork, ensure_clinic_key, ensure_key
from app.labelling import add_printer, list_printers
from db.enums import PrinterKind


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``init``, ``user`` and ``printer`` to the command line."""
    init = commands.add_parser(
        "init",
        help="create or upgrade the database schema and the first administrator",
        description="Create or upgrade the schema (an SQLite file is backed up first). On an "
        "empty database, create the first administrator; the password comes from "
        "COI_ADMIN_PASSWORD, the terminal or standard input, or is generated and printed once.",
    )
    add_db_option(init)
    init.add_argument("--admin-username", default="admin")
    init.add_argument("--admin-name", default="Administrator")
    init.add_argument(
        "--no-clinic-key",
        action="store_true",
        help="make no clinic key (a manufacturing workstation: patient identity stays hidden)",
    )
    init.set_defaults(handler=run_init)

    user = commands.add_parser("user", help="manage user accounts")
    user_commands = user.add_subparsers(dest="user_command", required=True, metavar="COMMAND")

    add = user_commands.add_parser(
        "add",
        help="create a user (as an administrator)",
        description="Create a user. You act as the administrator named by --as: their password "
        "comes from COI_AS_PASSWORD or the terminal; the new user's from COI_NEW_PASSWORD or "
        "the terminal.",
    )
    add_db_option(add)
    add.add_argument("username")
    add.add_argument("--full-name", required=True, help="printed name used on signatures")
    add.add_argument("--role", action="append", required=True, help="a role code (repeatable)")
    add.add_argument("--site", help="the user's site code")
    add.add_argument("--as", dest="as_user", required=True, metavar="ADMIN")
    add.set_defaults(handler=run_user_add)

    listing = user_commands.add_parser("list", help="list users as JSON lines")
    add_db_option(listing)
    listing.set_defaults(handler=run_user_list)

    unlock = user_commands.add_parser("unlock", help="unlock a locked account")
    add_db_option(unlock)
    unlock.add_argument("username")
    unlock.add_argument("--reason", required=True)
    unlock.add_argument("--as", dest="as_user", required=True, metavar="ADMIN")
    unlock.set_defaults(handler=run_user_unlock)

    passwd = user_commands.add_parser(
        "passwd", help="set a password (your own, or any as an administrator)"
    )
    add_db_option(passwd)
    passwd.add_argument("username")
    passwd.add_argument("--as", dest="as_user", metavar="USER", help="default: the user")
    passwd.set_defaults(handler=run_user_passwd)

    printer = commands.add_parser("printer", help="configure label printers")
    printer_commands = printer.add_subparsers(
        dest="printer_command", required=True, metavar="COMMAND"
    )
    padd = printer_commands.add_parser(
        "add",
        help="add a label printer (as an administrator)",
        description="Add a printer: --zpl HOST[:PORT] for a networked ZPL label printer (raw "
        "TCP, port 9100 by default), or --system for the system print dialog.",
    )
    add_db_option(padd)
    padd.add_argument("name")
    target = padd.add_mutually_exclusive_group(required=True)
    target.add_argument("--zpl", metavar="HOST[:PORT]")
    target.add_argument("--system", action="store_true")
    padd.add_argument("--dpi", type=int, default=300)
    padd.add_argument("--site", help="the site code where the printer stands")
    padd.add_argument("--as", dest="as_user", required=True, metavar="ADMIN")
    padd.set_defaults(handler=run_printer_add)
    plist = printer_commands.add_parser("list", help="list printers as JSON lines")
    add_db_option(plist)
    plist.set_defaults(handler=run_printer_list)


def run_init(args: argparse.Namespace) -> int:
    """Create the audit key and (unless ``--no-clinic-key``) the clinic key if there are none;
    upgrade the schema (keying a migrated chain, sealing identity written before encryption);
    create the first administrator on an empty database."""
    key, created = ensure_key()
    if created:
        print(
            f"created the audit key {key.path} (key id {key.key_id}); back it up, and on other "
            "workstations of a shared database install it with `coi key import`",
            file=sys.stderr,
        )
    if not args.no_clinic_key:
        clinic, made = ensure_clinic_key()
        if made:
            print(
                f"created the clinic key {clinic.path} (key id {clinic.key_id}): it seals "
                "patient identity; back it up (without it the identities cannot be read), and "
                "install it on the clinic's other workstations with `coi key import --clinic`",
                file=sys.stderr,
            )
    with database_from(args) as database:
        if count_users(database) == 0:
            password = read_password("Password for the first administrator", "COI_ADMIN_PASSWORD")
            generated = password is None
            if password is None:
                password = secrets.token_urlsafe(12)
            admin = create_first_admin(
                database,
                args.admin_username,
                args.admin_name,
                password,
                station(),
                must_change_password=generated,
            )
            print(f"created administrator {admin.username!r} on {database.display_url}")
            if generated:
                print(
                    f"initial password for {admin.username!r}: {password}\n"
                    f"(shown once; it must be changed before anything else: sign in, or run "
                    f"`coi user passwd {admin.username}`)",
                    file=sys.stderr,
                )
        else:
            print(f"database {database.display_url} is at the current schema")
    return 0


def _sign_in_as(database: Database, username: str) -> UnitOfWork:
    password = require_password(f"Password of {username}", "COI_AS_PASSWORD")
    actor = authenticate(database, username, password, station())
    return UnitOfWork(database, actor)


def run_user_add(args: argparse.Namespace) -> int:
    """Create a user as the administrator named by ``--as``."""
    roles = [parse_role(text) for text in args.role]
    with database_from(args) as database:
        with _sign_in_as(database, args.as_user) as uow:
            new_password = require_password(
                f"Password for {args.username}", "COI_NEW_PASSWORD", confirm=True
            )
            user = create_user(
                uow,
                username=args.username,
                full_name=args.full_name,
                password=new_password,
                roles=roles,
                site_code=args.site,
                must_change_password=True,
            )
            uow.commit()
        print_json({"created": user.username, "roles": sorted(user.roles), "site": user.site_code})
        print(
            f"{user.username} signs in with this password and must choose their own first.",
            file=sys.stderr,
        )
    return 0


def run_user_list(args: argparse.Namespace) -> int:
    """Print every user as one JSON object per line."""
    with database_from(args) as database:
        for user in list_users(database):
            print_json(
                {
                    "username": user.username,
                    "full_name": user.full_name,
                    "roles": sorted(user.roles),
                    "site": user.site_code,
                    "active": user.active,
                    "locked": user.locked,
                }
            )
    return 0


def run_user_unlock(args: argparse.Namespace) -> int:
    """Unlock an account as the administrator named by ``--as``."""
    with database_from(args) as database:
        with _sign_in_as(database, args.as_user) as uow:
            user = unlock_user(uow, args.username, args.reason)
            uow.commit()
        print_json({"unlocked": user.username})
    return 0


def run_user_passwd(args: argparse.Namespace) -> int:
    """Change one's own password (also a generated one), or another's as an administrator."""
    with database_from(args) as database:
        if args.as_user is None or args.as_user.strip().lower() == args.username.strip().lower():
            password = require_password(f"Password of {args.username}", "COI_AS_PASSWORD")
            actor = authenticate(database, args.username, password, station())
            new_password = require_password(
                f"New password for {args.username}", "COI_NEW_PASSWORD", confirm=True
            )
            change_own_password(database, actor, password, new_password)
            print_json({"password_changed": actor.username})
            return 0
        with _sign_in_as(database, args.as_user) as uow:
            new_password = require_password(
                f"New password for {args.username}", "COI_NEW_PASSWORD", confirm=True
            )
            set_password(uow, args.username, new_password)
            uow.commit()
        print_json({"password_changed": args.username})
    return 0


def run_printer_add(args: argparse.Namespace) -> int:
    """Add a printer as the administrator named by --as."""
    host, port = None, 9100
    if args.zpl:
        host, _, port_text = args.zpl.partition(":")
        port = int(port_text) if port_text.isdigit() else 9100
    with database_from(args) as database, _sign_in_as(database, args.as_user) as uow:
        view = add_printer(
            uow,
            name=args.name,
            kind=PrinterKind.ZPL if args.zpl else PrinterKind.SYSTEM,
            host=host,
            port=port,
            dpi=args.dpi,
            site_code=args.site,
        )
        uow.commit()
    print_json({"name": view.name, "kind": view.kind.value, "address": view.address})
    return 0


def run_printer_list(args: argparse.Namespace) -> int:
    """Print one JSON object per printer."""
    with database_from(args) as database:
        for view in list_printers(database):
            print_json(
                {
                    "name": view.name,
                    "kind": view.kind.value,
                    "address": view.address,
                    "dpi": view.dpi,
                    "site": view.site_code,
                }
            )
    return 0
