"""The audit trail as users read it: search, case records, export, and reconciliation."""

from __future__ import annotations

from app.audit.case_reconciliation import reconcile_cases
from app.audit.export import AuditExport, export_audit_csv, export_audit_pdf
from app.audit.mismatch_words import mismatch_in_words
from app.audit.queries import (
    COUNT_CAP,
    PAGE_SIZE,
    AuditEntry,
    AuditEventPage,
    AuditFilter,
    audited_record_types,
    record_type_name,
    search_audit,
    value_text,
)
from app.audit.reconciliation import (
    Reconciliation,
    RecordMismatch,
    reconcile_database,
    reconcile_records,
    reconcile_scope,
    verify_with_records,
)
from app.audit.wording import FieldChange, field_label

__all__ = [
    "COUNT_CAP",
    "PAGE_SIZE",
    "AuditEntry",
    "AuditEventPage",
    "AuditExport",
    "AuditFilter",
    "FieldChange",
    "Reconciliation",
    "RecordMismatch",
    "audited_record_types",
    "export_audit_csv",
    "export_audit_pdf",
    "field_label",
    "mismatch_in_words",
    "reconcile_cases",
    "reconcile_database",
    "reconcile_records",
    "reconcile_scope",
    "record_type_name",
    "search_audit",
    "value_text",
    "verify_with_records",
]
