"""Reconciliation of audited records with their audit trail (DESIGN.md §5, issue 12).

The trail says what each record was made to be: replaying the ``new_values`` of a record's
events in sequence order gives its audited state (a delete event, ``new_values`` empty, ends
it). Every row of every audited table is compared with that state, column by column, in the
canonical form the events were written in (``app.core.canonical_value``). A row changed,
inserted or deleted by direct SQL, behind the application, shows as a mismatch naming the
table, the record, the column and both values.

Columns that change without an event are not compared: the row version and its last-change
bookkeeping (``version``, ``updated_at``, ``updated_by_id``), secret columns (the trail holds
only ``[secret]``/``[changed]``), and a column no event of the record names (a column added by
a migration after the record was written).

Given a ``SignatureDigest`` (``app.quality``'s, passed in by the layers above: the core
cannot import it), the same pass checks every signature against the current content of the
record it signs, so a signed record edited without touching its signature is reported; the
signature rows themselves are audited records, so a rewritten signer, meaning or digest is a
column mismatch of ``signature``.

The whole database (``reconcile_every_record``, reported by ``app.audit``): the audited states
replayed in one streamed scan of the events in sequence order (or taken from the walk that
verifies the chain, ``app.core.audit_walk``: one read of the events for both), then each table's
rows in one streamed query; no query per record.
``reconcile_named_records`` does the same for a few named records, inside the caller's transaction:
the records of the cases a screen shows, or of the case at the bedside (``app.journey``).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Enum,
    Select,
    String,
    Table,
    Text,
    Uuid,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    select,
    type_coerce,
)
from sqlalchemy.orm import Mapper

from app.core.audit_walk import plain_batches, replay_trail
from app.core.canonical import canonical_value
from app.core.collection_pause import collection_paused
from app.core.record_replay import DELETED, Replay, State, audited_state, parse
from app.core.row_texts import RowText, compare_texts, row_text_reading
from db.base import Base
from db.enums import SignatureMeaning
from db.models import AuditEvent, Signature
from db.types import UTCDateTime

UNRECORDED = frozenset({"version", "updated_at", "updated_by_id"})
"""Row bookkeeping the unit of work changes without an audit event."""
WITHHELD = "[patient identity withheld]"
"""Shown instead of a patient-identity value in a mismatch."""
_BATCH = 5000
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
"""``app.core.canonical_value``'s form of a UTC time."""
_IN_CHUNK = 900

CHANGED = "changed"
MISMATCH_CHANGED = CHANGED
"""The kind of a mismatch whose record holds another value than its trail recorded (the name
other packages import it by)."""
UNAUDITED = "unaudited"
MISSING = "missing"
SIGNATURE = "signature"

_ABSENT = object()
"""A column no event of the record names."""

SignatureDigest = Callable[[type[Base], Mapping[str, Any], SignatureMeaning], str]
"""The digest a signature of ``meaning`` would hold for a row read as ``{attribute: value}``."""


@dataclass(frozen=True)
class RecordMismatch:
    """One difference between a record as it is and as its audit trail recorded it."""

    kind: str
    """``changed`` (a column differs), ``unaudited`` (a row no event records), ``missing``
    (an audited record no longer in its table) or ``signature`` (content no longer matches)."""
    table: str
    record_id: str
    column: str | None = None
    audited: Any = None
    current: Any = None
    detail: str = ""

    @property
    def message(self) -> str:
        """The mismatch in one sentence."""
        where = f"{self.table} {self.record_id}"
        if self.kind == CHANGED:
            return (
                f"{where}: column {self.column} is {_shown(self.current)} but the audit trail "
                f"recorded {_shown(self.audited)} (changed behind the application)"
            )
        if self.kind == UNAUDITED:
            return f"{where} exists but no audit event records it (inserted behind the application)"
        if self.kind == MISSING:
            return (
                f"{where} is in the audit trail but no longer in the database "
                "(deleted behind the application)"
            )
        return f"{where}: {self.detail}"

    def as_dict(self) -> dict[str, Any]:
        """The JSON form in ``coi audit verify --records``."""
        return {
            "kind": self.kind,
            "table": self.table,
            "record_id": self.record_id,
            "column": self.column,
            "audited": self.audited,
            "current": self.current,
            "message": self.message,
        }


