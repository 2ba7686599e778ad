"""Tables of the payments area: each statement's reconciliation (one run per statement stored, the
claim's newest being current), its lines, and the recourse requests drafted from them. Free text that
may name a diagnosis (the engine's trace, the drafted letters) is sealed with the person's key. A
statement's 지연이자 is kept per statement; rows of an uploaded statement PDF that match no visit wait
for a reviewer."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from silson.store.models import Base


class ReconciliationRow(Base):
    """One reconciliation of a claim's stored statement lines, run when a statement arrived."""

    __tablename__ = "payment_reconciliation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id"), index=True)
    package_id: Mapped[int | None] = mapped_column(ForeignKey("claim_package.id"), nullable=True)
    statement_no: Mapped[str] = mapped_column(String(50))
    current: Mapped[bool] = mapped_column(Boolean, index=True)  # the claim's newest run
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    claim_date: Mapped[date] = mapped_column(Date)
    received_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # 접수일
    due_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # 지급기일 (receipt day not counted)
    paid_on: Mapped[date] = mapped_column(Date)  # the statement's 지급일
    days_late: Mapped[int] = mapped_column(Integer)
    expected_total: Mapped[int] = mapped_column(BigInteger)
    paid_total: Mapped[int] = mapped_column(BigInteger)
    underpaid_total: Mapped[int] = mapped_column(BigInteger)
    overpaid_total: Mapped[int] = mapped_column(BigInteger)
    interest_owed: Mapped[int] = mapped_column(BigInteger)  # 지연이자, on what was paid late
    interest_paid: Mapped[int] = mapped_column(BigInteger, server_default="0")  # 지연이자 the insurer paid
    loan_rate: Mapped[str] = mapped_column(String(20))  # percent a year, exact decimal text
    rate_note: Mapped[str] = mapped_column(Text)  # the assumption, as shown to people


class ReconciliationLineRow(Base):
    """One (visit, contract) pair of a reconciliation: the engine's figure against what was paid."""

    __tablename__ = "payment_reconciliation_line"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reconciliation_id: Mapped[int] = mapped_column(ForeignKey("payment_reconciliation.id"), index=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id"), index=True)
    event_ref: Mapped[str] = mapped_column(String(100))
    contract_ref: Mapped[str] = mapped_column(String(100))
    coverage: Mapped[str | None] = mapped_column(String(60), nullable=True)  # 담보
    visit_date: Mapped[date] = mapped_column(Date)  # 진료일
    expected: Mapped[int] = mapped_column(BigInteger)
    paid: Mapped[int] = mapped_column(BigInteger)  # after matching per unit
    statement_paid: Mapped[int] = mapped_column(BigInteger)  # as the statement wrote it
    difference: Mapped[int] = mapped_column(BigInteger)  # expected − paid
    status: Mapped[str] = mapped_column(String(20))  # underpaid | overpaid | matched
    mistake_code: Mapped[str | None] = mapped_column(String(60), nullable=True)
    detail_sealed: Mapped[bytes] = mapped_column(LargeBinary)  # reasons (trace) and the mistake's text


class RecourseRow(Base):
    """A drafted request for what an insurer owes (재청구·이의 제기, 민원, 분쟁조정), sent only once the
    customer approved it."""

    __tablename__ = "payment_recourse"
    __table_args__ = (UniqueConstraint("send_key", name="uq_payment_recourse_send_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id"), index=True)
    reconciliation_id: Mapped[int] = mapped_column(ForeignKey("payment_reconciliation.id"))
    kind: Mapped[str] = mapped_column(String(20))  # objection | complaint | mediation
    state: Mapped[str] = mapped_column(String(20), index=True)  # see recourse.State
    at_stake: Mapped[int] = mapped_column(BigInteger)  # shortfall + interest, 원
    deadline: Mapped[date] = mapped_column(Date)
    text_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    drafted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    drafted_by: Mapped[str] = mapped_column(String(100))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    approved_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    send_key: Mapped[str | None] = mapped_column(String(100), nullable=True)  # Idempotency-Key
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    insurer_ref: Mapped[str | None] = mapped_column(String(50), nullable=True)  # the insurer's 접수번호 of it
    received_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # the insurer's 접수일 of it
    answer_due: Mapped[date | None] = mapped_column(Date, nullable=True)  # after it, the next step is offered
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    answer_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # the insurer's answer text
    filed_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # 민원·분쟁조정: the day the customer filed
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)


class InterestPaidRow(Base):
    """지연이자 an insurer paid with a statement (보험금지연이자), one row per statement."""

    __tablename__ = "payment_interest_paid"
    __table_args__ = (UniqueConstraint("claim_id", "statement_no", name="uq_payment_interest_paid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id"), index=True)
    statement_no: Mapped[str] = mapped_column(String(50))
    paid_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(BigInteger)


class UnmatchedLineRow(Base):
    """A row of an uploaded statement PDF that matched no visit of the claim: kept until a reviewer
    matches it to a visit and contract (then it is stored as a statement line and reconciled)."""

    __tablename__ = "payment_unmatched_line"
    __table_args__ = (UniqueConstraint("claim_id", "statement_no", "line_no", name="uq_payment_unmatched_line"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id"), index=True)
    package_id: Mapped[int] = mapped_column(ForeignKey("claim_package.id"))
    statement_no: Mapped[str] = mapped_column(String(50))
    paid_on: Mapped[date] = mapped_column(Date)  # 지급일
    line_no: Mapped[int] = mapped_column(Integer)
    coverage_label: Mapped[str] = mapped_column(String(60))  # 담보 as printed
    coverage: Mapped[str | None] = mapped_column(String(60), nullable=True)
    visit_date: Mapped[date] = mapped_column(Date)  # 진료일 as printed
    deductible: Mapped[int] = mapped_column(BigInteger)  # 공제금액
    paid: Mapped[int] = mapped_column(BigInteger)  # 지급액
    why: Mapped[str] = mapped_column(Text)  # why it was not matched, for the reviewer
    state: Mapped[str] = mapped_column(String(20), index=True)  # open | matched
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    event_ref: Mapped[str | None] = mapped_column(String(100), nullable=True)
    contract_ref: Mapped[str | None] = mapped_column(String(100), nullable=True)
    matched_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    matched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
