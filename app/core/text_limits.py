"""Text a person typed, checked before it reaches the database: the same limits on SQLite and
PostgreSQL, refused in words that name the field and the limit.

SQLite stores a megabyte in a 200-character column and a NUL anywhere; PostgreSQL refuses both
(``DataError``), and neither can encode a lone surrogate (invalid UTF-8 read with
``surrogateescape``). `check_record_text` applies each column's declared length and refuses
NUL and lone surrogates for every record a unit of work writes; `checked_search` bounds the
text of a search or a filter (SQLite refuses a LIKE pattern over 50 000 bytes as "too complex").
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from sqlalchemy import String, inspect

from app.core.errors import ValidationFailed

SEARCH_LONGEST = 200
"""The longest search or filter text: longer than any name, number or COI a record holds."""

REASON_LONGEST = 2000
"""The longest reason a person gives for a change (a capacity change, an erasure, a
cancellation)."""

_SURROGATE = re.compile("[\ud800-\udfff]")  # lone surrogates: no database can encode them


def text_problem(value: str) -> str | None:
    """What in ``value`` no database can hold, in words (None: nothing).

    Every statement's text parameters pass here (`app.core.database`), so it is a scan in C,
    not a loop over the characters in Python."""
    if "\x00" in value:
        return "a NUL character (0x00)"
    if not value.isascii() and _SURROGATE.search(value) is not None:
        return "bytes that are not valid text (invalid UTF-8)"
    return None


def checked_search(text: str, what: str, longest: int = SEARCH_LONGEST) -> str:
    """``text`` when it can be searched for; ValidationFailed naming ``what`` otherwise."""
    if len(text) > longest:
        raise ValidationFailed(
            f"The {what} is {len(text)} characters long; at most {longest} are searched. "
            "Shorten it."
        )
    problem = text_problem(text)
    if problem is not None:
        raise ValidationFailed(f"The {what} holds {problem}, which no record holds: remove it.")
    return text


def checked_reason(reason: str, missing: str) -> str:
    """``reason`` stripped, when a record may hold it; refused in words when empty (``missing``
    says what to give), longer than `REASON_LONGEST` or holding a control character other
    than a newline or a tab."""
    text = reason.strip()
    if not text:
        raise ValidationFailed(missing)
    if len(text) > REASON_LONGEST:
        raise ValidationFailed(
            f"The reason is {len(text)} characters long: at most {REASON_LONGEST}."
        )
    if any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in text):
        raise ValidationFailed("The reason holds a control character: type it again.")
    return text


def _label(key: str, column: Any) -> str:
    return str(column.info.get("label") or key.replace("_", " "))


def check_record_text(record: Any, *, changed_only: bool) -> None:
    """Refuse a text column of ``record`` longer than the column, or holding NUL or lone
    surrogates (``changed_only``: only the columns changed since it was loaded)."""
    state = inspect(record)
    for attr in state.mapper.column_attrs:
        column = attr.columns[0]
        if not isinstance(column.type, String):  # Text is a String without a length
            continue
        value = getattr(record, attr.key)
        if not isinstance(value, str):
            continue
        if changed_only and not state.attrs[attr.key].history.has_changes():
            continue
        length = column.type.length
        if length is not None and len(value) > length:
            raise ValidationFailed(
                f"The {_label(attr.key, column)} is {len(value)} characters long; at most "
                f"{length} are allowed. Nothing was saved: shorten it."
            )
        problem = text_problem(value)
        if problem is not None:
            raise ValidationFailed(
                f"The {_label(attr.key, column)} holds {problem}. Nothing was saved: type it again."
            )
