"""Image preparation for OCR: straighten, flatten the light, and find the form's ruled lines.

A phone photo is first cut out of its background along the paper's outline and warped flat
(perspective), then de-skewed from its text lines and rules, then divided by its own blurred
background so shadows and uneven light vanish. Every page leaves here at one canonical width
(A4 at 250 dpi), which is what tesseract reads best for receipt-sized print and keeps OCR time
bounded. The ruled lines found here let the form reader work cell by cell.
"""

from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image, ImageOps

from silson.documents.model import GrayImage, Segment

__all__ = ["CANON_WIDTH", "GrayImage", "find_rules", "load_frames", "straighten"]

CANON_WIDTH = 2067  # A4 width at 250 dpi: 7-point print is then large enough for tesseract
_A4_RATIO = 297 / 210


def load_frames(data: bytes, *, max_frames: int) -> list[GrayImage]:
    """Decode an image file (already checked by intake) into grey pages, EXIF rotation applied."""
    frames: list[GrayImage] = []
    with Image.open(io.BytesIO(data)) as im:
        for index in range(int(getattr(im, "n_frames", 1))):
            if index >= max_frames:
                break
            im.seek(index)
            frame = ImageOps.exif_transpose(im) if index == 0 else im
            frames.append(np.asarray(frame.convert("L"), dtype=np.uint8))
    return frames


def _order_corners(pts: np.ndarray) -> np.ndarray:
    """Corners as top-left, top-right, bottom-right, bottom-left."""
    pts = pts.reshape(4, 2).astype(np.float32)
    s = pts.sum(axis=1)
    d = np.diff(pts, axis=1).ravel()
    return np.array([pts[np.argmin(s)], pts[np.argmin(d)], pts[np.argmax(s)], pts[np.argmax(d)]], dtype=np.float32)


def _quad(mask: np.ndarray) -> np.ndarray | None:
    """The four-cornered hull of the largest shape in a binary mask, or None."""
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    hull = cv2.convexHull(max(contours, key=lambda c: cv2.contourArea(cv2.convexHull(c))))
    peri = cv2.arcLength(hull, True)
    for eps in (0.01, 0.02, 0.03, 0.05):
        approx = cv2.approxPolyDP(hull, eps * peri, True)
        if len(approx) == 4:
            return _order_corners(approx)
    return None


