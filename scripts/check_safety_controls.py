"""Check that every control of docs/SAFETY.md has a test that fails without it.

For each control in ``docs/safety-controls.toml``: copy the project to a temporary directory
(once), neutralise the control there (replace its one line by the listed text), run the listed
tests against that copy, and restore the file. A control is *caught* when the tests go red. The
working tree is never modified.

    .venv/bin/python scripts/check_safety_controls.py              # every control
    .venv/bin/python scripts/check_safety_controls.py C04 C18      # some of them
    .venv/bin/python scripts/check_safety_controls.py --list       # what would run

Exit status 0 only when the unmutated tests pass and every mutation is caught. Not part of the
default suite: it runs each control's tests once more (several minutes).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

POSTGRES = "COI_TEST_POSTGRES_URL"
ROOT = Path(__file__).resolve().parents[1]
CONTROLS = ROOT / "docs" / "safety-controls.toml"
SKIP = shutil.ignore_patterns(
    ".git", ".venv", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache",
    ".hypothesis", "artifacts", "*.db", "*.db-wal", "*.db-shm",
)  # fmt: skip


@dataclass(frozen=True)
class Control:
    """One control: where it is, how to neutralise it, which tests must then fail."""

    id: str
    hazard: str
    name: str
    file: str
    find: str
    replace: str
    tests: tuple[str, ...]
    postgres: bool = False
    """The tests defeat the control only on PostgreSQL (true parallel writers)."""


def load_controls(path: Path = CONTROLS) -> list[Control]:
    """The controls listed in ``path``."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return [
        Control(
            c["id"],
            c["hazard"],
            c["name"],
            c["file"],
            c["find"],
            c["replace"],
            tuple(c["tests"]),
            bool(c.get("postgres", False)),
        )
        for c in data["control"]
    ]


def _pytest(
    copy: Path, tests: tuple[str, ...], *, postgres: bool = False
) -> tuple[bool, float, str]:
    """Run ``tests`` in ``copy``; (passed, seconds, the end of pytest's report)."""
    env = dict(os.environ, PYTHONPATH=str(copy), QT_QPA_PLATFORM="offscreen")
    if not postgres:
        env.pop(POSTGRES, None)  # SQLite is enough to see most controls go
    command = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *tests]
    started = time.monotonic()
    result = subprocess.run(command, check=False, cwd=copy, env=env, capture_output=True, text=True)
    tail = "\n".join(result.stdout.splitlines()[-15:])
    return result.returncode == 0, time.monotonic() - started, tail


def _imports_the_copy(copy: Path) -> bool:
    """True when Python run in ``copy`` imports the copy's `app`, not the worktree's."""
    env = dict(os.environ, PYTHONPATH=str(copy))
    probe = [sys.executable, "-c", "import app, labels; print(app.__file__, labels.__file__)"]
    found = subprocess.run(
        probe, check=False, cwd=copy, env=env, capture_output=True, text=True
    ).stdout
    return found.count(str(copy)) == 2


def check(control: Control, copy: Path) -> str:
    """Mutate, test, restore; the outcome in one word."""
    target = copy / control.file
    original = target.read_text(encoding="utf-8")
    if original.count(control.find) != 1:
        return f"BAD-ENTRY (text found {original.count(control.find)} times)"
    if control.postgres and not os.environ.get(POSTGRES):
        return f"SKIPPED (needs {POSTGRES})"
    try:
        target.write_text(original.replace(control.find, control.replace), encoding="utf-8")
        passed, seconds, _report = _pytest(copy, control.tests, postgres=control.postgres)
    finally:
        target.write_text(original, encoding="utf-8")
    return f"{'MISSED' if passed else 'caught'} ({seconds:.0f} s)"


def main(argv: list[str] | None = None) -> int:
    """Run the check; print one line per control and the totals."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("ids", nargs="*", help="control ids (default: all)")
    parser.add_argument("--list", action="store_true", help="list the controls and stop")
    args = parser.parse_args(argv)
    controls = [c for c in load_controls() if not args.ids or c.id in args.ids]
    if args.list:
        for c in controls:
            print(f"{c.id} {c.hazard} {c.file}: {c.name}")
        return 0
    with tempfile.TemporaryDirectory(prefix="coi-safety-") as folder:
        copy = Path(folder) / "project"
        shutil.copytree(ROOT, copy, ignore=SKIP)
        if not _imports_the_copy(copy):
            print("the copy's packages are not the ones imported: refusing to run")
            return 2
        every_test = tuple(sorted({t for c in controls for t in c.tests}))
        passed, seconds, report = _pytest(copy, every_test)
        print(
            f"baseline: {len(every_test)} tests {'pass' if passed else 'FAIL'} ({seconds:.0f} s)",
            flush=True,
        )
        if not passed:
            print(report)
            return 1
        outcomes = {}
        for control in controls:
            outcomes[control.id] = check(control, copy)
            outcome = outcomes[control.id]
            print(f"{control.id} {control.hazard} {outcome:<16} {control.name}", flush=True)
    caught = sum(o.startswith("caught") for o in outcomes.values())
    print(f"{len(controls)} controls, {caught} caught, {len(controls) - caught} not caught")
    return 0 if caught == len(controls) else 1


if __name__ == "__main__":
    sys.exit(main())
