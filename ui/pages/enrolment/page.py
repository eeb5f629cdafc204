"""The Enrolment section: a clinic coordinator registers a patient, chooses the product, the
treating physician and the manufacturer, and books the apheresis and manufacturing slots.

Every field is checked as typed values are submitted (``app.journey.enrolment_problems``, a pure
function): each problem shows under its field and nothing is sent. A patient already on record
(same hospital number, or same name and date of birth) comes back from the service as a warning
naming the cases on record, with an explicit choice — same patient (a further treatment) or a
different person — that the coordinator must make before enrolling again. Patient identity is
shown here because only clinic coordinators see this section.
"""

from __future__ import annotations

from datetime import date
from functools import partial

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.casefile import EnrolmentForm, enrolment_form
from app.core import Actor, Database
from app.journey import (
    CaseView,
    DuplicatePatient,
    Enrolment,
    SlotCalendar,
    SlotKind,
    enrol_patient,
    enrolment_problems,
    slot_calendar,
)
from ui.pages.enrolment.fields import DATE_HINT, FieldWithError, SlotDateField, parse_day
from ui.tasks import Failure, ReadOp, TaskRunner, WriteOp
from ui.widgets import escape, message_line, restyle, show_failed, show_message, typed_input

CALENDAR_DAYS = 21
"""Days of capacity read from the chosen date on, to name the next free ones."""


