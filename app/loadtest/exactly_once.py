"""After a load run: every acknowledged write stored exactly once, nothing stored unacknowledged.

Each acknowledged write names the audit event it must have left (`Ack`). The check reads the
trail of the run's stations and requires, per ack, exactly one such event (none: lost; two or
more: duplicated) whose record is in its table; and every event of a tracked kind at those
stations must belong to an ack (one more is a write stored without being acknowledged: a retry
that landed twice, or an operation reported failed that committed after all).
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, select, tuple_

from app.core import Database
from app.loadtest.operations import Ack
from db.models import AuditEvent, Base

_CHUNK = 500


@dataclass(frozen=True)
class Acknowledged:
    """One acknowledged write: the station that made it and the event it must have left."""

    station: str
    ack: Ack


@dataclass(frozen=True)
class ExactlyOnce:
    """What the check found; ``examples`` describe the first problems in words."""

    acknowledged_writes: int
    lost: int
    duplicated: int
    unacknowledged: int
    rows_missing: int
    examples: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        """True when every acknowledged write is stored once and nothing else was."""
        return not (self.lost or self.duplicated or self.unacknowledged or self.rows_missing)

    def as_dict(self) -> dict[str, Any]:
        """The ``exactly_once`` part of the output."""
        return {
            "checked": True,
            "ok": self.ok,
            "acknowledged_writes": self.acknowledged_writes,
            "lost": self.lost,
            "duplicated": self.duplicated,
            "unacknowledged": self.unacknowledged,
            "rows_missing": self.rows_missing,
            "examples": list(self.examples),
        }


@dataclass(frozen=True)
class _Event:
    station: str
    record_type: str
    record_id: str
    action: str
    values: dict[str, Any]


def _events(
    database: Database, stations: Sequence[str], kinds: set[tuple[str, str]]
) -> list[_Event]:
    """The trail's events of ``kinds`` (record type, action) written at ``stations``."""
    found = []
    with database.read_session() as session:
        rows = session.execute(
            select(
                AuditEvent.station,
                AuditEvent.record_type,
                AuditEvent.record_id,
                AuditEvent.action,
                AuditEvent.new_values,
            ).where(
                AuditEvent.station.in_(stations),
                tuple_(AuditEvent.record_type, AuditEvent.action).in_(sorted(kinds)),
            )
        )
        for row in rows:
            values = json.loads(row.new_values or "{}")
            found.append(_Event(row.station, row.record_type, row.record_id, row.action, values))
    return found


def _holds(event: _Event, fields: tuple[tuple[str, str], ...]) -> bool:
    return all(str(event.values.get(name)) == value for name, value in fields)


def _matches(event: _Event, ack: Ack) -> bool:
    if ack.record_id is not None and event.record_id != ack.record_id:
        return False
    return _holds(event, ack.fields + ack.scope)


def _missing_rows(database: Database, records: Iterable[tuple[str, str]]) -> list[str]:
    """``table id`` of each (record type, id) whose row is not in its table."""
    by_table: dict[str, set[str]] = defaultdict(set)
    for record_type, record_id in records:
        by_table[record_type].add(record_id)
    missing = []
    with database.read_session() as session:
        for name, wanted in sorted(by_table.items()):
            table = Base.metadata.tables[name]
            assert isinstance(table, Table)
            ids = sorted(wanted)
            for start in range(0, len(ids), _CHUNK):
                chunk = [uuid.UUID(i) for i in ids[start : start + _CHUNK]]
                present = {
                    str(i) for i in session.scalars(select(table.c.id).where(table.c.id.in_(chunk)))
                }
                missing += [f"{name} {i}" for i in ids[start : start + _CHUNK] if i not in present]
    return missing


def check_exactly_once(
    database: Database, stations: Sequence[str], acknowledged: Sequence[Acknowledged]
) -> ExactlyOnce:
    """Compare the acknowledged writes of ``stations`` with what the database holds."""
    scopes = {(a.ack.record_type, a.ack.action): a.ack.scope for a in acknowledged}
    found = _events(database, stations, set(scopes)) if scopes else []
    events = [e for e in found if _holds(e, scopes[(e.record_type, e.action)])]
    candidates: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for number, event in enumerate(events):
        candidates[(event.station, event.record_type, event.action)].append(number)
    claimed: set[int] = set()
    examples: list[str] = []
    lost = duplicated = 0
    for item in acknowledged:
        ack = item.ack
        pool = candidates[(item.station, ack.record_type, ack.action)]
        hits = [n for n in pool if _matches(events[n], ack)]
        claimed.update(hits)
        if len(hits) != 1:
            what = ack.record_id or dict(ack.fields)
            if hits:
                duplicated += 1
                examples.append(f"{ack.action} {what} at {item.station}: stored {len(hits)} times")
            else:
                lost += 1
                examples.append(f"{ack.action} {what} at {item.station}: acknowledged, not stored")
    unclaimed = [events[n] for n in range(len(events)) if n not in claimed]
    examples += [
        f"{e.action} {e.record_type} {e.record_id} at {e.station}: stored, never acknowledged"
        for e in unclaimed[:5]
    ]
    missing = _missing_rows(
        database, {(events[n].record_type, events[n].record_id) for n in claimed}
    )
    examples += [f"{m}: its audit event is there, its row is not" for m in missing[:5]]
    return ExactlyOnce(
        acknowledged_writes=len(acknowledged),
        lost=lost,
        duplicated=duplicated,
        unacknowledged=len(unclaimed),
        rows_missing=len(missing),
        examples=tuple(examples[:10]),
    )
