"""Every query of the service core, in one place: services call these and never build SQL.

Each function reads in the caller's session (and transaction); none commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from silson.errors import NotFound
from silson.store.models import (
    AuditRow,
    AuthSessionRow,
    ClaimEventRow,
    ClaimRow,
    ClaimTransitionRow,
    ConsentRow,
    ContractRecordRow,
    DocumentRow,
    ErasureRow,
    FamilyLinkRow,
    ImportRow,
    JobRow,
    PersonKeyRow,
    PersonRow,
    PowerOfAttorneyRow,
    SilsonReceivedRow,
    SpendingRow,
    WithdrawalRow,
)


# people and their data
def require_person(session: Session, person_id: int) -> PersonRow:
    """The person's row, or LookupError: a service never writes rows for a person who is not there."""
    row = session.get(PersonRow, person_id)
    if row is None:
        raise NotFound(f"no person {person_id}")
    return row


def people_with_phone_index(session: Session, index: str) -> list[int]:
    query = select(PersonRow.id).where(
        PersonRow.phone_index == index, PersonRow.erased_at.is_(None), PersonRow.withdrawn_at.is_(None)
    )
    return list(session.scalars(query))


def spending_of(session: Session, person_id: int) -> Sequence[SpendingRow]:
    query = select(SpendingRow).where(SpendingRow.person_id == person_id).order_by(SpendingRow.year, SpendingRow.id)
    return session.scalars(query).all()


def received_of(session: Session, person_id: int) -> Sequence[SilsonReceivedRow]:
    query = select(SilsonReceivedRow).where(SilsonReceivedRow.person_id == person_id)
    return session.scalars(query.order_by(SilsonReceivedRow.year, SilsonReceivedRow.id)).all()


def contracts_of(session: Session, person_id: int) -> Sequence[ContractRecordRow]:
    query = select(ContractRecordRow).where(ContractRecordRow.person_id == person_id).order_by(ContractRecordRow.id)
    return session.scalars(query).all()


def import_of(session: Session, person_id: int, digest: str) -> ImportRow | None:
    query = select(ImportRow).where(ImportRow.person_id == person_id, ImportRow.file_hash == digest)
    return session.scalars(query).first()


def contract_of_import(session: Session, person_id: int, digest: str) -> int | None:
    query = (
        select(ContractRecordRow.id)
        .join(ImportRow, ImportRow.id == ContractRecordRow.import_id)
        .where(ImportRow.person_id == person_id, ImportRow.file_hash == digest)
    )
    return session.scalars(query).first()


def live_documents(session: Session, person_id: int) -> Sequence[DocumentRow]:
    query = select(DocumentRow).where(DocumentRow.person_id == person_id, DocumentRow.destroyed_at.is_(None))
    return session.scalars(query).all()


# consent, powers of attorney, family
def active_consent(session: Session, person_id: int, purpose: str) -> ConsentRow | None:
    query = select(ConsentRow).where(
        ConsentRow.person_id == person_id, ConsentRow.purpose == purpose, ConsentRow.withdrawn_at.is_(None)
    )
    return session.scalars(query).first()


def open_powers(session: Session, person_id: int) -> list[PowerOfAttorneyRow]:
    query = select(PowerOfAttorneyRow).where(
        PowerOfAttorneyRow.person_id == person_id, PowerOfAttorneyRow.revoked_at.is_(None)
    )
    return list(session.scalars(query))


def accepted_members(session: Session, inviter_id: int) -> list[int]:
    query = select(FamilyLinkRow.member_id).where(
        FamilyLinkRow.inviter_id == inviter_id, FamilyLinkRow.status == "accepted"
    )
    return list(session.scalars(query))


# claims
def claims_of(session: Session, person_id: int | None) -> Sequence[ClaimRow]:
    query = select(ClaimRow).order_by(ClaimRow.id)
    if person_id is not None:
        query = query.where(ClaimRow.person_id == person_id)
    return session.scalars(query).all()


def transition_by_key(session: Session, claim_id: int, key: str) -> ClaimTransitionRow | None:
    query = select(ClaimTransitionRow).where(
        ClaimTransitionRow.claim_id == claim_id, ClaimTransitionRow.idempotency_key == key
    )
    return session.scalars(query).first()


