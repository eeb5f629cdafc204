"""Reading the audit trail for the audit trail screen and its exports (DESIGN.md §5, §7).

Who sees which events ("view audit trail of own site"): QA and the QP see the events performed
by the users of their own site, and the events on those users' accounts (sign-ins and lock-outs,
which the system records, and an administrator's changes); an administrator sees every event;
every other role is refused. A user's site is read as it is now.

Filtering by case selects the events of the case's records (app.audit.case_records).

Patient identity (name, date of birth, hospital number) in old and new values is shown only to
the roles allowed to see it; everyone else reads "[identity hidden]".

Pages are cut in SQL, newest first; the time range, user and site filters use the indexes of
migration 0003, a case or record filter the record id index.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from functools import cached_property
from typing import Any, cast

from sqlalchemy import ColumnElement, Connection, Table, and_, func, or_, select, union_all
from sqlalchemy.orm import Session

from app.access import may_see_identity
from app.audit.case_records import case_record_keys
from app.audit.record_names import record_names
from app.audit.wording import FieldChange, action_in_words, readable_changes, record_in_words
from app.core import (
    IDENTITY_ERASED,
    PATIENT_SEALED_PREFIX,
    Actor,
    Database,
    IdentityErased,
    IdentityUnreadable,
    NotFound,
    NotPermitted,
    ValidationFailed,
    bound_to,
    checked_search,
    coi_fragment,
    coi_text,
    erased_patients,
    identity_keys,
    is_sealed,
    opened_payload,
    patient_erased,
    patient_of,
)
from app.core import IDENTITY_HIDDEN as CLINIC_KEY_HIDDEN
from db.base import Base
from db.enums import Role
from db.models import (
    AuditEvent,
    Case,
    Product,
    Site,
    User,
)
from labels.isbt128 import parse_coi
from labels.isbt128.coi import CONTENT_LENGTH as COI_LENGTH
from labels.isbt128.coi import coi_content_errors
from labels.redaction import redact_identity

PAGE_SIZE = 200
MAX_PAGE_SIZE = 1000
COUNT_CAP = 5000
"""Matches are counted up to this many (a cheap count on any trail); the screen then says
"more than 5 000" and loads pages until they run out."""
AUDIT_ROLES = frozenset({Role.QA, Role.QP, Role.ADMIN})
IDENTITY_HIDDEN = "[identity hidden]"
IDENTITY_UNREADABLE = "[identity cannot be read: altered, or sealed with another clinic key]"
SYSTEM_NAME = "COI Tracker (system)"
EXPORT_RECORD_TYPE = "audit_trail"
"""The record type of the event that records an export of the trail."""

RECORD_TYPE_NAMES: dict[str, str] = {
    "app_user": "User account",
    "user_role": "User role",
    "therapy_case": "Case",
    "unit": "Unit (container)",
    "unit_parent": "Genealogy link",
    "custody_event": "Custody event",
    "stage_record": "Stage record",
    "label": "Label",
    "scan": "Scan",
    "manufacturing_step": "Manufacturing step",
    "step_unit": "Step container link",
    "qc_result": "QC result",
    "batch_release": "Release",
    "deviation": "Deviation",
    "signature": "Signature",
    "shipment": "Shipment",
    "shipment_item": "Shipment item",
    "logger_file": "Logger file",
    "patient": "Patient",
    "patient_identity": "Patient identity",
    "site": "Site",
    "printer": "Printer",
    "product": "Product",
    "step_template": "Step template",
    "qc_specification": "QC specification",
    "temperature_profile": "Temperature profile",
    "partner_event": "Partner EPCIS event",
    "partner_key": "Partner key",
    "exchange_bundle": "Exchange bundle",
    "storage_placement": "Storage placement",
    EXPORT_RECORD_TYPE: "Audit trail export",
}


def record_type_name(record_type: str) -> str:
    """A record type (table name) in words."""
    return RECORD_TYPE_NAMES.get(record_type, record_type.replace("_", " ").capitalize())


def audited_record_types() -> tuple[str, ...]:
    """Every record type that can appear in the trail, sorted by its name in words."""
    audited = {
        str(mapper.class_.__tablename__)
        for mapper in Base.registry.mappers
        if getattr(mapper.class_, "__audited__", False)
    }
    return tuple(sorted(audited | {EXPORT_RECORD_TYPE}, key=record_type_name))


IDENTITY_COLUMNS: dict[str, frozenset[str]] = {
    name: frozenset(c.name for c in table.columns if c.info.get("identity"))
    for name, table in Base.metadata.tables.items()
    if any(c.info.get("identity") for c in table.columns)
}
"""Per record type, the columns that identify a patient."""


# ---------------------------------------------------------------- filter and results


@dataclass(frozen=True)
class AuditFilter:
    """What to look for; empty fields do not filter. Times are aware UTC, ``until`` exclusive.

    ``case`` is a COI as typed (spaces, brackets and the check character allowed);
    ``case_id`` names the case directly and wins over ``case``.
    """

    case: str = ""
    case_id: uuid.UUID | None = None
    username: str = ""
    record_type: str = ""
    record_id: str = ""
    action: str = ""
    since: datetime | None = None
    until: datetime | None = None

    def as_dict(self) -> dict[str, str]:
        """The fields that filter, as text (for the export's audit event)."""
        found: dict[str, str] = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, str):
                value = value.strip()
            if value is None or value == "":
                continue
            found[item.name] = value.isoformat() if isinstance(value, datetime) else str(value)
        return found

    def describe(self) -> str:
        """The filter in words, e.g. ``case CHG123426000001; user otto.operator``."""
        words = {
            "case": "case",
            "case_id": "case id",
            "username": "user",
            "record_type": "record type",
            "record_id": "record id",
            "action": "action contains",
            "since": "from",
            "until": "before",
        }
        parts = []
        for key, value in self.as_dict().items():
            moment = getattr(self, key)
            shown = (
                moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
                if isinstance(moment, datetime)
                else value
            )
            parts.append(f"{words[key]} {shown}")
        return "; ".join(parts) if parts else "all events"


