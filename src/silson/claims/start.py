"""Start claims from the estimate: the customer picks provider-years (or everything still claimable)
and silson opens one claim per insurer with an item per (provider-year, contract).

No double claims. Each candidate item is checked against what the person already filed and what the
tax data says was paid, and refused or flagged with the reason:
- on a live claim (anything not yet paid, denied or cancelled): refused;
- on a paid claim (paid, partly paid, or closed after either): refused; a shortfall is a dispute of
  that claim, not a new claim;
- on a denied claim: refused unless the customer gives a reason to file again (it is recorded);
- 실손 received that year from that policy (B201Y): taken off exactly as discover and the estimate
  page take it off (`discover.stored.stored_report`); nothing left even at the high end of the
  estimate → refused, something left → flagged;
- past the 소멸시효 → refused; partly past → flagged.
Opening is idempotent per request key (the same request twice opens nothing new)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy.orm import Session

from silson.access import Actor
from silson.claims import checklist, repository, representation, service
from silson.claims.lifecycle import Role, State
from silson.discover.providers import ProviderDirectory
from silson.discover.stored import stored_report
from silson.errors import Invalid, SilsonError
from silson.notifications import service as notify
from silson.privacy import at_rest, people
from silson.privacy.crypto import MasterKey
from silson.rules.catalogue import Catalogue
from silson.store import repository as store
from silson.store.models import ClaimRequestRow, ClaimRow, PersonRow

PAID_STATES = {State.PAID, State.PARTLY_PAID}


class Outcome(StrEnum):
    LIVE = "live"
    PAID = "paid"
    DENIED = "denied"
    CANCELLED = "cancelled"


class NothingToClaim(SilsonError, ValueError):
    """Every pick was refused: an expected business outcome, answered 409 with each reason."""

    code = "nothing_to_claim"
    http_status = 409


@dataclass(frozen=True, slots=True)
class Candidate:
    """One (provider-year, contract) the estimate shows, and whether it may be claimed now."""

    spending_id: int
    year: int
    provider_id: str
    provider_name: str
    route: str  # "실손24" | "agent" | "upload" (discover's, from relay.route)
    insurer: str
    contract_ref: str
    expected: int  # the estimate's typical figure, after the B201Y amount is taken off
    received: int  # 실손 already received that year (B201Y), as the estimate took it off
    status: str  # "ok" | "flagged" | "refused"
    code: str | None = None
    reason: str | None = None
    prior_claim: int | None = None

    @property
    def event_ref(self) -> str:
        return f"spending:{self.spending_id}"


@dataclass(frozen=True, slots=True)
class Started:
    claims: list[int]
    refused: list[Candidate]
    flagged: list[Candidate]


def outcome_of(session: Session, claim: ClaimRow) -> Outcome:
    state = State(claim.state)
    if state is State.CLOSED:
        last = repository.last_transition(session, claim.id)
        state = State(last.from_state) if last else state
    if state in PAID_STATES:
        return Outcome.PAID
    if state is State.REJECTED:
        return Outcome.DENIED
    if state in (State.CANCELLED, State.CLOSED):
        return Outcome.CANCELLED
    return Outcome.LIVE


def _judge(
    *, status: str, expected: int, high: int, received: int, year: int, insurer: str,
    prior: list[tuple[int, Outcome]], reclaim_reason: str | None,
) -> tuple[str, str | None, str | None, int | None]:  # fmt: skip
    """(status, code, reason, prior claim) for one candidate: the rules of the module docstring, in order."""
    for claim_id, outcome in prior:
        if outcome is Outcome.LIVE:
            return "refused", "already_on_claim", f"이미 청구 #{claim_id}에 들어 있어요.", claim_id
        if outcome is Outcome.PAID:
            return "refused", "already_paid", f"청구 #{claim_id}로 이미 보험금을 받았어요.", claim_id
    denied = [c for c, o in prior if o is Outcome.DENIED]
    if status == "lapsed":
        return "refused", "time_barred", "소멸시효(3년)가 지나 청구할 수 없어요.", None
    if received and high == 0:
        return ("refused", "paid_per_b201y", f"홈택스 자료에 {year}년 {insurer} 실손보험금 {received:,}원 수령 기록이 "
                "있어 이미 받은 것으로 보여요.", None)  # fmt: skip
    if high == 0:
        return "refused", "nothing_owed", "예상 보험금이 없어요 (공제금액 이하).", None
    if denied and not (reclaim_reason or "").strip():
        return ("refused", "denied_needs_reason", f"청구 #{denied[-1]}이(가) 거절되었어요. 다시 청구하려면 사유를 "
                "적어 주세요.", denied[-1])  # fmt: skip
    if denied:
        return "flagged", "reclaim", f"거절된 청구 #{denied[-1]}을(를) 사유와 함께 다시 청구해요.", denied[-1]
    if received:
        return ("flagged", "b201y_partly", f"홈택스 자료에 {year}년 {insurer} 실손보험금 {received:,}원 수령 기록이 "
                "있어 그만큼 빼고 청구해요.", None)  # fmt: skip
    if status == "partly lapsed":
        return "flagged", "partly_lapsed", "이 해의 일부 진료는 소멸시효가 지났을 수 있어요.", None
    return "ok", None, None, None


def candidates(
    session: Session, master: MasterKey, catalogue: Catalogue, directory: ProviderDirectory, actor: Actor, *,
    person_id: int, reclaim_reason: str | None = None, today: date, now: datetime,
) -> list[Candidate]:  # fmt: skip
    """Every (provider-year, contract) of the person's estimate, judged; the caller must be able to claim."""
    representation.claimant(session, actor, person_id=person_id, today=today)
    report = stored_report(session, master, catalogue, directory, Actor(Role.SYSTEM), person_id=person_id,
                           as_of=today, now=now).persons[0]  # fmt: skip
    contract_of = {v.key: (v.insurer, v.policy_no) for v in report.contracts}
    spending: dict[tuple[int, str], list[int]] = defaultdict(list)
    sealing = people.data_key(session, master, person_id)
    for row in store.spending_of(session, person_id):
        spending[(row.year, at_rest.open_provider(sealing, row))].append(row.id)
    prior: dict[tuple[str, str], list[tuple[int, Outcome]]] = defaultdict(list)
    outcomes: dict[int, Outcome] = {}
    for item, claim in repository.items_of_person(session, person_id):
        if claim.id not in outcomes:
            outcomes[claim.id] = outcome_of(session, claim)
        prior[(item.event_ref, item.contract_ref)].append((claim.id, outcomes[claim.id]))
    found = []
    for p in sorted(report.provider_years, key=lambda p: (p.year, p.provider_id)):
        ids = spending.get((p.year, p.provider_id))
        if not ids:
            continue
        spending_id = ids.pop(0) if len(ids) > 1 else ids[0]
        for key in sorted(set(p.estimates) | set(p.received)):
            if key not in contract_of:
                continue
            insurer, contract_ref = contract_of[key]
            estimate = p.estimates.get(key)
            expected, high = (estimate.typical, estimate.high) if estimate else (0, 0)
            received = p.received.get(key, 0)
            status, code, reason, claim_id = _judge(
                status=p.status, expected=expected, high=high, received=received, year=p.year, insurer=insurer,
                prior=prior.get((f"spending:{spending_id}", contract_ref), []), reclaim_reason=reclaim_reason,
            )  # fmt: skip
            found.append(Candidate(spending_id, p.year, p.provider_id, p.provider_name, p.route, insurer, contract_ref,
                                   expected, received, status, code, reason, claim_id))  # fmt: skip
    return found


