"""Reading the documents around a receipt: 진료비 세부산정내역, 처방전, 진단서 and 확인서 (domain §7.5–7.7).

The itemised bill is read as a table: its header row names the columns, each row below is a line
(코드, 명칭, 단가, 횟수, 일수, 총액, 본인부담금, 공단부담금, 전액본인부담, 비급여) until the 합계 row. Every line's
총액 must equal its four shares and every column must add up to 합계, so each amount cell sits in two
formulas: the same checks that vouch for a receipt's figures repair or flag a line. Prescriptions
and certificates give what the claim needs from them: the KCD code, the dates, the issuing
institution and the 교부번호 that links a prescription to its pharmacy receipt.
"""

from __future__ import annotations

import re
from datetime import date
from itertools import pairwise
from typing import Any

from silson.documents import items as item_classes
from silson.documents.checks import CheckResult, Equation
from silson.documents.forms import DocumentKind, FieldRead, FormReading, _amount, _first, _Reader
from silson.documents.layout import Box, _read, band, cells, find_labels, normalise, right_cell, row_edges, words_in
from silson.documents.model import Page
from silson.documents.values import parse_amount, parse_dates, parse_kcd

_COLUMNS = ("code", "name", "unit", "count", "days", "total", "copay", "nhis", "full", "noncovered")
_HEADS = {"code": "코드", "name": "명칭", "unit": "단가", "count": "횟수", "days": "일수", "total": "총액",
          "copay": "본인부담금", "nhis": "공단부담금", "full": "전액본인부담", "noncovered": "비급여"}  # fmt: skip
_SPLIT = ("copay", "nhis", "full", "noncovered")
# the bill's 합계 row → the receipt's field names (the output maps them as for a receipt)
_TOTALS = {"total": "total", "copay": "covered_copay", "nhis": "nhis_paid", "full": "covered_full",
           "noncovered": "noncovered"}  # fmt: skip
_CODE = re.compile(r"[A-Z0-9]{4,10}")
MAX_LINES = 120


def clean_code(text: str) -> str | None:
    """A line's code from OCR text: letters and digits, O read for 0 after the two-letter prefix.

    >>> clean_code("HAO11"), clean_code(" MX1220000 "), clean_code("-"), clean_code("AAIS4"), clean_code("PDZ100")
    ('HA011', 'MX1220000', None, 'AA154', 'PDZ100')
    """
    found = _CODE.search(text.replace(" ", "").replace("$", "S").upper())
    if found is None:
        return None
    code = found[0]
    tail = code[2:]
    if sum(c.isdigit() for c in tail) >= len(tail) - 2:  # a numeric tail: O, I, S there are 0, 1, 5 misread
        tail = tail.translate(_TAIL_DIGITS)
    return code[:2] + tail


_TAIL_DIGITS = str.maketrans({"O": "0", "I": "1", "S": "5"})


def _columns(page: Page, header: Box) -> dict[str, tuple[float, float]]:
    """The x-range of each column, from the header row's cells: by the heading read in each, else by
    the form's order when the row has exactly its ten cells."""
    top, bottom = band(page, header)
    found = cells(page, top, bottom, after_x=-1.0)
    texts = [normalise(" ".join(w.text for w in words_in(page, x0, top, x1, bottom))) for x0, x1 in found]
    while found and not texts[0]:  # a photo's sheet edge, warped straight, looks like one more rule
        found, texts = found[1:], texts[1:]
    while found and not texts[-1]:
        found, texts = found[:-1], texts[:-1]
    named: dict[str, tuple[float, float]] = {}
    for (x0, x1), text in zip(found, texts, strict=True):
        for key, head in _HEADS.items():
            if key not in named and (text == head or (len(head) > 3 and head in text)):
                named[key] = (x0, x1)
                break
    if len(found) == len(_COLUMNS):
        return {key: named.get(key, cell) for key, cell in zip(_COLUMNS, found, strict=True)}
    return named


