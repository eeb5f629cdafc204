"""QA's review of product drafts: what changed, approve with a signature or reject."""

from __future__ import annotations

from ui.pages.products.page import ProductApprovalPage

__all__ = ["ProductApprovalPage"]
