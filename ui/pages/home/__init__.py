"""Home: work queue, alerts and cases by stage."""

from __future__ import annotations

from ui.pages.home.page import HomePage

__all__ = ["HomePage"]
