"""Database faults in words: a lost connection, a read-only or full SQLite file.

`explain_fault` is an engine ``handle_error`` hook (`app.core.database.connect`, set once the
first connection worked), so every statement, in a unit of work or a read, fails the same clear
way, and so does a new connection to a server that has gone away. A lost PostgreSQL connection
is invalidated by SQLAlchemy before the error reaches the caller; the engine's ``pool_pre_ping``
replaces dead pooled connections, so the next call reconnects by itself once the server is back.
The transaction that met the fault is never committed: nothing of it is stored.
"""

from __future__ import annotations

from typing import Any

from app.core.errors import DatabaseUnavailable

_SQLITE_READ_ONLY = ("readonly database", "read-only")
_SQLITE_FULL = ("database or disk is full",)


def fault_message(
    backend: str,
    error: BaseException,
    *,
    disconnected: bool,
    connecting: bool = False,
    committing: bool = False,
) -> str | None:
    """What to tell the user about ``error`` (the driver's exception), or None to leave it."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    if connecting and backend != "sqlite":
        return (
            f"The database server cannot be reached ({text}). Nothing was saved: check that "
            "the server is running and the network is up, then try again. The app "
            "reconnects by itself as soon as the server can be reached."
        )
    if disconnected and committing:  # the server may have committed before the line went
        return (
            f"The connection to the database was lost while the change was being committed "
            f"({text}): it may or may not have been saved. Reload and look before doing it "
            "again. The app reconnects by itself as soon as the server can be reached."
        )
    if disconnected:
        return (
            f"The connection to the database was lost ({text}). Nothing was saved: try "
            "again. The app reconnects by itself as soon as the server can be reached."
        )
    if backend != "sqlite":
        return None
    lowered = text.lower()
    if any(words in lowered for words in _SQLITE_READ_ONLY):
        return (
            f"The database file cannot be written: it or its folder is read-only ({text}). "
            "Nothing was saved and the database is unchanged. Ask the administrator to make "
            "the file and its folder writable, then try again."
        )
    if any(words in lowered for words in _SQLITE_FULL):
        return (
            f"The database is full: the disk (or the database's size limit) has no room left "
            f"({text}). Nothing was saved and the database is unchanged. Free some space, "
            "then try again."
        )
    return None


def explain_fault(context: Any) -> None:
    """``handle_error`` hook: raise `DatabaseUnavailable` for the faults above."""
    if context.is_pre_ping:
        return  # the pool's liveness check: a dead connection is replaced on its own
    original = context.original_exception
    message = fault_message(
        context.engine.dialect.name,
        original,
        disconnected=bool(context.is_disconnect),
        connecting=context.connection is None,  # a new connection the server did not take
        committing=context.connection is not None and context.statement is None,
    )
    if message is not None:
        raise DatabaseUnavailable(message) from context.sqlalchemy_exception
