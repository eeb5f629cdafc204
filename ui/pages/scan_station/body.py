"""The scan station's widgets: its buttons, what is expected next, the scan field, the banner
no one can miss, and the history of recent scans. `page` gives them their work."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTime
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.core import Actor
from app.scanning import ScannerSettings
from ui.pages import CaseHeader
from ui.pages.scan_station.camera import NO_CAMERA, camera_names
from ui.widgets import ScanField, restyle

HISTORY_LENGTH = 50
ACKNOWLEDGE_TEXT = "Acknowledge (F12)"
RECORDING_TEXT = "Recording the acknowledgement…"
CAMERA_TEXT = "Camera"
CAMERA_STOP_TEXT = "Stop camera"
PREVIEW_HEIGHT = 160
NO_CASE = "No case chosen: scan the case COI."


def _label(name: str, text: str = "") -> QLabel:
    label = QLabel(text)
    label.setObjectName(name)
    label.setWordWrap(True)
    return label


def _button(name: str, text: str) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the scan field keeps the focus
    button.setAutoDefault(False)  # Enter ends a scan; it never presses a button
    return button


class ScanStationBody(QWidget):
    """Everything the station shows, laid out; it can be shown alone, full screen."""

    def __init__(self, settings: ScannerSettings, actor: Actor) -> None:
        super().__init__()
        self.setObjectName("scanStation")
        layout = QVBoxLayout(self)
        layout.addLayout(self._top_row())
        # The case in front of the operator, pinned as on the case pages: COI, product, stage,
        # and the patient's name and date of birth for the clinic roles only (issue 16).
        self.case_header = CaseHeader()
        self.case_header.show_none(NO_CASE)
        layout.addWidget(self.case_header)
        self.expectation = _label("scanExpectation")
        layout.addWidget(self.expectation)
        self.scan_field = ScanField(settings)
        self.scan_field.setObjectName("scanField")
        layout.addWidget(self.scan_field)
        self.preview = QLabel()
        self.preview.setObjectName("cameraPreview")
        self.preview.setFixedHeight(PREVIEW_HEIGHT)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.hide()
        layout.addWidget(self.preview)
        layout.addWidget(self._banner())
        self.notice = _label("scanNotice")
        self.notice.hide()
        layout.addWidget(self.notice)
        layout.addLayout(self._history_title(actor))
        layout.addWidget(self._history(), stretch=1)

    def _top_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        title = QLabel("Scan station")
        title.setObjectName("pageTitle")
        self.change_case_button = _button("changeCase", "Change case")
        self.decode_button = _button("decodeImage", "Decode image file…")
        self.camera_button = _button("camera", CAMERA_TEXT)
        self.camera_button.setCheckable(True)
        self.cameras = camera_names()
        self.camera_button.setEnabled(False)
        self.camera_button.setToolTip(
            f"Hold the label in front of the camera ({self.cameras[0]}): the first code it "
            "reads is verified like a scan."
            if self.cameras
            else NO_CAMERA
        )
        self.full_button = _button("fullWindow", "Full window (F11)")
        self.full_button.setCheckable(True)
        row.addWidget(title)
        row.addStretch(1)
        for button in (
            self.change_case_button,
            self.decode_button,
            self.camera_button,
            self.full_button,
        ):
            row.addWidget(button)
        return row

    def _banner(self) -> QFrame:
        self.banner = QFrame()
        box = QVBoxLayout(self.banner)
        self.headline = _label("scanHeadline")
        self.detail = _label("scanDetail")
        self.detail.setTextFormat(Qt.TextFormat.PlainText)
        self.acknowledge_button = _button("acknowledge", ACKNOWLEDGE_TEXT)
        self.acknowledge_button.hide()
        box.addWidget(self.headline)
        box.addWidget(self.detail)
        box.addWidget(self.acknowledge_button, alignment=Qt.AlignmentFlag.AlignLeft)
        return self.banner

    def _history_title(self, actor: Actor) -> QHBoxLayout:
        row = QHBoxLayout()
        title = QLabel("Recent scans (newest first)")
        title.setObjectName("scanHistoryTitle")
        who = QLabel(f"Signed in: {actor.full_name} · station {actor.station}")
        who.setObjectName("scanWho")
        row.addWidget(title)
        row.addStretch(1)
        row.addWidget(who)
        return row

    def _history(self) -> QListWidget:
        self.history = QListWidget()
        self.history.setObjectName("scanHistory")
        self.history.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.history.setWordWrap(True)
        # The history gives way first: on a small screen the banner must never be cut short.
        self.history.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)
        self.history.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        return self.history

    def show_banner(self, state: str, headline: str, detail: str) -> None:
        """Show the banner in ``state`` (its style: match, mismatch, …) with its words."""
        self.banner.setObjectName(state)
        self.headline.setText(headline)
        self.detail.setText(detail)
        for widget in (self.banner, self.headline, self.detail):
            restyle(widget)
            widget.updateGeometry()

    def show_camera(self, running: bool) -> None:
        """The camera button and preview as the camera runs or not."""
        self.camera_button.setChecked(running)
        self.camera_button.setText(CAMERA_STOP_TEXT if running else CAMERA_TEXT)
        self.preview.clear()
        self.preview.setVisible(running)

    def show_frame(self, image: QImage) -> None:
        """Show the camera's latest frame, small, so the label can be aimed."""
        if self.preview.isVisible():
            self.preview.setPixmap(
                QPixmap.fromImage(image).scaledToHeight(
                    PREVIEW_HEIGHT, Qt.TransformationMode.FastTransformation
                )
            )

    def remember(self, line: str) -> None:
        """Add ``line`` to the top of the history, with the time; the oldest lines go."""
        self.history.insertItem(0, f"{QTime.currentTime().toString('HH:mm:ss')}  {line}")
        while self.history.count() > HISTORY_LENGTH:
            self.history.takeItem(self.history.count() - 1)
