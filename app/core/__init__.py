"""Shared foundations: database, unit of work, audit chain, errors, actor, configuration,
identifiers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.core.front_door import front_door

if TYPE_CHECKING:
    from app.core.actor import GMP_ROLES, Actor, combines_admin_with_gmp
    from app.core.audit_anchor import (
        ChainHead,
        anchor_path,
        parse_seal,
        record_anchor,
        remove_anchor,
        seal_text,
        set_anchor_aside,
    )
    from app.core.audit_chain import ChainVerification, chain_head, verify_chain
    from app.core.audit_key import (
        AuditKey,
        ensure_key,
        export_key,
        import_key,
        load_key,
        require_key,
    )
    from app.core.audit_verify import (
        AuditVerification,
        current_seal,
        verification_in_words,
        verify_database,
    )
    from app.core.canonical import canonical_json, canonical_value, plain_canonical_json
    from app.core.clock import CLOCK, Clock, now
    from app.core.config import (
        DATABASE_ENV,
        Settings,
        audit_key_path,
        load_settings,
        log_directory,
        resolve_database_url,
        resolve_station,
        save_settings,
        settings_path,
    )
    from app.core.database import Database, connect, open_database
    from app.core.errors import (
        AccountLocked,
        AuditKeyMismatch,
        AuditKeyMissing,
        AuditKeyProblem,
        AuthenticationFailed,
        CoiError,
        ConfigurationError,
        DatabaseUnavailable,
        NotFound,
        NotPermitted,
        PrinterUnavailable,
        RecordsTampered,
        ScanMismatch,
        SeparationOfDuties,
        StageNotAllowed,
        StaleRecord,
        ValidationFailed,
        ViabilityExpired,
    )
    from app.core.identifier_text import coi_fragment, coi_text, din_text
    from app.core.identifiers import (
        issue_coi,
        issue_deviation_number,
        issue_din,
        issue_print_serial,
        issue_sscc,
    )
    from app.core.pdf_pages import (
        BOLD,
        FONT,
        FOOTER_SPACE,
        MONO,
        NumberedCanvas,
        register_fonts,
        report_pages,
    )
    from app.core.record_reconciliation import (
        Reconciliation,
        RecordMismatch,
        SignatureDigest,
        reconcile_every_record,
        reconcile_named_records,
    )
    from app.core.records import load, person
    from app.core.standing import ensure_standing
    from app.core.text_limits import SEARCH_LONGEST, checked_search, text_problem
    from app.core.unit_of_work import UnitOfWork, record_key

__all__ = [
    "BOLD",
    "CLOCK",
    "DATABASE_ENV",
    "FONT",
    "FOOTER_SPACE",
    "GMP_ROLES",
    "MONO",
    "SEARCH_LONGEST",
    "AccountLocked",
    "Actor",
    "AuditKey",
    "AuditKeyMismatch",
    "AuditKeyMissing",
    "AuditKeyProblem",
    "AuditVerification",
    "AuthenticationFailed",
    "ChainHead",
    "ChainVerification",
    "Clock",
    "CoiError",
    "ConfigurationError",
    "Database",
    "DatabaseUnavailable",
    "NotFound",
    "NotPermitted",
    "NumberedCanvas",
    "PrinterUnavailable",
    "Reconciliation",
    "RecordMismatch",
    "RecordsTampered",
    "ScanMismatch",
    "SeparationOfDuties",
    "Settings",
    "SignatureDigest",
    "StageNotAllowed",
    "StaleRecord",
    "UnitOfWork",
    "ValidationFailed",
    "ViabilityExpired",
    "anchor_path",
    "audit_key_path",
    "canonical_json",
    "canonical_value",
    "chain_head",
    "checked_search",
    "coi_fragment",
    "coi_text",
    "combines_admin_with_gmp",
    "connect",
    "current_seal",
    "din_text",
    "ensure_key",
    "ensure_standing",
    "export_key",
    "front_door",
    "import_key",
    "issue_coi",
    "issue_deviation_number",
    "issue_din",
    "issue_print_serial",
    "issue_sscc",
    "load",
    "load_key",
    "load_settings",
    "log_directory",
    "now",
    "open_database",
    "parse_seal",
    "person",
    "plain_canonical_json",
    "reconcile_every_record",
    "reconcile_named_records",
    "record_anchor",
    "record_key",
    "register_fonts",
    "remove_anchor",
    "report_pages",
    "require_key",
    "resolve_database_url",
    "resolve_station",
    "save_settings",
    "seal_text",
    "set_anchor_aside",
    "settings_path",
    "text_problem",
    "verification_in_words",
    "verify_chain",
    "verify_database",
]

__getattr__ = front_door(__name__)
