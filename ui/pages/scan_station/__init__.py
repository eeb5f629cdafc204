"""Scan station: one scan field, green or red."""

from __future__ import annotations

from ui.pages.scan_station.page import ScanStation

__all__ = ["ScanStation"]
