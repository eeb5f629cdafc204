"""Cases: search, timeline and genealogy."""

from __future__ import annotations

from ui.pages.cases.page import CasesPage

__all__ = ["CasesPage"]
