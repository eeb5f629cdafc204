"""Date-time editors for times a person enters, and the UTC moment they mean."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import QDateTime, QEvent, QObject, QTimeZone
from PySide6.QtWidgets import QDateTimeEdit, QHBoxLayout, QPushButton, QWidget

DATE_TIME_FORMAT = "yyyy-MM-dd HH:mm"


def local_zone_words(moment: QDateTime | None = None) -> str:
    """``local time (UTC+01:00)``: what a time typed into a :func:`time_editor` means."""
    offset = (moment or QDateTime.currentDateTime()).offsetFromUtc()
    if offset == 0:
        return "local time (UTC)"
    sign = "+" if offset > 0 else "−"
    hours, minutes = divmod(abs(offset) // 60, 60)
    return f"local time (UTC{sign}{hours:02d}:{minutes:02d})"


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
    :func:`local_zone_words` says which time it is."""
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


def utc_editor(moment: datetime) -> QDateTimeEdit:
    """A date-time field in UTC, to the second, set to ``moment``."""
    edit = QDateTimeEdit(QDateTime.fromSecsSinceEpoch(int(moment.timestamp()), QTimeZone.utc()))
    edit.setTimeZone(QTimeZone.utc())
    edit.setDisplayFormat("yyyy-MM-dd HH:mm:ss 'UTC'")
    return edit


def utc_of(moment: QDateTime) -> datetime:
    """A time from a date-time editor as an aware UTC datetime (to the second)."""
    return datetime.fromtimestamp(moment.toSecsSinceEpoch(), tz=UTC)
