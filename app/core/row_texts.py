"""Reconciliation's fast path on SQLite: each row read as one canonical JSON text.

SQLite renders each row of an audited table as the canonical JSON the unit of work wrote into
the row's audit events (sorted keys, no whitespace; UUIDs hyphenated, UTC times in
``canonical_value``'s form, booleans as ``true``/``false``), so a record written once (most
records: its one event's ``new_values`` holds every column) is proven by one comparison of two
texts, without parsing either. Numbers are read raw beside the text (SQLite's JSON rounds a
real to 15 digits): a row with a real is never proven by its text, and its numbers replace the
rendered ones when its values are compared. A record with several events, or whose text
differs, is parsed and compared value by value; a row that still differs, has no audited
state, or whose signature does not hold on these values is only *pending*: the caller reads
it again by the exact, typed path, which alone reports mismatches. The fast path can only make
reconciliation quicker, never more lenient.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from sqlalchemy import Boolean, Column, Connection, Date, Enum, Float, Integer, String, Uuid
from sqlalchemy.exc import DBAPIError

from app.core.audit_walk import plain_batches
from app.core.record_replay import DELETED, State, audited_state, parse
from db.types import UTCDateTime

_BATCH = 5000
_ABSENT = object()

SignaturesHold = Callable[[Mapping[str, Any], Any], bool]
"""Whether every signature of a row holds on its values (canonical, by attribute key)."""


@dataclass(frozen=True)
class RowText:
    """How one table's rows are read as texts: ``rowid``, record id, JSON text, whether every
    integer column holds an integer or null, the numbers."""

    sql: str
    numbers: tuple[str, ...]
    """The attribute keys of the number columns read raw after the text, in order."""
    compared: tuple[str, ...]
    """The attribute keys compared with the audited state."""
    whole: bool
    """True when a text equal to the record's one event text proves the row (no reals)."""


@dataclass
class TextOutcome:
    """What the fast path settled, and the rows left to the exact path."""

    rows: int = 0
    signatures: int = 0
    pending: list[int] = field(default_factory=list)
    """The ``rowid`` of each row the exact path must read again."""


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _uuid(name: str) -> str:
    # Text only: bytes stay bytes (JSON cannot hold them: the exact path reads the table).
    # The hyphenated text equals a canonical UUID only when the stored text is its 32
    # lowercase hex digits, the form the application writes: each piece must be all hex, the
    # last exactly 12 characters (a stored text of any other length or alphabet renders as
    # something no audited UUID equals, and its row is left to the exact path).
    return (
        f"CASE typeof({name}) WHEN 'text' THEN printf('%.8s-%.4s-%.4s-%.4s-%s', {name}, "
        f"substr({name}, 9), substr({name}, 13), substr({name}, 17), substr({name}, 21)) "
        f"ELSE {name} END"
    )


def _time(name: str) -> str:
    # The stored text with a space as its 11th character, every space made a T and a Z put
    # after it: that equals a canonical time (27 characters, its one T the 11th) only when the
    # stored text is the same 26 characters with that T a space, the form the application
    # writes; any other text (or bytes, which no text equals) is left to the exact path.
    return (
        f"CASE WHEN substr({name}, 11, 1) = ' ' THEN replace({name}, ' ', 'T') || 'Z' "
        f"ELSE {name} END"
    )


def _boolean(name: str) -> str:
    # Anything but an integer 0 or 1 becomes an object no audited value equals: the exact path.
    return (
        f"CASE WHEN typeof({name}) = 'integer' AND {name} = 1 THEN json('true') "
        f"WHEN typeof({name}) = 'integer' AND {name} = 0 THEN json('false') "
        f"WHEN {name} IS NULL THEN NULL ELSE json_object('not a boolean', typeof({name})) END"
    )


