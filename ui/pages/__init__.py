"""One package per section of the main window."""

from __future__ import annotations

from ui.pages.case_work import MOVED_ON, CaseHeader, CaseWorkPage
from ui.pages.shipper_box import ShipperBox
from ui.pages.storage_box import StorageBox

__all__ = ["MOVED_ON", "CaseHeader", "CaseWorkPage", "ShipperBox", "StorageBox"]