@dataclass(frozen=True)
class AuditEntry:
    """One audit event as the screen and the exports show it."""

    seq: int
    at: datetime
    user_name: str
    """The printed name of who acted (the system for sign-ins and set-up)."""
    username: str
    station: str
    action: str
    record_type: str
    record_id: str
    reason: str | None
    stored_old: str | None = field(default="{}", repr=False)
    """The old values as stored (JSON), kept for record types that hold no identity or
    scanned text: read when first asked for, not for every row of a page listed."""
    stored_new: str | None = field(default="{}", repr=False)
    """The new values as stored (JSON), read when first asked for (as ``stored_old``)."""
    shown_values: tuple[dict[str, Any], dict[str, Any]] | None = field(default=None, repr=False)
    """The old and new values as this reader may see them (identity opened or hidden), read
    with the page for the record types that hold identity or scanned text."""
    people: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)
    """Printed names of the users by id, shared by the entries of one read."""

    @cached_property
    def _values(self) -> tuple[dict[str, Any], dict[str, Any]]:
        if self.shown_values is not None:
            return self.shown_values
        return json.loads(self.stored_old or "{}"), json.loads(self.stored_new or "{}")

    @property
    def old_values(self) -> dict[str, Any]:
        """The old values by field name (identity as the reader may see it)."""
        return self._values[0]

    @property
    def new_values(self) -> dict[str, Any]:
        """The new values by field name (identity as the reader may see it)."""
        return self._values[1]

    @cached_property
    def readable(self) -> tuple[FieldChange, ...]:
        """Each field by its label with its old and new value in words (people by name).

        Worded when first asked for (the event's detail, an export), not for every row of a
        page the screen lists."""
        return readable_changes(
            self.record_type, self.old_values, self.new_values, self.people, record_type_name
        )

    @property
    def who(self) -> str:
        """``Printed Name (username)``; the user name once when the name already ends with it
        (``COI Tracker (system)``, not ``COI Tracker (system) (system)``)."""
        if self.user_name.endswith(f"({self.username})"):
            return self.user_name
        return f"{self.user_name} ({self.username})"

    @property
    def record_type_name(self) -> str:
        """The record type in words."""
        return record_type_name(self.record_type)

    @property
    def action_words(self) -> str:
        """The action in words (``sign in``); ``action`` keeps the stored code."""
        return action_in_words(self.action)

    @property
    def record_words(self) -> str:
        """The record by what it is (a user account by its holder's name), id shortened."""
        return record_in_words(self.record_type, self.record_id, self.people, record_type_name)

    def changes(self) -> tuple[tuple[str, Any, Any], ...]:
        """``(field, old, new)`` for every field in the old or new values, by field name."""
        keys = sorted(set(self.old_values) | set(self.new_values))
        return tuple((k, self.old_values.get(k), self.new_values.get(k)) for k in keys)


