"""Reconciliation of every audited record with its audit trail, as ``coi audit verify
--records`` and the audit screen report it (DESIGN.md §5, issue 12).

The comparison itself is ``app.core.record_reconciliation`` (the bedside check runs it too);
this module adds the signature check of ``app.quality`` and the whole-database entry point.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Connection

from app.core import (
    AuditVerification,
    ChainHead,
    Database,
    Reconciliation,
    RecordMismatch,
    reconcile_every_record,
    reconcile_named_records,
    verify_database,
)
from app.quality import signature_digest

__all__ = [
    "Reconciliation",
    "RecordMismatch",
    "reconcile_database",
    "reconcile_records",
    "reconcile_scope",
    "verify_with_records",
]


def reconcile_records(connection: Connection) -> Reconciliation:
    """Reconcile every row of every audited table with the trail, and check every signature."""
    return reconcile_every_record(connection, signature_digest)


def reconcile_scope(
    connection: Connection,
    record_ids: Collection[str],
    tables: Collection[str] | None = None,
) -> Reconciliation:
    """Reconcile the records named by ``record_ids`` and check the signatures on them."""
    return reconcile_named_records(connection, record_ids, tables, signature_digest)


def verify_with_records(database: Database, seal: ChainHead | None = None) -> AuditVerification:
    """``coi audit verify --records``: the chain, anchor, seal and triggers, and every record and
    signature reconciled with the trail, in one walk over the events (read-only)."""
    return verify_database(database, seal=seal, records=True, digest=signature_digest)


def reconcile_database(database: Database) -> Reconciliation:
    """Reconcile the whole of ``database`` (read-only)."""
    with database.engine.connect() as connection:
        return reconcile_records(connection)
