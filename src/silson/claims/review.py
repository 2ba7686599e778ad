"""The review center's queue: open claims by state, those whose limitation runs out soonest first.

The deadline of a claim is the earliest 소멸시효 of its visits: three years from the visit, or from
discharge for an admission (상법 제662조, as the engine applies it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from silson.access import STAFF, Actor, Forbidden
from silson.claims import events
from silson.claims.lifecycle import State
from silson.privacy.crypto import MasterKey
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
    State.PAID,
    State.PARTLY_PAID,
    State.REJECTED,
)
LIMITATION_YEARS = 3


@dataclass(frozen=True, slots=True)
class QueueEntry:
    claim_id: int
    person_id: int
    insurer: str
    state: State
    visits: int
    deadline: date | None
    days_left: int | None


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February → 28 February
        return day.replace(year=day.year + years, day=28)


def deadline_of(visits: list[events.StoredEvent]) -> date | None:
    """>>> e = events.StoredEvent(1, 1, {"date": "2024-02-29", "kind": "outpatient"})
    >>> deadline_of([e])
    datetime.date(2027, 2, 28)
    """
    ends = [date.fromisoformat(v.data.get("discharge") or v.data["date"]) for v in visits]
    return min((_years_later(d, LIMITATION_YEARS) for d in ends), default=None)


def queue(
    session: Session, master: MasterKey, actor: Actor, *, today: date, states: list[State] | None = None
) -> list[QueueEntry]:
    if actor.role not in STAFF:
        raise Forbidden("the review queue is for the review center's staff")
    wanted = states or list(WORK_ORDER)
    entries = []
    for claim in repository.claims_in_states(session, [s.value for s in wanted]):
        try:
            visits = events.of_claim(session, master, actor, claim.id)
        except LookupError:  # the person was erased: nothing left to review
            continue
        try:
            due = deadline_of(visits)
        except (ValueError, KeyError, TypeError):  # one visit that cannot be dated never hides the others' work
            due = None
        entries.append(QueueEntry(claim.id, claim.person_id, claim.insurer, State(claim.state), len(visits), due,
                                  (due - today).days if due else None))  # fmt: skip
    rank = {s: i for i, s in enumerate(WORK_ORDER)}
    return sorted(entries, key=lambda e: (rank.get(e.state, 99), e.deadline or date.max, e.claim_id))
