"""The review center's queue: overdue claims first (the insurer's 지급기일 passed with no payment and no
notice), then open claims by state, those whose limitation runs out soonest first.

The deadline of a claim is the earliest 소멸시효 of its visits, from the visit or from discharge for an
admission, under the terms of the person's contracts with that insurer (`limitation.years`: 3 years,
2 under the 2009 terms for care before 2013-03-12; 상법 제662조, as the engine applies it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from silson.access import OFFICE, Actor, Forbidden
from silson.claims import events, follow, timers
from silson.claims import repository as claims_repository
from silson.claims.lifecycle import BEFORE_SUBMISSION, State
from silson.documentstore import repository as uploads
from silson.domain.model import Contract
from silson.privacy.crypto import MasterKey
from silson.rules.catalogue import Catalogue, load_catalogue
from silson.rules.limitation import earliest_deadline
from silson.store import repository

#: states that wait on the review center, in the order the work is done
WORK_ORDER = (
    State.DOCUMENTS_RECEIVED,
    State.MORE_DOCUMENTS_REQUESTED,
    State.IN_REVIEW,
    State.DRAFT,
    State.DOCUMENTS_REQUESTED,
    State.READY,
    State.SUBMITTED,
    State.ACKNOWLEDGED,
    State.DELAY_NOTIFIED,
    State.PREPAID,
    State.PAID,
    State.PARTLY_PAID,
    State.REJECTED,
    State.DISPUTED,
)


@dataclass(frozen=True, slots=True)
class QueueEntry:
    claim_id: int
    person_id: int
    insurer: str
    state: State
    visits: int
    deadline: date | None
    days_left: int | None
    due: date | None = None  # 지급기일 of the package with the insurer (접수일 + 3 영업일)
    overdue: bool = False  # past it, not paid, no 지급예정일 notified (§3.7 no_notice_overdue)
    next: timers.Timer | None = None  # the nearest timer of §3.7 (a late one first)
    documents_waiting: int = 0  # uploads read and waiting for a reviewer's look (documentstore)


def deadline_of(visits: list[events.StoredEvent], *, deadline_for: Callable[[date], date]) -> date | None:
    """The earliest deadline of the visits (`deadline_for`: a care day → its last day to claim).

    >>> from silson.rules.catalogue import load_catalogue
    >>> from silson.rules.limitation import claim_deadline
    >>> terms = load_catalogue().get("std-2015-09")
    >>> e = events.StoredEvent(1, 1, {"date": "2024-02-29", "kind": "outpatient"})
    >>> deadline_of([e], deadline_for=lambda day: claim_deadline(rules=terms, event_day=day))
    datetime.date(2027, 2, 28)
    """
    ends = [date.fromisoformat(v.data.get("discharge") or v.data["date"]) for v in visits]
    return min((deadline_for(d) for d in ends), default=None)


def _deadlines(session: Session, catalogue: Catalogue, person_id: int, insurer: str) -> Callable[[date], date]:
    """A care day → its deadline under the person's contracts with this insurer (the terms they map to)."""
    held = [
        Contract(id=str(row.id), insurer=row.insurer, terms=row.rule_set, start=row.start, coverages={}, end=row.end)
        for row in repository.contracts_of(session, person_id)
        if row.insurer == insurer
    ]
    return lambda day: earliest_deadline(catalogue=catalogue, contracts=held, event_day=day)


def queue(
    session: Session,
    master: MasterKey,
    actor: Actor,
    *,
    today: date,
    states: list[State] | None = None,
    catalogue: Catalogue | None = None,
    order: str = "work",
) -> list[QueueEntry]:
    """The queue in work order (late claims first, then by state, then by 소멸시효), or with
    order="deadline" by the nearest timer of each claim: 소멸시효, 지급기일, 지급예정일 and its limit."""
    if actor.role not in OFFICE:  # a field agent sees their own tasks only (silson.agents)
        raise Forbidden("the review queue is for the review center's staff")
    catalogue = catalogue or load_catalogue()
    wanted = states or list(WORK_ORDER)
    entries = []
    claims = list(repository.claims_in_states(session, [s.value for s in wanted]))
    gathering = {c.id for c in claims if State(c.state) in (*BEFORE_SUBMISSION, State.MORE_DOCUMENTS_REQUESTED)}
    waiting = uploads.waiting_by_claim(session, sorted(gathering))  # once the package left, they wait no more
    for claim in claims:
        try:
            visits = events.of_claim(session, master, actor, claim.id)
        except LookupError:  # the person was erased: nothing left to review
            continue
        try:
            due = deadline_of(visits, deadline_for=_deadlines(session, catalogue, claim.person_id, claim.insurer))
        except (ValueError, KeyError, TypeError):  # one visit that cannot be dated never hides the others' work
            due = None
        sent = [p for p in claims_repository.packages_of(session, claim.id) if p.received_on is not None]
        pay_by = sent[-1].due_on if sent else None
        last = sent[-1] if sent else None
        late = follow.overdue(state=State(claim.state), due=pay_by, scheduled=last.scheduled_on if last else None,
                              today=today)  # fmt: skip
        found = timers.claim_timers(state=State(claim.state), limitation=due, due=pay_by,
                                    scheduled=last.scheduled_on if last else None,
                                    latest=last.latest_on if last else None, code=last.delay_code if last else None,
                                    today=today)  # fmt: skip
        left = (due - today).days if due else None
        entries.append(QueueEntry(claim.id, claim.person_id, claim.insurer, State(claim.state), len(visits), due,
                                  left, pay_by, late, timers.nearest(found), waiting.get(claim.id, 0)))  # fmt: skip
    if order == "deadline":
        return sorted(entries, key=lambda e: (not (e.next and e.next.late), e.next.day if e.next else date.max,
                                              e.claim_id))  # fmt: skip
    rank = {s: i for i, s in enumerate(WORK_ORDER)}
    return sorted(entries, key=lambda e: (not e.overdue, rank.get(e.state, 99), e.deadline or date.max, e.claim_id))
