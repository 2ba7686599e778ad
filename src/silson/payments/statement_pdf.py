"""Payout statements (지급내역서) as PDF: the sandbox insurer's layout, written with fpdf2 and read back
from its text layer with pypdfium2, then matched to the claim's visits by 진료일 and 담보.

An insurer's statement names no silson ids: a line is matched to the visit on its 진료일 and the
contract of the claim's insurer holding its 담보. A line with no such visit, or with more than one, is
left unmatched for a reviewer (claims-and-documents.md §4.2 lists what a statement carries; the real
layouts are UNCONFIRMED, so the sandbox's is the one read here)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pypdfium2 as pdfium

from silson.claims.insurers.port import Statement, StatementLine
from silson.domain.model import Case
from silson.errors import SilsonError

FONT = Path("/usr/share/fonts/truetype/nanum/NanumGothic.ttf")
TITLE = "보험금 지급내역서"
COVERAGE_LABEL = {
    "injury_inpatient": "상해입원", "injury_outpatient": "상해통원", "disease_inpatient": "질병입원",
    "disease_outpatient": "질병통원", "injury_covered": "상해급여", "disease_covered": "질병급여",
    "injury_noncovered": "상해비급여", "disease_noncovered": "질병비급여",
}  # fmt: skip
LABEL_COVERAGE = {v: k for k, v in COVERAGE_LABEL.items()}
MAX_PAGES = 20

_ROW = re.compile(r"^\s*(\d+)\s+(\S+)\s+(\d{4}-\d{2}-\d{2})\s+([\d,]+)\s*원?\s+([\d,]+)\s*원?\s*$")
_NO = re.compile(r"지급내역서\s*번호\s*[:：]?\s*(\S+)")
_PAID_ON = re.compile(r"지급일\s*[:：]?\s*(\d{4}-\d{2}-\d{2})")
_INTEREST = re.compile(r"(?:보험금)?지연이자\s*[:：]?\s*([\d,]+)\s*원")


class StatementUnreadable(SilsonError, ValueError):
    code = "statement_unreadable"
    field = "file"


@dataclass(frozen=True, slots=True)
class PdfLine:
    """One row as printed: 번호, 담보, 진료일, 공제금액, 지급액."""

    line_no: int
    coverage_label: str
    coverage: str | None  # the coverage key, None when the label is not one silson knows
    visit_date: date
    deductible: int
    paid: int


@dataclass(frozen=True, slots=True)
class PdfStatement:
    statement_no: str
    paid_on: date
    lines: tuple[PdfLine, ...]
    interest: int = 0  # 보험금지연이자 paid with it, when the statement prints one


def write_statement_pdf(*, insurer: str, receipt_no: str, statement: Statement) -> bytes:
    """The sandbox insurer's statement as a born-digital PDF (one text run per row)."""
    from fpdf import FPDF

    pdf = FPDF(unit="mm", format="A4")
    pdf.add_font("nanum", "", str(FONT))
    pdf.add_page()
    pdf.set_font("nanum", "", 16)
    pdf.text(20, 25, f"{insurer} {TITLE}")
    pdf.set_font("nanum", "", 10)
    pdf.text(20, 35, f"지급내역서 번호: {statement.statement_no}")
    pdf.text(20, 41, f"접수번호: {receipt_no}")
    pdf.text(20, 47, f"지급일: {statement.paid_on.isoformat()}")
    pdf.text(20, 59, "번호  담보  진료일  공제금액  지급액")
    y = 66.0
    for line in statement.lines:
        label = COVERAGE_LABEL.get(line.coverage or "", line.coverage or "-")
        pdf.text(20, y, f"{line.line_no}  {label}  {line.visit_date.isoformat()}  {line.deductible:,}  {line.paid:,}")
        y += 6
    pdf.text(20, y + 4, f"지급 합계: {statement.total:,}원")
    if statement.interest:
        pdf.text(20, y + 10, f"보험금지연이자: {statement.interest:,}원")
    return bytes(pdf.output())


