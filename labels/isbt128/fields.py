"""Named fields and meaning checks for the content of parsed ISBT 128 data structures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from labels import mod37_2
from labels.isbt128 import dates
from labels.isbt128.coi import parse_coi
from labels.isbt128.din import Din, flag_meaning

Decoder = Callable[[str], dict[str, str]]


def _date(name: str) -> Decoder:
    def decode(content: str) -> dict[str, str]:
        return {f"{name}_date": dates.decode_date(content).isoformat()}

    return decode


def _date_time(name: str) -> Decoder:
    def decode(content: str) -> dict[str, str]:
        moment = dates.decode_date_time(content)
        return {
            f"{name}_date": moment.date().isoformat(),
            name: moment.isoformat(timespec="minutes"),
        }

    return decode


def _din(content: str) -> dict[str, str]:
    din = Din(content[:5], content[5:7], content[7:13], content[13:15])
    return {
        "din": din.din,
        "check_character": din.check_character,
        "flag": din.flag,
        "flag_meaning": flag_meaning(din.flag),
    }


def _coi(content: str) -> dict[str, str]:
    coi = parse_coi(content)
    return {"coi": coi.code, "check_character": coi.check_character}


def _compound(content: str) -> dict[str, str]:
    return {"compound_count": content[:2], "compound_sequence": content[2:]}


def _birth_date(content: str) -> dict[str, str]:
    born = dt.date(int(content[2:6]), int(content[6:8]), int(content[8:10]))
    return {"patient_birth_date": born.isoformat(), "patient_birth_date_location": content[:2]}


def _expiry_month(content: str) -> dict[str, str]:
    month = int(content[4:6])
    if not 1 <= month <= 12:
        msg = f"month {content[4:6]} does not exist"
        raise ValueError(msg)
    return {"expiry_month": f"{content[:4]}-{content[4:6]}"}


def _ppic(content: str) -> dict[str, str]:
    return {
        "ppic": content,
        "processor_fin": content[:5],
        "facility_product_code": content[5:11],
        "product_description_code": content[11:16],
    }


def _grid(content: str) -> dict[str, str]:
    checksum = f"{mod37_2.check_value(content[:17]):02d}"
    if content[17:] != checksum:
        msg = f"GRID checksum {content[17:]} does not match {checksum}"
        raise ValueError(msg)
    return {"grid": content}


DECODERS: dict[str, Decoder] = {
    "001": _din,
    "002": lambda c: {"blood_groups": c},
    "003": lambda c: {"product_code": c, "product_description_code": c[:5]},
    "004": _date("expiry"),
    "005": _date_time("expiry"),
    "006": _date("collection"),
    "007": _date_time("collection"),
    "008": _date("production"),
    "009": _date_time("production"),
    "020": lambda c: {"staff_id": c},
    "023": _compound,
    "024": _birth_date,
    "025": lambda c: {"patient_id_location": c[:2], "patient_id": c[4:]},
    "026": _expiry_month,
    "032": lambda c: {"product_divisions": c},
    "034": _ppic,
    "035": lambda c: {"mpho_lot": c},
    "036": lambda c: {"mpho_supplemental_id": c},
    "038": lambda c: {"sec": c},
    "039": _grid,
    "040": _coi,
}


def decode_fields(number: str, content: str) -> tuple[dict[str, str], tuple[str, ...]]:
    """Return the named fields of a structure's content and any meaning errors (bad dates, …)."""
    decoder = DECODERS.get(number)
    if decoder is None:
        return {f"ds{number}": content}, ()
    try:
        return decoder(content), ()
    except ValueError as exc:
        return {f"ds{number}": content}, (f"data structure {number}: {exc}",)
