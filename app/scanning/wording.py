"""Words shared by the scan rules: the COI as printed, and the wrong-patient alarm."""

from __future__ import annotations

from labels.isbt128 import Din, InvalidCoi, parse_coi, with_check


def grouped(coi: str) -> str:
    """A COI as printed under the bar code, check character boxed: ``CH G1234 26 000001 [4]``.

    Everywhere else on screen the COI carries its check character; an alarm that left it out
    would ask the operator to compare two different-looking texts.
    """
    try:
        parsed = parse_coi(coi)
    except InvalidCoi:
        return coi
    return with_check(parsed.eye_readable, parsed.check_character)


def din_grouped(din: str) -> str:
    """A 13-character DIN as printed, check character boxed: ``G1234 26 000011 [0]``."""
    if len(din) != 13:
        return din
    try:
        parsed = Din(din[:5], din[5:7], din[7:])
        return with_check(parsed.eye_readable, parsed.check_character)
    except ValueError:  # characters no DIN carries: shown as they are
        return din


def din_words(din: str | None) -> str:
    """A DIN as printed (:func:`din_grouped`); ``—`` for none."""
    return din_grouped(din) if din else "—"


def wrong_coi(found: str, description: str, expected_coi: str) -> str:
    """The alarm for a scan that carries another case's COI."""
    return (
        f"WRONG PATIENT: this carries COI {grouped(found)}, but {description} is for "
        f"COI {grouped(expected_coi)}. Stop, set the item aside and call your supervisor."
    )


def says_set_aside(reasons: tuple[str, ...]) -> bool:
    """True when a refusal's reasons already tell the operator to set the item aside: a
    screen then does not say it a second time."""
    return any(" aside" in reason.casefold() for reason in reasons)
