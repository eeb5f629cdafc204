"""The Enrolment section: the clinic coordinator enrols a patient and books both slots."""

from __future__ import annotations

from ui.pages.enrolment.page import EnrolmentPage

__all__ = ["EnrolmentPage"]
