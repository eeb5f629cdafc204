"""The cold-chain excursion report as a PDF: header, plot, numbers, excursions, gaps, signatures.

A4 portrait, built with reportlab platypus. Text is set in DejaVu Sans (shipped with
matplotlib) so °, −, → and · print on every system. The verdict is always printed in words;
its colour only repeats them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from io import BytesIO
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    LongTable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from app.coldchain.analysis.assessment import Assessment, Verdict
from app.coldchain.analysis.plot import render_trace_png
from app.coldchain.analysis.profiles import TemperatureProfile, profile_words
from app.coldchain.analysis.trace import Trace, format_utc
from app.core import BOLD, FONT, FOOTER_SPACE, MONO, register_fonts, report_pages

MARGIN = 16 * mm
CONTENT_WIDTH = A4[0] - 2 * MARGIN - 12  # platypus frames pad 6 pt on each side
PLOT_WIDTH_IN = CONTENT_WIDTH / 72.0
PLOT_HEIGHT_IN = 3.7
TIME_WIDTH = 44 * mm  # "2025-03-01T08:00:25.714Z" at 8 pt


@dataclass(frozen=True)
class VerdictStyle:
    """How a verdict is printed: words first, colours only repeat them."""

    words: str
    meaning: str
    ink: str
    fill: str


VERDICTS: dict[Verdict, VerdictStyle] = {
    "within_limits": VerdictStyle(
        "WITHIN LIMITS",
        "No excursion beyond the profile's allowances and no data gaps.",
        "#14532d",
        "#d7f0dc",
    ),
    "excursion": VerdictStyle(
        "EXCURSION",
        "An excursion exceeds the profile's allowances (or a judged MKT is above its limit). "
        "The shipment's units stay quarantined until QA signs a disposition.",
        "#7f1d1d",
        "#f9d6d5",
    ),
    "incomplete": VerdictStyle(
        "INCOMPLETE DATA",
        "The trace has data gaps, so the shipment cannot be shown to have stayed within limits. "
        "The shipment's units stay quarantined until QA signs a disposition.",
        "#713f12",
        "#fbe8c0",
    ),
}


@dataclass(frozen=True)
class ReportHeader:
    """What the report says about the shipment, the logger file and who produced the report."""

    title: str
    logger_file_name: str
    raw_sha256: str
    importer: str
    sensor_id: str
    generated_at: datetime
    generated_by: str
    sscc: str | None = None
    coi: str | None = None
    window_start: datetime | None = None
    window_end: datetime | None = None
    signatures: tuple[str, ...] = field(default=())
    seal: str = ""
    """The seal of the audit chain's head the report was made at (its footer and QR code)."""

    def __post_init__(self) -> None:
        if self.generated_at.utcoffset() != timedelta(0):
            raise ValueError("generated_at must be an aware UTC time")
        for name, moment in (("window_start", self.window_start), ("window_end", self.window_end)):
            if moment is not None and moment.tzinfo is None:
                raise ValueError(f"{name} needs a time zone")


def render_excursion_report(
    trace: Trace, profile: TemperatureProfile, assessment: Assessment, *, header: ReportHeader
) -> bytes:
    """The excursion report of one assessed trace as PDF bytes (A4 portrait)."""
    if header.raw_sha256 != trace.sha256:
        raise ValueError("the header's SHA-256 is not the trace's raw file SHA-256")
    if assessment.profile_name != profile.name:
        raise ValueError(
            f"the assessment used profile {assessment.profile_name!r}, not {profile.name!r}"
        )
    register_fonts()
    out = BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + FOOTER_SPACE,
        title=header.title,
        author=header.generated_by,
        subject=f"Cold-chain excursion report, logger file SHA-256 {header.raw_sha256}",
        creator="COI Tracker",
    )
    png = render_trace_png(
        trace, profile, assessment, width_in=PLOT_WIDTH_IN, height_in=PLOT_HEIGHT_IN
    )
    story: list[Flowable] = [
        *_header_block(header, profile, trace),
        _verdict_banner(assessment.verdict),
        Spacer(1, 3 * mm),
        Image(BytesIO(png), width=PLOT_WIDTH_IN * 72, height=PLOT_HEIGHT_IN * 72),
        *_numbers_section(profile, assessment),
        *_excursions_section(assessment),
        *_gaps_section(assessment),
        *_signatures_section(header),
    ]
    document.build(story, canvasmaker=_canvas_maker(header))
    return out.getvalue()


# ---------------------------------------------------------------- text


def _style(size: float = 8.5, *, font: str = FONT, **extra: Any) -> ParagraphStyle:
    return ParagraphStyle(
        f"coldchain-{font}-{size}", fontName=font, fontSize=size, leading=size * 1.25, **extra
    )


