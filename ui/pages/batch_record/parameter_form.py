"""Step parameters: editors generated from a step template's ``parameter_spec``, and the
numbers typed at the bench (``6.1e9``, ``91,5``) read and written the way people write them."""

from __future__ import annotations

import math
import re
from typing import Any

from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QFormLayout, QLineEdit, QSpinBox, QWidget

from app.core import ValidationFailed
from app.journey import StepView, parse_lab_number

_ACRONYMS = {"moi": "MOI", "car": "CAR", "id": "ID", "ln2": "LN2", "qc": "QC"}
_UNIT_WORDS = {"ml", "pct", "c"}  # name suffixes that only repeat the unit shown beside
_NOT_ENTERED = "—"


def _marker(word: str) -> str:
    """A cell-surface marker in its own case: ``cd34`` → ``CD34`` (never ``Cd34``)."""
    return word.upper() if re.fullmatch(r"cd[0-9]+", word, re.IGNORECASE) else word


def parameter_label(name: str, unit: str | None = None) -> str:
    """``volume_per_bag_ml`` → ``Volume per bag`` (the unit is shown by the editor)."""
    words = name.split("_")
    if unit and len(words) > 1 and words[-1].lower() in _UNIT_WORDS:
        words = words[:-1]
    text = " ".join(_ACRONYMS.get(w.lower(), _marker(w)) for w in words)
    return text[:1].upper() + text[1:]


def parse_number(text: str) -> float:
    """A number as typed: ``6.1e9``, ``6.1 × 10⁹``, ``91,5`` or ``-90``; ValueError when it is
    not one."""
    cleaned = text.strip().replace(" ", "").replace(",", ".")
    try:
        value = float(cleaned)
    except ValueError:
        value = parse_lab_number(text)  # the lab's own form: 1.2 × 10⁸, 1.2x10^8
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def parse_number_list(text: str) -> list[float]:
    """Numbers separated by commas or semicolons; ValueError naming the first that is not one.

    A comma separates numbers here, so decimals are written with a point.
    """
    numbers = []
    for part in (p for p in re.split(r"\s*[;,]\s*", text.strip()) if p):
        try:
            numbers.append(parse_number(part))
        except ValueError:
            raise ValueError(f"{part!r} is not a number") from None
    if not numbers:
        raise ValueError("enter at least one number")
    return numbers


SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
LAB_FORM_FROM = 1e5
"""From this size on a number is shown as the lab writes a count: ``1.0 × 10⁷``."""


def number_text(value: float) -> str:
    """A number as people write it at the bench: ``6.1 × 10⁹`` (a count), ``91.5``, ``-90``."""
    if math.isfinite(value) and abs(value) >= LAB_FORM_FROM:
        mantissa, power = f"{value:.5e}".split("e")
        digits = f"{float(mantissa):.6g}"
        digits += "" if "." in digits else ".0"
        return f"{digits} × 10{str(int(power)).translate(SUPERSCRIPT)}"
    return re.sub(r"e\+?(-?)0*(\d)", r"e\1\2", f"{value:.6g}")


_TYPING = r"[-+]?\d*[.,]?\d*(?:[eE][-+]?\d*|[×xX*](?:1(?:0(?:\^[-+]?\d*|[⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]*)?)?)?)?"
"""A number on its way to being typed (an exponent, or ``× 10`` and a power, not yet whole)."""


class ScientificSpinBox(QDoubleSpinBox):
    """A spin box that reads ``6.1e9`` or ``6.1 × 10⁹`` and shows counts as ``6.1 × 10⁹``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editingFinished.connect(self.show_lab_form)

    def show_lab_form(self) -> None:
        """Rewrite what was typed (``1e7``) in the lab's form (``1.0 × 10⁷``) once entered."""
        if self.specialValueText() and self.value() == self.minimum():
            self.lineEdit().setText(self.specialValueText())
        else:
            shown = self.textFromValue(self.value())
            self.lineEdit().setText(f"{self.prefix()}{shown}{self.suffix()}")

    def _bare(self, text: str) -> str:
        return text.removeprefix(self.prefix()).removesuffix(self.suffix()).strip()

    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:
        """Acceptable when the text is a number, Intermediate while one is being typed."""
        return self._state(text), text, pos

    def _state(self, text: str) -> QValidator.State:
        bare = self._bare(text)
        if text == self.specialValueText() or bare == _NOT_ENTERED:
            return QValidator.State.Acceptable
        try:
            value = parse_number(bare)
        except ValueError:
            typing = re.fullmatch(_TYPING, bare.replace(" ", ""))
            return QValidator.State.Intermediate if typing else QValidator.State.Invalid
        inside = self.minimum() <= value <= self.maximum()
        return QValidator.State.Acceptable if inside else QValidator.State.Intermediate

    def valueFromText(self, text: str) -> float:
        """The number in ``text`` (the minimum, meaning 'not entered', when there is none)."""
        try:
            return parse_number(self._bare(text))
        except ValueError:
            return self.minimum()

    def textFromValue(self, value: float) -> str:
        """``6100000000`` → ``6.1 × 10⁹``; ``91.5`` stays ``91.5``."""
        return number_text(value)


