"""Acting as a user from the command line: sign-in, the case a COI names, refusals as JSON.

Shared by the case and journey commands: every command signs in as ``--as`` (password from
COI_AS_PASSWORD or COI_PASSWORD, the terminal or one line of standard input), and a refusal by
the service prints ``{"error": ...}`` and exits with status 1 (the service wrote nothing).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from app.access import authenticate
from app.casefile import list_cases
from app.cli.common import AS_PASSWORD_VARIABLE, database_from, require_password, station
from app.cli.output import print_json
from app.core import Actor, CoiError, Database, ScanMismatch, ValidationFailed, coi_fragment
from app.journey import CaseView, DuplicatePatient, find_case

EXIT_REFUSED = 1


def refusals(run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Run a command; a known refusal prints ``{"error": ...}`` and exits with status 1."""

    def guarded(args: argparse.Namespace) -> int:
        try:
            return run(args)
        except DuplicatePatient as refusal:
            print_json(
                {
                    "error": refusal.message,
                    "known_cases": [str(c) for k in refusal.known for c in k.cases],
                }
            )
        except ScanMismatch as refusal:
            print_json(
                {
                    "error": refusal.message,
                    "refused_scan": True,
                    "deviation": refusal.deviation_number,
                }
            )
        except CoiError as refusal:
            print_json({"error": refusal.message})
        return EXIT_REFUSED

    return guarded


def signed_in(database: Database, username: str) -> tuple[Actor, str]:
    """The ``--as`` user signed in, and the password (a signing command signs with it)."""
    password = require_password(f"Password of {username}", AS_PASSWORD_VARIABLE)
    return authenticate(database, username.strip(), password, station()), password


@contextmanager
def signing(args: argparse.Namespace) -> Iterator[tuple[Database, Actor, str]]:
    """The database the arguments name, the ``--as`` user signed in on it, and the password (a
    signing command signs with it); the database closed after."""
    with database_from(args) as database:
        actor, password = signed_in(database, args.as_user)
        yield database, actor, password


@contextmanager
def acting(args: argparse.Namespace) -> Iterator[tuple[Database, Actor]]:
    """The database the arguments name and the ``--as`` user signed in on it; closed after."""
    with signing(args) as (database, actor, _password):
        yield database, actor


def case_by_coi(database: Database, actor: Actor, typed: str) -> CaseView:
    """The case ``typed`` names (with or without spaces and check character), if ``actor``
    may see it."""
    fragment = coi_fragment(typed)
    if len(fragment) == 16:
        raise ValidationFailed(f"The check character of {typed.strip()[:40]!r} does not match.")
    if len(fragment) != 15 or not fragment.startswith("CH"):
        raise ValidationFailed(
            f"{typed.strip()[:40]!r} is not a COI: CH, then 13 characters (spaces and the "
            "check character are optional)."
        )
    page = list_cases(database, actor, search=fragment, limit=2)
    found = next((row for row in page.rows if row.coi == fragment), None)
    if found is None:
        raise ValidationFailed(f"No case you may see has the COI {fragment}.")
    return find_case(database, actor, found.id)


def moment(text: str) -> datetime:
    """An ISO 8601 time with its zone (``Z`` or ``+01:00``), or ``now``, for argparse."""
    if text.strip().lower() == "now":
        return datetime.now(UTC)
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a time as YYYY-MM-DDTHH:MM[:SS]Z (or +HH:MM), nor 'now'"
        ) from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no time zone: add Z or +HH:MM")
    return value.astimezone(UTC)
