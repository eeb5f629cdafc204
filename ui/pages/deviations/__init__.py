"""Deviations and cold-chain dispositions."""

from __future__ import annotations

from ui.pages.deviations.page import DeviationsPage

__all__ = ["DeviationsPage"]
