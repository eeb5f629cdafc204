"""Reusable widgets and formatting shared by the pages."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.core import front_door

if TYPE_CHECKING:
    from ui.widgets.banner_slot import BannerSlot
    from ui.widgets.formats import coi_words, count_text, din_text, local_time, utc_text
    from ui.widgets.full_window import FullWindow
    from ui.widgets.label_rows import BagRow, LabelRow, OutputRow
    from ui.widgets.messages import describe, show_error_box
    from ui.widgets.page_parts import (
        cell,
        escape,
        fit_height,
        message_line,
        ok_cancel,
        password_field,
        restyle,
        show_error,
        show_failed,
        show_failure,
        show_message,
        table,
        unbroken,
    )
    from ui.widgets.paged_model import PagedTableModel
    from ui.widgets.scan_alarm import (
        ACKNOWLEDGE_UNREAD_TEXT,
        UNREADABLE_HEADLINE,
        RefusalAcknowledgement,
        ScanAlarm,
        f12_acknowledges,
        not_recorded_text,
    )
    from ui.widgets.scanner_input import ScanField
    from ui.widgets.sounds import Sounds, multimedia_available
    from ui.widgets.temperature_plot import TemperaturePlot
    from ui.widgets.time_editors import (
        DATE_TIME_FORMAT,
        local_zone_words,
        time_editor,
        utc_editor,
        utc_of,
        zone_words,
        zoned_caption,
    )
    from ui.widgets.unsaved import typed_input

__all__ = [
    "ACKNOWLEDGE_UNREAD_TEXT",
    "DATE_TIME_FORMAT",
    "UNREADABLE_HEADLINE",
    "BagRow",
    "BannerSlot",
    "FullWindow",
    "LabelRow",
    "OutputRow",
    "PagedTableModel",
    "RefusalAcknowledgement",
    "ScanAlarm",
    "ScanField",
    "Sounds",
    "TemperaturePlot",
    "cell",
    "coi_words",
    "count_text",
    "describe",
    "din_text",
    "escape",
    "f12_acknowledges",
    "fit_height",
    "local_time",
    "local_zone_words",
    "message_line",
    "multimedia_available",
    "not_recorded_text",
    "ok_cancel",
    "password_field",
    "restyle",
    "show_error",
    "show_error_box",
    "show_failed",
    "show_failure",
    "show_message",
    "table",
    "time_editor",
    "typed_input",
    "unbroken",
    "utc_editor",
    "utc_of",
    "utc_text",
    "zone_words",
    "zoned_caption",
]

__getattr__ = front_door(__name__)