def events_of_claim(session: Session, claim_id: int) -> Sequence[ClaimEventRow]:
    return session.scalars(
        select(ClaimEventRow).where(ClaimEventRow.claim_id == claim_id).order_by(ClaimEventRow.id)
    ).all()


def transitions_of(session: Session, claim_id: int) -> Sequence[ClaimTransitionRow]:
    query = select(ClaimTransitionRow).where(ClaimTransitionRow.claim_id == claim_id).order_by(ClaimTransitionRow.id)
    return session.scalars(query).all()


def claims_in_states(session: Session, states: Sequence[str]) -> Sequence[ClaimRow]:
    return session.scalars(select(ClaimRow).where(ClaimRow.state.in_(states)).order_by(ClaimRow.id)).all()


def links_of(session: Session, person_id: int) -> Sequence[FamilyLinkRow]:
    """Family links where the person is the inviter or the invited member."""
    query = select(FamilyLinkRow).where(
        or_(FamilyLinkRow.inviter_id == person_id, FamilyLinkRow.member_id == person_id)
    )
    return session.scalars(query.order_by(FamilyLinkRow.id)).all()


def consents_of(session: Session, person_id: int) -> Sequence[ConsentRow]:
    return session.scalars(select(ConsentRow).where(ConsentRow.person_id == person_id).order_by(ConsentRow.id)).all()


def erasure_ledger(session: Session) -> Sequence[ErasureRow]:
    return session.scalars(select(ErasureRow).order_by(ErasureRow.person_id)).all()


def orphan_keys(session: Session) -> Sequence[PersonKeyRow]:
    """Keys whose person the data does not hold (people registered after a restored backup)."""
    return session.scalars(select(PersonKeyRow).where(PersonKeyRow.person_id.not_in(select(PersonRow.id)))).all()


# withdrawal
def withdrawal_of(session: Session, person_id: int) -> WithdrawalRow | None:
    return session.scalars(select(WithdrawalRow).where(WithdrawalRow.person_id == person_id)).first()


def pending_withdrawals(session: Session) -> Sequence[WithdrawalRow]:
    return session.scalars(select(WithdrawalRow).where(WithdrawalRow.done_at.is_(None))).all()


def withdrawals_to_erase(session: Session, day: date) -> Sequence[WithdrawalRow]:
    return session.scalars(select(WithdrawalRow).where(WithdrawalRow.erase_on <= day)).all()


# jobs
def job_by_key(session: Session, key: str) -> JobRow | None:
    return session.scalars(select(JobRow).where(JobRow.key == key)).first()


def next_due_job(session: Session, now: datetime) -> JobRow | None:
    """Pending, or running with a lease that ran out; locked, skipping jobs other workers hold."""
    query = (
        select(JobRow)
        .where(
            or_(JobRow.state == "pending", (JobRow.state == "running") & (JobRow.lease_until < now)),
            JobRow.not_before <= now,
        )
        .order_by(JobRow.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    return session.scalars(query).first()


# audit
def last_audit_entry(session: Session) -> AuditRow | None:
    query = select(AuditRow).order_by(AuditRow.id.desc()).limit(1).with_for_update()
    return session.scalars(query).first()


def audit_in_order(session: Session) -> Sequence[AuditRow]:
    return session.scalars(select(AuditRow).order_by(AuditRow.id)).all()


def audit_of(session: Session, object_type: str, object_id: str) -> Sequence[AuditRow]:
    query = select(AuditRow).where(AuditRow.object_type == object_type, AuditRow.object_id == object_id)
    return session.scalars(query.order_by(AuditRow.id)).all()


def job(session: Session, job_id: int) -> JobRow | None:
    return session.get(JobRow, job_id)


# signed-in sessions
def auth_session(session: Session, id_hash: str) -> AuthSessionRow | None:
    return session.get(AuthSessionRow, id_hash)


def session_of_sign_in(session: Session, request_hash: str) -> AuthSessionRow | None:
    query = select(AuthSessionRow).where(AuthSessionRow.sign_in_request_hash == request_hash)
    return session.scalars(query).first()


def end_sessions_of(session: Session, person_id: int, now: datetime) -> int:
    query = (
        update(AuthSessionRow)
        .where(AuthSessionRow.person_id == person_id, AuthSessionRow.ended_at.is_(None))
        .values(ended_at=now)
    )
    return int(session.execute(query).rowcount)  # type: ignore[attr-defined]
