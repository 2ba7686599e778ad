"""Synthetic receipts for tests and the bench: the three forms drawn from known amounts.

Each receipt is drawn once through a small canvas interface, to a Pillow image (for scans, photos
and image-only PDFs) or to a PDF with a real text layer (fpdf2, a dev dependency, imported only
there). Amounts are made to satisfy the forms' arithmetic unless a test asks for a tampered digit.
Every name and number is made up; business numbers carry a valid check digit.
"""

from __future__ import annotations

import io
import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal, Protocol

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONT_DIR = Path("/usr/share/fonts/truetype/nanum")
FONT = FONT_DIR / "NanumGothic.ttf"
FONT_BOLD = FONT_DIR / "NanumGothicBold.ttf"

Layout = Literal["hospital-2024", "hospital-older", "pharmacy"]
Variant = Literal["scan", "photo", "text_pdf", "image_pdf"]
Align = Literal["left", "right", "center"]


@dataclass
class Spec:
    """What a synthetic receipt says."""

    layout: Layout
    business_number: str
    provider: str
    patient: str
    visit_date: date
    issued: date
    rows: list[
        tuple[str, int, int, int, int]
    ]  # name, copay, nhis, full, noncovered (older: noncovered = 선택진료료 이외)
    already_paid: int = 0
    card_share: float = 1.0
    cash_receipt_share: float = 0.0
    tamper: dict[str, int] = field(default_factory=dict)  # printed value overrides, to break a check
    discharge: date | None = None  # 입원 (퇴원) receipts: the 진료기간's end; the 입원료 row's 비급여 is the room

    @property
    def copay(self) -> int:
        return sum(r[1] for r in self.rows)

    @property
    def nhis(self) -> int:
        return sum(r[2] for r in self.rows)

    @property
    def full(self) -> int:
        return sum(r[3] for r in self.rows)

    @property
    def noncovered(self) -> int:
        return sum(r[4] for r in self.rows)

    @property
    def total(self) -> int:
        return self.copay + self.nhis + self.full + self.noncovered

    @property
    def patient_total(self) -> int:
        return self.copay + self.full + self.noncovered

    @property
    def paid(self) -> int:
        return self.patient_total - self.already_paid

    def payments(self) -> tuple[int, int, int]:
        card = round(self.paid * self.card_share / 10) * 10
        receipt = min(self.paid - card, round(self.paid * self.cash_receipt_share / 10) * 10)
        return card, receipt, self.paid - card - receipt

    def printed(self, name: str, value: int) -> int:
        return self.tamper.get(name, value)

    def expected(self) -> dict[str, Any]:
        """The fields of `silson-receipt/1` this receipt must read as."""
        return {
            "kind": "pharmacy_receipt" if self.layout == "pharmacy" else "hospital_receipt",
            "provider": {"business_number": self.business_number},
            "visit": {"date": self.visit_date.isoformat()},
            "amounts": {
                "covered_copay": self.copay,
                "nhis_paid": self.nhis,
                "covered_full": self.full,
                "noncovered": self.noncovered,
                "total": self.total,
                "patient_total": self.patient_total,
                "paid": self.paid,
            },
        } | (self._inpatient() if self.discharge else {})

    def _inpatient(self) -> dict[str, Any]:
        room = sum(r[4] for r in self.rows if r[0] == "입원료")
        return {
            "visit": {"kind": "inpatient", "date": self.visit_date.isoformat(), "discharge": f"{self.discharge}"},
            "amounts": {**self.expected_amounts(), "noncovered": self.noncovered - room, "room_difference": room},
        }

    def expected_amounts(self) -> dict[str, int]:
        return {"covered_copay": self.copay, "nhis_paid": self.nhis, "covered_full": self.full,
                "total": self.total, "patient_total": self.patient_total, "paid": self.paid}  # fmt: skip


