"""Exchange bundles between two databases (the clinic's and the manufacturer's), both backends.

Both databases start as copies of the same journeyed database (the case exists in both, as
after a hand-over), so what differs is only what the bundles carry. A bundle signed by the
clinic's Ed25519 key is accepted by the manufacturer once; a tampered, replayed, foreign,
misaddressed or out-of-order bundle is refused and nothing is written.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.access import authenticate
from app.audit import reconcile_cases, reconcile_database
from app.core import Database, NotPermitted, ValidationFailed, open_database, verify_database
from app.exchange import (
    BundleRefused,
    export_bundle,
    generate_site_key,
    import_bundle,
    load_site_key,
    register_partner_key,
)
from db.models import AuditEvent, Case, ExchangeBundle, PartnerEvent, Unit
from tests.conftest import PASSWORD
from tests.support.journeyed import (
    PATIENT,
    infused_coi,
    journeyed_postgres_template,  # noqa: F401 - fixture
    journeyed_sqlite_template,  # noqa: F401 - fixture
    journeyed_url,  # noqa: F401 - fixture
    second_journeyed_url,  # noqa: F401 - fixture
)


class Sites:
    """The clinic's database, the manufacturer's, and the clinic's key file."""

    def __init__(self, clinic: Database, maker: Database, folder: Path) -> None:
        self.clinic, self.maker, self.folder = clinic, maker, folder
        self.clinic_key = folder / "nbh.pem"
        self.clinic_public = generate_site_key(self.clinic_key)
        self.coi = ""

    def who(self, database: Database, username: str) -> Any:
        password = PASSWORD if username in {"admin", "olga.qa"} else "demo-password"
        return authenticate(database, username, password, "test-station")

    def trust_clinic(self) -> None:
        register_partner_key(self.maker, self.who(self.maker, "admin"), "NBH", self.clinic_public)

    def send(self, name: str, database: Database | None = None) -> Path:
        export_bundle(
            database or self.clinic,
            self.who(database or self.clinic, "cora.coordinator"),
            self.coi,
            "CTF",
            load_site_key(self.clinic_key),
            out=self.folder / name,
        )
        return self.folder / name

    def counts(self) -> tuple[int, int, int]:
        with self.maker.read_session() as session:
            return (
                session.scalar(select(func.count()).select_from(ExchangeBundle)) or 0,
                session.scalar(select(func.count()).select_from(PartnerEvent)) or 0,
                session.scalar(select(func.count()).select_from(AuditEvent)) or 0,
            )


@pytest.fixture
def sites(journeyed_url: str, second_journeyed_url: str, tmp_path: Path) -> Any:  # noqa: F811
    clinic, maker = open_database(journeyed_url), open_database(second_journeyed_url)
    pair = Sites(clinic, maker, tmp_path)
    pair.coi = infused_coi(journeyed_url)
    yield pair
    clinic.dispose()
    maker.dispose()


def test_a_signed_bundle_is_accepted_once_with_its_digest_in_the_trail(sites: Sites) -> None:
    sites.trust_clinic()
    path = sites.send("first.bundle")
    text = path.read_text()
    payload = base64.b64decode(json.loads(text)["payload"]).decode()
    for fact in (PATIENT.family, PATIENT.given, PATIENT.mrn, PATIENT.born.isoformat()):
        assert fact not in payload  # never patient identity to a manufacturer
    assert json.loads(payload)["records"]["units"][0]["din"]
    qa = sites.who(sites.maker, "asha.qa")
    result = import_bundle(sites.maker, qa, path)
    assert result.coi == sites.coi and result.from_site == "NBH"
    assert result.from_site_name == "Northbridge University Hospital"  # the site in words
    assert sum(o.outcome == "imported" for o in result.outcomes) == 8
    with sites.maker.read_session() as session:
        trail = session.scalars(select(AuditEvent).where(AuditEvent.action == "import bundle"))
        assert [result.digest in (t.reason or "") for t in trail] == [True]
    qa = sites.who(sites.maker, "asha.qa")
    before = sites.counts()
    with pytest.raises(BundleRefused, match="imported before"):
        import_bundle(sites.maker, qa, path)
    assert sites.counts() == before
    # the next bundle continues the history: it names the first one
    second = sites.send("second.bundle")
    assert import_bundle(sites.maker, qa, second).digest != result.digest
    for database in (sites.clinic, sites.maker):  # both chains verify, every record reconciles
        assert verify_database(database).ok
        assert reconcile_database(database).ok
    with sites.maker.read_session() as session:
        case_id = session.scalar(select(Case.id).where(Case.coi == sites.coi))
    assert case_id is not None
    assert reconcile_cases(sites.maker, qa, [case_id]).ok


