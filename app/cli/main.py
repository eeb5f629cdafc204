"""Entry point of the ``coi`` command.

Parsing imports only the module of the command given: ``coi id check`` never loads the database
layer, and no command loads another's. A command word that is not in :data:`COMMANDS` (``coi``,
``coi --help``, a typo) loads them all, so the help and the usage error list every command.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.core import CoiError

EXIT_OK = 0
EXIT_USAGE = 2

# Each command word and the module whose ``register(commands)`` adds it, in the help's order.
COMMANDS: dict[str, str] = {
    "init": "app.cli.admin",
    "user": "app.cli.admin",
    "printer": "app.cli.admin",
    "product": "app.cli.product",
    "audit": "app.cli.audit",
    "backup": "app.cli.backup",
    "restore": "app.cli.backup",
    "case": "app.cli.case",
    "slots": "app.cli.case",
    "collect": "app.cli.collect",
    "label": "app.cli.collect",
    "ship": "app.cli.shipping",
    "receive": "app.cli.shipping",
    "step": "app.cli.batch",
    "qc": "app.cli.quality_control",
    "release": "app.cli.quality_control",
    "thaw": "app.cli.bedside",
    "bedside": "app.cli.bedside",
    "infuse": "app.cli.bedside",
    "deviation": "app.cli.deviations",
    "storage": "app.cli.storage",
    "hold": "app.cli.holds",
    "seed-demo": "app.cli.demo",
    "demo": "app.cli.demo",
    "export": "app.cli.epcis",
    "import": "app.cli.epcis",
    "exchange": "app.cli.exchange",
    "key": "app.cli.key",
    "loadtest": "app.cli.loadtest",
    "logger": "app.cli.logger",
    "report": "app.cli.report",
    "archive": "app.cli.report",
    "scan": "app.cli.scan",
    "id": "app.cli.scan",
}
ALSO: dict[str, tuple[str, ...]] = {"export": ("app.cli.report",)}
"""Modules that add sub-commands to a command word another module makes (``export fhir``)."""


def _command_word(argv: Sequence[str]) -> str | None:
    """The command named in ``argv`` (its first argument that is not an option), if any."""
    return next((arg for arg in argv if not arg.startswith("-")), None)


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The ``coi`` argument parser: with the command ``argv`` names only (else all of them)."""
    parser = argparse.ArgumentParser(
        prog="coi",
        description="COI Tracker: chain of identity and custody for cell and gene therapies.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    word = None if argv is None else _command_word(argv)
    known = COMMANDS.get(word or "")
    if known is not None:
        modules = [known, *ALSO.get(word or "", ())]
    else:
        modules = list(dict.fromkeys(COMMANDS.values()))
    for module in modules:
        importlib.import_module(module).register(commands)
    _accept_db_everywhere(parser)
    return parser


def leaf_parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """The parsers of the commands that run (those with no sub-commands of their own)."""
    below = [
        child
        for action in parser._actions
        if isinstance(action, argparse._SubParsersAction)
        for child in dict.fromkeys(action.choices.values())
    ]
    return [leaf for child in below for leaf in leaf_parsers(child)] if below else [parser]


def _accept_db_everywhere(parser: argparse.ArgumentParser) -> None:
    """Every command takes ``--db`` (README): a script may give it to each command it runs.
    A command that reads no database (``id check``, ``scan parse``, ``key show``…) takes it
    and leaves it unused."""
    for leaf in leaf_parsers(parser):
        if "--db" not in leaf._option_string_actions:
            leaf.add_argument(
                "--db",
                metavar="URL",
                help="accepted, unused: this command reads no database",
            )


def _coi_errors() -> tuple[type[CoiError], ...]:
    """The application's error class once the command loaded it (before, none can be raised)."""
    core = sys.modules.get("app.core")
    return () if core is None else (core.CoiError,)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; known errors print one clear line and exit with status 2."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    arguments = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(arguments).parse_args(arguments)
    try:
        status: int = args.handler(args)
    except _coi_errors() as exc:
        print(f"coi: {exc.title.lower()}: {exc.message}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("coi: interrupted; nothing more was written", file=sys.stderr)
        return 130
    return status


if __name__ == "__main__":
    sys.exit(main())
