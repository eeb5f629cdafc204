"""Date-time editors for times a person enters, and the UTC moment they mean."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import QDateTime, QEvent, QObject, QTimeZone
from PySide6.QtWidgets import QDateTimeEdit, QHBoxLayout, QLabel, QPushButton, QWidget

DATE_TIME_FORMAT = "yyyy-MM-dd HH:mm"


def zone_words(moment: QDateTime) -> str:
    """The time zone of ``moment`` as a clock reads it: ``CET (UTC+01:00)``, ``UTC+02:00``
    for a zone with no name of its own, ``UTC``."""
    offset = moment.offsetFromUtc()
    if offset == 0 and moment.timeZoneAbbreviation() in {"UTC", "GMT", ""}:
        return "UTC"
    sign = "+" if offset >= 0 else "−"
    hours, minutes = divmod(abs(offset) // 60, 60)
    utc = f"UTC{sign}{hours:02d}:{minutes:02d}"
    name = moment.timeZoneAbbreviation()
    named = name and name[0].isalpha() and not name.startswith(("UTC", "GMT"))
    return f"{name} ({utc})" if named else utc


def local_zone_words(moment: QDateTime | None = None) -> str:
    """``local time (CET, UTC+01:00)``: what a time typed into a :func:`time_editor` means."""
    zone = zone_words(moment or QDateTime.currentDateTime())
    return f"local time ({zone.replace(' (', ', ').removesuffix(')')})"


class FollowsEnabled(QObject):
    """Keeps a button enabled exactly when the field it fills is (a "Now" beside a disabled
    time field invited a click that changed nothing, issue 16)."""

    def __init__(self, field: QWidget, button: QPushButton) -> None:
        super().__init__(button)
        self.button = button
        field.installEventFilter(self)
        button.setEnabled(field.isEnabled())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Follow the field's enabled state as it changes (its own, or its parent's)."""
        if event.type() == QEvent.Type.EnabledChange and isinstance(watched, QWidget):
            self.button.setEnabled(watched.isEnabled())
        return False


def time_editor(name: str, seconds_ago: int = 0) -> tuple[QWidget, QDateTimeEdit]:
    """A date-time field (local time) set ``seconds_ago`` before now, with a "Now" button;
    :func:`zoned_caption` names the zone in its caption."""
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    editor = QDateTimeEdit(QDateTime.currentDateTime().addSecs(-seconds_ago))
    editor.setObjectName(name)
    editor.setDisplayFormat(DATE_TIME_FORMAT)
    editor.setCalendarPopup(True)
    layout.addWidget(editor)
    now = QPushButton("Now")
    now.setObjectName(f"{name}Now")
    now.clicked.connect(lambda: editor.setDateTime(QDateTime.currentDateTime()))
    FollowsEnabled(editor, now)
    layout.addWidget(now)
    layout.addStretch(1)
    return row, editor


def zoned_caption(text: str, editor: QDateTimeEdit) -> QLabel:
    """The caption of a :func:`time_editor` naming the zone of the time typed: ``Infusion
    started (CET, UTC+01:00)``; it follows the date chosen (summer time). Named
    ``<editor>Zone``. Issue 16 review: the bedside's times did not say which clock."""
    caption = QLabel()
    caption.setObjectName(f"{editor.objectName()}Zone")
    caption.setToolTip("The time zone of this station's clock, in which the time is typed")

    def show(moment: QDateTime) -> None:
        caption.setText(f"{text} ({local_zone_words(moment).removeprefix('local time (')}")

    show(editor.dateTime())
    editor.dateTimeChanged.connect(show)
    return caption


def utc_editor(moment: datetime) -> QDateTimeEdit:
    """A date-time field in UTC, to the second, set to ``moment``."""
    edit = QDateTimeEdit(QDateTime.fromSecsSinceEpoch(int(moment.timestamp()), QTimeZone.utc()))
    edit.setTimeZone(QTimeZone.utc())
    edit.setDisplayFormat("yyyy-MM-dd HH:mm:ss 'UTC'")
    return edit


def utc_of(moment: QDateTime) -> datetime:
    """A time from a date-time editor as an aware UTC datetime (to the second)."""
    return datetime.fromtimestamp(moment.toSecsSinceEpoch(), tz=UTC)
