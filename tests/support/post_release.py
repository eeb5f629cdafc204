"""Two batches for the QP's exceptions, driven once per run and backend, copied per test.

A batch received at the clinic with its bags thawed (sterility released pending under an
approved exception), and a batch awaiting the QP with an out-of-specification viability (62 %).
Import ``post_release_sqlite`` and ``post_release_postgresql`` into a test module; each gives
(source, Batches) for ``tests.conftest.database_copy``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from app.core.database import open_database
from app.demo.journey import DEMO_PASSWORD, QC_RESULTS, JourneyDriver
from app.journey import enter_qc_result, qc_results_of_case, review_qc_result
from app.journey.qc import approve_qc_exception
from db.enums import CaseStage, QcOutcome
from tests.conftest import demo_source
from tests.journey.steps import thaw_final_bags

AT_CLINIC, OOS = ("NBH440001", "Aalto"), ("NBH440003", "Costa")
OOS_VIABILITY = "62.0"


@dataclass(frozen=True)
class Batches:
    """The two cases, with the clinic batch's final bags' DINs."""

    at_clinic: uuid.UUID
    oos: uuid.UUID
    clinic_bags: tuple[str, ...]


@dataclass(frozen=True)
class _Backend:
    """What ``demo_source`` reads of a request: the backend and the fixtures."""

    param: str
    request: pytest.FixtureRequest

    def getfixturevalue(self, name: str) -> Any:
        return self.request.getfixturevalue(name)


def _drive_oos(driver: JourneyDriver) -> uuid.UUID:
    case = driver.run_to(
        driver.enrol(OOS[0], OOS[1], "Rui", date(1975, 7, 8)), CaseStage.QC_PENDING_RELEASE
    )
    for test, value in QC_RESULTS.items():
        entered = OOS_VIABILITY if test == "viability" else value
        enter_qc_result(driver.database, driver.who("quinn.qc"), case.id, test, entered)
    for result in qc_results_of_case(driver.database, driver.who("asha.qa"), case.id):
        review_qc_result(driver.database, driver.who("asha.qa"), result.id, DEMO_PASSWORD)
        if result.outcome is QcOutcome.PENDING:
            approve_qc_exception(
                driver.database, driver.who("asha.qa"), result.id, "Per SOP-QA-12.", DEMO_PASSWORD
            )
    driver.close_deviations(case)
    return case.id


def _drive(backend: str, request: pytest.FixtureRequest, out: Path) -> tuple[str, Batches]:
    source, url = demo_source(_Backend(backend, request), out)  # type: ignore[arg-type]
    database = open_database(url)
    try:
        driver = JourneyDriver(database, out)
        clinic = driver.run_to(
            driver.enrol(AT_CLINIC[0], AT_CLINIC[1], "Aino", date(1961, 2, 3)),
            CaseStage.RECEIVED_AT_CLINIC,
        )
        bags = tuple(bag.din or "" for bag in thaw_final_bags(driver, clinic))
        oos = _drive_oos(driver)
    finally:
        database.dispose()
    return source, Batches(clinic.id, oos, bags)


@pytest.fixture(scope="session")
def post_release_sqlite(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, Batches]:
    """The two batches on SQLite: (the database file, Batches)."""
    return _drive("sqlite", request, tmp_path_factory.mktemp("post-release-sqlite"))


@pytest.fixture(scope="session")
def post_release_postgresql(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, Batches]:
    """The two batches on PostgreSQL: (the template database's name, Batches)."""
    return _drive("postgresql", request, tmp_path_factory.mktemp("post-release-pg"))
