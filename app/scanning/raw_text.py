"""Scan text no code could be: the one check every scanning service makes before parsing.

A scan reaches a service as text from a keyboard-wedge scanner, a decoded image, the command
line or a test. Text that no bar code this application reads can hold is refused here, in
words, before it is parsed or looked up: nothing (an empty scan), more than `LONGEST_SCAN`
characters (a stuck key, a runaway paste), a control character other than the separators
ISBT 128 and GS1 messages carry (GS, RS, EOT; a trailing CR, LF or Tab is a scanner's suffix),
or characters that are not text at all (lone surrogates: invalid UTF-8 read with
``surrogateescape``). Pure: the services record the refusal (`app.scanning.service`).
"""

from __future__ import annotations

GS = "\x1d"
RS = "\x1e"
EOT = "\x04"
SEPARATORS = frozenset({GS, RS, EOT})
"""The control characters a code may carry: GS1 and ISBT 128 separators (ISO/IEC 15434)."""
SUFFIX = "\r\n\t"
"""What a scanner may send after the data (the parser strips it)."""
LONGEST_SCAN = 4000
"""No bar code this application reads holds more (a QR code tops out near 4 300 characters of
text, our own 2-D symbols hold a few hundred); a longer entry is a stuck key or a runaway paste."""
SHOWN_IN_MESSAGES = 60


def _is_surrogate(ch: str) -> bool:
    return "\ud800" <= ch <= "\udfff"


def shown(text: str) -> str:
    """``text`` as a screen shows it: GS as ``[GS]``, other characters that are not printable
    (control characters, lone surrogates) as ``[0x04]``."""
    return "".join(
        "[GS]" if ch == GS else ch if ch.isprintable() else f"[0x{ord(ch):02X}]" for ch in text
    )


def shortened(text: str) -> str:
    """``text`` as shown, cut to a length a message can carry (its length said)."""
    visible = shown(text[:SHOWN_IN_MESSAGES])
    if len(text) <= SHOWN_IN_MESSAGES:
        return visible
    return f"{visible}… ({len(text)} characters)"


def scan_text_problem(raw: str) -> str | None:
    """Why ``raw`` cannot be a scan of any code, in words for the operator (None: it can).

    The words say what is wrong, in words a nurse reads, not what to do next (each caller says
    that); the code point and the scan as received follow "for IT:". They never repeat more
    than `SHOWN_IN_MESSAGES` characters of the scan, and show control characters and lone
    surrogates escaped.
    """
    if len(raw) > LONGEST_SCAN:
        return (
            f"The scan is {len(raw)} characters long; no bar code holds more than "
            f"{LONGEST_SCAN} (a stuck key? clear the scanner)."
        )
    data = raw.rstrip(SUFFIX)
    if not data.strip():
        return "The scan is empty: nothing was read."
    broken = sorted({ch for ch in data if _is_surrogate(ch)})
    if broken:
        return (
            "The scan arrived garbled and could not be read; if it repeats, IT needs to check "
            f"the scanner's keyboard layout (for IT: invalid UTF-8 in “{shortened(data)}”)."
        )
    controls = sorted({ch for ch in data if not ch.isprintable() and ch not in SEPARATORS})
    if controls:
        names = ", ".join(f"0x{ord(ch):02X}" for ch in controls)
        plural = "s" if len(controls) > 1 else ""
        return (
            "The scanner sent a signal that is not part of any label, so the scan could not be "
            "read; if it repeats, IT needs to check the scanner's settings (for IT: control "
            f"character{plural} {names} in “{shortened(data)}”)."
        )
    return None