class ParameterForm(QWidget):
    """Editors generated from a step template's ``parameter_spec``."""

    def __init__(self, spec: tuple[dict[str, Any], ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.editors: dict[str, QWidget] = {}
        layout = QFormLayout(self)
        # text fields fill the row (a lot number is read whole); number boxes keep their size
        layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        for item in spec:
            name, kind, unit = item["name"], item.get("type", "text"), item.get("unit")
            editor = self._editor(kind, unit, item)
            editor.setObjectName(f"parameter-{name}")
            self.editors[name] = editor
            layout.addRow(parameter_label(name, unit), editor)

    @staticmethod
    def _editor(kind: str, unit: str | None, item: dict[str, Any]) -> QWidget:
        suffix = f" {unit}" if unit else ""
        if kind == "bool":
            return QCheckBox("Yes")
        if kind == "integer":
            whole = QSpinBox()
            whole.setRange(int(item.get("min", 0)) - 1, int(item.get("max", 1_000_000_000)))
            whole.setSpecialValueText(_NOT_ENTERED + suffix)  # the minimum: 'not entered yet'
            whole.setValue(whole.minimum())
            whole.setSuffix(suffix)
            whole.setMinimumWidth(160)
            return whole
        if kind == "number":
            number = ScientificSpinBox()
            number.setDecimals(6)
            number.setRange(float(item.get("min", -1e15)), float(item.get("max", 1e15)))
            number.setSpecialValueText(_NOT_ENTERED + suffix)
            number.setValue(number.minimum())
            number.setSuffix(suffix)
            number.setStepType(QDoubleSpinBox.StepType.AdaptiveDecimalStepType)
            number.setMinimumWidth(200)
            return number
        line = QLineEdit()
        line.setMinimumWidth(200)  # the step pane is ~480 px at 1280 × 800: no sideways scroll
        if kind == "number_list":
            line.setPlaceholderText(f"numbers separated by commas{suffix and ', in' + suffix}")
        return line

    def entered(self) -> list[str]:
        """The names of the parameters something was entered in."""
        names = []
        for name, editor in self.editors.items():
            if isinstance(editor, QCheckBox):
                filled = editor.isChecked()
            elif isinstance(editor, (QSpinBox, QDoubleSpinBox)):
                filled = editor.value() != editor.minimum()
            else:
                filled = isinstance(editor, QLineEdit) and bool(editor.text().strip())
            if filled:
                names.append(name)
        return names

    def values(self) -> dict[str, Any]:
        """The parameters entered; ValidationFailed naming every one missing or unreadable."""
        values: dict[str, Any] = {}
        problems: list[str] = []
        for item in self.spec:
            name, kind = item["name"], item.get("type", "text")
            label = parameter_label(name, item.get("unit"))
            editor = self.editors[name]
            if isinstance(editor, QCheckBox):
                values[name] = editor.isChecked()
            elif isinstance(editor, QSpinBox | QDoubleSpinBox):
                editor.interpretText()
                if editor.value() == editor.minimum():
                    problems.append(f"enter {label}")
                else:
                    values[name] = int(editor.value()) if kind == "integer" else editor.value()
            elif isinstance(editor, QLineEdit) and kind == "number_list":
                try:
                    values[name] = parse_number_list(editor.text())
                except ValueError as error:
                    problems.append(f"{label}: {error}")
            elif isinstance(editor, QLineEdit):
                if editor.text().strip():
                    values[name] = editor.text().strip()
                else:
                    problems.append(f"enter {label}")
        if problems:
            raise ValidationFailed("Check the step's parameters: " + "; ".join(problems) + ".")
        return values


def parameters_text(step: StepView) -> str:
    """The recorded parameters of a step, one per line, with units."""
    units = {item["name"]: item.get("unit") for item in step.parameter_spec}
    lines = []
    for name, value in step.parameters.items():
        if isinstance(value, bool):
            shown = "Yes" if value else "No"  # as the form says it (issue 16 review)
        elif isinstance(value, list):
            shown = ", ".join(number_text(v) for v in value)
        elif isinstance(value, float):
            shown = number_text(value)
        else:
            shown = str(value)
        unit = units.get(name)
        lines.append(f"{parameter_label(name, unit)}: {shown}{' ' + unit if unit else ''}")
    return "\n".join(lines)
