"""Donation Identification Number, ISBT 128 data structure 001 (ICCBBA ST-001 v6.2.2 §2.4.1).

Structure `=αppppyynnnnnnff`: the second data-identifier character α is also the first character
of the FIN. The 13-character DIN is `αppppyynnnnnn`; `ff` are flag characters (not part of the
DIN). The eye-readable keyboard-entry check character (ST-001 Appendix A, §7.5) and the Type-3
flag (60 + check value, ST-001 Table 3 [RT004]) are ISO/IEC 7064 mod 37-2 over the 13 characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from labels import mod37_2
from labels.isbt128.fin import fin_errors

DATA_IDENTIFIER = "="
DIN_LENGTH = 13
CONTENT_LENGTH = 15
TYPE3_FLAG_OFFSET = 60

_FLAG_CHARACTERS = re.compile(
    r"[0-9A-HJ-NPR-Y]{2}"
)  # ST-001 §2.4.1: ff is {0–9}, {A–H; J–N; P; R–Y}
_DIGITS = re.compile(r"[0-9]+")


class InvalidDin(ValueError):
    """A DIN that does not follow ST-001 §2.4.1; the message says what is wrong."""


@dataclass(frozen=True)
class Din:
    """A Donation Identification Number with its flag characters."""

    fin: str
    year: str
    sequence: str
    flag: str = "00"

    @property
    def din(self) -> str:
        """The 13-character DIN `αppppyynnnnnn` (no flags, no check character)."""
        return f"{self.fin}{self.year}{self.sequence}"

    @property
    def check_value(self) -> int:
        """The mod 37-2 check value (0-36) of the DIN."""
        return mod37_2.check_value(self.din)

    @property
    def check_character(self) -> str:
        """The eye-readable keyboard-entry check character of the DIN."""
        return mod37_2.ALPHABET[self.check_value]

    @property
    def type3_flag(self) -> str:
        """The Type-3 flag for this DIN: 60 plus its check value, two digits."""
        return type3_flag(self.din)

    @property
    def data_structure(self) -> str:
        """The bar-coded data structure 001: `=` + DIN + flag."""
        return f"{DATA_IDENTIFIER}{self.din}{self.flag}"

    @property
    def eye_readable(self) -> str:
        """The DIN grouped as printed under the bar code: FIN, year, sequence."""
        return f"{self.fin} {self.year} {self.sequence}"

    def with_type3_flag(self) -> Din:
        """Return the same DIN carrying its Type-3 (check value) flag."""
        return Din(self.fin, self.year, self.sequence, self.type3_flag)


def type3_flag(din13: str) -> str:
    """Return the Type-3 flag (60 + mod 37-2 check value) for a 13-character DIN."""
    return f"{TYPE3_FLAG_OFFSET + mod37_2.check_value(din13):02d}"


def is_type3_flag(flag: str) -> bool:
    """Return True when a flag value is in the Type-3 range 60-96 (ST-001 Table 3)."""
    return len(flag) == 2 and flag.isdigit() and 60 <= int(flag) <= 96


def flag_meaning(flag: str) -> str:
    """Return the meaning of DIN flag characters from ST-001 Table 3 [RT004]."""
    if not (len(flag) == 2 and flag.isdigit()):
        return "reserved for future assignment"
    value = int(flag)
    meanings = {
        0: "flag not used",
        5: "second (or repeated) demand-printed label",
        6: "pilot tube label",
        7: "test tube label",
        8: "donor record label",
        9: "sample tube for NAT testing",
        10: "samples for bacterial testing",
        11: "match with unit label",
        12: "affixed partial label",
        13: "attached label",
    }
    if value in meanings:
        return meanings[value]
    if 1 <= value <= 4:
        return f"container {value} of a set"
    if 15 <= value <= 19:
        return f"container {value - 10} of a set"
    if 20 <= value <= 59:
        return "locally defined (Type 2)"
    if is_type3_flag(flag):
        return "mod 37-2 check value (Type 3)"
    return "reserved for future assignment"


def din_content_errors(content: str) -> tuple[str, ...]:
    """Return why a 15-character DIN data content `αppppyynnnnnnff` is invalid (empty if valid)."""
    if len(content) != CONTENT_LENGTH:
        return (f"DIN data content must be 15 characters, got {len(content)}",)
    errors = list(fin_errors(content[:5], label="DIN FIN"))
    year, sequence, flag = content[5:7], content[7:13], content[13:15]
    if not _DIGITS.fullmatch(year):
        errors.append(f"DIN year {year!r} must be two digits")
    if not _DIGITS.fullmatch(sequence):
        errors.append(f"DIN sequence number {sequence!r} must be six digits")
    if not _FLAG_CHARACTERS.fullmatch(flag):
        errors.append(f"DIN flag characters {flag!r} are not allowed")
    if not errors and is_type3_flag(flag):
        expected = type3_flag(content[:13])
        if flag != expected:
            errors.append(
                f"DIN flag {flag} is a Type-3 check flag but the check value of "
                f"{content[:13]} gives flag {expected}"
            )
    return tuple(errors)


def parse_din(text: str) -> Din:
    """Parse data structure 001 (`=` + 15 characters) or its content; raise InvalidDin."""
    content = text[1:] if text.startswith(DATA_IDENTIFIER) else text
    errors = din_content_errors(content)
    if errors:
        raise InvalidDin("; ".join(errors))
    return Din(content[:5], content[5:7], content[7:13], content[13:15])


def build_din(fin: str, year: int | str, sequence: int | str, flag: str = "00") -> Din:
    """Build a DIN from FIN, year (2 digits or full) and sequence (0-999999); raise InvalidDin."""
    year_text = f"{int(year) % 100:02d}" if isinstance(year, int) else year
    if isinstance(sequence, int):
        if not 0 <= sequence <= 999_999:
            msg = f"DIN sequence number {sequence} is outside 0-999999"
            raise InvalidDin(msg)
        sequence_text = f"{sequence:06d}"
    else:
        sequence_text = sequence
    return parse_din(f"{fin}{year_text}{sequence_text}{flag}")
