"""Claims: open one per insurer and filing, and move it along its lifecycle. Each move is one
transaction (the caller's), checked against the lifecycle and the actor's rights, idempotent by
key (the same request twice changes nothing the second time), and recorded in the audit log."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from silson.access import STAFF, Actor, Forbidden, may_read_person, require_act
from silson.audit import chain
from silson.claims import representation
from silson.claims.lifecycle import BEFORE_SUBMISSION, Role, State, check_move
from silson.privacy import people
from silson.store import repository
from silson.store.models import ClaimItemRow, ClaimRow, ClaimTransitionRow


@dataclass(frozen=True, slots=True)
class ItemIn:
    event_ref: str
    contract_ref: str
    event_date: date
    amount: int
    note: str | None = None  # flagged: why a person should look (e.g. B201Y shows 실손 received that year)
    reclaim_of: int | None = None  # the denied claim this item files again
    reclaim_reason: str | None = None


def open_claim(
    session: Session, actor: Actor, *, person_id: int, insurer: str, items: Sequence[ItemIn], now: datetime
) -> int:
    who = representation.claimant(session, actor, person_id=person_id, today=now.date())
    repository.require_person(session, person_id)
    people.require_open(session, person_id)
    if not items:
        raise ValueError("items: a claim needs at least one (event, contract) item")
    for i, item in enumerate(items):
        if item.amount < 0:
            raise ValueError(f"items[{i}].amount: {item.amount} is negative")
    claim = ClaimRow(person_id=person_id, insurer=insurer, state=State.DRAFT.value, created_at=now, updated_at=now)
    session.add(claim)
    session.flush()
    for item in items:
        session.add(ClaimItemRow(claim_id=claim.id, event_ref=item.event_ref, contract_ref=item.contract_ref,
                                 event_date=item.event_date, amount=item.amount, note=item.note,
                                 reclaim_of=item.reclaim_of, reclaim_reason=item.reclaim_reason))  # fmt: skip
    chain.append(session, at=now, actor=actor.label, action="claim.opened", object_type="claim",
                 object_id=str(claim.id),
                 detail={"insurer": insurer, "items": len(items), "claimant": who.value})  # fmt: skip
    session.flush()
    return claim.id


def cancel_before_submission(session: Session, actor: Actor, person_id: int, idempotency_key: str,
                             now: datetime) -> None:  # fmt: skip
    """Withdrawal (FAQ): the person's claims not yet with an insurer are cancelled; those with an
    insurer stay there. Given to `privacy.withdrawal.run_retention`."""
    for claim in repository.claims_of(session, person_id):
        if State(claim.state) in BEFORE_SUBMISSION:
            move(session, actor, claim_id=claim.id, to=State.CANCELLED, reason="탈퇴", idempotency_key=idempotency_key,
                 now=now)  # fmt: skip


def actor_key(actor: Actor, idempotency_key: str) -> str:
    """The key as stored: scoped to the actor (a hash, so it fits the column whatever its length)."""
    return hashlib.sha256(f"{actor.label}\n{idempotency_key}".encode()).hexdigest()


def move(
    session: Session, actor: Actor, *, claim_id: int, to: State, reason: str, idempotency_key: str, now: datetime
) -> State:
    """Move a claim; the same actor replaying the same idempotency key gets the state it produced.
    Rights are checked first, and a key is the actor's own: someone else's key is just a new key."""
    claim = session.get(ClaimRow, claim_id, with_for_update=True)
    if claim is None or (actor.role not in STAFF and not may_read_person(actor, claim.person_id)):
        raise LookupError(f"청구 #{claim_id}을(를) 찾을 수 없습니다.")  # missing or not theirs: alike
    if actor.role is Role.FAMILY_VIEWER:
        raise Forbidden("a family viewer may look at claims but never change them")
    if actor.role in (Role.CUSTOMER,):
        require_act(actor, claim.person_id)
    scoped_key = actor_key(actor, idempotency_key)
    done = repository.transition_by_key(session, claim_id, scoped_key)
    if done is not None:
        if done.to_state != to.value:
            raise ValueError(f"idempotency_key: 이 키는 이미 다른 요청에 쓰였습니다 (was used for a move to "
                             f"{done.to_state}). 새 키로 보내 주세요.")  # fmt: skip
        return State(done.to_state)
    current = State(claim.state)
    check_move(current, to, actor.role)
    claim.state = to.value
    claim.updated_at = now
    session.add(ClaimTransitionRow(claim_id=claim_id, from_state=current.value, to_state=to.value, actor=actor.label,
                                   reason=reason, idempotency_key=scoped_key, at=now))  # fmt: skip
    chain.append(session, at=now, actor=actor.label, action="claim.moved", object_type="claim", object_id=str(claim_id),
                 detail={"from": current.value, "to": to.value, "reason": reason})  # fmt: skip
    session.flush()
    return to
