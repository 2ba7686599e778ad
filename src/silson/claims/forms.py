"""The package's papers as PDFs: the 보험금 청구서 (the fields of claims-and-documents.md §2.1), the
개인(신용)정보 처리 동의서 (§2.2), the 위임장 silson files under (§2.4 (a)) and a cover sheet (the
visits, their amounts and the other insurers covering the same visits: 다수보험). Made with fpdf2 with a
Korean TrueType font embedded, so a person and `pdftotext` read the same text. Pure: the data comes
in (`Papers`), bytes go out."""

from __future__ import annotations

import copy
import os
import pickle
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import TTFFont

from silson.errors import SilsonError

FONT = Path(os.environ.get("SILSON_PDF_FONT", "/usr/share/fonts/truetype/nanum/NanumGothic.ttf"))
#: the claims agent named on every 위임장 (수임인); its registration numbers are filled in on paper
AGENT = "실손(silson) 심사센터"
BLANK = "(서면 기재)"


class FontMissing(SilsonError, RuntimeError):
    """The Korean font is not installed: a PDF without it would show empty boxes, so none is made."""

    code = "pdf_font_missing"
    http_status = 500


@dataclass(frozen=True, slots=True)
class Visit:
    ref: str  # the case event id ("e12")
    day: date  # 진료일 (입원: 입원일)
    discharge: date | None  # 퇴원일
    kind: str  # outpatient | inpatient | prescription
    cause: str  # disease | injury
    institution: str  # 치료기관
    kcd: tuple[str, ...]  # 질병코드
    covered_copay: int  # 급여 본인부담금
    noncovered: int  # 비급여
    others: tuple[str, ...]  # other insurers whose 실손 covers this visit too (다수보험)

    @property
    def paid(self) -> int:
        """What the person paid at the counter for the visit, as the receipt's two columns add up."""
        return self.covered_copay + self.noncovered


@dataclass(frozen=True, slots=True)
class Contract:
    ref: str
    insurer: str
    terms: str  # the rule set the contract maps to (its generation)
    start: date


@dataclass(frozen=True, slots=True)
class Papers:
    claim_id: int
    insurer: str
    claim_date: date  # 청구일
    new_claim: bool  # 신규 (else 추가 청구)
    name: str  # 피보험자 성명
    birth_date: date
    phone: str
    rrn: str | None  # 주민등록번호 (masked on paper)
    contracts: tuple[Contract, ...]  # the person's contracts with this insurer
    visits: tuple[Visit, ...]
    documents: tuple[tuple[str, str], ...]  # (서류명, 상태) of the checklist
    consented_at: date | None = None  # the person's consent to sending claims to insurers (보험사 전송)
    consent_version: str | None = None

    @property
    def others(self) -> tuple[str, ...]:
        return tuple(sorted({o for v in self.visits for o in v.others}))

    @property
    def total_paid(self) -> int:
        return sum(v.paid for v in self.visits)


KIND = {"outpatient": "통원", "inpatient": "입원", "prescription": "처방조제"}
CAUSE = {"disease": "질병", "injury": "상해"}


def masked_rrn(rrn: str | None) -> str:
    """주민등록번호 on paper: birth part and the first digit of the rest, the others hidden.

    >>> masked_rrn("850412-1234567")
    '850412-1******'
    >>> masked_rrn(None)
    '(서면 기재)'
    """
    if not rrn:
        return BLANK
    digits = rrn.replace("-", "")
    return f"{digits[:6]}-{digits[6:7]}******"


def won(amount: int) -> str:
    """An amount as the forms print it.

    >>> won(1234500)
    '1,234,500원'
    """
    return f"{amount:,}원"


@cache
def _parsed_font(path: Path) -> tuple[TTFFont, bytes]:
    """The font as fpdf2 reads it, read once per process: parsing the 4.7 MB NanumGothic took most of
    the time of every PDF (≈0.2–0.5 s each, four per package). fpdf2 cuts the font down to the glyphs
    used when it writes a PDF, in place, so each PDF gets its own copy of the parsed tables (unpickled:
    ≈0.05 s) and never touches this one."""
    probe = FPDF()
    probe.add_font("Nanum", fname=str(path))
    font = probe.fonts["nanum"]
    assert isinstance(font, TTFFont)
    for table in list(font.ttfont.keys()):  # every table in memory: the copies need no open file
        font.ttfont[table]  # reading a table loads it
    return font, pickle.dumps(font.ttfont)


