"""What waits at the scan station to be verified: an entry as keyed in, or the codes of an
image (a file or a camera frame).

An image's codes are verified like scans, except a code holding nothing but the chosen case's
own COI: every label carries one, it names no container, and the service would refuse it as
such, so it is only listed in the history.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.scanning.raw_text import shown
from app.scanning.wedge import names_only_coi

if TYPE_CHECKING:  # the imaging libraries load with the first image decoded, not here
    from labels.decode import DecodedSymbol, ImageDecode


@dataclass(frozen=True)
class ScanEntry:
    """One text waiting to be verified (GS as itself), and where it came from."""

    raw: str
    source: str

    @property
    def shown(self) -> str:
        """The text as shown on screen (the invisible GS made visible)."""
        return shown(self.raw)


@dataclass(frozen=True)
class ImageReading:
    """The codes of an image to verify, the history lines of those skipped, and the problem
    (headline, detail) when there is nothing to verify."""

    entries: tuple[ScanEntry, ...] = ()
    skipped: tuple[str, ...] = ()
    problem: tuple[str, str] | None = None


def symbol_entry(symbol: DecodedSymbol, where: str) -> ScanEntry:
    """A decoded code as an entry: its AIM prefix and text, as a scanner would send them."""
    raw = (symbol.symbology_identifier or "") + symbol.text  # decoded text carries GS itself
    return ScanEntry(raw, f"{where}, {symbol.format}")


def image_reading(result: ImageDecode, case_coi: str) -> ImageReading:
    """What to verify of the codes decoded from an image, at a station working on ``case_coi``."""
    name = result.path.name
    if result.error is not None:
        return ImageReading(problem=("⚠ IMAGE NOT READ", result.error))
    if not result.symbols:
        return ImageReading(
            problem=(
                "⚠ NO CODE FOUND",
                f"No bar code was found in {name}. Use a sharp, well-lit, straight picture of "
                "the label, or scan the label itself.",
            )
        )
    entries, skipped = [], []
    for symbol in result.symbols:
        entry = symbol_entry(symbol, f"image {name}")
        if names_only_coi(entry.raw, case_coi):
            skipped.append(f"ℹ {entry.source}: the COI of this case (not a container), skipped")
            continue
        entries.append(entry)
    if not entries:
        return ImageReading(
            skipped=tuple(skipped),
            problem=(
                "ℹ ONLY THE CASE COI",
                f"{name} shows only the COI bar code of this case, which is not a container. "
                "Use a picture of the DIN bar code or the 2-D code.",
            ),
        )
    return ImageReading(tuple(entries), tuple(skipped))


def camera_entry(symbols: tuple[DecodedSymbol, ...], case_coi: str) -> ScanEntry | None:
    """The first code of a camera frame worth verifying (None: nothing but the case's COI, or
    no code at all; the camera then keeps looking)."""
    for symbol in symbols:
        entry = symbol_entry(symbol, "camera")
        if not names_only_coi(entry.raw, case_coi):
            return entry
    return None