def read_itemised(page: Page) -> FormReading:
    """진료비 세부산정내역: the lines with their codes and classes, the 합계 row, the header's dates."""
    r = _Reader(page)
    reading = FormReading(kind="itemised_bill", layout="itemised")
    f = reading.fields
    header = _first(r.label("명칭", exact=True, at_start=False)) or _first(r.label("코드", exact=True))
    columns = _columns(page, header) if header is not None else {}
    lines: list[dict[str, Any]] = []
    equations: list[Equation] = []
    if {"name", "total"} <= columns.keys():
        assert header is not None
        _, head_bottom = band(page, header)
        edges = [e for e in row_edges(page, sum(columns["name"]) / 2) if e >= head_bottom - 5]
        for top, bottom in pairwise(edges):

            def cell(key: str, top: float = top, bottom: float = bottom) -> Any:
                x0, x1 = columns.get(key, (0.0, 0.0))
                return _read(words_in(page, x0 + 2, top, x1 - 2, bottom), x0, top, x1, bottom)

            label = normalise(cell("code").text + cell("name").text)
            if label in ("합계", "계", "총계") or label.endswith("합계"):
                for key, name in _TOTALS.items():
                    if key in columns:
                        f[name] = _amount(cell(key), blank_is_zero=True)
                break
            if not label:
                continue
            if len(lines) >= MAX_LINES:  # more rows than a page can print legibly: not a bill we trust
                reading.document["lines_dropped"] = True
                break
            index = len(lines)
            for key in ("unit", "count", "days", *_TOTALS):
                if key in columns:
                    f[f"line{index}.{key}"] = _amount(cell(key), blank_is_zero=key in _SPLIT)
            code_read, name_read = cell("code"), cell("name")
            code = clean_code(code_read.text) if "code" in columns else None
            lines.append({"code": code, "name": name_read.text.strip(),
                          "code_cell": code_read if "code" in columns else None, "code_conf": code_read.conf,
                          "name_conf": name_read.conf})  # fmt: skip
            equations.append(
                Equation(
                    f"세부내역 {index + 1}행: 총액 = 본인부담금 + 공단부담금 + 전액본인부담 + 비급여",
                    f"line{index}.total",
                    tuple((1, f"line{index}.{key}") for key in _SPLIT),
                )
            )
    for key, name in _TOTALS.items():
        equations.append(
            Equation(
                f"세부내역 합계: {_HEADS[key]} = 각 행의 합",
                name,
                tuple((1, f"line{i}.{key}") for i in range(len(lines))),
            )
        )
    reading.equations = tuple(equations)
    reading.items = lines
    f["institution_code"] = _institution_code(r)
    f["visit_date"], dates = r.date_field("진료기간")
    f["patient_name"] = r.text_right("환자성명")
    reading.visit_kind, reading.visit_kind_conf = _room_kind(r)
    f["discharge"] = (
        FieldRead(dates[-1], f["visit_date"].conf, f["visit_date"].cell)
        if reading.visit_kind == "inpatient" and len(dates) > 1
        else FieldRead(None, 1.0)
    )
    provider = _text_after(r, "요양기관명칭")
    f["provider_name"] = provider
    return reading


def finish_itemised(reading: FormReading) -> list[CheckResult]:
    """After the checks: each line's class and amount, the 상급병실료 차액 taken out of 비급여, and the
    check 총액 = 단가 × 횟수 × 일수 per line (its count is what that product says)."""
    f = reading.fields
    room, room_conf = 0, 1.0
    results: list[CheckResult] = []
    for index, line in enumerate(reading.items):
        values = {key: f.get(f"line{index}.{key}", FieldRead(None, 0.0)) for key in ("count", "days", *_TOTALS)}
        non = values["noncovered"].value
        covered = not (isinstance(non, int) and non > 0)
        parts = [values[k] for k in (("copay", "full") if covered else ("noncovered",))]
        amount = (
            sum(p.value for p in parts if isinstance(p.value, int))
            if all(isinstance(p.value, int) for p in parts)
            else None
        )
        conf = min(p.conf for p in parts)
        count = values["count"].value if isinstance(values["count"].value, int) else 1
        days = values["days"].value if isinstance(values["days"].value, int) else 1
        unit, total = f.get(f"line{index}.unit"), values["total"].value
        # 총액 = 단가 × 횟수 × 일수: the narrow 횟수/일수 cells are the least legible, the product decides
        unit_value = unit.value if unit is not None and isinstance(unit.value, int) else 0
        sessions = total // unit_value if unit_value > 0 and isinstance(total, int) and total % unit_value == 0 else 0
        line["count_derived"] = bool(sessions and sessions != count * days)
        if line["count_derived"]:
            count, days = sessions, 1
        if unit_value > 0 and isinstance(total, int):
            name = f"세부내역 {index + 1}행: 총액 = 단가 × 횟수 × 일수"
            detail = "" if sessions else f"총액 {total:,} is not a multiple of 단가 {unit_value:,}"
            results.append(CheckResult(name, bool(sessions), (f"line{index}.total", f"line{index}.unit"), detail))
        category, rule = item_classes.classify(line["code"], line["name"])
        line.update(
            category=category,
            amount=amount,
            covered=covered,
            count=max(1, count * days),
            conf=conf,
            rule=rule.source if rule else None,
            room=item_classes.is_room(line["name"]),
        )
        if line["room"] and isinstance(amount, int):
            room += amount
            room_conf = min(room_conf, conf)
    f["room_difference"] = FieldRead(room, room_conf, None, "상급병실료 차액 lines")
    return results