class _Doc(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(format="A4")
        if not FONT.is_file():
            raise FontMissing(f"한글 글꼴이 없어 PDF를 만들 수 없습니다: {FONT} (fonts-nanum, SILSON_PDF_FONT)")
        template, tables = _parsed_font(FONT)
        font = copy.deepcopy(template)  # its own glyph subset and widths; the parsed tables shared …
        font.ttfont = pickle.loads(tables)  # … but fpdf2 subsets them in place: a fresh copy (our own bytes)
        self.fonts["nanum"] = font
        self.set_font("Nanum", size=10)
        self.set_title(title)
        self.set_auto_page_break(auto=True, margin=15)
        self.add_page()
        self.set_font("Nanum", size=16)
        self.cell(0, 12, title, new_x="LMARGIN", new_y="NEXT", align="C")
        self.set_font("Nanum", size=10)

    def heading(self, text: str) -> None:
        self.ln(2)
        self.set_font("Nanum", size=12)
        self.cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
        self.set_font("Nanum", size=10)

    def field(self, label: str, value: str) -> None:
        self.cell(55, 7, label, border=1)
        self.multi_cell(0, 7, value or BLANK, border=1, new_x="LMARGIN", new_y="NEXT")

    def grid(self, header: Sequence[str], widths: Sequence[int], rows: Sequence[Sequence[str]]) -> None:
        for text, width in zip(header, widths, strict=True):
            self.cell(width, 7, text, border=1, align="C")
        self.ln()
        for row in rows:
            for text, width in zip(row, widths, strict=True):
                self.cell(width, 7, text, border=1)
            self.ln()

    def bytes(self) -> bytes:
        return bytes(self.output())


def _visit_rows(visits: Sequence[Visit]) -> list[list[str]]:
    return [[v.day.isoformat() + (f"~{v.discharge.isoformat()}" if v.discharge else ""), KIND.get(v.kind, v.kind),
             v.institution[:14], ", ".join(v.kcd)[:12], won(v.covered_copay), won(v.noncovered)]
            for v in visits]  # fmt: skip


def claim_form(*, papers: Papers) -> bytes:
    """보험금 청구서 with the fields of §2.1; what silson does not hold is left for the person to write."""
    pdf = _Doc("보험금 청구서")
    p = papers
    pdf.field("보험회사", p.insurer)
    pdf.field("청구 구분", "신규 청구" if p.new_claim else "추가 청구")
    pdf.field("청구 번호 (silson)", f"#{p.claim_id}")
    pdf.heading("피보험자")
    pdf.field("성명", p.name)
    pdf.field("주민등록번호", masked_rrn(p.rrn))
    pdf.field("생년월일", p.birth_date.isoformat())
    pdf.field("연락처", p.phone)
    pdf.field("주소", BLANK)
    pdf.field("직업/직무 (상해)", BLANK)
    pdf.field("보험수익자(청구인)·관계", "피보험자 본인 (대리 청구: 위임장 첨부)")
    pdf.field("계약자 (다른 경우)", BLANK)
    pdf.heading("계약")
    for c in p.contracts:
        pdf.field(f"계약 {c.ref}", f"{c.insurer} · {c.terms} · 가입일 {c.start.isoformat()}")
    pdf.heading("사고 내용")
    causes = sorted({CAUSE.get(v.cause, v.cause) for v in p.visits})
    first = min((v.day for v in p.visits), default=None)
    pdf.field("사고 유형", " / ".join(causes))
    pdf.field("최초 진료일", first.isoformat() if first else BLANK)
    pdf.field("사고 장소와 경위 (상해)", BLANK)
    pdf.field("자동차보험/산재 처리", "해당 없음 (청구인 확인)")
    pdf.field("다른 실손보험 가입", ", ".join(p.others) if p.others else "없음")
    pdf.heading("진료 내역")
    pdf.grid(["진료일", "구분", "치료기관", "질병코드", "급여 본인부담", "비급여"], [42, 18, 44, 24, 31, 31],
              _visit_rows(p.visits))  # fmt: skip
    pdf.field("합계 (본인 부담)", won(p.total_paid))
    pdf.heading("수령 계좌와 동의")
    pdf.field("보험금 수령 계좌", f"피보험자 본인 명의 {BLANK}")
    pdf.field("개인(신용)정보 처리 동의", "동의 (별지 동의서)")
    pdf.field("서면조사 동의", "동의")
    pdf.field("심평원 진료비확인 동의", "요청 시 동의")
    pdf.field("청구일", p.claim_date.isoformat())
    pdf.field("청구인 서명", BLANK)
    pdf.ln(3)
    pdf.multi_cell(0, 6, "보험금을 받을 목적으로 사고를 일으키거나 사실을 숨기거나 부풀리면 보험사기방지특별법에 따라 "
                         "처벌받을 수 있습니다.")  # fmt: skip
    return pdf.bytes()


#: the 동의서's items (claims-and-documents.md §2.2: 필수 and 선택 kept apart, as 권익위 2015 asked)
CONSENT_ITEMS = (
    ("필수", "개인(신용)정보 수집·이용", "보험금 지급 심사와 지급: 성명, 연락처, 계약·진료 내역, 계좌"),
    ("필수", "민감정보(건강정보) 처리", "진단명, 질병코드, 진료 내역과 진료비 (보험금 심사에 필요한 범위)"),
    ("필수", "고유식별정보 처리", "주민등록번호 (계약 확인과 지급)"),
    ("필수", "개인(신용)정보 조회", "신용정보집중기관(생·손보협회, 보험개발원)의 계약·지급 정보: 중복보험 확인"),
    ("필수", "개인(신용)정보 제공", "재보험사, 손해사정 업체, 다른 보험회사(비례보상 확인)"),
    ("선택", "서면조사 동의", "의료기관·국민건강보험공단 조회 (제9조⑤: 거부하면 그 기간 지연이자 없음)"),
)


def consent_form(*, papers: Papers) -> bytes:
    """개인(신용)정보 처리 동의서 (§2.2): who, what for, each item required or optional, and the consent
    the person gave silson to send claims to insurers (when, which text)."""
    pdf = _Doc("개인(신용)정보 처리 동의서")
    p = papers
    pdf.field("보험회사", p.insurer)
    pdf.field("정보주체 (피보험자)", f"{p.name} ({p.birth_date.isoformat()})")
    pdf.field("이용 목적", f"보험금 청구 #{p.claim_id}의 심사와 지급")
    pdf.heading("동의 항목")
    pdf.grid(["구분", "항목", "내용"], [18, 52, 120], [list(item) for item in CONSENT_ITEMS])
    pdf.heading("동의 기록")
    given = f"{p.consented_at.isoformat()} 전자 동의 (보험사 전송, 동의서 {p.consent_version})" if p.consented_at \
        else BLANK  # fmt: skip
    pdf.field("정보주체의 동의", given)
    pdf.field("보유 기간", "보험금 지급 후 관계 법령이 정한 기간")
    pdf.multi_cell(0, 6, "선택 항목은 동의하지 않아도 청구할 수 있습니다. 동의는 언제든 철회할 수 있습니다.",
                   new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    pdf.field("서명", BLANK)
    return pdf.bytes()


def power_of_attorney(*, papers: Papers) -> bytes:
    """위임장 for the insurance claim (§2.4 (a)): 위임인, 수임인, what is delegated, for which
    insurer, contracts and visits, the date, and the seal or signature line."""
    pdf = _Doc("위임장")
    p = papers
    pdf.heading("위임인 (피보험자·보험수익자)")
    pdf.field("성명", p.name)
    pdf.field("주민등록번호", masked_rrn(p.rrn))
    pdf.field("주소", BLANK)
    pdf.field("연락처", p.phone)
    pdf.heading("수임인 (대리인)")
    pdf.field("법인명", AGENT)
    pdf.field("사업자등록번호", BLANK)
    pdf.field("위임인과의 관계", "보험금 청구 대행")
    pdf.heading("위임 내용")
    pdf.field("보험회사", p.insurer)
    pdf.field("증권(계약)", ", ".join(f"{c.ref} ({c.terms})" for c in p.contracts) or BLANK)
    days = sorted(v.day for v in p.visits)
    period = f"{days[0].isoformat()} ~ {days[-1].isoformat()} ({len(days)}건)" if days else BLANK
    pdf.field("대상 진료", period)
    pdf.multi_cell(0, 6, "위임인은 수임인에게 위 보험회사에 대한 보험금 청구, 청구 서류 제출과 진행 조회를 위임합니다. "
                         "보험금은 피보험자 본인 계좌로 지급받습니다.", new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    pdf.field("첨부", "인감증명서 원본 또는 본인서명사실확인서, 개인(신용)정보처리동의서")
    pdf.field("위임일", p.claim_date.isoformat())
    pdf.field("위임인 날인 (인감) 또는 서명", BLANK)
    return pdf.bytes()


def cover_sheet(*, papers: Papers) -> bytes:
    """The first page the insurer reads: the visits with their amounts, the other insurers covering
    them (다수보험: the insurers share the payout in proportion), and the documents enclosed."""
    pdf = _Doc("청구 표지")
    p = papers
    pdf.field("보험회사", p.insurer)
    pdf.field("피보험자", f"{p.name} ({p.birth_date.isoformat()})")
    pdf.field("청구일 / 청구 번호", f"{p.claim_date.isoformat()} / #{p.claim_id}")
    pdf.heading(f"진료 {len(p.visits)}건")
    rows = [[v.day.isoformat(), KIND.get(v.kind, v.kind), v.institution[:16], won(v.paid),
             ", ".join(v.others)[:22] or "-"] for v in p.visits]  # fmt: skip
    pdf.grid(["진료일", "구분", "치료기관", "본인 부담", "다른 실손 (다수보험)"], [30, 20, 50, 35, 55], rows)
    pdf.field("합계", won(p.total_paid))
    pdf.field("다수보험", ("같은 진료를 보장하는 다른 보험회사: " + ", ".join(p.others)) if p.others else "없음")
    pdf.heading("첨부 서류")
    for name, state in p.documents:
        pdf.field(name, state)
    return pdf.bytes()