def _text(value: str, size: float = 8.5, *, font: str = FONT) -> Paragraph:
    escaped = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return Paragraph(escaped, _style(size, font=font))


def _heading(value: str) -> Paragraph:
    return Paragraph(value, _style(11, font=BOLD, spaceBefore=5 * mm, spaceAfter=2 * mm))


def _temp(value: float) -> str:
    return f"{value:.2f} °C"


def _minutes(value: float) -> str:
    text = f"{value:.2f} min"
    hours, minutes = divmod(round(value), 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"{text} ({days} d {hours:02d} h {minutes:02d} min)"
    return f"{text} ({hours} h {minutes:02d} min)" if hours else text


def _utc(moment: datetime | None, fallback: str) -> str:
    return fallback if moment is None else format_utc(moment.timestamp())


def _named(profile: TemperatureProfile) -> str:
    """The profile by its name for people, its code after it (``Fresh, refrigerated 2–8 °C
    (fresh-2-8)``) when they differ."""
    words = profile_words(profile.name)
    return words if words == profile.name else f"{words} ({profile.name})"


def _limits(profile: TemperatureProfile) -> str:
    lower = "none" if profile.lower_c is None else _temp(profile.lower_c)
    upper = "none" if profile.upper_c is None else _temp(profile.upper_c)
    return (
        f"{_named(profile)}: lower {lower}, upper {upper}; single excursion ≤ "
        f"{profile.max_single_excursion_min:g} min, cumulative ≤ "
        f"{profile.max_cumulative_excursion_min:g} min, logging gap ≤ {profile.max_gap_min:g} min"
    )


# ---------------------------------------------------------------- sections


def _key_value_table(
    rows: list[tuple[str, Flowable | list[Flowable]]], widths: tuple[float, float]
) -> Table:
    cells = [[_text(key, font=BOLD), value] for key, value in rows]
    table = Table(cells, colWidths=list(widths), hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("FONT", (0, 0), (-1, -1), FONT, 8.5),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                ("LEFTPADDING", (0, 0), (0, -1), 0),
            ]
        )
    )
    return table


def _header_block(
    header: ReportHeader, profile: TemperatureProfile, trace: Trace
) -> list[Flowable]:
    window = (
        "whole file"
        if header.window_start is None and header.window_end is None
        else f"{_utc(header.window_start, 'file start')} → {_utc(header.window_end, 'file end')}"
    )
    generated = f"{format_utc(header.generated_at.timestamp())} by {header.generated_by}"
    rows: list[tuple[str, Flowable | list[Flowable]]] = [
        ("Shipment SSCC", _text(header.sscc or "—")),
        ("COI", _text(header.coi or "—")),
        ("Logger file", _text(header.logger_file_name)),
        ("File SHA-256", _text(header.raw_sha256, 8, font=MONO)),
        ("Importer format", _text(header.importer)),
        ("Sensor", _text(header.sensor_id)),
        ("Profile", _text(_limits(profile))),
        ("Window", _text(window)),
        ("Generated", _text(generated)),
    ]
    if trace.notes:
        rows.append(("Importer notes", [_text(note) for note in trace.notes]))
    title = Paragraph(header.title, _style(15, font=BOLD, spaceAfter=3 * mm))
    return [title, _key_value_table(rows, (32 * mm, CONTENT_WIDTH - 32 * mm))]


def _verdict_banner(verdict: Verdict) -> Table:
    look = VERDICTS[verdict]
    words = Paragraph(
        f"Verdict: {look.words}", _style(13, font=BOLD, textColor=colors.HexColor(look.ink))
    )
    meaning = Paragraph(look.meaning, _style(8.5, textColor=colors.HexColor(look.ink)))
    banner = Table([[words], [meaning]], colWidths=[CONTENT_WIDTH], spaceBefore=3 * mm)
    banner.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor(look.fill)),
                ("BOX", (0, 0), (-1, -1), 1.2, colors.HexColor(look.ink)),
                ("LEFTPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return banner


def _mkt_text(profile: TemperatureProfile, assessment: Assessment) -> str:
    if profile.mkt_judged and profile.mkt_limit_c is not None:
        return f"{_temp(assessment.mkt_c)} (limit {_temp(profile.mkt_limit_c)})"
    return f"{_temp(assessment.mkt_c)} (not judged)"


def _numbers_section(profile: TemperatureProfile, assessment: Assessment) -> list[Flowable]:
    a = assessment
    no_upper = " (no upper limit)" if profile.upper_c is None else ""
    no_lower = " (no lower limit)" if profile.lower_c is None else ""
    rows = [
        ("readings", "Readings in the window", f"{a.readings:,}"),
        ("start", "Start of the assessed span", format_utc(a.start_s)),
        ("end", "End of the assessed span", format_utc(a.end_s)),
        ("duration_min", "Length of the span", _minutes(a.duration_min)),
        ("min_c", "Lowest temperature", _temp(a.min_c)),
        ("max_c", "Highest temperature", _temp(a.max_c)),
        ("mean_c", "Time-weighted mean", _temp(a.mean_c)),
        ("time_above_min", "Time above the upper limit", _minutes(a.time_above_min) + no_upper),
        ("time_below_min", "Time below the lower limit", _minutes(a.time_below_min) + no_lower),
        ("longest_excursion_min", "Longest single excursion", _minutes(a.longest_excursion_min)),
        (
            "cumulative_excursion_min",
            "All excursions together",
            _minutes(a.cumulative_excursion_min),
        ),
        ("mkt_c", "Mean kinetic temperature (USP ⟨1079.2⟩)", _mkt_text(profile, a)),
        ("verdict", "Verdict", VERDICTS[a.verdict].words),
    ]
    cells: list[list[Flowable | str]] = [["Key", "Meaning", "Value"]]
    cells += [[_text(key, 8, font=MONO), _text(meaning), value] for key, meaning, value in rows]
    table = Table(cells, colWidths=[46 * mm, 64 * mm, None], hAlign="LEFT", repeatRows=1)
    style = _grid_style()
    look = VERDICTS[a.verdict]
    style.add("BACKGROUND", (0, len(rows)), (-1, len(rows)), colors.HexColor(look.fill))
    style.add("TEXTCOLOR", (2, len(rows)), (2, len(rows)), colors.HexColor(look.ink))
    style.add("FONT", (2, len(rows)), (2, len(rows)), BOLD, 8.5)
    table.setStyle(style)
    return [KeepTogether([_heading("Numbers"), table])]


def _grid_style() -> TableStyle:
    return TableStyle(
        [
            ("FONT", (0, 0), (-1, -1), FONT, 8.5),
            ("FONT", (0, 0), (-1, 0), BOLD, 8.5),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e5e7eb")),
            ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9ca3af")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ]
    )


def _interval_table(header: list[str], rows: list[list[str]], widths: list[float]) -> LongTable:
    table = LongTable([header, *rows], colWidths=widths, hAlign="LEFT", repeatRows=1)
    style = _grid_style()
    style.add("FONT", (0, 1), (-1, -1), FONT, 8)
    table.setStyle(style)
    return table


def _excursions_section(assessment: Assessment) -> list[Flowable]:
    heading = _heading(f"Excursions ({len(assessment.excursions)})")
    if not assessment.excursions:
        return [heading, _text("No excursions.")]
    rows = [
        [
            f"E{number}",
            format_utc(e.start_s),
            format_utc(e.end_s),
            f"{e.duration_min:.2f} min",
            _temp(e.peak_c),
            "above upper" if e.side == "above" else "below lower",
        ]
        for number, e in enumerate(assessment.excursions, 1)
    ]
    widths = [9 * mm, TIME_WIDTH, TIME_WIDTH, 28 * mm, 20 * mm]
    widths.append(CONTENT_WIDTH - sum(widths))
    header = ["#", "Start (UTC)", "End (UTC)", "Duration", "Peak", "Side"]
    return [heading, _interval_table(header, rows, widths)]


def _gaps_section(assessment: Assessment) -> list[Flowable]:
    heading = _heading(f"Data gaps ({len(assessment.gaps)})")
    if not assessment.gaps:
        return [heading, _text("No data gaps: no two readings are further apart than allowed.")]
    rows = [
        [f"G{number}", format_utc(g.start_s), format_utc(g.end_s), f"{g.duration_min:.2f} min"]
        for number, g in enumerate(assessment.gaps, 1)
    ]
    widths = [9 * mm, TIME_WIDTH, TIME_WIDTH, 28 * mm]
    return [heading, _interval_table(["#", "Start (UTC)", "End (UTC)", "Duration"], rows, widths)]


def _signatures_section(header: ReportHeader) -> list[Flowable]:
    heading = _heading("Disposition and signatures")
    if not header.signatures:
        return [KeepTogether([heading, _text("No disposition or signature recorded.")])]
    lines: list[Flowable] = [_text(line) for line in header.signatures]
    return [KeepTogether([heading, *lines])]


# ---------------------------------------------------------------- footer


def _canvas_maker(header: ReportHeader) -> Callable[..., Canvas]:
    footer = f"Logger file SHA-256 {header.raw_sha256}"
    return report_pages(footer, seal=header.seal, margin=MARGIN, footer_font=MONO)
