"""Pages of the main window: home, the audit trail, and clearly labelled placeholders."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from app.actor import Actor
from app.audit import verify_database
from app.database import Database
from app.navigation import Section, role_names
from ui.messages import describe

ISSUE_TITLES = {
    3: "identifiers, labels, printing and scanning",
    4: "the vein-to-vein journey as services",
    5: "cold chain",
    6: "the desktop screens",
}


def _page(section: Section) -> tuple[QWidget, QVBoxLayout]:
    page = QWidget()
    page.setObjectName(f"page-{section.key}")
    layout = QVBoxLayout(page)
    layout.setAlignment(Qt.AlignmentFlag.AlignTop)
    title = QLabel(section.title)
    title.setObjectName("pageTitle")
    layout.addWidget(title)
    summary = QLabel(section.summary)
    summary.setWordWrap(True)
    layout.addWidget(summary)
    return page, layout


def placeholder_page(section: Section) -> QWidget:
    """A page that says plainly that the section is not built yet."""
    page, layout = _page(section)
    notice = QLabel(
        f"⚠ PLACEHOLDER — not built yet. This section is a placeholder: it arrives with issue "
        f"#{section.issue} ({ISSUE_TITLES.get(section.issue or 0, 'planned work')}). "
        "Nothing here records or changes data."
    )
    notice.setObjectName("placeholderNotice")
    notice.setWordWrap(True)
    layout.addWidget(notice)
    return page


def home_page(section: Section, actor: Actor, database: Database) -> QWidget:
    """Greeting with who is signed in, where, and on which database."""
    page, layout = _page(section)
    details = QLabel(
        f"Signed in as <b>{actor.full_name}</b> ({actor.username})<br>"
        f"Role: {role_names(actor)}<br>"
        f"Site: {actor.site_name or 'no site (administrator)'}<br>"
        f"Station: {actor.station}<br>"
        f"Database: {database.display_url}"
    )
    details.setTextFormat(Qt.TextFormat.RichText)
    layout.addWidget(details)
    notice = QLabel(
        "⚠ PLACEHOLDER — the work queue, alerts and case counts arrive with issue #6 "
        "(the desktop screens)."
    )
    notice.setObjectName("placeholderNotice")
    notice.setWordWrap(True)
    layout.addWidget(notice)
    return page


class AuditPage(QWidget):
    """Verify the audit trail's hash chain and show the result in words and colour."""

    def __init__(self, section: Section, database: Database) -> None:
        super().__init__()
        self.database = database
        page, layout = _page(section)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(page)
        self.setObjectName(page.objectName())
        self.verify_button = QPushButton("Verify the audit chain")
        self.verify_button.setObjectName("verifyChain")
        self.verify_button.clicked.connect(self.verify)
        layout.addWidget(self.verify_button, alignment=Qt.AlignmentFlag.AlignLeft)
        self.ok_result = QLabel()
        self.ok_result.setObjectName("okMessage")
        self.broken_result = QLabel()
        self.broken_result.setObjectName("errorMessage")
        for label in (self.ok_result, self.broken_result):
            label.setWordWrap(True)
            label.hide()
            layout.addWidget(label)
        self.result = self.ok_result

    def verify(self) -> None:
        """Re-walk the chain and show what was found."""
        try:
            outcome = verify_database(self.database)
        except Exception as exc:
            title, text = describe(exc)
            self._show(False, f"✖ {title}: {text}")
            return
        if outcome.ok:
            self._show(True, f"✔ Intact: all {outcome.events} audit events verify.")
        else:
            self._show(
                False,
                f"✖ Broken at event {outcome.first_broken_seq}: {outcome.problem}. "
                f"{outcome.events} events read. Report this to QA at once.",
            )

    def _show(self, ok: bool, text: str) -> None:
        self.result.hide()
        self.result = self.ok_result if ok else self.broken_result
        self.result.setText(text)
        self.result.show()
