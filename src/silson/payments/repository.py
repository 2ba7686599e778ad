"""Every query of the payments area."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session

from silson.payments.models import (
    InterestPaidRow,
    ReconciliationLineRow,
    ReconciliationRow,
    RecourseRow,
    UnmatchedLineRow,
)
from silson.store.models import ClaimItemRow, ClaimPackageRow, ClaimRow, PayoutLineRow


def current_of_claim(session: Session, claim_id: int) -> ReconciliationRow | None:
    query = select(ReconciliationRow).where(ReconciliationRow.claim_id == claim_id, ReconciliationRow.current)
    return session.scalars(query.order_by(ReconciliationRow.id.desc())).first()


def retire_current(session: Session, claim_id: int) -> None:
    session.execute(
        update(ReconciliationRow)
        .where(ReconciliationRow.claim_id == claim_id, ReconciliationRow.current)
        .values(current=False)
    )


def lines_of(session: Session, reconciliation_id: int) -> Sequence[ReconciliationLineRow]:
    query = select(ReconciliationLineRow).where(ReconciliationLineRow.reconciliation_id == reconciliation_id)
    return session.scalars(query.order_by(ReconciliationLineRow.id)).all()


def current_with_money_at_stake(session: Session) -> Sequence[tuple[ReconciliationRow, ClaimRow]]:
    query = (
        select(ReconciliationRow, ClaimRow)
        .join(ClaimRow, ClaimRow.id == ReconciliationRow.claim_id)
        .where(ReconciliationRow.current)
        .where(
            (ReconciliationRow.underpaid_total > 0)
            | (ReconciliationRow.interest_owed > ReconciliationRow.interest_paid)
        )
        .order_by(ReconciliationRow.claim_id)
    )
    return [(r, c) for r, c in session.execute(query).all()]


def unpaid_past_due(session: Session, today: date) -> Sequence[tuple[ClaimPackageRow, ClaimRow]]:
    """Packages the insurer received whose 지급기일 has passed with no statement line for the claim."""
    paid = exists().where(PayoutLineRow.claim_id == ClaimPackageRow.claim_id)
    query = (
        select(ClaimPackageRow, ClaimRow)
        .join(ClaimRow, ClaimRow.id == ClaimPackageRow.claim_id)
        .where(ClaimPackageRow.due_on.is_not(None), ClaimPackageRow.due_on < today, ~paid)
        .order_by(ClaimPackageRow.claim_id)
    )
    return [(p, c) for p, c in session.execute(query).all()]


def claimed_total(session: Session, claim_id: int) -> int:
    rows = session.scalars(select(ClaimItemRow.amount).where(ClaimItemRow.claim_id == claim_id)).all()
    return sum(rows)


def packages_of_claim(session: Session, claim_id: int) -> Sequence[ClaimPackageRow]:
    query = select(ClaimPackageRow).where(ClaimPackageRow.claim_id == claim_id).order_by(ClaimPackageRow.id)
    return session.scalars(query).all()


def recourse_of_claim(session: Session, claim_id: int) -> Sequence[RecourseRow]:
    query = select(RecourseRow).where(RecourseRow.claim_id == claim_id).order_by(RecourseRow.id)
    return session.scalars(query).all()


def statements_not_reconciled(session: Session) -> Sequence[tuple[int, int, str]]:
    """(claim, package, statement) of stored statements no reconciliation was run for, oldest first."""
    done = exists().where(
        ReconciliationRow.claim_id == PayoutLineRow.claim_id,
        ReconciliationRow.statement_no == PayoutLineRow.statement_no,
    )
    query = (
        select(PayoutLineRow.claim_id, PayoutLineRow.package_id, PayoutLineRow.statement_no)
        .where(~done)
        .group_by(PayoutLineRow.claim_id, PayoutLineRow.package_id, PayoutLineRow.statement_no)
        .order_by(func.min(PayoutLineRow.id))
    )
    return [(c, p, s) for c, p, s in session.execute(query).all()]


def interest_paid_row(session: Session, claim_id: int, statement_no: str) -> InterestPaidRow | None:
    query = select(InterestPaidRow).where(InterestPaidRow.claim_id == claim_id,
                                          InterestPaidRow.statement_no == statement_no)  # fmt: skip
    return session.scalars(query).first()


def interest_paid_of_claim(session: Session, claim_id: int) -> int:
    total = session.scalar(select(func.sum(InterestPaidRow.amount)).where(InterestPaidRow.claim_id == claim_id))
    return int(total or 0)


def recourse_step(session: Session, claim_id: int) -> tuple[str, str] | None:
    """(kind, state) of the claim's latest recourse row that is not superseded."""
    query = (
        select(RecourseRow.kind, RecourseRow.state)
        .where(RecourseRow.claim_id == claim_id, RecourseRow.state.not_in(("superseded", "drafted")))
        .order_by(RecourseRow.id.desc())
    )
    row = session.execute(query).first()
    return (row[0], row[1]) if row else None


def recourse_sent(session: Session) -> Sequence[RecourseRow]:
    """Requests the insurer has and has not answered, oldest first."""
    query = select(RecourseRow).where(RecourseRow.state == "sent").order_by(RecourseRow.id)
    return session.scalars(query).all()


def package_by_receipt(session: Session, claim_id: int, receipt_no: str) -> ClaimPackageRow | None:
    query = select(ClaimPackageRow).where(ClaimPackageRow.claim_id == claim_id,
                                          ClaimPackageRow.receipt_no == receipt_no)  # fmt: skip
    return session.scalars(query).first()


def unmatched_of_claim(session: Session, claim_id: int) -> Sequence[UnmatchedLineRow]:
    query = select(UnmatchedLineRow).where(UnmatchedLineRow.claim_id == claim_id).order_by(UnmatchedLineRow.id)
    return session.scalars(query).all()


def unmatched_line(session: Session, claim_id: int, statement_no: str, line_no: int) -> UnmatchedLineRow | None:
    query = select(UnmatchedLineRow).where(UnmatchedLineRow.claim_id == claim_id,
                                           UnmatchedLineRow.statement_no == statement_no,
                                           UnmatchedLineRow.line_no == line_no)  # fmt: skip
    return session.scalars(query).first()


def open_unmatched(session: Session) -> Sequence[UnmatchedLineRow]:
    """Rows waiting for a reviewer, oldest first (the review queue's count)."""
    query = select(UnmatchedLineRow).where(UnmatchedLineRow.state == "open").order_by(UnmatchedLineRow.id)
    return session.scalars(query).all()
