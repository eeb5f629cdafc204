"""SQLite session templates: copied, driven once, then folded into one file to copy per test."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from db.engine import make_engine

T = TypeVar("T")


def checkpoint_sqlite(path: Path) -> None:
    """Fold the write-ahead log of the SQLite file ``path`` into the file itself."""
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()


def driven_sqlite_template(path: Path, source: Path | None, drive: Callable[[str], T]) -> T:
    """Copy ``source`` to ``path`` (none: start with no file), run ``drive`` on its URL, and
    checkpoint the WAL so that a plain file copy of ``path`` holds everything; what ``drive``
    returned. ``drive`` disposes of whatever it opened."""
    if source is not None:
        shutil.copyfile(source, path)
    result = drive(f"sqlite:///{path}")
    checkpoint_sqlite(path)
    return result
