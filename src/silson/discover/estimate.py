"""What a provider-year of spending may pay, under the engine's own rules: strict bounds, a typical
figure and a likely range.

The tax data gives one yearly total per provider: no visits, dates or 급여/비급여 split. So:
- **low** (최소): the visit pattern that pays least. Visits at or below the largest amount that pays
  nothing (searched with the engine, over splits of 급여/비급여), one a day from 1 January, and
  what is left in a single visit on 1 January (the oldest day, so a contract that started later
  or a claim deadline that has passed for early visits also pays nothing for it). Concentrating the
  excess in one visit pays least because each visit's payout grows ever more slowly with its size
  (deductible, then coinsurance, then the per-visit limit).
- **high** (최대): a bound no pattern can beat: the spending less the smallest share any clause of the
  contract leaves to the person (0 % for 1세대 손보), and nothing for a year wholly time-barred.
- **typical** and the **likely range** (p10–p90): the engine run on plausible patterns of the whole
  person-year (patterns.py: visits of the class's published sizes, 비급여 in lumps, pharmacy fills on
  the days of the visits that prescribe), sampled with a seed from the inputs. Typical is the median.
A pattern's payout of a unit that spans providers (a 4th-generation visit with its pharmacy) is shared
between them in proportion to what each was paid. Every figure except the high bound comes from
`adjudicate` on synthetic events.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from fractions import Fraction

from silson.discover.patterns import (
    GENERIC_CODE,
    PHARMACIES,
    SCENARIOS,
    Spend,
    class_stats,
    integer_weights,
    pattern_weight,
    sample_pattern,
    seed_of,
)
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
from silson.rules.families import (
    CombinedInpatient,
    CombinedOutpatient,
    SplitInpatient,
    inpatient_terms,
    outpatient_terms,
    riders,
)
from silson.rules.limitation import earliest_deadline

SPLITS = (0, 25, 50, 75, 100)  # 급여 share of a visit, percent
SAMPLES = SCENARIOS  # visit patterns per person-year: one per scenario of the class figures
LIKELY = (10, 90)  # the likely range: these percentiles of the patterns' payouts


@dataclass(frozen=True, slots=True)
class Range:
    """low ≤ likely_low ≤ typical ≤ likely_high ≤ high, in won."""

    low: int
    likely_low: int
    typical: int
    likely_high: int
    high: int

    @classmethod
    def zero(cls) -> Range:
        return cls(0, 0, 0, 0, 0)

    @classmethod
    def of(cls, low: int, typical: int, high: int) -> Range:
        return cls(low, typical, typical, typical, high)

    def minus(self, amount: int) -> Range:
        return Range(*(max(0, v - amount) for v in self.values()))

    def values(self) -> tuple[int, int, int, int, int]:
        return (self.low, self.likely_low, self.typical, self.likely_high, self.high)


def percentile(values: Sequence[int], p: int) -> int:
    """The nearest-rank percentile of integer values (no interpolation, so no fractions of a won).

    >>> percentile([5, 1, 4, 2, 3], 50), percentile([5, 1, 4, 2, 3], 10), percentile([5, 1, 4, 2, 3], 90)
    (3, 1, 5)
    """
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, (len(ordered) * p + 99) // 100 - 1))]


def weighted_percentile(values: Sequence[int], weights: Sequence[int], p: int) -> int:
    """The smallest value whose cumulative (integer) weight reaches p % of the whole: the nearest-rank
    percentile when each value counts as often as its weight says.

    >>> weighted_percentile([10, 20, 30], [1, 1, 1], 50), weighted_percentile([10, 20, 30], [1, 1, 8], 50)
    (20, 30)
    """
    pairs = sorted(zip(values, weights, strict=True))
    total = sum(w for _, w in pairs)
    reached = 0
    for value, weight in pairs:
        reached += weight
        if reached * 100 >= p * total:
            return value
    return pairs[-1][0]


def from_samples(low: int, samples: Sequence[int], high: int, weights: Sequence[int] = ()) -> Range:
    """The range of a set of pattern payouts inside strict bounds: the (weighted) median and p10–p90,
    clamped so that the five figures are ordered (a pattern paying less than the low bound lowers it).
    Without weights every pattern counts once."""
    if not samples:
        return Range(low, low, low, low, max(low, high))
    if weights:
        lo, mid, hi = (weighted_percentile(samples, weights, p) for p in (LIKELY[0], 50, LIKELY[1]))
    else:
        lo, mid, hi = (percentile(samples, p) for p in (LIKELY[0], 50, LIKELY[1]))
    low = min(low, min(samples), high)
    lo, mid, hi = (min(max(v, low), high) for v in (lo, mid, hi))
    return Range(low, lo, mid, hi, high)


@dataclass(frozen=True, slots=True)
class ProviderYearEstimate:
    by_contract: dict[str, Range]
    total: Range
    samples: tuple[int, ...] = ()  # the provider's payout (all contracts) in each sampled pattern
    weights: tuple[int, ...] = ()  # how likely each pattern is, given the year's pharmacy total


@dataclass(frozen=True, slots=True)
class Strict:
    """The strict bounds of one provider-year, per contract and in all."""

    low: dict[str, int]
    high: dict[str, int]
    total_low: int
    total_high: int


def _place(kind: str) -> tuple[InstitutionKind, EventKind]:
    if kind in PHARMACIES:
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


def payout_by_provider(
    contracts: Sequence[Contract], events: Sequence[tuple[str, MedicalEvent]], claim_date: date, catalogue: Catalogue
) -> dict[tuple[str, str], int]:
    """Payout per (provider, contract) of one pattern. A unit the engine counts once (a visit and its
    pharmacy fill) is reported on its first event; it is shared between the unit's providers in
    proportion to what each was paid, the won lost to truncation going to the first."""
    provider_of = {e.id: p for p, e in events}
    size = {e.id: e.covered_copay + e.covered_full + e.noncovered for _, e in events}
    case = Case("estimate", claim_date, tuple(contracts), tuple(e for _, e in events), Person())
    result = adjudicate(case=case, catalogue=catalogue)
    members: dict[tuple[str, str], list[str]] = {}
    for d in result.decisions:
        members.setdefault((d.reported_on or d.event, d.contract), []).append(d.event)
    paid: dict[tuple[str, str], int] = {}
    for d in result.decisions:
        if not d.amount:
            continue
        unit = members.get((d.event, d.contract), [d.event])
        weight = sum(size[e] for e in unit) or 1
        shares = [d.amount * size[e] // weight for e in unit]
        shares[0] += d.amount - sum(shares)
        for e, share in zip(unit, shares, strict=True):
            key = (provider_of[e], d.contract)
            paid[key] = paid.get(key, 0) + share
    return paid


def _contracts_key(contracts: Sequence[Contract]) -> str:
    return repr([(c.id, c.terms, c.product, c.option, c.start, c.end, sorted(c.coverages.items())) for c in contracts])


_THRESHOLDS: dict[tuple[str, str, date, str, int], tuple[int, int]] = {}


def _zero_pay_threshold(contracts: Sequence[Contract], kind: str, day: date, catalogue: Catalogue) -> tuple[int, int]:
    """The largest visit amount (and its 급여 share) that no contract pays anything for. Memoised on
    what decides it (the contracts, the class, the day, the catalogue), so that a person's providers
    of one class search once."""
    key = (_contracts_key(contracts), kind, day, catalogue.version, id(catalogue))
    if key in _THRESHOLDS:
        return _THRESHOLDS[key]
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
    if len(_THRESHOLDS) > 10_000:
        _THRESHOLDS.clear()
    _THRESHOLDS[key] = best
    return best


def _smallest_share(contract: Contract, catalogue: Catalogue, day: date) -> Fraction:
    """The smallest share of a cost that any clause of the contract leaves to the person."""
    rules = catalogue.resolve(contract.terms, contract.product)
    rates: list[int] = []
    match inpatient_terms(rules, day, contract.option), outpatient_terms(rules, day, contract.option):
        case CombinedInpatient() as inpatient, CombinedOutpatient() as outpatient:
            rates += [inpatient.rates.covered, inpatient.rates.noncovered]
            rates += [outpatient.rates.covered, outpatient.rates.noncovered]
        case SplitInpatient() as inpatient, _:
            rates.append(inpatient.covered_rate)
            rates += [part.inpatient.selfpay_rate for part in inpatient.parts]
    rates += [rider.rate for rider in riders(rules, day).values()]
    return Fraction(min(rates), 100)


def strict_bounds(
    *, kind: str, year: int, spent: int, contracts: Sequence[Contract], catalogue: Catalogue, as_of: date
) -> Strict:
    """Low and high of one provider's yearly total, per contract and in all (see the module text)."""
    first_day = date(year, 1, 1)
    year_days = (date(year + 1, 1, 1) - first_day).days
    claim_date = max(as_of, date(year, 12, 31))
    if spent <= 0 or not contracts:
        zero = {c.id: 0 for c in contracts}
        return Strict(zero, dict(zero), 0, 0)
    wholly_barred = as_of > earliest_deadline(catalogue=catalogue, contracts=contracts, event_day=date(year, 12, 31))
    # zero-pay visits from 2 January on, the rest in one visit on 1 January. The threshold is probed
    # on a day every contract is in force, or it would read "pays nothing" for the wrong reason.
    probe = min(date(year, 12, 31), max(first_day, *(c.start for c in contracts)))
    threshold, split = _zero_pay_threshold(contracts, kind, probe, catalogue)
    zero_visits = min(year_days - 1, spent // threshold) if threshold else 0
    rest = spent - zero_visits * threshold
    low_events = [_visit("rest", first_day, rest, split, kind, 0)] if rest else []
    low = min(
        (_run(contracts, [replace(low_events[0], covered_copay=rest * s // 100, noncovered=rest - rest * s // 100)],
              claim_date, catalogue) for s in SPLITS),
        key=lambda paid: sum(paid.values()),
    ) if low_events else {c.id: 0 for c in contracts}  # fmt: skip
    high = {
        c.id: 0 if wholly_barred else int(spent * (1 - _smallest_share(c, catalogue, first_day))) for c in contracts
    }
    low = {k: min(v, high[k]) for k, v in low.items()}
    total_high = min(spent, sum(high.values()))
    return Strict(low, high, min(sum(low.values()), total_high), total_high)


def estimate_year(
    *,
    year: int,
    spends: Sequence[Spend],
    contracts: Sequence[Contract],
    catalogue: Catalogue,
    as_of: date,
    samples: int = SAMPLES,
) -> dict[str, ProviderYearEstimate]:
    """Every provider of one person-year, estimated together (a pharmacy's fills ride on the visits of
    the providers that prescribe): strict bounds per provider, and the typical figure and likely range
    from `samples` patterns of the whole year, per contract and in all."""
    claim_date = max(as_of, date(year, 12, 31))
    live = [s for s in spends if s.amount > 0]
    strict = {
        s.provider_id: strict_bounds(
            kind=s.kind, year=year, spent=s.amount, contracts=contracts, catalogue=catalogue, as_of=as_of
        )
        for s in live
    }
    per_sample: list[dict[tuple[str, str], int]] = []
    log_weights: list[float] = []
    kinds = {s.provider_id: s.kind for s in live}
    if contracts and live:
        # the seed is what the figures depend on, not how the caller names contracts or orders rows,
        # so the page (stored data) and `silson discover` (files) draw the same patterns
        terms = sorted(repr((c.terms, c.option, c.start, c.end, sorted(c.coverages.items())))
                       for c in contracts)  # fmt: skip
        rng = random.Random(seed_of(year, sorted((s.provider_id, s.kind, s.amount, s.visits) for s in live), terms,
                                    as_of))  # fmt: skip
        for scenario in range(samples):
            events = sample_pattern(live, year, rng, scenario)
            per_sample.append(payout_by_provider(contracts, events, claim_date, catalogue))
            log_weights.append(pattern_weight(events, kinds, year))
    weights = integer_weights(log_weights) if log_weights else ()
    result: dict[str, ProviderYearEstimate] = {}
    for s in spends:
        b = strict.get(s.provider_id)
        if b is None:
            result[s.provider_id] = ProviderYearEstimate({c.id: Range.zero() for c in contracts}, Range.zero())
            continue
        by_contract = {
            c.id: from_samples(b.low[c.id], [min(p.get((s.provider_id, c.id), 0), b.high[c.id]) for p in per_sample],
                               b.high[c.id], weights)
            for c in contracts
        }  # fmt: skip
        totals = [min(sum(p.get((s.provider_id, c.id), 0) for c in contracts), b.total_high) for p in per_sample]
        result[s.provider_id] = ProviderYearEstimate(by_contract, from_samples(b.total_low, totals, b.total_high,
                                                                               weights),
                                                     tuple(totals), weights)  # fmt: skip
    return result


def estimate_provider_year(
    *,
    kind: str,
    year: int,
    spent: int,
    contracts: Sequence[Contract],
    catalogue: Catalogue,
    as_of: date,
    visits: int | None = None,
) -> ProviderYearEstimate:
    """One provider's yearly total on its own (no other provider that year): low, likely range,
    typical and high, per contract and in all."""
    spend = Spend("provider", kind, spent, visits)
    return estimate_year(year=year, spends=[spend], contracts=contracts, catalogue=catalogue, as_of=as_of)["provider"]


def assumptions(kind: str, year: int) -> str:
    """What a provider-year's typical figure and likely range rest on, in a sentence."""
    return class_stats(kind, year).describe()
