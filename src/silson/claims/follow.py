"""Follow a package after it is sent: every insurer answer becomes lifecycle moves (each audited by
`service.move`, idempotent by a key made of the package and the answer), the statement is stored line
by line, and the timers of claims-and-documents.md §3.7 are set from the 접수일: the 지급기일 (3 영업일
after it, receipt day not counted: convention A) and the latest 지급예정일 (30 영업일).

Answers and their moves (the lifecycle has no separate "received": acknowledged is 접수):
- acknowledged with 접수번호/접수일 → submitted → acknowledged;
- documents requested → more documents requested (the codes in the reason);
- a delay notice (제9조②: reason, 지급예정일, a listed reason 1–6 or none) → delay notified; the 지급예정일 is
  kept on the package and checked against the 30-business-day limit;
- a 가지급 (제9조③) → prepaid, its amount and day kept on the package;
- decided: paid as much as the engine expects or more → paid; less → partly paid; nothing → denied;
- the insurer contests its decision → disputed; it closes the claim → closed.
Each told to the customer once (notifications/service.py); an answer that arrives again moves nothing."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime

from sqlalchemy.orm import Session

from silson.access import Actor
from silson.audit import chain
from silson.claims import events, repository, service, timers
from silson.claims.insurers.port import Acknowledgement, Answer, Delay, InsurerPort, InsurerUnavailable, Prepayment
from silson.claims.lifecycle import TRANSITIONS, Role, State
from silson.errors import Invalid, NotFound
from silson.notifications import service as notify
from silson.payments import interest
from silson.payments import service as payments
from silson.privacy import at_rest, people
from silson.privacy.crypto import MasterKey
from silson.rules.catalogue import Catalogue
from silson.store.models import ClaimPackageRow, ClaimRow

SYSTEM = Actor(Role.SYSTEM)
WAITING = timers.WAITING


def walk(
    session: Session, master: MasterKey, *, claim_id: int, path: Sequence[State], reason: str, key: str, now: datetime
) -> State:
    """Move the claim along `path`, from just after the state it is in, or else from the first state
    of the path the claim can move to; when it can reach none (the answer is older than where the claim
    stands) nothing moves. Replaying the same key moves nothing twice."""
    claim = session.get(ClaimRow, claim_id)
    if claim is None:
        raise NotFound(f"no claim {claim_id}")
    current = State(claim.state)
    if current in path:
        start = path.index(current) + 1
    else:
        start = next((i for i, s in enumerate(path) if (current, s) in TRANSITIONS), len(path))
    for target in path[start:]:
        current = service.move(session, master, SYSTEM, claim_id=claim_id, to=target, reason=reason,
                               idempotency_key=f"{key}:{target.value}", now=now)  # fmt: skip
    return current


def acknowledged(
    session: Session, master: MasterKey, *, package: ClaimPackageRow, ack: Acknowledgement, now: datetime
) -> None:
    """The insurer received the package: 접수번호, 접수일 and the timers; the claim is acknowledged."""
    package.state, package.sent_at, package.last_error = "sent", now, None
    package.receipt_no, package.received_on = ack.receipt_no, ack.received_on
    package.due_on = interest.due_date(received=ack.received_on)
    package.latest_on = interest.latest_scheduled_date(received=ack.received_on)
    walk(session, master, claim_id=package.claim_id, path=(State.SUBMITTED, State.ACKNOWLEDGED),
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


def delay_notified(
    session: Session, master: MasterKey, *, package: ClaimPackageRow, delay: Delay, now: datetime
) -> State:
    """제9조②: the reason and the 지급예정일 kept on the package; past the 30-business-day limit without a
    listed reason the customer is told they may object (interest runs from the 지급기일 all the same)."""
    claim = session.get(ClaimRow, package.claim_id)
    person_key = people.data_key_or_none(session, master, claim.person_id) if claim is not None else None
    before = at_rest.open_text(person_key, at_rest.DELAY_REASON, package.delay_reason_sealed)
    changed = (package.scheduled_on, package.delay_code, before) != (delay.scheduled_on, delay.code, delay.reason)
    package.scheduled_on, package.delay_code = delay.scheduled_on, delay.code
    if changed:  # the insurer's words about the person's claim: sealed under their key (none kept once erased)
        package.delay_reason_sealed = (
            at_rest.seal_text(person_key, at_rest.DELAY_REASON, delay.reason) if person_key is not None else b""
        )
    package.delay_notified_on = delay.notified_on
    key = f"delay:{package.key}:{delay.scheduled_on.isoformat()}"
    listed = f" (제9조② {delay.code}호)" if delay.code else ""
    moved = walk(session, master, claim_id=package.claim_id,
                 path=(State.SUBMITTED, State.ACKNOWLEDGED, State.DELAY_NOTIFIED),
                 reason=f"지급 지연 안내{listed}: {delay.reason}; 지급예정일 {delay.scheduled_on}", key=key,
                 now=now)  # fmt: skip
    if changed:
        chain.append(session, at=now, actor=SYSTEM.label, action="claim.delay_notified", object_type="claim",
                     object_id=str(package.claim_id), detail={"package": package.id, "code": delay.code,
                     "scheduled_on": delay.scheduled_on.isoformat(), "latest_on": str(package.latest_on)})  # fmt: skip
    notify.delay_notified(session, claim_id=package.claim_id, insurer=package.insurer, scheduled=delay.scheduled_on,
                          key=key, now=now)  # fmt: skip
    if timers.too_long(scheduled=delay.scheduled_on, latest=package.latest_on, code=delay.code):
        assert package.latest_on is not None
        notify.delay_too_long(session, claim_id=package.claim_id, insurer=package.insurer, latest=package.latest_on,
                              key=f"too-long:{key}", now=now)  # fmt: skip
    return moved


def prepaid(
    session: Session, master: MasterKey, *, package: ClaimPackageRow, prepayment: Prepayment, now: datetime
) -> State:
    """제9조③: the 가지급 is kept on the package (the interest base is smaller from its day)."""
    package.prepaid_amount, package.prepaid_on = prepayment.amount, prepayment.paid_on
    key = f"prepaid:{package.key}:{prepayment.paid_on.isoformat()}"
    moved = walk(session, master, claim_id=package.claim_id, path=(State.SUBMITTED, State.ACKNOWLEDGED, State.PREPAID),
                 reason=f"가지급 {prepayment.amount:,}원 ({prepayment.paid_on})", key=key, now=now)  # fmt: skip
    notify.prepaid(session, claim_id=package.claim_id, insurer=package.insurer, amount=prepayment.amount, key=key,
                   now=now)  # fmt: skip
    return moved


def _current(session: Session, claim_id: int) -> State:
    claim = session.get(ClaimRow, claim_id)
    if claim is None:
        raise NotFound(f"no claim {claim_id}")
    return State(claim.state)


def apply(
    session: Session, master: MasterKey, catalogue: Catalogue, *, package_id: int, answer: Answer, now: datetime
) -> State:
    """One insurer answer on one package; the same answer again changes nothing."""
    package = session.get(ClaimPackageRow, package_id, with_for_update=True)
    if package is None:
        raise NotFound(f"no package {package_id}")
    claim_id = package.claim_id
    if answer.delay is not None:
        delay_notified(session, master, package=package, delay=answer.delay, now=now)
    if answer.prepayment is not None:
        prepaid(session, master, package=package, prepayment=answer.prepayment, now=now)
    if answer.state in ("received", "delay_notified", "prepaid"):
        session.flush()
        return _current(session, claim_id)
    if answer.state == "documents_requested":
        asked = ", ".join(answer.requested) or "(목록 없음)"
        moved = walk(session, master, claim_id=claim_id, path=(State.SUBMITTED, State.ACKNOWLEDGED,
                                                       State.MORE_DOCUMENTS_REQUESTED),
                     reason=f"보험사 추가 서류 요청: {asked}", key=f"docs:{package.key}:{asked}", now=now)  # fmt: skip
        notify.more_documents(session, claim_id=claim_id, insurer=package.insurer, requested=answer.requested,
                              key=f"docs:{package.key}:{asked}", now=now)  # fmt: skip
        return moved
    if answer.state not in ("decided", "denied", "disputed", "closed"):
        raise Invalid(field="answer.state", message=f"unknown insurer answer '{answer.state}'")
    if package.state != "decided" and (answer.statement is not None or answer.state in ("decided", "denied")):
        decide(session, master, catalogue, package=package, answer=answer, now=now)
    if answer.dispute and answer.state in ("disputed", "closed"):
        key = f"disputed:{package.key}"
        walk(session, master, claim_id=claim_id, path=(State.DISPUTED,), reason=f"보험사 이의: {answer.dispute}",
             key=key, now=now)  # fmt: skip
        notify.disputed(session, claim_id=claim_id, insurer=package.insurer, by_insurer=True, key=key, now=now)
    if answer.closed:
        key = f"closed:{package.key}"
        walk(session, master, claim_id=claim_id, path=(State.CLOSED,), reason=f"보험사 종결: {answer.closed}", key=key,
             now=now)  # fmt: skip
        notify.closed(session, claim_id=claim_id, insurer=package.insurer, key=key, now=now)
    session.flush()
    return _current(session, claim_id)


def decide(
    session: Session, master: MasterKey, catalogue: Catalogue, *, package: ClaimPackageRow, answer: Answer,
    now: datetime,
) -> State:  # fmt: skip
    """The insurer's decision: the statement stored line by line and reconciled, the claim paid, partly
    paid or denied against what silson expected."""
    claim_id = package.claim_id
    paid = 0
    if answer.statement is not None:
        # stored line by line and reconciled against the exact figures at once (payments issue)
        payments.receive_statement(session, master, catalogue, package_id=package.id, statement=answer.statement,
                                   now=now, interest=answer.statement.interest)  # fmt: skip
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
    done = walk(session, master, claim_id=claim_id, path=(State.SUBMITTED, State.ACKNOWLEDGED, target), reason=reason,
                key=f"decided:{package.key}", now=now)  # fmt: skip
    notify.decided(session, claim_id=claim_id, insurer=package.insurer, paid=paid, expected=expected,
                   key=f"decided:{package.key}", now=now)  # fmt: skip
    session.flush()
    return done


def poll(
    session: Session, master: MasterKey, catalogue: Catalogue, *, port_for: Callable[[str], InsurerPort],
    now: datetime, claim_id: int | None = None,
) -> dict[int, State]:  # fmt: skip
    """Ask the insurer about every package it has received and not finished (or only those of
    `claim_id`); apply each answer, and tell the customer once when one is past its 지급기일 with no
    payment and no notice."""
    moved = {}
    for package in repository.followed_packages(session, now):
        if package.receipt_no is None or (claim_id is not None and package.claim_id != claim_id):
            continue
        try:
            answer = port_for(package.insurer).answer(receipt_no=package.receipt_no)
        except InsurerUnavailable:  # asked again at the next round; the others go on
            continue
        state = moved[package.claim_id] = apply(session, master, catalogue, package_id=package.id, answer=answer,
                                                now=now)  # fmt: skip
        late(session, package=package, state=state, today=now.date(), now=now)
    return moved


def late(session: Session, *, package: ClaimPackageRow, state: State, today: date, now: datetime) -> None:
    """Tell the customer once when the 지급기일 passed without payment or notice, or a notified 지급예정일
    passed unpaid."""
    if package.due_on and timers.overdue(state=state, due=package.due_on, scheduled=package.scheduled_on,
                                         today=today):  # fmt: skip
        notify.overdue(session, claim_id=package.claim_id, insurer=package.insurer, due=package.due_on, now=now)
    if package.scheduled_on and timers.scheduled_passed(state=state, scheduled=package.scheduled_on, today=today):
        notify.scheduled_passed(session, claim_id=package.claim_id, insurer=package.insurer,
                                scheduled=package.scheduled_on, now=now)  # fmt: skip


overdue = timers.overdue  # kept importable here (review.py, older callers)
