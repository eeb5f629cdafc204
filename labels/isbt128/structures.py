"""Index of ISBT 128 data structures read and written here (ICCBBA ST-001 v6.2.2 Table 2 [RT003]).

Each entry gives the data identifier, the data content length and the character rules of its
clause. Data structures 001 (DIN), 025, 029 and 030 (variable length) and the nationally defined
identifiers are handled in `message.py`. The content of a structure is only checked against the
character classes of its clause; the licensed ICCBBA tables (product codes, special testing, …)
are not embedded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from labels.isbt128.fin import FIN_PATTERN

_FIN = FIN_PATTERN.pattern


@dataclass(frozen=True)
class StructureSpec:
    """The fixed layout of one ISBT 128 data structure."""

    number: str
    name: str
    data_identifier: str
    length: int
    content: re.Pattern[str]
    clause: str
    retired: bool = False


_ANY = r"[\x20-\x7e]+"  # retired structures: recognised, content not interpreted
_ALNUM = r"[A-Za-z0-9]"
_UPPER_ALNUM = r"[A-Z0-9]"
_FIN_P = r"[A-NP-Z0-9]{5}"  # FIN(P), ST-001 §2.4.33 and §2.4.34

# (number, data identifier, content length, content pattern, name, retired); the clause of
# structure NNN is ST-001 §2.4.N.
_TABLE: tuple[tuple[str, str, int, str, str, bool], ...] = (
    ("002", "=%", 4, _ALNUM + "{2}" + _UPPER_ALNUM + "{2}", "Blood Groups [ABO and RhD]", False),
    ("003", "=<", 8, r"[A-Z][A-Z0-9]{4}[A-Za-z0-9][A-Z0-9][a-z0-9]", "Product Code", False),
    ("004", "=>", 6, r"[0-9]{6}", "Expiration Date", False),
    ("005", "&>", 10, r"[0-9]{10}", "Expiration Date and Time", False),
    ("006", "=*", 6, r"[0-9]{6}", "Collection Date", False),
    ("007", "&*", 10, r"[0-9]{10}", "Collection Date and Time", False),
    ("008", "=}", 6, r"[0-9]{6}", "Production Date", False),
    ("009", "&}", 10, r"[0-9]{10}", "Production Date and Time", False),
    ("010", "&(", 5, _UPPER_ALNUM + "{5}", "Special Testing: General", False),
    ("011", "={", 18, _ANY, "Special Testing: Red Blood Cell Antigens", True),
    ("012", "=\\", 18, r"[0-9]{18}", "Special Testing: RBC Antigens—General", False),
    ("013", "&\\", 18, r"[0-9]{18}", "Special Testing: RBC Antigens—Finnish", False),
    ("014", "&{", 18, r"[0-9]{18}", "Special Testing: Platelet HLA and HPA", False),
    ("015", "=[", 18, _ANY, "Special Testing: HLA-A and -B Alleles", True),
    ("016", '="', 18, _ANY, "Special Testing: HLA-DRB1 Alleles", True),
    ("017", "=)", 10, _ALNUM + "{10}", "Container Manufacturer and Catalog Number", False),
    ("018", "&)", 10, _ALNUM + "{10}", "Container Lot Number", False),
    ("019", "=;", 21, _FIN + r"[0-9]{16}", "Donor Identification Number", False),
    ("020", "='", 11, _FIN + _UPPER_ALNUM + "{6}", "Staff Member Identification Number", False),
    ("021", "=-", 10, _UPPER_ALNUM + "{2}" + _ALNUM + "{8}", "Catalog Number: Other Items", False),
    ("022", "&-", 10, _ALNUM + "{10}", "Lot Number: Items Other Than Containers", False),
    ("023", "=+", 5, r"[0-9]{5}", "Compound Message", False),
    ("024", "=#", 10, r"[0-9]{10}", "Patient Date of Birth", False),
    ("026", "=]", 6, r"[0-9]{6}", "Expiration Month and Year", False),
    ("027", '&"', 18, r"[0-9]{18}", "Transfusion Transmitted Infection Marker", False),
    ("028", "=$", 16, _FIN + r"[0-9]{11}", "Product Consignment", False),
    ("031", "=(", 16, r"[0-9]{16}", "Flexible Date and Time", False),
    ("032", "=,", 6, _UPPER_ALNUM + "{6}", "Product Divisions", False),
    ("033", "&+", 11, _FIN_P + _UPPER_ALNUM + "{6}", "Processing Facility Information Code", False),
    (
        "034",
        "=/",
        16,
        _FIN_P + _UPPER_ALNUM + "{11}",
        "Processor Product Identification Code",
        False,
    ),
    ("035", "&,1", 18, _UPPER_ALNUM + "{18}", "MPHO Lot Number", False),
    ("036", "&,2", 18, _UPPER_ALNUM + "{18}", "MPHO Supplemental Identification Number", False),
    ("037", "&,3", 19, _ANY, "Global Registration Identifier for Donors", True),
    ("038", "&,4", 40, _ALNUM + "{40}", "Single European Code (SEC)", False),
    (
        "039",
        "&:",
        19,
        r"[1-9][0-9]{3}[A-Z0-9]{13}[0-9]{2}",
        "Global Registration Identifier",
        False,
    ),
    ("040", "&/", 15, "CH" + _FIN + r"[0-9]{2}[A-Z0-9]{6}", "Chain of Identity Identifier", False),
)

FIXED_STRUCTURES: tuple[StructureSpec, ...] = tuple(
    StructureSpec(
        number=number,
        name=name,
        data_identifier=identifier,
        length=length,
        content=re.compile(pattern),
        clause=f"§2.4.{int(number)}",
        retired=retired,
    )
    for number, identifier, length, pattern, name, retired in _TABLE
)

BY_DATA_IDENTIFIER: dict[str, StructureSpec] = {s.data_identifier: s for s in FIXED_STRUCTURES}
BY_NUMBER: dict[str, StructureSpec] = {s.number: s for s in FIXED_STRUCTURES}
