"""The payments API's JSON shapes, next to the endpoints that use them."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class StepOut(BaseModel):
    rule: str
    text: str


class ReconciliationLineOut(BaseModel):
    event: str
    contract: str
    coverage: str | None = Field(description="담보 (coverage key)")
    visit_date: date = Field(description="진료일")
    expected: int = Field(description="약관상 보험금 (원), the engine's figure")
    paid: int = Field(description="지급액 after matching per unit (원)")
    statement_paid: int = Field(description="지급액 as the statement wrote it on this pair (원)")
    difference: int = Field(description="expected − paid; > 0 underpaid")
    status: str = Field(description="matched | underpaid | overpaid")
    mistake: str | None = Field(description="the known mistake whose figure equals the paid amount")
    reason: str = Field(description="the outcome in Korean")
    trace: list[StepOut]


class ReconciliationOut(BaseModel):
    claim_id: int
    statement_no: str
    computed_at: datetime
    received_on: date | None = Field(description="접수일")
    due_on: date | None = Field(description="지급기일: 3 business days after the receipt, receipt day not counted")
    paid_on: date
    days_late: int
    expected_total: int
    paid_total: int
    underpaid_total: int
    overpaid_total: int
    interest_owed: int = Field(description="지연이자 (원) on what was paid late")
    loan_rate: str = Field(description="보험계약대출이율 used, percent a year")
    rate_note: str = Field(description="the rate's source; UNCONFIRMED values say they are assumptions")
    interest_paid: int = Field(default=0, description="지연이자 the insurer paid with its statements (원)")
    at_stake: int = Field(description="underpaid_total + the interest still unpaid")
    lines: list[ReconciliationLineOut]


class AtStakeOut(BaseModel):
    claim_id: int
    insurer: str
    state: str
    kind: str = Field(description="underpaid | late | unpaid_overdue")
    underpaid: int = Field(description="shortfall; for unpaid_overdue, the amount claimed")
    interest: int = Field(description="지연이자 owed on what was paid late (or, unpaid_overdue, on the claim to today)")
    accruing: int = Field(default=0, description="지연이자 the unpaid shortfall has earned to today")
    total: int
    due_on: date | None
    days_late: int
    recourse: str | None = Field(default=None, description="the latest recourse step, as kind:state")


class RecourseOut(BaseModel):
    id: int
    kind: str = Field(description="objection (재청구·이의 제기) | complaint (민원) | mediation (분쟁조정)")
    label: str
    state: str = Field(description="drafted | approved | sent | answered | resolved | failed")
    state_label: str
    offered: bool = Field(description="the customer may approve it now (민원 and 분쟁조정 come in their turn)")
    insurer_ref: str | None = Field(description="the insurer's 접수번호 of the request, once sent")
    answer_due: date | None = Field(description="no answer by then: the 민원 is offered")
    answer: str | None = Field(description="the insurer's answer")
    filed_on: date | None = Field(description="민원 and 분쟁조정: the day the customer filed it")
    at_stake: int
    deadline: date = Field(description="소멸시효 만료: 3 years from the earliest visit concerned")
    send_after: date | None = Field(description="민원 and 분쟁조정: after the insurer had this long to answer")
    text: str
    drafted_at: datetime
    approved_at: datetime | None


class PdfLineOut(BaseModel):
    line_no: int
    coverage_label: str = Field(description="담보 as printed")
    coverage: str | None
    visit_date: date
    deductible: int = Field(description="공제금액")
    paid: int = Field(description="지급액")


class UnmatchedOut(BaseModel):
    line: PdfLineOut
    why: str
    candidates: list[str]


class MatchedOut(BaseModel):
    line_no: int
    event: str
    contract: str
    coverage: str | None
    visit_date: date
    paid: int


class StatementPdfOut(BaseModel):
    statement_no: str
    paid_on: date
    reconciled: bool = Field(description="the matched lines were stored and the claim reconciled")
    matched: list[MatchedOut]
    unmatched: list[UnmatchedOut] = Field(description="rows a reviewer must match to a visit")


class UnmatchedLineOut(BaseModel):
    id: int
    statement_no: str
    line_no: int
    coverage_label: str = Field(description="담보 as printed")
    visit_date: date = Field(description="진료일 as printed")
    deductible: int
    paid: int
    paid_on: date
    why: str
    state: str = Field(description="open | matched")
    event: str | None
    contract: str | None
    matched_by: str | None
    matched_at: datetime | None


class ChoiceOut(BaseModel):
    value: str
    label: str


class StatementLinesOut(BaseModel):
    lines: list[UnmatchedLineOut]
    visits: list[ChoiceOut]
    contracts: list[ChoiceOut]


class MatchIn(BaseModel):
    event: str = Field(min_length=1, max_length=100, description="the visit's id on this claim")
    contract: str = Field(min_length=1, max_length=100, description="a contract of the claim's insurer")


class MatchOut(BaseModel):
    reconciled: bool
