"""One case's journey on the Cases screen: header, vein-to-vein timeline and genealogy.

The timeline shows each operation with who did it, where and when; under it the electronic
signatures of the records it made or decided (meaning, printed name, user name, UTC time,
and whether the signature still matches the record) and the shipment leg's temperature
verdict. Tones colour the lines, but the icons and words always say the same.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from html import escape
from typing import Any

from PySide6.QtCore import Property, QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QResizeEvent
from PySide6.QtWidgets import (
    QLabel,
    QSplitter,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.audit import Reconciliation, mismatch_in_words
from app.casefile import (
    CaseDetail,
    ColdChainVerdict,
    GenealogyNode,
    SideState,
    TimelineEntry,
    short_why,
    stops_in_words,
)
from app.core import din_text, sscc_text
from app.quality import SignatureView
from ui.pages.cases.journey_chart import JourneyChart

AnyIndex = QModelIndex | QPersistentModelIndex


def side_state_text(state: SideState) -> str:
    """A side state in words; an em dash for none."""
    return "—" if state is SideState.NONE else state.value.replace("_", " ").capitalize()


def when_text(moment: datetime | None) -> str:
    """A UTC moment as the screens print it."""
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "—"


BROKEN_SIGNATURE = "✖ signature broken: the record changed after signing"


def signature_line(signature: SignatureView) -> str:
    """A signature as the timeline prints it: meaning, printed name, user name, UTC time, state."""
    state = "✔ intact" if signature.intact else BROKEN_SIGNATURE
    return (
        f"✍ {signature.meaning.label} — {signature.signer_name} ({signature.signer_username}) "
        f"{when_text(signature.signed_at)} {state}"
    )


def cold_chain_tone(verdict: ColdChainVerdict) -> str:
    """``ok`` within limits, ``error`` when QA rejected it, ``warning`` for anything else."""
    if verdict.within_limits:
        return "ok"
    return "error" if verdict.rejected else "warning"


def cold_chain_line(verdict: ColdChainVerdict) -> str:
    """A temperature verdict with its icon (the words say the same as the icon and colour)."""
    icon = {"ok": "✔", "error": "✖"}.get(cold_chain_tone(verdict), "⚠")
    return f"{icon} {verdict.words}"


def units_stopped(nodes: tuple[GenealogyNode, ...]) -> str:
    """The containers of the case in a side state, by state, counted, with why: ``On hold (1
    container: recall)`` ("" when none is); the header said "Side state: none" beside a
    quarantined bag."""
    return stops_in_words(
        (node.side_state, short_why(node.side_state_cause, node.side_state_reason))
        for node in nodes
    )


def records_line(records: Reconciliation) -> str:
    """The case header's line when its records differ from their audit trail."""
    count = len(records.mismatches)
    noun = "record of this case differs" if count == 1 else "records of this case differ"
    return (
        f"✖ {count} {noun} from the audit trail (changed behind the application): "
        f"{mismatch_in_words(records.mismatches[0])}. Report this to QA at once."
    )


