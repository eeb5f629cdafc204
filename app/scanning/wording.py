"""Words shared by the scan rules: the COI as printed, and the wrong-patient alarm."""

from __future__ import annotations

from app.core import din_text

DIN_LENGTH = 13


def grouped(coi: str) -> str:
    """A COI as printed under the bar code: ``CH G1234 26 000001``."""
    if len(coi) != 15:  # CH + FIN(5) + year(2) + sequence(6)
        return coi
    return f"{coi[:2]} {coi[2:7]} {coi[7:9]} {coi[9:]}"


def din_words(din: str | None) -> str:
    """A DIN as printed, grouped with its check character (``G1234 26 000011 [0]``); a DIN of
    another length is shown as stored."""
    if not din or len(din) != DIN_LENGTH:
        return din or "—"
    return din_text(din)


def wrong_coi(found: str, description: str, expected_coi: str) -> str:
    """The alarm for a scan that carries another case's COI."""
    return (
        f"WRONG PATIENT: this carries COI {grouped(found)}, but {description} is for "
        f"COI {grouped(expected_coi)}. Stop, set the item aside and call your supervisor."
    )
