"""An SSCC as GS1 writes it under its bar code (issue 16: shown as 18 unbroken digits)."""

from __future__ import annotations

from app.core import sscc_text as shown
from labels.gs1.keys import build_sscc


def sscc_text(sscc: str | None, company_prefix: str | None = None) -> str:
    """The text shown, its no-break spaces as spaces."""
    return shown(sscc, company_prefix).replace("\u00a0", " ")


def test_an_sscc_is_grouped_as_gs1_writes_it() -> None:
    sscc = build_sscc(3, "7612345", 1)
    assert sscc_text(sscc) == f"(00) 3 7612345 000000001 {sscc[-1]}"


def test_the_sending_sites_company_prefix_sets_the_groups() -> None:
    sscc = build_sscc(3, "590123456", 42)
    assert sscc_text(sscc, "590123456") == f"(00) 3 590123456 0000042 {sscc[-1]}"
    assert sscc_text(sscc, "4012345") == sscc_text(sscc)  # not its prefix: 7 digits


def test_what_is_no_sscc_is_shown_as_it_is() -> None:
    assert sscc_text(None) == "—"
    assert sscc_text("12345") == "12345"
