"""Write the scan station's tones to resources/sounds/ (run again only to change them).

match.wav: a short rising two-note chime (about 0.3 s). alarm.wav: a harsh two-tone alarm
(about 1 s) that no one mistakes for the chime. 16-bit mono PCM at 22 050 Hz, which every
audio back end plays; the files are deterministic, so regenerating them changes nothing.

    python scripts/make_sounds.py [OUTPUT_DIRECTORY]
"""

from __future__ import annotations

import math
import sys
import wave
from array import array
from pathlib import Path

RATE = 22_050
FADE_S = 0.008  # a few milliseconds of fade in and out, so no note starts with a click
PEAK = 0.6 * 32_767


def _note(frequency_hz: float, seconds: float, *, square: bool = False) -> list[float]:
    """One note as samples in -1..1: a sine, or a softened square wave for the alarm."""
    count = round(RATE * seconds)
    fade = max(1, round(RATE * FADE_S))
    samples = []
    for i in range(count):
        phase = math.sin(2 * math.pi * frequency_hz * i / RATE)
        value = math.tanh(4 * phase) if square else phase
        envelope = min(1.0, i / fade, (count - 1 - i) / fade)
        samples.append(value * envelope)
    return samples


def _silence(seconds: float) -> list[float]:
    return [0.0] * round(RATE * seconds)


def match_tone() -> list[float]:
    """The match chime: two short rising notes (E6, B6)."""
    return _note(1318.5, 0.12) + _silence(0.02) + _note(1975.5, 0.16)


def alarm_tone() -> list[float]:
    """The mismatch alarm: four alternating low and high square-ish bursts."""
    samples: list[float] = []
    for _ in range(4):
        samples += _note(520.0, 0.12, square=True) + _note(780.0, 0.12, square=True)
    return samples


def write_wav(path: Path, samples: list[float]) -> Path:
    """Write ``samples`` (-1..1) as 16-bit mono PCM."""
    pcm = array("h", (round(value * PEAK) for value in samples))
    if sys.byteorder == "big":  # WAV data is little-endian
        pcm.byteswap()
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(pcm.tobytes())
    return path


def main(argv: list[str]) -> int:
    """Write match.wav and alarm.wav into the given directory or resources/sounds/."""
    target = Path(argv[0]) if argv else Path(__file__).resolve().parents[1] / "resources" / "sounds"
    target.mkdir(parents=True, exist_ok=True)
    for name, samples in (("match.wav", match_tone()), ("alarm.wav", alarm_tone())):
        written = write_wav(target / name, samples)
        print(f"{written}: {len(samples) / RATE:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
