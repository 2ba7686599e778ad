"""Every query of the claim road: items already claimed, guardianships, requests, the documents
checklist, packages and payout lines. Services call these; nothing here commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from silson.store.models import (
    ClaimDocumentRow,
    ClaimItemRow,
    ClaimPackageRow,
    ClaimRequestRow,
    ClaimRow,
    ClaimTransitionRow,
    ConsentRow,
    GuardianshipRow,
    PayoutLineRow,
    SpendingRow,
)


def items_of_person(session: Session, person_id: int) -> Sequence[tuple[ClaimItemRow, ClaimRow]]:
    query = (
        select(ClaimItemRow, ClaimRow)
        .join(ClaimRow, ClaimRow.id == ClaimItemRow.claim_id)
        .where(ClaimRow.person_id == person_id)
        .order_by(ClaimRow.id, ClaimItemRow.id)
    )
    return [(item, claim) for item, claim in session.execute(query).all()]


def items_of_claim(session: Session, claim_id: int) -> Sequence[ClaimItemRow]:
    return session.scalars(
        select(ClaimItemRow).where(ClaimItemRow.claim_id == claim_id).order_by(ClaimItemRow.id)
    ).all()


def last_transition(session: Session, claim_id: int) -> ClaimTransitionRow | None:
    query = select(ClaimTransitionRow).where(ClaimTransitionRow.claim_id == claim_id)
    return session.scalars(query.order_by(ClaimTransitionRow.id.desc()).limit(1)).first()


def guardianship(session: Session, guardian_id: int, ward_id: int) -> GuardianshipRow | None:
    query = select(GuardianshipRow).where(GuardianshipRow.guardian_id == guardian_id,
                                          GuardianshipRow.ward_id == ward_id)  # fmt: skip
    return session.scalars(query).first()


def wards_of(session: Session, guardian_id: int) -> Sequence[GuardianshipRow]:
    query = select(GuardianshipRow).where(
        GuardianshipRow.guardian_id == guardian_id, GuardianshipRow.ended_at.is_(None)
    )
    return session.scalars(query.order_by(GuardianshipRow.ward_id)).all()


def request(session: Session, key: str) -> ClaimRequestRow | None:
    return session.get(ClaimRequestRow, key)


def documents_of(session: Session, claim_id: int) -> Sequence[ClaimDocumentRow]:
    query = select(ClaimDocumentRow).where(ClaimDocumentRow.claim_id == claim_id)
    return session.scalars(query.order_by(ClaimDocumentRow.id)).all()


def packages_of(session: Session, claim_id: int) -> Sequence[ClaimPackageRow]:
    query = select(ClaimPackageRow).where(ClaimPackageRow.claim_id == claim_id)
    return session.scalars(query.order_by(ClaimPackageRow.id)).all()


def package_by_key(session: Session, key: str) -> ClaimPackageRow | None:
    return session.scalars(select(ClaimPackageRow).where(ClaimPackageRow.key == key)).first()


def packages_in_state(session: Session, state: str) -> Sequence[ClaimPackageRow]:
    query = select(ClaimPackageRow).where(ClaimPackageRow.state == state)
    return session.scalars(query.order_by(ClaimPackageRow.id)).all()


def lines_of_package(session: Session, package_id: int) -> Sequence[PayoutLineRow]:
    query = select(PayoutLineRow).where(PayoutLineRow.package_id == package_id)
    return session.scalars(query.order_by(PayoutLineRow.statement_no, PayoutLineRow.line_no)).all()


def lines_of_claim(session: Session, claim_id: int) -> Sequence[PayoutLineRow]:
    query = select(PayoutLineRow).where(PayoutLineRow.claim_id == claim_id)
    return session.scalars(query.order_by(PayoutLineRow.id)).all()


def followed_packages(session: Session, now: datetime) -> Sequence[ClaimPackageRow]:
    """Packages an insurer has received whose claims are not closed: before its decision it may notify
    a delay or pay a 가지급; after it, contest or close the claim."""
    query = (
        select(ClaimPackageRow)
        .join(ClaimRow, ClaimRow.id == ClaimPackageRow.claim_id)
        .where(
            ClaimPackageRow.state.in_(("sent", "decided")),
            ClaimPackageRow.receipt_no.is_not(None),
            ClaimRow.state.not_in(("closed", "cancelled")),
        )
    )
    return session.scalars(query.order_by(ClaimPackageRow.id)).all()


def people_with_consent(session: Session, purpose: str) -> Sequence[int]:
    """People whose consent to `purpose` stands (e.g. 맞춤 안내: the deadline reminders)."""
    query = select(ConsentRow.person_id).where(ConsentRow.purpose == purpose, ConsentRow.withdrawn_at.is_(None))
    return session.scalars(query.distinct().order_by(ConsentRow.person_id)).all()


def people_with_spending(session: Session) -> Sequence[int]:
    """People with tax-office spending on file: whose visits may still be unclaimed."""
    return session.scalars(select(SpendingRow.person_id).distinct().order_by(SpendingRow.person_id)).all()