class EnrolmentPage(QWidget):
    """Enrol a patient at the coordinator's clinic and book both slots."""

    open_case = Signal(str)
    """The coordinator asks to open the case just enrolled (its COI)."""
    enrolled = Signal(object)
    """A case was enrolled (its CaseView)."""

    def __init__(self, database: Database, actor: Actor, runner: TaskRunner) -> None:
        super().__init__()
        self.setObjectName("page-enrolment")
        self.database, self.actor, self.runner = database, actor, runner
        self.form: EnrolmentForm | None = None
        self.last_case: CaseView | None = None
        self._duplicate_for: tuple[str, ...] | None = None
        self._build()
        ReadOp(
            partial(enrolment_form, database, actor), doing="The form could not be read"
        ).success(self._show_form).failure(self._failed).run(runner)

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        title = QLabel("Enrol a patient")
        title.setObjectName("pageTitle")
        columns = QHBoxLayout()
        columns.addWidget(self._build_patient(), stretch=2)
        columns.addWidget(self._build_treatment(), stretch=3)
        self._build_duplicate()

        self.enrol_button = QPushButton("Enrol")
        self.enrol_button.setObjectName("enrolButton")
        self.enrol_button.setDefault(True)
        self.enrol_button.setEnabled(False)
        self.enrol_button.clicked.connect(self.submit)
        self.open_button = QPushButton("Open the case")
        self.open_button.setObjectName("openCase")
        self.open_button.hide()
        self.open_button.clicked.connect(self._open_last)
        buttons = QHBoxLayout()
        buttons.addWidget(self.enrol_button)
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        self.message = message_line()

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(columns)
        layout.addWidget(self.duplicate)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self._connect()

    def unsaved_input(self) -> str | None:
        """What is typed in the form and not enrolled yet (None: nothing)."""
        return typed_input(
            (name, field.editor)
            for name, field in (
                ("Family name", self.family),
                ("Given name", self.given),
                ("Date of birth", self.born),
                ("Hospital number", self.number),
                ("Treating physician", self.physician),
            )
        )

    def _build_patient(self) -> QGroupBox:
        self.family = FieldWithError("familyName")
        self.given = FieldWithError("givenName")
        self.born = FieldWithError("dateOfBirth", DATE_HINT)
        self.number = FieldWithError("hospitalNumber", "e.g. NBH100233")
        patient = QGroupBox("Patient")
        form = QFormLayout(patient)
        form.addRow("Family name", self.family)
        form.addRow("Given name", self.given)
        form.addRow("Date of birth", self.born)
        form.addRow("Hospital number", self.number)
        return patient

    def _build_treatment(self) -> QGroupBox:
        self.clinic = QLabel("Loading…")
        self.clinic.setObjectName("enrolmentClinic")
        self.product = FieldWithError("product", editor=QComboBox())
        self.physician = FieldWithError("treatingPhysician", "e.g. Dr Helen Marsh")
        self.manufacturer = FieldWithError("manufacturer", editor=QComboBox())
        self.apheresis = SlotDateField("apheresisDate")
        self.manufacturing = SlotDateField("manufacturingDate")
        treatment = QGroupBox("Treatment and booking")
        booking = QFormLayout(treatment)
        booking.addRow(QLabel("Product"))  # its own row: a long product name reads whole
        booking.addRow(self.product)
        booking.addRow("Treating physician", self.physician)
        booking.addRow("Clinic", self.clinic)
        booking.addRow("Manufacturer", self.manufacturer)
        booking.addRow("Apheresis date", self.apheresis)
        booking.addRow("Manufacturing slot", self.manufacturing)
        return treatment

    def _build_duplicate(self) -> None:
        self.duplicate = QGroupBox("Is this the patient already on record?")
        self.duplicate.setObjectName("duplicateBox")
        box = QVBoxLayout(self.duplicate)
        self.duplicate_text = QLabel()
        self.duplicate_text.setObjectName("lookAlikeWarning")
        self.duplicate_text.setWordWrap(True)
        self.same = QRadioButton("Same patient — a further treatment of the patient on record")
        self.same.setObjectName("samePatient")
        self.different = QRadioButton(
            "Different patient — another person who shares name and date of birth"
        )
        self.different.setObjectName("differentPatient")
        self.answer = QButtonGroup(self)
        self.answer.addButton(self.same)
        self.answer.addButton(self.different)
        box.addWidget(self.duplicate_text)
        box.addWidget(self.same)
        box.addWidget(self.different)
        self.duplicate.hide()

    def _connect(self) -> None:
        for field in (self.family, self.given, self.born, self.number):
            field.editor.textChanged.connect(self._identity_changed)  # type: ignore[attr-defined]
        self.apheresis.editor.editingFinished.connect(  # type: ignore[attr-defined]
            partial(self._read_slots, SlotKind.APHERESIS)
        )
        self.manufacturing.editor.editingFinished.connect(  # type: ignore[attr-defined]
            partial(self._read_slots, SlotKind.MANUFACTURING)
        )
        self.manufacturer.editor.currentIndexChanged.connect(  # type: ignore[attr-defined]
            lambda _index: self._read_slots(SlotKind.MANUFACTURING)
        )

    def _show_form(self, form: EnrolmentForm) -> None:
        self.form = form
        self.clinic.setText(f"{form.clinic_name} ({form.clinic_code}) — your clinic")
        products: QComboBox = self.product.editor  # type: ignore[assignment]
        for choice in form.products:
            products.addItem(choice.text, choice.code)
        sites: QComboBox = self.manufacturer.editor  # type: ignore[assignment]
        for choice in form.manufacturers:
            sites.addItem(choice.text, choice.code)
        self.enrol_button.setEnabled(bool(form.products and form.manufacturers))
        if not form.products or not form.manufacturers:
            show_message(
                self.message,
                "✖ No active product or manufacturing site is set up: ask an administrator.",
                ok=False,
            )

    # ------------------------------------------------------------------ slots
    def _read_slots(self, kind: SlotKind) -> None:
        field = self.apheresis if kind is SlotKind.APHERESIS else self.manufacturing
        day = parse_day(field.text)
        if not isinstance(day, date):
            field.clear_days(day if isinstance(day, str) else "Type a date to see the slots left.")
            return
        site = None if kind is SlotKind.APHERESIS else self._code(self.manufacturer)
        if kind is SlotKind.MANUFACTURING and not site:
            return
        ReadOp(
            partial(
                slot_calendar, self.database, self.actor, kind, day, CALENDAR_DAYS, site_code=site
            ),
            doing="The slots could not be read",
        ).success(lambda calendar: self._show_slots(field, day, calendar)).failure(
            lambda failure: field.clear_days(failure.because)
        ).run(self.runner)

    def _show_slots(self, field: SlotDateField, day: date, calendar: SlotCalendar) -> None:
        if parse_day(field.text) == day:  # still the date typed
            field.show_days(calendar.days)

    # ------------------------------------------------------------------ enrol
    @staticmethod
    def _code(field: FieldWithError) -> str:
        combo: QComboBox = field.editor  # type: ignore[assignment]
        value = combo.currentData()
        return str(value) if value else ""

    def _identity_changed(self) -> None:
        """Another patient typed: the answer given for the last one no longer holds, and
        enrolling is the next action again."""
        if any(self._identity()):
            self._make_primary(self.enrol_button)
        if self._identity() != self._duplicate_for:
            self.duplicate.hide()
            self.answer.setExclusive(False)
            self.same.setChecked(False)
            self.different.setChecked(False)
            self.answer.setExclusive(True)
            self._duplicate_for = None

    def _make_primary(self, button: QPushButton) -> None:
        """``button`` is the next action: the main (default) button, the other not (issue 16
        review: "Enrol" stayed the main button after enrolling)."""
        for each in (self.enrol_button, self.open_button):
            if each.isDefault() != (each is button):
                each.setDefault(each is button)
                restyle(each)

    def _identity(self) -> tuple[str, ...]:
        return tuple(f.text.strip() for f in (self.family, self.given, self.born, self.number))

    def _same_patient(self) -> bool | None:
        if self.duplicate.isHidden():
            return None
        if self.same.isChecked():
            return True
        if self.different.isChecked():
            return False
        return None

    def _fields(self) -> dict[str, FieldWithError]:
        return {
            "family_name": self.family,
            "given_name": self.given,
            "date_of_birth": self.born,
            "hospital_number": self.number,
            "product_code": self.product,
            "treating_physician": self.physician,
            "manufacturing_site_code": self.manufacturer,
            "planned_collection_date": self.apheresis,
            "manufacturing_slot_date": self.manufacturing,
        }

    def _entered(self) -> tuple[Enrolment | None, dict[str, str]]:
        """The enrolment typed, and every problem by field (dates that are not dates too)."""
        problems: dict[str, str] = {}
        days: dict[str, date | None] = {}
        for name, field in (
            ("date_of_birth", self.born),
            ("planned_collection_date", self.apheresis),
            ("manufacturing_slot_date", self.manufacturing),
        ):
            value = parse_day(field.text)
            if isinstance(value, str):
                problems[name] = value
                days[name] = None
            else:
                days[name] = value
        if days["date_of_birth"] is None and "date_of_birth" not in problems:
            problems["date_of_birth"] = f"Enter the date of birth as {DATE_HINT}."
        born = days["date_of_birth"] or date(1900, 1, 1)
        enrolment = Enrolment(
            family_name=self.family.text,
            given_name=self.given.text,
            date_of_birth=born,
            hospital_number=self.number.text,
            product_code=self._code(self.product),
            manufacturing_site_code=self._code(self.manufacturer),
            planned_collection_date=days["planned_collection_date"],
            manufacturing_slot_date=days["manufacturing_slot_date"],
            treating_physician=self.physician.text,
            same_patient=self._same_patient(),
        )
        for name, text in enrolment_problems(enrolment).items():
            problems.setdefault(name, text)
        return (None if problems else enrolment), problems

    def submit(self) -> None:
        """Check every field; when all are fine, enrol on the writer."""
        self.message.hide()
        self.open_button.hide()
        self._make_primary(self.enrol_button)
        enrolment, problems = self._entered()
        for name, field in self._fields().items():
            field.show_error(problems.get(name))
        if enrolment is None:
            show_message(
                self.message,
                f"✖ Nothing was saved: correct the {len(problems)} field"
                f"{'s' if len(problems) > 1 else ''} marked in red.",
                ok=False,
            )
            return
        if not self.duplicate.isHidden() and enrolment.same_patient is None:
            show_message(
                self.message,
                "✖ Nothing was saved: say whether this is the same patient or a different one.",
                ok=False,
            )
            return
        WriteOp(
            partial(enrol_patient, self.database, self.actor, enrolment),
            doing="The patient was not enrolled",
            changes={"case"},
        ).busy(lambda busy: self.enrol_button.setEnabled(not busy)).success(self._enrolled).failure(
            self._refused
        ).run(self.runner)

    def _enrolled(self, case: CaseView) -> None:
        self.last_case = case
        self.duplicate.hide()
        self._duplicate_for = None
        patient = case.patient.display_name if case.patient else "the patient"
        show_message(
            self.message,
            f"✔ {patient} enrolled: case <b>{escape(case.coi_eye_readable)}</b>, "
            f"{escape(case.product_name)}; apheresis {case.planned_collection_date}, "
            f"manufacturing slot {case.manufacturing_slot_date} at "
            f"{escape(case.manufacturing_site)}.",
            ok=True,
            rich=True,
        )
        self.open_button.show()
        for field in (self.family, self.given, self.born, self.number):
            field.editor.clear()  # type: ignore[attr-defined]
        self._make_primary(self.open_button)  # until the next patient is typed
        for kind in SlotKind:
            self._read_slots(kind)
        self.enrolled.emit(case)

    def _refused(self, failure: Failure) -> None:
        error = failure.error
        if isinstance(error, DuplicatePatient):
            self._duplicate_for = self._identity()
            self.duplicate_text.setText(
                "⚠ "
                + error.message
                + "\n\nOn record: "
                + "; ".join(k.description for k in error.known)
            )
            self.duplicate.show()
            show_message(
                self.message,
                "✖ Not enrolled yet: choose same patient or different patient, then Enrol again.",
                ok=False,
            )
            return
        field = _field_named(error_text := failure.text, self._fields())
        if field is not None:
            field.show_error(error_text)
        show_failed(self.message, failure)

    def _failed(self, failure: Failure) -> None:
        show_failed(self.message, failure)

    def _open_last(self) -> None:
        if self.last_case is not None:
            self.open_case.emit(self.last_case.coi)


_FIELD_WORDS = (
    ("hospital number", "hospital_number"),
    ("apheresis", "planned_collection_date"),
    ("manufacturing slot", "manufacturing_slot_date"),
    ("product", "product_code"),
    ("manufacturing site", "manufacturing_site_code"),
)


def _field_named(text: str, fields: dict[str, FieldWithError]) -> FieldWithError | None:
    """The field a service's refusal is about, when its words name one."""
    lowered = text.lower()
    for words, name in _FIELD_WORDS:
        if words in lowered:
            return fields[name]
    return None