class CaseDetailView(QWidget):
    """Header, vein-to-vein timeline and genealogy of one case."""

    def __init__(
        self, parent: QWidget | None = None, *, under_genealogy: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.detail: CaseDetail | None = None
        self.records: Reconciliation | None = None
        self.header = QLabel("Select a case to see its journey.")
        self.header.setObjectName("caseHeader")
        self.header.setWordWrap(True)
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.timeline = TimelineTree("timeline")
        self.genealogy = WrappingTree("genealogy")
        self.genealogy.setIndentation(16)

        self.timeline.show_rows(TIMELINE_ROWS)
        self.genealogy.show_rows(GENEALOGY_ROWS)
        columns = QSplitter(Qt.Orientation.Horizontal)
        columns.addWidget(_titled("Vein-to-vein timeline", self.timeline))
        genealogy: QWidget = _titled("Genealogy", self.genealogy)
        if under_genealogy is not None:
            # A splitter, never one layout: the holds box overlapped the genealogy when the
            # column was short (issue 16 review at 1280 × 800); each keeps its least height.
            below = QSplitter(Qt.Orientation.Vertical)
            below.setObjectName("genealogyAndHolds")
            below.addWidget(genealogy)
            below.addWidget(under_genealogy)
            below.setChildrenCollapsible(False)
            below.setStretchFactor(0, 1)
            genealogy = below
        columns.addWidget(genealogy)
        columns.setStretchFactor(0, 3)
        columns.setStretchFactor(1, 2)
        columns.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.header)
        self.chart = JourneyChart()
        self.chart.hide()
        layout.addWidget(self.chart)
        layout.addWidget(columns, stretch=1)

    def clear(self, message: str = "Select a case to see its journey.") -> None:
        """Show nothing but ``message``."""
        self.detail = None
        self.records = None
        self.header.setText(message)
        self.chart.hide()
        self.timeline.clear()
        self.genealogy.clear()

    def show_detail(self, detail: CaseDetail, records: Reconciliation | None = None) -> None:
        """Show ``detail``, with what its records' reconciliation with the trail found."""
        self.detail = detail
        self.records = records
        case = detail.case
        lines = [
            f"<span class='coi'><b>{case.coi_eye_readable}</b></span>",
            f"Stage: <b>{case.stage_name}</b>",
        ]
        if case.side_state is not SideState.NONE:
            reason = f" — {case.side_state_reason}" if case.side_state_reason else ""
            lines.append(
                self._toned("warning", f"⚠ <b>{side_state_text(case.side_state)}</b>{reason}")
            )
        else:  # a usable case: no side-state words at all, as the table's "—" says nothing
            stopped = units_stopped(detail.genealogy)
            if stopped:  # the case is not held, but containers are: say so beside it
                lines.append(self._toned("warning", f"⚠ <b>{escape(stopped)}</b>"))
        top = " &nbsp;·&nbsp; ".join(lines)
        second = (
            f"{case.product_name} &nbsp;·&nbsp; Clinic: {case.clinic_site} &nbsp;·&nbsp; "
            f"Manufacturer: {case.manufacturing_site} &nbsp;·&nbsp; "
            f"Enrolled {when_text(case.enrolled_at)}"
        )
        patient = ""
        if case.patient is not None and case.patient.problem is not None:
            patient = f"<br>Patient: <b>{escape(case.patient.display_name)}</b>"
        elif case.patient is not None:
            patient = (
                f"<br>Patient: <b>{case.patient.display_name}</b> &nbsp;·&nbsp; born "
                f"{case.patient.born()} &nbsp;·&nbsp; hospital number "
                f"{case.patient.hospital_number}"
            )
        # issue 16 review: the alarms were bold black like the case's own words; they take the
        # timeline's warning and error colours (the icon and the words say the same)
        warning = ""
        if detail.look_alikes:
            warning = "<br>" + self._toned("warning", f"<b>{detail.look_alike_warning}</b>")
        if records is not None and not records.ok:
            warning += "<br>" + self._toned("error", f"<b>{escape(records_line(records))}</b>")
        self.header.setText(f"{top}<br>{second}{patient}{warning}")
        self.chart.show_case(detail.timeline, detail.limits)
        self.chart.show()
        self._show_timeline(detail.timeline)
        self._show_genealogy(detail.genealogy)

    def _toned(self, tone: str, html: str) -> str:
        """``html`` in the timeline's colour for ``tone`` (``warning`` or ``error``)."""
        return f"<span style='color:{self.timeline.colours[tone].name()}'>{html}</span>"

    def _show_timeline(self, entries: tuple[TimelineEntry, ...]) -> None:
        self.timeline.clear()
        for entry in entries:
            who = entry.performed_by
            if entry.verified_by:
                who += f", verified by {entry.verified_by}"
            item = _item(
                f"{when_text(entry.occurred_at)} · {entry.stage_name}\n"
                f"{entry.action_words} — {who}, at {entry.site}"
            )
            item.setData(0, Qt.ItemDataRole.UserRole, entry.action)
            for signature in entry.signatures:
                line = _item(signature_line(signature))
                self.timeline.set_tone(line, "ok" if signature.intact else "error")
                item.addChild(line)
            if entry.cold_chain is not None:
                verdict = _item(cold_chain_line(entry.cold_chain))
                self.timeline.set_tone(verdict, cold_chain_tone(entry.cold_chain))
                item.addChild(verdict)
            shown = {k: v for k, v in entry.details.items() if k not in HIDDEN_DETAILS}
            details = "; ".join(f"{_key(key)}: {_value(value)}" for key, value in shown.items())
            if details:
                full = "; ".join(
                    f"{_key(key)}: {_value(value, whole=True)}" for key, value in shown.items()
                )
                child = _item(f"Details — {details}")
                child.setToolTip(0, f"Details — {full}")
                item.addChild(child)
            self.timeline.addTopLevelItem(item)
        self.timeline.expandAll()

    def _show_genealogy(self, nodes: tuple[GenealogyNode, ...]) -> None:
        self.genealogy.clear()
        by_id = {node.unit_id: node for node in nodes}
        children: dict[uuid.UUID, list[GenealogyNode]] = {}
        roots = []
        for node in nodes:
            parents = [p for p in node.parent_ids if p in by_id]
            for parent in parents:
                children.setdefault(parent, []).append(node)
            if not parents:
                roots.append(node)

        def add(node: GenealogyNode, under: QTreeWidgetItem | None, path: set[uuid.UUID]) -> None:
            state = node.status.value.replace("_", " ").capitalize()
            if node.side_state is not SideState.NONE:
                state += f" · ⚠ {side_state_text(node.side_state)}"
                if node.side_state_why:
                    state += f" ({node.side_state_why})"
            if node.is_shipper:  # a box with an SSCC, never a bag with an empty DIN
                state = (node.shipment_status or state.lower()).capitalize()
            text = f"{node.kind_name}\n{node.identifier_text} · {state}"
            if node.stored_at:
                text += f"\nStored: {node.stored_at}"
            item = _item(text)
            item.setData(0, Qt.ItemDataRole.UserRole, str(node.unit_id))
            if under is None:
                self.genealogy.addTopLevelItem(item)
            else:
                under.addChild(item)
            for child in children.get(node.unit_id, []):
                if child.unit_id not in path:  # a genealogy is a tree; never loop
                    add(child, item, path | {child.unit_id})

        for root in roots:
            add(root, None, {root.unit_id})
        self.genealogy.expandAll()


