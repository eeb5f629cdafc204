"""Patient identity taken out of scanned text before anything stores it (pure).

A manufacturing site never stores who the patient is (DESIGN.md §5): a scan there keeps the
structures that identify the product (DIN, COI, product code, dates, print serial) and loses
the ones that identify the patient, each replaced by `IDENTITY_REMOVED`:

- ISBT 128 data structure 024 (patient date of birth) and 025 (patient identification number),
  alone, concatenated or inside a compound message (023, whose count is lowered so the
  structures kept still read as one message);
- GS1 AI 8018 (GSRN of a recipient) as element string, bracketed or in a Digital Link path;
- a text a site's MRN bar-code pattern reads (the whole scan: it is a wristband).

`identity_values` lists what was found so that a message that might quote the scan can be
scrubbed (`scrubbed`): refusal and error texts say what kind of identifier was read, never
which.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from labels.isbt128.message import parse_isbt128
from labels.scan import parse_scan

IDENTITY_REMOVED = "[patient identity removed]"
IDENTITY_STRUCTURES = {"024": "patient date of birth", "025": "patient identification number"}
"""The ISBT 128 data structures that identify a patient, by number, in words."""
GSRN_AI = "8018"
SHORTEST_SCRUBBED = 3
"""Identity values shorter than this are not searched for in messages (they would match
ordinary words and numbers); the scan itself is still redacted whole-structure."""
MRN_CODE_LONGEST = 64
_AIM_PREFIX = re.compile(r"\][A-Za-z][0-9A-Za-z]")
_TRAILING = "\r\n\t"


@dataclass(frozen=True)
class Redacted:
    """A scan's text with patient identity removed, and what was removed."""

    text: str
    kinds: tuple[str, ...] = ()
    """What was removed, in words ("patient date of birth", ...), in reading order."""
    values: tuple[str, ...] = ()
    """The identity values read (for scrubbing messages; never to be stored or shown)."""

    @property
    def removed(self) -> bool:
        """True when the scan carried patient identity."""
        return bool(self.kinds)


def _split(raw: str) -> tuple[str, str, str]:
    """AIM prefix, data, trailing line end of ``raw``."""
    data = raw.rstrip(_TRAILING)
    suffix = raw[len(data) :]
    prefix = ""
    if _AIM_PREFIX.match(data):
        prefix, data = data[:3], data[3:]
    return prefix, data, suffix


def _date_forms(yyyymmdd: str) -> tuple[str, ...]:
    if len(yyyymmdd) != 8 or not yyyymmdd.isdigit():
        return (yyyymmdd,)
    y, m, d = yyyymmdd[:4], yyyymmdd[4:6], yyyymmdd[6:]
    return (yyyymmdd, f"{y}-{m}-{d}", f"{d}/{m}/{y}", f"{d}.{m}.{y}")


def _isbt128(data: str) -> tuple[str, list[str], list[str]] | None:
    """``data`` without its identity structures (None when it carries none)."""
    if not data or data[0] not in "=&":
        return None
    message = parse_isbt128(data)
    found = [s for s in message.structures if s.number in IDENTITY_STRUCTURES]
    if not found:
        return None
    kinds = [IDENTITY_STRUCTURES[str(s.number)] for s in found]
    values: list[str] = []
    for structure in found:
        body = structure.content[4:] if structure.number == "025" else structure.content[2:]
        values.extend((structure.content, *_date_forms(body)))
    parsed_length = sum(len(s.text) for s in message.structures)
    kept = [s.text for s in message.structures if s.number not in IDENTITY_STRUCTURES]
    header = message.structures[0]
    if header.number == "023" and not header.errors and kept:
        count = int(header.content[:2]) - len(found)
        kept[0] = f"{header.data_identifier}{max(count, 0):02d}{header.content[2:]}"
    return "".join(kept) + data[parsed_length:], kinds, values


_GSRN_FORMS = (
    re.compile(r"\(8018\)\s*([0-9]{1,18})"),
    re.compile(r"/8018/([0-9]{1,18})"),
)


def _gs1(data: str, prefix: str) -> tuple[str, list[str], list[str]] | None:
    """``data`` (read after its AIM ``prefix``) without its GSRN element (None: none)."""
    values: list[str] = []
    text = data
    for form in _GSRN_FORMS:
        for match in form.finditer(data):
            values.append(match.group(1))
        text = form.sub("", text)
    result = parse_scan(prefix + data)
    if result.kind == "gs1":
        for key, value in result.fields.items():
            if key.split("_")[0] == GSRN_AI:
                values.append(value)
                text = text.replace(f"{GSRN_AI}{value}", "", 1)
    if not values:
        return None
    return text, ["GSRN of a patient"] * len(values), values


def _mrn(data: str, patterns: Iterable[str]) -> tuple[str, list[str], list[str]] | None:
    """Nothing of ``data`` when a site's MRN pattern reads it (a wristband), else None."""
    if not data or len(data) > MRN_CODE_LONGEST:
        return None
    for pattern in patterns:
        try:
            match = re.fullmatch(pattern, data)
        except re.error:
            continue
        if match is not None:
            values = [data, *(g for g in match.groups() if g)]
            return "", ["hospital number (MRN bar code)"], values
    return None


def redact_identity(raw: str, *, mrn_patterns: Iterable[str] = ()) -> Redacted:
    """``raw`` with every patient-identity structure replaced by `IDENTITY_REMOVED`.

    The structures kept read as before (a compound message's count is lowered by the number
    taken out); the marker follows them, once. Text that carries no identity is returned as
    it is. Never raises.
    """
    prefix, data, suffix = _split(raw)
    for found in (_isbt128(data), _gs1(data, prefix), _mrn(data, mrn_patterns)):
        if found is not None:
            text, kinds, values = found
            marked = f"{prefix}{text}{IDENTITY_REMOVED}{suffix}"
            distinct = tuple(dict.fromkeys(v for v in values if v))
            return Redacted(marked, tuple(dict.fromkeys(kinds)), distinct)
    return Redacted(raw)


def scrubbed(text: str, values: Iterable[str]) -> str:
    """``text`` with every identity value (longest first, any case) replaced by the marker."""
    for value in sorted(set(values), key=len, reverse=True):
        if len(value) >= SHORTEST_SCRUBBED:
            text = re.sub(re.escape(value), IDENTITY_REMOVED, text, flags=re.IGNORECASE)
    return text
