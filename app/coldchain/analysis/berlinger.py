"""Berlinger Fridge-tag 2 / Q-tag text reports (USB export): daily min/max history.

The device stores daily summaries, not a reading series. Each history day becomes up to two
readings: its minimum at `TS Min T` and its maximum at `TS Max T` (missing values `---` are
skipped). Between them nothing is known, so at any usual maximum gap the assessment reports
gaps and the verdict is at best "incomplete"; the device's own alarm minutes (`t Acc`) are
kept as notes. Times are the device's local clock: the caller's UTC offset is applied,
else they are taken as UTC (noted).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from app.coldchain.analysis.csvtable import decode_text
from app.coldchain.analysis.errors import LoggerFileError
from app.coldchain.analysis.trace import Trace, make_trace

_PAIR = re.compile(r"([^:,]+):(?: (.*?))?(?=, [^:,]+:|$)")
_TEMP = re.compile(r"[+-]?\d+(?:\.\d+)?")
_CLOCK = re.compile(r"\d{2}:\d{2}")
MISSING = "---"


@dataclass
class _Node:
    key: str
    value: str
    line: int
    indent: int
    children: list[_Node] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)

    def child(self, key: str) -> _Node | None:
        return next((c for c in self.children if c.key == key), None)

    def find(self, key: str) -> tuple[str, int] | None:
        """Value of a key on this node's own line or a child line."""
        if key in self.extra:
            return self.extra[key], self.line
        for c in self.children:
            if c.key == key:
                return c.value, c.line
            if key in c.extra:
                return c.extra[key], c.line
        return None


def looks_like_berlinger(raw: bytes) -> bool:
    """True for a Fridge-tag text report (first line `Device: …`, a `Hist:` section)."""
    head = raw[:4096]
    return head.lstrip(b"\xef\xbb\xbf").startswith(b"Device:") and b"\nHist:" in raw


def import_berlinger(raw: bytes, name: str, *, utc_offset_min: float | None = None) -> Trace:
    """Read a Fridge-tag 2 report: two readings (min, max) per history day."""
    root = _parse_tree(decode_text(raw), name)
    if not root.children or root.children[0].key != "Device":
        raise LoggerFileError("not a Fridge-tag report: no 'Device:' first line", file_name=name)
    conf, hist = root.child("Conf"), root.child("Hist")
    if hist is None:
        raise LoggerFileError("no 'Hist:' section (daily history)", file_name=name)
    unit = (conf.find("Temp unit") if conf else None) or ("C", 0)
    if unit[0] not in {"C", "F"}:
        raise LoggerFileError(f"unknown temperature unit {unit[0]!r}", file_name=name, line=unit[1])
    days = [c for c in hist.children if c.key.isdigit()]
    if not days:
        raise LoggerFileError("the 'Hist:' section holds no daily records", file_name=name)
    shift = 0.0 if utc_offset_min is None else utc_offset_min * 60.0
    times: list[float] = []
    temps: list[float] = []
    lines: list[int] = []
    notes = [
        f"daily min/max summaries of {len(days)} day(s): each day gives its minimum and "
        "maximum at their times; nothing is known between them",
        "times are the device clock, "
        + ("taken as UTC (no offset chosen)" if utc_offset_min is None else "shifted to UTC"),
    ]
    for day in sorted(days, key=lambda d: -int(d.key)):
        date_text, date_line = _required(day, "Date", name)
        try:
            date = datetime.strptime(date_text, "%Y-%m-%d").replace(tzinfo=UTC)
        except ValueError:
            raise LoggerFileError(
                f"date {date_text!r} is not yyyy-mm-dd", file_name=name, line=date_line
            ) from None
        for key in ("Min T", "Max T"):
            value, line = _required(day, key, name)
            clock = day.find(f"TS {key}")
            if value == MISSING:
                continue
            if not _TEMP.fullmatch(value):
                raise LoggerFileError(
                    f"{key} {value!r} is not a temperature", file_name=name, line=line
                )
            if clock is None or not _CLOCK.fullmatch(clock[0]):
                raise LoggerFileError(f"TS {key} missing or not HH:MM", file_name=name, line=line)
            hours, minutes = (int(p) for p in clock[0].split(":"))
            times.append(date.timestamp() + hours * 3600 + minutes * 60 - shift)
            celsius = float(value) if unit[0] == "C" else (float(value) - 32.0) * 5.0 / 9.0
            temps.append(celsius)
            lines.append(line)
        notes += _alarm_notes(day, date_text)
    order = sorted(range(len(times)), key=times.__getitem__)
    serial = conf.find("Serial") if conf else None
    return make_trace(
        [times[i] for i in order],
        [temps[i] for i in order],
        sensor_id=serial[0] if serial else "",
        source_name=name,
        sha256=hashlib.sha256(raw).hexdigest(),
        importer="berlinger",
        rows_read=len(days),
        notes=tuple(notes),
        line_numbers=[lines[i] for i in order],
    )


def _required(day: _Node, key: str, name: str) -> tuple[str, int]:
    found = day.find(key)
    if found is None:
        raise LoggerFileError(
            f"history record {day.key} has no '{key}' — the file may be truncated",
            file_name=name,
            line=day.line,
        )
    return found


def _alarm_notes(day: _Node, date_text: str) -> list[str]:
    notes: list[str] = []
    alarm = day.child("Alarm")
    for level in alarm.children if alarm else []:
        acc = level.find("t Acc")
        if acc and acc[0].isdigit() and int(acc[0]) > 0:
            notes.append(f"{date_text}: device alarm {level.key} accumulated {acc[0]} min")
    timeout = day.child("Int Sensor timeout")
    lost = timeout.find("t AccST") if timeout else None
    if lost and lost[0].isdigit() and int(lost[0]) > 0:
        notes.append(f"{date_text}: sensor timeout {lost[0]} min")
    return notes


def _parse_tree(text: str, name: str) -> _Node:
    """Parse indentation-structured `Key: value[, Key: value]` lines into a tree."""
    root = _Node("", "", 0, -1)
    stack = [root]
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        raise LoggerFileError("the file is empty", file_name=name)
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip(" "))
        pairs = _PAIR.findall(line.strip())
        if not pairs or (": " not in line and not line.rstrip().endswith(":")):
            raise LoggerFileError(
                f"expected 'Key: value', found {line.strip()!r}", file_name=name, line=number
            )
        while stack[-1].indent >= indent:
            closed = stack.pop()
            _check_section(closed, name)
        parent = stack[-1]
        if indent > parent.indent + 1:
            raise LoggerFileError("unexpected indentation", file_name=name, line=number)
        key, value = pairs[0][0].strip(), (pairs[0][1] or "").strip()
        extra = {k.strip(): v.strip() for k, v in pairs[1:]}
        node = _Node(key, value, number, indent, extra=extra)
        parent.children.append(node)
        stack.append(node)
    for node in stack[1:]:
        _check_section(node, name)
    return root


def _check_section(node: _Node, name: str) -> None:
    if not node.value and not node.extra and not node.children:
        raise LoggerFileError(
            f"section '{node.key}:' has no indented entries (check the indentation)",
            file_name=name,
            line=node.line,
        )
