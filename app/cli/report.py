"""``coi report coc|certificate``, ``coi export fhir`` and ``coi archive``: a case's reports and
exports as files.

Every command acts as the user named by ``--as`` (password from COI_AS_PASSWORD, the terminal or
one line of standard input) and prints one JSON object: ``{"coi", "file", "sha256", "seal",
...}``. Exit status: 0 written, 1 refused (``{"error": ...}``: an unknown COI, a case of another
site, a role that may not, a folder that cannot be written, a batch not certified), 2 bad usage.
"""

from __future__ import annotations

import argparse
import uuid
from collections.abc import Callable
from pathlib import Path

from app.cli.acting import acting, case_by_coi, refusals
from app.cli.common import add_as_option
from app.cli.output import print_json
from app.core import Actor, Database
from app.reports import (
    ArchivePart,
    SavedFile,
    build_archive,
    save_certificate,
    save_custody_report,
    save_fhir_bundle,
)

Handler = Callable[[argparse.Namespace], int]


def _subcommands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], name: str, help_text: str
) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    """The sub-commands of ``coi NAME``, made here or reused when another module made them
    (``coi export`` holds ``fhir`` here and the EPCIS export elsewhere)."""
    parser = commands.choices.get(name)
    if parser is None:
        parser = commands.add_parser(name, help=help_text)
        return parser.add_subparsers(dest=f"{name}_command", required=True, metavar="COMMAND")
    found = parser._subparsers  # argparse keeps the one sub-command group here
    assert found is not None
    return next(a for a in found._group_actions if isinstance(a, argparse._SubParsersAction))


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``report``, ``export fhir`` and ``archive`` to the command line."""
    report_commands = _subcommands(commands, "report", "a case's reports as PDF")
    coc = report_commands.add_parser(
        "coc",
        help="the chain-of-identity and custody report of a case (PDF)",
        description="Units, custody and storage events, scans, temperature assessments, "
        "signatures and deviations of one case, sealed with the audit chain's head. Patient "
        "identity is printed for clinic roles only.",
    )
    certificate = report_commands.add_parser(
        "certificate",
        help="the QP release certificate of a certified batch (PDF; QA or the QP)",
    )
    for parser in (coc, certificate):
        add_as_option(parser)
        parser.add_argument("coi", metavar="COI", help="with or without spaces and check character")
        parser.add_argument("--out", required=True, type=Path, metavar="FILE.pdf")
    coc.set_defaults(handler=refusals(_run_pdf(save_custody_report)))
    certificate.set_defaults(handler=refusals(_run_pdf(save_certificate)))

    export_commands = _subcommands(commands, "export", "a case's data in standard formats")
    fhir = export_commands.add_parser(
        "fhir",
        help="the final product units as a FHIR R5 Bundle of BiologicallyDerivedProduct (JSON)",
    )
    add_as_option(fhir)
    fhir.add_argument("--coi", required=True, metavar="COI")
    fhir.add_argument("--out", required=True, type=Path, metavar="FILE")
    fhir.set_defaults(handler=refusals(run_fhir))

    archive = commands.add_parser(
        "archive",
        help="a case's reports, audit events and FHIR bundle in a new folder with SHA256SUMS "
        "(QA or the QP)",
    )
    add_as_option(archive)
    archive.add_argument("--coi", required=True, metavar="COI")
    archive.add_argument("--out", required=True, type=Path, metavar="DIR")
    archive.set_defaults(handler=refusals(run_archive))


def _run_pdf(writer: Callable[[Database, Actor, uuid.UUID, Path], SavedFile]) -> Handler:
    """A command that writes one PDF report of the case named by COI."""

    def run(args: argparse.Namespace) -> int:
        with acting(args) as (database, actor):
            case = case_by_coi(database, actor, args.coi)
            saved = writer(database, actor, case.id, args.out)
        print_json(
            {"coi": case.coi, "file": str(saved.path), "sha256": saved.sha256, "seal": saved.seal}
        )
        return 0

    return run


def run_fhir(args: argparse.Namespace) -> int:
    """Write the FHIR R5 bundle of the case's final product units."""
    with acting(args) as (database, actor):
        case = case_by_coi(database, actor, args.coi)
        saved, export = save_fhir_bundle(database, actor, case.id, args.out)
    print_json(
        {
            "coi": case.coi,
            "file": str(saved.path),
            "sha256": saved.sha256,
            "seal": saved.seal,
            "products": export.products,
        }
    )
    return 0


def partner_parts() -> tuple[ArchivePart, ...]:
    """Archive parts that other contexts make, beside the standard ones (the reports, the audit
    events, the FHIR bundle and the EPCIS document)."""
    return ()


def run_archive(args: argparse.Namespace) -> int:
    """Write the case's archive folder with its SHA256SUMS manifest."""
    with acting(args) as (database, actor):
        case = case_by_coi(database, actor, args.coi)
        made = build_archive(
            database, actor, case.id, case.coi, args.out, extra_parts=partner_parts()
        )
    print_json(
        {
            "coi": case.coi,
            "folder": str(made.folder),
            "files": made.files,
            "left_out": made.left_out,
            "seal": made.seal,
            "check": f"cd {made.folder} && sha256sum -c SHA256SUMS",
        }
    )
    return 0
