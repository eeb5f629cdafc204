"""Small pieces every page is built from: message lines, read-only tables, restyling.

A message line says what happened in plain words, styled as success (``okMessage``) or problem
(``errorMessage``); a known error shows its own words, never a traceback.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from ui.tasks import Failure
from ui.widgets.messages import describe


def restyle(widget: QWidget, **properties: object) -> None:
    """Set the dynamic properties the stylesheet selects on (if any), and re-apply the style."""
    for name, value in properties.items():
        widget.setProperty(name, value)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def message_line(name: str = "okMessage") -> QLabel:
    """A hidden message line for ``show_message``.

    It is named for the stylesheet from the start: a label first styled after it was laid out
    would keep the height of an unpadded one.
    """
    label = QLabel()
    label.setObjectName(name)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setWordWrap(True)
    label.hide()
    return label


def show_message(label: QLabel, text: str, *, ok: bool, rich: bool = False) -> None:
    """Show ``text`` (plain, or ``rich`` HTML) in a message line, as success or problem."""
    label.setObjectName("okMessage" if ok else "errorMessage")
    restyle(label)
    label.setText(text if rich else escape(text))
    label.show()


def show_error(label: QLabel, error: BaseException) -> None:
    """Show ``error`` as "✖ title: text" in a message line (a known error's own words)."""
    title, text = describe(error)
    show_message(label, f"✖ {title}: {text}", ok=False)


def show_failure(label: QLabel, error: BaseException, doing: str) -> None:
    """Show why ``doing`` did not happen: the known error's words, never a traceback."""
    show_failed(label, Failure.of(error, doing))


def show_failed(label: QLabel, failure: Failure) -> None:
    """Show an operation's failure in a message line: "✖ <what> — <why>"."""
    show_message(label, failure.line, ok=False)


def ok_cancel(dialog: QDialog, ok_text: str, on_ok: Callable[[], object]) -> QDialogButtonBox:
    """A dialog's OK / Cancel row: OK says ``ok_text`` and calls ``on_ok``; Cancel rejects."""
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
    buttons.accepted.connect(on_ok)
    buttons.rejected.connect(dialog.reject)
    return buttons


def password_field(name: str) -> QLineEdit:
    """A field whose typing is hidden, named ``name`` for tests and the stylesheet."""
    field = QLineEdit()
    field.setObjectName(name)
    field.setEchoMode(QLineEdit.EchoMode.Password)
    return field


def table(name: str, headers: Sequence[str]) -> QTableWidget:
    """A read-only, whole-row-selecting table."""
    widget = QTableWidget(0, len(headers))
    widget.setObjectName(name)
    widget.setHorizontalHeaderLabels(list(headers))
    widget.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    widget.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    widget.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    widget.verticalHeader().setVisible(False)
    widget.setWordWrap(False)
    return widget


def cell(text: str, tooltip: str | None = None) -> QTableWidgetItem:
    """A table cell; the tooltip shows the whole text where the column elides it."""
    item = QTableWidgetItem(text)
    item.setToolTip(tooltip if tooltip is not None else text)
    return item


def fit_height(dialog: QDialog) -> None:
    """Grow a dialog to the height its wrapped text needs at its width (Qt does not)."""
    dialog.resize(dialog.width(), max(dialog.height(), dialog.heightForWidth(dialog.width())))


def escape(text: str) -> str:
    """``text`` safe to show in a rich-text label (quotes stay as typed)."""
    return html.escape(text, quote=False)


def unbroken(text: str) -> str:
    """Escaped, and never broken across lines (a COI, a time)."""
    return escape(text).replace(" ", "&nbsp;")
