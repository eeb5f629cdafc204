"""The normalised temperature trace every importer produces."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

from app.coldchain.analysis.errors import LoggerFileError

FloatArray = npt.NDArray[np.float64]
ABSOLUTE_ZERO_C = -273.15


@dataclass(frozen=True, eq=False)
class Trace:
    """Readings of one sensor: UTC epoch seconds and °C, sorted by time (read-only arrays).

    `rows_read` counts the data rows in the file, including rows without a temperature
    (logger events); `notes` says what the importer decided (sorting, time zone, skipped rows).
    """

    times_s: FloatArray
    temps_c: FloatArray
    sensor_id: str
    source_name: str
    sha256: str
    importer: str
    rows_read: int
    notes: tuple[str, ...] = field(default=())

    def __len__(self) -> int:
        """Number of readings."""
        return int(self.times_s.size)

    @property
    def times_utc(self) -> npt.NDArray[np.datetime64]:
        """Reading times as numpy datetime64[us] (UTC)."""
        return (np.round(self.times_s * 1e6).astype(np.int64)).astype("datetime64[us]")


def make_trace(
    times_s: npt.ArrayLike,
    temps_c: npt.ArrayLike,
    *,
    sensor_id: str,
    source_name: str,
    sha256: str,
    importer: str,
    rows_read: int | None = None,
    notes: tuple[str, ...] = (),
    line_numbers: npt.ArrayLike | None = None,
) -> Trace:
    """Validate readings, sort them stably by time (noting it) and freeze them into a Trace."""
    times = np.array(times_s, dtype=np.float64).ravel()
    temps = np.array(temps_c, dtype=np.float64).ravel()
    if times.shape != temps.shape:
        raise ValueError("times and temperatures differ in length")
    lines = None if line_numbers is None else np.asarray(line_numbers, dtype=np.int64).ravel()
    bad = ~np.isfinite(times) | ~np.isfinite(temps) | (temps < ABSOLUTE_ZERO_C)
    if bad.any():
        i = int(np.argmax(bad))
        line = None if lines is None else int(lines[i])
        raise LoggerFileError(
            f"reading {temps[i]!r} °C at time {times[i]!r} is not a physical temperature",
            file_name=source_name,
            line=line,
        )
    notes_out = list(notes)
    backwards = np.flatnonzero(np.diff(times) < 0)
    if backwards.size:
        order = np.argsort(times, kind="stable")
        first = int(backwards[0]) + 1
        where = f"line {int(lines[first])}" if lines is not None else f"reading {first + 1}"
        notes_out.append(
            f"time goes backwards {backwards.size} time(s), first at {where} "
            f"({format_utc(times[first])} after {format_utc(times[first - 1])}); "
            "readings were sorted by time — check the logger clock (daylight saving?)"
        )
        times, temps = times[order], temps[order]
    duplicates = int(np.count_nonzero(np.diff(times) == 0))
    if duplicates:
        notes_out.append(f"{duplicates} reading(s) share a timestamp with the one before")
    times.flags.writeable = False
    temps.flags.writeable = False
    return Trace(
        times_s=times,
        temps_c=temps,
        sensor_id=sensor_id,
        source_name=source_name,
        sha256=sha256,
        importer=importer,
        rows_read=int(times.size if rows_read is None else rows_read),
        notes=tuple(notes_out),
    )


def format_utc(epoch_s: float) -> str:
    """ISO 8601 UTC text ending in Z; milliseconds only when not whole seconds."""
    ms = round(float(epoch_s) * 1000)
    whole, frac = divmod(ms, 1000)
    text = datetime.fromtimestamp(whole, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text}.{frac:03d}Z" if frac else f"{text}Z"
