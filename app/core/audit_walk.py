"""The one walk over the audit events that both checks the chain and replays the records.

The events are read as plain rows (no ORM or type processing; the time as canonical text made
by the database), a batch at a time. For each batch: the anchor's and seal's hashes are
compared, each event's sequence, link and hash are checked until the first that does not hold
(its canonical content built as JSON text directly, the HMAC copied from one keyed state), and
the ``new_values`` texts of the audited records' events are kept in a ``Replay`` (parsed only
when a record's row is compared: ``app.core.record_replay``). An event whose fast check fails
is judged again by the caller's exact, typed path (``Judge``), so the fast path can only make
verification quicker, never more lenient.

On SQLite the database writes each event's hashed message itself (``_SQLITE_MESSAGE``: its
content as one ``json_object`` in the canonical key order, then the stored previous hash): its
JSON strings are escaped exactly as ``json.dumps(ensure_ascii=False)`` escapes them (every code
point checked, ``tests/unit/test_audit_walk.py``), so no Python call per field; the columns only
the message needs are not read on their own. A text SQLite renders otherwise (a value stored
with another type) only fails the HMAC and is judged exactly; a value JSON cannot hold (bytes)
stops the query, and the walk starts again with the message built in Python (``fast_content``).
An HMAC that holds proves the text is one the key holder hashed: a JSON object text decodes to
one set of values, so the stored fields are the ones written.
"""

from __future__ import annotations

import hashlib
import hmac
import sqlite3
from _hashlib import hmac_digest
from collections.abc import Callable, Iterator, Sequence
from json.encoder import encode_basestring
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from app.core.record_replay import Replay

Judge = Callable[[int, str], str | None]
"""The exact check of event ``seq`` linked to ``prev_hash``: why it does not hold, or None."""

_EVENT_COLUMNS = (
    "seq, {at}, user_id, username, station, action, record_type, record_id, old_values, "
    "new_values, reason, prev_hash, hash"
)
_AT_TEXT = {
    # ``canonical_value``'s form of the time, made by the database; a time stored in another
    # form gives another text, and that event is judged by the exact path.
    "sqlite": "substr(at, 1, 10) || 'T' || substr(at, 12) || 'Z'",
    "postgresql": "to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')",
}
_SQLITE_MESSAGE = (
    "CAST(json_object('action', action, 'at', {at}, 'new_values', new_values, 'old_values', "
    "old_values, 'reason', reason, 'record_id', record_id, 'record_type', record_type, 'seq', "
    "seq, 'station', station, 'user_id', user_id, 'username', username) || prev_hash AS BLOB)"
)
"""``fast_content`` of an event and its stored previous hash, made by SQLite: the HMAC's message,
as the UTF-8 bytes it hashes (no text object made only to encode it again)."""
_SQLITE_COLUMNS = (
    "seq, " + _SQLITE_MESSAGE + ", NULL, NULL, NULL, NULL, record_type, record_id, "
    "old_values, new_values, NULL, prev_hash, hash"
)
"""The plain row's positions, the message where the time is (``MESSAGE``), and only what the
walk reads besides: the fields only the message needs are NULL."""
SEQ, MESSAGE, RECORD_TYPE, PREV, HASH = 0, 1, 6, 11, 12
"""Positions in a plain event row."""


def plain_batches(connection: Connection, sql: str, batch: int) -> Iterator[Sequence[Any]]:
    """The rows of ``sql`` as plain tuples, a batch at a time (SQLite: the driver's own cursor,
    no result object or row per row; PostgreSQL: streamed from a server-side cursor)."""
    if connection.dialect.name == "sqlite":
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(sql)
            while rows := cursor.fetchmany(batch):
                yield rows
        finally:
            cursor.close()
        return
    # Per-statement options: Connection.execution_options() would change the caller's
    # connection for good (a server-side cursor for every later statement on PostgreSQL).
    result = connection.exec_driver_sql(sql, execution_options={"stream_results": True})
    yield from result.partitions(batch)  # the size given: yield_per alone gives rows of 1


def event_batches(
    connection: Connection, batch: int = 5000, *, messages: bool = False
) -> Iterator[Sequence[Any]]:
    """Every event as a plain row (see ``_EVENT_COLUMNS``), a batch at a time, in order;
    ``messages`` (SQLite only): each row's HMAC message made by the database instead
    (``_SQLITE_COLUMNS``)."""
    at = _AT_TEXT.get(connection.dialect.name, "at")
    columns = (_SQLITE_COLUMNS if messages else _EVENT_COLUMNS).format(at=at)
    sql = f"SELECT {columns} FROM audit_event ORDER BY seq"  # noqa: S608
    yield from plain_batches(connection, sql, batch)


def fast_content(row: Sequence[Any]) -> str:
    """``audit_chain.event_content`` of a plain row, its time canonical text already."""
    enc = encode_basestring
    seq, at, user_id, username, station, action, record_type, record_id, old, new, reason = row[:11]
    return (
        f'{{"action":{enc(action)},"at":{enc(at)},"new_values":{enc(new)},'
        f'"old_values":{enc(old)},"reason":{"null" if reason is None else enc(reason)},'
        f'"record_id":{enc(record_id)},"record_type":{enc(record_type)},"seq":{int(seq)},'
        f'"station":{enc(station)},"user_id":{"null" if user_id is None else enc(user_id)},'
        f'"username":{"null" if username is None else enc(username)}}}'
    )


