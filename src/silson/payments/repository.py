"""Every query of the payments area."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session

from silson.payments.models import ReconciliationLineRow, ReconciliationRow, RecourseRow
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
        .where((ReconciliationRow.underpaid_total > 0) | (ReconciliationRow.interest_owed > 0))
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
