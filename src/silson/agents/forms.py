"""The two papers an agent carries to an institution, as the law names them (의료법 제21조제3항제2호,
시행규칙 제13조의3; claims-and-documents.md §6.2): the 진료기록 열람 및 사본발급 동의서 (별지 제9호의2서식)
and the 위임장 (별지 제9호의3서식), each with the patient's details, the agent's, the records asked
for (the visit dates and the documents), the date and the patient's signature.

The fields follow the two forms; the layout is silson's own (the official layout is not in the shared
notes), and whether institutions take an electronically drawn signature is UNCONFIRMED (§6.2: plan on
wet ink), so the signature line says how it was made. Pure: data in, PDF bytes out (fpdf2 with the
Korean font of `claims.forms`)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from silson.claims.forms import _Doc, masked_rrn

CONSENT_TITLE = "진료기록 열람 및 사본발급 동의서"
CONSENT_FORM = "의료법 시행규칙 [별지 제9호의2서식]"
POA_TITLE = "위임장"
POA_FORM = "의료법 시행규칙 [별지 제9호의3서식]"
NOT_HELD = "(서면 기재)"


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


def _parties(pdf: _Doc, patient: Patient, agent: Agent, patient_label: str, agent_label: str) -> None:
    pdf.heading(patient_label)
    pdf.field("성명", patient.name)
    pdf.field("주민등록번호", masked_rrn(patient.rrn))
    pdf.field("주소", NOT_HELD)
    pdf.field("전화번호", patient.phone)
    pdf.heading(agent_label)
    pdf.field("성명", agent.name)
    pdf.field("생년월일", agent.birth_date.isoformat())
    pdf.field("전화번호", agent.phone)
    pdf.field("환자와의 관계", "위임받은 대리인 (silson 현장 대리인)")


def _scope(pdf: _Doc, request: Request, days: Sequence[date]) -> None:
    pdf.heading("열람 및 사본발급 범위")
    pdf.field("의료기관", request.institution)
    pdf.field("진료기간", request.period)
    pdf.field("진료일", ", ".join(d.isoformat() for d in sorted(days)))
    pdf.field("발급 서류", ", ".join(request.documents))
    pdf.field("사용 목적", "실손의료보험금 청구")


def _signature(pdf: _Doc, request: Request, label: str, signer: str) -> None:
    if request.representative is not None:
        label = "법정대리인 서명"
        signer = f"{request.representative.name} ({request.representative.relation})"
    pdf.field("작성일", request.signed_on.isoformat())
    pdf.cell(55, 20, label, border=1)
    x, y = pdf.get_x(), pdf.get_y()
    pdf.cell(0, 20, f"{signer} (서명)", border=1, new_x="LMARGIN", new_y="NEXT")
    if request.signature_png:
        pdf.image(io.BytesIO(request.signature_png), x=x + 45, y=y + 1, h=18)
    how = "휴대폰 화면에 직접 서명 (전자 서명)" if request.signature_png else "서면 서명"
    pdf.field("서명 방식", how)


def _attachments(request: Request, adult: str) -> str:
    if request.representative is None:
        return adult
    return "1. 법정대리인의 신분증 사본  2. 가족관계증명서 (3개월 이내 발급)  3. 위임받는 사람의 신분증 (원본 제시)"


def consent_form(*, patient: Patient, agent: Agent, request: Request) -> bytes:
    """별지 제9호의2서식: the patient consents to the agent seeing and copying their records."""
    pdf = _Doc(CONSENT_TITLE)
    pdf.cell(0, 6, CONSENT_FORM, new_x="LMARGIN", new_y="NEXT", align="L")
    _parties(pdf, patient, agent, "환자", "동의받는 사람 (열람·사본발급 신청인)")
    _scope(pdf, request, request.visit_days)
    pdf.ln(2)
    pdf.multi_cell(0, 6, f"본인은 위 사람이 {request.institution}에서 본인의 진료기록을 열람하거나 그 사본을 "
                         "발급받는 것에 동의합니다.", new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    _signature(pdf, request, "환자 서명", patient.name)
    pdf.field("첨부", _attachments(request, "환자의 신분증 사본 1부 (의료법 시행규칙 제13조의3)"))
    return pdf.bytes()


def power_of_attorney(*, patient: Patient, agent: Agent, request: Request, valid_until: date) -> bytes:
    """별지 제9호의3서식: the patient delegates seeing and copying their records to the agent."""
    pdf = _Doc(POA_TITLE)
    pdf.cell(0, 6, f"{POA_FORM} (진료기록 열람 및 사본발급)", new_x="LMARGIN", new_y="NEXT", align="L")
    _parties(pdf, patient, agent, "위임하는 사람 (환자)", "위임받는 사람")
    _scope(pdf, request, request.visit_days)
    pdf.field("위임 기간", f"{request.signed_on.isoformat()} ~ {valid_until.isoformat()}")
    pdf.ln(2)
    pdf.multi_cell(0, 6, "본인은 위 사람에게 본인의 진료기록 열람 및 사본발급에 관한 권한을 위임합니다. "
                         "위임은 언제든지 철회할 수 있으며, 철회하면 그때부터 효력이 없습니다.",
                   new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    _signature(pdf, request, "위임하는 사람 서명", patient.name)
    pdf.field("첨부", _attachments(request, "1. 환자의 신분증 사본  2. 위임받는 사람의 신분증 (원본 제시)"))
    return pdf.bytes()
