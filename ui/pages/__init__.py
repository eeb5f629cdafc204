"""One package per section of the main window."""

from __future__ import annotations

from ui.pages.case_work import MOVED_ON, CaseHeader, CaseWorkPage

__all__ = ["MOVED_ON", "CaseHeader", "CaseWorkPage"]
