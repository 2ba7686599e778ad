"""What a provider-year of spending may pay, as a range, under the engine's own rules.

The tax data gives one yearly total per provider: no visits, dates or 급여/비급여 split. So:
- **low**: the visit pattern that pays least. Visits at or below the largest amount that pays
  nothing (searched with the engine, over splits of 급여/비급여), one a day from 1 January, and
  what is left in a single visit on 1 January (the oldest day, so a contract that started later
  or a claim deadline that has passed for early visits also pays nothing for it). Concentrating the
  excess in one visit pays least because each visit's payout grows ever more slowly with its size
  (deductible, then coinsurance, then the per-visit limit).
- **high**: a bound no pattern can beat: the spending less the smallest share any clause of the
  contract leaves to the person (0 % for 1세대 손보), and nothing for a year wholly time-barred.
- **typical**: visits of the typical size and split for the provider's class, spread over the year
  (figures in data/typical_visits.yaml, stated there as silson's assumptions).
Every figure except the high bound is computed by running `adjudicate` on synthetic events.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from fractions import Fraction
from functools import cache
from importlib import resources
from typing import Any

import yaml

from silson.domain.model import (
    Case,
    Cause,
    Contract,
    EventKind,
    Institution,
    InstitutionKind,
    MedicalEvent,
    Person,
)
from silson.rules.catalogue import Catalogue
from silson.rules.engine import adjudicate
from silson.rules.limitation import earliest_deadline

SPLITS = (0, 25, 50, 75, 100)  # 급여 share of a visit, percent
GENERIC_CODE = "J06.9"  # a diagnosis no rule set excludes


@dataclass(frozen=True, slots=True)
class Range:
    low: int
    typical: int
    high: int

    def minus(self, amount: int) -> Range:
        return Range(max(0, self.low - amount), max(0, self.typical - amount), max(0, self.high - amount))


@dataclass(frozen=True, slots=True)
class ProviderYearEstimate:
    by_contract: dict[str, Range]
    total: Range


@cache
def typical_visits() -> dict[str, Any]:
    text = resources.files("silson.discover").joinpath("data/typical_visits.yaml").read_text(encoding="utf-8")
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded


def _place(kind: str) -> tuple[InstitutionKind, EventKind]:
    if kind in (InstitutionKind.PHARMACY.value, InstitutionKind.RARE_DRUG_CENTER.value):
        return InstitutionKind(kind), EventKind.PRESCRIPTION
    if kind == "unknown":
        return InstitutionKind.CLINIC, EventKind.OUTPATIENT
    return InstitutionKind(kind), EventKind.OUTPATIENT


def _visit(eid: str, day: date, amount: int, covered_percent: int, kind: str, position: int) -> MedicalEvent:
    place, event_kind = _place(kind)
    covered = amount * covered_percent // 100
    return MedicalEvent(
        id=eid,
        kind=event_kind,
        date=day,
        cause=Cause.DISEASE,
        kcd=(GENERIC_CODE,),
        institution=Institution(place),
        covered_copay=covered,
        noncovered=amount - covered,
        nhis_copay_rate=30,
        position=position,
    )


def _run(
    contracts: Sequence[Contract], events: Sequence[MedicalEvent], claim_date: date, catalogue: Catalogue
) -> dict[str, int]:
    if not events:
        return {c.id: 0 for c in contracts}
    case = Case("estimate", claim_date, tuple(contracts), tuple(events), Person())
    result = adjudicate(case=case, catalogue=catalogue)
    paid = {c.id: 0 for c in contracts}
    for d in result.decisions:
        paid[d.contract] += d.amount
    return paid


def _zero_pay_threshold(contracts: Sequence[Contract], kind: str, day: date, catalogue: Catalogue) -> tuple[int, int]:
    """The largest visit amount (and its 급여 share) that no contract pays anything for."""
    best = (0, 100)
    claim = day + timedelta(days=1)
    for split in SPLITS:
        lo, hi = 0, 400_000
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if sum(_run(contracts, [_visit("z", day, mid, split, kind, 0)], claim, catalogue).values()) == 0:
                lo = mid
            else:
                hi = mid - 1
        if lo > best[0]:
            best = (lo, split)
    return best


def _smallest_share(contract: Contract, catalogue: Catalogue, day: date) -> Fraction:
    """The smallest share of a cost that any clause of the contract leaves to the person."""
    rules = catalogue.resolve(contract.terms, contract.product)
    rates: list[int] = []
    if rules.formulas == "combined":
        option = contract.option or rules.default_option
        for key in ("inpatient.selfpay_rate", "outpatient.deductible_rate"):
            rates += list(rules.value(key, day).value[option].values())
    else:
        rates.append(rules.value("covered.selfpay_rate", day).value)
        for part in rules.value("noncovered.parts", day).value:
            rates.append(part["inpatient"]["selfpay_rate"])
    for spec in (rules.value("riders", day).value or {}).values():
        rates.append(spec["rate"])
    return Fraction(min(rates), 100)


def estimate_provider_year(
    *,
    kind: str,
    year: int,
    spent: int,
    contracts: Sequence[Contract],
    catalogue: Catalogue,
    as_of: date,
) -> ProviderYearEstimate:
    """Low / typical / high payout of one provider's yearly total, per contract and in all."""
    first_day = date(year, 1, 1)
    year_days = (date(year + 1, 1, 1) - first_day).days
    claim_date = max(as_of, date(year, 12, 31))
    empty = ProviderYearEstimate({c.id: Range(0, 0, 0) for c in contracts}, Range(0, 0, 0))
    if spent <= 0 or not contracts:
        return empty
    wholly_barred = as_of > earliest_deadline(catalogue=catalogue, contracts=contracts, event_day=date(year, 12, 31))

    # low: zero-pay visits from 2 January on, the rest in one visit on 1 January. The threshold is
    # probed on a day every contract is in force, or it would read "pays nothing" for the wrong reason.
    probe = min(date(year, 12, 31), max(first_day, *(c.start for c in contracts)))
    threshold, split = _zero_pay_threshold(contracts, kind, probe, catalogue)
    zero_visits = min(year_days - 1, spent // threshold) if threshold else 0
    rest = spent - zero_visits * threshold
    low_events = [_visit("rest", first_day, rest, split, kind, 0)] if rest else []
    worst = min(
        (_run(contracts, [replace(low_events[0], covered_copay=rest * s // 100, noncovered=rest - rest * s // 100)],
              claim_date, catalogue) for s in SPLITS),
        key=lambda paid: sum(paid.values()),
    ) if low_events else {c.id: 0 for c in contracts}  # fmt: skip
    low = worst

    # typical: visits of the class's typical size, spread over the year
    spec = typical_visits().get(kind, typical_visits()["unknown"])
    count = max(1, min(year_days, round(spent / spec["visit"])))
    step = year_days / count
    size, extra = divmod(spent, count)
    covered_percent = 100 - spec["noncovered_percent"]
    typical_events = [
        _visit(
            f"t{i}",
            first_day + timedelta(days=int(i * step)),
            size + (extra if i == 0 else 0),
            covered_percent,
            kind,
            i,
        )
        for i in range(count)
    ]
    typical = _run(contracts, typical_events, claim_date, catalogue)

    by_contract: dict[str, Range] = {}
    for c in contracts:
        bound = 0 if wholly_barred else int(spent * (1 - _smallest_share(c, catalogue, first_day)))
        lo = min(low[c.id], bound)
        by_contract[c.id] = Range(lo, min(max(typical[c.id], lo), bound), bound)
    total_high = min(spent, sum(r.high for r in by_contract.values()))
    total = Range(
        min(sum(low.values()), total_high),
        min(max(sum(typical.values()), sum(low.values())), total_high),
        total_high,
    )
    return ProviderYearEstimate(by_contract, total)