def _institution_code(r: _Reader) -> FieldRead:
    label = _first(r.label("요양기관기호"))
    if label is None:
        return FieldRead(None, 0.0, None, "label not found")
    read = right_cell(r.page, label)
    if read is None or read.blank:
        return FieldRead(None, 0.0, read, "no code beside the label")
    digits = re.sub(r"\D", "", read.text.translate(str.maketrans("OoIl", "0011")))
    if len(digits) != 8:
        return FieldRead(None, 0.0, read, f"not 8 digits: {read.text!r}")
    return FieldRead(digits, read.digit_conf, read)


def _room_kind(r: _Reader) -> tuple[str | None, float]:
    """입원 when the 병실 cell names a room, 외래 when it is empty or a dash."""
    label = _first(r.label("병실", exact=True))
    if label is None:
        return None, 0.0
    read = right_cell(r.page, label)
    if read is None:
        return None, 0.0
    text = read.text.strip(" -–—_")
    return ("inpatient", read.conf) if text else ("outpatient", 0.9)


def _text_after(r: _Reader, label_text: str) -> FieldRead:
    """A free-text line "label : value" (the bill's footer)."""
    for phrase in r.found:
        at = phrase.text.find(label_text)
        if at >= 0:
            rest = phrase.text[at + len(label_text) :].lstrip(":：")
            rest = re.split(r"대표자", rest)[0].strip()
            if rest:
                return FieldRead(rest, min(w.conf for w in phrase.words))
    return FieldRead(None, 0.0, None, "label not found")


def _kcd_field(r: _Reader, *variants: str) -> FieldRead:
    label = _first(r.label(*variants))
    if label is None:
        return FieldRead(None, 0.0, None, "label not found")
    read = right_cell(r.page, label)
    if read is None or read.blank:
        return FieldRead(None, 0.0, read, "blank: the patient may ask for no code (domain §7.6)")
    codes = parse_kcd(read.text)
    if not codes:
        # In a sans-serif face an I is a bare stroke that OCR reads as 1 ("110" for I10); J as 1 too.
        # Offer the I reading for a person to confirm, never as sure.
        guessed = parse_kcd(re.sub(r"(?<![A-Za-z0-9])1(?=[0-9OolIi]{2})", "I", read.text))
        if guessed:
            return FieldRead(",".join(guessed), 0.4, read, f"first letter read as 1 in {read.text!r}: I or J?")
        return FieldRead(None, 0.0, read, f"no KCD code in {read.text!r}")
    leftover = re.sub(r"[^A-Za-z0-9]", "", _KCD_ANY.sub("", read.text))
    if len(leftover) >= 3:  # something code-like that did not parse ("1069" for J06.9): a person looks
        return FieldRead(",".join(codes), min(read.conf, 0.6), read, f"partial: {read.text!r}")
    return FieldRead(",".join(codes), read.conf, read)


_KCD_ANY = re.compile(r"[A-Z][0-9OolIi]{2}\.?[0-9OolIi]{0,2}")


def _date_right(r: _Reader, *variants: str) -> tuple[FieldRead, list[date]]:
    return r.date_field(*variants)


def read_prescription(page: Page) -> FormReading:
    """처방전: 교부연월일 및 번호, 요양기관기호, 질병분류기호, 의료기관 명칭."""
    r = _Reader(page)
    reading = FormReading(kind="prescription", layout="prescription")
    f = reading.fields
    f["kcd"] = _kcd_field(r, "질병분류기호", "분류기호")
    label = _first(r.label("교부연월일및번호", "교부연월일"))
    read = right_cell(page, label) if label is not None else None
    if read is not None and not read.blank:
        dates = parse_dates(read.text.replace(" ", ""))
        number = re.search(r"\d{8}-\d{3,6}", read.text.replace(" ", ""))
        f["visit_date"] = FieldRead(dates[0] if dates else None, read.conf if dates else 0.0, read)
        f["number"] = FieldRead(number[0] if number else None, read.digit_conf if number else 0.0, read)
    else:
        f["visit_date"] = FieldRead(None, 0.0, None, "label not found")
        f["number"] = FieldRead(None, 0.0, None, "label not found")
    f["institution_code"] = _institution_code(r)
    f["provider_name"] = r.text_right("의료기관명칭")
    f["patient_name"] = r.text_right("환자성명")
    f["discharge"] = FieldRead(None, 1.0)
    reading.visit_kind, reading.visit_kind_conf = "outpatient", 0.9
    reading.document["drugs"], reading.document["drugs_conf"] = _drugs(r)
    return reading


def _joined(text: str) -> str:
    """OCR's letter-spaced Korean joined again ("티 로 파 정" → "티로파정")."""
    return re.sub(r"(?<=[가-힣])\s+(?=[가-힣])", "", text).strip()


