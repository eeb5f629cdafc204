"""``coi id check``, ``coi scan parse|decode`` and ``coi logger analyze`` as a user runs them."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import qrcode
from sqlalchemy import create_engine, text

from tests.support.cli_runner import CoiRunner

CORPORA = Path(__file__).resolve().parents[2].parent / "shared" / "corpora"


Coi = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def coi(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Coi:
    """``coi ARGS`` in this process (``tests/support/cli_runner.py``), in a new folder."""
    runner = CoiRunner(capsys, monkeypatch)
    return lambda *args: runner(*args, cwd=tmp_path)


def test_id_check_worked_example(coi: Coi) -> None:
    result = coi("id", "check", "G123498654321")
    assert result.returncode == 0
    assert json.loads(result.stdout) == {
        "input": "G123498654321", "check_character": "H", "check_value": 17, "type3_flag": "77",
    }  # fmt: skip


def test_scan_parse_din_with_type3_flag_and_wedge_newline(coi: Coi) -> None:
    result = json.loads(coi("scan", "parse", "=G12341765432170\r\n").stdout)
    assert result["kind"] == "isbt128"
    assert result["valid"] is True
    assert result["fields"]["din"] == "G123417654321"
    assert result["fields"]["check_character"] == "A"
    assert result["fields"]["flag"] == "70"


def test_scan_parse_gs1_with_substitute_separator(coi: Coi) -> None:
    text = "]C1010950110153000317261231101234^21XYZ"
    result = json.loads(coi("scan", "parse", text, "--gs", "^").stdout)
    assert (result["kind"], result["valid"]) == ("gs1", True)
    assert result["fields"] == {"01": "09501101530003", "17": "261231", "10": "1234", "21": "XYZ"}


def test_scan_decode_reads_our_own_qr_and_reports_bad_files(coi: Coi, tmp_path: Path) -> None:
    image = tmp_path / "din.png"
    qrcode.make("=G12341765432170").save(image)
    junk = tmp_path / "notes.png"
    junk.write_text("not an image", encoding="utf-8")
    result = coi("scan", "decode", str(image), str(junk))
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["symbols"] == [
        {"format": "QRCode", "text": "=G12341765432170", "symbology_identifier": "]Q1"}
    ]
    assert "not a readable image" in second["error"]
    assert result.returncode == 1


def test_logger_analyze_generic_csv_excursion(coi: Coi, tmp_path: Path) -> None:
    trace = tmp_path / "trace.csv"
    trace.write_text(
        "time;temp\n2026-01-01T00:00:00Z;6,0\n2026-01-01T00:10:00Z;10,0\n"
        "2026-01-01T00:20:00Z;6,0\n",
        encoding="utf-8",
    )
    limits = ["--low", "2", "--high", "8", "--max-single-min", "15", "--max-cumulative-min", "30"]
    result = coi("logger", "analyze", str(trace), *limits)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["verdict"] == "within_limits"  # 10 minutes above 8 °C: under the 15 allowed
    (excursion,) = report["excursions"]
    assert excursion["start"] == "2026-01-01T00:05:00Z"
    assert excursion["end"] == "2026-01-01T00:15:00Z"
    assert excursion["duration_min"] == pytest.approx(10.0)
    assert excursion["side"] == "above"
    # The seeded fresh-2-8 profile also judges MKT (limit 8 °C), which this trace exceeds.
    seeded = json.loads(coi("logger", "analyze", str(trace), "--profile", "fresh-2-8").stdout)
    assert seeded["mkt_c"] > 8.0
    assert seeded["verdict"] == "excursion"


def test_logger_analyze_unreadable_file_exits_2(coi: Coi, tmp_path: Path) -> None:
    junk = tmp_path / "junk.csv"
    junk.write_text("hello\nworld\n", encoding="utf-8")
    result = coi("logger", "analyze", str(junk), "--profile", "fresh-2-8")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "cannot assess" in result.stderr


def test_logger_analyze_hobo_corpus_file(coi: Coi) -> None:
    path = CORPORA / "temp-loggers" / "onset-hobo" / "QU5_Mooring_15m_20392468_20210803.csv"
    if not path.exists():
        pytest.skip(f"third-party corpus not present at {path}")
    result = coi("logger", "analyze", str(path), "--format", "hobo", "--low", "5", "--high", "15")
    report = json.loads(result.stdout)
    assert report["readings"] == 5894
    assert report["start"] == "2021-06-16T21:35:28Z"


def test_logger_analyze_with_db_reads_the_sites_own_profile(
    coi: Coi, tmp_path: Path, demo_database_url: str
) -> None:
    """With --db, --profile names the profile as the site's administrator configured it."""
    trace = tmp_path / "trace.csv"
    trace.write_text(
        "time;temp\n2026-01-01T00:00:00Z;6,0\n2026-01-01T00:10:00Z;12,0\n"
        "2026-01-01T00:20:00Z;6,0\n",
        encoding="utf-8",
    )
    engine = create_engine(demo_database_url)
    with engine.begin() as conn:
        names = list(conn.scalars(text("SELECT name FROM temperature_profile ORDER BY name")))
        fresh = next(name for name in names if "2" in name and "8" in name)
        conn.execute(
            text(
                "UPDATE temperature_profile SET upper_c = 15, mkt_judged = :no,"
                " max_single_excursion_min = 0, max_cumulative_excursion_min = 0 WHERE name = :n"
            ),
            {"n": fresh, "no": False},
        )
    engine.dispose()
    seeded = json.loads(coi("logger", "analyze", str(trace), "--profile", "fresh-2-8").stdout)
    assert seeded["verdict"] == "excursion"
    stored = coi("logger", "analyze", str(trace), "--profile", fresh, "--db", demo_database_url)
    assert stored.returncode == 0, stored.stderr
    assert json.loads(stored.stdout)["verdict"] == "within_limits"  # 12 °C ≤ the site's 15 °C

    unknown = coi(
        "logger", "analyze", str(trace), "--profile", "no-such", "--db", demo_database_url
    )
    assert unknown.returncode == 2 and unknown.stdout == ""
    assert "no temperature profile named 'no-such'" in unknown.stderr
    assert fresh in unknown.stderr and "Traceback" not in unknown.stderr
