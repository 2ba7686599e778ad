"""PDF pages: the text layer with positions (born-digital), or a rendered image to OCR (scanned).

pypdfium2 (Chrome's PDF engine) does both: it gives each character's box, from which we build words
in the same pixel space as the rendered page, and it renders pages for OCR and for finding the
table rules. A page whose text layer has fewer than a handful of characters is treated as a scan.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pypdfium2 as pdfium

from silson.documents.errors import DocumentUnreadable
from silson.documents.imaging import CANON_WIDTH
from silson.documents.model import GrayImage, Word

_MIN_TEXT_CHARS = 20
_MAX_RENDER_PIXELS = 12_000_000


@dataclass
class PdfPage:
    """A rendered page at canonical width and its text-layer words (empty for a scan)."""

    image: GrayImage
    words: list[Word]


def _render(page: pdfium.PdfPage) -> tuple[GrayImage, float]:
    width_pt, height_pt = page.get_size()
    scale = CANON_WIDTH / max(width_pt, 1.0)
    if width_pt * height_pt * scale * scale > _MAX_RENDER_PIXELS:  # an absurd page size: keep the bitmap bounded
        scale = (_MAX_RENDER_PIXELS / max(width_pt * height_pt, 1.0)) ** 0.5
    bitmap = page.render(scale=scale, grayscale=True)
    array = np.asarray(bitmap.to_numpy(), dtype=np.uint8)
    if array.ndim == 3:
        array = array[:, :, 0]
    return np.ascontiguousarray(array), scale


def _words(page: pdfium.PdfPage, scale: float) -> list[Word]:
    """Words from the text layer: characters split at spaces, line breaks and wide gaps."""
    _, height_pt = page.get_size()
    textpage = page.get_textpage()
    try:
        count = textpage.count_chars()
        if count < _MIN_TEXT_CHARS:
            return []
        text = textpage.get_text_range(0, count)
        words: list[Word] = []
        current: list[tuple[str, float, float, float, float]] = []

        def flush() -> None:
            if current:
                words.append(
                    Word(
                        text="".join(c[0] for c in current),
                        x0=min(c[1] for c in current) * scale,
                        y0=(height_pt - max(c[4] for c in current)) * scale,
                        x1=max(c[3] for c in current) * scale,
                        y1=(height_pt - min(c[2] for c in current)) * scale,
                    )
                )
                current.clear()

        for index in range(min(count, len(text))):
            char = text[index]
            if char.isspace():
                flush()
                continue
            left, bottom, right, top = textpage.get_charbox(index)
            if current:
                prev = current[-1]
                size = max(prev[4] - prev[2], top - bottom, 1.0)
                if left - prev[3] > 0.8 * size or abs((top + bottom) - (prev[4] + prev[2])) / 2 > 0.6 * size:
                    flush()
            current.append((char, left, bottom, right, top))
        flush()
        return words
    finally:
        textpage.close()


def pages(data: bytes, *, max_pages: int) -> Iterator[PdfPage]:
    """Each page of a PDF, rendered, with its text-layer words."""
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise DocumentUnreadable(f"not a readable PDF ({exc})") from None
    try:
        for index in range(min(len(pdf), max_pages)):
            page = pdf[index]
            try:
                image, scale = _render(page)
                yield PdfPage(image=image, words=_words(page, scale))
            finally:
                page.close()
    finally:
        pdf.close()
