"""The audited state of records, replayed from the ``new_values`` of their audit events.

Filled by the walk over the audit events (``app.core.audit_chain.verify_chain``), so that
verifying the chain and reconciling the records read the events once; compared with the rows
by ``app.core.record_reconciliation``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

DELETED: dict[str, Any] = {}
"""The replayed state of a deleted record (compared by identity)."""


@dataclass
class Replay:
    """Per record type, the audited state of each record the trail names (by record id)."""

    types: frozenset[str]
    states: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    filled: bool = False
    """True once a walk over every event has filled it."""

    @classmethod
    def of(cls, record_types: Iterable[str]) -> Replay:
        """An empty replay of ``record_types``."""
        types = frozenset(record_types)
        return cls(types, {record_type: {} for record_type in types})
