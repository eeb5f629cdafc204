"""Receipt of shipments, with the cold-chain panel."""

from __future__ import annotations

from ui.pages.receipt.page import ReceiptPage

__all__ = ["ReceiptPage"]
