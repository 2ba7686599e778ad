"""Discover: from the tax office's yearly medical spending and a contract list, what each 실손
contract may owe, per person, provider and year, with deadlines, document routes and the NHIS
refund netted out. The use case the CLI and (later) the web pages call; no I/O here beyond what
its adapters were given.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from silson.adapters.contract_list import ListedContract, is_silson, silson_coverages
from silson.adapters.hometax import HometaxData, MedicalExpense, SilsonReceived
from silson.discover.estimate import Range, assumptions, estimate_year, from_samples
from silson.discover.nhis import RefundEstimate, refund
from silson.discover.patterns import Spend, integer_weights
from silson.discover.providers import ProviderDirectory
from silson.domain.model import Contract
from silson.relay import estimate as relay_estimate
from silson.rules.catalogue import Catalogue
from silson.rules.limitation import earliest_deadline
from silson.rules.limits import visit_limits
from silson.rules.mapping import map_contract


@dataclass(frozen=True, slots=True)
class ContractView:
    key: str  # insurer/policy
    insurer: str
    policy_no: str
    insured: str
    rule_set: str
    certain: bool
    reasons: tuple[str, ...]
    contract: Contract


@dataclass(slots=True)
class ProviderYear:
    year: int
    provider_id: str
    provider_name: str
    kind: str
    kind_basis: str
    spent: int
    route: str  # "실손24" | "agent" | "upload": relay.route's choice, set once the person's figures are known
    deadline_from: date  # the oldest visits of the year lapse on this day
    deadline_to: date  # the newest ones on this
    status: str  # "open" | "partly lapsed" | "lapsed"
    estimates: dict[str, Range] = field(default_factory=dict)
    received: dict[str, int] = field(default_factory=dict)
    total: Range = field(default_factory=Range.zero)
    samples: tuple[int, ...] = ()  # the payout in each sampled visit pattern, netted like `total`
    visits: int | None = None  # the visit count the person gave, if any
    basis: str = ""  # what the typical figure and likely range rest on
    weights: tuple[int, ...] = ()  # how likely each sampled pattern is (the same for every provider of a year)
    route_reason: str = ""  # why that route (Korean), as the claim's route page says it


@dataclass(slots=True)
class PersonReport:
    name: str
    resid: str
    provider_years: list[ProviderYear]
    refunds: list[RefundEstimate]
    contracts: list[ContractView]
    skipped_contracts: list[str]

    @property
    def total(self) -> Range:
        """Strict bounds add up; the typical figure and the likely range are those of the person's
        sampled patterns added up (pattern i of every provider-year together), so they are not the
        sums of the rows' (a median of sums is not a sum of medians)."""
        items = self.provider_years
        low, high = sum(p.total.low for p in items), sum(p.total.high for p in items)
        sampled = [p for p in items if p.samples]
        if not sampled:
            likely_low, typical, likely_high = (sum(p.total.values()[i] for p in items) for i in (1, 2, 3))
            return Range(low, likely_low, typical, likely_high, high)
        fixed = sum(p.total.typical for p in items if not p.samples)
        n = min(len(p.samples) for p in sampled)
        sums = [fixed + sum(p.samples[i] for p in sampled) for i in range(n)]
        # pattern i of every year together, weighed by the geometric mean of its years' weights: each
        # year's weight comes from one random draw of visits, and multiplying them would count that
        # noise as evidence as many times as there are years (and leave the total one pattern wide)
        per_year = [p.weights for p in {p.year: p for p in sampled if len(p.weights) >= n}.values()]
        if not per_year:
            return from_samples(low, sums, high)
        logs = [sum(math.log(w[i]) for w in per_year) / len(per_year) for i in range(n)]
        return from_samples(low, sums, high, integer_weights(logs))

    def year_total(self, year: int) -> Range:
        return PersonReport(self.name, self.resid, [p for p in self.provider_years if p.year == year], [], [], []).total


@dataclass(frozen=True, slots=True)
class DiscoverReport:
    as_of: date
    persons: tuple[PersonReport, ...]
    catalogue_version: str
    decile: int | None = None  # the income band given, if any


