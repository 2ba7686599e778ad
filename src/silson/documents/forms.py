"""The forms we know, read cell by cell: what kind of document a page is and what its cells say.

Hospital receipts follow [별지 제6호서식] (2024 layout: one 비급여 column, ⑥ 진료비 총액; the older
layout splits 비급여 into 선택진료료 / 선택진료료 이외 and numbers the total ⑦). Pharmacy receipts follow
the 약제비 계산서ㆍ영수증 as pharmacies print it. The raw reads land here with their confidence and the
cell they came from; `checks` then tests them against the form's own arithmetic.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from silson.documents.layout import (
    Box,
    Phrase,
    Read,
    below_cell,
    find_labels,
    phrases,
    right_cell,
    row_box,
    row_index,
)
from silson.documents.model import Page
from silson.documents.values import parse_amount, parse_business_number, parse_dates

DocumentKind = Literal[
    "hospital_receipt", "pharmacy_receipt", "itemised_bill", "prescription", "certificate", "unknown"
]
Value = int | str | date | None


@dataclass
class FieldRead:
    """One field as read: value, confidence 0..1, and the cell it came from (None when not found)."""

    value: Value
    conf: float
    cell: Read | None = None
    note: str = ""


@dataclass
class FormReading:
    """Everything read from one page of a known form."""

    kind: DocumentKind
    layout: str
    fields: dict[str, FieldRead] = field(default_factory=dict)
    visit_kind: str | None = None
    visit_kind_conf: float = 0.0
    # an itemised bill's lines (code, name, category, amount, covered, count; `fields` holds their cells)
    items: list[dict[str, Any]] = field(default_factory=list)
    # what a prescription or certificate adds: 교부번호, certificate type, diagnoses, dates (output "document")
    document: dict[str, Any] = field(default_factory=dict)
    # a form whose formulas depend on its rows (the itemised bill) brings its own; else checks.EQUATIONS
    equations: tuple[Any, ...] = ()


def classify(found: Sequence[Phrase]) -> DocumentKind:
    """The kind of document from its title words (pharmacy first: its receipt also names 처방전)."""

    def has(*variants: str) -> bool:
        return bool(find_labels(found, variants))

    if has("약제비계산서", "약제비영수증", "약제비총액"):
        return "pharmacy_receipt"
    if has("진료비세부산정내역", "세부산정내역", "진료비세부내역서"):
        return "itemised_bill"
    if has("진료비계산서", "계산서ㆍ영수증", "진료비총액"):
        return "hospital_receipt"
    if has("처방전") and has("질병분류기호", "교부번호", "처방의약품"):
        return "prescription"
    if has("진단서", "소견서", "입퇴원확인서", "통원확인서", "진료확인서"):
        return "certificate"
    return "unknown"


MAX_AMOUNT = 10_000_000_000  # 100억 원
_MARKS = str.maketrans("", "", "①②③④⑤⑥⑦⑧⑨⑩⑪⑫")
_GROUPED = re.compile(r"^\d{1,3}(,\d{3})*$")
_GLUED_UNIT = re.compile(r"^(\d{1,3}(?:,\d{3})+)\d$")  # "12,8102": 12,810 and a 원 read as a digit


def _amount(read: Read | None, *, blank_is_zero: bool) -> FieldRead:
    if read is None:
        return FieldRead(None, 0.0, None, "label found, no cell")
    if read.blank or not read.text.translate(_MARKS).strip():
        return FieldRead(0 if blank_is_zero else None, 0.97 if blank_is_zero else 0.0, read, "blank cell")
    value = parse_amount(read.text)
    tokens = read.text.split()
    if len(tokens) >= 2 and len(tokens[-1]) == 1 and _GROUPED.match(tokens[-2]):
        value = parse_amount(tokens[-2])  # a unit mark after the number ("원" is often read as "2")
    elif value is None and (glued := _GLUED_UNIT.match(read.text.replace(" ", ""))) is not None:
        return FieldRead(parse_amount(glued[1]), read.digit_conf * 0.8, read, f"unit mark dropped from {read.text!r}")
    if len(re.findall(r"[가-힣]", read.text.replace("원", ""))) > 3:  # prose, not an amount cell
        value = None
    if value is None:
        return FieldRead(None, 0.0, read, f"no amount in {read.text!r}")
    if value > MAX_AMOUNT:  # no 진료비 comes near: a crafted or garbled figure is not passed on
        return FieldRead(None, 0.0, read, f"{value:,} is over {MAX_AMOUNT:,} won")
    return FieldRead(value, read.digit_conf, read)


def _first(hits: list[Box]) -> Box | None:
    return hits[0] if hits else None


class _Reader:
    """Label finding on one page, shared by the form readers."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.found = phrases(page.words, page.vertical)

    def label(
        self, *variants: str, at_start: bool = True, exact: bool = False, not_followed_by: Sequence[str] = ()
    ) -> list[Box]:
        """Where a label stands; with at_start, only at the start of a phrase (not inside printed notes)."""
        hits = find_labels(self.found, variants, exact=exact, not_followed_by=not_followed_by)
        if at_start:
            starts = {(p.x0, p.y0) for p in self.found}
            hits = [
                h for h in hits if any(abs(h.x0 - x) < 3 * h.height and abs(h.y0 - y) < h.height for x, y in starts)
            ]
        return hits

    def amount_right(self, label: Box | None, *, blank_is_zero: bool = True, index: int = 0) -> FieldRead:
        if label is None:
            return FieldRead(None, 0.0, None, "label not found")
        return _amount(right_cell(self.page, label, index=index), blank_is_zero=blank_is_zero)

    def rows(
        self, wanted: Sequence[tuple[str, tuple[str, ...], bool]], *, where: Callable[[Box], bool] | None = None
    ) -> dict[str, Box | None]:
        """Labels of a block whose rows the form fixes in order: (field, variants, exact) top to bottom.

        Every hit of every label votes for where the block starts (its row index minus its place in
        the order); the start most rows agree on wins, and a row whose label OCR lost is taken from
        the nearest agreeing neighbour, so one garbled or misplaced label cannot move the others.
        """
        votes: dict[int, dict[int, Box]] = defaultdict(dict)
        for place, (_, variants, exact) in enumerate(wanted):
            for hit in self.label(*variants, exact=exact):
                if where is not None and not where(hit):
                    continue
                index = row_index(self.page, hit)
                if index is None:
                    continue
                chosen = votes[index - place]
                if place not in chosen or hit.edits < chosen[place].edits:
                    chosen[place] = hit
        if not votes:
            return {name: None for name, _, _ in wanted}
        start = max(votes, key=lambda k: (len(votes[k]), -sum(b.edits for b in votes[k].values())))
        hits = votes[start]
        found: dict[str, Box | None] = {}
        for place, (name, _, _) in enumerate(wanted):
            if place in hits:
                found[name] = hits[place]
                continue
            near = min(hits, key=lambda p: abs(p - place))
            found[name] = row_box(self.page, hits[near], place - near)
        return found

    def payment_block(self, fields: dict[str, FieldRead]) -> None:
        """카드 / 현금영수증 / 현금 / 합계: the sub-rows of 납부한 금액, in the form's order."""
        rows = self.rows(
            (
                ("card", ("카드",), True),
                ("cash_receipt", ("현금영수증",), False),
                ("cash", ("현금",), True),
                ("paid", ("합계",), True),
            )
        )
        for name, box in rows.items():
            fields[name] = self.amount_right(box)
            if box is None:
                fields[name] = FieldRead(None, 0.0, None, "payment block not found")

    def date_field(self, *variants: str) -> tuple[FieldRead, list[date]]:
        label = _first(self.label(*variants))
        if label is None:
            return FieldRead(None, 0.0, None, "label not found"), []
        for read in (right_cell(self.page, label), below_cell(self.page, label)):
            if read is None or read.blank:
                continue
            dates = parse_dates(read.text.replace(" ", ""))
            if dates:
                return FieldRead(dates[0], read.conf, read), dates
        return FieldRead(None, 0.0, None, "no date beside the label"), []

    def business_number(self) -> FieldRead:
        label = _first(self.label("사업자등록번호"))
        if label is not None:
            read = right_cell(self.page, label)
            if read is not None and not read.blank:
                number = parse_business_number(read.text.replace(" ", ""))
                if number is not None:
                    return FieldRead(number, read.digit_conf, read)
        for phrase in self.found:  # no label: a number of the right shape anywhere on the page
            number = parse_business_number(phrase.text)
            if number is not None:
                return FieldRead(number, min(w.conf for w in phrase.words) * 0.8, None, "found without its label")
        return FieldRead(None, 0.0, None, "not found")

    def text_right(self, *variants: str, exact: bool = False) -> FieldRead:
        label = _first(self.label(*variants, exact=exact))
        if label is None:
            return FieldRead(None, 0.0, None, "label not found")
        for read in (right_cell(self.page, label), below_cell(self.page, label)):
            if read is None or read.blank:
                continue
            text = re.sub(r"(?<=[가-힣])\s+(?=[가-힣])", "", read.text.split("(")[0]).strip()
            if text and not any(k in text for k in ("번호", "기간", "성명")):
                return FieldRead(text, read.conf, read)
        return FieldRead(None, 0.0, None, "nothing beside the label")


