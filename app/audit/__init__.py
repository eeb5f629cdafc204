"""The audit trail as users read it: search, case records and export."""

from __future__ import annotations

from app.audit.export import AuditExport, export_audit_csv, export_audit_pdf
from app.audit.queries import (
    PAGE_SIZE,
    AuditEntry,
    AuditEventPage,
    AuditFilter,
    audited_record_types,
    record_type_name,
    search_audit,
    value_text,
)

__all__ = [
    "PAGE_SIZE",
    "AuditEntry",
    "AuditEventPage",
    "AuditExport",
    "AuditFilter",
    "audited_record_types",
    "export_audit_csv",
    "export_audit_pdf",
    "record_type_name",
    "search_audit",
    "value_text",
]
