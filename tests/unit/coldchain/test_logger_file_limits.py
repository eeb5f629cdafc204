"""`coi logger analyze` on files a hostile tester makes: a CSV field over the csv module's
128 KiB limit (was a `_csv.Error` traceback) and a file larger than any logger export (was read
whole into memory); each is one clear line and exit status 2. Arbitrary bytes give a trace or a
`LoggerFileError`, nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.cli.main import main
from app.coldchain.analysis import registry
from app.coldchain.analysis.errors import LoggerFileError
from app.coldchain.analysis.registry import LARGEST_LOGGER_FILE, analyze_file, import_trace

HEADER = "time,temperature_c\n2026-01-01T00:00:00Z,5.0\n"


def test_a_field_over_128_kib_is_a_clear_refusal(tmp_path: Path, capsys) -> None:
    path = tmp_path / "big-field.csv"
    path.write_text(HEADER + '2026-01-01T00:01:00Z,"' + "x" * 200_000 + '"\n')
    with pytest.raises(LoggerFileError, match="field larger than field limit"):
        analyze_file(path, "fresh-2-8")
    assert main(["logger", "analyze", str(path), "--profile", "fresh-2-8"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("coi: cannot assess") and "Traceback" not in err
    assert len(err) < 400


def test_a_file_one_byte_over_the_limit_is_refused_before_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    assert LARGEST_LOGGER_FILE == 64 * 2**20
    huge = tmp_path / "huge.csv"
    with huge.open("wb") as file:
        file.truncate(LARGEST_LOGGER_FILE + 1)  # sparse: nothing is written or read
    with pytest.raises(LoggerFileError, match="at most 64 MiB"):
        analyze_file(huge, "fresh-2-8")
    assert main(["logger", "analyze", str(huge), "--profile", "fresh-2-8"]) == 2
    assert "at most 64 MiB" in capsys.readouterr().err
    at_limit = tmp_path / "at-limit.csv"
    at_limit.write_text(HEADER + "2026-01-01T00:01:00Z,5.1\n")
    monkeypatch.setattr(registry, "LARGEST_LOGGER_FILE", at_limit.stat().st_size)
    assert analyze_file(at_limit, "fresh-2-8")["readings"] == 2  # at the limit: read
    monkeypatch.setattr(registry, "LARGEST_LOGGER_FILE", at_limit.stat().st_size - 1)
    with pytest.raises(LoggerFileError, match="MiB"):
        analyze_file(at_limit, "fresh-2-8")


@settings(max_examples=60, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=300),
        st.text(max_size=200).map(lambda t: (HEADER + t).encode("utf-8", "surrogatepass")),
        st.integers(131_000, 140_000).map(lambda n: (HEADER + '"' + "y" * n + '"\n').encode()),
    )
)
def test_any_bytes_give_a_trace_or_a_logger_file_error(raw: bytes) -> None:
    try:
        import_trace(raw, "fuzz.csv")
    except LoggerFileError as refusal:
        assert str(refusal)
