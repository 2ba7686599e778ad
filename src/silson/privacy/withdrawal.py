"""Withdrawal and retention (the service FAQ's rules).

A deletion request is verified against the person's name, birth date and phone, and carried out
within 5 business days (Korean public holidays from the `holidays` package): consents end; powers
of attorney whose agent has not set out are revoked, those already under way finish; claims not yet
with an insurer are cancelled, claims with an insurer stay there; documents held are destroyed, and
documents that arrive afterwards are destroyed on arrival. One year after withdrawal the person's
remaining data is erased by destroying their data key. `run_retention` is the scheduled job; the
clock is always passed in.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import cache

import holidays
from sqlalchemy.orm import Session

from silson.access import Actor, Forbidden, Role
from silson.audit import chain
from silson.auth import service as auth
from silson.errors import NotFound, SilsonError
from silson.privacy import consent, family, people
from silson.privacy.crypto import MasterKey, seal
from silson.store import repository
from silson.store.models import DocumentRow, PersonKeyRow, PersonRow, WithdrawalRow

BUSINESS_DAYS_TO_ACT = 5
KEEP_AFTER_WITHDRAWAL = 365
RETENTION = Actor(Role.ADMINISTRATOR, staff_id="retention-job")


class VerificationFailed(SilsonError, PermissionError):
    code = "verification_failed"
    http_status = 403


@cache
def _holidays(year: int) -> holidays.HolidayBase:
    calendar: holidays.HolidayBase = holidays.country_holidays("KR", years=[year, year + 1])
    return calendar


def add_business_days(day: date, count: int) -> date:
    """`count` business days after `day` (weekends and Korean public holidays skipped).

    >>> add_business_days(date(2026, 9, 18), 5)  # 추석 2026-09-24..26
    datetime.date(2026, 9, 29)
    """
    current = day
    while count:
        current += timedelta(days=1)
        if current.weekday() < 5 and current not in _holidays(current.year):
            count -= 1
    return current


def request(
    session: Session, master: MasterKey, *, person_id: int, name: str, birth_date: date, phone: str, now: datetime
) -> date:
    """Record a verified deletion request; returns the day by which it is carried out."""
    view = people.read(session, master, Actor(Role.CUSTOMER, person_id=person_id), person_id, now)
    digits = "".join(ch for ch in phone if ch.isdigit())
    if (view.name, view.birth_date, "".join(ch for ch in view.phone if ch.isdigit())) != (
        name.strip(),
        birth_date,
        digits,
    ):
        raise VerificationFailed("name, birth date and phone do not match the person")
    existing = repository.withdrawal_of(session, person_id)
    if existing is not None:
        return existing.due_on
    due = add_business_days(now.date(), BUSINESS_DAYS_TO_ACT)
    session.add(WithdrawalRow(person_id=person_id, requested_at=now, due_on=due))
    chain.append(session, at=now, actor=f"customer:{person_id}", action="withdrawal.requested", object_type="person",
                 object_id=str(person_id), detail={"due_on": due.isoformat()})  # fmt: skip
    session.flush()
    return due


class AlreadyCarriedOut(SilsonError, PermissionError):
    code = "withdrawal_done"
    http_status = 409


def pending_due(session: Session, person_id: int) -> date | None:
    """The day a pending withdrawal is carried out; None when there is none pending."""
    row = repository.withdrawal_of(session, person_id)
    return row.due_on if row is not None and row.done_at is None else None


def cancel(session: Session, actor: Actor, *, person_id: int, now: datetime) -> None:
    """The person changes their mind before the request is carried out: the account is open again."""
    if actor.role is not Role.CUSTOMER or actor.person_id != person_id:
        raise Forbidden("탈퇴 취소는 본인만 할 수 있습니다.")
    row = repository.withdrawal_of(session, person_id)
    if row is None:
        return
    if row.done_at is not None:
        raise AlreadyCarriedOut("이미 탈퇴 처리가 끝나 취소할 수 없습니다.")
    session.delete(row)
    chain.append(session, at=now, actor=actor.label, action="withdrawal.cancelled", object_type="person",
                 object_id=str(person_id), detail={"due_on": row.due_on.isoformat()})  # fmt: skip
    session.flush()


#: what withdrawing does to the person's claims: (session, actor, person_id, idempotency key, now). The
#: claims area supplies it (`claims.service.cancel_before_submission`), so privacy needs no claims code
CancelClaims = Callable[[Session, Actor, int, str, datetime], None]


def _carry_out(session: Session, row: WithdrawalRow, now: datetime, cancel_claims: CancelClaims) -> None:
    pid = row.person_id
    for purpose in consent.Purpose:
        current = consent.active(session, pid, purpose)
        if current is not None:
            current.withdrawn_at = now
    for poa in consent.open_powers(session, pid):
        if poa.started_at is None:
            poa.revoked_at = now
    cancel_claims(session, RETENTION, pid, f"withdrawal-{row.id}", now)
    for doc in repository.live_documents(session, pid):
        doc.content_sealed, doc.destroyed_at = None, now
    person = session.get(PersonRow, pid)
    assert person is not None
    person.withdrawn_at = now
    auth.end_all(session, person_id=pid, now=now)  # every session of theirs ends with the account
    family.end_all(session, person_id=pid, now=now, actor=RETENTION.label)  # and every family link
    row.done_at = now
    row.erase_on = now.date() + timedelta(days=KEEP_AFTER_WITHDRAWAL)
    chain.append(session, at=now, actor=RETENTION.label, action="withdrawal.done", object_type="person",
                 object_id=str(pid), detail={"erase_on": row.erase_on.isoformat()})  # fmt: skip


def run_retention(session: Session, now: datetime, *, cancel_claims: CancelClaims) -> dict[str, int]:
    """The scheduled job: carry out pending withdrawals, erase people whose year has passed.
    Safe to run any number of times (each step looks at what is still to do)."""
    done = erased = 0
    for row in repository.pending_withdrawals(session):
        _carry_out(session, row, now, cancel_claims)
        done += 1
    for row in repository.withdrawals_to_erase(session, now.date()):
        if session.get(PersonKeyRow, row.person_id) is not None:
            people.erase(session, row.person_id, now, actor=RETENTION.label)
            erased += 1
    session.flush()
    return {"withdrawals_done": done, "people_erased": erased}


def receive_document(
    session: Session, master: MasterKey, actor: Actor, *, person_id: int, kind: str, content: str, now: datetime
) -> int | None:
    """Store a document an agent or the relay obtained, sealed; for a withdrawn person it is
    destroyed on arrival (None). Only the relay (system) or a field agent holding a power of
    attorney for this person may deliver one."""
    if actor.role is Role.FIELD_AGENT:
        agents = {p.agent_id for p in consent.open_powers(session, person_id)}
        if actor.staff_id not in agents:
            raise Forbidden(f"{actor.label} holds no power of attorney for person {person_id}")
    elif actor.role is not Role.SYSTEM:
        raise Forbidden(f"a {actor.role.value} does not deliver documents")
    person = session.get(PersonRow, person_id)
    key_row = session.get(PersonKeyRow, person_id)
    if person is None:
        raise NotFound(f"no person {person_id}")
    if person.withdrawn_at is not None or key_row is None:
        chain.append(session, at=now, actor=actor.label, action="document.destroyed_on_arrival", object_type="person",
                     object_id=str(person_id), detail={"kind": kind})  # fmt: skip
        return None
    data_key = people.data_key(session, master, person_id)
    row = DocumentRow(
        person_id=person_id, kind=kind, content_sealed=seal(data_key, content, "document"), received_at=now
    )
    session.add(row)
    session.flush()
    return row.id
