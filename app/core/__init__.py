"""Shared foundations: database, unit of work, audit chain, errors, actor, configuration,
identifiers.
"""

from __future__ import annotations

from app.core.actor import GMP_ROLES, Actor, combines_admin_with_gmp
from app.core.audit_chain import ChainVerification, verify_chain, verify_database
from app.core.canonical import canonical_json
from app.core.clock import CLOCK, Clock, now
from app.core.config import (
    DATABASE_ENV,
    Settings,
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
    AuthenticationFailed,
    CoiError,
    ConfigurationError,
    DatabaseUnavailable,
    NotFound,
    NotPermitted,
    PrinterUnavailable,
    ScanMismatch,
    SeparationOfDuties,
    StageNotAllowed,
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
from app.core.pdf_pages import BOLD, FONT, MONO, NumberedCanvas, register_fonts
from app.core.records import load, person
from app.core.standing import ensure_standing
from app.core.text_limits import SEARCH_LONGEST, checked_search, text_problem
from app.core.unit_of_work import UnitOfWork, record_key

__all__ = [
    "BOLD",
    "CLOCK",
    "DATABASE_ENV",
    "FONT",
    "GMP_ROLES",
    "MONO",
    "SEARCH_LONGEST",
    "AccountLocked",
    "Actor",
    "AuthenticationFailed",
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
    "ScanMismatch",
    "SeparationOfDuties",
    "Settings",
    "StageNotAllowed",
    "UnitOfWork",
    "ValidationFailed",
    "ViabilityExpired",
    "canonical_json",
    "checked_search",
    "coi_fragment",
    "coi_text",
    "combines_admin_with_gmp",
    "connect",
    "din_text",
    "ensure_standing",
    "issue_coi",
    "issue_deviation_number",
    "issue_din",
    "issue_print_serial",
    "issue_sscc",
    "load",
    "load_settings",
    "log_directory",
    "now",
    "open_database",
    "person",
    "record_key",
    "register_fonts",
    "resolve_database_url",
    "resolve_station",
    "save_settings",
    "settings_path",
    "text_problem",
    "verify_chain",
    "verify_database",
]
