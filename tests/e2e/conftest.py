"""The ``coi`` command run in this process for the command-line tests."""

from __future__ import annotations

import pytest

from tests.support.cli_runner import CoiRunner


@pytest.fixture
def coi(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> CoiRunner:
    """``coi ARGS`` as a user runs it, in this process (``tests/support/cli_runner.py``)."""
    return CoiRunner(capsys, monkeypatch)