TIMELINE_ROWS = 7
"""Lines of text the timeline always shows (three entries with a detail line, about): with the
report's progress line under the actions the case page still fits 1280 × 800."""
GENEALOGY_ROWS = 4
"""Lines of text the genealogy always shows (two containers)."""
TEXT_MARGIN = 12
"""Room the item's text leaves beside it (focus frame and text margins)."""


class _WrappingDelegate(QStyledItemDelegate):
    """Row heights that fit the item's text wrapped to the tree's width."""

    def __init__(self, tree: QTreeWidget) -> None:
        super().__init__(tree)
        self.tree = tree

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        """The wrapped text's height at the width the item has."""
        depth = 1 if self.tree.rootIsDecorated() else 0
        parent = index.parent()
        while parent.isValid():
            depth += 1
            parent = parent.parent()
        width = self.tree.viewport().width() - depth * self.tree.indentation() - TEXT_MARGIN
        width = max(width, 80)
        bounds = QRect(0, 0, width, 1_000_000)
        text = str(index.data() or "")
        font = index.data(Qt.ItemDataRole.FontRole)
        metrics = QFontMetrics(font) if isinstance(font, QFont) else option.fontMetrics
        height = metrics.boundingRect(bounds, WRAP, text).height()
        return QSize(width, height + 6)


WRAP = int(Qt.TextFlag.TextWordWrap.value)


class WrappingTree(QTreeWidget):
    """A one-column tree whose items wrap to its width: nothing is cut off at the side."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.setObjectName(name)
        self.setColumnCount(1)
        self.setHeaderHidden(True)
        self.setWordWrap(True)
        self.setUniformRowHeights(False)
        self.setAlternatingRowColors(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.header().setStretchLastSection(True)
        self.setItemDelegate(_WrappingDelegate(self))

    def show_rows(self, lines: int) -> None:
        """Never shorter than ``lines`` lines of text: at 1280 × 800 the timeline and the
        genealogy showed about two rows (issue 16 review); the case list gives up the room."""
        frame = 2 * self.frameWidth()
        self.setMinimumHeight(lines * (self.fontMetrics().lineSpacing() + 3) + frame)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Wrap again: row heights depend on the width."""
        super().resizeEvent(event)
        self.doItemsLayout()


def _tone_property(tone: str) -> Any:
    """A QColor Qt property for one tone of ``TimelineTree`` (settable from the stylesheet)."""

    def get(tree: TimelineTree) -> QColor:
        return tree.colours[tone]

    def put(tree: TimelineTree, colour: QColor) -> None:
        tree.colours[tone] = QColor(colour)

    return Property(QColor, get, put)


class TimelineTree(WrappingTree):
    """The timeline: lines in an ok, warning or error tone, always doubled by words and icons.

    The tones are Qt properties, so the stylesheet may set them (``qproperty-errorColour``);
    the defaults are the stylesheet's message colours. Error lines are bold too.
    """

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.colours = {
            "ok": QColor("#0f4a1d"),
            "warning": QColor("#5a4500"),
            "error": QColor("#7a1410"),
        }

    def set_tone(self, item: QTreeWidgetItem, tone: str) -> None:
        """Colour ``item`` for ``tone`` (``ok``, ``warning`` or ``error``)."""
        item.setData(0, TONE_ROLE, tone)
        item.setForeground(0, QBrush(self.colours[tone]))
        if tone == "error":
            font = QFont(self.font())
            font.setBold(True)
            item.setFont(0, font)

    okColour = _tone_property("ok")
    warningColour = _tone_property("warning")
    errorColour = _tone_property("error")


TONE_ROLE = int(Qt.ItemDataRole.UserRole) + 1
"""Item data: the tone (ok, warning, error) of a timeline line."""


def _item(text: str) -> QTreeWidgetItem:
    item = QTreeWidgetItem([text])
    item.setToolTip(0, text)
    return item


def _titled(title: str, widget: QWidget) -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    caption = QLabel(title)
    caption.setObjectName("sectionTitle")
    layout.addWidget(caption)
    layout.addWidget(widget, stretch=1)
    return box


LONG_TOKEN = 40
DETAIL_NAMES = {
    "din": "DIN",
    "sscc": "SSCC",
    "started_at": "started",
    "ended_at": "ended",
    "duplicate_check": "duplicate check",
    "open_items": "open items",
    "sha256": "SHA-256",
    "bundle_sha256": "bundle SHA-256",
}
"""A stage record's detail keys in words (others: the key with spaces for underscores)."""
HIDDEN_DETAILS = frozenset({"check"})
"""Details that are a record's internal id: the entry itself says what it is."""
DIN_LIKE = re.compile(r"[A-Z][0-9]{12}")
SSCC_LIKE = re.compile(r"[0-9]{18}")
WORDS_LIKE = re.compile(r"[a-z]+(_[a-z]+)+")


def _key(key: str) -> str:
    return DETAIL_NAMES.get(key, key.replace("_", " "))


def _value(value: object, *, whole: bool = False) -> str:
    """A detail value in words: DINs, SSCCs and times as printed; a long unbroken token (a
    SHA-256) shortened unless ``whole`` (the tooltip has it)."""
    if isinstance(value, list):
        return ", ".join(_value(v, whole=whole) for v in value) or "none"
    text = str(value)
    if DIN_LIKE.fullmatch(text):
        return din_text(text)
    if SSCC_LIKE.fullmatch(text):
        return sscc_text(text)
    if WORDS_LIKE.fullmatch(text):
        return text.replace("_", " ")  # a stored word such as within_limits
    if "T" in text:  # an ISO time; any other text goes on to be shortened when long
        try:
            return when_text(datetime.fromisoformat(text))
        except ValueError:
            pass
    if len(text) > LONG_TOKEN and " " not in text and not whole:
        return f"{text[:16]}…"
    return text