def _shown(value: Any) -> str:
    return value if value == WITHHELD else json.dumps(value, ensure_ascii=False)


@dataclass(frozen=True)
class Reconciliation:
    """The outcome of a reconciliation: what was compared and every mismatch found."""

    records: int
    signatures: int
    mismatches: tuple[RecordMismatch, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        """True when every record equals its audited state and every signature holds."""
        return not self.mismatches

    def as_list(self) -> list[dict[str, Any]]:
        """``record_mismatches`` of the verify JSON."""
        return [mismatch.as_dict() for mismatch in self.mismatches]

    def words(self, shown: int = 5) -> str:
        """The outcome in a sentence or two, naming the first ``shown`` mismatches."""
        if self.ok:
            held = (
                f" and all {self.signatures} signatures hold"
                if self.signatures
                else "; no signature to check"  # never "all 0 signatures hold"
            )
            return f"All {self.records} records match their audit trail{held}."
        count = len(self.mismatches)
        noun = "record differs" if count == 1 else "records differ"
        named = "; ".join(mismatch.message for mismatch in self.mismatches[:shown])
        more = f"; and {count - shown} more" if count > shown else ""
        return f"{count} {noun} from the audit trail: {named}{more}."


# ---------------------------------------------------------------- what is compared


@dataclass(frozen=True)
class _Plan:
    """How the rows of one audited table are keyed, compared and digested."""

    model: type[Base]
    table: Table
    key_columns: tuple[Column[Any], ...]
    columns: tuple[Column[Any], ...]
    """Every column, in the order rows are read (``select``)."""
    attributes: tuple[str, ...]
    """The attribute key of each column, in the same order."""
    compared: tuple[tuple[str, int, bool], ...]
    """(attribute key, position, identity column) of each compared column."""
    key_positions: tuple[int, ...]

    @property
    def name(self) -> str:
        return str(self.table.name)

    def select(self, dialect: str) -> Select[Any]:
        """The rows, columns in ``columns`` order (see ``readers``)."""
        return _reading(self, dialect)[0]

    def readers(self, dialect: str) -> tuple[Callable[[Any], Any], ...]:
        """For each column of ``select``, the function giving its canonical value."""
        return _reading(self, dialect)[1]


@cache
def _reading(plan: _Plan, dialect: str) -> tuple[Select[Any], tuple[Callable[[Any], Any], ...]]:
    """``_Plan.select`` and ``_Plan.readers``, built once per table and dialect."""
    raws = [_raw(column, dialect) for column in plan.columns]
    return select(*(expression for expression, _ in raws)), tuple(reader for _, reader in raws)


@cache
def _text_reading(plan: _Plan) -> RowText | None:
    """The reading of ``plan``'s rows as canonical texts on SQLite (None: exact path only)."""
    columns = list(zip(plan.attributes, plan.columns, strict=True))
    compared = [key for key, _position, _identity in plan.compared]
    return row_text_reading(plan.name, columns, compared, plan.key_columns)


def _plan(model: type[Base]) -> _Plan:
    mapper: Mapper[Any] = model.__mapper__
    table = model.__table__
    assert isinstance(table, Table)
    columns: list[Column[Any]] = []
    attributes = []
    compared = []
    for position, attr in enumerate(mapper.column_attrs):
        column = attr.columns[0]
        assert isinstance(column, Column)
        columns.append(column)
        attributes.append(attr.key)
        if attr.key in UNRECORDED or column.info.get("secret"):
            continue
        compared.append((attr.key, position, bool(column.info.get("identity"))))
    key_columns = tuple(c for c in mapper.primary_key if isinstance(c, Column))
    return _Plan(
        model=model,
        table=table,
        key_columns=key_columns,
        columns=tuple(columns),
        attributes=tuple(attributes),
        compared=tuple(compared),
        key_positions=tuple(columns.index(column) for column in key_columns),
    )


@cache
def audited_plans() -> tuple[_Plan, ...]:
    """Every audited table, by name (built once: the models do not change at run time)."""
    models = [
        mapper.class_
        for mapper in Base.registry.mappers
        if getattr(mapper.class_, "__audited__", False) and hasattr(mapper.class_, "__table__")
    ]
    return tuple(_plan(model) for model in sorted(models, key=lambda m: m.__tablename__))


# ---------------------------------------------------------------- replaying the trail


def _apply(states: dict[str, State], record_id: str, old: str, new: str) -> None:
    if new == "{}":
        if old != "{}":
            states[record_id] = DELETED
        return
    values = parse(new)
    state = states.get(record_id)
    if state is None or state is DELETED:
        states[record_id] = values
    else:
        assert isinstance(state, dict)  # this replay parses every event
        state.update(values)


def _batches(connection: Connection, statement: Any) -> Iterator[Sequence[Any]]:
    """The rows of ``statement``, a batch at a time (not a fetch per row)."""
    # Per-statement options: Connection.execution_options() would change the caller's
    # connection for good (a server-side cursor for every later statement on PostgreSQL).
    result = connection.execute(
        statement, execution_options={"stream_results": True, "yield_per": _BATCH}
    )
    yield from result.partitions(_BATCH)


def _stream(connection: Connection, statement: Any) -> Iterator[Any]:
    for partition in _batches(connection, statement):
        yield from partition


def _replay_ids(connection: Connection, record_ids: Collection[str]) -> dict[str, dict[str, State]]:
    """The audited state of the named records, per record type."""
    events = AuditEvent.__table__.c
    found: dict[str, list[tuple[int, str, str, str, str]]] = {}
    ids = sorted(record_ids)
    for start in range(0, len(ids), _IN_CHUNK):
        statement = select(
            events.seq, events.record_type, events.record_id, events.old_values, events.new_values
        ).where(events.record_id.in_(ids[start : start + _IN_CHUNK]))
        for row in connection.execute(statement):
            found.setdefault(row.record_type, []).append(tuple(row))
    by_type: dict[str, dict[str, State]] = {}
    for record_type, rows in found.items():
        states = by_type.setdefault(record_type, {})
        for _seq, _type, record_id, old, new in sorted(rows):
            _apply(states, record_id, old, new)
    return by_type


# ---------------------------------------------------------------- comparing


@dataclass(slots=True)
class _Signed:
    read_id: Any
    """The signature's id as read (in canonical form only when it is reported: ``id_reader``)."""
    meaning: SignatureMeaning | None
    """None: a meaning the application does not know (written behind it): never holds."""
    digest: str
    signer: str
    id_reader: Callable[[Any], Any]

    @property
    def signature_id(self) -> str:
        """The signature's id in canonical form (or in words, when it has none)."""
        return str(_read_safely(self.id_reader, self.read_id)[0])


def _unreadable(value: Any) -> str:
    """A value read from the database that has no canonical form (bytes written by SQL into a
    text column, a UUID column holding other text), in words: it equals no audited value."""
    if isinstance(value, bytes | bytearray | memoryview):
        data = bytes(value)
        shown = data[:16].hex() + ("…" if len(data) > 16 else "")
        return f"[a {len(data)}-byte binary value ({shown}), not the column's type]"
    return f"[{type(value).__name__} {str(value)[:40]!r}, not the column's type]"


def _read_safely(reader: Callable[[Any], Any], value: Any) -> tuple[Any, bool]:
    """``reader(value)``, or the value in words and False when it has no canonical form."""
    try:
        return reader(value), True
    except (TypeError, ValueError, AttributeError):
        return _unreadable(value), False


def _signatures(
    connection: Connection, record_ids: Collection[str] | None
) -> dict[str, dict[str, list[_Signed]]]:
    """The signatures per signed table and record id."""
    table = Signature.__table__
    assert isinstance(table, Table)
    columns = table.c
    id_column, id_reader = _raw(columns.id, connection.dialect.name)
    statement = select(
        id_column,
        columns.record_type,
        columns.record_id,
        columns.meaning,
        columns.record_digest,
        columns.signer_username,
    )
    batches: Iterable[Sequence[Any]]
    if record_ids is None and connection.dialect.name == "sqlite":
        # Every signature, read with the driver's own cursor; the id as stored (made
        # canonical by ``_sqlite_uuid`` only if it is reported).
        id_reader = _sqlite_uuid
        batches = plain_batches(
            connection,
            "SELECT id, record_type, record_id, meaning, record_digest, signer_username "
            "FROM signature",
            _BATCH,
        )
    elif record_ids is None:
        batches = _batches(connection, statement)
    else:
        ids = sorted(record_ids)
        batches = (
            batch
            for start in range(0, len(ids), _IN_CHUNK)
            for batch in _batches(
                connection, statement.where(columns.record_id.in_(ids[start : start + _IN_CHUNK]))
            )
        )
    meanings = {meaning.value: meaning for meaning in SignatureMeaning}
    found: dict[str, dict[str, list[_Signed]]] = {}
    for rows in batches:
        for read_id, record_type, record_id, meaning, digest, signer in rows:
            signed = _Signed(
                read_id,
                meanings.get(meaning) if isinstance(meaning, str) else None,
                digest,
                signer,
                id_reader,
            )
            by_id = found.get(record_type)
            if by_id is None:
                by_id = found[record_type] = {}
            on_record = by_id.get(record_id)
            if on_record is None:
                by_id[record_id] = [signed]
            else:
                on_record.append(signed)
    return found


class _Comparer:
    """Compares the rows of one table with their audited states and their signatures."""

    def __init__(
        self,
        plan: _Plan,
        states: dict[str, State],
        signed: Mapping[str, Mapping[str, list[_Signed]]],
        dialect: str,
        digest: SignatureDigest | None,
    ) -> None:
        self.plan = plan
        self.digest = digest
        self.readers = plan.readers(dialect)
        self.single = plan.key_positions[0] if len(plan.key_positions) == 1 else None
        self.states = states
        self.signed = signed.get(plan.name, {})
        """The signatures on this table's records, by record id."""
        self.mismatches: list[RecordMismatch] = []
        self.rows = 0
        self.signatures = 0

    def key(self, read: Sequence[Any]) -> str:
        """The record id of a row as read by ``plan.select`` (the trail's ``record_id``)."""
        readers = self.readers
        return "/".join(str(_read_safely(readers[i], read[i])[0]) for i in self.plan.key_positions)

    def row(self, read: Sequence[Any]) -> None:
        """Compare one row as read by ``plan.select``.

        A value read equal to its audited value is taken as it is (on SQLite the query already
        gives UUIDs, times and enums in canonical form); only a differing one is canonicalised
        by its reader before it counts as a mismatch, so the common case costs one comparison.
        """
        plan = self.plan
        readers = self.readers
        self.rows += 1
        single = self.single
        if single is not None and type(read[single]) is str:
            record_id = read[single]
            state = self.states.pop(record_id, None)
            if state is None and (read_id := self.key(read)) != record_id:
                record_id = read_id
                state = self.states.pop(record_id, None)
        else:
            record_id = self.key(read)
            state = self.states.pop(record_id, None)
        if state is None or state is DELETED:
            self.mismatches.append(RecordMismatch(UNAUDITED, plan.name, record_id))
        else:
            get = audited_state(state).get
            for key, position, identity in plan.compared:
                audited = get(key, _ABSENT)
                if audited is _ABSENT or audited == read[position]:
                    continue
                current, readable = _read_safely(readers[position], read[position])
                if not readable or audited != current:  # 5 == 5.0: an int in a float column
                    if identity:
                        audited = current = WITHHELD
                    self.mismatches.append(
                        RecordMismatch(CHANGED, plan.name, record_id, key, audited, current)
                    )
        signatures = self.signed.get(record_id)
        if signatures and self.digest is not None:
            row, unreadable = [], []
            for attribute, reader, value in zip(plan.attributes, readers, read, strict=True):
                canonical, readable = _read_safely(reader, value)
                row.append(canonical)
                if not readable:
                    unreadable.append(attribute)
            self._check_signatures(record_id, row, signatures, unreadable)

    def rows_by_text(self, connection: Connection) -> bool:
        """Compare every row of the table by the fast path of ``app.core.row_texts`` (SQLite),
        the rows it leaves pending by the exact path; False: not possible (nothing done)."""
        reading = _text_reading(self.plan) if connection.dialect.name == "sqlite" else None
        if reading is None:
            return False
        outcome = compare_texts(
            connection,
            reading,
            self.states,
            self.signed,
            self._signatures_hold if self.digest is not None else None,
        )
        if outcome is None:
            return False
        self.rows += outcome.rows
        self.signatures += outcome.signatures
        again = self.plan.select("sqlite").where(literal_column("rowid") == bindparam("rowid"))
        for rowid in outcome.pending:
            read = connection.execute(again, {"rowid": rowid}).first()
            assert read is not None  # the same snapshot: the row is there
            self.row(read)
        return True

    def _signatures_hold(self, values: Mapping[str, Any], signatures: list[_Signed]) -> bool:
        assert self.digest is not None
        try:
            return all(
                signature.meaning is not None
                and self.digest(self.plan.model, values, signature.meaning) == signature.digest
                for signature in signatures
            )
        except (KeyError, TypeError, ValueError):  # a value the fast path did not read
            return False

    def _check_signatures(
        self,
        record_id: str,
        row: Sequence[Any],
        signatures: list[_Signed],
        unreadable: Sequence[str] = (),
    ) -> None:
        """Report each signature whose digest no longer matches the row's content, or that
        cannot be checked (``unreadable``: columns holding a value of no canonical form)."""
        assert self.digest is not None
        values = dict(zip(self.plan.attributes, row, strict=True))
        for signature in signatures:
            self.signatures += 1
            why = self._broken(values, signature, unreadable)
            if why is None:
                continue
            meaning = signature.meaning.value if signature.meaning else "unknown meaning"
            self.mismatches.append(
                RecordMismatch(
                    SIGNATURE,
                    self.plan.name,
                    record_id,
                    detail=(
                        f"signature {signature.signature_id} ({meaning} by {signature.signer}) "
                        f"is broken: {why}"
                    ),
                )
            )

    def _broken(
        self, values: Mapping[str, Any], signature: _Signed, unreadable: Sequence[str]
    ) -> str | None:
        """Why ``signature`` does not hold on ``values``, or None."""
        assert self.digest is not None
        if unreadable:
            return f"column {', '.join(unreadable)} holds a value of another type"
        if signature.meaning is None:
            return "its meaning is not one the application knows"
        try:
            digest = self.digest(self.plan.model, values, signature.meaning)
        except (KeyError, TypeError, ValueError):
            return "the record's content cannot be read to check it"
        if digest != signature.digest:
            return "the record's content no longer matches the digest that was signed"
        return None

    def missing(self, record_ids: Iterable[str] | None = None) -> None:
        """Report the audited records (all left, or those of ``record_ids``) with no row."""
        left = (
            self.states
            if record_ids is None
            else {key: self.states[key] for key in record_ids if key in self.states}
        )
        for record_id, state in sorted(left.items()):
            if state is not DELETED:
                self.mismatches.append(RecordMismatch(MISSING, self.plan.name, record_id))


def _sqlite_uuid(raw: Any) -> Any:
    """A UUID read on SQLite (see ``_raw``) in canonical form."""
    if isinstance(raw, str) and len(raw) == 36 and raw[8] == "-" and raw.islower():
        return raw
    if isinstance(raw, str) and len(raw) == 32 and raw.islower():
        return f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"
    return None if raw is None else str(uuid.UUID(str(raw)))


def _sqlite_time(raw: Any) -> Any:
    """A UTC time read on SQLite (see ``_raw``) in canonical form."""
    if isinstance(raw, str) and len(raw) == 27 and raw[10] == "T" and raw[26] == "Z":
        return raw
    if isinstance(raw, str) and len(raw) == 26 and raw[10] == " ":
        return f"{raw[:10]}T{raw[11:]}Z"
    if raw is None:
        return None
    if not isinstance(raw, str):  # bytes: the application cannot read them as a time
        raise TypeError(f"a time stored as {type(raw).__name__}")
    stored = datetime.fromisoformat(raw)
    if stored.tzinfo is not None:  # the application stores UTC wall times, with no offset
        raise ValueError(f"a time stored with an offset: {raw}")
    return canonical_value(stored.replace(tzinfo=UTC))


def _sqlite_text(raw: Any) -> Any:
    """A value read as canonical text already (an enum on SQLite, its value; a time on
    PostgreSQL, made by the server)."""
    return raw


def _raw(column: Column[Any], dialect: str) -> tuple[Any, Callable[[Any], Any]]:
    """How to read ``column`` and canonicalise it.

    On SQLite, UUIDs (32 hex digits), UTC times (``YYYY-MM-DD HH:MM:SS.ffffff``) and enums
    (their value) are read as stored text, rearranged into the canonical form by SQLite itself:
    no UUID, datetime or enum object per value only to turn it back into text, and no Python
    call per value at all when it equals its audited value. A value stored in another form
    falls through the SQL unchanged and is canonicalised by the reader.
    """
    if dialect == "sqlite":
        text = type_coerce(column, String)
        if isinstance(column.type, Uuid):
            hyphenated: ColumnElement[Any] = func.substr(text, 1, 8)
            for start, length in ((9, 4), (13, 4), (17, 4), (21, 12)):
                hyphenated = hyphenated + "-" + func.substr(text, start, length)
            # Text of 32 characters only: bytes (which the application cannot read as a UUID)
            # reach ``_sqlite_uuid`` as they are, and are reported.
            stored_text = and_(func.typeof(column) == "text", func.length(text) == 32)
            expression = case((stored_text, hyphenated), else_=text)
            return type_coerce(expression, String).label(column.name), _sqlite_uuid
        if isinstance(column.type, UTCDateTime):
            canonical = func.substr(text, 1, 10) + "T" + func.substr(text, 12, 15) + "Z"
            fits = and_(func.length(text) == 26, func.substr(text, 11, 1) == " ")
            expression = case((fits, canonical), else_=text)
            return type_coerce(expression, String).label(column.name), _sqlite_time
        if isinstance(column.type, Enum):
            return text.label(column.name), _sqlite_text
    if dialect == "postgresql":
        # The same on PostgreSQL: a UUID as its text (canonical), a time as canonical text made
        # by the server; no UUID or datetime object per value only to turn it back into text.
        if isinstance(column.type, Uuid):
            return cast(column, Text).label(column.name), _postgresql_uuid
        if isinstance(column.type, UTCDateTime):
            utc = func.timezone("UTC", column)
            return func.to_char(utc, _PG_TIME_FORMAT).label(column.name), _sqlite_text
    return column, _canonical


_PG_TIME_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'
"""``app.core.canonical_value``'s form of a UTC time, in PostgreSQL's ``to_char``."""


def _postgresql_uuid(raw: Any) -> Any:
    """A UUID read as text on PostgreSQL (see ``_raw``) in canonical form."""
    if raw is None or (len(raw) == 36 and raw.islower()):
        return raw
    return str(uuid.UUID(raw))


def _canonical(value: Any) -> Any:
    """``canonical_value``, with the common plain types and UUIDs taken first (fast path)."""
    kind = type(value)
    if value is None or kind is str or kind is int or kind is float or kind is bool:
        return value
    if kind is uuid.UUID:
        return str(value)
    if kind is datetime and value.tzinfo is UTC:
        return value.strftime(_TIME_FORMAT)  # as canonical_value, without its conversions
    return canonical_value(value)


# ---------------------------------------------------------------- entry points


class _Tally:
    """The comparers' findings added up over the tables."""

    def __init__(self) -> None:
        self.mismatches: list[RecordMismatch] = []
        self.records = 0
        self.signatures = 0

    def add(self, comparer: _Comparer) -> None:
        """Report what ``comparer`` found, its audited records with no row included."""
        comparer.missing()
        self.mismatches += comparer.mismatches
        self.records += comparer.rows
        self.signatures += comparer.signatures

    def result(self) -> Reconciliation:
        return Reconciliation(self.records, self.signatures, tuple(self.mismatches))


def audited_replay() -> Replay:
    """An empty replay of every audited table, for the walk over the events to fill."""
    return Replay.of(plan.name for plan in audited_plans())


def reconcile_every_record(
    connection: Connection,
    digest: SignatureDigest | None = None,
    replay: Replay | None = None,
    *,
    fast: bool = True,
) -> Reconciliation:
    """Reconcile every row of every audited table with the trail (and every signature, given
    ``digest``); given a ``replay`` filled by the walk over the events (``audited_replay``),
    the audited states are taken from it instead of read again, table by table. ``fast``
    False: every row by the exact path alone (the tests hold the fast path to it)."""
    with collection_paused():
        if replay is None:
            replay = audited_replay()
            replay_trail(connection, replay)
        signed = _signatures(connection, None) if digest is not None else {}
        dialect = connection.dialect.name
        tally = _Tally()
        for plan in audited_plans():
            states = replay.states[plan.name]
            comparer = _Comparer(plan, states, signed, dialect, digest)
            if not (fast and comparer.rows_by_text(connection)):
                for row in _stream(connection, plan.select(dialect)):
                    comparer.row(row)
            tally.add(comparer)
        return tally.result()


def reconcile_named_records(
    connection: Connection,
    record_ids: Collection[str],
    tables: Collection[str] | None = None,
    digest: SignatureDigest | None = None,
) -> Reconciliation:
    """Reconcile only the records named by ``record_ids`` (e.g. the records of a few cases).

    A few indexed queries, whatever the size of the trail: cheap enough to run when a case
    opens or at the bedside. Rows are looked for in ``tables`` (default: every audited table)
    and in the tables the trail names for these ids, by their first key column; rows another
    case shares a link key with are filtered out by their full key. Signatures on these records
    are checked given ``digest``.
    """
    wanted = set(record_ids)
    by_type = _replay_ids(connection, wanted)
    signed = _signatures(connection, wanted) if digest is not None else {}
    dialect = connection.dialect.name
    tally = _Tally()
    for plan in audited_plans():
        states = by_type.get(plan.name, {})
        if tables is not None and plan.name not in tables and not states:
            continue
        first = plan.key_columns[0]
        firsts = _typed_firsts(first, wanted)
        if not firsts and not states:
            continue
        comparer = _Comparer(plan, states, signed, dialect, digest)
        present: set[str] = set()
        for start in range(0, len(firsts), _IN_CHUNK):
            statement = plan.select(dialect).where(first.in_(firsts[start : start + _IN_CHUNK]))
            for row in connection.execute(statement):
                key = comparer.key(row)
                if key in wanted and key not in present:
                    present.add(key)
                    comparer.row(row)
        tally.add(comparer)
    return tally.result()


def _typed_firsts(column: Column[Any], record_ids: Iterable[str]) -> list[Any]:
    """The first key parts of ``record_ids`` that fit ``column``'s type."""
    try:
        python_type = column.type.python_type
    except NotImplementedError:  # pragma: no cover - every key type here has one
        python_type = str
    found = set()
    for record_id in record_ids:
        part = record_id.split("/", 1)[0]
        try:
            found.add(uuid.UUID(part) if python_type is uuid.UUID else python_type(part))
        except (TypeError, ValueError):
            continue
    return sorted(found, key=str)