@dataclass(frozen=True)
class AuditEventPage:
    """One page of matching events (newest first) and how many match in all."""

    rows: tuple[AuditEntry, ...]
    total: int
    """How many match; when ``more`` is true, more than this (the count stops there)."""
    scope: str
    """Which events the actor may see, in words."""
    more: bool = False
    """True when more than `COUNT_CAP` events match: ``total`` is then `COUNT_CAP`."""


# ---------------------------------------------------------------- who sees what

_EVENT = cast(Table, AuditEvent.__table__)
"""The trail's table: the searches are Core statements on its columns. The same statement on
the mapped attributes is ORM-enabled, and its execution, even on a connection, costs about a
third more than the bare page (measured on a 60 000-event trail on SQLite)."""


def _scope(session: Session, actor: Actor) -> tuple[ColumnElement[bool] | None, str]:
    """The SQL condition of the events ``actor`` may see (None: all) and its words."""
    if actor.has_role(Role.ADMIN):
        return None, "every event"
    if not actor.has_role(Role.QA, Role.QP):
        raise NotPermitted(
            "The audit trail is read by QA, the Qualified Person and administrators; "
            f"you are signed in as {actor.username}."
        )
    if actor.site_id is None:
        raise NotPermitted(
            f"QA and the QP read the audit trail of their own site; {actor.username} has no site."
        )
    users = [
        str(i)
        for i in session.connection().scalars(
            select(User.__table__.c.id).where(User.__table__.c.site_id == actor.site_id)
        )
    ]
    # Tested row by row (coalesce hides the user and record indexes): a site's users act in
    # about half of the trail, so the page is found faster through the seq order or a more
    # selective filter (time, user, record), which the planners otherwise passed over.
    condition = or_(
        func.coalesce(_EVENT.c.user_id, "").in_(users),
        and_(
            _EVENT.c.record_type == "app_user",
            func.coalesce(_EVENT.c.record_id, "").in_(users),
        ),
    )
    return condition, f"events of the users at {actor.site_name}"


def _case_id(session: Session, audit_filter: AuditFilter) -> uuid.UUID | None:
    if audit_filter.case_id is not None:
        return audit_filter.case_id
    typed = audit_filter.case.strip()
    if not typed:
        return None
    coi = coi_fragment(typed)
    if len(coi) != COI_LENGTH or coi_content_errors(coi):
        raise ValidationFailed(
            f"{typed!r} is not a whole COI. Type all {COI_LENGTH} characters, e.g. "
            "CH G1234 26 000001 (spaces and the check character may be included)."
        )
    case_id = session.scalar(select(Case.id).where(Case.coi == coi))
    if case_id is None:
        raise NotFound(f"No case has the COI {coi}.")
    return case_id


# ---------------------------------------------------------------- the query


def _record_id(text: str) -> str:
    try:
        return str(uuid.UUID(text))
    except ValueError:
        return text


def _conditions(
    session: Session, actor: Actor, audit_filter: AuditFilter
) -> tuple[list[ColumnElement[bool]], str]:
    scope, words = _scope(session, actor)
    for name, value in audit_filter.as_dict().items():  # the typed fields, before any query
        checked_search(value, f"{name.replace('_', ' ')} filter")
    where = [] if scope is None else [scope]
    since, until = audit_filter.since, audit_filter.until
    for moment in (since, until):
        if moment is not None and moment.tzinfo is None:
            raise ValidationFailed("Times in the filter must carry their time zone (UTC).")
    if since is not None and until is not None and since >= until:
        raise ValidationFailed("The 'from' time must be before the 'to' time.")
    if since is not None:
        where.append(_EVENT.c.at >= since)
    if until is not None:
        where.append(_EVENT.c.at < until)
    case_id = _case_id(session, audit_filter)
    if case_id is not None:
        where.append(_EVENT.c.record_id.in_(sorted(case_record_keys(session, case_id))))
    if username := audit_filter.username.strip().lower():
        where.append(_EVENT.c.username == username)
    if record_type := audit_filter.record_type.strip():
        where.append(_EVENT.c.record_type == record_type)
    if record_id := audit_filter.record_id.strip():
        where.append(_EVENT.c.record_id == _record_id(record_id))
    if action := audit_filter.action.strip():
        where.append(_EVENT.c.action.icontains(action, autoescape=True))
    return where, words


