"""Turning a checked file into pages for the form reader: text layer, or straightened image plus OCR."""

from __future__ import annotations

from silson.documents import imaging, ocr, pdf
from silson.documents.errors import DocumentUnreadable
from silson.documents.intake import MAX_PDF_PAGES, Intake
from silson.documents.model import Page


def _ocr_page(gray: imaging.GrayImage, notes: list[str]) -> Page:
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


def to_pages(intake: Intake, *, max_pages: int = MAX_PDF_PAGES) -> list[Page]:
    """Every page of an image or PDF file, ready for the form reader."""
    if intake.kind == "pdf":
        found: list[Page] = []
        for item in pdf.pages(intake.data, max_pages=max_pages):
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
