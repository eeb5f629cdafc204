"""Two-digit mod 37-2 checksums used by ISBT 128 identifiers other than the DIN."""

from __future__ import annotations

from labels import mod37_2

BASIC_UDI_DI_BODY_LENGTH = 16


def two_digit_checksum(text: str) -> str:
    """Return the mod 37-2 check value of `text` written as two digits (00-36)."""
    return f"{mod37_2.check_value(text):02d}"


def basic_udi_di_checksum(body: str) -> str:
    """Return the checksum of a 16-character Basic UDI-DI `FIN(P) + FPC + PDC` (ST-017 App. 1)."""
    if len(body) != BASIC_UDI_DI_BODY_LENGTH:
        msg = f"a Basic UDI-DI body is 16 characters, got {len(body)}"
        raise ValueError(msg)
    return two_digit_checksum(body)


def is_valid_basic_udi_di(basic_udi_di: str) -> bool:
    """True when an 18-character Basic UDI-DI ends with its correct two-digit checksum."""
    if len(basic_udi_di) != BASIC_UDI_DI_BODY_LENGTH + 2:
        return False
    try:
        return basic_udi_di_checksum(basic_udi_di[:16]) == basic_udi_di[16:]
    except ValueError:
        return False
