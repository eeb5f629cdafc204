"""Decode bar codes from image files (PNG, WEBP, JPEG) with zxing-cpp and pyzbar.

zxing-cpp reads first, for every format: it reports the AIM symbology identifier (`]C1`, `]d2`,
`]Q1`, …) and keeps GS1 FNC1 separators as GS (0x1D). When it finds nothing, pyzbar is asked for
QR Code and Code 128 (it gives no symbology identifier), and then zxing-cpp retries on rescaled,
sharpened and thresholded copies of the image. An unreadable file is an error value in the
result, never an exception, so a batch always finishes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import zxingcpp
from PIL import Image, ImageFilter, ImageOps

try:  # pyzbar needs the system zbar library (Debian: libzbar0); without it, zxing-cpp reads alone
    from pyzbar import pyzbar
except ImportError:  # pragma: no cover - depends on the machine
    pyzbar = None

_PYZBAR_FORMATS = {"QRCODE": "QRCode", "CODE128": "Code128"}


@dataclass(frozen=True)
class DecodedSymbol:
    """One bar code found in an image."""

    format: str
    text: str
    symbology_identifier: str | None
    content: bytes
    reader: str


@dataclass(frozen=True)
class ImageDecode:
    """The bar codes found in one image file, or why the file could not be read."""

    path: Path
    symbols: tuple[DecodedSymbol, ...] = ()
    error: str | None = None

    @property
    def texts(self) -> tuple[str, ...]:
        """The decoded texts, in reading order."""
        return tuple(symbol.text for symbol in self.symbols)


def _zxing(image: Image.Image, binarizer: zxingcpp.Binarizer) -> tuple[DecodedSymbol, ...]:
    found = zxingcpp.read_barcodes(image, text_mode=zxingcpp.TextMode.Plain, binarizer=binarizer)
    return tuple(
        DecodedSymbol(
            format=barcode.format.name,
            text=barcode.text,
            symbology_identifier=barcode.symbology_identifier,
            content=bytes(barcode.bytes),
            reader="zxing-cpp",
        )
        for barcode in found
    )


def _pyzbar(image: Image.Image) -> tuple[DecodedSymbol, ...]:
    if pyzbar is None:  # pragma: no cover - depends on the machine
        return ()
    wanted = [pyzbar.ZBarSymbol.QRCODE, pyzbar.ZBarSymbol.CODE128]
    return tuple(
        DecodedSymbol(
            format=_PYZBAR_FORMATS.get(symbol.type, symbol.type),
            text=symbol.data.decode("utf-8", errors="replace"),
            symbology_identifier=None,
            content=symbol.data,
            reader="pyzbar",
        )
        for symbol in pyzbar.decode(image, symbols=wanted)
    )


def _scaled(factor: float) -> Callable[[Image.Image], Image.Image]:
    def scale(image: Image.Image) -> Image.Image:
        size = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
        return image.resize(size, Image.Resampling.LANCZOS)

    return scale


# Retries in order, each on a grayscale copy; the first that finds a symbol wins.
_RETRIES: tuple[tuple[Callable[[Image.Image], Image.Image], zxingcpp.Binarizer], ...] = (
    (_scaled(2.0), zxingcpp.Binarizer.LocalAverage),
    (_scaled(2.0), zxingcpp.Binarizer.FixedThreshold),
    (_scaled(0.75), zxingcpp.Binarizer.LocalAverage),
    (lambda image: image.filter(ImageFilter.SHARPEN), zxingcpp.Binarizer.LocalAverage),
    (ImageOps.autocontrast, zxingcpp.Binarizer.GlobalHistogram),
)


def decode_pil_image(image: Image.Image) -> tuple[DecodedSymbol, ...]:
    """Return the bar codes found in an image (empty when none)."""
    symbols = _zxing(image, zxingcpp.Binarizer.LocalAverage)
    if symbols:
        return symbols
    symbols = _pyzbar(image)
    if symbols:
        return symbols
    gray = ImageOps.grayscale(image)
    for transform, binarizer in _RETRIES:
        symbols = _zxing(transform(gray), binarizer)
        if symbols:
            return symbols
    return ()


def decode_image(path: Path | str) -> ImageDecode:
    """Decode every bar code in an image file; a failure is reported in `error`."""
    location = Path(path)
    try:
        with Image.open(location) as opened:
            opened.load()
            image = opened.convert("RGB") if opened.mode not in {"RGB", "L"} else opened.copy()
    except FileNotFoundError:
        return ImageDecode(location, error=f"{location}: no such file")
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        return ImageDecode(location, error=f"{location}: not a readable image ({exc})")
    try:
        return ImageDecode(location, decode_pil_image(image))
    except (RuntimeError, ValueError, OSError) as exc:
        return ImageDecode(location, error=f"{location}: decoding failed ({exc})")


def decode_images(paths: Iterable[Path | str]) -> list[ImageDecode]:
    """Decode a batch of image files; each file gets a result, readable or not."""
    return [decode_image(path) for path in paths]
