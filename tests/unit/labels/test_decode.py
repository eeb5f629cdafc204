"""Image decoding on images we make ourselves."""

from __future__ import annotations

from pathlib import Path

import qrcode
import zxingcpp
from PIL import Image

from labels.decode import decode_image, decode_images


def _save_code128(path: Path, text: str) -> None:
    barcode = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.Code128)
    Image.fromarray(barcode.to_image(scale=3, add_quiet_zones=True)).save(path)


def test_code128_din(tmp_path: Path) -> None:
    path = tmp_path / "din.png"
    _save_code128(path, "=G12341765432170")
    result = decode_image(path)
    assert result.error is None
    assert result.texts == ("=G12341765432170",)
    assert result.symbols[0].format == "Code128"
    assert result.symbols[0].symbology_identifier == "]C0"


def test_qr_compound_message(tmp_path: Path) -> None:
    text = "=+02000=G12341765432170&/CHG123425000012"
    path = tmp_path / "compound.png"
    qrcode.make(text).save(path)
    result = decode_image(path)
    assert result.texts == (text,)
    assert result.symbols[0].format == "QRCode"
    assert result.symbols[0].symbology_identifier == "]Q1"


def test_batch_reports_bad_files_without_stopping(tmp_path: Path) -> None:
    not_an_image = tmp_path / "notes.png"
    not_an_image.write_text("not a picture", encoding="utf-8")
    blank = tmp_path / "blank.png"
    Image.new("L", (200, 200), 255).save(blank)
    results = decode_images([not_an_image, tmp_path / "missing.webp", blank])
    assert [r.path.name for r in results] == ["notes.png", "missing.webp", "blank.png"]
    assert results[0].error is not None
    assert "not a readable image" in results[0].error
    assert results[1].error is not None
    assert "no such file" in results[1].error
    assert results[2].error is None
    assert results[2].symbols == ()
