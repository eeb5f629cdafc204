"""The database password in the keyring, never the settings file (with and without a keyring).

The keyring here is a test double of the operating system's service: an in-memory backend set
with ``keyring.set_keyring``; "no keyring" is the library's own ``fail.Keyring``, which is what
a headless machine has.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from keyring.errors import PasswordDeleteError, PasswordSetError

from app.core import load_settings, resolve_database_url, save_settings
from app.core.config import Settings
from app.core.saved_secrets import (
    SERVICE,
    forget_url_password,
    keyring_problem,
    password_wanted,
    save_url_password,
    with_password,
    with_saved_password,
)

URL = "postgresql+psycopg://coi:s3cret@db.example:5432/coi"
BARE = "postgresql+psycopg://coi@db.example:5432/coi"


class MemoryKeyring(KeyringBackend):
    """An in-memory keyring (the operating system's service, in a test)."""

    priority = 1.0

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # keyring is untyped here
        self.items: dict[tuple[str, str], str] = {}
        self.refuse = False

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        if self.refuse:
            raise PasswordSetError("locked")
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.items:
            raise PasswordDeleteError("none")
        del self.items[(service, username)]


@pytest.fixture
def memory() -> Iterator[MemoryKeyring]:
    before = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(before)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())  # type: ignore[no-untyped-call]
    yield
    keyring.set_keyring(before)


@pytest.fixture
def settings_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "settings.json"
    monkeypatch.setenv("COI_SETTINGS", str(path))
    monkeypatch.delenv("COI_DATABASE_URL", raising=False)
    return path


def test_the_password_goes_to_the_keyring_and_back(memory: MemoryKeyring) -> None:
    saved = save_url_password(URL)
    assert saved.in_keyring and saved.url == BARE and "s3cret" not in saved.url
    assert memory.items == {(SERVICE, BARE): "s3cret"}
    assert with_saved_password(BARE) == URL
    assert with_saved_password("postgresql+psycopg://other@db.example/coi").endswith("/coi")
    forget_url_password(URL)
    assert memory.items == {} and with_saved_password(BARE) == BARE
    forget_url_password(URL)  # twice: nothing to forget, no error


def test_without_a_keyring_the_password_is_not_saved_and_the_person_is_told(
    no_keyring: None,
) -> None:
    problem = keyring_problem()
    assert problem is not None and "no keyring service" in problem
    saved = save_url_password(URL)
    assert not saved.in_keyring and saved.url == BARE
    assert "NOT saved" in saved.note and "asks for it when it starts" in saved.note
    assert with_saved_password(BARE) == BARE
    assert password_wanted(BARE, 'FATAL: password authentication failed for user "coi"')
    assert not password_wanted(URL, "password authentication failed")
    assert with_password(BARE, "typed") == "postgresql+psycopg://coi:typed@db.example:5432/coi"


def test_a_keyring_that_refuses_is_said_in_words(memory: MemoryKeyring) -> None:
    memory.refuse = True
    saved = save_url_password(URL)
    assert not saved.in_keyring and "the keyring refused it (locked)" in saved.note


def test_a_password_an_earlier_version_left_in_the_settings_file_moves_to_the_keyring(
    memory: MemoryKeyring, settings_file: Path
) -> None:
    save_settings(Settings(database_url=URL))
    assert resolve_database_url() == URL  # the database still opens with it
    assert "s3cret" not in settings_file.read_text(encoding="utf-8")
    assert load_settings().database_url == BARE
    assert resolve_database_url() == URL  # read back from the keyring


def test_without_a_keyring_an_old_plain_password_is_kept_not_lost(
    no_keyring: None, settings_file: Path
) -> None:
    save_settings(Settings(database_url=URL))
    assert resolve_database_url() == URL
    assert json.loads(settings_file.read_text(encoding="utf-8"))["database_url"] == URL
