"""Clinic receipt and the bedside check."""

from __future__ import annotations

from ui.pages.bedside.page import BedsidePage

__all__ = ["BedsidePage"]
