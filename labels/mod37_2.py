"""ISO/IEC 7064 modulus 37-2 check character (pure system, one check character).

Used for the ISBT 128 DIN keyboard-entry check character and Type-3 flag (ICCBBA ST-001
Appendix A), the Chain of Identity identifier check character, the GRID checksum
(ST-001 §2.4.39) and the Basic UDI-DI checksum (ST-017 Appendix 1).
"""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ*"
"""Character set of ISO/IEC 7064 mod 37-2: the index of a character is its value (0-36)."""

_MODULUS = 37
_VALUES = {character: value for value, character in enumerate(ALPHABET)}


def character_value(character: str) -> int:
    """Return the mod 37-2 value (0-36) of one character; raise ValueError if not in the set."""
    try:
        return _VALUES[character]
    except KeyError:
        msg = f"{character!r} is not a mod 37-2 character (allowed: 0-9, A-Z, *)"
        raise ValueError(msg) from None


def check_value(text: str) -> int:
    """Return the mod 37-2 check value (0-36) computed over `text`."""
    if not text:
        msg = "cannot compute a check character over empty text"
        raise ValueError(msg)
    p = 0
    for character in text:
        p = ((p + character_value(character)) * 2) % _MODULUS
    return (_MODULUS + 1 - p) % _MODULUS


def check_character(text: str) -> str:
    """Return the mod 37-2 check character computed over `text`."""
    return ALPHABET[check_value(text)]


def is_valid(text_with_check: str) -> bool:
    """Return True when the last character of the text is the correct check character."""
    if len(text_with_check) < 2:
        return False
    data, given = text_with_check[:-1], text_with_check[-1]
    try:
        return check_character(data) == given
    except ValueError:
        return False
