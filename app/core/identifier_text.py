"""Identifiers as people read and type them: grouped for display, reduced for searching."""

from __future__ import annotations

import re

from labels.gs1 import sscc_hri
from labels.isbt128 import Din, InvalidCoi, parse_coi, parse_typed_coi, with_check
from labels.isbt128.coi import CONTENT_LENGTH as COI_LENGTH

_TYPED_NOISE = re.compile(r"[\s\-\[\]]+")
_TYPED_COI_LENGTH = COI_LENGTH + 1  # CH + 13 characters + the check character


def coi_text(coi: str, check: str) -> str:
    """The COI grouped as printed, with its check character in brackets (joined by a
    no-break space: the check character never wraps away from its COI)."""
    return with_check(parse_coi(coi).eye_readable, check)


def din_text(din: str | None) -> str:
    """A 13-character DIN grouped as printed, with its check character in brackets (joined by
    a no-break space: the check character never wraps away from its DIN)."""
    if not din:
        return "—"
    grouped = Din(din[:5], din[5:7], din[7:13])
    return with_check(grouped.eye_readable, grouped.check_character)


def sscc_text(sscc: str | None, company_prefix: str | None = None) -> str:
    """An SSCC as GS1 writes it under its bar code: ``(00) 3 4012345 000000001 5``
    (``labels.gs1.sscc_hri``; the company prefix as long as the sending site's, else 7 digits)."""
    if not sscc:
        return "—"
    return sscc_hri(sscc, company_prefix)


def coi_fragment(text: str) -> str:
    """What to look for in COIs: upper case, no spaces, hyphens, brackets or ``&/``.

    A whole typed COI with its check character is reduced to the COI when the check matches.
    """
    compact = _TYPED_NOISE.sub("", text).upper().removeprefix("&/")
    if len(compact) == _TYPED_COI_LENGTH and compact.startswith("CH"):
        try:
            return parse_typed_coi(compact).code
        except InvalidCoi:
            return compact
    return compact
