"""Keyboard-wedge scanners: keystrokes in, one entry per Enter out, scanner burst or hand typing.

A USB keyboard-wedge scanner "types" its data as a burst of keystrokes a few milliseconds
apart and ends it with Enter (or Tab). GS (0x1D), the separator of GS1 element strings, comes
either as the control character itself (Ctrl+] on a US layout) or as a substitute text the
scanner is configured to send (``<GS>``, ``^``); the reader replaces the substitute by GS, so
every screen hands the same text to the parser (`labels.scan.parse_scan`), which also reads an
AIM symbology prefix (``]C1``, ``]d2``, ``]Q3``).

`WedgeReader` collects keystrokes and, on Enter, says whether the entry came from a scanner or
was typed by hand, and what is wrong with it (a control character no code carries, an entry
longer than any bar code); `case_coi` reads the case COI from an entry. No Qt here: the scan
field of `ui.widgets` turns key presses into `Keystroke`s.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Literal

from app.scanning.raw_text import GS, LONGEST_SCAN, scan_text_problem, shortened, shown
from app.scanning.settings import ScannerSettings
from labels.isbt128 import CoiIdentifier, InvalidCoi, parse_coi, parse_typed_coi
from labels.scan import parse_scan

GS_SHOWN = "[GS]"  # how a GS control character appears on screen
AIM_PREFIX = re.compile(r"\][A-Za-z][0-9A-Za-z]")
LONGEST_ENTRY = LONGEST_SCAN


@dataclass(frozen=True)
class Keystroke:
    """One key that matters to a scan: a character, GS, another control character, erase, or
    the Enter that ends it."""

    kind: Literal["text", "gs", "control", "erase", "enter"]
    at_ms: float
    text: str = ""


@dataclass(frozen=True)
class WedgeScan:
    """One entry, ended by Enter: the text (GS substitute replaced), whether a person typed it,
    and why it cannot be checked (None: it can)."""

    raw: str
    typed_by_hand: bool
    keystrokes: int
    longest_gap_ms: float
    problem: str | None = None

    @property
    def shown(self) -> str:
        """The text as the screen shows it (GS visible)."""
        return shown(self.raw)

    @property
    def symbology(self) -> str | None:
        """The AIM symbology prefix the entry starts with (``]C0``, ``]d2``…), if any."""
        match = AIM_PREFIX.match(self.raw)
        return match.group() if match else None


def entry_problem(raw: str) -> str | None:
    """Why an entry cannot be a scan of any code, in words for the operator (None: it can);
    the rule every scanning service applies (`scan_text_problem`)."""
    problem = scan_text_problem(raw)
    return None if problem is None else f"{problem} It was not checked: scan the code again."


class WedgeReader:
    """Collects keystrokes into entries; pure logic, testable without a window."""

    def __init__(self, settings: ScannerSettings) -> None:
        self.settings = settings
        self._characters: list[str] = []
        self._times: list[float] = []
        self._edited = False

    @property
    def text(self) -> str:
        """What has been entered since the last Enter, as keyed."""
        return "".join(self._characters)

    @property
    def last_at_ms(self) -> float:
        """When the last key of the entry in progress came (0 when there is none)."""
        return self._times[-1] if self._times else 0.0

    def clear(self) -> None:
        """Forget the entry in progress."""
        self._characters.clear()
        self._times.clear()
        self._edited = False

    def press(self, stroke: Keystroke) -> WedgeScan | None:
        """Take one keystroke; on Enter return the finished entry (None when it is empty)."""
        if stroke.kind == "enter":
            scan = self._finish(stroke.at_ms)
            self.clear()
            return scan
        self._times.append(stroke.at_ms)
        if stroke.kind in ("text", "control"):
            self._characters.append(stroke.text)
        elif stroke.kind == "gs":
            self._characters.append(GS)
        else:
            self._edited = True  # scanners never correct themselves
            if self._characters:
                self._characters.pop()
        return None

    def _finish(self, enter_ms: float) -> WedgeScan | None:
        settings = self.settings
        raw = self.text
        if settings.gs_substitute:
            raw = raw.replace(settings.gs_substitute, GS)
        raw = raw.strip(
            " "
        )  # a scanner sends no surrounding spaces; a person's stray one is no data
        if not raw:
            return None
        times = [*self._times, enter_ms]
        gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
        longest = max(gaps, default=0.0)
        typed = (
            self._edited
            or longest > settings.burst_max_interval_ms
            or len(self._characters) < settings.burst_min_characters
            or (settings.aim_prefix_expected and not AIM_PREFIX.match(raw))
        )
        return WedgeScan(raw, typed, len(times), longest, entry_problem(raw))


def case_coi(scan: WedgeScan) -> CoiIdentifier:
    """The case COI an entry names; InvalidCoi, in words for the operator, when it names none.

    A COI typed by hand must end with its check character (the box after the printed COI):
    it is what catches a mistyped character. A scanned one (``&/CH…``) is read by the parser.
    """
    if scan.problem is not None:
        raise InvalidCoi(scan.problem)
    if scan.typed_by_hand:
        try:
            return parse_typed_coi(scan.raw)
        except InvalidCoi as exc:
            msg = (
                f"The typed COI “{shortened(scan.raw)}” was not accepted: {exc}. Type the COI "
                "again, ending with the check character printed in the box after it."
            )
            raise InvalidCoi(msg) from exc
    result = parse_scan(scan.raw)
    if result.kind == "coi" and result.valid and "coi" in result.fields:
        return parse_coi(result.fields["coi"])
    if not result.valid:
        msg = f"The scan could not be read: {'; '.join(result.errors)}. Scan the COI again."
        raise InvalidCoi(msg)
    msg = (
        "That is not a case COI. Choose the case first: scan the COI bar code (&/CH…) or "
        "type the COI with its check character."
    )
    raise InvalidCoi(msg)


def names_only_coi(raw: str, coi: str) -> bool:
    """True for a code holding nothing but the COI ``coi`` (no container in it)."""
    result = parse_scan(raw)
    return (
        result.kind == "coi"
        and result.valid
        and result.fields.get("coi") == coi
        and "din" not in result.fields
    )
