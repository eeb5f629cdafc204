"""The scan station's tones: a short chime on a match, an alarm on a mismatch.

Sound is a second signal beside words and colour, never the only one, so a computer without
audio simply stays silent. QtMultimedia is loaded only where sound can play: on a headless
display (the offscreen or minimal platform of tests and remote sessions) loading its back end
only fills the log with warnings about audio libraries the machine does not have.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QUrl
from PySide6.QtGui import QGuiApplication

from resources import resource

if TYPE_CHECKING:
    from PySide6.QtMultimedia import QSoundEffect

HEADLESS_PLATFORMS = frozenset({"offscreen", "minimal", "vnc"})
ALARM_REPEATS = 3  # the alarm sounds this often unless the mismatch is acknowledged sooner


def multimedia_available() -> bool:
    """True when the display is a real one, where QtMultimedia may look for devices."""
    return (
        QGuiApplication.instance() is not None
        and QGuiApplication.platformName() not in HEADLESS_PLATFORMS
    )


def sound_file(name: str) -> Path:
    """The WAV file ``name`` (``match`` or ``alarm``) in ``resources/sounds``."""
    return Path(str(resource("sounds", f"{name}.wav")))


class Sounds(QObject):
    """Plays the match and alarm tones; silently does nothing without an audio output."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._effects: dict[str, QSoundEffect] = {}
        self.last_requested: str | None = None  # the tone last asked for, heard or not
        if multimedia_available():
            self._load()

    def _load(self) -> None:
        # Imported here, not at the top: importing QtMultimedia already loads its back end.
        from PySide6.QtMultimedia import QMediaDevices, QSoundEffect  # noqa: PLC0415

        if not QMediaDevices.audioOutputs():
            return
        for name, loops in (("match", 1), ("alarm", ALARM_REPEATS)):
            path = sound_file(name)
            if not path.is_file():
                continue
            effect = QSoundEffect(self)
            effect.setSource(QUrl.fromLocalFile(str(path)))
            effect.setLoopCount(loops)
            self._effects[name] = effect

    @property
    def available(self) -> bool:
        """True when tones can actually be heard on this computer."""
        return bool(self._effects)

    def _play(self, name: str) -> None:
        self.last_requested = name
        effect = self._effects.get(name)
        if effect is not None:
            effect.stop()
            effect.play()

    def play_match(self) -> None:
        """The short chime of a scan that matches."""
        self.stop()
        self._play("match")

    def play_alarm(self) -> None:
        """The alarm of a refused scan."""
        self.stop()
        self._play("alarm")

    def stop(self) -> None:
        """Silence any tone still playing (e.g. when the mismatch is acknowledged)."""
        for effect in self._effects.values():
            effect.stop()
