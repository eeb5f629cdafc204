"""Delimited text files: encoding, delimiter, header row and column extraction (vectorised)."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from app.coldchain.analysis.errors import LoggerFileError
from app.coldchain.analysis.timeparse import timestamp_format

BytesArray = npt.NDArray[np.bytes_]
IntArray = npt.NDArray[np.int64]

DELIMITERS = (",", ";", "\t")
SNIFF_LINES = 100
NUMBER = re.compile(r"\s*[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?\s*")


@dataclass(frozen=True, eq=False)
class CsvTable:
    """The data region of a delimited file, one raw line per row, with its header and preamble."""

    file_name: str
    delimiter: str
    preamble: tuple[str, ...]
    header: tuple[str, ...] | None
    data_lines: BytesArray
    line_numbers: IntArray
    first_row: tuple[str, ...]
    encoding: str

    @property
    def rows(self) -> int:
        """Number of non-blank data rows."""
        return int(self.data_lines.size)

    def column(self, index: int) -> BytesArray:
        """Encoded text of one column for every data row (b'' where a row is short)."""
        if not np.any(np.strings.find(self.data_lines, b'"') >= 0):
            delimiter = self.delimiter.encode()
            rest = self.data_lines
            for _ in range(index):
                rest = np.strings.partition(rest, delimiter)[2]
            field: BytesArray = np.strings.partition(rest, delimiter)[0]
            # numpy 2.x string ufuncs misbehave on zero-width dtypes (S0): widen to S1
            return field if field.dtype.itemsize else field.astype("S1")
        texts = [line.decode(self.encoding) for line in self.data_lines.tolist()]
        reader = csv.reader(texts, delimiter=self.delimiter)
        fields = [row[index] if len(row) > index else "" for row in reader]
        column = np.array([f.encode(self.encoding) for f in fields], dtype=np.bytes_)
        return column if column.dtype.itemsize else column.astype("S1")

    def decode(self, value: bytes) -> str:
        """Text of one encoded field."""
        return value.decode(self.encoding, errors="replace")


def detect_encoding(raw: bytes) -> tuple[bytes, str]:
    """The file's bytes without a BOM and their encoding: UTF-8, else Windows-1252."""
    body = raw.removeprefix(b"\xef\xbb\xbf")
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return body, "cp1252"
    return body, "utf-8"


def decode_text(raw: bytes) -> str:
    """Decode a logger file: UTF-8 (with or without BOM), else Windows-1252."""
    body, encoding = detect_encoding(raw)
    return body.decode(encoding, errors="replace")


def split_fields(line: str, delimiter: str) -> list[str]:
    """Split one line into fields, honouring double quotes."""
    return next(csv.reader([line], delimiter=delimiter), [])


def is_number(text: str) -> bool:
    """True if the text is a decimal number (point or comma as decimal separator)."""
    return NUMBER.fullmatch(text) is not None


def _is_data(fields: list[str]) -> bool:
    stamp = [i for i, f in enumerate(fields) if timestamp_format(f) is not None]
    return bool(stamp) and any(is_number(f) for i, f in enumerate(fields) if i != stamp[0])


def read_csv_table(raw: bytes, file_name: str) -> CsvTable:
    """Find delimiter, header row and data rows of a delimited logger file."""
    body_bytes, encoding = detect_encoding(raw)
    raw_lines = body_bytes.splitlines()
    lines = [line.decode(encoding, errors="replace") for line in raw_lines[:SNIFF_LINES]]
    if not any(line.strip() for line in raw_lines):
        raise LoggerFileError("the file is empty", file_name=file_name)
    sample = lines
    best: tuple[int, int, str] | None = None
    for delimiter in DELIMITERS:
        data_rows = [i for i, line in enumerate(sample) if _is_data(split_fields(line, delimiter))]
        if data_rows and (best is None or len(data_rows) > best[0]):
            best = (len(data_rows), data_rows[0], delimiter)
    if best is None:
        raise LoggerFileError(
            f"no row with a date-time and a number in the first {SNIFF_LINES} lines; "
            "is this a temperature logger export?",
            file_name=file_name,
        )
    _, start, delimiter = best
    header: tuple[str, ...] | None = None
    head_end = start
    previous = [i for i in range(start) if lines[i].strip()]
    if previous:
        fields = split_fields(lines[previous[-1]], delimiter)
        if len(fields) >= 2:
            header = tuple(f.strip() for f in fields)
            head_end = previous[-1]
    preamble = tuple(lines[i] for i in range(head_end) if lines[i].strip())
    body = np.array(raw_lines[start:], dtype=np.bytes_)
    numbers = np.arange(start + 1, start + 1 + body.size, dtype=np.int64)
    filled = np.strings.str_len(np.strings.strip(body, b" \t,;")) > 0
    return CsvTable(
        file_name=file_name,
        delimiter=delimiter,
        preamble=preamble,
        header=header,
        data_lines=body[filled],
        line_numbers=numbers[filled],
        first_row=tuple(split_fields(lines[start], delimiter)),
        encoding=encoding,
    )
