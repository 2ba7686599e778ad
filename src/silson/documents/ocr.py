"""OCR with tesseract 5 (Korean and English models), called through its TSV output.

We call the `tesseract` binary directly rather than through a wrapper: one subprocess per page with
a hard timeout, one thread (OMP_THREAD_LIMIT=1: on a busy machine tesseract's own threads make it
slower, and callers parallelise across pages), and the TSV gives every word with its box and
confidence, which the form reader needs. Needs the Debian packages tesseract-ocr and tesseract-ocr-kor.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess

import cv2
import numpy as np

from silson.documents.errors import DocumentUnreadable
from silson.documents.model import GrayImage, Word

OCR_TIMEOUT_SECONDS = 90
LANGUAGES = "kor+eng"


def _png(gray: GrayImage) -> bytes:
    ok, buf = cv2.imencode(".png", gray)
    if not ok:
        raise DocumentUnreadable("could not encode the page for OCR")
    return bytes(buf.tobytes())


def _tesseract(image: bytes, args: list[str], *, timeout: float) -> str:
    binary = shutil.which("tesseract")
    if binary is None:
        raise DocumentUnreadable("tesseract is not installed (apt-get install tesseract-ocr tesseract-ocr-kor)")
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    try:
        done = subprocess.run(
            [binary, "stdin", "stdout", *args],
            input=image,
            capture_output=True,
            timeout=timeout,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise DocumentUnreadable(f"OCR took longer than {timeout:.0f} s; refused") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise DocumentUnreadable(f"OCR failed ({message[-1] if message else done.returncode})")
    return done.stdout.decode("utf-8", "replace")


def parse_tsv(tsv: str, *, offset_x: float = 0, offset_y: float = 0, scale: float = 1.0) -> list[Word]:
    """Words from tesseract's TSV (level 5 rows), boxes mapped back by offset and scale."""
    words: list[Word] = []
    reader = csv.reader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE)
    next(reader, None)
    for row in reader:
        if len(row) < 12 or row[0] != "5":
            continue
        text = row[11].strip()
        if not text:
            continue
        left, top, width, height = (int(v) for v in row[6:10])
        conf = max(0.0, float(row[10])) / 100
        words.append(
            Word(
                text=text,
                x0=offset_x + left / scale,
                y0=offset_y + top / scale,
                x1=offset_x + (left + width) / scale,
                y1=offset_y + (top + height) / scale,
                conf=conf,
            )
        )
    return words


def read_page(gray: GrayImage, *, timeout: float = OCR_TIMEOUT_SECONDS) -> list[Word]:
    """Every word on a page, with its box.

    Page segmentation 4 (one column of lines of varying size) read the form labels best on the
    bench: with the ruled lines erased, a form's rows are lines, and the boxes still say which cell a
    word is in. Sparse mode (11) garbled more labels.
    """
    tsv = _tesseract(_png(gray), ["-l", LANGUAGES, "--psm", os.environ.get("SILSON_OCR_PSM", "11"), "tsv"],
                     timeout=timeout)  # fmt: skip
    return parse_tsv(tsv)


def read_numbers(
    crops: list[GrayImage], *, timeout: float = 30, whitelist: str = "0123456789,-"
) -> list[tuple[str, float]]:
    """Re-read small cells that hold one number each with the English model and a digit whitelist.

    The crops are stacked into one strip (one tesseract call for all of them); each returns its
    text and mean confidence, ('', 0.0) when nothing was read.
    """
    if not crops:
        return []
    scale = 2.0
    pad = 24
    scaled = [cv2.resize(c, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC) for c in crops]
    width = max(c.shape[1] for c in scaled) + 2 * pad
    rows: list[tuple[int, int]] = []
    parts: list[GrayImage] = []
    y = pad
    parts.append(np.full((pad, width), 255, np.uint8))
    for c in scaled:
        block = np.full((c.shape[0] + pad, width), 255, np.uint8)
        block[: c.shape[0], pad : pad + c.shape[1]] = c
        parts.append(block)
        rows.append((y, y + c.shape[0]))
        y += c.shape[0] + pad
    strip = np.vstack(parts)
    tsv = _tesseract(_png(strip), ["-l", "eng", "--psm", "6", "-c", f"tessedit_char_whitelist={whitelist}", "tsv"],
                     timeout=timeout)  # fmt: skip
    words = parse_tsv(tsv)
    out: list[tuple[str, float]] = []
    for top, bottom in rows:
        inside = sorted((w for w in words if top - 4 <= w.yc <= bottom + 4), key=lambda w: w.x0)
        if not inside:
            out.append(("", 0.0))
            continue
        # A cell border's remnant reads as a dash at either end.
        out.append((" ".join(w.text for w in inside).strip("-"), min(w.conf for w in inside)))
    return out


def orientation(gray: GrayImage, *, timeout: float = 30) -> int:
    """How far a page must turn clockwise to stand upright (0, 90, 180 or 270), by tesseract's OSD.

    Only asked when a page read as nothing known: a phone photo taken sideways or upside down. A
    page OSD cannot judge (too little text) answers 0.
    """
    try:
        out = _tesseract(_png(gray), ["--psm", "0"], timeout=timeout)
    except DocumentUnreadable:
        return 0
    for line in out.splitlines():
        if line.startswith("Rotate:"):
            value = int(line.split(":")[1].strip() or 0)
            return value if value in (90, 180, 270) else 0
    return 0
