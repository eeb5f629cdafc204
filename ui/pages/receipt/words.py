"""The receipt screen's words: how each container was found, and the cold-chain numbers."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from PySide6.QtWidgets import QStyle

from app.casefile import ExpectedUnit, SideState
from app.coldchain import LoggerFileView, profile_words
from app.core import coi_text
from labels.isbt128 import InvalidCoi, parse_coi
from ui.widgets import count_text, utc_text


def _stamp(iso: str) -> str:
    return utc_text(datetime.fromisoformat(iso.replace("Z", "+00:00")))


def _minutes(value: float) -> str:
    return f"{value:.1f} min" if value < 120 else f"{value:.1f} min ({value / 60:.1f} h)"


STATUS_WORDS = {
    "received": ("received", QStyle.StandardPixmap.SP_DialogApplyButton),
    "missing": ("missing", QStyle.StandardPixmap.SP_DialogCancelButton),
    None: ("waiting for scan", QStyle.StandardPixmap.SP_MessageBoxQuestion),
}
REFUSED = QStyle.StandardPixmap.SP_MessageBoxCritical
VERDICT_WORDS = {
    "within_limits": "✔ WITHIN LIMITS",
    "excursion": "✖ EXCURSION",
    "incomplete": "⚠ INCOMPLETE DATA",
}


def unit_status(unit: ExpectedUnit) -> tuple[str, QStyle.StandardPixmap]:
    """How the unit was found, in words with a symbol and an icon (never colour alone)."""
    outcome = unit.receipt_outcome.value if unit.receipt_outcome else None
    return STATUS_WORDS.get(outcome, (f"✖ {outcome}", REFUSED))


def condition_words(state: SideState) -> str:
    """A container's condition as the Cases page shows it: a dash when it is in no side state
    (the stored "none" read as "no condition at all"; issue 16 review)."""
    return "—" if state is SideState.NONE else state.value.replace("_", " ")


def coi_words(coi: str) -> str:
    """A COI grouped as printed, with its check character: ``CH G1234 26 500106 [*]``."""
    try:
        return coi_text(coi, parse_coi(coi).check_character)
    except InvalidCoi:
        return coi


LONG_RUN = re.compile(r"[0-9A-Za-z]{13,}")


def breakable(name: str) -> str:
    """``name`` with break opportunities after ``-``, ``_`` and ``.``, and every six characters
    of a long run such as an SSCC (a long file name wraps inside a narrow column)."""
    for mark in "-_.":
        name = name.replace(mark, mark + "\u200b")
    return LONG_RUN.sub(
        lambda run: "\u200b".join(run[0][i : i + 6] for i in range(0, len(run[0]), 6)), name
    )


def _profile(view: LoggerFileView, profile: dict[str, Any]) -> str:
    """The profile in words ("Fresh, refrigerated 2–8 °C"), never its bare code."""
    return view.profile_words or profile_words(view.profile_name or profile.get("name", "?"))


def cold_chain_numbers(view: LoggerFileView) -> dict[str, str]:
    """The assessment of a stored logger file as label → text, from its stored report."""
    report, profile = view.report, view.report.get("profile", {})
    gaps = report.get("gaps", [])
    gap_min = sum(float(g["duration_min"]) for g in gaps)
    mkt = f"{report['mkt_c']:.2f} °C"
    if profile.get("mkt_judged"):
        mkt += f" (limit {profile['mkt_limit_c']:g} °C)"
    else:
        mkt += " (shown, not judged for this profile)"
    limits = " to ".join(
        f"{profile[k]:g} °C" if profile.get(k) is not None else "open"
        for k in ("lower_c", "upper_c")
    )
    return {
        "Profile": f"{_profile(view, profile)} ({limits})",
        "Readings": f"{count_text(int(report['readings']))} in the trip window "
        f"({count_text(int(report.get('rows_read', view.reading_count)))} rows in the file)",
        "Window": f"{_stamp(report['start'])} → {_stamp(report['end'])}",
        "Min / max / mean": f"{report['min_c']:.2f} / {report['max_c']:.2f} / "
        f"{report['mean_c']:.2f} °C",
        "Excursions": str(len(report.get("excursions", []))),
        "Longest excursion": f"{_minutes(float(report['longest_excursion_min']))} "
        f"(allowed {profile.get('max_single_excursion_min', 0):g} min)",
        "Cumulative excursion": f"{_minutes(float(report['cumulative_excursion_min']))} "
        f"(allowed {profile.get('max_cumulative_excursion_min', 0):g} min)",
        "Data gaps": f"{len(gaps)}, {_minutes(gap_min)} in total "
        f"(longest allowed silence {profile.get('max_gap_min', 0):g} min)",
        "MKT": mkt,
        "File": f"{breakable(view.file_name)} · SHA-256 {view.sha256[:12]}… · imported by "
        f"{view.imported_by}, {utc_text(view.imported_at)}",
    }
