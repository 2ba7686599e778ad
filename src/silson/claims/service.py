"""Claims: open one per insurer and filing, and move it along its lifecycle. Each move is one
transaction (the caller's), checked against the lifecycle and the actor's rights, idempotent by
key (the same request twice changes nothing the second time), and recorded in the audit log."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from silson.access import OFFICE, STAFF, Actor, Forbidden, may_read_person, require_act
from silson.audit import chain
from silson.claims import events, representation, review
from silson.claims.lifecycle import BEFORE_SUBMISSION, TRANSITIONS, Role, State, check_move
from silson.errors import Invalid, NotFound
from silson.privacy import at_rest, people
from silson.privacy.crypto import MasterKey
from silson.privacy.family import with_family
from silson.store import repository
from silson.store.models import ClaimItemRow, ClaimRow, ClaimTransitionRow
from silson.web.deps import Services
from silson.web.schemas import (
    AuditEntryOut,
    ClaimDetailOut,
    ClaimOut,
    DocumentOut,
    FiguresOut,
    PayoutOut,
    QueueEntryOut,
    StepOut,
    TransitionOut,
    VisitOut,
)


@dataclass(frozen=True, slots=True)
class ItemIn:
    event_ref: str
    contract_ref: str
    event_date: date
    amount: int
    note_sealed: bytes | None = None  # flagged: why a person should look (B201Y: 실손 received that year), sealed
    reclaim_of: int | None = None  # the denied claim this item files again
    reclaim_reason_sealed: bytes | None = None  # why, sealed under the person's key (at_rest.RECLAIM_REASON)


def open_claim(
    session: Session, actor: Actor, *, person_id: int, insurer: str, items: Sequence[ItemIn], now: datetime
) -> int:
    who = representation.claimant(session, actor, person_id=person_id, today=now.date())
    repository.require_person(session, person_id)
    people.require_open(session, person_id)
    if not items:
        raise Invalid(field="items", message="a claim needs at least one (event, contract) item")
    for i, item in enumerate(items):
        if item.amount < 0:
            raise Invalid(field=f"items[{i}].amount", message=f"{item.amount} is negative")
    claim = ClaimRow(person_id=person_id, insurer=insurer, state=State.DRAFT.value, created_at=now, updated_at=now)
    session.add(claim)
    session.flush()
    for item in items:
        session.add(ClaimItemRow(claim_id=claim.id, event_ref=item.event_ref, contract_ref=item.contract_ref,
                                 event_date=item.event_date, amount=item.amount, note_sealed=item.note_sealed,
                                 reclaim_of=item.reclaim_of,
                                 reclaim_reason_sealed=item.reclaim_reason_sealed))  # fmt: skip
    chain.append(session, at=now, actor=actor.label, action="claim.opened", object_type="claim",
                 object_id=str(claim.id),
                 detail={"insurer": insurer, "items": len(items), "claimant": who.value})  # fmt: skip
    session.flush()
    return claim.id


def cancel_before_submission(session: Session, actor: Actor, person_id: int, idempotency_key: str,
                             now: datetime, *, master: MasterKey) -> None:  # fmt: skip
    """Withdrawal (FAQ): the person's claims not yet with an insurer are cancelled; those with an
    insurer stay there. Given to `privacy.withdrawal.run_retention`."""
    for claim in repository.claims_of(session, person_id):
        if State(claim.state) in BEFORE_SUBMISSION:
            move(session, master, actor, claim_id=claim.id, to=State.CANCELLED, reason="탈퇴",
                 idempotency_key=idempotency_key, now=now)  # fmt: skip


def actor_key(actor: Actor, idempotency_key: str) -> str:
    """The key as stored: scoped to the actor (a hash, so it fits the column whatever its length)."""
    return hashlib.sha256(f"{actor.label}\n{idempotency_key}".encode()).hexdigest()


def move(
    session: Session, master: MasterKey, actor: Actor, *, claim_id: int, to: State, reason: str, idempotency_key: str,
    now: datetime,
) -> State:  # fmt: skip
    """Move a claim; the same actor replaying the same idempotency key gets the state it produced.
    Rights are checked first, and a key is the actor's own: someone else's key is just a new key.
    The reason (free text of staff, the person or the insurer) is kept sealed under the person's key,
    in the transition and in its audit entry."""
    claim = session.get(ClaimRow, claim_id, with_for_update=True)
    if claim is None or (actor.role not in STAFF and not may_read_person(actor, claim.person_id)):
        raise NotFound(f"청구 #{claim_id}을(를) 찾을 수 없습니다.")  # missing or not theirs: alike
    if actor.role is Role.FAMILY_VIEWER:
        raise Forbidden("a family viewer may look at claims but never change them")
    if actor.role in (Role.CUSTOMER,):
        require_act(actor, claim.person_id)
    scoped_key = actor_key(actor, idempotency_key)
    done = repository.transition_by_key(session, claim_id, scoped_key)
    if done is not None:
        if done.to_state != to.value:
            raise Invalid(
                f"이 키는 이미 다른 요청에 쓰였습니다 (was used for a move to {done.to_state}). 새 키로 보내 주세요.",
                field="idempotency_key",
            )
        return State(done.to_state)
    current = State(claim.state)
    check_move(current, to, actor.role)
    claim.state = to.value
    claim.updated_at = now
    key = people.data_key_or_none(session, master, claim.person_id)  # None: erased, the reason is not kept
    moved = {"from": current.value, "to": to.value}
    sealed = at_rest.seal_text(key, at_rest.TRANSITION_REASON, reason) if key is not None else b""
    session.add(ClaimTransitionRow(claim_id=claim_id, from_state=current.value, to_state=to.value, actor=actor.label,
                                   reason_sealed=sealed, idempotency_key=scoped_key, at=now))  # fmt: skip
    detail = at_rest.seal_detail(key, "claim", str(claim_id), moved | {"reason": reason}) if key is not None else moved
    chain.append(session, at=now, actor=actor.label, action="claim.moved", object_type="claim", object_id=str(claim_id),
                 detail=detail)  # fmt: skip
    session.flush()
    return to


# What a claim shows, shared by the JSON API and the pages (each read checks the actor's rights).


def claim_of(session: Session, actor: Actor, claim_id: int) -> ClaimRow:
    """The claim if the actor may read it; a claim that does not exist and one that is someone else's
    are answered alike (404), so ids do not tell whose claims exist."""
    claim = session.get(ClaimRow, claim_id)
    if claim is None or not may_read_person(with_family(session, actor), claim.person_id):
        raise NotFound(f"청구 #{claim_id}을(를) 찾을 수 없습니다.")
    return claim


def claim_out(claim: ClaimRow) -> ClaimOut:
    return ClaimOut(id=claim.id, person_id=claim.person_id, insurer=claim.insurer, state=claim.state)


def next_states(claim: ClaimRow, actor: Actor) -> list[State]:
    if actor.role is Role.CUSTOMER and actor.person_id != claim.person_id:
        return []
    current = State(claim.state)
    return [to for (frm, to), roles in TRANSITIONS.items() if frm == current and actor.role in roles]


def figures(session: Session, services: Services, actor: Actor, claim_id: int, claim_date: date,
            now: datetime) -> FiguresOut:  # fmt: skip
    found = events.figures(session, services.master, services.catalogue, with_family(session, actor),
                           claim_id=claim_id, claim_date=claim_date, now=now)  # fmt: skip
    insurers = {c.id: c.insurer for c in found.case.contracts}
    payouts = [
        PayoutOut(event=d.event, contract=d.contract, insurer=insurers[d.contract], coverage=d.coverage,
                  amount=d.amount, trace=[StepOut(rule=s.rule, text=s.text) for s in d.trace], needs=list(d.needs))
        for d in found.result.decisions
    ]  # fmt: skip
    return FiguresOut(claim_date=claim_date, insurer_total=found.own_total, total=found.result.total, payouts=payouts)


def claim_detail(session: Session, services: Services, actor: Actor, claim_id: int, now: datetime) -> ClaimDetailOut:
    claim = claim_of(session, actor, claim_id)
    viewer = with_family(session, actor)
    visits = events.of_claim(session, services.master, viewer, claim_id)
    fig, error = None, None
    if visits:
        try:
            fig = figures(session, services, actor, claim_id, now.date(), now)
        except ValueError as exc:
            error = str(exc)
    key = people.data_key_or_none(session, services.master, claim.person_id)
    transitions = [
        TransitionOut(from_state=t.from_state, to_state=t.to_state, actor=t.actor, at=t.at,
                      reason=at_rest.open_text(key, at_rest.TRANSITION_REASON, t.reason_sealed) or "")
        for t in repository.transitions_of(session, claim_id)
    ]  # fmt: skip
    documents = [
        DocumentOut(id=d.id, kind=d.kind, received_at=d.received_at)
        for d in (repository.live_documents(session, claim.person_id) if actor.role in STAFF else [])
    ]
    return ClaimDetailOut(
        claim=claim_out(claim),
        visits=[VisitOut(id=v.id, revision=v.revision, event=v.data) for v in visits],
        figures=fig,
        figures_error=error,
        transitions=transitions,
        next_states=next_states(claim, actor),
        documents=documents,
    )


def visit_corrections(session: Session, master: MasterKey, actor: Actor, claim_id: int,
                      visit_id: int) -> list[tuple[datetime, dict[str, list[int]], str]]:  # fmt: skip
    """How a reviewer corrected a visit's amounts and why (when, {field: [before, after]}, reason),
    for whoever may read the claim: the person sees why a figure changed."""
    claim = claim_of(session, actor, claim_id)
    key = people.data_key_or_none(session, master, claim.person_id)
    found = []
    for a in repository.audit_of(session, "claim", str(claim_id)):
        if a.action != "claim.event_corrected":
            continue
        detail = at_rest.open_detail(key, "claim", str(claim_id), json.loads(a.detail))
        if detail and detail.get("event") == visit_id:
            found.append((a.at, detail.get("changed", {}), str(detail.get("reason", ""))))
    return found


def claim_audit(session: Session, master: MasterKey, actor: Actor, claim_id: int) -> list[AuditEntryOut]:
    if actor.role not in OFFICE:
        raise Forbidden("a claim's audit trail is for the review center's staff")
    claim = claim_of(session, actor, claim_id)
    key = people.data_key_or_none(session, master, claim.person_id)
    out = []
    for a in repository.audit_of(session, "claim", str(claim_id)):
        detail = at_rest.open_detail(key, "claim", str(claim_id), json.loads(a.detail))
        shown = detail if detail is not None else {"sealed": "삭제된 회원의 기록"}
        out.append(AuditEntryOut(id=a.id, at=a.at, actor=a.actor, action=a.action, detail=shown))
    return out


def queue(session: Session, services: Services, actor: Actor, today: date, order: str = "work") -> list[QueueEntryOut]:
    return [QueueEntryOut(claim_id=e.claim_id, person_id=e.person_id, insurer=e.insurer, state=e.state, visits=e.visits,
                          deadline=e.deadline, days_left=e.days_left, due=e.due, overdue=e.overdue,
                          next_label=e.next.label if e.next else None, next_day=e.next.day if e.next else None,
                          next_late=bool(e.next and e.next.late), documents_waiting=e.documents_waiting)
            for e in review.queue(session, services.master, actor, today=today, order=order)]  # fmt: skip