class ChainWalk:
    """The state of one walk over the events (``run``), read by ``verify_chain`` after it."""

    def __init__(
        self,
        *,
        keyed: bytes | None,
        keyed_from: int | None,
        judge: Judge,
        anchored: dict[int, str],
        seal_seq: int | None,
        replay: Replay | None,
    ) -> None:
        self.keyed = keyed
        """The audit key's secret: events from ``keyed_from`` on carry HMAC-SHA256 under it (the
        standard library's one-shot ``hmac.digest``, OpenSSL's HMAC; None: no event is checked
        as keyed)."""
        self.keyed_from = keyed_from if keyed is not None else None
        self.judge = judge
        self.anchored = anchored
        self.seal_seq = seal_seq
        self.replay = replay
        self.count = 0
        self.head = 0
        """The seq of the last event read (0: none)."""
        self.prev_hash = ""
        self.first: tuple[int, str] | None = None
        self.differing: list[tuple[int, str, str]] = []
        self.held_at_seal: str | None = None
        self.messages = False
        """True when each row holds its HMAC message at ``MESSAGE`` (made by SQLite)."""

    def run(self, connection: Connection, genesis: str) -> None:
        """Walk every event of ``connection``'s database (on SQLite with the messages made by
        the database, or again from the start without them when it cannot make one)."""
        if connection.dialect.name == "sqlite":
            try:
                self._run(connection, genesis, messages=True)
            except (DBAPIError, sqlite3.Error):  # a value JSON cannot hold: bytes in an event
                self._restart()
            else:
                return
        self._run(connection, genesis, messages=False)

    def _restart(self) -> None:
        """Forget what a walk stopped part of the way found."""
        self.count = self.head = 0
        self.first = self.held_at_seal = None
        self.differing = []
        if self.replay is not None:
            for states in self.replay.states.values():
                states.clear()

    def _run(self, connection: Connection, genesis: str, *, messages: bool) -> None:
        self.messages = messages
        self.prev_hash = genesis
        for rows in event_batches(connection, messages=messages):
            self.count += len(rows)
            if self.anchored or self.seal_seq is not None:
                self._compare_heads(rows)
            if self.first is None:
                self._check(rows)
            if self.replay is not None:
                _replay(self.replay, rows)
            self.head = rows[-1][SEQ]

    def _compare_heads(self, rows: Sequence[Sequence[Any]]) -> None:
        anchored = self.anchored
        for row in rows:
            seq = row[SEQ]
            if seq in anchored and anchored[seq] != row[HASH]:
                self.differing.append((seq, anchored[seq], row[HASH]))
            if seq == self.seal_seq:
                self.held_at_seal = row[HASH]

    def _check(self, rows: Sequence[Sequence[Any]]) -> None:
        """Check each event until the first that does not hold (``first``)."""
        expected = self.head + 1
        prev_hash = self.prev_hash
        keyed_from = self.keyed_from
        judged = keyed_from if keyed_from is not None and keyed_from > 1 else None
        # The common case in one tight loop: every event of the batch keyed, messages made by
        # SQLite; an event that does not hold there is checked again below, in full.
        secret, start = self.keyed, expected
        if self.messages and secret is not None and keyed_from is not None:
            mac = hmac_digest  # what hmac.digest calls (OpenSSL), without its dispatch per call
            for row in rows:
                seq = row[SEQ]
                if (
                    seq != expected
                    or seq < keyed_from
                    or seq == judged
                    or row[PREV] != prev_hash
                    or type(message := row[MESSAGE]) is not bytes
                    or mac(secret, message, "sha256").hex() != row[HASH]
                ):
                    break
                prev_hash = row[HASH]
                expected = seq + 1
            else:
                self.prev_hash = prev_hash
                return
        for row in rows[expected - start :]:  # from the first the tight loop did not hold
            seq = row[SEQ]
            problem = None
            if seq != expected:
                problem = f"sequence {seq} where {expected} was expected (missing events)"
            elif row[PREV] != prev_hash:
                problem = "its link to the previous event does not match"
            elif seq == judged or not self._holds(row, prev_hash):
                problem = self.judge(seq, prev_hash)
            if problem is not None:
                self.first = (seq, problem)
                return
            prev_hash = row[HASH]
            expected = seq + 1
        self.prev_hash = prev_hash

    def _holds(self, row: Sequence[Any], prev_hash: str) -> bool:
        """True when the event's hash holds by the fast path (False: judge it exactly)."""
        try:
            message = row[MESSAGE] if self.messages else (fast_content(row) + prev_hash).encode()
        except (TypeError, ValueError):  # a value of an unexpected type
            return False
        if type(message) is not bytes:
            return False
        if self.keyed is not None and self.keyed_from is not None and row[SEQ] >= self.keyed_from:
            return bool(hmac.digest(self.keyed, message, "sha256").hex() == row[HASH])
        return bool(hashlib.sha256(message).hexdigest() == row[HASH])  # written before the key


def replay_trail(connection: Connection, replay: Replay, batch: int = 5000) -> None:
    """Fill ``replay`` from every event, in order, without checking the chain."""
    sql = "SELECT record_type, record_id, old_values, new_values FROM audit_event ORDER BY seq"
    for rows in plain_batches(connection, sql, batch):
        _replay(replay, rows, 0)
    replay.filled = True


def _replay(replay: Replay, rows: Sequence[Sequence[Any]], at: int = RECORD_TYPE) -> None:
    """Keep the ``new_values`` texts of the audited records' events of ``rows`` in ``replay``
    (``at``: the position of ``record_type``, followed by record_id, old_values, new_values)."""
    replay.keep_events(rows, at)
