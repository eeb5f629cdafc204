"""A test worker that crashes ends the default suite's run with a failure, never a hang.

./test.sh runs pytest-xdist with ``--dist loadfile``. When a worker died and was replaced,
pytest-xdist 3.8 put every file that worker had been given back in the queue (finished ones
too) and could hand a finished file to a worker as an empty batch; that worker reported nothing
and was never told to stop, so the run waited forever (CI's 90-minute limit). The suite runs
with ``--max-worker-restart=0``: here a worker that segfaults, beside other test files, under
the suite's xdist options ends the run within seconds, its test named as the one it crashed in.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CRASHING = """
import ctypes

def test_before():
    pass

def test_segfault():
    ctypes.string_at(0)

def test_after():
    pass
"""
OTHER = """
import time

def test_one():
    time.sleep(0.2)

def test_two():
    time.sleep(0.2)
"""


def suite_xdist_options() -> list[str]:
    """The xdist options ./test.sh gives the default suite (with two workers)."""
    lines = (ROOT / "test.sh").read_text(encoding="utf-8").splitlines()
    code = "\n".join(line for line in lines if not line.lstrip().startswith("#"))
    options = re.findall(r"--dist \w+|--max-worker-restart=\d+", code)
    return ["-n", "2", *" ".join(options).split()]


def test_the_suite_does_not_replace_a_crashed_worker() -> None:
    assert suite_xdist_options() == ["-n", "2", "--dist", "loadfile", "--max-worker-restart=0"]


@pytest.mark.slow
def test_a_segfaulting_worker_ends_the_run_with_a_failure(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    (tmp_path / "test_crashing.py").write_text(CRASHING, encoding="utf-8")
    for name in ("b", "c", "d"):
        (tmp_path / f"test_other_{name}.py").write_text(OTHER, encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *suite_xdist_options()],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,  # a hang fails here instead of holding the suite
        check=False,
    )
    out = run.stdout
    assert run.returncode == 1, out + run.stderr
    assert "crashed while running 'test_crashing.py::test_segfault'" in out
    assert "FAILED test_crashing.py::test_segfault" in out
    assert "restarting disabled" in out
    assert "replacing crashed worker" not in out
