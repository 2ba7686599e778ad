"""The claim road's timers (claims-and-documents.md §3.7), as pure functions of dates: the 지급기일 (3
영업일 after 접수, 제9조①), the 30-business-day limit on a notified 지급예정일 (제9조②), "no notice and
overdue", a notified 지급예정일 that passed unpaid, and the 3-year 소멸시효 of a visit still unclaimed
(상법 제662조). No clock here: `today` comes in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from silson.claims.lifecycle import State

#: 지급기일 can pass in these: the insurer has the claim and has not paid it
WAITING = (State.SUBMITTED, State.ACKNOWLEDGED, State.MORE_DOCUMENTS_REQUESTED, State.DELAY_NOTIFIED, State.PREPAID)
#: a claim's limitation is told this many days ahead (and again at a quarter of it)
NOTICE_DAYS = 60
LAST_CALL_DAYS = 14


@dataclass(frozen=True, slots=True)
class Timer:
    kind: str  # limitation | due | scheduled | latest
    day: date
    late: bool  # the day passed with nothing done (overdue, scheduled passed, too long)
    label: str  # Korean, for the review queue


def too_long(*, scheduled: date | None, latest: date | None, code: int | None) -> bool:
    """제9조②: a 지급예정일 past 30 business days after 접수 needs one of the six listed reasons.

    >>> too_long(scheduled=date(2025, 11, 20), latest=date(2025, 11, 18), code=None)
    True
    >>> too_long(scheduled=date(2025, 11, 20), latest=date(2025, 11, 18), code=3)  # 수사기관의 조사
    False
    >>> too_long(scheduled=date(2025, 11, 18), latest=date(2025, 11, 18), code=None)
    False
    """
    return scheduled is not None and latest is not None and code is None and scheduled > latest


def overdue(*, state: State, due: date | None, scheduled: date | None, today: date) -> bool:
    """§3.7 no_notice_overdue: past the 지급기일, not paid, no 지급예정일 notified.

    >>> overdue(state=State.ACKNOWLEDGED, due=date(2025, 10, 10), scheduled=None, today=date(2025, 10, 13))
    True
    >>> overdue(state=State.PAID, due=date(2025, 10, 10), scheduled=None, today=date(2025, 10, 13))
    False
    """
    return due is not None and state in WAITING and scheduled is None and today > due


def scheduled_passed(*, state: State, scheduled: date | None, today: date) -> bool:
    """A notified 지급예정일 passed and the insurer has still not decided.

    >>> scheduled_passed(state=State.DELAY_NOTIFIED, scheduled=date(2025, 11, 3), today=date(2025, 11, 4))
    True
    >>> scheduled_passed(state=State.PARTLY_PAID, scheduled=date(2025, 11, 3), today=date(2025, 11, 4))
    False
    """
    return scheduled is not None and state in WAITING and today > scheduled


def limitation_notice(*, deadline: date, today: date) -> str | None:
    """Which reminder of an unclaimed visit's 소멸시효 is due: 'first' within NOTICE_DAYS, 'last' within
    LAST_CALL_DAYS, None when it is far off or already past.

    >>> limitation_notice(deadline=date(2027, 1, 10), today=date(2026, 12, 1))
    'first'
    >>> limitation_notice(deadline=date(2026, 12, 10), today=date(2026, 12, 1))
    'last'
    >>> limitation_notice(deadline=date(2027, 6, 1), today=date(2026, 12, 1)) is None
    True
    """
    left = (deadline - today).days
    if left < 0 or left > NOTICE_DAYS:
        return None
    return "last" if left <= LAST_CALL_DAYS else "first"


def claim_timers(
    *, state: State, limitation: date | None, due: date | None, scheduled: date | None, latest: date | None,
    code: int | None, today: date,
) -> list[Timer]:  # fmt: skip
    """Every timer that still matters for one claim, nearest first (a late one before any other)."""
    found = []
    if limitation is not None and state not in (State.CLOSED, State.CANCELLED):
        found.append(Timer("limitation", limitation, today > limitation, "소멸시효"))
    if due is not None and state in WAITING:
        found.append(Timer("due", due, overdue(state=state, due=due, scheduled=scheduled, today=today),
                           "지급기일" if scheduled is None else "지급기일 (지연 안내 받음)"))  # fmt: skip
    if scheduled is not None and state in WAITING:
        found.append(Timer("scheduled", scheduled, scheduled_passed(state=state, scheduled=scheduled, today=today),
                           "지급예정일"))  # fmt: skip
        if too_long(scheduled=scheduled, latest=latest, code=code):
            assert latest is not None
            found.append(Timer("latest", latest, True, "지급예정일 한도(30영업일) 초과"))
    return sorted(found, key=lambda t: (not t.late, t.day))


def nearest(timers: list[Timer]) -> Timer | None:
    """The timer the queue orders by: a late one first, else the soonest."""
    return timers[0] if timers else None