def _replay(row: ClaimRequestRow) -> Started:
    data = json.loads(row.result)
    return Started(data["claims"], [Candidate(**c) for c in data["refused"]],
                   [Candidate(**c) for c in data["flagged"]])  # fmt: skip


def start(
    session: Session, master: MasterKey, catalogue: Catalogue, directory: ProviderDirectory, actor: Actor, *,
    person_id: int, spending_ids: Sequence[int] | None, reclaim_reason: str | None, idempotency_key: str,
    today: date, now: datetime,
) -> Started:  # fmt: skip
    """Open one claim per insurer for the picked provider-years (None: everything still claimable).
    The same actor replaying the same key gets the first answer; NothingToClaim if all were refused."""
    representation.claimant(session, actor, person_id=person_id, today=today)
    key = service.actor_key(actor, f"start\n{person_id}\n{idempotency_key}")
    done = repository.request(session, key)
    if done is not None:
        return _replay(done)
    people.require_open(session, person_id)
    session.get(PersonRow, person_id, with_for_update=True)  # one start per person at a time (PostgreSQL)
    found = candidates(session, master, catalogue, directory, actor, person_id=person_id,
                       reclaim_reason=reclaim_reason, today=today, now=now)  # fmt: skip
    if spending_ids is None:
        picked = [c for c in found if c.code not in ("nothing_owed", "time_barred")]
    else:
        known = {c.spending_id for c in found}
        unknown = sorted(set(spending_ids) - known)
        if unknown:
            raise Invalid(field="provider_years", message=f"#{unknown[0]}은(는) 예상 보험금 목록에 없는 항목이에요.")
        picked = [c for c in found if c.spending_id in set(spending_ids)]
    chosen = [c for c in picked if c.status != "refused"]
    refused = [c for c in picked if c.status == "refused"]
    if not chosen:
        reasons = "; ".join(dict.fromkeys(f"{c.year}년 {c.provider_name}: {c.reason}" for c in refused))
        raise NothingToClaim(f"청구할 수 있는 항목이 없어요. {reasons}" if reasons else "청구할 수 있는 항목이 없어요.")
    by_insurer: dict[str, list[service.ItemIn]] = defaultdict(list)
    why = reclaim_reason.strip() if reclaim_reason else ""
    person_key = people.data_key(session, master, person_id)
    sealed_why = at_rest.seal_text(person_key, at_rest.RECLAIM_REASON, why) if why else None
    for c in chosen:
        reclaim = c.prior_claim if c.code == "reclaim" else None
        by_insurer[c.insurer].append(service.ItemIn(
            c.event_ref, c.contract_ref, date(c.year, 1, 1), c.expected,
            note_sealed=(None if c.code == "reclaim" or not c.reason
                         else at_rest.seal_text(person_key, at_rest.ITEM_NOTE, c.reason)),
            reclaim_of=reclaim, reclaim_reason_sealed=sealed_why if reclaim else None,
        ))  # fmt: skip
    opened = [service.open_claim(session, actor, person_id=person_id, insurer=insurer, items=items, now=now)
              for insurer, items in sorted(by_insurer.items())]  # fmt: skip
    for claim_id, insurer in zip(opened, sorted(by_insurer), strict=True):
        rows = checklist.outstanding(checklist.checklist(session, master, directory, Actor(Role.SYSTEM),
                                                         claim_id=claim_id, now=now))  # fmt: skip
        if rows:  # the customer is told once what the claim needs and which of it is theirs to send
            notify.documents_needed(session, claim_id=claim_id, insurer=insurer, count=len(rows),
                                    uploads=sum(1 for r in rows if r.route == checklist.Route.UPLOAD.value),
                                    now=now)  # fmt: skip
    result = Started(opened, refused, [c for c in chosen if c.status == "flagged"])
    payload = {"claims": opened, "refused": [asdict(c) for c in refused],
               "flagged": [asdict(c) for c in result.flagged]}  # fmt: skip
    session.add(ClaimRequestRow(key=key, person_id=person_id, result=json.dumps(payload, ensure_ascii=False), at=now))
    session.flush()
    return result
