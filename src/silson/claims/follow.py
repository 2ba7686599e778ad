"""Follow a package after it is sent: every insurer answer becomes lifecycle moves (each audited by
`service.move`, idempotent by a key made of the package and the answer), the statement is stored line
by line, and the timers of claims-and-documents.md §3.7 are set from the 접수일: the 지급기일 (3 영업일
after it, receipt day not counted: convention A) and the latest 지급예정일 (30 영업일).

Answers and their moves (the lifecycle has no separate "received": acknowledged is 접수):
- acknowledged with 접수번호/접수일 → submitted → acknowledged;
- documents requested → more documents requested (the codes in the reason);
- decided: paid as much as the engine expects or more → paid; less → partly paid; nothing → denied."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime

from sqlalchemy.orm import Session

from silson.access import Actor
from silson.claims import events, repository, service
from silson.claims.insurers.port import Acknowledgement, Answer, InsurerPort
from silson.claims.lifecycle import Role, State
from silson.notifications import service as notify
from silson.payments import interest
from silson.payments import service as payments
from silson.privacy.crypto import MasterKey
from silson.rules.catalogue import Catalogue
from silson.store.models import ClaimPackageRow, ClaimRow

SYSTEM = Actor(Role.SYSTEM)
#: the insurer has it and has not paid: the states where the 지급기일 can pass
WAITING = (State.SUBMITTED, State.ACKNOWLEDGED, State.MORE_DOCUMENTS_REQUESTED)


def walk(session: Session, *, claim_id: int, path: Sequence[State], reason: str, key: str, now: datetime) -> State:
    """Move the claim along `path`, from just after the state it is in (or from the start of the
    path when it is in none of them). Replaying the same key moves nothing twice."""
    claim = session.get(ClaimRow, claim_id)
    if claim is None:
        raise LookupError(f"no claim {claim_id}")
    current = State(claim.state)
    start = path.index(current) + 1 if current in path else 0
    for target in path[start:]:
        current = service.move(session, SYSTEM, claim_id=claim_id, to=target, reason=reason,
                               idempotency_key=f"{key}:{target.value}", now=now)  # fmt: skip
    return current


def acknowledged(session: Session, *, package: ClaimPackageRow, ack: Acknowledgement, now: datetime) -> None:
    """The insurer received the package: 접수번호, 접수일 and the timers; the claim is acknowledged."""
    package.state, package.sent_at, package.last_error = "sent", now, None
    package.receipt_no, package.received_on = ack.receipt_no, ack.received_on
    package.due_on = interest.due_date(received=ack.received_on)
    package.latest_on = interest.latest_scheduled_date(received=ack.received_on)
    walk(session, claim_id=package.claim_id, path=(State.SUBMITTED, State.ACKNOWLEDGED),
         reason=f"접수번호 {ack.receipt_no}, 접수일 {ack.received_on}, 지급기일 {package.due_on}",
         key=f"ack:{package.key}", now=now)  # fmt: skip
    notify.package_sent(session, claim_id=package.claim_id, insurer=package.insurer, receipt_no=ack.receipt_no,
                        due=package.due_on, now=now)  # fmt: skip
    session.flush()


def expected_total(
    session: Session, master: MasterKey, catalogue: Catalogue, *, claim_id: int, claim_date: date, now: datetime
) -> int:
    """What silson expects this insurer to pay: the engine's figure, or the claim's items when the
    engine cannot decide over the stored visits."""
    try:
        return events.figures(session, master, catalogue, SYSTEM, claim_id=claim_id, claim_date=claim_date,
                              now=now).own_total  # fmt: skip
    except (ValueError, LookupError):
        return sum(i.amount for i in repository.items_of_claim(session, claim_id))


def apply(
    session: Session, master: MasterKey, catalogue: Catalogue, *, package_id: int, answer: Answer, now: datetime
) -> State:
    """One insurer answer on one package; the same answer again changes nothing."""
    package = session.get(ClaimPackageRow, package_id, with_for_update=True)
    if package is None:
        raise LookupError(f"no package {package_id}")
    claim_id = package.claim_id
    if answer.state == "received":
        claim = session.get(ClaimRow, claim_id)
        return State(claim.state) if claim else State.ACKNOWLEDGED
    if answer.state == "documents_requested":
        asked = ", ".join(answer.requested) or "(목록 없음)"
        moved = walk(session, claim_id=claim_id, path=(State.SUBMITTED, State.ACKNOWLEDGED,
                                                       State.MORE_DOCUMENTS_REQUESTED),
                     reason=f"보험사 추가 서류 요청: {asked}", key=f"docs:{package.key}:{asked}", now=now)  # fmt: skip
        notify.more_documents(session, claim_id=claim_id, insurer=package.insurer, requested=answer.requested,
                              key=f"docs:{package.key}:{asked}", now=now)  # fmt: skip
        return moved
    if answer.state not in ("decided", "denied"):
        raise ValueError(f"answer.state: unknown insurer answer '{answer.state}'")
    paid = 0
    if answer.statement is not None:
        # stored line by line and reconciled against the exact figures at once (payments issue)
        payments.receive_statement(
            session, master, catalogue, package_id=package_id, statement=answer.statement, now=now
        )
        paid = answer.statement.total
    expected = expected_total(session, master, catalogue, claim_id=claim_id,
                              claim_date=package.received_on or now.date(), now=now)  # fmt: skip
    if answer.state == "denied" or paid == 0:
        target, reason = State.REJECTED, "보험사 부지급 (지급액 0원)"
    elif paid < expected:
        target, reason = State.PARTLY_PAID, f"일부 지급: {paid:,}원 (예상 {expected:,}원)"
    else:
        target, reason = State.PAID, f"지급: {paid:,}원 (예상 {expected:,}원)"
    package.state = "decided"
    done = walk(session, claim_id=claim_id, path=(State.SUBMITTED, State.ACKNOWLEDGED, target), reason=reason,
                key=f"decided:{package.key}", now=now)  # fmt: skip
    notify.decided(session, claim_id=claim_id, insurer=package.insurer, paid=paid, expected=expected,
                   key=f"decided:{package.key}", now=now)  # fmt: skip
    session.flush()
    return done


def poll(
    session: Session, master: MasterKey, catalogue: Catalogue, *, port_for: Callable[[str], InsurerPort],
    now: datetime,
) -> dict[int, State]:  # fmt: skip
    """Ask the insurer about every package it has received and not finished; apply each answer, and
    tell the customer once when one is past its 지급기일 with no payment and no notice."""
    moved = {}
    for package in repository.followed_packages(session, now):
        if package.receipt_no is None:
            continue
        answer = port_for(package.insurer).answer(receipt_no=package.receipt_no)
        state = moved[package.claim_id] = apply(session, master, catalogue, package_id=package.id, answer=answer,
                                                now=now)  # fmt: skip
        if package.due_on and overdue(state=state, due=package.due_on, scheduled=package.scheduled_on,
                                       today=now.date()):  # fmt: skip
            notify.overdue(session, claim_id=package.claim_id, insurer=package.insurer, due=package.due_on, now=now)
    return moved


def overdue(*, state: State, due: date | None, scheduled: date | None, today: date) -> bool:
    """§3.7 no_notice_overdue: past the 지급기일, not paid, no 지급예정일 notified.

    >>> overdue(state=State.ACKNOWLEDGED, due=date(2025, 10, 10), scheduled=None, today=date(2025, 10, 13))
    True
    >>> overdue(state=State.PAID, due=date(2025, 10, 10), scheduled=None, today=date(2025, 10, 13))
    False
    """
    return due is not None and state in WAITING and scheduled is None and today > due