def _contract_views(
    listed: list[ListedContract], catalogue: Catalogue, year: int
) -> tuple[list[ContractView], list[str]]:
    views: list[ContractView] = []
    skipped: list[str] = []
    for item in listed:
        if not is_silson(item):
            skipped.append(f"{item.insurer} {item.policy_no}: 실손 담보 없음")
            continue
        periods = map_contract(
            catalogue=catalogue,
            start=item.start,
            product=item.product_code,
            insurer_kind=item.insurer_kind,
            option=item.option,
            resubscribed=item.resubscribed,
        )
        mid_year = date(year, 7, 1)
        period = next((p for p in reversed(periods) if p.start <= mid_year), periods[0])
        rules = catalogue.get(period.rule_set)
        coverages = silson_coverages(item, visit_limits=visit_limits(rules, max(period.start, date(year, 1, 1))))
        option = period.option or rules.default_option or (next(iter(rules.options)) if rules.options else None)
        reasons = list(period.reasons) + list(coverages.guesses)
        if period.option is None and rules.options and rules.default_option is None:
            reasons.append(f"추정 계산에는 {option}을 씀")
        contract = Contract(
            id=f"{item.insurer}/{item.policy_no}",
            insurer=item.insurer,
            terms=period.rule_set,
            start=period.start,
            end=item.end,
            product=period.product,
            option=option,
            coverages=coverages.coverages,
        )
        views.append(
            ContractView(contract.id, item.insurer, item.policy_no, item.insured_name, period.rule_set,
                         period.certain and not coverages.guesses, tuple(reasons), contract)
        )  # fmt: skip
    return views, skipped


def _in_force(contract: Contract, year: int) -> bool:
    return contract.start <= date(year, 12, 31) and (contract.end is None or contract.end >= date(year, 1, 1))


def _net(rng: Range, spent: int, spent_year: int, nhis: RefundEstimate) -> Range:
    """본인부담상한제: what NHIS refunds is not 실손's to pay (Hi1701 제3조③2). Each figure shrinks by
    this provider's share of the matching refund bound (the high refund for the low figure, …), in
    proportion to what the figure pays of the provider's spending."""
    if not spent or not spent_year:
        return rng

    mid = (nhis.low + nhis.high) // 2
    return Range(
        _cut(rng.low, nhis.high, spent, spent_year), _cut(rng.likely_low, mid, spent, spent_year),
        _cut(rng.typical, mid, spent, spent_year), _cut(rng.likely_high, mid, spent, spent_year),
        _cut(rng.high, nhis.low, spent, spent_year),
    )  # fmt: skip


