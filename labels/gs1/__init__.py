"""GS1 element strings, keys and Digital Link URIs, read and built through the `biip` library."""

from labels.gs1.keys import (
    InvalidGs1Key,
    build_giai,
    build_grai,
    build_gsrn,
    build_sscc,
    check_digit,
    element_string,
    has_valid_check_digit,
    sscc_hri,
)
from labels.gs1.messages import (
    GS,
    Gs1Data,
    Gs1Element,
    parse_bracketed,
    parse_digital_link,
    parse_element_strings,
)

__all__ = [
    "GS",
    "Gs1Data",
    "Gs1Element",
    "InvalidGs1Key",
    "build_giai",
    "build_grai",
    "build_gsrn",
    "build_sscc",
    "check_digit",
    "element_string",
    "has_valid_check_digit",
    "parse_bracketed",
    "parse_digital_link",
    "parse_element_strings",
    "sscc_hri",
]
