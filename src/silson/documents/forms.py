"""The forms we know, read cell by cell: what kind of document a page is and what its cells say.

Hospital receipts follow [별지 제6호서식] (2024 layout: one 비급여 column, ⑥ 진료비 총액; the older
layout splits 비급여 into 선택진료료 / 선택진료료 이외 and numbers the total ⑦). Pharmacy receipts follow
the 약제비 계산서ㆍ영수증 as pharmacies print it. The raw reads land here with their confidence and the
cell they came from; `checks` then tests them against the form's own arithmetic.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from silson.documents.layout import Box, Phrase, Read, below_cell, find_labels, phrases, right_cell
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


_MARKS = str.maketrans("", "", "①②③④⑤⑥⑦⑧⑨⑩⑪⑫")


def _amount(read: Read | None, *, blank_is_zero: bool) -> FieldRead:
    if read is None:
        return FieldRead(None, 0.0, None, "label found, no cell")
    if read.blank or not read.text.translate(_MARKS).strip():
        return FieldRead(0 if blank_is_zero else None, 0.97 if blank_is_zero else 0.0, read, "blank cell")
    value = parse_amount(read.text)
    if len(re.findall(r"[가-힣]", read.text.replace("원", ""))) > 3:  # prose, not an amount cell
        value = None
    if value is None:
        return FieldRead(None, 0.0, read, f"no amount in {read.text!r}")
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

    def payment_block(self, fields: dict[str, FieldRead]) -> None:
        """카드 / 현금영수증 / 현금 / 합계: the sub-rows of 납부한 금액, found under the 카드 label."""
        card = _first(self.label("카드", exact=True, at_start=True))
        fields["card"] = self.amount_right(card)
        if card is None:
            for name in ("cash_receipt", "cash", "paid"):
                fields[name] = FieldRead(None, 0.0, None, "payment block not found")
            return
        column = card.height * 4

        def under(hits: list[Box]) -> Box | None:
            below = [h for h in hits if abs(h.x0 - card.x0) < column and h.y0 > card.y0 + card.height / 2]
            return min(below, key=lambda h: h.y0) if below else None

        fields["cash_receipt"] = self.amount_right(
            under(self.label("현금영수증", not_followed_by=("신분", "승인", "(")))
        )
        fields["cash"] = self.amount_right(under(self.label("현금", exact=True, not_followed_by=("영수증", "승인"))))
        fields["paid"] = self.amount_right(under(self.label("합계", exact=True)))

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


def _visit_kind(reader: _Reader) -> tuple[str | None, float]:
    """외래 or 입원 from the title's tick boxes ([■]외래 / [√]입원)."""
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
    totals = r.label("합계", exact=True)
    grid_total = min(totals, key=lambda b: b.x0) if totals else None
    columns = (
        ("covered_copay", "nhis_paid", "covered_full", "noncovered_choice", "noncovered_other")
        if older
        else ("covered_copay", "nhis_paid", "covered_full", "noncovered")
    )
    for index, name in enumerate(columns):
        f[name] = r.amount_right(grid_total, index=index)
    caps = r.label("상한액초과금")
    if grid_total is not None:  # the row under 합계, not the printed note that explains it
        caps = [b for b in caps if -grid_total.height < b.y0 - grid_total.y1 < 6 * grid_total.height]
    f["cap_excess"] = r.amount_right(_first(caps))
    f["total"] = r.amount_right(_first(r.label("진료비총액")), blank_is_zero=False)
    f["nhis_total"] = r.amount_right(_first(r.label("공단부담총액")))
    _derive_cap_excess(f)
    f["patient_total"] = r.amount_right(_first(r.label("환자부담총액")), blank_is_zero=False)
    f["already_paid"] = r.amount_right(_first(r.label("이미납부한금액")))
    f["to_pay"] = r.amount_right(_first(r.label("납부할금액", exact=True)))
    f["unpaid"] = r.amount_right(_first(r.label("납부하지않은금액")))
    r.payment_block(f)
    f["visit_date"], dates = r.date_field("진료기간")
    reading.visit_kind, reading.visit_kind_conf = _visit_kind(r)
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
    f["total"] = r.amount_right(_first(r.label("약제비총액")), blank_is_zero=False)
    f["covered_copay"] = r.amount_right(_first(r.label("본인부담금")))
    f["nhis_paid"] = r.amount_right(_first(r.label("보험자부담금")))
    f["noncovered"] = r.amount_right(_first(r.label("비급여(전액본인부담)", "비급여")))
    f["covered_full"] = FieldRead(0, 1.0, None, "pharmacy form: 비급여(전액본인부담) merges both")
    f["patient_total"] = r.amount_right(_first(r.label("총수납금액", "수납금액")), blank_is_zero=False)
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
    return FormReading(kind=kind, layout="none")
