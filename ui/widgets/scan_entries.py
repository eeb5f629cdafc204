"""What waits at the scan station to be verified: a scan as keyed in, or the codes of an image.

An image's codes are verified like scans, except a code holding nothing but the chosen case's
own COI: every label carries one, it names no container, and the service would refuse it as
such, so it is only listed in the history.
"""

from __future__ import annotations

from dataclasses import dataclass

from labels.decode import ImageDecode
from ui.widgets.scanner_input import GS, GS_SHOWN, names_only_coi


@dataclass(frozen=True)
class ScanEntry:
    """One text waiting to be verified, and where it came from."""

    raw: str
    source: str
    gs_substitute: str | None

    @property
    def shown(self) -> str:
        """The text as shown on screen (the invisible GS made visible)."""
        return self.raw.replace(GS, GS_SHOWN)


@dataclass(frozen=True)
class ImageReading:
    """The codes of an image to verify, the history lines of those skipped, and the problem
    (headline, detail) when there is nothing to verify."""

    entries: tuple[ScanEntry, ...] = ()
    skipped: tuple[str, ...] = ()
    problem: tuple[str, str] | None = None


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
        raw = (symbol.symbology_identifier or "") + symbol.text
        source = f"image {name}, {symbol.format}"
        if names_only_coi(raw, case_coi):
            skipped.append(f"ℹ {source}: the COI of this case (not a container), skipped")
            continue
        entries.append(ScanEntry(raw, source, None))  # decoded text carries GS itself
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
