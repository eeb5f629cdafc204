"""Codes read from pictures at the scan station: an image file, or the camera's frames.

Both are decoded off the GUI thread by `labels.decode` and turned into entries by the rules of
`app.scanning` (`image_reading`, `camera_entry`); the station verifies each entry exactly as
it verifies a keyed scan.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from app.scanning import camera_entry, image_reading
from labels.decode import DecodedSymbol, ImageDecode, decode_image
from ui.pages.scan_station.camera import CameraScanner, FrameDecoder
from ui.tasks import TaskRunner
from ui.widgets import describe

CAMERA_SKIPPED = "ℹ camera: the COI of this case (not a container), skipped"


class PictureReader(QObject):
    """Reads the codes of an image file, or of the camera's frames, for the station's case
    ``coi`` (set by the station as it chooses one).

    Signals: ``entries(tuple[ScanEntry, ...])`` to verify; ``note(str)`` a line for the
    history; ``problem(str, str)`` a headline and what to do when nothing can be verified;
    ``changed()`` when it starts or stops reading.
    """

    entries = Signal(object)
    note = Signal(str)
    problem = Signal(str, str)
    changed = Signal()

    def __init__(self, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.decoding = False
        """True while an image file is being decoded."""
        self.coi = ""
        self.frames = FrameDecoder(runner, self)
        self.frames.found.connect(self._camera_read)
        self.frames.failed.connect(self._camera_failed)
        self.camera = CameraScanner(self.frames, self)
        self.camera.problem.connect(lambda text: self.problem.emit("⚠ CAMERA", text))
        self.camera.running_changed.connect(lambda _running: self.changed.emit())

    # ------------------------------------------------------------------ image files
    def decode_file(self, path: str) -> None:
        """Decode the bar codes in an image file off the GUI thread."""
        self.decoding = True
        self.changed.emit()
        self.runner.read(lambda _task: decode_image(path), self._decoded, self._decode_failed)

    def _decoded(self, result: ImageDecode) -> None:
        self.decoding = False
        reading = image_reading(result, self.coi)
        for line in reading.skipped:
            self.note.emit(line)
        if reading.problem is not None:
            self.problem.emit(*reading.problem)
        else:
            self.entries.emit(reading.entries)
        self.changed.emit()

    def _decode_failed(self, error: BaseException) -> None:
        self.decoding = False
        title, text = describe(error)
        self.problem.emit("⚠ IMAGE NOT READ", f"{title}: {text}")
        self.changed.emit()

    # ------------------------------------------------------------------ the camera
    def start_camera(self) -> str | None:
        """Start reading the camera's frames; the reason, in words, when it cannot."""
        problem = self.camera.start()
        if problem is None:
            return None
        return f"{problem}. Scan the label, or photograph it and use “Decode image file…”."

    def _camera_read(self, symbols: tuple[DecodedSymbol, ...]) -> None:
        entry = camera_entry(symbols, self.coi)
        if entry is None:  # only the case's own COI: keep looking
            self.note.emit(CAMERA_SKIPPED)
            self.frames.start()
            return
        self.camera.stop()  # one code per start: verified, then the operator asks again
        self.entries.emit((entry,))

    def _camera_failed(self, error: BaseException) -> None:
        title, text = describe(error)
        self.camera.stop()
        self.problem.emit("⚠ CAMERA", f"The camera frame could not be decoded — {title}: {text}")
