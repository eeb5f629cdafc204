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
import json.scanner
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

_SCAN: Callable[[str, int], tuple[Any, int]] = json.scanner.make_scanner(
    json.JSONDecoder()  # type: ignore[arg-type] # typeshed names the class, not the decoder
)
"""The JSON decoder's own scanner (C), called without ``json.loads``' wrappers."""


def parse(text: str) -> Any:
    """``json.loads(text)``, cheaper for the many small texts of a trail: the scanner is
    called directly, and ``json.loads`` judges any text that is not one value from its first
    character to its last (whitespace around it, trailing text, an error to raise)."""
    try:
        value, end = _SCAN(text, 0)
    except StopIteration:
        return json.loads(text)
    if end != len(text):
        return json.loads(text)
    return value


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
        at_id, at_old, at_new = at + 1, at + 2, at + 3
        for row in rows:
            record_type = row[at]
            if record_type not in types:
                continue
            states = by_type[record_type]
            record_id, new = row[at_id], row[at_new]
            if new == "{}":  # a delete (an empty create or update leaves the state as it is)
                if row[at_old] != "{}":
                    states[record_id] = DELETED
                continue
            prior = states.get(record_id)
            if prior is None or prior is DELETED:
                states[record_id] = new
            elif prior.__class__ is list:
                prior.append(new)
            else:
                states[record_id] = [prior, new]  # type: ignore[list-item]


def audited_state(state: State) -> dict[str, Any]:
    """The values of a record's audited state (its texts parsed and applied in order)."""
    if type(state) is str:
        values: dict[str, Any] = parse(state)
        return values
    if type(state) is list:
        values = parse(state[0])
        update = values.update
        for text in state[1:]:
            update(parse(text))
        return values
    assert isinstance(state, dict)
    return state
