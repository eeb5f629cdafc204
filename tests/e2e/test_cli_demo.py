"""``coi demo``: one complete journey into a new database, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from labels.decode import decode_image
from labels.scan import parse_scan
from tests.e2e.test_cli import coi

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


def test_demo_on_a_new_sqlite_database(tmp_path: Path) -> None:
    out = tmp_path / "demo-out"
    run = coi("demo", "--out", str(out), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    summary = _check_summary(out, run.stdout)
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


def test_demo_twice_into_the_same_database_is_refused(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'shared.db'}"
    first = coi("demo", "--out", str(tmp_path / "a"), "--db", db, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    second = coi("demo", "--out", str(tmp_path / "b"), "--db", db, cwd=tmp_path)
    assert second.returncode == 2
    assert "needs a new, empty database" in second.stderr


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
