"""``coi demo``: one complete journey into a new database, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from labels.decode import decode_image
from labels.scan import parse_scan
from tests.e2e.test_cli import coi_process as coi

STAGES = [
    "enrolled",
    "collected",
    "shipped_to_manufacturer",
    "received_at_manufacturer",
    "in_manufacture",
    "qc_pending_release",
    "released",
    "shipped_to_clinic",
    "received_at_clinic",
    "infused",
]


def _check_summary(out: Path, printed: str) -> dict[str, object]:
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert json.loads(printed) == summary
    assert summary["completed"] is True and summary["final_stage"] == "infused"
    assert list(summary["stages"]) == STAGES
    assert summary["mismatches"] == 1
    assert "WRONG PATIENT" in summary["refused_scan_messages"][0]
    assert summary["audit_verify"]["ok"] is True
    assert summary["audit_verify"]["events"] == summary["audit_events"]
    assert summary["signatures"] >= 20 and summary["units"] >= 8
    for name in summary["files"]:
        assert (out / name).stat().st_size > 0
    return summary


def _check_records_reconcile(tmp_path: Path, url: str) -> None:
    """After the journey every record equals its audited state: no false alarm."""
    verify = coi("audit", "verify", "--records", "--db", url, cwd=tmp_path)
    assert verify.returncode == 0, verify.stderr
    result = json.loads(verify.stdout)
    assert result["ok"] is True and result["record_mismatches"] == []


@pytest.fixture(scope="module")
def sqlite_demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """``coi demo`` run once into a new SQLite database: its output folder and what it
    printed (the tests below only read the database)."""
    out = tmp_path_factory.mktemp("demo") / "demo-out"
    run = coi("demo", "--out", str(out), cwd=out.parent)
    assert run.returncode == 0, run.stderr
    return out, run.stdout


def test_demo_on_a_new_sqlite_database(tmp_path: Path, sqlite_demo: tuple[Path, str]) -> None:
    out, printed = sqlite_demo
    summary = _check_summary(out, printed)
    assert (out / "demo.db").exists()
    _check_records_reconcile(tmp_path, f"sqlite:///{out / 'demo.db'}")
    labels = [n for n in summary["files"] if str(n).endswith(".pdf")]
    assert any("final_product_bag" in str(n) for n in labels)
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed: label PDFs not decoded")
    bag = next(n for n in labels if "apheresis_bag" in str(n))
    subprocess.run(
        ["pdftoppm", "-r", "300", "-png", str(out / bag), str(tmp_path / "bag")], check=True
    )
    texts = decode_image(tmp_path / "bag-1.png").texts
    cois = {parse_scan(t).fields.get("coi") for t in texts} - {None}
    assert len(cois) == 1


def test_demo_twice_into_the_same_database_is_refused(
    tmp_path: Path, sqlite_demo: tuple[Path, str]
) -> None:
    demo_db = sqlite_demo[0] / "demo.db"
    db = f"sqlite:///{tmp_path / 'shared.db'}"
    shutil.copyfile(demo_db, tmp_path / "shared.db")  # a database the demo already filled
    second = coi("demo", "--out", str(tmp_path / "b"), "--db", db, cwd=tmp_path)
    assert second.returncode == 2
    assert "needs a new, empty database" in second.stderr
    assert (tmp_path / "shared.db").read_bytes() == demo_db.read_bytes()  # nothing written


@pytest.mark.postgres
def test_demo_on_postgresql(tmp_path: Path, empty_database_url: str) -> None:
    if not empty_database_url.startswith("postgresql"):
        pytest.skip("this test is about PostgreSQL; SQLite is covered above")
    out = tmp_path / "pg-out"
    run = coi("demo", "--out", str(out), "--db", empty_database_url, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    _check_summary(out, run.stdout)
    assert not (out / "demo.db").exists()
    _check_records_reconcile(tmp_path, empty_database_url)
