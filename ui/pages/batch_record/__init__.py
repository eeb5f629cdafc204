"""Batch record: manufacturing steps."""

from __future__ import annotations

from ui.pages.batch_record.page import BatchRecordPage

__all__ = ["BatchRecordPage"]
