"""One package per section of the main window."""

from __future__ import annotations

from ui.pages.case_work import CaseWorkPage

__all__ = ["CaseWorkPage"]