_TICK = re.compile(r"\[([^\[\]]{0,3})[\]!|lI1]\s*(외래|입원|임원)")


def _visit_kind(reader: _Reader) -> tuple[str | None, float]:
    """외래 or 입원 from the title's tick boxes ([■]외래 [ ]입원).

    OCR reads the filled box as anything ("0@", "®", "■") but an empty one as "[]", so the evidence is
    which bracket holds something: one filled and the other empty is sure; one filled alone less so.
    """
    for phrase in reader.found:
        boxes = {
            ("outpatient" if m[2] == "외래" else "inpatient"): bool(m[1].strip()) for m in _TICK.finditer(phrase.text)
        }
        ticked = [kind for kind, filled in boxes.items() if filled]
        if len(ticked) == 1:
            return ticked[0], 0.95 if len(boxes) == 2 else 0.85
        if boxes == {"outpatient": False}:  # 외래's box read empty, 입원's lost: the form has only the two
            return "inpatient", 0.75
    marks = "■√✓✔VvX×"
    for phrase in reader.found:
        text = phrase.text
        for word, kind in (("외래", "outpatient"), ("입원", "inpatient")):
            at = text.find(word)
            if at >= 1 and (text[at - 1] in marks or (at >= 2 and text[at - 2] in marks)):
                return kind, min(w.conf for w in phrase.words)
    return None, 0.0


