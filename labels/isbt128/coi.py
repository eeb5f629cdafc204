"""Chain of Identity (CoI) identifier, ISBT 128 data structure 040 (ICCBBA ST-001 v6.2.2 §2.4.40).

Structure `&/CHαppppyynnnnnn`: literal `CH`, the issuer's FIN, the nominal year of issue (2 digits)
and a 6-character alphanumeric sequence. The eye-readable form carries an ISO/IEC 7064 mod 37-2
check character over the 13 characters after `CH` (same algorithm as the DIN check character),
printed in a box; a hand-typed identifier is accepted only when that character matches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from labels import mod37_2
from labels.isbt128.fin import fin_errors

DATA_IDENTIFIER = "&/"
LITERAL = "CH"
CONTENT_LENGTH = 15
MAX_SEQUENCE = 999_999

_YEAR = re.compile(r"[0-9]{2}")
_SEQUENCE = re.compile(r"[A-Z0-9]{6}")
_TYPED_SEPARATORS = re.compile(r"[\s\-]+")


class InvalidCoi(ValueError):
    """A CoI identifier that is malformed or whose check character does not match."""


@dataclass(frozen=True)
class CoiIdentifier:
    """An ISBT 128 Chain of Identity identifier."""

    fin: str
    year: str
    sequence: str

    @property
    def code(self) -> str:
        """The 15-character identifier `CH` + FIN + year + sequence (data structure 040 content)."""
        return f"{LITERAL}{self.checked_text}"

    @property
    def checked_text(self) -> str:
        """The 13 characters after `CH` that the check character protects."""
        return f"{self.fin}{self.year}{self.sequence}"

    @property
    def check_value(self) -> int:
        """The mod 37-2 check value (0-36)."""
        return mod37_2.check_value(self.checked_text)

    @property
    def check_character(self) -> str:
        """The mod 37-2 check character printed in a box beside the eye-readable identifier."""
        return mod37_2.ALPHABET[self.check_value]

    @property
    def data_structure(self) -> str:
        """The bar-coded data structure 040: `&/` + code."""
        return f"{DATA_IDENTIFIER}{self.code}"

    @property
    def eye_readable(self) -> str:
        """The identifier grouped as printed: `CH FIN YY SEQUENCE` (check character apart)."""
        return f"{LITERAL} {self.fin} {self.year} {self.sequence}"

    @property
    def eye_readable_with_check(self) -> str:
        """The grouped identifier followed by its check character, as a person would type it."""
        return f"{self.eye_readable} {self.check_character}"


def format_sequence(number: int) -> str:
    """Format a database sequence number (1-999999) as the 6-character CoI sequence field."""
    if not 1 <= number <= MAX_SEQUENCE:
        msg = f"CoI sequence number {number} is outside 1-{MAX_SEQUENCE}"
        raise InvalidCoi(msg)
    return f"{number:06d}"


def coi_content_errors(content: str) -> tuple[str, ...]:
    """Return why a 15-character data structure 040 content is invalid (empty when valid)."""
    if len(content) != CONTENT_LENGTH:
        return (f"CoI identifier must be 15 characters (CH + 13), got {len(content)}",)
    errors: list[str] = []
    if not content.startswith(LITERAL):
        errors.append(f"CoI identifier must start with 'CH', got {content[:2]!r}")
    errors.extend(fin_errors(content[2:7], label="CoI FIN"))
    if not _YEAR.fullmatch(content[7:9]):
        errors.append(f"CoI nominal year {content[7:9]!r} must be two digits")
    if not _SEQUENCE.fullmatch(content[9:15]):
        errors.append(f"CoI sequence {content[9:15]!r} must be 6 characters A-Z or 0-9")
    return tuple(errors)


def parse_coi(text: str) -> CoiIdentifier:
    """Parse scanned data structure 040 (`&/CH…`, no check character); raise InvalidCoi."""
    content = text.removeprefix(DATA_IDENTIFIER)
    errors = coi_content_errors(content)
    if errors:
        raise InvalidCoi("; ".join(errors))
    return CoiIdentifier(content[2:7], content[7:9], content[9:15])


def parse_typed_coi(text: str) -> CoiIdentifier:
    """Parse a hand-typed CoI with its check character (spaces, hyphens allowed)."""
    compact = _TYPED_SEPARATORS.sub("", text).upper().removeprefix(DATA_IDENTIFIER)
    if len(compact) == CONTENT_LENGTH:
        msg = (
            "one character is missing: a typed CoI is CH + 13 characters + the check character "
            "shown in the box at the end"
        )
        raise InvalidCoi(msg)
    if len(compact) != CONTENT_LENGTH + 1:
        msg = f"a typed CoI is CH + 13 characters + check character, got {compact!r}"
        raise InvalidCoi(msg)
    coi = parse_coi(compact[:CONTENT_LENGTH])
    given = compact[CONTENT_LENGTH]
    if given != coi.check_character:
        msg = (
            f"check character {given!r} does not match {coi.eye_readable}: "
            "the identifier was mistyped"
        )
        raise InvalidCoi(msg)
    return coi


def build_coi(fin: str, nominal_year: int | str, sequence: int | str) -> CoiIdentifier:
    """Build a CoI from FIN, nominal year (full or 2 digits) and sequence; raise InvalidCoi."""
    year_text = f"{int(nominal_year) % 100:02d}" if isinstance(nominal_year, int) else nominal_year
    sequence_text = format_sequence(sequence) if isinstance(sequence, int) else sequence
    return parse_coi(f"{LITERAL}{fin}{year_text}{sequence_text}")
