"""The claim road's daily round of timers (claims-and-documents.md §3.7): every package an insurer holds
is checked for a passed 지급기일 (no notice, no payment) or a passed 지급예정일, and every provider-year
with money still owed and no claim is checked against its 3-year 소멸시효 (상법 제662조; the estimate's
limitation dates, `silson.rules.limitation`). What is due is told once (notifications/service.py); the
limitation reminders only to people who keep the 맞춤 안내 consent. The same round twice tells nothing new.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from silson.access import Actor
from silson.claims import follow, repository, start, timers
from silson.claims.lifecycle import Role, State
from silson.discover.providers import ProviderDirectory
from silson.discover.stored import stored_report
from silson.notifications import service as notify
from silson.privacy import people
from silson.privacy.consent import Purpose
from silson.privacy.crypto import MasterKey
from silson.rules.catalogue import Catalogue
from silson.store.models import ClaimRow

SYSTEM = Actor(Role.SYSTEM)


@dataclass(frozen=True, slots=True)
class Unclaimed:
    """One provider-year with money the estimate still expects and no live or paid claim."""

    person_id: int
    spending_id: int
    year: int
    provider_name: str
    expected: int  # 원, the estimate's typical figure over the person's insurers
    deadline: date  # the next day some of its visits lapse
    days_left: int


def unclaimed(
    session: Session, master: MasterKey, catalogue: Catalogue, directory: ProviderDirectory, *, person_id: int,
    today: date, now: datetime,
) -> list[Unclaimed]:  # fmt: skip
    """The person's provider-years still claimable, nearest 소멸시효 first."""
    found = start.candidates(session, master, catalogue, directory, SYSTEM, person_id=person_id, today=today, now=now)
    report = stored_report(session, master, catalogue, directory, SYSTEM, person_id=person_id, as_of=today,
                           now=now).persons[0]  # fmt: skip
    years = {(p.year, p.provider_id): p for p in report.provider_years}
    expected: dict[int, int] = defaultdict(int)
    first: dict[int, start.Candidate] = {}
    for c in found:
        if c.status == "refused":
            continue
        expected[c.spending_id] += c.expected
        first.setdefault(c.spending_id, c)
    out = []
    for spending_id, c in first.items():
        p = years.get((c.year, c.provider_id))
        if p is None or expected[spending_id] <= 0:
            continue
        deadline = p.deadline_from if p.deadline_from >= today else p.deadline_to
        if deadline < today:
            continue
        out.append(Unclaimed(person_id, spending_id, c.year, c.provider_name, expected[spending_id], deadline,
                             (deadline - today).days))  # fmt: skip
    return sorted(out, key=lambda u: (u.deadline, u.spending_id))


def unclaimed_soon(
    session: Session, master: MasterKey, catalogue: Catalogue, directory: ProviderDirectory, *, today: date,
    now: datetime, within_days: int = timers.NOTICE_DAYS,
) -> list[Unclaimed]:  # fmt: skip
    """For the review queue: everyone's unclaimed provider-years whose 소멸시효 falls within `within_days`,
    nearest first (the review center can open the claim for the person before it is too late)."""
    found = []
    for person_id in repository.people_with_spending(session):
        if people.data_key_or_none(session, master, person_id) is None:
            continue
        found += [u for u in unclaimed(session, master, catalogue, directory, person_id=person_id, today=today,
                                       now=now) if u.days_left <= within_days]  # fmt: skip
    return sorted(found, key=lambda u: (u.deadline, u.person_id, u.spending_id))


@dataclass(frozen=True, slots=True)
class Round:
    late: int  # packages checked for a passed 지급기일 / 지급예정일
    reminded: int  # limitation reminders sent now


def run(
    session: Session, master: MasterKey, catalogue: Catalogue, directory: ProviderDirectory, *, now: datetime
) -> Round:
    today = now.date()
    checked = 0
    for package in repository.followed_packages(session, now):
        claim = session.get(ClaimRow, package.claim_id)
        if claim is None:
            continue
        follow.late(session, package=package, state=State(claim.state), today=today, now=now)
        checked += 1
    reminded = 0
    for person_id in repository.people_with_consent(session, Purpose.PERSONALISED.value):
        if people.data_key_or_none(session, master, person_id) is None:
            continue  # erased
        for u in unclaimed(session, master, catalogue, directory, person_id=person_id, today=today, now=now):
            stage = timers.limitation_notice(deadline=u.deadline, today=today)
            if stage and notify.deadline_approaching(session, person_id=person_id, spending_id=u.spending_id,
                                                     provider=u.provider_name, year=u.year, deadline=u.deadline,
                                                     stage=stage, now=now):  # fmt: skip
                reminded += 1
    return Round(checked, reminded)