def read_hospital(page: Page) -> FormReading:
    """진료비 계산서ㆍ영수증, 2024 or older layout."""
    r = _Reader(page)
    older = bool(r.label("선택진료료", at_start=False))
    reading = FormReading(kind="hospital_receipt", layout="hospital-older" if older else "hospital-2024")
    f = reading.fields
    # The grid's last rows: 기타 (the last 선택항목 of the form's list), 합계, 상한액 초과금, in the grid's
    # first column (the payment block has a 합계 too): read as a block, so any one label finds the others.
    grid = r.rows(
        (
            ("last_row", ("기타",), True),
            ("grid_total", ("합계",), True),
            ("cap_row", ("상한액초과금", "상한액"), False),
        ),
        where=lambda b: b.x1 < page.width * 0.35,
    )
    grid_total = grid["grid_total"]
    columns = (
        ("covered_copay", "nhis_paid", "covered_full", "noncovered_choice", "noncovered_other")
        if older
        else ("covered_copay", "nhis_paid", "covered_full", "noncovered")
    )
    for index, name in enumerate(columns):
        f[name] = r.amount_right(grid_total, index=index)
    f["cap_excess"] = r.amount_right(grid["cap_row"])
    block = r.rows(
        (
            ("total", ("진료비총액",), False),
            *(() if older else (("nhis_total", ("공단부담총액",), False),)),
            ("patient_total", ("환자부담총액",), False),
            ("already_paid", ("이미납부한금액",), False),
            ("to_pay", ("납부할금액",), True),
        )
    )
    f["total"] = r.amount_right(block["total"], blank_is_zero=False)
    f["nhis_total"] = r.amount_right(block.get("nhis_total"))
    _derive_cap_excess(f)
    f["patient_total"] = r.amount_right(block["patient_total"], blank_is_zero=False)
    f["already_paid"] = r.amount_right(block["already_paid"])
    f["to_pay"] = r.amount_right(block["to_pay"])
    f["unpaid"] = r.amount_right(_first(r.label("납부하지않은금액")))
    r.payment_block(f)
    f["visit_date"], dates = r.date_field("진료기간")
    reading.visit_kind, reading.visit_kind_conf = _visit_kind(r)
    if reading.visit_kind == "inpatient" and len(dates) > 1 and dates[1] > dates[0]:
        # a 진료기간 of several days agrees with the tick box: two independent signs of a stay
        reading.visit_kind_conf = max(reading.visit_kind_conf, 0.9)
    if reading.visit_kind == "inpatient" and len(dates) > 1:
        f["discharge"] = FieldRead(dates[1], f["visit_date"].conf, f["visit_date"].cell)
    else:
        f["discharge"] = FieldRead(None, 1.0 if reading.visit_kind == "outpatient" else 0.0)
    f["room_difference"] = _room_difference(r, reading.visit_kind, older=older)
    f["business_number"] = r.business_number()
    f["provider_name"] = r.text_right("상호", exact=True)
    f["patient_name"] = r.text_right("환자성명")
    return reading


