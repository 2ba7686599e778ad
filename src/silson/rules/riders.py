"""3대비급여: 도수치료·체외충격파·증식치료, 비급여 주사료, 비급여 MRI·MRA, paid per session.

3세대 sells them as three riders (특약) beside 기본형; 4세대 keeps them inside the 비급여 특약 with
limits of their own; 5세대 keeps them for 중증 (산정특례) conditions. The shape is the same each time:
for every session (item × count), the cost less max(a fixed amount a session, a share), within a
yearly amount and a yearly number of sessions per rider (입원 and 통원 together). The figures come
from the rule set's `riders` parameter; a contract's own rider coverage may set lower limits.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from silson.domain.model import Contract, Coverage, CoverageKey, Item
from silson.rules.clauses import larger_deductible
from silson.rules.decision import TraceStep
from silson.rules.ledger import Ledger
from silson.rules.money import percent_of, truncate_won, won
from silson.rules.schema import Rider

SESSIONS = "sessions"


@dataclass(slots=True)
class RiderPart:
    rider: str
    year: int
    pay: int
    sessions: int


@dataclass(slots=True)
class RiderResult:
    pay: int
    eligible: int
    deductible: Fraction
    parts: list[RiderPart]
    trace: list[TraceStep]


def rider_for(category: str, riders: Mapping[str, Rider]) -> str | None:
    for key, spec in riders.items():
        if category in spec.categories:
            return key
    return None


def evaluate_riders(
    *,
    items: list[Item],
    riders: Mapping[str, Rider],
    contract: Contract,
    held: Callable[[str], Coverage | None],
    ledger: Ledger,
    year: int,
    cite: Callable[[str | Mapping[str, str]], str],
) -> RiderResult:
    """Pay each rider item of one unit, in order, against the rider's yearly amount and count.

    `held(key)` gives the contract's coverage for a rider (None = the contract does not hold it).
    Usage already recorded in the ledger plus what earlier items of this unit take is respected.
    """
    result = RiderResult(0, 0, Fraction(0), [], [])
    taken_amount: dict[str, int] = {}
    taken_sessions: dict[str, int] = {}
    for item in items:
        key = rider_for(item.category.value, riders)
        if key is None:
            continue
        spec = riders[key]
        ref = cite(spec.clause)
        coverage = held(key)
        if coverage is None:
            result.trace.append(TraceStep(ref, f"{spec.label} {won(item.amount)}: 특약 미가입 → 0"))
            continue
        annual_limit = min(v for v in (spec.annual_limit, coverage.annual_limit) if v is not None)
        count_caps = [v for v in (spec.annual_count, coverage.annual_count) if v is not None]
        count_cap = min(count_caps) if count_caps else None
        used_amount = ledger.paid.get((key, year), 0) + taken_amount.get(key, 0)
        used_sessions = ledger.count_used(key, SESSIONS, year) + taken_sessions.get(key, 0)
        sessions = item.count
        if count_cap is not None and used_sessions + sessions > count_cap:
            sessions = max(0, count_cap - used_sessions)
            result.trace.append(
                TraceStep(ref, f"{spec.label} 연간 {count_cap}회 한도: {item.count}회 중 {sessions}회만 보상")
            )
        if sessions == 0:
            continue
        amount = item.amount if sessions == item.count else truncate_won(Fraction(item.amount * sessions, item.count))
        share = percent_of(amount, spec.rate)
        deductible = larger_deductible(spec.minimum * sessions, share)  # 1회당 max(3만원, 30%)
        pay = truncate_won(amount - deductible)
        text = (
            f"{spec.label} {won(amount)} ({sessions}회): 공제 max({won(spec.minimum)} × {sessions}회, "
            f"{spec.rate}% = {won(share)}) = {won(deductible)} → {won(pay)}"
        )
        result.trace.append(TraceStep(ref, text))
        remaining = max(0, annual_limit - used_amount)
        if pay > remaining:
            result.trace.append(TraceStep(ref, f"{spec.label} 연간 한도 {won(annual_limit)}: 남은 {won(remaining)}"))
            pay = remaining
        taken_amount[key] = taken_amount.get(key, 0) + pay
        taken_sessions[key] = taken_sessions.get(key, 0) + sessions
        result.pay += pay
        result.eligible += amount
        result.deductible += min(Fraction(amount), deductible)
        result.parts.append(RiderPart(key, year, pay, sessions))
    return result


def commit_riders(parts: list[RiderPart], ledger: Ledger, factor: Fraction) -> None:
    """Record what the riders finally paid (scaled when multiple-policy sharing cut the unit)."""
    for part in parts:
        paid = truncate_won(part.pay * factor)
        ledger.add_paid(part.rider, part.year, paid)
        if paid > 0:
            for _ in range(part.sessions):
                ledger.add_count(part.rider, SESSIONS, part.year)


def held_rider(contract: Contract) -> Callable[[str], Coverage | None]:
    """3세대: a rider pays only when the contract bought it."""

    def held(key: str) -> Coverage | None:
        return contract.coverages.get(CoverageKey(key))

    return held
