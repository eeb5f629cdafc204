"""``coi loadtest`` with tiny figures (2 stations, 3 seconds) on a new database of each backend:
the JSON a site reads, and the exactly-once and audit-chain checks ran and passed. The checks'
own attacks are in tests/db/test_loadtest_checks.py; the real figures are in the README."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import BACKENDS, PostgresServer
from tests.e2e.test_cli import coi_process as coi

KINDS = {"scan", "audit_search", "enrolment", "step"}
"""What 2 stations start in 3 seconds at 2 a second (custody and labels come later in a cycle)."""


def _new_database(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'load.db'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.create().render_as_string(hide_password=False)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_tiny_load_run_prints_its_figures_and_passes_its_checks(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = _new_database(backend, tmp_path, request)
    tiny = ("loadtest", "--stations", "2", "--seconds", "3", "--db", url)
    # A workstation that has no clinic key yet (its stations enrol patients): one is made.
    clinic_key = tmp_path / "config" / "clinic.key"
    env = {"COI_CLINIC_KEY": str(clinic_key)}
    done = coi(*tiny, cwd=tmp_path, env=env, timeout=600)  # a busy machine: setup, then 3 s
    assert done.returncode == 0, done.stdout + done.stderr
    assert clinic_key.stat().st_size == 32
    result = json.loads(done.stdout)

    assert result["stations"] == 2 and result["rate_per_station"] == 2.0
    assert result["station_problems"] == []
    assert result["operations"] == sum(result["operations_by_kind"].values()) > 0
    assert set(result["kinds"]) >= KINDS
    for figures in [result["latency"], *result["kinds"].values()]:
        assert figures["p50_ms"] <= figures["p95_ms"] <= figures["p99_ms"] <= figures["max_ms"]
    assert result["errors_by_kind"] == {} and result["unexplained_errors"] == 0
    assert result["stale_refusals"]["count"] == 0 and result["stale_refusals"]["explanation"]
    assert isinstance(result["p99_under_target"], bool)
    assert result["machine"]["cpus"] >= 1 and result["argon2_verify_ms"] > 0

    once = result["exactly_once"]
    assert once["checked"] is True and once["ok"] is True, once["examples"]
    assert once["acknowledged_writes"] > 0
    assert (once["lost"], once["duplicated"], once["unacknowledged"]) == (0, 0, 0)
    assert result["audit_chain"]["checked"] is True and result["audit_chain"]["ok"] is True
    assert result["ok"] is True

    again = coi(*tiny, cwd=tmp_path)
    assert again.returncode == 1
    assert "not empty" in json.loads(again.stdout)["error"]  # never on a database with data


def test_impossible_figures_are_bad_usage(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'never.db'}"
    done = coi("loadtest", "--stations", "0", "--db", url, cwd=tmp_path)
    assert done.returncode == 2 and "--stations must be between 1 and" in done.stderr
    assert not (tmp_path / "never.db").exists()