def _derive_cap_excess(f: dict[str, FieldRead]) -> None:
    """상한액 초과금 unread: the form fixes it as ⑦ 공단부담 총액 − ② 공단부담금, so it is derived, not guessed."""
    if isinstance(f["cap_excess"].value, int):
        return
    nhis_total, nhis = f.get("nhis_total"), f.get("nhis_paid")
    if nhis_total and nhis and isinstance(nhis_total.value, int) and isinstance(nhis.value, int):
        value = nhis_total.value - nhis.value
        if value >= 0:
            f["cap_excess"] = FieldRead(value, min(nhis_total.conf, nhis.conf), None, "derived: ⑦ − ②")


def _room_difference(r: _Reader, visit_kind: str | None, *, older: bool) -> FieldRead:
    """상급병실료 차액 by its proxy on this form: the 비급여 of the 입원료 (1인실) and (2ㆍ3인실) rows."""
    if visit_kind == "outpatient":
        return FieldRead(0, 1.0, None, "outpatient: no room")
    rows = r.label("입원료") if older else r.label("입원료(1인실)", "입원료(2ㆍ3인실)")
    if not rows and not older:  # a layout with one 입원료 row
        rows = r.label("입원료", exact=True)[:1]
    if not rows:
        return FieldRead(None, 0.0, None, "입원료 rows not found")
    total, conf = 0, 1.0
    for row in rows if not older else rows[:1]:
        read = r.amount_right(row, index=4 if older else 3)
        if not isinstance(read.value, int):
            return FieldRead(None, 0.0, None, "입원료 비급여 unreadable")
        total += read.value
        conf = min(conf, read.conf)
    return FieldRead(total, conf * 0.9, None, "proxy: 입원료 rows' 비급여 (the itemised bill is exact)")


def read_pharmacy(page: Page) -> FormReading:
    """약제비 계산서ㆍ영수증."""
    r = _Reader(page)
    reading = FormReading(kind="pharmacy_receipt", layout="pharmacy", visit_kind="prescription", visit_kind_conf=1.0)
    f = reading.fields
    block = r.rows(
        (
            ("total", ("약제비총액",), False),
            ("covered_copay", ("본인부담금",), False),
            ("nhis_paid", ("보험자부담금",), False),
            ("noncovered", ("비급여(전액본인부담)", "비급여"), False),
            ("patient_total", ("총수납금액", "수납금액"), False),
        )
    )
    f["total"] = r.amount_right(block["total"], blank_is_zero=False)
    f["covered_copay"] = r.amount_right(block["covered_copay"])
    f["nhis_paid"] = r.amount_right(block["nhis_paid"])
    f["noncovered"] = r.amount_right(block["noncovered"])
    f["covered_full"] = FieldRead(0, 1.0, None, "pharmacy form: 비급여(전액본인부담) merges both")
    f["patient_total"] = r.amount_right(block["patient_total"], blank_is_zero=False)
    r.payment_block(f)
    f["visit_date"], _ = r.date_field("조제일자")
    f["discharge"] = FieldRead(None, 1.0)
    f["room_difference"] = FieldRead(0, 1.0, None, "pharmacy: no room")
    f["business_number"] = r.business_number()
    f["provider_name"] = r.text_right("상호", exact=True)
    f["patient_name"] = r.text_right("환자성명")
    return reading


def read_page(page: Page) -> FormReading:
    """Classify a page and read the form it is; unknown forms give only their kind."""
    kind = classify(phrases(page.words, page.vertical))
    if kind == "hospital_receipt":
        return read_hospital(page)
    if kind == "pharmacy_receipt":
        return read_pharmacy(page)
    if kind in ("itemised_bill", "prescription", "certificate"):
        from silson.documents import medical  # the medical forms build on this module's readers

        return medical.read(kind, page)
    return FormReading(kind=kind, layout="none")
