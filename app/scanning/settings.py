"""The bench scanner's settings: the ``scanner`` object of the settings file, checked.

One schema serves the window (which reads the file at start) and the administrator's settings
screen (which writes it): a value it refuses is a `ConfigurationError` naming the setting, so a
hand-edited file never reaches a scan field half understood.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass

from app.core import ConfigurationError

# A substitute made of these alone would also turn real data into GS: ISBT 128 data identifiers
# (=, &), the AIM prefix (]) and GS1 brackets open the codes this application reads.
_SUBSTITUTE_FORBIDDEN = frozenset("=&]()")
SUBSTITUTE_LONGEST = 10
INTERVAL_RANGE_MS = (1.0, 1000.0)
MINIMUM_RANGE = (1, 100)


def _substitute(value: object) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ConfigurationError(
            f'The scanner setting gs_substitute must be text (e.g. "<GS>" or "^"), not {value!r}.'
        )
    if len(value) > SUBSTITUTE_LONGEST or not value.isprintable() or value != value.strip():
        raise ConfigurationError(
            f"The scanner setting gs_substitute {value!r} must be 1 to {SUBSTITUTE_LONGEST} "
            "visible characters without spaces at either end."
        )
    if value.isalnum() or set(value) <= _SUBSTITUTE_FORBIDDEN:
        raise ConfigurationError(
            f"The scanner setting gs_substitute {value!r} would also match ordinary bar code "
            'data: choose text no label carries, such as "<GS>" or "^".'
        )
    return value


def _number(
    values: Mapping[str, object], name: str, default: float, low: float, high: float
) -> float:
    value = values.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ConfigurationError(
            f"The scanner setting {name} must be a number from {low:g} to {high:g}, not {value!r}."
        )
    return float(value)


@dataclass(frozen=True)
class ScannerSettings:
    """How the bench scanner is configured (the ``scanner`` object of the settings file).

    ``gs_substitute``: the text the scanner sends for GS, replaced by GS in every entry (None:
    GS comes as the control character). ``aim_prefix_expected``: the scanner always sends an
    AIM prefix, so an entry without one was typed. An entry is a scanner burst when no two
    keystrokes are more than ``burst_max_interval_ms`` apart and it has
    ``burst_min_characters`` or more.
    """

    gs_substitute: str | None = None
    aim_prefix_expected: bool = False
    burst_max_interval_ms: float = 50.0
    burst_min_characters: int = 4

    @classmethod
    def from_mapping(cls, values: object) -> ScannerSettings:
        """Settings from the settings file's ``scanner`` object; a bad value is a
        `ConfigurationError` that names it."""
        if not isinstance(values, Mapping):
            raise ConfigurationError(
                f"The scanner settings must be an object of named values, not {values!r}."
            )
        known = sorted(cls.__dataclass_fields__)
        unknown = sorted(str(key) for key in set(values) - set(known))
        if unknown:
            raise ConfigurationError(
                f"The settings file names unknown scanner settings {unknown}; known: {known}."
            )
        defaults = cls()
        aim = values.get("aim_prefix_expected", defaults.aim_prefix_expected)
        if not isinstance(aim, bool):
            raise ConfigurationError(
                f"The scanner setting aim_prefix_expected must be true or false, not {aim!r}."
            )
        minimum = _number(
            values, "burst_min_characters", defaults.burst_min_characters, *MINIMUM_RANGE
        )
        if not minimum.is_integer():
            raise ConfigurationError(
                f"The scanner setting burst_min_characters must be a whole number, not {minimum:g}."
            )
        return cls(
            gs_substitute=_substitute(values.get("gs_substitute")),
            aim_prefix_expected=aim,
            burst_max_interval_ms=_number(
                values, "burst_max_interval_ms", defaults.burst_max_interval_ms, *INTERVAL_RANGE_MS
            ),
            burst_min_characters=int(minimum),
        )

    def as_mapping(self) -> dict[str, object]:
        """The settings as the settings file stores them."""
        return asdict(self)