def _text(data: bytes) -> str:
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        # pdfium's own words are English and technical: the reviewer reads what to do instead
        raise StatementUnreadable(
            "PDF를 읽을 수 없습니다: 손상되었거나 PDF 파일이 아닙니다. 보험사에서 받은 원본을 올려 주세요."
        ) from exc
    try:
        out = []
        for index in range(min(len(pdf), MAX_PAGES)):
            page = pdf[index]
            textpage = page.get_textpage()
            try:
                out.append(textpage.get_text_range())
            finally:
                textpage.close()
                page.close()
        return "\n".join(out)
    finally:
        pdf.close()


def read_statement_pdf(*, data: bytes) -> PdfStatement:
    """The statement's number, payment day and rows, from the PDF's text layer (a scan is refused)."""
    text = _text(data)
    number, paid_on = _NO.search(text), _PAID_ON.search(text)
    if number is None or paid_on is None:
        raise StatementUnreadable("지급내역서 번호와 지급일을 찾을 수 없습니다 (스캔한 PDF는 아직 읽지 못합니다).")
    lines = []
    for raw in re.split(r"[\r\n]+", text):
        row = _ROW.match(raw)
        if row is None:
            continue
        label = row.group(2)
        coverage = LABEL_COVERAGE.get(label, label if label in COVERAGE_LABEL else None)
        lines.append(PdfLine(int(row.group(1)), label, coverage, date.fromisoformat(row.group(3)),
                             int(row.group(4).replace(",", "")), int(row.group(5).replace(",", ""))))  # fmt: skip
    if not lines:
        raise StatementUnreadable("지급내역서에서 지급 행을 찾지 못했습니다.")
    interest = _INTEREST.search(text)
    paid_interest = int(interest.group(1).replace(",", "")) if interest else 0
    return PdfStatement(number.group(1), date.fromisoformat(paid_on.group(1)), tuple(lines), paid_interest)


@dataclass(frozen=True, slots=True)
class Unmatched:
    line: PdfLine
    why: str  # in Korean, for the reviewer
    candidates: tuple[str, ...] = ()  # events on that day, when more than one fits


@dataclass(frozen=True, slots=True)
class Matching:
    statement: Statement  # the matched lines, as the insurer port hands a statement over
    unmatched: tuple[Unmatched, ...]


def match_lines(*, read: PdfStatement, case: Case, insurer: str) -> Matching:
    """Each row to the one visit on its 진료일 whose contract with `insurer` holds its 담보."""
    matched: list[StatementLine] = []
    unmatched: list[Unmatched] = []
    contracts = [c for c in case.contracts if c.insurer == insurer]
    for line in read.lines:
        if line.coverage is None:
            unmatched.append(Unmatched(line, f"담보 '{line.coverage_label}'을(를) 알 수 없습니다."))
            continue
        holders = [c for c in contracts if line.coverage in {k.value for k in c.coverages}]
        visits = [e for e in case.events if e.date == line.visit_date]
        if not holders:
            unmatched.append(Unmatched(line, f"{insurer} 계약 중 {line.coverage_label} 담보가 있는 계약이 없습니다."))
        elif not visits:
            unmatched.append(Unmatched(line, f"{line.visit_date}에 이 청구의 진료가 없습니다."))
        elif len(visits) > 1 or len(holders) > 1:
            unmatched.append(Unmatched(line, f"{line.visit_date}의 진료·계약이 여럿이라 고를 수 없습니다.",
                                       tuple(e.id for e in visits)))  # fmt: skip
        else:
            matched.append(StatementLine(line.line_no, visits[0].id, holders[0].id, line.coverage, line.visit_date,
                                         line.deductible, line.paid))  # fmt: skip
    return Matching(Statement(read.statement_no, read.paid_on, tuple(matched), read.interest), tuple(unmatched))


def lines_total(lines: Sequence[PdfLine]) -> int:
    return sum(line.paid for line in lines)
