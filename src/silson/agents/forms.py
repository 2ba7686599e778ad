"""The two papers an agent carries to an institution, as the law names them (의료법 제21조제3항제2호,
시행규칙 제13조의3; claims-and-documents.md §6.2): the 진료기록 열람 및 사본발급 동의서 (별지 제9호의2서식)
and the 위임장 (별지 제9호의3서식), each with the patient's details, the agent's, the records asked
for (the visit dates and the documents), the date and the patient's signature.

Each is a facsimile of the form as 시행규칙 publishes it: the form number above the title, the
parties and the scope in a boxed table (a section's name in the left column, then label and value
cells), the statement citing 의료법 제21조제3항제2호 and 시행규칙 제13조의3제2항, the date and the
signature line ("(서명 또는 인)"), the institution's head addressed, the attachments box and the
paper size. The order of the sections and fields follows the forms as hospitals hand them out
(환자 → the person who asks → what is asked for → statement → signature); the shared notes do not
reproduce the forms, so the exact wording of the cells is UNCONFIRMED against the 관보 text. Whether
institutions take an electronically drawn signature is UNCONFIRMED too (§6.2: plan on wet ink), so
the paper says how it was signed. Pure: data in, PDF bytes out (fpdf2 with the Korean font of
`claims.forms`)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import cast

from silson.claims.forms import _Doc, masked_rrn

CONSENT_TITLE = "진료기록 열람 및 사본발급 동의서"
CONSENT_FORM = "의료법 시행규칙 [별지 제9호의2서식]"
POA_TITLE = "진료기록 열람 및 사본발급 위임장"
POA_FORM = "의료법 시행규칙 [별지 제9호의3서식]"
NOT_HELD = "(서면 기재)"
PAPER = "210mm×297mm[백상지 80g/㎡]"
PATIENT_ID = "환자의 신분증 사본 1부 (환자가 17세 미만으로 주민등록증이 발급되지 않은 경우는 제외합니다)"
STATUTE = "「의료법」 제21조제3항제2호 및 같은 법 시행규칙 제13조의3제2항"
ROW = 7.0  # mm: one line of a cell
SECTION_W, LABEL_W, SIGN_W = 32.0, 30.0, 40.0  # mm: the section column, a label cell, the signature
#: the rows of each form in the form's order: (section, labels); tests read the PDFs back against it
CONSENT_FIELDS = (
    ("환자", ("성명", "주민등록번호", "주소", "전화번호")),
    ("동의받는 사람", ("성명", "생년월일", "주소", "전화번호", "환자와의 관계")),
    ("동의 내용", ("의료기관", "열람·사본발급 범위", "진료기간", "진료일", "발급 서류", "사용 목적")),
)
POA_FIELDS = (
    ("위임하는 사람 (환자)", ("성명", "주민등록번호", "주소", "전화번호")),
    ("위임받는 사람", ("성명", "생년월일", "주소", "전화번호", "환자와의 관계")),
    ("위임 내용", ("의료기관", "열람·사본발급 범위", "진료기간", "진료일", "발급 서류", "사용 목적", "위임 기간")),
)


@dataclass(frozen=True, slots=True)
class Patient:
    name: str  # 환자 성명
    birth_date: date
    rrn: str | None  # 주민등록번호 (masked on paper; the ID copy shows it)
    phone: str


@dataclass(frozen=True, slots=True)
class Representative:
    """법정대리인 who signs for a patient under 14 (시행규칙 제13조의3; §6.2)."""

    name: str
    relation: str  # 친권자


@dataclass(frozen=True, slots=True)
class Agent:
    name: str  # 위임받는 사람 성명
    birth_date: date
    phone: str


@dataclass(frozen=True, slots=True)
class Request:
    """What the papers ask the institution for."""

    institution: str
    visit_days: tuple[date, ...]
    documents: tuple[str, ...]  # the names of the documents to issue
    signed_on: date
    signature_png: bytes | None  # the drawn signature of the patient (or of their 법정대리인)
    representative: Representative | None = None

    @property
    def period(self) -> str:
        days = sorted(self.visit_days)
        if not days:
            return NOT_HELD
        return f"{days[0].isoformat()} ~ {days[-1].isoformat()}"


Row = tuple[tuple[str, str], ...]  # one table row: (label, value) cells side by side


def _lines(pdf: _Doc, width: float, text: str) -> int:
    return len(cast(list[str], pdf.multi_cell(width - 2, ROW, text, dry_run=True, output="LINES")))


def _cells(pdf: _Doc, x: float, y: float, w: float, h: float, text: str, *, label: bool) -> None:
    """One boxed cell, its text centred vertically (labels shaded and centred, as on the forms)."""
    pdf.set_fill_color(236, 236, 236)
    pdf.rect(x, y, w, h, style="DF" if label else "D")
    pdf.set_xy(x + 1, y + (h - _lines(pdf, w, text) * ROW) / 2)
    pdf.multi_cell(w - 2, ROW, text, align="C" if label else "L")


def _height(pdf: _Doc, row: Row, value_w: float) -> float:
    tallest = max(max(_lines(pdf, LABEL_W, label), _lines(pdf, value_w, value)) for label, value in row)
    return max(1, tallest) * ROW + 1


def _section(pdf: _Doc, name: str, rows: Sequence[Row]) -> None:
    """A section of the table: its name in the left column spanning its rows; each row's cells fill
    the width (one label and value, or two pairs side by side)."""
    x0, y0 = pdf.l_margin, pdf.get_y()
    width = pdf.epw - SECTION_W
    heights = [_height(pdf, row, width / len(row) - LABEL_W) for row in rows]
    if y0 + sum(heights) > pdf.h - pdf.b_margin:
        pdf.add_page()
        y0 = pdf.get_y()
    _cells(pdf, x0, y0, SECTION_W, sum(heights), name, label=True)
    y = y0
    for row, h in zip(rows, heights, strict=True):
        x = x0 + SECTION_W
        value_w = width / len(row) - LABEL_W
        for label, value in row:
            if not label:  # a value alone across the row (the attachments)
                _cells(pdf, x, y, width, h, value, label=False)
                continue
            _cells(pdf, x, y, LABEL_W, h, label, label=True)
            _cells(pdf, x + LABEL_W, y, value_w, h, value or NOT_HELD, label=False)
            x += LABEL_W + value_w
        y += h
    pdf.set_xy(x0, y)


def _start(title: str, form: str) -> _Doc:
    pdf = _Doc(title)  # prints the title centred at the top …
    pdf.set_xy(pdf.l_margin, 4)  # … and the form number goes above it, as on the 관보 forms
    pdf.set_font("Nanum", size=8)
    pdf.cell(0, 5, f"■ {form}", align="L")
    pdf.set_font("Nanum", size=10)
    pdf.set_xy(pdf.l_margin, 26)
    return pdf


def _day(day: date) -> str:
    return f"{day.year}년 {day.month}월 {day.day}일"


def _party_rows(patient: Patient, agent: Agent) -> tuple[list[Row], list[Row]]:
    person: list[Row] = [(("성명", patient.name), ("주민등록번호", masked_rrn(patient.rrn))),
                         (("주소", NOT_HELD), ("전화번호", patient.phone))]  # fmt: skip
    carrier: list[Row] = [(("성명", agent.name), ("생년월일", agent.birth_date.isoformat())),
                          (("주소", NOT_HELD), ("전화번호", agent.phone)),
                          (("환자와의 관계", "환자가 지정한 대리인 (silson 현장 대리인)"),)]  # fmt: skip
    return person, carrier


def _scope_rows(request: Request) -> list[Row]:
    return [(("의료기관", request.institution),),
            (("열람·사본발급 범위", "[  ] 전부   [√] 일부 (아래 진료일의 아래 서류)"),),
            (("진료기간", request.period),),
            (("진료일", ", ".join(d.isoformat() for d in sorted(request.visit_days))),),
            (("발급 서류", ", ".join(request.documents)),),
            (("사용 목적", "실손의료보험금 청구"),)]  # fmt: skip


def _statement(pdf: _Doc, text: str) -> None:
    pdf.ln(4)
    pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)


def _signature(pdf: _Doc, request: Request, role: str, signer: str) -> None:
    """The date, then the signer's line with "(서명 또는 인)" and the drawn signature over it."""
    if request.representative is not None:
        role = f"법정대리인 ({request.representative.relation})"
        signer = request.representative.name
    pdf.cell(0, 8, _day(request.signed_on), align="R", new_x="LMARGIN", new_y="NEXT")
    y = pdf.get_y()
    pdf.cell(pdf.epw - SIGN_W, 14, f"{role}   {signer}", align="R")
    pdf.cell(SIGN_W, 14, "(서명 또는 인)", align="R", new_x="LMARGIN", new_y="NEXT")
    if request.signature_png:  # drawn over "(서명 또는 인)", as a hand signs there
        pdf.image(io.BytesIO(request.signature_png), x=pdf.l_margin + pdf.epw - SIGN_W + 2, y=y + 1, h=12)
    how = "휴대폰 화면에 직접 서명 (전자 서명)" if request.signature_png else "서면 서명"
    pdf.set_font("Nanum", size=8)
    pdf.cell(0, 5, f"서명 방식: {how}", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Nanum", size=10)


def _ending(pdf: _Doc, request: Request, attachments: Sequence[str]) -> None:
    pdf.ln(3)
    pdf.set_font("Nanum", size=12)
    pdf.cell(0, 8, f"{request.institution}의 장 귀하", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Nanum", size=9)
    pdf.ln(2)
    _section(pdf, "첨부서류", [(("", line),) for line in attachments])
    pdf.set_font("Nanum", size=8)
    pdf.cell(0, 6, PAPER, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Nanum", size=10)


def _attachments(request: Request, *adult: str) -> tuple[str, ...]:
    if request.representative is None:
        return adult
    return ("1. 법정대리인의 신분증 사본", "2. 가족관계증명서 (3개월 이내 발급)",
            "3. 위임받는 사람의 신분증 (원본 제시)")  # fmt: skip


def consent_form(*, patient: Patient, agent: Agent, request: Request) -> bytes:
    """별지 제9호의2서식: the patient consents to the agent seeing and copying their records."""
    pdf = _start(CONSENT_TITLE, CONSENT_FORM)
    person, carrier = _party_rows(patient, agent)
    _section(pdf, "환자", person)
    _section(pdf, "동의받는 사람", carrier)
    _section(pdf, "동의 내용", _scope_rows(request))
    _statement(pdf, f"본인은 {STATUTE}에 따라 위 동의받는 사람이 본인에 관한 진료기록을 열람하거나 그 사본을 "
                    "발급받는 것에 동의합니다.")  # fmt: skip
    _signature(pdf, request, "동의하는 사람 (환자)", patient.name)
    _ending(pdf, request, _attachments(request, PATIENT_ID))
    return pdf.bytes()


def power_of_attorney(*, patient: Patient, agent: Agent, request: Request, valid_until: date) -> bytes:
    """별지 제9호의3서식: the patient delegates seeing and copying their records to the agent."""
    pdf = _start(POA_TITLE, POA_FORM)
    person, carrier = _party_rows(patient, agent)
    _section(pdf, "위임하는 사람 (환자)", person)
    _section(pdf, "위임받는 사람", carrier)
    period = (f"{request.signed_on.isoformat()} ~ {valid_until.isoformat()} (언제든지 철회할 수 있으며, 철회하면 "
              "그때부터 효력이 없습니다)")  # fmt: skip
    _section(pdf, "위임 내용", [*_scope_rows(request), (("위임 기간", period),)])
    _statement(pdf, f"본인은 {STATUTE}에 따라 위 위임받는 사람에게 본인에 관한 진료기록 열람 및 사본발급에 관한 "
                    "권한을 위임합니다.")  # fmt: skip
    _signature(pdf, request, "위임하는 사람 (환자)", patient.name)
    _ending(pdf, request, _attachments(request, f"1. {PATIENT_ID}", "2. 위임받는 사람의 신분증 (원본 제시)"))
    return pdf.bytes()
