"""Bad text a hostile tester types into searches, filters and names: a clear refusal naming the
field and the limit, the same on SQLite and PostgreSQL, and nothing written.

Found: a megabyte of search text failed on SQLite ("LIKE or GLOB pattern too complex") in the
case list and the audit search; a NUL in a search, a name or a filter failed on PostgreSQL
(``DataError``); a megabyte family or user name was stored by SQLite in a 200-character column
and refused by PostgreSQL; lone surrogates could be encoded by neither.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.access.users import authenticate
from app.admin.users import add_account
from app.audit.queries import AuditFilter, search_audit
from app.casefile.queries import list_cases
from app.core.errors import AuthenticationFailed, CoiError, ValidationFailed
from app.core.text_limits import SEARCH_LONGEST
from app.journey.enrolment import Enrolment, enrol_patient
from db.enums import Role
from db.models import AuditEvent, Case, PatientIdentity, User
from db.types import utc_now
from tests.conftest import PASSWORD

MEGABYTE = "x" * 1_000_000
JUNK = {
    "one megabyte": MEGABYTE,
    "one past the limit": "x" * (SEARCH_LONGEST + 1),
    "a NUL": "Ok\x00afor",
    "a lone surrogate": "Ok\udcffafor",
}
FAST, SLOW = 25, 400
SLOW_MARK = pytest.mark.slow


def _counts(database: Any) -> tuple[int, ...]:
    with database.read_session() as session:
        return tuple(
            int(session.scalar(select(func.count()).select_from(model)) or 0)
            for model in (AuditEvent, Case, PatientIdentity, User)
        )


def _enrolment(**names: str) -> Enrolment:
    return Enrolment(
        family_name=names.get("family_name", "Okafor"),
        given_name=names.get("given_name", "Ada"),
        date_of_birth=date(1971, 3, 14),
        hospital_number="H0001",
        product_code="S1234",
        manufacturing_site_code="CTF",
        planned_collection_date=utc_now().date(),
        manufacturing_slot_date=utc_now().date() + timedelta(days=2),
        treating_physician="Dr Helen Marsh",
        same_patient=False,
    )


# ---------------------------------------------------------------- searches and filters


def test_bad_search_text_in_the_case_list_is_refused_in_words(demo) -> None:
    cora = demo["cora.coordinator"]
    enrol_patient(demo.database, cora, _enrolment())
    for what, text in JUNK.items():
        with pytest.raises(ValidationFailed) as refusal:
            list_cases(demo.database, cora, search=text)
        assert "search text" in refusal.value.message, what
        assert len(refusal.value.message) < 300, what
    too_long = "x" * (SEARCH_LONGEST + 1)
    with pytest.raises(ValidationFailed, match=f"{SEARCH_LONGEST + 1} characters long; at most "):
        list_cases(demo.database, cora, search=too_long)
    assert list_cases(demo.database, cora, search="x" * SEARCH_LONGEST).total == 0  # at the limit
    assert list_cases(demo.database, cora, search="okaf").total == 1


@pytest.mark.parametrize("field", ["case", "username", "record_type", "record_id", "action"])
def test_bad_text_in_every_audit_filter_is_refused_in_words(demo, field: str) -> None:
    asha = demo["asha.qa"]
    for what, text in JUNK.items():
        with pytest.raises(ValidationFailed) as refusal:
            search_audit(demo.database, asha, AuditFilter(**{field: text}))
        assert f"{field.replace('_', ' ')} filter" in refusal.value.message, what
        assert len(refusal.value.message) < 300, what
    try:  # at the limit: searched (a case filter must still be a whole COI)
        search_audit(demo.database, asha, AuditFilter(**{field: "x" * SEARCH_LONGEST}))
    except ValidationFailed as refusal:
        assert field == "case" and "is not a whole COI" in refusal.message


@pytest.mark.parametrize(
    "examples",
    [pytest.param(FAST, id="fast"), pytest.param(SLOW, id="slow", marks=pytest.mark.slow)],
)
def test_any_search_or_filter_text_gives_a_page_or_a_clear_refusal(demo, examples: int) -> None:
    cora, asha = demo["cora.coordinator"], demo["asha.qa"]
    enrol_patient(demo.database, cora, _enrolment())

    @settings(
        max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    @given(
        st.one_of(
            st.text(alphabet=st.characters(codec=None), max_size=40),
            st.text(max_size=20).map(lambda t: t * 30),
            st.sampled_from(["%", "_", "\\", "[", "'", '"', "%_%", "CH G1234 26"]),
        ),
        st.sampled_from(["search", "case", "username", "record_type", "record_id", "action"]),
    )
    def search(text: str, field: str) -> None:
        try:
            if field == "search":
                list_cases(demo.database, cora, search=text)
            else:
                search_audit(demo.database, asha, AuditFilter(**{field: text}))
        except CoiError as refusal:
            assert refusal.message and "\x00" not in refusal.message

    search()


# ---------------------------------------------------------------- names


def test_bad_names_are_refused_naming_the_field_and_its_limit_on_both_backends(demo) -> None:
    cora = demo["cora.coordinator"]
    before = _counts(demo.database)
    # the enrolment's own rules (a name is at most 100 characters) speak before the columns' limits
    with pytest.raises(
        ValidationFailed, match="family name is 1000000 characters long: at most 100"
    ):
        enrol_patient(demo.database, cora, _enrolment(family_name=MEGABYTE))
    with pytest.raises(ValidationFailed, match="given name is 101 characters long: at most 100"):
        enrol_patient(demo.database, cora, _enrolment(given_name="y" * 101))  # one past
    with pytest.raises(
        ValidationFailed, match=r"family name holds a control character \(U\+0000\)"
    ):
        enrol_patient(demo.database, cora, _enrolment(family_name="Oka\x00for"))
    with pytest.raises(ValidationFailed, match="given name holds bytes that are not valid text"):
        enrol_patient(demo.database, cora, _enrolment(given_name="Ad\udcffa"))
    assert _counts(demo.database) == before
    enrol_patient(demo.database, cora, _enrolment(family_name="z" * 100))  # at the limit


@pytest.mark.parametrize("field", ["product_code", "manufacturing_site_code"])
def test_a_nul_or_a_surrogate_in_a_code_looked_up_is_refused_in_words(demo, field: str) -> None:
    """Every other look-up of typed text (here the product and site codes of an enrolment, as
    the command line passes them) meets the same refusal under the services, on both backends:
    PostgreSQL raised ``DataError`` for a NUL, and neither could encode a lone surrogate."""
    cora = demo["cora.coordinator"]
    before = _counts(demo.database)
    for bad in ("S12\x0034", "S12\udcff34"):
        enrolment = Enrolment(**{**_enrolment().__dict__, field: bad})
        with pytest.raises(ValidationFailed, match="which no record can hold"):
            enrol_patient(demo.database, cora, enrolment)
    assert _counts(demo.database) == before


def test_bad_user_names_are_refused_and_a_bad_sign_in_name_is_just_wrong(demo) -> None:
    admin = authenticate(demo.database, "admin", PASSWORD, "test-station")
    before = _counts(demo.database)

    def add(username: str, full_name: str) -> Any:
        return add_account(
            demo.database,
            admin,
            username=username,
            full_name=full_name,
            password=PASSWORD,
            roles=[Role.QA],
            site_code="CTF",
        )

    with pytest.raises(ValidationFailed, match="full name is 1000000 characters long; at most 200"):
        add("quinn.two", MEGABYTE)
    with pytest.raises(ValidationFailed, match="full name holds a NUL"):
        add("quinn.two", "Quinn\x00 Two")
    for username in (MEGABYTE, "quinn\x00two", "quinn\udcfftwo"):
        with pytest.raises(ValidationFailed, match="User name"):
            add(username, "Quinn Two")
        with pytest.raises(AuthenticationFailed, match="user name or password is wrong"):
            authenticate(demo.database, username, PASSWORD, "test-station")
    assert _counts(demo.database) == before


@pytest.mark.parametrize(
    "examples", [pytest.param(10, id="fast"), pytest.param(200, id="slow", marks=pytest.mark.slow)]
)
def test_any_patient_name_is_enrolled_or_refused_in_words(demo, examples: int) -> None:
    cora = demo["cora.coordinator"]
    numbers = iter(range(1, 10_000))

    @settings(
        max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    @given(
        st.one_of(
            st.text(alphabet=st.characters(codec=None), min_size=1, max_size=40),
            st.integers(150, 260).map(lambda n: "n" * n),
        )
    )
    def enrol(name: str) -> None:
        enrolment = _enrolment(family_name=name)
        enrolment = Enrolment(**{**enrolment.__dict__, "hospital_number": f"H{next(numbers)}"})
        try:
            enrol_patient(demo.database, cora, enrolment)
        except CoiError as refusal:
            assert refusal.message and "\x00" not in refusal.message

    enrol()
