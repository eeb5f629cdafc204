"""``coi`` run in this process, as a user runs it from a shell: arguments, environment,
working directory and standard input in; exit status, standard output and error out.

``app.cli.main.main`` is the installed command's own entry (the same parser, handlers and exit
statuses), so a step takes milliseconds instead of a new interpreter's start-up; the tests that
check the installed entry point itself run it as a subprocess.
"""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest

from app.cli.main import main


class CoiRunner:
    """Runs ``coi`` commands in this process, each with its own environment and directory."""

    def __init__(self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
        self.capsys, self.monkeypatch = capsys, monkeypatch

    def __call__(
        self, *args: str, cwd: Path, env: dict[str, str] | None = None, stdin: str = ""
    ) -> subprocess.CompletedProcess[str]:
        """``coi ARGS`` in ``cwd`` with ``env`` added to the environment."""
        self.capsys.readouterr()
        with self.monkeypatch.context() as patch:
            patch.chdir(cwd)
            for name, value in (env or {}).items():
                patch.setenv(name, value)
            patch.setattr("sys.stdin", io.StringIO(stdin))
            try:
                status = main(list(args))
            except SystemExit as exit_:  # argparse: bad usage
                status = exit_.code if isinstance(exit_.code, int) else 2
        captured = self.capsys.readouterr()
        return subprocess.CompletedProcess(list(args), status, captured.out, captured.err)
