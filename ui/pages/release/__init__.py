"""QC results and release."""

from __future__ import annotations

from ui.pages.release.page import ReleasePage

__all__ = ["ReleasePage"]
