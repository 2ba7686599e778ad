"""Use case: read one document file into `silson-receipt/1`.

intake (type and limits) → pages (text layer, or straightened image + OCR) → form reading → checks
(with repair of misread digits on OCR pages) → receipt. Structured e-documents skip straight to
the checks. Raises DocumentError subclasses for files that cannot be read; everything else is a
receipt, possibly of kind `unknown` with its gaps listed in `needs_review`.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from silson.documents import edocument, intake, medical, ocr
from silson.documents.checks import CheckResult, verify
from silson.documents.forms import FieldRead, FormReading, read_page
from silson.documents.model import Page
from silson.documents.reader import to_pages
from silson.documents.receipt import attach_bill, build
from silson.documents.values import parse_amount, parse_business_number, parse_kcd

READER_VERSION = "1"
_KIND_ORDER = ("hospital_receipt", "pharmacy_receipt", "itemised_bill", "prescription", "certificate", "unknown")


def _rereader(page: Page, reading: FormReading) -> Any:
    """Re-read suspect amount cells with the digits-only model; one tesseract call for all of them."""

    def reread(names: list[str]) -> dict[str, list[FieldRead]]:
        if page.image is None:
            return {}
        wanted: list[tuple[str, FieldRead]] = []
        crops = []
        for name in names:
            read = reading.fields.get(name)
            crop = None if read is None else _crop(page, read)
            if read is None or crop is None:
                continue
            # the whole cell, and the cell without its left quarter, where a circled mark (①…⑤) stands
            for part in (crop, np.ascontiguousarray(crop[:, crop.shape[1] // 4 :])):
                wanted.append((name, read))
                crops.append(part)
        found: dict[str, list[FieldRead]] = {}
        for (name, read), (text, conf) in zip(wanted, ocr.read_numbers(crops), strict=True):
            value = parse_amount(text)
            known = [read.value, *(r.value for r in found.get(name, []))]
            if value is not None and value not in known:
                found.setdefault(name, []).append(FieldRead(value, conf * 0.95, read.cell, f"re-read as {text!r}"))
        return found

    return reread


_CONFIRM_BELOW = 0.9
_AMOUNT_FIELDS = ("covered_copay", "nhis_paid", "covered_full", "noncovered", "noncovered_choice", "noncovered_other",
                  "cap_excess", "total", "nhis_total", "patient_total", "already_paid", "to_pay", "unpaid", "card",
                  "cash_receipt", "cash", "paid")  # fmt: skip


def _crop(page: Page, read: FieldRead) -> np.ndarray | None:
    cell = read.cell
    if page.image is None or cell is None or cell.blank:
        return None
    y0, y1 = int(max(cell.y0 + 3, 0)), int(min(cell.y1 - 3, page.height))
    x0, x1 = int(max(cell.x0 + 3, 0)), int(min(cell.x1 - 3, page.width))
    if y1 - y0 < 8 or x1 - x0 < 8:
        return None
    return np.ascontiguousarray(page.image[y0:y1, x0:x1])


def _confirm(page: Page, reading: FormReading) -> None:
    """A second, independent read of doubtful number cells (English model, digits only).

    Tesseract's confidence for digits read with the Korean model is often low even when they are
    right; two different models agreeing on the same cell is stronger evidence than either score.
    """
    wanted: list[tuple[str, FieldRead, np.ndarray]] = []
    for name in (*_AMOUNT_FIELDS, "business_number"):
        read = reading.fields.get(name)
        if read is None or read.value is None or read.conf >= _CONFIRM_BELOW:
            continue
        crop = _crop(page, read)
        if crop is not None:
            wanted.append((name, read, crop))
    if not wanted:
        return
    for (name, read, _), (text, _conf) in zip(wanted, ocr.read_numbers([w[2] for w in wanted]), strict=True):
        again = parse_business_number(text) if name == "business_number" else parse_amount(text)
        if again == read.value:
            reading.fields[name] = FieldRead(read.value, max(read.conf, 0.95), read.cell, "confirmed by a second read")


_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789."


def _confirm_codes(page: Page, reading: FormReading) -> None:
    """KCD codes and a bill's line codes again with the English model, letters and digits only.

    The Korean model reads J as 1 and O as 0 in codes; the two reads agreeing makes a code sure, and a
    code only the second read found, or one the reads disagree on, goes to a person.
    """
    kcd = reading.fields.get("kcd")
    wanted: list[tuple[str, np.ndarray]] = []
    if kcd is not None and kcd.cell is not None and (crop := _crop(page, kcd)) is not None:
        wanted.append(("kcd", crop))
    for index, line in enumerate(reading.items):
        cell = line.get("code_cell")
        if cell is not None and (crop := _crop(page, FieldRead(None, 0.0, cell))) is not None:
            wanted.append((f"line{index}", crop))
    if not wanted:
        return
    for (name, _), (text, conf) in zip(wanted, ocr.read_numbers([w[1] for w in wanted], whitelist=_ALNUM), strict=True):
        if name == "kcd" and kcd is not None:
            codes = ",".join(parse_kcd(text))
            if codes and codes == kcd.value and not kcd.note.startswith(("partial", "first letter")):
                reading.fields["kcd"] = FieldRead(codes, max(kcd.conf, 0.97), kcd.cell, "confirmed by a second read")
            elif codes:
                reading.fields["kcd"] = FieldRead(
                    codes, min(conf, 0.75), kcd.cell, f"second read {text!r}; first {kcd.value!r}"
                )
        elif name.startswith("line"):
            line = reading.items[int(name[4:])]
            again = medical.clean_code(text) or ""
            if again and again == line.get("code"):
                # two models agreeing; a code both read faintly can still share one mistake (S lost at the edge)
                line["code_conf"] = min(min(line.get("code_conf", 0.0), conf) + 0.1, 0.99)
            elif again and 4 <= len(again) <= 10:
                line["code"], line["code_conf"] = again, min(conf, line.get("code_conf", 0.0), 0.75)


def _checked(page: Page, reading: FormReading) -> list[CheckResult]:
    """Second reads (OCR pages), the form's checks with repairs, and a bill's per-line results."""
    exact = page.source == "text_layer"
    if not exact:
        _confirm(page, reading)
        _confirm_codes(page, reading)
    checks = verify(reading, exact_source=exact, reread=None if exact else _rereader(page, reading))
    if reading.kind == "itemised_bill":
        checks += medical.finish_itemised(reading)
    return checks


def read_document(path: Path) -> dict[str, Any]:
    """Read a receipt, bill, prescription or certificate (photo, scan, PDF or e-document) into a
    `silson-receipt/1` dict. A file holding a 진료비 영수증 and its 세부산정내역 gives the receipt with the
    bill's lines as `items`, the bill's exact 상급병실료 차액, and the check that the two agree."""
    started = time.monotonic()
    taken = intake.take(path)
    if taken.kind == "edocument":
        return edocument.read(taken.data)
    pages = to_pages(taken)
    readings = [(page, read_page(page)) for page in pages]
    page, reading = min(readings, key=lambda pr: _KIND_ORDER.index(pr[1].kind))
    exact = page.source == "text_layer"
    checks = _checked(page, reading)
    bill = next(((p, r) for p, r in readings if r.kind == "itemised_bill"), None)
    if reading.kind != "hospital_receipt":
        bill = None
    meta = {
        "reader": f"silson-documents/{READER_VERSION}",
        "file_type": taken.kind,
        "source": page.source,
        "layout": reading.layout,
        "pages": len(pages),
        "page": pages.index(page) + 1,
        "notes": page.notes,
    }
    if bill is not None:
        bill_page, bill_reading = bill
        bill_checks = _checked(bill_page, bill_reading)
        meta["bill_page"] = pages.index(bill_page) + 1
        receipt = build(reading, checks, exact_source=exact, meta=meta)
        attach_bill(
            receipt, reading, bill_reading, bill_checks, exact_source=exact and bill_page.source == "text_layer"
        )
    else:
        receipt = build(reading, checks, exact_source=exact, meta=meta)
    receipt["meta"]["seconds"] = round(time.monotonic() - started, 2)
    return receipt