def test_tampered_unknown_foreign_and_misaddressed_bundles_are_refused(sites: Sites) -> None:
    path = sites.send("first.bundle")
    qa = sites.who(sites.maker, "asha.qa")
    before = sites.counts()
    with pytest.raises(BundleRefused, match="The sender is unknown"):
        import_bundle(sites.maker, qa, path)
    sites.trust_clinic()
    envelope = json.loads(path.read_text())
    payload = json.loads(base64.b64decode(envelope["payload"]))
    payload["records"]["release"] = {"decision": "certified", "decided_at": None}
    envelope["payload"] = base64.b64encode(json.dumps(payload).encode()).decode()
    tampered = sites.folder / "tampered.bundle"
    tampered.write_text(json.dumps(envelope))
    with pytest.raises(BundleRefused, match="The signature does not match"):
        import_bundle(sites.maker, qa, tampered)
    # a key registered for the clinic signing a bundle that claims another sender
    other_key = sites.folder / "other.pem"
    register_partner_key(
        sites.maker, sites.who(sites.maker, "admin"), "XYZ", generate_site_key(other_key)
    )
    forged = json.loads(path.read_text())
    forged_payload = base64.b64decode(forged["payload"])
    key = load_site_key(other_key)
    forged["public_key"] = key.public_key().public_bytes_raw().hex()
    forged["signature"] = base64.b64encode(key.sign(forged_payload)).decode()
    (sites.folder / "forged.bundle").write_text(json.dumps(forged))
    with pytest.raises(BundleRefused, match="signed with the key of XYZ"):
        import_bundle(sites.maker, qa, sites.folder / "forged.bundle")
    with pytest.raises(BundleRefused, match=r"for another site \(CTF\), not yours \(NBH\)"):
        import_bundle(sites.maker, sites.who(sites.maker, "cora.coordinator"), path)
    with pytest.raises(NotPermitted):
        import_bundle(sites.maker, sites.who(sites.maker, "otto.operator"), path)
    assert sites.counts()[:2] == before[:2]


def test_a_bundle_that_does_not_continue_the_history_is_refused(sites: Sites) -> None:
    sites.trust_clinic()
    first = sites.send("first.bundle")
    second = sites.send("second.bundle")  # names the first as its previous
    qa = sites.who(sites.maker, "asha.qa")
    before = sites.counts()
    with pytest.raises(BundleRefused, match=r"does not continue case \w+'s history"):
        import_bundle(sites.maker, qa, second)
    assert sites.counts()[:2] == before[:2]
    import_bundle(sites.maker, qa, first)
    import_bundle(sites.maker, qa, second)


def test_bad_input_in_words(sites: Sites) -> None:
    qa = sites.who(sites.maker, "asha.qa")
    not_json = sites.folder / "x.bundle"
    not_json.write_text("hello")
    with pytest.raises(BundleRefused, match="not JSON"):
        import_bundle(sites.maker, qa, not_json)
    epcis = sites.folder / "epcis.jsonld"
    epcis.write_text('{"type": "EPCISDocument"}')
    with pytest.raises(BundleRefused, match="not a COI Tracker exchange bundle"):
        import_bundle(sites.maker, qa, epcis)
    with pytest.raises(BundleRefused, match="Cannot read"):
        import_bundle(sites.maker, qa, sites.folder / "missing.bundle")
    cora = sites.who(sites.clinic, "cora.coordinator")
    key = load_site_key(sites.clinic_key)
    with pytest.raises(ValidationFailed, match="only to its partner site CTF"):
        export_bundle(sites.clinic, cora, sites.coi, "OTH", key, out=sites.folder / "x")
    with pytest.raises(ValidationFailed, match="No case you may see"):
        export_bundle(sites.clinic, cora, "CHZ999999999999", "CTF", key, out=sites.folder / "y")
    # issue 16: only those who import a bundle (QA, clinic coordinator) send one; not a nurse
    nurse = sites.who(sites.clinic, "ivy.infusion")
    with pytest.raises(NotPermitted, match="may send a case's bundle to its partner site"):
        export_bundle(sites.clinic, nurse, sites.coi, "CTF", key, out=sites.folder / "z")
    assert not (sites.folder / "z").exists()
    with pytest.raises(ValidationFailed, match="never overwritten"):
        generate_site_key(sites.clinic_key)
    with pytest.raises(ValidationFailed, match="64 hex digits"):
        register_partner_key(sites.maker, sites.who(sites.maker, "admin"), "NBH", "abc")
    with pytest.raises(NotPermitted):
        register_partner_key(sites.maker, qa, "NBH", sites.clinic_public)


def _resigned(sites: Sites, path: Path, name: str, change: Any) -> Path:
    """The bundle's payload changed by ``change`` and signed again with the clinic's own key:
    a genuine bundle whose records do not fit the receiving database."""
    envelope = json.loads(path.read_text())
    payload = json.loads(base64.b64decode(envelope["payload"]))
    change(payload["records"])
    body = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    envelope["payload"] = base64.b64encode(body).decode()
    envelope["signature"] = base64.b64encode(load_site_key(sites.clinic_key).sign(body)).decode()
    out = sites.folder / name
    out.write_text(json.dumps(envelope))
    return out


def test_signed_records_that_do_not_fit_are_refused_whole(sites: Sites) -> None:
    sites.trust_clinic()
    path = sites.send("first.bundle")
    with sites.maker.read_session() as session:
        other_din = session.scalar(
            select(Unit.din).join(Case).where(Case.coi != sites.coi, Unit.din.is_not(None))
        )
    assert other_din is not None
    qa = sites.who(sites.maker, "asha.qa")
    before = sites.counts()

    def product(records: Any) -> None:
        records["product"] = "X9999"

    def din(records: Any) -> None:
        records["units"][0]["din"] = other_din
        records["labels"], records["custody"], records["shipments"] = [], [], []

    def parties(records: Any) -> None:
        records["clinic"] = "OTH"

    for name, change, refusal in (
        ("product", product, "product 'X9999' of case .* is not known here"),
        ("din", din, f"Container {other_din} belongs to another case here"),
        ("parties", parties, "is not between NBH and CTF"),
    ):
        with pytest.raises(BundleRefused, match=refusal):
            import_bundle(sites.maker, qa, _resigned(sites, path, f"{name}.bundle", change))
        assert sites.counts() == before, name
    assert import_bundle(sites.maker, qa, path).coi == sites.coi  # the genuine one still fits