def _drugs(r: _Reader) -> tuple[list[dict[str, Any]], float]:
    """The 처방 의약품 rows under their heading: 코드 (9 digits), 명칭, 1회 투약량, 1일 투여횟수, 총 투약일수."""
    head = _first(r.label("처방의약품의명칭", "의약품의명칭"))
    if head is None:
        return [], 0.0
    page = r.page
    top, bottom = band(page, head)
    row_cells = cells(page, top, bottom, after_x=-1.0)
    while row_cells and not words_in(page, row_cells[-1][0], top, row_cells[-1][1], bottom):
        row_cells = row_cells[:-1]  # a photo's sheet edge, warped straight, looks like one more rule
    if len(row_cells) < 5:
        return [], 0.0
    columns = row_cells[-5:]  # code, name, dose, times a day, days: the form's order
    drugs: list[dict[str, Any]] = []
    conf = 1.0
    edges = [e for e in row_edges(page, sum(columns[1]) / 2) if e >= bottom - 5]
    for row_top, row_bottom in pairwise(edges):
        if row_bottom - row_top > 2 * (bottom - top):  # past the table: the band runs on to the page's end
            break
        reads = [
            _read(words_in(page, x0 + 2, row_top, x1 - 2, row_bottom), x0, row_top, x1, row_bottom)
            for x0, x1 in columns
        ]
        if all(read.blank for read in reads):
            break
        code = re.sub(r"\D", "", reads[0].text.translate(str.maketrans("OoIl", "0011")))
        times, days = parse_amount(reads[3].text), parse_amount(reads[4].text)
        drugs.append(
            {
                "code": code if len(code) == 9 else None,
                "name": _joined(reads[1].text),
                "dose": reads[2].text.strip(),
                "times_a_day": times,
                "days": days,
            }
        )
        conf = min(conf, *(read.conf for read in reads if not read.blank))
    return drugs, conf


_CERTIFICATES = (("입퇴원확인서", "admission"), ("통원확인서", "outpatient"), ("진료확인서", "treatment"),
                 ("소견서", "opinion"), ("진단서", "diagnosis"))  # fmt: skip


def _certificate_type(r: _Reader) -> str:
    """Which certificate, from its title: the large print, read tolerantly; else an exact match anywhere
    (tolerant matching over the body finds "진단서" in the closing "진단(확인)합니다")."""
    heights = sorted(p.y1 - p.y0 for p in r.found)
    body = heights[len(heights) // 2] if heights else 0.0
    titles = [p for p in r.found if p.y1 - p.y0 >= 1.6 * body]
    for exact, among in ((False, titles), (True, r.found)):
        for title, kind in _CERTIFICATES:
            if find_labels(among, (title,), exact=exact):
                return kind
    return "unknown"


def read_certificate(page: Page) -> FormReading:
    """진단서, 소견서, 입퇴원확인서, 통원확인서, 진료확인서: type, KCD, diagnosis, dates, institution."""
    r = _Reader(page)
    reading = FormReading(kind="certificate", layout="certificate")
    f = reading.fields
    reading.document["type"] = _certificate_type(r)
    kind = reading.document["type"]
    f["kcd"] = _kcd_field(r, "한국표준질병분류기호", "질병분류기호", "분류기호")
    f["diagnosis"] = r.text_right("진단명")
    f["issued"], _ = r.date_field("발행일")
    f["onset"], _ = r.date_field("발병일")
    if kind == "admission":
        f["visit_date"], _ = r.date_field("입원일")
        f["discharge"], _ = r.date_field("퇴원일")
        reading.visit_kind, reading.visit_kind_conf = "inpatient", 0.95
    elif kind == "outpatient":
        f["visit_date"], visits = r.date_field("통원일자")
        reading.document["visit_dates"] = [d.isoformat() for d in visits]
        f["discharge"] = FieldRead(None, 1.0)
        reading.visit_kind, reading.visit_kind_conf = "outpatient", 0.95
    else:
        f["visit_date"], _ = r.date_field("진단일")
        f["discharge"] = FieldRead(None, 1.0)
    f["provider_name"] = _text_after(r, "의료기관명칭")
    if isinstance(f["provider_name"].value, str):
        f["provider_name"].value = re.split(r"의사", f["provider_name"].value)[0].strip()
    f["patient_name"] = r.text_right("환자성명")
    return reading


def read(kind: DocumentKind, page: Page) -> FormReading:
    if kind == "itemised_bill":
        return read_itemised(page)
    if kind == "prescription":
        return read_prescription(page)
    return read_certificate(page)


__all__ = ["finish_itemised", "parse_amount", "read"]
