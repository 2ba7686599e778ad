"""Plausible visit patterns behind a person's yearly totals per provider, for discover's typical figure
and likely range: visits drawn from the class statistics in data/visit_statistics.yaml (급여 본인부담
per visit, the 비급여 share, which visits carry 비급여 and in what lumps, how many are followed by a
pharmacy fill) until they add up to the provider's total, then scaled to it exactly.

A pattern is a list of events the engine counts the way it counts real ones: pharmacy fills fall on
the days of visits that prescribe (the 4th generation pays them inside the visit, with one
deductible; the 2nd and 3rd count each fill apart), 비급여 sits on some visits only. Sampling is
deterministic: the seed comes from the inputs, and all arithmetic is in integer won.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import cache
from importlib import resources
from typing import Any

import yaml

from silson.domain.model import Cause, EventKind, Institution, InstitutionKind, MedicalEvent

GENERIC_CODE = "J06.9"  # a diagnosis no rule set excludes
MAX_VISITS = 300  # per provider and year; a pattern never needs more days than the year has
PRESCRIBING = frozenset({"clinic", "hospital", "general_hospital", "tertiary", "dental_clinic", "dental_hospital",
                         "public_health", "unknown"})  # fmt: skip
PHARMACIES = frozenset({InstitutionKind.PHARMACY.value, InstitutionKind.RARE_DRUG_CENTER.value})
# The scenarios of the likely range (percent; percentage points for the share): UNCONFIRMED, silson's
# assumption of how far one person's visits stray from the national figures. Bunching spans 2.5×
# either way: the share of visits that carry 비급여 has no published source at all.
COPAY_FACTORS = (65, 80, 100, 125, 155)
BUNCHING_FACTORS = (40, 100, 250)
SHARE_SHIFTS = (-15, 0, 15)
SCENARIOS = len(COPAY_FACTORS) * len(BUNCHING_FACTORS) * len(SHARE_SHIFTS)
WEIGHT_SCALE = 1_000_000  # a pattern's weight is an integer, this for the likeliest pattern of a set


@dataclass(frozen=True, slots=True)
class ClassStats:
    """One class's visit statistics (see data/visit_statistics.yaml for what each field means)."""

    kind: str
    event_kind: EventKind
    copay: int  # 급여 본인부담 per visit
    noncovered_share: int  # percent of what the patient pays
    noncovered_visits: int  # percent of visits that carry 비급여
    prescription: int  # percent of visits followed by a pharmacy fill
    basis: str

    @property
    def lump(self) -> int:
        """The mean 비급여 lump of a visit that carries one: the class's 비급여 share of what patients
        pay, spread over the visits that carry 비급여."""
        if not self.noncovered_visits or self.noncovered_share >= 100:
            return 0
        return self.copay * self.noncovered_share * 100 // ((100 - self.noncovered_share) * self.noncovered_visits)

    def varied(self, scenario: int) -> ClassStats:
        """The class's figures under one of the scenarios the likely range spans: the published
        figures are national averages, and a person's own visits differ from them in size, in 비급여
        share and in how 비급여 is bunched. Scenario i moves all three (the same i for every provider
        and year of a person, since a person's habits hold across providers and years)."""
        copay = COPAY_FACTORS[scenario % len(COPAY_FACTORS)]
        bunching = BUNCHING_FACTORS[(scenario // len(COPAY_FACTORS)) % len(BUNCHING_FACTORS)]
        shift = SHARE_SHIFTS[(scenario // (len(COPAY_FACTORS) * len(BUNCHING_FACTORS))) % len(SHARE_SHIFTS)]
        share = min(90, max(5, self.noncovered_share + shift)) if self.noncovered_share else 0
        visits = min(100, max(1, self.noncovered_visits * bunching // 100)) if self.noncovered_visits else 0
        if self.event_kind is EventKind.PRESCRIPTION:
            # a fill's size is the national figure in every scenario (its own spread per fill): fills
            # are priced by the drug list and the 조제료 schedule, not by how a person uses a clinic,
            # and holding them fixed is what lets the pharmacy total tell how many visits prescribed
            # (pattern_weight)
            return self
        return replace(self, copay=max(1, self.copay * copay // 100), noncovered_share=share, noncovered_visits=visits)

    def describe(self) -> str:
        return (f"방문당 급여 본인부담 {self.copay:,}원, 비급여 비중 {self.noncovered_share}% "
                f"(방문의 {self.noncovered_visits}%에 몰림), 처방 {self.prescription}% ({self.basis})")  # fmt: skip


@cache
def _table() -> dict[str, Any]:
    text = resources.files("silson.discover").joinpath("data/visit_statistics.yaml").read_text(encoding="utf-8")
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded


def class_stats(kind: str, year: int) -> ClassStats:
    """The statistics of a class that apply to a year (the latest dated entry on 1 July, else the
    earliest); an unknown class reads as "unknown"."""
    entries = _table()["classes"].get(kind) or _table()["classes"]["unknown"]
    mid = date(year, 7, 1)
    dated = [e for e in entries if e["from"] <= mid] or entries[:1]
    e = max(dated, key=lambda x: x["from"])
    kind_of = {"outpatient": EventKind.OUTPATIENT, "prescription": EventKind.PRESCRIPTION,
               "inpatient": EventKind.INPATIENT}  # fmt: skip
    return ClassStats(kind, kind_of[e["kind"]], e["copay"], e["noncovered_share"], e["noncovered_visits"],
                      e["prescription"], e["basis"])  # fmt: skip


def spreads() -> tuple[tuple[int, ...], tuple[int, ...]]:
    return tuple(_table()["visit_spread"]), tuple(_table()["lump_spread"])


def fill_consistency() -> tuple[int, int]:
    """(concentration, percent): how loosely the share of visits that prescribe is held (the
    concentration of a beta distribution around the class figure), and the chance given to each fill
    beyond the visits that could have prescribed it (see data/visit_statistics.yaml)."""
    c = _table()["fill_consistency"]
    return int(c["concentration"]), int(c["extra_fill_percent"])


def pattern_weight(events: Sequence[tuple[str, MedicalEvent]], kinds: dict[str, str], year: int) -> float:
    """How likely a sampled pattern is given what the person's pharmacies were paid, as a log
    likelihood: the pattern's fills are counted against its visits at providers that prescribe
    (beta-binomial around each class's prescription share). A pattern of many small visits whose
    pharmacy total buys few fills (or few big visits with many fills) is unlikely; the class figures
    alone cannot tell those apart, the pharmacy total can, since a fill's size does not follow the
    visit's. In a year without pharmacy spending, or without a provider that prescribes, all patterns
    weigh the same."""
    fills = 0
    visits = 0
    expected = 0.0
    for provider, _event in events:
        kind = kinds.get(provider, "unknown")
        if kind in PHARMACIES:
            fills += 1
        elif kind in PRESCRIBING:
            visits += 1
            expected += class_stats(kind, year).prescription / 100
    if not visits or not fills:
        return 0.0  # no pharmacy total (or nothing that prescribes): no evidence either way
    concentration, extra_percent = fill_consistency()
    p = min(0.99, max(0.01, expected / visits))
    a, b = concentration * p, concentration * (1 - p)
    k = min(fills, visits)
    log_pmf = (math.lgamma(visits + 1) - math.lgamma(k + 1) - math.lgamma(visits - k + 1)
               + math.lgamma(k + a) + math.lgamma(visits - k + b) - math.lgamma(visits + a + b)
               + math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b))  # fmt: skip
    return log_pmf + max(0, fills - visits) * math.log(extra_percent / 100)


def integer_weights(log_weights: Sequence[float]) -> tuple[int, ...]:
    """Log likelihoods as integer weights, the likeliest WEIGHT_SCALE; none below 1, so that every
    sampled pattern still counts a little.

    >>> integer_weights([0.0, math.log(0.5), -1000.0])
    (1000000, 500000, 1)
    """
    top = max(log_weights)
    return tuple(max(1, round(WEIGHT_SCALE * math.exp(w - top))) for w in log_weights)


@dataclass(frozen=True, slots=True)
class Spend:
    """What a person paid one provider in a year; `visits` when the person said how many visits."""

    provider_id: str
    kind: str
    amount: int
    visits: int | None = None


def seed_of(*parts: object) -> int:
    """A seed from the inputs, the same in every process (Python's hash() is salted)."""
    return int.from_bytes(hashlib.sha256(repr(parts).encode()).digest()[:8], "big")


def _rescale(visits: list[tuple[int, int]], total: int) -> list[tuple[int, int]]:
    """Scale (급여, 비급여) visits so that they add up to `total` exactly; the won lost to rounding go
    to the first visit's 급여 part."""
    drawn = sum(g + n for g, n in visits)
    if drawn <= 0:
        return [(total, 0)]
    scaled = [(g * total // drawn, n * total // drawn) for g, n in visits]
    g0, n0 = scaled[0]
    scaled[0] = (g0 + total - sum(g + n for g, n in scaled), n0)
    return scaled


def draw_visits(spend: Spend, stats: ClassStats, rng: random.Random) -> list[tuple[int, int]]:
    """(급여 본인부담, 비급여) per visit, adding up to the provider's total: visits drawn until they reach
    it (or exactly `spend.visits` of them), then scaled to it."""
    visit_spread, lump_spread = spreads()

    def one() -> tuple[int, int]:
        covered = max(1, stats.copay * visit_spread[rng.randrange(len(visit_spread))] // 1000)
        lumpy = stats.noncovered_visits and rng.randrange(100) < stats.noncovered_visits
        noncovered = stats.lump * lump_spread[rng.randrange(len(lump_spread))] // 1000 if lumpy else 0
        return covered, noncovered

    if spend.visits:
        return _rescale([one() for _ in range(min(spend.visits, MAX_VISITS))], spend.amount)
    visits: list[tuple[int, int]] = []
    reached = 0
    while reached < spend.amount and len(visits) < MAX_VISITS:
        visit = one()
        visits.append(visit)
        reached += sum(visit)
    # the last visit overshoots: keep it if that is nearer the total than stopping short
    if len(visits) > 1 and reached - spend.amount > spend.amount - (reached - sum(visits[-1])):
        visits.pop()
    return _rescale(visits, spend.amount)


def sample_pattern(
    spends: Sequence[Spend], year: int, rng: random.Random, scenario: int = 0
) -> list[tuple[str, MedicalEvent]]:
    """One plausible year of events behind the totals, each with the provider it belongs to, under
    one scenario of the class figures (ClassStats.varied)."""
    first_day = date(year, 1, 1)
    year_days = (date(year + 1, 1, 1) - first_day).days
    events: list[tuple[str, MedicalEvent, int]] = []  # (provider, event, order within the day)
    prescribing_days: list[int] = []
    order = sorted(spends, key=lambda s: (s.kind in PHARMACIES, s.provider_id))  # pharmacies last
    for spend in order:
        if spend.amount <= 0:
            continue
        stats = class_stats(spend.kind, year).varied(scenario)
        visits = draw_visits(spend, stats, rng)
        if spend.kind in PHARMACIES and prescribing_days:
            rng.shuffle(prescribing_days)
            taken = prescribing_days[: len(visits)]
            rest = rng.sample(range(year_days), max(0, len(visits) - len(taken)))
            days = taken + rest
        else:
            days = rng.sample(range(year_days), min(len(visits), year_days))
        place = InstitutionKind(spend.kind) if spend.kind in InstitutionKind._value2member_map_ else None
        institution = Institution(place or InstitutionKind.CLINIC)
        for i, ((covered, noncovered), day) in enumerate(zip(visits, days, strict=False)):
            if spend.kind in PRESCRIBING and rng.randrange(100) < stats.prescription:
                prescribing_days.append(day)
            event = MedicalEvent(
                id=f"{spend.provider_id}-{i}",
                kind=stats.event_kind,
                date=first_day + timedelta(days=day),
                cause=Cause.DISEASE,
                kcd=(GENERIC_CODE,),
                institution=institution,
                covered_copay=covered,
                noncovered=noncovered,
                nhis_copay_rate=30,
                discharge=first_day + timedelta(days=min(day + 1, year_days - 1))
                if stats.event_kind is EventKind.INPATIENT
                else None,
            )
            events.append((spend.provider_id, event, 1 if spend.kind in PHARMACIES else 0))
    events.sort(key=lambda x: (x[1].date, x[2], x[1].id))
    return [(provider, replace(event, position=i)) for i, (provider, event, _) in enumerate(events)]
