"""The audited state of records, replayed from the ``new_values`` of their audit events.

Filled by the walk over the audit events (``app.core.audit_chain.verify_chain``), so that
verifying the chain and reconciling the records read the events once; compared with the rows
by ``app.core.record_reconciliation``.

The walk keeps each record's event texts as they are (``keep_events``): the one ``new_values``
text of a record written once (most records), or the list of its texts in sequence order; they
are parsed only when the record's row is compared (``audited_state``), and a row whose canonical
text equals its record's one text needs no parsing at all.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

DELETED: dict[str, Any] = {}
"""The replayed state of a deleted record (compared by identity)."""

State = str | list[str] | dict[str, Any]
"""A record's audited state: one ``new_values`` text, several in sequence order (each
updating the ones before), or the parsed values (``DELETED``: the record was deleted)."""


@dataclass
class Replay:
    """Per record type, the audited state of each record the trail names (by record id)."""

    types: frozenset[str]
    states: dict[str, dict[str, State]] = field(default_factory=dict)
    filled: bool = False
    """True once a walk over every event has filled it."""

    @classmethod
    def of(cls, record_types: Iterable[str]) -> Replay:
        """An empty replay of ``record_types``."""
        types = frozenset(record_types)
        return cls(types, {record_type: {} for record_type in types})

    def keep_events(self, rows: Sequence[Sequence[Any]], at: int) -> None:
        """Keep the ``new_values`` of the audited records' events of ``rows``, in order
        (``at``: the position of ``record_type``, followed by record_id, old_values,
        new_values)."""
        types = self.types
        by_type = self.states
        for row in rows:
            record_type, record_id, old, new = row[at : at + 4]
            if record_type not in types:
                continue
            states = by_type[record_type]
            if new == "{}":  # a delete (an empty create or update leaves the state as it is)
                if old != "{}":
                    states[record_id] = DELETED
                continue
            prior = states.get(record_id)
            if prior is None or prior is DELETED:
                states[record_id] = new
            elif type(prior) is list:
                prior.append(new)
            else:
                states[record_id] = [prior, new]  # type: ignore[list-item]


def audited_state(state: State) -> dict[str, Any]:
    """The values of a record's audited state (its texts parsed and applied in order)."""
    if type(state) is str:
        values: dict[str, Any] = json.loads(state)
        return values
    if type(state) is list:
        values = json.loads(state[0])
        for text in state[1:]:
            values.update(json.loads(text))
        return values
    assert isinstance(state, dict)
    return state
