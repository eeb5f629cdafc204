"""Start-up and command-line imports: what the sign-in window and a light command never load.

Each check runs in a fresh interpreter (a subprocess), so modules earlier tests imported do not
count. The plotting, PDF and array libraries, the migration machinery and the page modules are
imported when first used; the command line parses its arguments without the application.
"""

from __future__ import annotations

import argparse
import importlib
import json
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("matplotlib", "pyqtgraph", "reportlab", "numpy")


def _loaded_after(code: str) -> list[str]:
    """The top-level packages (and ``ui.pages`` modules) loaded after running ``code``."""
    probe = (
        f"{code}\nimport json, sys\n"
        "names = {m.split('.')[0] for m in sys.modules} | "
        "{m for m in sys.modules if m.startswith('ui.pages')}\n"
        "print(json.dumps(sorted(names)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    loaded: list[str] = json.loads(result.stdout.splitlines()[-1])
    return loaded


def test_the_desktop_entry_point_loads_no_page_and_no_plotting_or_pdf_library() -> None:
    loaded = _loaded_after("import ui.main")
    assert [name for name in loaded if name in HEAVY or name.startswith("ui.pages")] == []
    assert "alembic" not in loaded  # a database at head is recognised without Alembic


@pytest.mark.parametrize(
    "argv",
    [["id", "check", "G123498654321"], ["scan", "parse", "=G1234 98 654321 N"]],
    ids=["id-check", "scan-parse"],
)
def test_a_command_that_opens_no_database_loads_no_database_or_pdf_library(
    argv: list[str],
) -> None:
    loaded = _loaded_after(
        "import contextlib, io\nfrom app.cli.main import main\n"
        f"with contextlib.redirect_stdout(io.StringIO()):\n    assert main({argv!r}) == 0"
    )
    forbidden = {*HEAVY, "sqlalchemy", "alembic", "PySide6", "db", "PIL"}
    assert sorted(forbidden.intersection(loaded)) == []
    assert [name for name in loaded if name.startswith("ui")] == []


def test_the_command_table_names_exactly_what_each_module_registers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from app.cli.main import ALSO, COMMANDS, build_parser  # noqa: PLC0415 - the table under test

    registered: dict[str, list[str]] = {}
    for module in dict.fromkeys(COMMANDS.values()):
        parser = argparse.ArgumentParser()
        importlib.import_module(module).register(parser.add_subparsers())
        subparsers = next(
            action for action in parser._actions if isinstance(action, argparse._SubParsersAction)
        )
        for word in subparsers.choices:
            registered.setdefault(word, []).append(module)
    assert registered == {word: [module, *ALSO.get(word, ())] for word, module in COMMANDS.items()}
    with pytest.raises(SystemExit):  # the word's own module and the one that adds to it
        build_parser(["export"]).parse_args(["export", "--help"])
    listed = [
        line.split()[0]
        for line in capsys.readouterr().out.splitlines()
        if line[:4] == "    " != line[4:5]
    ]
    assert {"epcis", "fhir"} <= set(listed)
    help_text = build_parser([]).format_help()  # no command word: every command is listed
    assert all(f"\n    {name}" in help_text for name in COMMANDS)


def test_a_command_word_loads_its_own_module_only(monkeypatch: pytest.MonkeyPatch) -> None:
    from app.cli import main  # noqa: PLC0415 - the module under test

    loaded: list[str] = []
    real = importlib.import_module

    def noted(name: str) -> ModuleType:
        loaded.append(name)
        return real(name)

    monkeypatch.setattr(importlib, "import_module", noted)
    main.build_parser(["--help-not-an-option-word", "id", "check", "X"])
    assert loaded == ["app.cli.scan"]


@pytest.mark.parametrize("package", ["app.core", "ui.shell", "ui.widgets"])
def test_a_lazy_front_door_gives_every_name_it_lists(package: str) -> None:
    from app.core.front_door import lazy_names  # noqa: PLC0415 - the helper under test

    module = importlib.import_module(package)
    names = lazy_names(str(module.__file__))
    for name in module.__all__:
        value = getattr(module, name)
        if name in names:
            assert value is getattr(importlib.import_module(names[name]), name), name
    with pytest.raises(AttributeError, match="no attribute 'not_a_name'"):
        _ = module.not_a_name


def test_the_schema_chain_read_from_the_revision_files_is_alembics() -> None:
    from db.migrate import _script_head_and_revisions, plain_chain  # noqa: PLC0415

    assert plain_chain() == _script_head_and_revisions()


def test_opening_a_database_at_head_loads_no_models(sqlite_template: Path, tmp_path: Path) -> None:
    """The desktop app opens its database before the sign-in window: with no identity left
    to seal or re-key (one plain read), neither the ORM nor the models are imported."""
    target = tmp_path / "head.db"
    shutil.copyfile(sqlite_template, target)
    probe = (
        "import json, sys\nfrom app.core import open_database\n"
        f"open_database({f'sqlite:///{target}'!r}).dispose()\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith(('db.models', "
        "'sqlalchemy.orm', 'app.core.identity_sealing')))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == []
