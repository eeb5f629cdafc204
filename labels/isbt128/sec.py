"""Single European Code (SEC): eye-readable `SEC:` text and data structure 038 content.

ICCBBA ST-012 §2.3 (eye-readable: `SEC:` then the 21-character donation identification sequence and
the 19-character product identification sequence, separated by white space) and ST-001 v6.2.2
§2.4.38 (bar-coded: `&,4` + the same 40 characters). Layout: country (2), tissue establishment
code (6), unique donation number (13); coding system (1), product code (7), split number (3),
expiry date YYYYMMDD (8; all zeros = no expiry given).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_SEC_TEXT = re.compile(r"SEC:\s*([A-Za-z0-9]{21})\s+([A-Za-z0-9]{19})", re.IGNORECASE)
_CONTENT = re.compile(r"[A-Za-z0-9]{40}")
_NO_EXPIRY = "00000000"


class InvalidSec(ValueError):
    """A Single European Code that is malformed."""


@dataclass(frozen=True)
class SingleEuropeanCode:
    """The fields of a Single European Code."""

    country: str
    tissue_establishment_code: str
    unique_donation_number: str
    coding_system: str
    product_code: str
    split_number: str
    expiry_date: dt.date | None

    def as_fields(self) -> dict[str, str]:
        """The SEC as flat text fields (expiry as ISO date, empty when not given)."""
        return {
            "sec_country": self.country,
            "sec_tissue_establishment_code": self.tissue_establishment_code,
            "sec_unique_donation_number": self.unique_donation_number,
            "sec_coding_system": self.coding_system,
            "sec_product_code": self.product_code,
            "sec_split_number": self.split_number,
            "sec_expiry_date": self.expiry_date.isoformat() if self.expiry_date else "",
        }


def decode_sec_content(content: str) -> SingleEuropeanCode:
    """Decode the 40-character SEC content; raise InvalidSec."""
    if not _CONTENT.fullmatch(content):
        msg = f"SEC content must be 40 letters or digits, got {len(content)} characters"
        raise InvalidSec(msg)
    raw_expiry = content[32:40]
    expiry: dt.date | None = None
    if raw_expiry != _NO_EXPIRY:
        try:
            expiry = dt.date(int(raw_expiry[:4]), int(raw_expiry[4:6]), int(raw_expiry[6:8]))
        except ValueError as exc:
            msg = f"SEC expiry date {raw_expiry!r} is not a date"
            raise InvalidSec(msg) from exc
    return SingleEuropeanCode(
        country=content[0:2],
        tissue_establishment_code=content[2:8],
        unique_donation_number=content[8:21],
        coding_system=content[21],
        product_code=content[22:29],
        split_number=content[29:32],
        expiry_date=expiry,
    )


def is_sec_text(text: str) -> bool:
    """True when the text claims to be an eye-readable SEC (starts with `SEC:`, any case)."""
    return text.strip().upper().startswith("SEC:")


def parse_sec_text(text: str) -> SingleEuropeanCode:
    """Parse the eye-readable `SEC: <21> <19>` form; raise InvalidSec."""
    match = _SEC_TEXT.fullmatch(text.strip())
    if match is None:
        msg = "not a well-formed SEC: expected 'SEC:' then 21 and 19 letters or digits"
        raise InvalidSec(msg)
    return decode_sec_content(match.group(1) + match.group(2))
