"""Collection and shipment at the clinic."""

from __future__ import annotations

from ui.pages.collection.page import CollectionPage

__all__ = ["CollectionPage"]
