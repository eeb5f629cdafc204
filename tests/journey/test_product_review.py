"""QA's review of product drafts (issue 14, point 2, from a screen): the changes against the
current version, rejection with a reason, and the attacks on approval — a non-QA person, an
author or editor of the draft (four eyes), a version already approved, superseded, rejected or
changed since it was reviewed. SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest

from app.access import authenticate, create_user
from app.admin import (
    approve_product,
    edit_draft,
    field_changes,
    import_product,
    pending_drafts,
    product_versions,
    reject_product,
)
from app.core import (
    Actor,
    NotFound,
    NotPermitted,
    SeparationOfDuties,
    StaleRecord,
    UnitOfWork,
    ValidationFailed,
)
from app.demo.seed import product_file
from db.enums import Role
from tests.conftest import DEMO_PASSWORD, PASSWORD, Demo
from tests.e2e.test_cli_case import Coi
from tests.journey.test_product_versions import _admin, _changed_car_t, _counts

CAR_T = "S1234-car-t.json"


def _second_qa(demo: Demo) -> Actor:
    with UnitOfWork(demo.database, _admin(demo)) as uow:
        create_user(
            uow,
            username="quentin.qa",
            full_name="Quentin QA",
            password=PASSWORD,
            roles=[Role.QA],
            site_code="CTF",
        )
        uow.commit()
    return authenticate(demo.database, "quentin.qa", PASSWORD, "test-station")


def _states(demo: Demo, actor: Actor) -> list[tuple[int, str]]:
    return [(v.version_number, v.state) for v in product_versions(demo.database, actor, "S1234")]


def test_field_changes_name_each_field_and_key_list_items_by_code() -> None:
    current = json.loads(product_file(CAR_T))
    draft = json.loads(_changed_car_t())
    draft["qc"] = [spec for spec in draft["qc"] if spec["test_code"] != "endotoxin"]
    changes = {c.field: (c.kind, c.current, c.draft) for c in field_changes(current, draft)}
    assert changes["time_limits.post_thaw_minutes"] == ("changed", "90", "60")
    assert changes["qc[viability].lower"] == ("changed", "70", "75")
    assert changes["qc[endotoxin].upper"] == ("removed", "0.5", None)
    step = next(f for f in changes if f.startswith("steps[") and f.endswith("].name"))
    assert changes[step][0] == "changed"
    assert len(changes) == 3 + 1 + 5  # nothing else: later steps are not shown as changed
    assert field_changes(current, current) == ()
    assert all(c.kind == "added" for c in field_changes(None, draft))


def test_qa_reviews_rejects_and_approves_and_every_attack_is_refused(demo: Demo) -> None:
    admin, asha = _admin(demo), demo["asha.qa"]
    quentin = _second_qa(demo)
    # Asha writes version 2; the administrator edits it: both wrote it, so neither approves.
    import_product(demo.database, asha, _changed_car_t())
    document = json.loads(_changed_car_t())
    document["time_limits"]["post_thaw_minutes"] = 45
    edit_draft(demo.database, admin, "S1234", json.dumps(document), reason="45 min per SOP")
    (review,) = pending_drafts(demo.database, quentin)
    assert review.current_version == 1 and review.draft.version_number == 2
    fields = {c.field: c.draft for c in review.changes}
    assert fields["time_limits.post_thaw_minutes"] == "45"
    before = _counts(demo.database)
    with pytest.raises(SeparationOfDuties, match="author of version 2"):
        approve_product(demo.database, asha, "S1234", DEMO_PASSWORD, version_number=2)
    for refused in (admin, demo["petra.qp"]):  # the administrator is not QA
        with pytest.raises(NotPermitted):
            approve_product(demo.database, refused, "S1234", DEMO_PASSWORD, version_number=2)
        with pytest.raises(NotPermitted):
            reject_product(demo.database, refused, "S1234", 2, "no")
        with pytest.raises(NotPermitted):
            pending_drafts(demo.database, refused)
    with pytest.raises(ValidationFailed, match="reason"):
        reject_product(demo.database, quentin, "S1234", 2, "   ")
    # Changed since Quentin read it: his approval of what he saw is refused.
    with pytest.raises(StaleRecord):
        approve_product(
            demo.database,
            quentin,
            "S1234",
            PASSWORD,
            version_number=2,
            seen_version=review.draft.row_version - 1,
        )
    assert _counts(demo.database)[:4] == before[:4]
    # Quentin rejects it: retired unapproved, no longer pending, cannot be approved after.
    rejected = reject_product(
        demo.database, quentin, "S1234", 2, "45 min is not validated", seen_version=2
    )
    assert rejected.state == "rejected"
    assert pending_drafts(demo.database, quentin) == ()
    with pytest.raises(ValidationFailed, match="Version 2 of product S1234 is rejected"):
        approve_product(demo.database, quentin, "S1234", PASSWORD, version_number=2)
    # The administrator imports version 3; approving version 2 (the one reviewed) never
    # approves version 3 instead.
    import_product(demo.database, admin, _changed_car_t())
    with pytest.raises(ValidationFailed, match="not a draft"):
        approve_product(demo.database, quentin, "S1234", PASSWORD, version_number=2)
    (review,) = pending_drafts(demo.database, asha)
    approved = approve_product(
        demo.database,
        asha,
        "S1234",
        DEMO_PASSWORD,
        version_number=3,
        seen_version=review.draft.row_version,
    )
    assert approved.state == "approved"
    assert _states(demo, asha) == [
        (1, "retired (superseded)"),
        (2, "rejected"),
        (3, "approved"),
    ]
    for version, words in ((1, "retired"), (3, "approved")):  # superseded, already approved
        with pytest.raises(ValidationFailed, match=f"is {words}"):
            approve_product(demo.database, quentin, "S1234", PASSWORD, version_number=version)
        with pytest.raises(ValidationFailed, match="not a draft"):
            reject_product(demo.database, quentin, "S1234", version, "late")
    with pytest.raises(NotFound):
        approve_product(demo.database, quentin, "S1234", PASSWORD, version_number=9)


def test_reject_and_approve_a_named_version_from_the_command_line(
    demo: Demo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    if demo.database.backend != "sqlite":
        pytest.skip("the same services as above, tested on both backends there")
    coi = Coi(demo.database.url, capsys, monkeypatch)
    import_product(demo.database, _admin(demo), _changed_car_t())
    status, out = coi("product", "reject", "S1234", "--version", "2", "--as", "asha.qa")
    assert status == 2 and out is None  # no reason: bad usage, nothing written
    status, out = coi(
        "product", "reject", "S1234", "--version", "2", "--reason", "not validated",
        "--as", "asha.qa",
    )  # fmt: skip
    assert status == 0 and out["rejected"]["state"] == "rejected", out
    status, out = coi("product", "approve", "S1234", "--version", "2", "--as", "asha.qa")
    assert status == 1 and "Version 2 of product S1234 is rejected" in out["error"]
    document = json.loads(_changed_car_t())
    document["time_limits"]["post_thaw_minutes"] = 75
    import_product(demo.database, _admin(demo), json.dumps(document))
    status, out = coi("product", "approve", "S1234", "--version", "3", "--as", "asha.qa")
    assert status == 0 and out["approved"]["state"] == "approved", out
