"""Turning a checked file into pages for the form reader: text layer, or straightened image plus OCR."""

from __future__ import annotations

import re

import cv2
import numpy as np

from silson.documents import imaging, ocr, pdf
from silson.documents.errors import DocumentUnreadable
from silson.documents.intake import MAX_PDF_PAGES, Intake
from silson.documents.model import Page

_HANGUL_WORD = re.compile(r"[가-힣]{2}")
_LEGIBLE_WORDS = 5  # an upright form gives dozens of sure Korean words; one lying sideways, none


def _legible(page: Page) -> bool:
    return sum(1 for w in page.words if w.conf >= 0.8 and _HANGUL_WORD.search(w.text)) >= _LEGIBLE_WORDS


def _ocr_page(gray: imaging.GrayImage, notes: list[str]) -> Page:
    """A straightened, OCR'd page; one with hardly a sure Korean word is asked for its orientation and,
    when tesseract says it lies sideways or upside down, turned and read again."""
    page = _ocr_upright(gray, notes)
    if _legible(page) or page.image is None:
        return page
    # OSD on the frame as taken: straightened to A4 width, a sideways page is too small to judge
    scale = min(1.0, 3500 / max(gray.shape))
    frame = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
    turn = ocr.orientation(np.asarray(frame, dtype=np.uint8))
    # OSD misjudges a dim, blurred photo now and then: then the turns a phone gives, sideways first
    for angle in [turn] if turn else [90, 270, 180]:
        turned = _ocr_upright(
            np.ascontiguousarray(np.rot90(gray, k=-(angle // 90))), [*notes, f"turned {angle}° clockwise"]
        )
        if _legible(turned):
            return turned
    return page


def _ocr_upright(gray: imaging.GrayImage, notes: list[str]) -> Page:
    straight, done = imaging.straighten(gray)
    horizontal, vertical, erased = imaging.find_rules(straight)
    return Page(
        words=ocr.read_page(erased),
        image=straight,
        width=straight.shape[1],
        height=straight.shape[0],
        source="ocr",
        horizontal=horizontal,
        vertical=vertical,
        notes=[*notes, *done],
    )


# A receipt or bill page holds a few hundred words; the form reader groups words in quadratic time,
# so a page with tens of thousands (a crafted text layer, OCR of noise) is refused, not ground through.
MAX_WORDS_PER_PAGE = 5_000


def _check_words(count: int, number: int) -> None:
    if count > MAX_WORDS_PER_PAGE:
        raise DocumentUnreadable(
            f"page {number} holds {count:,} words, over the {MAX_WORDS_PER_PAGE:,} a form can carry"
        )


def _bounded(page: Page, number: int) -> Page:
    _check_words(len(page.words), number)
    return page


def to_pages(intake: Intake, *, max_pages: int = MAX_PDF_PAGES) -> list[Page]:
    """Every page of an image or PDF file, ready for the form reader."""
    pages = _to_pages(intake, max_pages=max_pages)
    return [_bounded(page, number) for number, page in enumerate(pages, start=1)]


def _to_pages(intake: Intake, *, max_pages: int) -> list[Page]:
    if intake.kind == "pdf":
        found: list[Page] = []
        for item in pdf.pages(intake.data, max_pages=max_pages):
            _check_words(len(item.words), len(found) + 1)  # before finding rules or anything else
            if item.words:
                horizontal, vertical, _ = imaging.find_rules(item.image)
                found.append(
                    Page(
                        words=item.words,
                        image=item.image,
                        width=item.image.shape[1],
                        height=item.image.shape[0],
                        source="text_layer",
                        horizontal=horizontal,
                        vertical=vertical,
                        notes=["read from the PDF's text layer"],
                    )
                )
            else:
                found.append(_ocr_page(item.image, ["PDF page without a text layer: OCR"]))
        return found
    try:
        frames = imaging.load_frames(intake.data, max_frames=max_pages)
    except (OSError, ValueError, SyntaxError) as exc:  # a header that promised more than the data holds
        raise DocumentUnreadable(f"image data is damaged ({exc})") from None
    return [_ocr_page(frame, []) for frame in frames]