def _people(connection: Connection) -> dict[str, str]:
    """Printed names of every user, and the names of every site and product, by id as the
    trail writes it (they are few; never a patient's: identity stays where it is guarded)."""
    return {str(i): name for i, name in connection.execute(_PEOPLE)}  # Core: no ORM loading


_PEOPLE = union_all(
    select(User.__table__.c.id, User.__table__.c.full_name),
    select(Site.__table__.c.id, Site.__table__.c.name),
    select(Product.__table__.c.id, Product.__table__.c.name),
)
CASE_TABLE = str(Case.__tablename__)


def _case_names(connection: Connection, rows: Sequence[Any]) -> dict[str, str]:
    """The COI as printed (with its check character) of each case a page's events are on:
    the Record column named a case by its id ("Case · d6961dc0…"), never by its COI."""
    ids = {uuid.UUID(row[7]) for row in rows if row[6] == CASE_TABLE}
    if not ids:
        return {}
    table = Case.__table__
    found = connection.execute(select(table.c.id, table.c.coi).where(table.c.id.in_(ids)))
    return {str(i): coi_text(coi, parse_coi(coi).check_character) for i, coi in found}


SCANNED_COLUMNS: dict[str, frozenset[str]] = {
    "scan": frozenset({"raw_text"}),
    "label": frozenset({"payload"}),
}
"""Per record type, the columns holding scanned or bar-coded text that may carry a patient's
identity (ISBT 128 024/025, GS1 8018): shown redacted to everyone not allowed to see it."""
GUARDED_COLUMNS: dict[str, frozenset[str]] = {
    name: IDENTITY_COLUMNS.get(name, frozenset()) | SCANNED_COLUMNS.get(name, frozenset())
    for name in IDENTITY_COLUMNS.keys() | SCANNED_COLUMNS.keys()
}
"""Per record type, every column `_Shown.values` may have to hide or open."""


def _without_identity(value: Any) -> Any:
    """A scanned text, or a label payload (JSON of bar-code texts), with identity removed."""
    if not isinstance(value, str):
        return value
    try:
        symbols = json.loads(value)
    except ValueError:
        symbols = None
    if isinstance(symbols, dict):
        return json.dumps({k: _without_identity(v) for k, v in symbols.items()}, ensure_ascii=False)
    return redact_identity(value).text


_SEALED_PATIENT = re.compile(re.escape(PATIENT_SEALED_PREFIX) + r"([0-9a-fA-F-]{32,36})")
"""A patient's id after the prefix of a value sealed with the patient's key."""


class _Shown:
    """How one reader sees sealed identity in old and new values.

    A role allowed to see identity, on a workstation holding the clinic key, reads it opened;
    without the key ``[identity hidden — no clinic key]``; everyone else ``[identity
    hidden]`` (scanned texts redacted). A value sealed with an erased patient's key reads
    ``[identity erased]`` for everyone.
    """

    def __init__(self, session: Session, identity: bool) -> None:
        self.session = session
        self.identity = identity
        self.keys = identity_keys(session) if identity else None
        self._erased: dict[uuid.UUID, bool] = {}

    def prefetch(self, texts: Iterable[str | None]) -> None:
        """Read at once, in one statement, whether each patient whose key sealed a value in
        ``texts`` was erased (a page's values; `erased` reads any other patient itself)."""
        found: set[uuid.UUID] = set()
        for text in texts:
            if text and PATIENT_SEALED_PREFIX in text:
                for match in _SEALED_PATIENT.finditer(text):
                    try:
                        found.add(uuid.UUID(match[1]))
                    except ValueError:
                        continue
        found -= self._erased.keys()
        if found:
            erased = erased_patients(self.session, found)
            self._erased.update({patient: patient in erased for patient in found})

    def erased(self, value: Any) -> bool:
        patient = patient_of(_sealed_text(value))
        if patient is None:
            return False
        if patient not in self._erased:
            self._erased[patient] = patient_erased(self.session, patient)
        return self._erased[patient]

    def opened(self, record_type: str, record_id: str, column: str, value: Any) -> Any:
        if not isinstance(value, str) or not _sealed_text(value):
            return value
        if self.erased(value):
            return IDENTITY_ERASED
        if self.keys is None:
            return CLINIC_KEY_HIDDEN
        try:
            if record_type == "label" and column == "payload":
                return opened_payload(self.keys, record_id, value)
            return self.keys.open(value, bound_to(record_type, column, record_id))
        except IdentityErased:
            return IDENTITY_ERASED
        except IdentityUnreadable:
            return IDENTITY_UNREADABLE

    def values(self, text: str, record_type: str, record_id: str) -> dict[str, Any]:
        values: dict[str, Any] = json.loads(text or "{}")
        guarded = GUARDED_COLUMNS.get(record_type)
        if guarded is None or not values:
            return values
        identity = IDENTITY_COLUMNS.get(record_type, frozenset())
        for key in guarded.intersection(values):
            value = values[key]
            if value is None:
                continue
            if self.identity:
                values[key] = self.opened(record_type, record_id, key, value)
            elif _sealed_text(value):
                values[key] = IDENTITY_ERASED if self.erased(value) else IDENTITY_HIDDEN
            elif key in identity:
                values[key] = IDENTITY_HIDDEN
            else:
                values[key] = _without_identity(value)
        return values


