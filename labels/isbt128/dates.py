"""ISBT 128 dates: `cyyjjj` and `cyyjjjhhmm` (ICCBBA ST-001 v6.2.2 §2.4.4-§2.4.9).

`c` is the century, `yy` the year within it, `jjj` the ordinal day (001-366). ST-001 does not spell
out the mapping of `c` to a year; we read `c = 0` as 2000-2099 (year = 2000 + 100c + yy), which is
what the ST-012 §6.2 worked example shows (`&>0183652359` is the same product as SEC expiry
2018-12-31). `hhmm` is 00:00-23:59; 2359 is the default when no time is given.
"""

from __future__ import annotations

import datetime as dt
import re

_DATE = re.compile(r"([0-9])([0-9]{2})([0-9]{3})")
_DATE_TIME = re.compile(r"([0-9])([0-9]{2})([0-9]{3})([0-9]{2})([0-9]{2})")
_BASE_YEAR = 2000


def decode_date(content: str) -> dt.date:
    """Decode a `cyyjjj` date; raise ValueError if it is not a real date."""
    match = _DATE.fullmatch(content)
    if match is None:
        msg = f"date {content!r} must be six digits cyyjjj"
        raise ValueError(msg)
    century, year, day = (int(part) for part in match.groups())
    full_year = _BASE_YEAR + 100 * century + year
    first = dt.date(full_year, 1, 1)
    last_day = (dt.date(full_year, 12, 31) - first).days + 1
    if not 1 <= day <= last_day:
        msg = f"day of year {day:03d} does not exist in {full_year}"
        raise ValueError(msg)
    return first + dt.timedelta(days=day - 1)


def decode_date_time(content: str) -> dt.datetime:
    """Decode a `cyyjjjhhmm` date and time (naive: local time of the labelling site)."""
    match = _DATE_TIME.fullmatch(content)
    if match is None:
        msg = f"date and time {content!r} must be ten digits cyyjjjhhmm"
        raise ValueError(msg)
    day = decode_date(content[:6])
    hour, minute = int(match.group(4)), int(match.group(5))
    if hour > 23 or minute > 59:
        msg = f"time {content[6:8]}:{content[8:10]} is not a time of day"
        raise ValueError(msg)
    return dt.datetime(day.year, day.month, day.day, hour, minute)  # noqa: DTZ001 - label local time


def encode_date(day: dt.date) -> str:
    """Encode a date as `cyyjjj`."""
    if day.year < _BASE_YEAR:
        msg = f"ISBT 128 dates start in {_BASE_YEAR}, got {day.year}"
        raise ValueError(msg)
    offset = day.year - _BASE_YEAR
    return f"{offset // 100}{offset % 100:02d}{day.timetuple().tm_yday:03d}"


def encode_date_time(moment: dt.datetime) -> str:
    """Encode a date and time as `cyyjjjhhmm` (the wall-clock time as given)."""
    return f"{encode_date(moment.date())}{moment.hour:02d}{moment.minute:02d}"