def find_outline(gray: GrayImage) -> np.ndarray | None:
    """The four corners of the sheet when the photo shows a darker background around it, else None.

    Edges first (they survive a shadow across the sheet), then a global threshold; a quad is taken
    only when it covers 20–95 % of the photo and what lies outside it is clearly darker than the
    sheet, so a scan's white margins are never mistaken for background.
    """
    scale = min(1.0, 1000 / max(gray.shape))
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
    blur = cv2.GaussianBlur(small, (5, 5), 0)
    edges = cv2.dilate(cv2.Canny(blur, 30, 90), np.ones((3, 3), np.uint8))
    _, otsu = cv2.threshold(blur, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    otsu = cv2.morphologyEx(otsu, cv2.MORPH_CLOSE, np.ones((15, 15), np.uint8))
    for mask in (edges, otsu):
        quad = _quad(mask)
        if quad is None:
            continue
        inside = np.zeros(small.shape, np.uint8)
        cv2.fillConvexPoly(inside, quad.astype(np.int32), 1)
        share = float(inside.mean())
        if not 0.2 < share < 0.95:
            continue
        paper = float(small[inside == 1].mean())
        background = float(small[inside == 0].mean())
        if background < paper - 25:
            return np.asarray(quad / scale, dtype=np.float32)
    return None


def warp_to_sheet(gray: GrayImage, corners: np.ndarray) -> GrayImage:
    """Warp the sheet inside `corners` to a flat page of canonical width."""
    tl, tr, br, bl = corners
    width = float(max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl)))
    height = float(max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr)))
    ratio = height / width
    if abs(ratio - _A4_RATIO) / _A4_RATIO < 0.08:  # foreshortening: an A4 sheet stays A4
        ratio = _A4_RATIO
    out_w, out_h = CANON_WIDTH, round(CANON_WIDTH * ratio)
    target = np.array([[0, 0], [out_w - 1, 0], [out_w - 1, out_h - 1], [0, out_h - 1]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(corners.astype(np.float32), target)
    warped = cv2.warpPerspective(gray, matrix, (out_w, out_h), flags=cv2.INTER_CUBIC, borderValue=255)
    return np.asarray(warped, dtype=np.uint8)


def to_canonical_width(gray: GrayImage) -> GrayImage:
    """Scale a page to the canonical width (area averaging down, cubic up)."""
    h, w = gray.shape
    if w == CANON_WIDTH:
        return gray
    scale = CANON_WIDTH / w
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    return np.asarray(cv2.resize(gray, (CANON_WIDTH, max(1, round(h * scale))), interpolation=interp), dtype=np.uint8)


def skew_angle(gray: GrayImage) -> float:
    """The page's skew in degrees (-5..5), from the angle that makes ink rows sharpest (projection profile)."""
    small = cv2.resize(gray, None, fx=0.3, fy=0.3, interpolation=cv2.INTER_AREA)
    ink = cv2.adaptiveThreshold(small, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 25, 15)
    h, w = ink.shape
    centre = (w / 2, h / 2)

    def sharpness(angle: float) -> float:
        rot = cv2.getRotationMatrix2D(centre, angle, 1.0)
        rotated = cv2.warpAffine(ink, rot, (w, h), flags=cv2.INTER_NEAREST, borderValue=0)
        return float(np.var(rotated.sum(axis=1, dtype=np.int64)))

    best = max(np.arange(-5.0, 5.01, 0.5), key=sharpness)
    return float(max(np.arange(best - 0.5, best + 0.51, 0.1), key=sharpness))


def rotate(gray: GrayImage, angle: float) -> GrayImage:
    """Rotate about the centre, keeping the size, filling with white."""
    h, w = gray.shape
    rot = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return np.asarray(
        cv2.warpAffine(gray, rot, (w, h), flags=cv2.INTER_CUBIC, borderValue=255),
        dtype=np.uint8,
    )


def flatten_light(gray: GrayImage) -> GrayImage:
    """Divide by the page's own background (ink removed by a max filter) so paper is white everywhere."""
    small = cv2.resize(gray, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    background = cv2.dilate(small, np.ones((9, 9), np.uint8))
    background = cv2.GaussianBlur(background, (0, 0), 6)
    background = cv2.resize(background, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR)
    flat = cv2.divide(gray, np.maximum(background, 1), scale=255)
    # Stretch so the darkest ink is black again after a dim photo.
    lo = float(np.percentile(flat, 0.5))
    if lo > 10:
        flat = cv2.normalize(flat, np.empty_like(flat), 0, 255, cv2.NORM_MINMAX)
    return np.asarray(flat, dtype=np.uint8)


def straighten(gray: GrayImage) -> tuple[GrayImage, list[str]]:
    """A photo or scan as a flat, upright, evenly lit page of canonical width, with notes on what was done."""
    notes: list[str] = []
    corners = find_outline(gray)
    if corners is not None:
        page = warp_to_sheet(gray, corners)
        notes.append("perspective corrected from the sheet's outline")
    else:
        page = to_canonical_width(gray)
    page = flatten_light(page)
    angle = skew_angle(page)
    if abs(angle) >= 0.1:
        page = rotate(page, angle)
        notes.append(f"de-skewed by {angle:.1f}°")
    return page, notes


def _segments(mask: np.ndarray, *, horizontal: bool, min_len: int) -> list[Segment]:
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    found: list[Segment] = []
    for i in range(1, count):
        x, y, w, h = (int(v) for v in stats[i, :4])
        if horizontal and w >= min_len and h <= 15:
            found.append(Segment(pos=y + h / 2, start=x, end=x + w))
        elif not horizontal and h >= min_len and w <= 15:
            found.append(Segment(pos=x + w / 2, start=y, end=y + h))
    return found


def find_rules(gray: GrayImage) -> tuple[list[Segment], list[Segment], GrayImage]:
    """The horizontal and vertical ruled lines of a form, and the page with those lines erased.

    OCR reads a form far better without its borders: tesseract takes a rule touching a syllable for
    part of it, and boxes whole rows as one "word".
    """
    h, w = gray.shape
    ink = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 12)
    h_len = max(20, w // 40)
    v_len = max(15, h // 72)  # one table row; taller than any character's stroke
    h_mask = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (h_len, 1)))
    v_mask = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, v_len)))
    h_found = _segments(cv2.dilate(h_mask, np.ones((1, 9), np.uint8)), horizontal=True, min_len=w // 25)
    v_found = _segments(cv2.dilate(v_mask, np.ones((9, 1), np.uint8)), horizontal=False, min_len=v_len)
    # A table's vertical rule meets a horizontal one; a tall title's strokes do not.
    v_found = [v for v in v_found if any(h.start - 6 <= v.pos <= h.end + 6 and v.start - 8 <= h.pos <= v.end + 8
                                         for h in h_found)]  # fmt: skip
    v_keep = np.zeros_like(v_mask)
    for seg in v_found:
        x = round(seg.pos)
        v_keep[int(seg.start) : int(seg.end) + 1, max(0, x - 8) : x + 9] = 255
    v_mask = cv2.bitwise_and(v_mask, v_keep)
    lines = cv2.dilate(cv2.bitwise_or(h_mask, v_mask), np.ones((3, 3), np.uint8))
    erased = gray.copy()
    erased[lines > 0] = 255
    return h_found, v_found, np.asarray(erased, dtype=np.uint8)
