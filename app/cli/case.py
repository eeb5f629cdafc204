"""``coi case enrol|list|show|cancel|erase-identity`` and ``coi slots set|show``: cases from
scripts.

Every command acts as the user named by ``--as`` (password from COI_AS_PASSWORD, the terminal
or one line of standard input; a cancellation is signed with it). Output is JSON on standard
output. Exit status: 0 done, 1 refused by the service (``{"error": ...}`` says why; nothing was
written), 2 bad usage (argparse's message on standard error).
"""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from app.admin import set_slot_capacity
from app.casefile import CaseStage, list_cases
from app.cli.acting import acting, case_by_coi, refusals, signing
from app.cli.common import add_as_option, add_case_arguments
from app.cli.output import print_json
from app.core import now
from app.journey import (
    STAGE_ORDER,
    CaseView,
    Enrolment,
    SlotKind,
    cancel_case,
    enrol_patient,
    erase_identity,
    slot_calendar,
)


def _day(text: str) -> date:
    """An ISO date (YYYY-MM-DD) for argparse; anything else is bad usage."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date as YYYY-MM-DD") from None


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``case`` and ``slots`` to the command line."""
    case = commands.add_parser("case", help="enrol, list, show and cancel cases")
    case_commands = case.add_subparsers(dest="case_command", required=True, metavar="COMMAND")

    enrol = case_commands.add_parser(
        "enrol",
        help="enrol a patient at your clinic and book both slots (clinic coordinator)",
        description="Enrol a patient at the coordinator's clinic, book the apheresis slot "
        "there and the manufacturing slot at the manufacturer. A patient already on record "
        "(same hospital number, or same name and date of birth) is refused until you say "
        "--same-patient (a further treatment) or --different-patient (a look-alike).",
    )
    add_as_option(enrol)
    enrol.add_argument("--family-name", required=True)
    enrol.add_argument("--given-name", required=True)
    enrol.add_argument("--date-of-birth", required=True, type=_day, metavar="YYYY-MM-DD")
    enrol.add_argument("--hospital-number", required=True)
    enrol.add_argument("--product", required=True, metavar="CODE", help="product code, e.g. S1234")
    enrol.add_argument("--manufacturer", required=True, metavar="SITE", help="site code, e.g. CTF")
    enrol.add_argument("--physician", required=True, help="the treating physician's name")
    enrol.add_argument("--apheresis-date", required=True, type=_day, metavar="YYYY-MM-DD")
    enrol.add_argument("--manufacturing-date", required=True, type=_day, metavar="YYYY-MM-DD")
    answer = enrol.add_mutually_exclusive_group()
    answer.add_argument(
        "--same-patient",
        dest="same_patient",
        action="store_const",
        const=True,
        help="the patient on record with this hospital number: a further treatment",
    )
    answer.add_argument(
        "--different-patient",
        dest="same_patient",
        action="store_const",
        const=False,
        help="a different person who shares name and date of birth with one on record",
    )
    enrol.set_defaults(handler=refusals(run_enrol), same_patient=None)

    listing = case_commands.add_parser("list", help="the cases you may see, newest first")
    add_as_option(listing)
    listing.add_argument("--search", default="", help="COI, hospital number or family name")
    listing.add_argument("--stage", choices=[s.value for s in STAGE_ORDER])
    listing.add_argument("--limit", type=int, default=50, choices=range(1, 1001), metavar="N")
    listing.set_defaults(handler=refusals(run_list))

    show = case_commands.add_parser("show", help="one case as you may see it")
    add_as_option(show)
    show.add_argument("coi", metavar="COI", help="with or without spaces and check character")
    show.set_defaults(handler=refusals(run_show))

    cancel = case_commands.add_parser(
        "cancel",
        help="cancel a case with a reason, signed (clinic coordinator or QA)",
        description="Cancel a case: final, signed with the --as user's password.",
    )
    add_case_arguments(cancel)
    cancel.add_argument("--reason", required=True)
    cancel.set_defaults(handler=refusals(run_cancel))

    erase = case_commands.add_parser(
        "erase-identity",
        help="erase the patient's identity (GDPR), the COI record stays (clinic coordinator)",
        description="Erase the name, date of birth and hospital number of the patient of a "
        "case: the patient's data key is destroyed, so every stored copy of the identity "
        "becomes unreadable ([identity erased]); the case, COI, units and audit trail stay and "
        "verify. Final; signed with the --as user's password.",
    )
    add_case_arguments(erase)
    erase.add_argument("--reason", required=True)
    erase.set_defaults(handler=refusals(run_erase_identity))

    _register_slots(commands)