def _sealed_text(value: Any) -> str:
    """The sealed text in a stored value ("" when none): a sealed value, or a sealed label
    payload's ``sealed`` member."""
    if is_sealed(value):
        return str(value)
    if isinstance(value, str) and value.startswith('{"sealed"'):
        try:
            inner = json.loads(value).get("sealed")
        except (ValueError, AttributeError):
            return ""
        return inner if is_sealed(inner) else ""
    return ""


_GUARDED_KEYS: dict[str, tuple[str, ...]] = {
    name: tuple(f'"{column}"' for column in sorted(columns))
    for name, columns in GUARDED_COLUMNS.items()
}
"""Per guarded record type, its columns as keys appear in stored JSON text."""


def _may_guard(record_type: str, old: str | None, new: str | None) -> bool:
    """Whether the old or new values may hold a column to hide or open: False only when no
    guarded key is written in either text (a key spelt with an escape could hide: read those)."""
    keys = _GUARDED_KEYS.get(record_type)
    if keys is None:
        return False
    return any("\\" in text or any(key in text for key in keys) for text in (old, new) if text)


def _entry(row: Any, people: dict[str, str], shown: _Shown) -> AuditEntry:
    """One row of `_COLUMNS` as the reader sees it (unpacked: a row's attributes cost more).

    Built without the frozen dataclass's ``__init__``, which sets each field through
    ``object.__setattr__``: its attributes are given as one dict (every field, checked by
    tests/audit); the entry stays frozen for its readers. Values that may hold identity or
    scanned text are shown now, with the session; the others are parsed when first read."""
    seq, at, user_id, username, station, action, record_type, record_id, reason, old, new = row
    # Most record types hold no identity or scanned text: no call for their rows.
    guarded = record_type in _GUARDED_KEYS and _may_guard(record_type, old, new)
    entry: AuditEntry = object.__new__(AuditEntry)
    object.__setattr__(
        entry,
        "__dict__",
        {
            "seq": seq,
            "at": at,
            "user_name": SYSTEM_NAME
            if user_id is None
            else people.get(user_id, username or "unknown user"),
            "username": username or "—",
            "station": station,
            "action": action,
            "record_type": record_type,
            "record_id": record_id,
            "reason": reason,
            "stored_old": "{}" if guarded else old,
            "stored_new": "{}" if guarded else new,
            "shown_values": (
                shown.values(old, record_type, record_id),
                shown.values(new, record_type, record_id),
            )
            if guarded
            else None,
            "people": people,
        },
    )
    return entry


_COLUMNS = (  # in the order `_entry` unpacks them
    _EVENT.c.seq,
    _EVENT.c.at,
    _EVENT.c.user_id,
    _EVENT.c.username,
    _EVENT.c.station,
    _EVENT.c.action,
    _EVENT.c.record_type,
    _EVENT.c.record_id,
    _EVENT.c.reason,
    _EVENT.c.old_values,
    _EVENT.c.new_values,
)
_PAGE = select(*_COLUMNS).order_by(_EVENT.c.seq.desc())
"""A page's statement without its conditions (built once: its columns are coerced once)."""
_NEWER = select(*_COLUMNS).order_by(_EVENT.c.seq)
"""The events just newer than one shown, nearest first (``after_seq``)."""


