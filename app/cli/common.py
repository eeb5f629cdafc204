"""Shared pieces of the command line: database option, passwords, JSON output."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from app.core import (
    Database,
    ValidationFailed,
    open_database,
    resolve_database_url,
    resolve_station,
)


def add_db_option(parser: argparse.ArgumentParser) -> None:
    """``--db URL`` (else COI_DATABASE_URL, else the settings file, else the default SQLite)."""
    parser.add_argument(
        "--db",
        metavar="URL",
        help="database URL: sqlite:///PATH or postgresql+psycopg://USER@HOST:PORT/NAME "
        "(default: COI_DATABASE_URL, the settings file, or the SQLite file in the user data "
        "directory)",
    )


AS_PASSWORD_VARIABLE = "COI_AS_PASSWORD"  # noqa: S105 - the name of the variable
PASSWORD_VARIABLE = "COI_PASSWORD"  # noqa: S105 - the issue's name for it, read second


def add_as_option(parser: argparse.ArgumentParser) -> None:
    """``--db URL`` and ``--as USER`` (the user the command acts as)."""
    add_db_option(parser)
    parser.add_argument(
        "--as",
        dest="as_user",
        required=True,
        metavar="USER",
        help=f"act as USER (password from {AS_PASSWORD_VARIABLE} or {PASSWORD_VARIABLE}, the "
        "terminal, or one line of standard input)",
    )


def add_case_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """``--db``, ``--as`` and the case's ``COI``."""
    add_as_option(parser)
    parser.add_argument("coi", metavar="COI")
    return parser


@contextmanager
def database_from(args: argparse.Namespace, *, upgrade: bool = True) -> Iterator[Database]:
    """Open the database the arguments name (upgrading its schema when asked); close it after."""
    database = open_database(resolve_database_url(args.db), upgrade=upgrade)
    try:
        yield database
    finally:
        database.dispose()


def station() -> str:
    """This station's name for the audit trail."""
    return resolve_station()


def read_password(prompt: str, env_var: str, *, confirm: bool = False) -> str | None:
    """A password from ``env_var``, the terminal, or one line of standard input; None if none.

    The ``--as`` user's password may also come from ``COI_PASSWORD`` (the issue's name)."""
    from_env = os.environ.get(env_var)
    if not from_env and env_var == AS_PASSWORD_VARIABLE:
        from_env = os.environ.get(PASSWORD_VARIABLE)
    if from_env:
        return from_env
    if sys.stdin.isatty():
        first = getpass.getpass(f"{prompt}: ")
        if confirm and getpass.getpass(f"{prompt} (again): ") != first:
            raise ValidationFailed("The two passwords differ; nothing was changed.")
        return first
    line = sys.stdin.readline()
    return line.rstrip("\r\n") or None


def require_password(prompt: str, env_var: str, *, confirm: bool = False) -> str:
    """Like :func:`read_password`, but a missing password is an error naming how to give it."""
    password = read_password(prompt, env_var, confirm=confirm)
    if password is None:
        raise ValidationFailed(
            f"{prompt} is needed: type it at the terminal, pipe it on standard input, "
            f"or set {env_var}."
        )
    return password
