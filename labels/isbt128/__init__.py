"""ISBT 128 identifiers and data structures (ICCBBA ST-001 v6.2.2, ST-012, ST-017).

Facilities using ISBT 128 need their own ICCBBA licence; this package carries the published
algorithms and layouts only, not the licensed tables.
"""

from labels.isbt128.checksums import basic_udi_di_checksum, is_valid_basic_udi_di
from labels.isbt128.coi import (
    CoiIdentifier,
    InvalidCoi,
    build_coi,
    format_sequence,
    parse_coi,
    parse_typed_coi,
)
from labels.isbt128.din import Din, InvalidDin, build_din, flag_meaning, parse_din, type3_flag
from labels.isbt128.message import DataStructure, Isbt128Message, parse_isbt128
from labels.isbt128.sec import InvalidSec, SingleEuropeanCode, decode_sec_content, parse_sec_text
from labels.isbt128.shown import NO_BREAK_SPACE, with_check

__all__ = [
    "NO_BREAK_SPACE",
    "CoiIdentifier",
    "DataStructure",
    "Din",
    "InvalidCoi",
    "InvalidDin",
    "InvalidSec",
    "Isbt128Message",
    "SingleEuropeanCode",
    "basic_udi_di_checksum",
    "build_coi",
    "build_din",
    "decode_sec_content",
    "flag_meaning",
    "format_sequence",
    "is_valid_basic_udi_di",
    "parse_coi",
    "parse_din",
    "parse_isbt128",
    "parse_sec_text",
    "parse_typed_coi",
    "type3_flag",
    "with_check",
]