def _cut(value: int, refund_amount: int, spent: int, spent_year: int) -> int:
    if not spent or not spent_year:
        return value
    provider_refund = refund_amount * spent // spent_year
    return max(0, value - value * provider_refund // spent)


def _status(as_of: date, first: date, last: date) -> str:
    if as_of > last:
        return "lapsed"
    if as_of > first:
        return "partly lapsed"
    return "open"


def discover(
    *,
    hometax: HometaxData,
    contracts: list[ListedContract],
    catalogue: Catalogue,
    directory: ProviderDirectory,
    as_of: date,
    decile: int | None = None,
    copays: dict[int, int] | None = None,
    nursing_120_years: frozenset[int] = frozenset(),
    visits: dict[tuple[str, int], int] | None = None,
) -> DiscoverReport:
    """Discover from files: every person of the tax data, with the contracts listed for them."""
    persons: dict[tuple[str, str], list[MedicalExpense]] = {}
    for row in hometax.medical:
        persons.setdefault((row.person.name, row.person.resid), []).append(row)
    reports = []
    for (name, resid), rows in persons.items():
        own = [c for c in contracts if c.insured_name == name]
        received = [r for r in hometax.silson_received if (r.person.name, r.person.resid) == (name, resid)]
        reports.append(
            report_person(
                name=name, resid=resid, rows=rows, views_for=functools.partial(_views_of, own, catalogue),
                received=received, catalogue=catalogue, directory=directory, as_of=as_of, decile=decile,
                copays=copays, nursing_120_years=nursing_120_years, visits=visits,
            )
        )  # fmt: skip
    return DiscoverReport(as_of, tuple(reports), catalogue.version, decile)


def _views_of(listed: list[ListedContract], catalogue: Catalogue, year: int) -> tuple[list[ContractView], list[str]]:
    return _contract_views(listed, catalogue, year)


def report_person(
    *,
    name: str,
    resid: str,
    rows: list[MedicalExpense],
    views_for: Callable[[int], tuple[list[ContractView], list[str]]],
    received: list[SilsonReceived],
    catalogue: Catalogue,
    directory: ProviderDirectory,
    as_of: date,
    decile: int | None = None,
    copays: dict[int, int] | None = None,
    nursing_120_years: frozenset[int] = frozenset(),
    visits: dict[tuple[str, int], int] | None = None,
) -> PersonReport:
    """One person's report from their yearly spending per provider and their contracts (as mapped
    for each year): the use case behind both `silson discover` and the stored-data API."""
    report = PersonReport(name, resid, [], [], [], [])
    for year in sorted({r.year for r in rows}):
        views, skipped = views_for(year)
        if not report.contracts:
            report.contracts, report.skipped_contracts = views, skipped
        in_force = [v.contract for v in views if _in_force(v.contract, year)]
        year_rows = [r for r in rows if r.year == year]
        spent_year = sum(r.amount for r in year_rows)
        nhis = refund(
            year=year,
            copay=(copays or {}).get(year),
            paid_total=spent_year,
            decile=decile,
            nursing_120=year in nursing_120_years,
        )
        report.refunds.append(nhis)
        classes = {r.provider_id: directory.classify(r.provider_id, r.provider_name) for r in year_rows}
        first, last = (
            earliest_deadline(catalogue=catalogue, contracts=in_force, event_day=day)
            for day in (date(year, 1, 1), date(year, 12, 31))
        )
        given = visits or {}
        # a provider's id, made unique when a year lists it twice; independent of the rows' order
        keys = [f"{r.provider_id}#{sum(x.provider_id == r.provider_id for x in year_rows[:i])}"
                for i, r in enumerate(year_rows)]  # fmt: skip
        estimates = estimate_year(
            year=year,
            spends=[Spend(key, classes[r.provider_id].kind, r.amount, given.get((r.provider_id, year)))
                    for key, r in zip(keys, year_rows, strict=True)],
            contracts=in_force, catalogue=catalogue, as_of=as_of,
        )  # fmt: skip
        for key, r in zip(keys, year_rows, strict=True):
            cls = classes[r.provider_id]
            estimate = estimates[key]
            mid = (nhis.low + nhis.high) // 2
            item = ProviderYear(
                year, r.provider_id, r.provider_name, cls.kind, cls.basis, r.amount,
                "", first, last, _status(as_of, first, last),
                {k: _net(v, r.amount, spent_year, nhis) for k, v in estimate.by_contract.items()}, {},
                _net(estimate.total, r.amount, spent_year, nhis),
                tuple(_cut(v, mid, r.amount, spent_year) for v in estimate.samples),
                given.get((r.provider_id, year)), assumptions(cls.kind, year), weights=estimate.weights,
            )  # fmt: skip
            report.provider_years.append(item)
        # 실손 already received that year (B201Y), per policy: taken off that policy's figures
        for got in received:
            if got.year != year:
                continue
            view = next((v for v in views if v.policy_no == got.policy_no), None)
            if view is None:
                continue
            items = [p for p in report.provider_years if p.year == year and view.key in p.estimates]
            typical_sum = sum(p.estimates[view.key].typical for p in items) or 1
            left = got.amount
            for p in items:
                part = got.amount * p.estimates[view.key].typical // typical_sum if p is not items[-1] else left
                left -= part
                p.received[view.key] = part
                p.estimates[view.key] = p.estimates[view.key].minus(part)
                p.total = p.total.minus(part)
                p.samples = tuple(max(0, v - part) for v in p.samples)
    for item, way in zip(report.provider_years, relay_estimate.routes(report.provider_years, as_of=as_of), strict=True):
        item.route, item.route_reason = way.value, way.reason
    report.provider_years.sort(key=lambda p: (p.deadline_from, -p.spent))
    return report