def _register_slots(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    slots = commands.add_parser("slots", help="apheresis and manufacturing slot capacity")
    slot_commands = slots.add_subparsers(dest="slots_command", required=True, metavar="COMMAND")
    put = slot_commands.add_parser(
        "set", help="set slots per day at a site over a range of days (administrator)"
    )
    add_as_option(put)
    put.add_argument("--site", required=True, metavar="CODE")
    put.add_argument("--kind", required=True, choices=[k.value for k in SlotKind])
    put.add_argument("--from", dest="first", required=True, type=_day, metavar="YYYY-MM-DD")
    put.add_argument("--to", dest="last", type=_day, metavar="YYYY-MM-DD", help="default: --from")
    put.add_argument("--capacity", required=True, type=int, help="slots per day (0: closed)")
    put.add_argument("--reason", required=True)
    put.set_defaults(handler=refusals(run_slots_set))
    look = slot_commands.add_parser("show", help="booked and free slots per day")
    add_as_option(look)
    look.add_argument("--kind", required=True, choices=[k.value for k in SlotKind])
    look.add_argument("--site", metavar="CODE", help="default: your own site")
    look.add_argument("--from", dest="first", type=_day, metavar="YYYY-MM-DD")
    look.add_argument("--days", type=int, default=14)
    look.set_defaults(handler=refusals(run_slots_show))


def case_json(view: CaseView) -> dict[str, Any]:
    """A case as the commands print it (identity only when the user may see it)."""
    out: dict[str, Any] = {
        "coi": view.coi,
        "coi_eye_readable": view.coi_eye_readable,
        "stage": view.stage.value,
        "stage_name": view.stage_name,
        "side_state": view.side_state.value,
        "side_state_reason": view.side_state_reason,
        "product": view.product_code,
        "clinic": view.clinic_site,
        "manufacturer": view.manufacturing_site,
        "treating_physician": view.treating_physician,
        "apheresis_date": _iso(view.planned_collection_date),
        "manufacturing_date": _iso(view.manufacturing_slot_date),
        "enrolled_at": view.enrolled_at.isoformat(),
    }
    if view.patient is not None and view.patient.problem is not None:
        out["patient"] = {"hidden": view.patient.problem}
    elif view.patient is not None:
        out["patient"] = {
            "family_name": view.patient.family_name,
            "given_name": view.patient.given_name,
            "date_of_birth": _iso(view.patient.date_of_birth),
            "hospital_number": view.patient.hospital_number,
        }
    return out


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def run_enrol(args: argparse.Namespace) -> int:
    """Enrol as the coordinator named by ``--as``."""
    with acting(args) as (database, actor):
        view = enrol_patient(
            database,
            actor,
            Enrolment(
                family_name=args.family_name,
                given_name=args.given_name,
                date_of_birth=args.date_of_birth,
                hospital_number=args.hospital_number,
                product_code=args.product,
                manufacturing_site_code=args.manufacturer,
                planned_collection_date=args.apheresis_date,
                manufacturing_slot_date=args.manufacturing_date,
                treating_physician=args.physician,
                same_patient=args.same_patient,
            ),
        )
    print_json({"enrolled": case_json(view)})
    return 0


def run_list(args: argparse.Namespace) -> int:
    """Print the cases the user may see as one JSON object."""
    with acting(args) as (database, actor):
        page = list_cases(
            database,
            actor,
            search=args.search,
            stage=CaseStage(args.stage) if args.stage else None,
            limit=args.limit,
        )
    rows = [
        {
            "coi": row.coi,
            "coi_eye_readable": row.coi_eye_readable,
            "stage": row.stage.value,
            "side_state": row.side_state.value,
            "clinic": row.clinic_site,
            "manufacturer": row.manufacturing_site,
            "enrolled_at": row.enrolled_at.isoformat(),
            **({"patient": row.patient_name} if row.patient_name is not None else {}),
        }
        for row in page.rows
    ]
    print_json({"total": page.total, "cases": rows})
    return 0


def run_show(args: argparse.Namespace) -> int:
    """Print one case."""
    with acting(args) as (database, actor):
        view = case_by_coi(database, actor, args.coi)
    print_json(case_json(view))
    return 0


def run_cancel(args: argparse.Namespace) -> int:
    """Cancel a case, signed with the ``--as`` user's password."""
    with signing(args) as (database, actor, password):
        view = case_by_coi(database, actor, args.coi)
        cancelled = cancel_case(database, actor, view.id, args.reason, password)
    print_json({"cancelled": case_json(cancelled)})
    return 0


def run_erase_identity(args: argparse.Namespace) -> int:
    """Erase the identity of a case's patient, signed with the ``--as`` user's password."""
    with signing(args) as (database, actor, password):
        view = case_by_coi(database, actor, args.coi)
        erased = erase_identity(database, actor, view.id, args.reason, password)
    print_json(
        {
            "erased": {
                "cases": list(erased.cois),
                "erased_at": erased.erased_at.isoformat(),
                "reason": erased.reason,
            }
        }
    )
    return 0


def run_slots_set(args: argparse.Namespace) -> int:
    """Set slot capacity as the administrator named by ``--as``."""
    with acting(args) as (database, actor):
        change = set_slot_capacity(
            database,
            actor,
            site_code=args.site,
            kind=SlotKind(args.kind),
            first_day=args.first,
            last_day=args.last or args.first,
            capacity=args.capacity,
            reason=args.reason,
        )
    print_json(
        {
            "site": change.site_code,
            "kind": change.kind.value,
            "from": change.first_day.isoformat(),
            "to": change.last_day.isoformat(),
            "capacity": change.capacity,
            "days_changed": change.days_changed,
            "overbooked": [
                {"day": d.day.isoformat(), "booked": d.booked} for d in change.overbooked
            ],
        }
    )
    return 0


def run_slots_show(args: argparse.Namespace) -> int:
    """Print a site's slots per day."""
    with acting(args) as (database, actor):
        calendar = slot_calendar(
            database,
            actor,
            SlotKind(args.kind),
            args.first or now().date(),
            args.days,
            site_code=args.site,
        )
    print_json(
        {
            "site": calendar.site_code,
            "kind": calendar.kind.value,
            "days": [
                {
                    "day": d.day.isoformat(),
                    "capacity": d.capacity,
                    "booked": d.booked,
                    "left": d.left,
                }
                for d in calendar.days
            ],
        }
    )
    return 0
