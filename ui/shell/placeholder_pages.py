"""Pages of the main window: the plain home page and clearly labelled placeholders."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.access import Section, role_names
from app.core import Actor, Database

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
