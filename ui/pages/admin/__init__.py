"""The tabs and dialogs of the Admin page: users, catalogue, workstation settings."""

from __future__ import annotations

from ui.pages.admin.page import AdminPage

__all__ = ["AdminPage"]
