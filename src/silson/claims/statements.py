"""Payout statements kept line by line (지급내역서): every line the insurer sent, stored once per
(package, statement, line), so `silson.payments.reconcile` can run on them."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from silson.claims import repository
from silson.claims.insurers.port import Statement
from silson.errors import NotFound
from silson.payments.reconcile import Paid
from silson.store.models import ClaimPackageRow, PayoutLineRow


def record(session: Session, *, package_id: int, statement: Statement) -> int:
    """Store the statement's lines; the same statement again adds nothing. Returns lines added."""
    package = session.get(ClaimPackageRow, package_id)
    if package is None:
        raise NotFound(f"no package {package_id}")
    have = {(r.statement_no, r.line_no) for r in repository.lines_of_package(session, package_id)}
    added = 0
    for line in statement.lines:
        if (statement.statement_no, line.line_no) in have:
            continue
        session.add(PayoutLineRow(package_id=package_id, claim_id=package.claim_id, statement_no=statement.statement_no,
                                  line_no=line.line_no, event_ref=line.event, contract_ref=line.contract,
                                  coverage=line.coverage, visit_date=line.visit_date, deductible=line.deductible,
                                  paid=line.paid, paid_on=statement.paid_on))  # fmt: skip
        added += 1
    session.flush()
    return added


def paid_lines(rows: Sequence[PayoutLineRow]) -> list[Paid]:
    """The stored lines as reconcile reads a statement."""
    return [Paid(event=r.event_ref, contract=r.contract_ref, amount=r.paid, date=r.paid_on) for r in rows]


def paid_lines_of(statement: Statement) -> list[Paid]:
    """A statement's lines as reconcile reads them, before they are stored."""
    return [Paid(event=x.event, contract=x.contract, amount=x.paid, date=statement.paid_on) for x in statement.lines]
