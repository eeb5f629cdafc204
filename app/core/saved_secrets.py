"""Passwords kept in the operating system's keyring, never in the settings file.

A database URL saved in the settings file carries no password: the password goes to the
keyring (``keyring``: the Windows Credential Manager, macOS Keychain, Secret Service...) under
the service ``COI Tracker`` and the URL without its password as the account. Where the computer
has no keyring (``keyring.backends.fail.Keyring``, e.g. a headless server) the password is not
saved at all, and the person is told so: it is asked at start-up (or taken from the
PostgreSQL ``PGPASSWORD`` / ``.pgpass`` the driver reads). A settings file written by an
earlier version with the password inside the URL is moved to the keyring when there is one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import keyring
from keyring.backends import fail
from keyring.errors import KeyringError
from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError

log = logging.getLogger(__name__)

SERVICE = "COI Tracker"
"""The keyring service name the passwords are stored under."""


@dataclass(frozen=True)
class SavedUrl:
    """A database URL as saved: without its password, and where the password went."""

    url: str
    in_keyring: bool
    note: str
    """In words, for the person saving it: where the password is (or why it is not saved)."""


def keyring_problem() -> str | None:
    """Why passwords cannot be kept in a keyring here (None: they can)."""
    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring):
        return (
            "this computer has no keyring service (the keyring library found none: "
            f"{type(backend).__module__}.{type(backend).__name__})"
        )
    return None


def split_password(url: str) -> tuple[str, str | None]:
    """``url`` without its password, and the password (None: it has none or is no URL)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return url, None
    if parsed.password is None:
        return url, None
    bare = parsed._replace(password=None)  # URL.set(password=None) keeps the password
    return bare.render_as_string(hide_password=False), str(parsed.password)


def save_url_password(url: str) -> SavedUrl:
    """Move the password of ``url`` to the keyring; the URL to save (never with a password)."""
    bare, password = split_password(url)
    if password is None:
        return SavedUrl(url, False, "The URL holds no password.")
    problem = keyring_problem()
    if problem is None:
        try:
            keyring.set_password(SERVICE, bare, password)
        except KeyringError as exc:
            problem = f"the keyring refused it ({exc})"
    if problem is not None:
        return SavedUrl(
            bare,
            False,
            f"The password was NOT saved: {problem}, and it is never written to the settings "
            "file. COI Tracker asks for it when it starts (or set PGPASSWORD / a .pgpass "
            "file for the command line).",
        )
    return SavedUrl(bare, True, "The password is kept in this computer's keyring.")


def with_saved_password(url: str) -> str:
    """``url`` with the password the keyring holds for it (unchanged when it holds none)."""
    bare, password = split_password(url)
    if password is not None or keyring_problem() is not None:
        return url
    try:
        saved = keyring.get_password(SERVICE, bare)
    except KeyringError as exc:
        log.warning("the keyring could not be read: %s", exc)
        return url
    if saved is None:
        return url
    return make_url(bare).set(password=saved).render_as_string(hide_password=False)


def forget_url_password(url: str) -> None:
    """Remove the keyring's password for ``url`` (nothing when there is none or no keyring)."""
    bare, _password = split_password(url)
    if keyring_problem() is not None:
        return
    try:
        keyring.delete_password(SERVICE, bare)
    except KeyringError:
        return  # none was saved


def password_wanted(url: str, error: str) -> bool:
    """Whether opening ``url`` failed for want of the password it has not got (ask for it)."""
    bare, password = split_password(url)
    return password is None and bare.startswith("postgresql") and "password" in error.lower()


def with_password(url: str, password: str) -> str:
    """``url`` with ``password`` (typed at start-up; kept in memory only)."""
    return make_url(url).set(password=password).render_as_string(hide_password=False)
