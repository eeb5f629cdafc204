"""Audit trail search, export and verification."""

from __future__ import annotations

from ui.pages.audit.page import AuditTrailPage

__all__ = ["AuditTrailPage"]
