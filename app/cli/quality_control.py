"""``coi qc record|correct|review|exception|list`` and ``coi release checklist|certify``.

The QC analyst records each test's result (judged against its specification); QA reviews each
one, signed, and may approve release with a result still pending where the specification
allows; the QP certifies the batch, signed, once every checklist item is satisfied. Output
JSON; exit 0 done, 1 refused (``{"error": ...}``), 2 bad usage.
"""

from __future__ import annotations

import argparse
from dataclasses import asdict
from typing import Any

from app.casefile import qc_specifications
from app.cli.acting import acting, case_by_coi, refusals, signing
from app.cli.common import add_case_arguments
from app.cli.journey_json import qc_json
from app.cli.output import print_json
from app.core import Actor, Database, ValidationFailed
from app.journey import (
    Checklist,
    QcResultView,
    approve_qc_exception,
    certify_release,
    correct_qc_result,
    enter_qc_result,
    qc_results_of_case,
    release_checklist,
    review_qc_result,
)


def _coi_test(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    add_case_arguments(parser)
    parser.add_argument("test", metavar="TEST", help="the test's code, e.g. sterility")
    return parser


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``qc`` and ``release`` to the command line."""
    qc = commands.add_parser("qc", help="QC results: record, correct, review, exception")
    words = qc.add_subparsers(dest="qc_command", required=True, metavar="COMMAND")
    record = _coi_test(words.add_parser("record", help="record a QC result (QC analyst)"))
    record.add_argument("value", metavar="VALUE", help="a number, or the text the test reports")
    record.set_defaults(handler=refusals(run_record))
    correct = _coi_test(words.add_parser("correct", help="correct a result, with a reason"))
    correct.add_argument("value", metavar="VALUE")
    correct.add_argument("--reason", required=True)
    correct.set_defaults(handler=refusals(run_correct))
    review = _coi_test(words.add_parser("review", help="review a QC result, signed (QA)"))
    review.set_defaults(handler=refusals(run_review))
    exception = _coi_test(
        words.add_parser("exception", help="approve release with a result pending, signed (QA)")
    )
    exception.add_argument("--justification", required=True)
    exception.set_defaults(handler=refusals(run_exception))
    listing = words.add_parser("list", help="the QC tests of the case's product and its results")
    add_case_arguments(listing)
    listing.set_defaults(handler=refusals(run_list))

    release = commands.add_parser("release", help="the QP's release checklist and certification")
    release_words = release.add_subparsers(dest="release_command", required=True, metavar="COMMAND")
    checklist = release_words.add_parser("checklist", help="the batch's release checklist")
    add_case_arguments(checklist)
    checklist.set_defaults(handler=refusals(run_checklist))
    certify = release_words.add_parser("certify", help="certify the batch, signed (QP)")
    add_case_arguments(certify)
    certify.add_argument("--comment", metavar="TEXT")
    certify.set_defaults(handler=refusals(run_certify))


def _result(database: Database, actor: Actor, typed_coi: str, test: str) -> QcResultView:
    """The latest result of ``test`` for the case (the one a review or exception acts on)."""
    case = case_by_coi(database, actor, typed_coi)
    results = [
        r
        for r in qc_results_of_case(database, actor, case.id)
        if r.test_code.casefold() == test.strip().casefold()
    ]
    if not results:
        raise ValidationFailed(f"No {test.strip()[:40]!r} result is recorded for this case.")
    return results[-1]


def _checklist_json(checklist: Checklist) -> dict[str, Any]:
    return {
        "complete": checklist.complete,
        "items": [
            {"number": i.number, "title": i.title, "satisfied": i.satisfied, "evidence": i.evidence}
            for i in checklist.items
        ],
    }


def run_record(args: argparse.Namespace) -> int:
    """Record one QC result."""
    with acting(args) as (database, actor):
        case = case_by_coi(database, actor, args.coi)
        result = enter_qc_result(database, actor, case.id, args.test.strip(), args.value)
    print_json({"recorded": qc_json(result)})
    return 0


def run_correct(args: argparse.Namespace) -> int:
    """Correct one QC result with a reason."""
    with acting(args) as (database, actor):
        case = case_by_coi(database, actor, args.coi)
        result = correct_qc_result(
            database, actor, case.id, args.test.strip(), args.value, args.reason
        )
    print_json({"corrected": qc_json(result)})
    return 0


def run_review(args: argparse.Namespace) -> int:
    """Review the latest result of a test, signed."""
    with signing(args) as (database, actor, password):
        result = _result(database, actor, args.coi, args.test)
        reviewed = review_qc_result(database, actor, result.id, password)
    print_json({"reviewed": qc_json(reviewed)})
    return 0


def run_exception(args: argparse.Namespace) -> int:
    """Approve release with the test's result pending, signed."""
    with signing(args) as (database, actor, password):
        result = _result(database, actor, args.coi, args.test)
        approved = approve_qc_exception(database, actor, result.id, args.justification, password)
    print_json({"exception": qc_json(approved)})
    return 0


def run_list(args: argparse.Namespace) -> int:
    """Print the QC tests of the case's product (in its order) and the case's results."""
    with acting(args) as (database, actor):
        case = case_by_coi(database, actor, args.coi)
        results = qc_results_of_case(database, actor, case.id)
        specs = qc_specifications(database, actor, case.id)
    print_json(
        {
            "coi": case.coi,
            "tests": [asdict(spec) for spec in specs],
            "results": [qc_json(r) for r in results],
        }
    )
    return 0


def run_checklist(args: argparse.Namespace) -> int:
    """Print the release checklist."""
    with acting(args) as (database, actor):
        case = case_by_coi(database, actor, args.coi)
        checklist = release_checklist(database, actor, case.id)
    print_json({"coi": case.coi, **_checklist_json(checklist)})
    return 0


def run_certify(args: argparse.Namespace) -> int:
    """Certify the batch for release, signed."""
    with signing(args) as (database, actor, password):
        case = case_by_coi(database, actor, args.coi)
        decision = certify_release(database, actor, case.id, password, comment=args.comment)
    print_json(
        {
            "released": case.coi,
            "decision": decision.decision.value,
            **_checklist_json(decision.checklist),
        }
    )
    return 0
