"""Decode zxing-cpp's sample images (shared/corpora/barcodes): exact text, no false positives."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from labels.decode import decode_image

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpora" / "barcodes"
EXPECTED_FILE = CORPUS / "expected.json"
# Upstream does not know this image's content ("<unkown>"): any decode would count, and we get none.
NOT_DECODED = {"datamatrix-3/dm-2x2-b.webp"}


def _rows() -> list[dict[str, Any]]:
    if not EXPECTED_FILE.is_file():
        return []
    rows: list[dict[str, Any]] = json.loads(EXPECTED_FILE.read_text(encoding="utf-8"))
    return rows


ROWS = _rows()
POSITIVE = [r for r in ROWS if r["expected_kind"] != "must-not-decode"]
NEGATIVE = [r for r in ROWS if r["expected_kind"] == "must-not-decode"]


def _param(row: dict[str, Any]) -> Any:
    marks = (
        [pytest.mark.xfail(reason="content unknown upstream; not decoded", strict=True)]
        if row["file"] in NOT_DECODED
        else []
    )
    return pytest.param(row, marks=marks, id=row["file"])


@pytest.mark.skipif(not ROWS, reason=f"barcode image corpus not found at {CORPUS}")
@pytest.mark.parametrize("row", [_param(r) for r in POSITIVE])
def test_decodes_expected_text(row: dict[str, Any]) -> None:
    result = decode_image(CORPUS / row["file"])
    assert result.error is None
    if row["expected_kind"] == "hex-bytes":
        assert any(symbol.content.hex() == row["expected"] for symbol in result.symbols)
    elif row["expected"] == "<unkown>":
        assert result.symbols
    else:
        assert row["expected"] in result.texts
    meta = row.get("result_meta") or ""
    if "symbologyIdentifier=" in meta:
        wanted = meta.split("symbologyIdentifier=")[1].split(";")[0].strip()
        matching = [s for s in result.symbols if s.text == row["expected"]]
        assert matching[0].symbology_identifier == wanted


@pytest.mark.skipif(not ROWS, reason=f"barcode image corpus not found at {CORPUS}")
@pytest.mark.parametrize("row", NEGATIVE, ids=lambda r: r["file"])
def test_no_false_positives(row: dict[str, Any]) -> None:
    result = decode_image(CORPUS / row["file"])
    assert result.error is None
    assert result.symbols == ()
