"""Reading codes with the computer's camera (DESIGN.md §3: "a camera where one is present").

`FrameDecoder` takes camera frames as QImages and decodes them with the decoder the image
files use (`labels.decode`), off the GUI thread on the task runner's readers: it keeps at most
one frame in flight and a few frames a second, and the worker only ever gets a copy of the
frame's bytes, never a Qt object. `CameraScanner` owns the QtMultimedia objects (camera,
capture session, video sink), feeds their frames to the decoder and stops them when asked;
every Qt object it makes is its child, so nothing outlives the station.

QtMultimedia is imported only when a camera is looked for on a real display (see
`ui.widgets.sounds`): on a headless one there is no camera to find.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PIL import Image
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QImage
from shiboken6 import isValid

from labels.decode import DecodedSymbol, decode_pil_image
from ui.tasks import TaskRunner
from ui.widgets import multimedia_available

NO_CAMERA = "No camera found on this computer"
FRAME_INTERVAL_S = 0.25  # four frames a second are plenty for a label held still
PREVIEW_INTERVAL_S = 0.1  # the preview, for aiming, at ten frames a second
LONGEST_SIDE = 1280  # larger frames are scaled down before decoding


@dataclass(frozen=True)
class GrayFrame:
    """A camera frame as 8-bit grey bytes: all a decoding worker is given."""

    width: int
    height: int
    stride: int
    data: bytes


def gray_frame(image: QImage) -> GrayFrame:
    """A grey copy of ``image`` (scaled down when large), safe to hand to another thread."""
    if max(image.width(), image.height()) > LONGEST_SIDE:
        image = image.scaled(LONGEST_SIDE, LONGEST_SIDE, Qt.AspectRatioMode.KeepAspectRatio)
    gray = image.convertToFormat(QImage.Format.Format_Grayscale8)
    return GrayFrame(gray.width(), gray.height(), gray.bytesPerLine(), bytes(gray.constBits()))


def decode_frame(frame: GrayFrame) -> tuple[DecodedSymbol, ...]:
    """The codes in one frame (runs on a worker thread)."""
    image = Image.frombytes("L", (frame.width, frame.height), frame.data, "raw", "L", frame.stride)
    return decode_pil_image(image)


class FrameDecoder(QObject):
    """Frames in, codes out: ``found(tuple[DecodedSymbol, ...])`` for the first frame with a code.

    Frames are taken only between `start` and `stop`, one in flight at a time and no more
    often than every ``interval_s``; the rest are dropped (a camera sends 30 a second).
    """

    found = Signal(object)
    failed = Signal(object)  # BaseException

    def __init__(
        self,
        runner: TaskRunner,
        parent: QObject | None = None,
        *,
        interval_s: float = FRAME_INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.interval_s = interval_s
        self.clock = clock
        self.accepting = False
        self.in_flight = False
        self.offered = 0
        self.decoded = 0
        self._last = -interval_s

    def start(self) -> None:
        """Take frames from now on, until a code is found or `stop`."""
        self.accepting = True

    def stop(self) -> None:
        """Take no more frames; a frame in flight is dropped when it comes back."""
        self.accepting = False

    def wants_frame(self) -> bool:
        """True when the next frame would be decoded (so the camera converts only that one)."""
        return (
            self.accepting and not self.in_flight and self.clock() - self._last >= self.interval_s
        )

    def offer(self, image: QImage) -> bool:
        """Decode ``image`` off the GUI thread if a frame is wanted now; True when taken."""
        self.offered += 1
        if not self.wants_frame() or image.isNull():
            return False
        frame = gray_frame(image)
        self.in_flight, self._last = True, self.clock()
        self.decoded += 1
        self.runner.read(lambda _task: decode_frame(frame), self._done, self._failed)
        return True

    def _done(self, symbols: tuple[DecodedSymbol, ...]) -> None:
        self.in_flight = False
        if not isValid(self):
            return  # the station went while the frame was decoded
        if symbols and self.accepting:
            self.accepting = False  # one code per start: the station verifies it, then asks again
            self.found.emit(symbols)

    def _failed(self, error: BaseException) -> None:
        self.in_flight = False
        if isValid(self) and self.accepting:
            self.accepting = False
            self.failed.emit(error)


def camera_names() -> list[str]:
    """The cameras on this computer (none on a headless display)."""
    if not multimedia_available():
        return []
    from PySide6.QtMultimedia import QMediaDevices  # noqa: PLC0415 - see ui/widgets/sounds.py

    return [device.description() for device in QMediaDevices.videoInputs()]


class CameraScanner(QObject):
    """The first camera, its frames fed to ``decoder`` while it runs.

    ``problem(str)``: the camera could not be started or failed while running (it is stopped).
    ``frame(QImage)``: a frame for the preview, a few a second.
    """

    problem = Signal(str)
    running_changed = Signal(bool)
    frame = Signal(QImage)

    def __init__(self, decoder: FrameDecoder, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.decoder = decoder
        self.camera: Any = None
        self.session: Any = None
        self.sink: Any = None
        self.running = False
        self._previewed = 0.0

    def start(self) -> str | None:
        """Start the camera and the decoder; the reason, in words, when there is no camera."""
        if self.running:
            return None
        if not multimedia_available():
            return NO_CAMERA
        from PySide6.QtMultimedia import (  # noqa: PLC0415 - see ui/widgets/sounds.py
            QCamera,
            QMediaCaptureSession,
            QMediaDevices,
            QVideoSink,
        )

        devices = QMediaDevices.videoInputs()
        if not devices:
            return NO_CAMERA
        if self.camera is None:
            self.camera = QCamera(devices[0], self)
            self.session = QMediaCaptureSession(self)
            self.sink = QVideoSink(self)
            self.session.setCamera(self.camera)
            self.session.setVideoSink(self.sink)
            self.sink.videoFrameChanged.connect(self._frame)
            self.camera.errorOccurred.connect(self._camera_error)
        self.running = True
        self.decoder.start()
        self.camera.start()
        self.running_changed.emit(True)
        return None

    def stop(self) -> None:
        """Stop the camera and the decoder (the Qt objects stay, children of this one)."""
        self.decoder.stop()
        if not self.running:
            return
        self.running = False
        if self.camera is not None:
            self.camera.stop()
        self.running_changed.emit(False)

    def release(self) -> None:
        """Stop, then delete the camera objects (the window is closing)."""
        self.stop()
        if self.camera is None:
            return
        self.sink.videoFrameChanged.disconnect(self._frame)
        self.session.setVideoSink(None)
        self.session.setCamera(None)
        for owned in (self.sink, self.session, self.camera):
            owned.deleteLater()
        self.camera = self.session = self.sink = None

    def _frame(self, frame: Any) -> None:
        if not self.running:
            return
        now = time.monotonic()
        preview = now - self._previewed >= PREVIEW_INTERVAL_S
        if not preview and not self.decoder.wants_frame():
            return  # most frames are dropped unconverted
        image = frame.toImage()  # a copy of the frame's pixels
        if preview:
            self._previewed = now
            self.frame.emit(image)
        self.decoder.offer(image)

    def _camera_error(self, _error: Any, text: str) -> None:
        self.stop()
        self.problem.emit(f"The camera stopped: {text or 'it reported an error'}.")