def search_audit(
    database: Database,
    actor: Actor,
    audit_filter: AuditFilter,
    *,
    offset: int = 0,
    limit: int = PAGE_SIZE,
    before_seq: int | None = None,
    after_seq: int | None = None,
    known_total: int | None = None,
) -> AuditEventPage:
    """One page of the events ``actor`` may see that match ``audit_filter``, newest first.

    ``before_seq`` asks for the page that follows the event ``before_seq`` (keyset paging: a
    deep page costs what the first does; ``offset`` is then not used); ``after_seq`` for the
    ``limit`` events just newer than ``after_seq`` (the page before it, still newest first:
    a screen that dropped the newest rows it read loads them back). ``known_total`` is the
    total a first page counted: the next pages return it instead of counting again.
    """
    page_size = max(1, min(limit, MAX_PAGE_SIZE))
    # Core statements on a connection: rows as tuples, no ORM loading. The session, on the
    # same connection and transaction, serves only the look-ups that take one (a QA's site,
    # a case's records, identity keys, erased patients); an administrator's page needs none.
    with database.engine.connect() as connection, Session(bind=connection) as session:
        where, scope = _conditions(session, actor, audit_filter)
        query = _PAGE.where(*where)
        if after_seq is not None:
            query = _NEWER.where(*where, _EVENT.c.seq > after_seq)
        elif before_seq is not None:
            query = query.where(_EVENT.c.seq < before_seq)
        elif offset > 0:
            query = query.offset(offset)
        found = list(connection.execute(query.limit(page_size)).all())
        if after_seq is not None:
            found.reverse()  # read oldest first from the event given: shown newest first
        more = False
        if known_total is not None:
            total = known_total
        elif before_seq is None and after_seq is None and offset <= 0 and len(found) < page_size:
            total = len(found)  # a first page that is not full holds every match
        else:  # counted up to the cap: the rows read stop there, however long the trail
            matching = select(_EVENT.c.seq).where(*where).limit(COUNT_CAP + 1).subquery()
            total = int(connection.scalar(select(func.count()).select_from(matching)) or 0)
            more = total > COUNT_CAP
            total = min(total, COUNT_CAP)
        people = (
            {
                **_people(connection),
                **_case_names(connection, found),
                **record_names(connection, found),
            }
            if found
            else {}
        )
        shown = _Shown(session, may_see_identity(actor))
        shown.prefetch(_page_texts(found))
        entries = tuple(_entry(r, people, shown) for r in found)
    return AuditEventPage(entries, total, scope, more)


def iter_audit(
    session: Session, actor: Actor, audit_filter: AuditFilter, *, batch: int = 1000
) -> tuple[str, Iterator[AuditEntry]]:
    """The scope in words and every matching event the actor may see, oldest first, streamed.

    Permission and filter are checked at once; the events are read as the iterator is consumed.
    """
    where, scope = _conditions(session, actor, audit_filter)
    people = _people(session.connection())
    shown = _Shown(session, may_see_identity(actor))
    result = session.execute(
        select(*_COLUMNS).where(*where).order_by(_EVENT.c.seq),
        execution_options={"stream_results": True, "yield_per": batch},
    )
    batches = result.partitions(batch)  # yield_per alone: rows of 1
    return scope, _streamed(batches, people, shown, session.connection())


def _streamed(
    batches: Iterator[Sequence[Any]], people: dict[str, str], shown: _Shown, connection: Connection
) -> Iterator[AuditEntry]:
    """The entries of rows read batch by batch, each batch's erased patients read at once, and
    the records its events are on named (cases by COI, stage records by stage and case: the
    export says what a record is, as the screen does)."""
    for rows in batches:
        shown.prefetch(_page_texts(rows))
        named = {**people, **_case_names(connection, rows), **record_names(connection, rows)}
        yield from (_entry(row, named, shown) for row in rows)


def _page_texts(rows: Sequence[Any]) -> Iterator[str | None]:
    """The old and new values of the rows whose record type may hold identity."""
    return (text for r in rows if r[6] in GUARDED_COLUMNS for text in (r[9], r[10]))


def value_text(value: Any) -> str:
    """An old or new value as one line of text (``—`` for none)."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