def _brn(rng: random.Random) -> str:
    while True:
        head = f"{rng.randint(101, 899)}{rng.randint(1, 99):02d}{rng.randint(1, 9999):04d}"
        digits = [int(c) for c in head]
        total = sum(d * w for d, w in zip(digits, (1, 3, 7, 1, 3, 7, 1, 3, 5), strict=True)) + digits[8] * 5 // 10
        return head + str((10 - total % 10) % 10)


_SURNAMES = "김이박최정강조윤장임한오서신권황안송류홍"
_GIVEN = "민서준도윤하지우현수빈예은채원시연재호태희경진"
_HOSPITAL_ROWS = (
    "진찰료",
    "주사료",
    "검사료",
    "영상진단료",
    "처치 및 수술료",
    "재활 및 물리치료료",
    "초음파 진단료",
    "MRI 진단료",
)


def random_spec(rng: random.Random, layout: Layout) -> Spec:
    """A plausible receipt of the given layout, amounts in tens of won."""

    def won(lo: int, hi: int) -> int:
        return rng.randint(lo // 10, hi // 10) * 10

    name = rng.choice(_SURNAMES) + rng.choice(_GIVEN) + rng.choice(_GIVEN)
    visit = date(2023, 1, 2) + timedelta(days=rng.randint(0, 900))
    if layout == "pharmacy":
        rows = [("약제비", won(1_000, 15_000), won(2_000, 40_000), 0, rng.choice([0, 0, won(1_000, 20_000)]))]
        provider = rng.choice(["바른", "참좋은", "온누리", "푸른", "하나"]) + "약국"
    else:
        rows = []
        for row in rng.sample(_HOSPITAL_ROWS, rng.randint(2, 5)):
            base = won(2_000, 40_000)
            copay = base * 3 // 10 // 10 * 10
            full = won(1_000, 10_000) if rng.random() < 0.2 else 0
            non = won(5_000, 120_000) if rng.random() < 0.3 else 0
            rows.append((row, copay, base - copay, full, non))
        provider = (
            rng.choice(["가온", "든든", "연세", "밝은", "새봄"])
            + rng.choice(["내과", "정형외과", "가정의학과"])
            + "의원"
        )
    spec = Spec(
        layout=layout,
        business_number=_brn(rng),
        provider=provider,
        patient=name,
        visit_date=visit,
        issued=visit + timedelta(days=rng.randint(0, 20)),
        rows=rows,
        already_paid=0,
        card_share=rng.choice([1.0, 1.0, 0.0, 0.5]),
        cash_receipt_share=rng.choice([0.0, 1.0]),
    )
    if layout != "pharmacy" and rng.random() < 0.25:  # a 퇴원 receipt: 입원료 with a room difference as 비급여
        days = rng.randint(2, 8)
        base = won(40_000, 90_000) * days
        copay = base // 5 // 10 * 10  # 입원 20 % (§7.1 printed notes)
        spec.rows.append(("입원료", copay, base - copay, 0, won(30_000, 120_000) * days))
        spec.discharge = visit + timedelta(days=days - 1)
        spec.provider = spec.provider.replace("의원", "병원")
        spec.issued = spec.discharge
    return spec


class Canvas(Protocol):
    """Drawing in millimetres on an A4 page, origin top left."""

    def line(self, x0: float, y0: float, x1: float, y1: float, width: float = 0.3) -> None: ...

    def text(self, x0: float, y0: float, x1: float, y1: float, s: str, size: float, *, align: Align = "left",
             bold: bool = False) -> None: ...  # fmt: skip

    def shade(self, x0: float, y0: float, x1: float, y1: float) -> None: ...


class PilCanvas:
    """A Pillow page at a given dpi."""

    def __init__(self, dpi: int) -> None:
        self.k = dpi / 25.4
        self.image = Image.new("L", (round(210 * self.k), round(297 * self.k)), 255)
        self.draw = ImageDraw.Draw(self.image)
        self.fonts: dict[tuple[float, bool], ImageFont.FreeTypeFont] = {}

    def _font(self, size: float, bold: bool) -> ImageFont.FreeTypeFont:
        key = (size, bold)
        if key not in self.fonts:
            self.fonts[key] = ImageFont.truetype(str(FONT_BOLD if bold else FONT), round(size * self.k * 25.4 / 72))
        return self.fonts[key]

    def line(self, x0: float, y0: float, x1: float, y1: float, width: float = 0.3) -> None:
        k = self.k
        self.draw.line([(x0 * k, y0 * k), (x1 * k, y1 * k)], fill=0, width=max(1, round(width * k)))

    def text(self, x0: float, y0: float, x1: float, y1: float, s: str, size: float, *, align: Align = "left",
             bold: bool = False) -> None:  # fmt: skip
        k, font = self.k, self._font(size, bold)
        width = font.getlength(s)
        pad = 1.2 * k
        x = (
            x0 * k + pad
            if align == "left"
            else x1 * k - pad - width
            if align == "right"
            else (x0 + x1) / 2 * k - width / 2
        )
        self.draw.text((x, (y0 + y1) / 2 * k), s, font=font, fill=0, anchor="lm")

    def shade(self, x0: float, y0: float, x1: float, y1: float) -> None:
        k = self.k
        self.draw.rectangle([x0 * k, y0 * k, x1 * k, y1 * k], fill=235)


class PdfCanvas:
    """A born-digital PDF page with a real text layer (fpdf2)."""

    def __init__(self) -> None:
        from fpdf import FPDF

        self.pdf = FPDF(unit="mm", format="A4")
        self.pdf.add_font("nanum", "", str(FONT))
        self.pdf.add_font("nanum", "B", str(FONT_BOLD))
        self.pdf.add_page()

    def line(self, x0: float, y0: float, x1: float, y1: float, width: float = 0.3) -> None:
        self.pdf.set_line_width(width)
        self.pdf.line(x0, y0, x1, y1)

    def text(self, x0: float, y0: float, x1: float, y1: float, s: str, size: float, *, align: Align = "left",
             bold: bool = False) -> None:  # fmt: skip
        self.pdf.set_font("nanum", "B" if bold else "", size)
        width = self.pdf.get_string_width(s)
        x = x0 + 1.2 if align == "left" else x1 - 1.2 - width if align == "right" else (x0 + x1) / 2 - width / 2
        self.pdf.text(x, (y0 + y1) / 2 + size * 0.35 * 0.352778 * 1.0, s)

    def shade(self, x0: float, y0: float, x1: float, y1: float) -> None:
        self.pdf.set_fill_color(235)
        self.pdf.rect(x0, y0, x1 - x0, y1 - y0, style="F")

    def to_bytes(self) -> bytes:
        return bytes(self.pdf.output())


def _grid(c: Canvas, xs: Sequence[float], ys: Sequence[float]) -> None:
    for y in ys:
        c.line(xs[0], y, xs[-1], y)
    for x in xs:
        c.line(x, ys[0], x, ys[-1])


def _money(v: int) -> str:
    return f"{v:,}"


def _dash(v: int) -> str:
    return "-" if v == 0 else f"{v:,}"


def _korean_date(d: date) -> str:
    return f"{d.year}년 {d.month:02d}월 {d.day:02d}일"


def draw_hospital(c: Canvas, s: Spec) -> None:
    """진료비 계산서ㆍ영수증, 2024 layout or the older one with 선택진료료 columns."""
    older = s.layout == "hospital-older"
    c.text(10, 8, 120, 13, "■ 국민건강보험 요양급여의 기준에 관한 규칙 [별지 제6호서식]", 7)
    title = "[ ]외래 [■]입원 ([■]퇴원 [ ]중간)" if s.discharge else "[■]외래 [ ]입원 ([ ]퇴원 [ ]중간)"
    c.text(40, 15, 110, 23, title, 8)
    c.text(105, 14, 200, 24, "진료비 계산서ㆍ영수증", 15, bold=True)
    xs = [10, 35, 60, 80, 100, 122, 200]
    ys = [26, 34, 42]
    _grid(c, xs, ys)
    start = _korean_date(s.visit_date) if not older else s.visit_date.isoformat()
    last = s.discharge or s.visit_date
    end = _korean_date(last) if not older else last.isoformat()
    header = [("환자등록번호", "62335831"), ("환자 성명", s.patient), ("진료기간", f"{start} ~ {end}")]
    for i, (label, value) in enumerate(header):
        c.text(xs[2 * i], ys[0], xs[2 * i + 1], ys[1], label, 7, align="center")
        c.text(xs[2 * i + 1], ys[0], xs[2 * i + 2], ys[1], value, 7, align="center")
    for i, (label, value) in enumerate([("진료과목", "내과"), ("병실", ""), ("영수증번호", "20250520-09750")]):
        c.text(xs[2 * i], ys[1], xs[2 * i + 1], ys[2], label, 7, align="center")
        c.text(xs[2 * i + 1], ys[1], xs[2 * i + 2], ys[2], value, 7, align="center")
    # Amount grid.
    cols = [10, 42, 62, 82, 100, 120] if not older else [10, 38, 54, 70, 86, 103, 120]
    heads = ["본인부담금", "공단부담금", "전액본인부담", "비급여"] if not older else [
        "본인부담금", "공단부담금", "전액본인부담", "선택진료료", "선택진료료이외"]  # fmt: skip
    top, row_h = 48, 6.5
    c.text(cols[0], top, cols[1], top + 2 * row_h, "항 목", 7, align="center")
    c.text(cols[1], top, cols[4], top + row_h, "급여", 7, align="center")
    for i, head in enumerate(heads):
        c.text(cols[i + 1], top + row_h, cols[i + 2], top + 2 * row_h, head, 6, align="center")
    names = ["진찰료", "입원료", "식대", "투약 및 조제료", "주사료", "마취료", "처치 및 수술료", "검사료",
             "영상진단료", "방사선치료료", "치료재료대", "재활 및 물리치료료", "정신요법료", "CT 진단료", "MRI 진단료",
             "초음파 진단료", "제증명수수료", "기타"]  # fmt: skip
    amounts = {r[0]: r for r in s.rows}
    y = top + 2 * row_h
    for name in names:
        c.text(cols[0], y, cols[1], y + row_h, name, 6.5)
        r = amounts.get(name)
        if r is not None:
            values = [r[1], r[2], r[3], r[4]] if not older else [r[1], r[2], r[3], 0, r[4]]
            for i, v in enumerate(values):
                c.text(cols[i + 1], y, cols[i + 2], y + row_h, _dash(v) if not older else (_money(v) if v else ""),
                       6.5, align="right")  # fmt: skip
        elif not older:
            for i in range(len(heads)):
                c.text(cols[i + 1], y, cols[i + 2], y + row_h, "-", 6.5, align="right")
        y += row_h
    sums = [s.printed("copay", s.copay), s.printed("nhis", s.nhis), s.full, s.noncovered]
    if older:
        sums = [*sums[:3], 0, s.noncovered]
    marks = "①②③④⑤"
    c.text(cols[0], y, cols[1], y + row_h, "합 계" if older else "합계", 7, align="center", bold=True)
    for i, v in enumerate(sums):
        c.text(cols[i + 1], y, cols[i + 2], y + row_h, marks[i], 6)
        c.text(cols[i + 1], y, cols[i + 2], y + row_h, _money(v), 7, align="right", bold=True)
    y += row_h
    c.text(cols[0], y, cols[1], y + row_h, "상한액 초과금 " + ("⑥" if older else "⑤"), 6.5)
    if not older:
        c.text(cols[1], y, cols[2], y + row_h, "0", 6.5)
    y += row_h
    grid_bottom = y
    for yy in [top, top + row_h, top + 2 * row_h, *[top + (2 + i) * row_h for i in range(len(names) + 3)]]:
        c.line(cols[0], yy, cols[-1], yy)
    c.line(cols[1], top + row_h, cols[-1], top + row_h)
    for x in cols:
        c.line(x, top if x in (cols[0], cols[1], cols[-1]) else top + row_h, x, grid_bottom)
    # Right block: 금액산정내용.
    bx = [122, 160, 200]
    n = "⑦⑧⑨⑩" if older else "⑥⑦⑧⑨⑩"
    rows: list[tuple[str, str]] = (
        [(f"{n[0]} 진료비 총액 (①+②+③+④+⑤)", _money(s.printed("total", s.total))),
         (f"{n[1]} 환자부담 총액 (①+③+④+⑤)", _money(s.printed("patient_total", s.patient_total))),
         (f"{n[2]} 이미 납부한 금액", _money(s.already_paid) if s.already_paid else ""),
         (f"{n[3]} 납부할 금액 (⑧-⑨)", _money(s.paid))]
        if older
        else [(f"{n[0]} 진료비 총액 (①+②+③+④)", _money(s.printed("total", s.total))),
              (f"{n[1]} 공단부담 총액 (②+⑤)", _money(s.nhis)),
              (f"{n[2]} 환자부담 총액 (①-⑤)+③+④", _money(s.printed("patient_total", s.patient_total))),
              (f"{n[3]} 이미 납부한 금액", _money(s.already_paid)),
              (f"{n[4]} 납부할 금액 (⑧-⑨)", _money(s.paid))]
    )  # fmt: skip
    c.text(bx[0], top, bx[2], top + row_h, "금액산정내용", 7, align="center", bold=True)
    y = top + row_h
    c.line(bx[0], top, bx[2], top)
    c.line(bx[0], y, bx[2], y)
    for label, value in rows:
        c.text(bx[0], y, bx[1], y + 11, label, 6.5)
        c.text(bx[1], y, bx[2], y + 11, value, 8, align="right", bold=True)
        y += 11
        c.line(bx[0], y, bx[2], y)
    card, receipt, cash = s.payments()
    pay_top = y
    px = [122, 138, 160, 200]
    fmt = _money if not older else (lambda v: _money(v) if v else "")
    paid = (("카드", card), ("현금영수증", receipt), ("현금", cash), ("합계", s.printed("paid", s.paid)))
    for pay_label, amount in paid:
        c.text(px[1], y, px[2], y + 8, pay_label, 6.5, align="center")
        c.text(px[2], y, px[3], y + 8, fmt(amount) if pay_label != "합계" else _money(amount), 8, align="right",
               bold=pay_label == "합계")  # fmt: skip
        y += 8
        c.line(px[1], y, px[3], y)
    c.text(px[0], pay_top, px[1], y, "납부한 금액", 6, align="center")
    c.line(px[0], y, px[3], y)
    for x in (px[1], px[2]):
        c.line(x, pay_top, x, y)
    c.text(bx[0], y, bx[1], y + 9, "납부하지 않은 금액", 6.5)
    c.text(bx[1], y, bx[2], y + 9, "0", 7, align="right")
    y += 9
    c.line(bx[0], y, bx[2], y)
    c.text(bx[0], y + 2, bx[2], y + 8, "※ 요양기관 임의활용공간", 6.5)
    c.text(bx[0], y + 8, bx[2], y + 14, f"다음 예약일: {(s.visit_date + timedelta(days=3)).isoformat()} 16:00", 6.5)
    for x in (bx[0], bx[1], bx[2]):
        c.line(x, top, x, y if x != bx[1] else pay_top)
    c.line(bx[1], pay_top + 0, bx[1], pay_top)
    c.line(bx[1], y - 9, bx[1], y)
    # Footer.
    fy = [grid_bottom + 6, grid_bottom + 14, grid_bottom + 22]
    fx = [10, 40, 95, 115, 200]
    _grid(c, fx, fy)
    c.text(fx[0], fy[0], fx[1], fy[1], "사업자등록번호", 7, align="center")
    bn = s.business_number
    c.text(fx[1], fy[0], fx[2], fy[1], f"{bn[:3]}-{bn[3:5]}-{bn[5:]}", 8, align="center")
    c.text(fx[2], fy[0], fx[3], fy[1], "상호", 7, align="center")
    c.text(fx[3], fy[0], fx[4], fy[1], s.provider, 8, align="center")
    c.text(fx[0], fy[1], fx[1], fy[2], "사업장 소재지", 7, align="center")
    c.text(fx[1], fy[1], fx[4], fy[2], "광주광역시 서구 강변로 151, 7층", 7)
    c.text(60, fy[2] + 4, 150, fy[2] + 12, f"발행일 : {s.issued.isoformat()}", 9, align="center")


def draw_pharmacy(c: Canvas, s: Spec) -> None:
    """약제비 계산서ㆍ영수증, as pharmacies print it."""
    c.text(10, 8, 60, 13, "[별지 제11호서식]", 7)
    c.text(50, 15, 160, 25, "약제비 계산서ㆍ영수증", 15, bold=True)
    xs = [12, 40, 80, 110, 150, 170, 198]
    ys = [30, 38, 46]
    _grid(c, xs, ys)
    for i, (label, value) in enumerate([("환자성명", s.patient), ("조제일자", s.visit_date.isoformat()),
                                        ("영수증번호", "20241219-0744")]):  # fmt: skip
        c.text(xs[2 * i], ys[0], xs[2 * i + 1], ys[1], label, 7, align="center")
        c.text(xs[2 * i + 1], ys[0], xs[2 * i + 2], ys[1], value, 7, align="center")
    for i, (label, value) in enumerate(
        [("처방전 교부번호", "20241219-78500"), ("투약일수", "5일"), ("야간/공휴", "[ ]야간")]
    ):
        c.text(xs[2 * i], ys[1], xs[2 * i + 1], ys[2], label, 7, align="center")
        c.text(xs[2 * i + 1], ys[1], xs[2 * i + 2], ys[2], value, 7, align="center")
    card, receipt, cash = s.payments()
    left = [("약제비총액 (①+②+③)", s.printed("total", s.total)), ("본인부담금 ①", s.printed("copay", s.copay)),
            ("보험자부담금 ②", s.printed("nhis", s.nhis)), ("비급여(전액본인부담) ③", s.noncovered),
            ("총수납금액 (①+③)", s.printed("patient_total", s.patient_total))]  # fmt: skip
    right = [("카드", card), ("현금영수증", receipt), ("현금", cash), ("합계", s.printed("paid", s.paid))]
    ax = [12, 62, 105, 150, 198]
    y = 52
    for i, (row_label, amount) in enumerate(left):
        c.text(ax[0], y, ax[1], y + 9, row_label, 7, bold=i in (0, 4))
        c.text(ax[1], y, ax[2], y + 9, f"{amount:,} 원", 8, align="right", bold=i in (0, 4))
        if i < len(right):
            c.text(ax[2], y, ax[3], y + 9, right[i][0], 7, bold=right[i][0] == "합계")
            c.text(ax[3], y, ax[4], y + 9, f"{right[i][1]:,} 원", 8, align="right")
        else:
            c.text(ax[2], y, ax[3], y + 9, "현금영수증 신분확인번호", 7)
        y += 9
    _grid(c, ax, [52 + 9 * i for i in range(6)])
    c.text(12, y + 2, 198, y + 7, "※ 이 계산서ㆍ영수증은 「소득세법」에 따른 의료비 공제신청에 사용할 수 있습니다.", 6)
    fy = [y + 12, y + 20, y + 28]
    fx = [12, 45, 100, 120, 198]
    _grid(c, fx, fy)
    c.text(fx[0], fy[0], fx[1], fy[1], "사업자등록번호", 7, align="center")
    bn = s.business_number
    c.text(fx[1], fy[0], fx[2], fy[1], f"{bn[:3]}-{bn[3:5]}-{bn[5:]}", 8, align="center")
    c.text(fx[2], fy[0], fx[3], fy[1], "상호", 7, align="center")
    c.text(fx[3], fy[0], fx[4], fy[1], f"{s.provider} (☎ 02-980-7869)", 8, align="center")
    c.text(fx[0], fy[1], fx[1], fy[2], "사업장소재지", 7, align="center")
    c.text(fx[1], fy[1], fx[4], fy[2], "서울특별시 관악구 역전로 8, 4층", 7)
    c.text(60, fy[2] + 4, 150, fy[2] + 12, _korean_date(s.issued), 9, align="center")


class Drawable(Protocol):
    """Any synthetic document: it draws itself and says what must be read from it."""

    def expected(self) -> dict[str, Any]: ...


def draw(c: Canvas, s: Any) -> None:
    if isinstance(s, Spec):
        (draw_pharmacy if s.layout == "pharmacy" else draw_hospital)(c, s)
    else:
        s.draw(c)  # the other documents (synth_medical) draw themselves


def scan(s: Drawable, rng: random.Random, *, dpi: int = 300) -> Image.Image:
    """A clean flatbed scan: slight rotation, a little noise."""
    canvas = PilCanvas(dpi)
    draw(canvas, s)
    image = canvas.image.rotate(rng.uniform(-0.6, 0.6), resample=Image.Resampling.BICUBIC, fillcolor=255)
    noise = np.asarray(image, dtype=np.int16) + np.random.default_rng(rng.randint(0, 2**31)).normal(
        0, 4, image.size[::-1]
    )
    return Image.fromarray(np.clip(noise, 0, 255).astype(np.uint8))


def photo(s: Drawable, rng: random.Random) -> bytes:
    """A phone photo: on a darker background, tilted, in perspective, unevenly lit, blurred, JPEG."""
    canvas = PilCanvas(220)
    draw(canvas, s)
    page = np.asarray(canvas.image, dtype=np.float32)
    h, w = page.shape
    out_w, out_h = round(w * 1.25), round(h * 1.2)
    jitter = 0.05
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
    cx, cy = out_w / 2, out_h / 2
    angle = np.deg2rad(rng.uniform(-5, 5))
    dst = []
    for x, y in src - np.array([w / 2, h / 2]):
        x, y = x * 0.9, y * 0.9
        x += rng.uniform(-jitter, jitter) * w
        y += rng.uniform(-jitter, jitter) * h
        dst.append([cx + x * np.cos(angle) - y * np.sin(angle), cy + x * np.sin(angle) + y * np.cos(angle)])
    matrix = cv2.getPerspectiveTransform(src, np.array(dst, dtype=np.float32))
    background = np.linspace(70, 120, out_w, dtype=np.float32)[None, :].repeat(out_h, 0)
    mask = cv2.warpPerspective(np.ones_like(page), matrix, (out_w, out_h))
    warped = cv2.warpPerspective(page * 0.93, matrix, (out_w, out_h))
    image = warped * mask + background * (1 - mask)
    yy, xx = np.mgrid[0:out_h, 0:out_w].astype(np.float32)
    gx, gy = rng.uniform(0, out_w), rng.uniform(0, out_h)
    light = 1 - 0.35 * np.sqrt((xx - gx) ** 2 + (yy - gy) ** 2) / np.hypot(out_w, out_h)
    image = cv2.GaussianBlur(image * light, (0, 0), rng.uniform(0.6, 1.3))
    rgb = np.clip(np.stack([image * 1.0, image * 0.97, image * 0.9], axis=2), 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="JPEG", quality=rng.randint(60, 80))
    return buf.getvalue()


def render(s: Drawable, variant: Variant, rng: random.Random) -> tuple[bytes, str]:
    """The receipt as file bytes and the file suffix."""
    if variant == "text_pdf":
        pdf = PdfCanvas()
        draw(pdf, s)
        return pdf.to_bytes(), ".pdf"
    if variant == "photo":
        return photo(s, rng), ".jpg"
    image = scan(s, rng, dpi=300 if variant == "scan" else 200)
    buf = io.BytesIO()
    if variant == "scan":
        image.save(buf, format="PNG")
        return buf.getvalue(), ".png"
    image.save(buf, format="PDF", resolution=200)
    return buf.getvalue(), ".pdf"


def tampered(s: Spec, name: str, value: int) -> Spec:
    """The same receipt with one printed figure changed (a forged or misprinted digit)."""
    return replace(s, tamper={**s.tamper, name: value})