def row_text_reading(
    table: str,
    columns: Sequence[tuple[str, Column[Any]]],
    compared: Sequence[str],
    key: Sequence[Column[Any]],
) -> RowText | None:
    """The reading of a table's rows as texts (``columns``: attribute key and column), or
    None when a key or column type has no exact text form here (the exact path reads it)."""
    if len(key) != 1 or not isinstance(key[0].type, Uuid):
        return None
    parts, numbers, number_columns, integer_columns, reals = [], [], [], [], False
    for attribute, column in sorted(columns, key=lambda pair: pair[0]):
        if column.info.get("secret"):
            continue  # never compared: the trail holds only "[secret]"
        name, kind = _quoted(column.name), column.type
        if isinstance(kind, Uuid):
            expression = _uuid(name)
        elif isinstance(kind, UTCDateTime):
            expression = _time(name)
        elif isinstance(kind, Boolean):
            expression = _boolean(name)
        elif isinstance(kind, Integer | Float):
            expression = name
            numbers.append(attribute)
            number_columns.append(name)
            reals = reals or isinstance(kind, Float)
            if isinstance(kind, Integer):
                integer_columns.append(name)
        elif isinstance(kind, String | Enum | Date):
            expression = name
        else:
            return None
        parts.append(f"'{attribute}', {expression}")
    # A real in an integer column renders rounded: such a row is not proven by its text either.
    integers = " AND ".join(f"typeof({name}) IN ('integer', 'null')" for name in integer_columns)
    selected = [
        _uuid(_quoted(key[0].name)),
        f"json_object({', '.join(parts)})",
        f"({integers or '1'})",  # 1: every integer column holds an integer or null
        *number_columns,
    ]
    sql = f"SELECT rowid, {', '.join(selected)} FROM {_quoted(table)}"  # noqa: S608 - names from the models
    return RowText(sql, tuple(numbers), tuple(compared), whole=not reals)


def compare_texts(
    connection: Connection,
    reading: RowText,
    states: dict[str, State],
    signed: Mapping[str, Any],
    signatures_hold: SignaturesHold | None,
) -> TextOutcome | None:
    """Compare every row of the table ``reading`` reads with its audited state in ``states``
    (each state taken out as its row is settled; a pending row's left for the exact path).
    ``signed``: the signatures per record id. None: SQLite could not render a row (a value
    JSON cannot hold, written behind the application): ``states`` is as it was."""
    outcome = TextOutcome()
    taken: dict[str, State] = {}
    try:
        for rows in plain_batches(connection, reading.sql, _BATCH):
            _settle(rows, reading, states, taken, signed, signatures_hold, outcome)
    except (DBAPIError, sqlite3.Error):
        states.update(taken)
        return None
    return outcome


def _nothing(_values: Mapping[str, Any]) -> tuple[()]:
    return ()


def _settle(  # noqa: PLR0917 - the loop's state, passed once per batch
    rows: Sequence[Sequence[Any]],
    reading: RowText,
    states: dict[str, State],
    taken: dict[str, State],
    signed: Mapping[str, Any],
    signatures_hold: SignaturesHold | None,
    outcome: TextOutcome,
) -> None:
    """Settle a batch of rows (see ``compare_texts``)."""
    loads = parse
    numbers = reading.numbers
    compared = reading.compared
    # Every compared column at once, in one comparison of two tuples (C), when the audited
    # state names them all; else (or on a difference) key by key below.
    pick = itemgetter(*compared) if compared else _nothing
    whole = reading.whole
    pending = outcome.pending
    pop = states.pop
    settled = signatures = 0
    for row in rows:
        rowid, record_id, text = row[0], row[1], row[2]
        state = pop(record_id, None)
        if state is None:
            pending.append(rowid)
            continue
        if state is DELETED:
            states[record_id] = state
            pending.append(rowid)
            continue
        taken[record_id] = state
        values: dict[str, Any] | None = None
        raw = row[4:]
        if not (whole and row[3] and state.__class__ is str and state == text):
            values = loads(text)
            values.update(zip(numbers, raw, strict=True))
            audited = audited_state(state)
            try:
                same = pick(audited) == pick(values)
            except KeyError:  # a column no event of the record names
                same = False
            get = values.get
            if not same and any(
                audited.get(key, _ABSENT) is not _ABSENT and audited[key] != get(key, _ABSENT)
                for key in compared
            ):
                states[record_id] = state
                pending.append(rowid)
                continue
        on_row = signed.get(record_id)
        if on_row and signatures_hold is not None:
            if values is None:
                values = loads(text)
                values.update(zip(numbers, raw, strict=True))
            if not signatures_hold(values, on_row):
                states[record_id] = state
                pending.append(rowid)
                continue
            signatures += len(on_row)
        settled += 1
    outcome.rows += settled
    outcome.signatures += signatures
