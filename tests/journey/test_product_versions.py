"""Products as versioned, approved data (issue 14, point 2), on the demo data, SQLite and
PostgreSQL: a draft has no effect, an approved version applies to new cases only, approval is
QA's and not the author's, bad files are refused naming the field with nothing written, a file
moves between databases, and a case of the second shipped product runs to infusion."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.access import authenticate, create_user
from app.admin import (
    ProfileDraft,
    approve_product,
    create_profile,
    edit_draft,
    export_product,
    import_product,
    product_versions,
)
from app.casefile import enrolment_form
from app.coldchain import SEED_PROFILES
from app.core import (
    Actor,
    AuthenticationFailed,
    Database,
    NotFound,
    NotPermitted,
    SeparationOfDuties,
    UnitOfWork,
    ValidationFailed,
)
from app.demo.journey import JourneyDriver
from app.demo.seed import product_file
from app.journey import steps_of_case
from db.enums import CaseStage, ProductStatus, Role
from db.models import AuditEvent, Case, Product, QcSpecification, Signature, StepTemplate
from tests.conftest import PASSWORD, Demo
from tests.e2e.test_cli_case import Coi

CAR_T = "S1234-car-t.json"
HSC = "S4321-hsc-gene.json"


def _changed_car_t() -> str:
    """The demo product with a shorter post-thaw limit, a renamed step and a stricter spec."""
    document = json.loads(product_file(CAR_T))
    document["time_limits"]["post_thaw_minutes"] = 60
    document["steps"][1]["name"] = "T-cell selection (CD4/CD8 beads), v2"
    for spec in document["qc"]:
        if spec["test_code"] == "viability":
            spec["lower"], spec["criterion"] = 75, "≥ 75 %"
    return json.dumps(document)


def _admin(demo: Demo) -> Actor:
    return authenticate(demo.database, "admin", PASSWORD, "test-station")


def _counts(database: Database) -> tuple[int, ...]:
    with database.read_session() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Product, StepTemplate, QcSpecification, Signature, AuditEvent)
        )


def _product_of(database: Database, case_id: Any) -> Product:
    with database.read_session() as session:
        case = session.get(Case, case_id)
        assert case is not None
        product = session.get(Product, case.product_id)
        assert product is not None
        session.expunge(product)
        return product


def _specs(database: Database, product_id: Any) -> dict[str, float | None]:
    with database.read_session() as session:
        rows = session.scalars(
            select(QcSpecification).where(QcSpecification.product_id == product_id)
        )
        return {row.test_code: row.lower for row in rows}


def test_a_draft_has_no_effect_and_an_approved_version_applies_to_new_cases_only(
    demo: Demo, tmp_path: Path
) -> None:
    driver = JourneyDriver(demo.database, tmp_path, station="test-station")
    before = driver.enrol("NBH810001", "Aalto", "Mira", date(1971, 3, 4))
    v1 = _product_of(demo.database, before.id)
    assert (v1.version_number, v1.status, v1.post_thaw_minutes) == (1, ProductStatus.APPROVED, 90)

    draft = import_product(demo.database, _admin(demo), _changed_car_t(), reason="shorter thaw")
    assert (draft.version_number, draft.status) == (2, ProductStatus.DRAFT)
    # A draft reaches nothing: new cases still get version 1, the form offers one S1234.
    during = driver.enrol("NBH810002", "Bjork", "Lena", date(1982, 7, 8))
    assert _product_of(demo.database, during.id).id == v1.id
    offered = [c.code for c in enrolment_form(demo.database, demo["cora.coordinator"]).products]
    assert offered == ["S1234", "S4321"]
    with demo.database.read_session() as session:
        query = select(func.count()).where(StepTemplate.product_id == draft.id)
        assert session.scalar(query) == 0  # a draft has no batch record to start

    approved = approve_product(demo.database, demo["asha.qa"], "S1234", "demo-password")
    assert (approved.status, approved.approved_by) == (
        ProductStatus.APPROVED,
        "Asha Quality (asha.qa)",
    )
    statuses = {
        v.version_number: v.status
        for v in product_versions(demo.database, demo["asha.qa"], "S1234")
    }
    assert statuses == {1: ProductStatus.RETIRED, 2: ProductStatus.APPROVED}

    after = driver.enrol("NBH810003", "Castro", "Ines", date(1990, 1, 9))
    v2 = _product_of(demo.database, after.id)
    assert (v2.id, v2.post_thaw_minutes) == (draft.id, 60)
    assert _specs(demo.database, v2.id)["viability"] == 75
    # The cases enrolled before keep version 1: its limits, steps and specifications.
    for case in (before, during):
        kept = _product_of(demo.database, case.id)
        assert (kept.id, kept.post_thaw_minutes) == (v1.id, 90)
    assert _specs(demo.database, v1.id)["viability"] == 70
    with demo.database.read_session() as session:
        names = session.scalars(
            select(StepTemplate.name)
            .where(StepTemplate.product_id == v1.id)
            .order_by(StepTemplate.position)
        ).all()
    assert names[1] == "T-cell selection (CD4/CD8 beads)"
    with demo.database.read_session() as session:
        signed = session.scalars(
            select(Signature).where(
                Signature.record_type == "product", Signature.record_id == str(draft.id)
            )
        ).all()
    assert [s.meaning.value for s in signed] == ["approved"]
    # Approved is final: there is no draft left to edit or approve.
    with pytest.raises(NotFound, match="no draft"):
        edit_draft(demo.database, _admin(demo), "S1234", _changed_car_t(), reason="again")
    with pytest.raises(NotFound, match="no draft"):
        approve_product(demo.database, demo["asha.qa"], "S1234", "demo-password")


def test_approval_by_the_author_a_non_qa_or_a_wrong_password_is_refused(demo: Demo) -> None:
    draft = import_product(demo.database, demo["asha.qa"], _changed_car_t())
    before = _counts(demo.database)
    with pytest.raises(SeparationOfDuties, match="author of version 2"):
        approve_product(demo.database, demo["asha.qa"], "S1234", "demo-password")
    for refused in (demo["petra.qp"], demo["vera.verifier"], _admin(demo)):
        with pytest.raises(NotPermitted):
            approve_product(demo.database, refused, "S1234", "demo-password")
    with pytest.raises(NotPermitted):  # a QP may read versions but not write them
        import_product(demo.database, demo["petra.qp"], _changed_car_t())
    assert _counts(demo.database)[:4] == before[:4]
    # Another QA person approves; a wrong password first changes nothing.
    admin = _admin(demo)
    with UnitOfWork(demo.database, admin) as uow:
        create_user(
            uow,
            username="quentin.qa",
            full_name="Quentin QA",
            password=PASSWORD,
            roles=[Role.QA],
            site_code="CTF",
        )
        uow.commit()
    quentin = authenticate(demo.database, "quentin.qa", PASSWORD, "test-station")
    with pytest.raises(AuthenticationFailed):
        approve_product(demo.database, quentin, "S1234", "not-the-password")
    versions = product_versions(demo.database, quentin, "S1234")
    assert [v.status for v in versions] == [ProductStatus.APPROVED, ProductStatus.DRAFT]
    approved = approve_product(demo.database, quentin, "S1234", PASSWORD)
    assert approved.id == draft.id and approved.status is ProductStatus.APPROVED


def _broken(change: Callable[[dict[str, Any]], None]) -> str:
    document = json.loads(product_file(HSC))
    change(document)
    return json.dumps(document)


def _set(path: list[str | int], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        node: Any = document
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value

    return change


BAD_FILES: list[tuple[str, str]] = [
    ('{"code": "S4321", "name": ', "not valid JSON at line 1"),
    ("[1, 2]", "must be a JSON object"),
    (_broken(_set(["code"], "s4321")), "field code: 's4321' does not match"),
    (
        _broken(_set(["time_limits", "post_thaw_minutes"], "30")),
        "field time_limits.post_thaw_minutes: '30' is not of type 'integer'",
    ),
    (
        _broken(_set(["steps", 2, "parameters", 1, "max"], "48 h")),
        "field steps[2].parameters[1].max",
    ),
    (_broken(_set(["qc", 0, "colour"], "red")), "field qc[0]: Additional properties"),
    (
        _broken(_set(["unit_kinds", "final_product_bag", "label_template"], "big_bag")),
        "field unit_kinds.final_product_bag.label_template",
    ),
    (
        _broken(_set(["temperature_profiles", "to_clinic"], "Cryo-LND")),
        "field temperature_profiles.to_clinic: there is no temperature profile 'Cryo-LND'",
    ),
    (_broken(_set(["final_bags", "min"], 5)), "field final_bags.min: 5 is more than max (4)"),
    (
        _broken(_set(["steps", 1, "code"], "mpb_receipt")),
        "field steps[1].code: 'mpb_receipt' is used twice",
    ),
    (
        _broken(_set(["steps", 1, "parameters", 2, "min"], 101)),
        "field steps[1].parameters[2]: the lower limit (101) is above the upper limit (100)",
    ),
    (
        _broken(_set(["steps", 0, "parameters", 0, "min"], 1)),
        "field steps[0].parameters[0].min: a bool parameter cannot have numeric limits",
    ),
    (
        _broken(_set(["qc", 2, "expected_text"], "low")),
        "field qc[2]: a QC test has either numeric limits",
    ),
    (
        _broken(_set(["qc", 5, "lower"], 6)),
        "field qc[5]: the lower specification limit (6) is above the upper",
    ),
]


def test_an_invalid_product_file_is_refused_naming_the_field_and_nothing_is_written(
    demo: Demo,
) -> None:
    admin = _admin(demo)
    # The shipped file under another code is accepted: the broken copies differ by one field.
    valid = json.loads(product_file(HSC))
    valid["code"] = "S4322"
    before = _counts(demo.database)
    for text, message in BAD_FILES:
        with pytest.raises(ValidationFailed) as refused:
            import_product(demo.database, admin, text.replace('"S4321"', '"S4322"'))
        assert message.replace("S4321", "S4322") in refused.value.message, text[:80]
    assert _counts(demo.database) == before
    # The same file as the current version is refused too: nothing to change.
    with pytest.raises(ValidationFailed, match="same as version 1"):
        import_product(demo.database, admin, product_file(HSC))
    assert _counts(demo.database) == before
    assert import_product(demo.database, admin, json.dumps(valid)).version_number == 1


@pytest.mark.parametrize(
    ("demo_database_url", "database_url"),
    [("sqlite", "postgresql"), ("postgresql", "sqlite")],
    indirect=True,
)
def test_export_then_import_moves_a_product_to_another_database(
    demo_database_url: str,
    database: Database,
    admin: Actor,
    make_user: Callable[..., Actor],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    source = Coi(demo_database_url, capsys, monkeypatch)
    target = Coi(database.engine.url.render_as_string(hide_password=False), capsys, monkeypatch)
    exported = tmp_path / "hsc.json"
    status, out = source("product", "export", "S4321", "--out", str(exported), "--as", "asha.qa")
    assert status == 0, out
    assert json.loads(exported.read_text(encoding="utf-8")) == json.loads(product_file(HSC))

    # The other database knows neither the profiles the file names nor the product.
    status, out = target("product", "import", str(exported), "--as", "admin", password=PASSWORD)
    assert status == 1 and "temperature_profiles.to_manufacturer" in out["error"]
    for seed in SEED_PROFILES:
        create_profile(database, admin, ProfileDraft(**asdict(seed)))
    make_user("quinn.qa2", Role.QA)
    status, out = target(
        "product",
        "import",
        str(exported),
        "--as",
        "admin",
        "--reason",
        "from CTF",
        password=PASSWORD,
    )
    assert status == 0, out
    assert (out["imported"]["version"], out["imported"]["status"]) == (1, "draft")
    status, out = target("product", "approve", "S4321", "--as", "quinn.qa2", password=PASSWORD)
    assert status == 0 and out["approved"]["approved_by"] == "Quinn Qa2 (quinn.qa2)"
    status, out = target("product", "list", "--as", "quinn.qa2", password=PASSWORD)
    assert [(p["code"], p["version"], p["status"]) for p in out["products"]] == [
        ("S4321", 1, "approved")
    ]
    back = tmp_path / "back.json"
    status, out = target(
        "product", "export", "S4321", "--out", str(back), "--as", "admin", password=PASSWORD
    )
    assert status == 0, out
    assert json.loads(back.read_text(encoding="utf-8")) == json.loads(
        exported.read_text(encoding="utf-8")
    )
    with database.read_session() as session:
        steps = session.scalar(select(func.count()).select_from(StepTemplate))
    assert steps == len(json.loads(product_file(HSC))["steps"])
    # A next version is a draft; the draft is edited (with a reason) until QA approves it.
    document = json.loads(exported.read_text(encoding="utf-8"))
    document["time_limits"]["post_thaw_minutes"] = 25
    changed = tmp_path / "hsc-v2.json"
    changed.write_text(json.dumps(document), encoding="utf-8")
    status, out = target("product", "import", str(changed), "--as", "admin", password=PASSWORD)
    assert (status, out["imported"]["version"], out["imported"]["status"]) == (0, 2, "draft")
    document["time_limits"]["post_thaw_minutes"] = 20
    changed.write_text(json.dumps(document), encoding="utf-8")
    status, out = target(
        "product", "edit", str(changed), "--reason", "20 min per stability study",
        "--as", "quinn.qa2", password=PASSWORD,
    )  # fmt: skip
    assert (status, out["edited"]["author"]) == (0, "Quinn Qa2 (quinn.qa2)")
    status, out = target("product", "approve", "S4321", "--as", "quinn.qa2", password=PASSWORD)
    assert status == 1 and "author of version 2" in out["error"]  # the editor is its author
    status, out = target("product", "export", "S4321", "--version", "2", "--out", str(back),
                         "--as", "admin", password=PASSWORD)  # fmt: skip
    assert json.loads(back.read_text(encoding="utf-8"))["time_limits"]["post_thaw_minutes"] == 20
    # Bad usage is 2; a file that is not there is a refusal (1).
    status, _out = target("product", "import", "--as", "admin", password=PASSWORD)
    assert status == 2
    status, out = target(
        "product", "import", str(tmp_path / "none.json"), "--as", "admin", password=PASSWORD
    )
    assert status == 1 and "Cannot read" in out["error"]
    assert json.loads(export_product(database, admin, "S4321")) == json.loads(
        exported.read_text(encoding="utf-8")
    )  # the current version is still 1


@pytest.mark.parametrize(
    "demo_database_url",
    ["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)],
    indirect=True,
)
def test_a_case_of_the_second_product_runs_to_infusion(demo: Demo, tmp_path: Path) -> None:
    """On SQLite in the default suite (the full journey takes seconds); PostgreSQL: --slow."""
    driver = JourneyDriver(demo.database, tmp_path, station="test-station")
    case = driver.enrol("NBH820001", "Duarte", "Rui", date(2011, 6, 2), product_code="S4321")
    assert case.product_code == "S4321"
    infused = driver.run_to(case, CaseStage.INFUSED)
    assert infused.stage is CaseStage.INFUSED
    steps = steps_of_case(demo.database, demo["asha.qa"], case.id)
    assert [s.code for s in steps] == [s["code"] for s in json.loads(product_file(HSC))["steps"]]
    assert all(s.verified_by_id is not None for s in steps)
