"""Sending labels to printers: raw ZPL over TCP to networked label printers."""

from __future__ import annotations

from app.printing.raw_tcp import (
    DEFAULT_PORT,
    HOST_STATUS_QUERY,
    PrinterStatus,
    parse_host_status,
    send_raw,
)

__all__ = ["DEFAULT_PORT", "HOST_STATUS_QUERY", "PrinterStatus", "parse_host_status", "send_raw"]
