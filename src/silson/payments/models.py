"""Tables of the payments area: each statement's reconciliation (one run per statement stored, the
claim's newest being current), its lines, and the recourse requests drafted from them. Free text that
may name a diagnosis (the engine's trace, the drafted letters) is sealed with the person's key."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, DateTime, ForeignKey, Integer, LargeBinary, String, Text
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

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id"), index=True)
    reconciliation_id: Mapped[int] = mapped_column(ForeignKey("payment_reconciliation.id"))
    kind: Mapped[str] = mapped_column(String(20))  # objection | complaint | mediation
    state: Mapped[str] = mapped_column(String(20), index=True)  # drafted | approved | superseded
    at_stake: Mapped[int] = mapped_column(BigInteger)  # shortfall + interest, 원
    deadline: Mapped[date] = mapped_column(Date)
    text_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    drafted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    drafted_by: Mapped[str] = mapped_column(String(100))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    approved_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
