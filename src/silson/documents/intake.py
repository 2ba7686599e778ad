"""Intake: decide what a file is from its first bytes and refuse hostile files before decoding.

Nothing here trusts the file name. Every limit is checked on headers only (image dimensions, PDF
page count, file size), so a decompression bomb or a 2,000-page PDF is refused in milliseconds with
one clear line. Polyglots (a PDF or image that is also a ZIP) are refused: a receipt is never both.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from PIL import Image

from silson.documents.errors import DocumentRefused

FileKind = Literal["png", "jpeg", "tiff", "pdf", "edocument"]

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_EDOCUMENT_BYTES = 2 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000  # ≈ A4 at 600 dpi is 35 MP; a phone photo is 12–50 MP (50 MP phones are refused)
MAX_PDF_PAGES = 20
MAX_TIFF_FRAMES = MAX_PDF_PAGES

# PIL's own bomb guard, set to our limit: it warns above the limit and raises above twice it.
Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS

_ZIP_LOCAL = b"PK\x03\x04"
_ZIP_END = b"PK\x05\x06"
# Active content a receipt never needs; a PDF carrying it is refused rather than rendered.
_PDF_ACTIVE = (b"/JavaScript", b"/Launch", b"/RichMedia")


@dataclass(frozen=True)
class Intake:
    """A file that passed intake: its kind and its bytes."""

    kind: FileKind
    data: bytes


def sniff(head: bytes) -> FileKind | None:
    """The kind of a file from its first bytes, or None.

    >>> sniff(b"%PDF-1.7 ...")
    'pdf'
    >>> sniff(b"\\x89PNG\\r\\n\\x1a\\n....")
    'png'
    >>> sniff(b"MZ\\x90\\x00") is None
    True
    """
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return "edocument"
    return None


def _refuse_polyglot(data: bytes) -> None:
    # A ZIP is found from its end-of-central-directory record, within the last 64 KiB + 22 bytes.
    if _ZIP_LOCAL in data[:4] or _ZIP_END in data[-(65_536 + 22) :]:
        raise DocumentRefused("file is also a ZIP archive (polyglot); send the receipt alone")


def check_image(data: bytes, kind: FileKind) -> tuple[int, int, int]:
    """Width, height and frame count from the header only; refuses images over the pixel limit."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as im:  # lazy: reads the header, decodes nothing
                width, height = im.size
                frames = int(getattr(im, "n_frames", 1))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DocumentRefused(f"image is over the {MAX_IMAGE_PIXELS // 1_000_000} megapixel limit") from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise DocumentRefused(f"not a readable {kind.upper()} image ({exc})") from None
    if width <= 0 or height <= 0:
        raise DocumentRefused("image has no pixels")
    if width * height > MAX_IMAGE_PIXELS:
        megapixels = width * height / 1e6
        limit = MAX_IMAGE_PIXELS // 1_000_000
        raise DocumentRefused(f"image is {width}×{height} = {megapixels:.0f} MP, over the {limit} MP limit")
    if frames > MAX_TIFF_FRAMES:
        raise DocumentRefused(f"image has {frames} frames, over the {MAX_TIFF_FRAMES} page limit")
    return width, height, frames


def check_pdf(data: bytes) -> int:
    """The page count of a PDF; refuses active content, encryption and more than MAX_PDF_PAGES pages."""
    import pypdfium2 as pdfium

    for marker in _PDF_ACTIVE:
        if marker in data:
            raise DocumentRefused(f"PDF carries active content ({marker.decode()}); refused")
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise DocumentRefused(f"not a readable PDF ({exc})") from None
    try:
        pages = len(pdf)
    finally:
        pdf.close()
    if pages == 0:
        raise DocumentRefused("PDF has no pages")
    if pages > MAX_PDF_PAGES:
        raise DocumentRefused(f"PDF has {pages} pages, over the {MAX_PDF_PAGES} page limit")
    return pages


def take(path: Path) -> Intake:
    """Read a file and check it against every limit; raises DocumentRefused with a one-line reason."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DocumentRefused(f"cannot read file ({exc.strerror})") from None
    if not path.is_file():
        raise DocumentRefused("not a regular file")
    if size == 0:
        raise DocumentRefused("file is empty")
    if size > MAX_FILE_BYTES:
        raise DocumentRefused(f"file is {size / 1e6:.0f} MB, over the {MAX_FILE_BYTES // 1_000_000} MB limit")
    data = path.read_bytes()
    kind = sniff(data[:16])
    if kind is None:
        raise DocumentRefused("unknown file type (expected PNG, JPEG, TIFF, PDF or a silson-edocument/1 JSON)")
    if kind == "edocument":
        if size > MAX_EDOCUMENT_BYTES:
            raise DocumentRefused(f"e-document is over the {MAX_EDOCUMENT_BYTES // 1_000_000} MB limit")
        return Intake(kind, data)
    _refuse_polyglot(data)
    if kind == "pdf":
        check_pdf(data)
    else:
        check_image(data, kind)
    return Intake(kind, data)
