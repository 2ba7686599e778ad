"""Visit patterns behind a yearly total, and how the engine's units pay them: a 4th-generation visit
pays its pharmacy fill inside it (one deductible), 비급여 in a lump clears the 30,000 minimum where the
same amount spread thin does not, and a visit count given narrows the likely range."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from silson.discover.estimate import (
    Range,
    estimate_provider_year,
    estimate_year,
    from_samples,
    payout_by_provider,
    percentile,
    weighted_percentile,
)
from silson.discover.patterns import (
    WEIGHT_SCALE,
    Spend,
    class_stats,
    integer_weights,
    pattern_weight,
    sample_pattern,
)
from silson.discover.service import PersonReport, ProviderYear
from silson.domain.model import (
    Cause,
    Contract,
    Coverage,
    CoverageKey,
    EventKind,
    Institution,
    InstitutionKind,
    MedicalEvent,
)
from silson.rules.catalogue import load_catalogue

CATALOGUE = load_catalogue()
AS_OF = date(2025, 3, 1)
SPLIT = {
    key: Coverage(key, annual_limit=50_000_000, outpatient_limit=200_000)
    for key in (CoverageKey.DISEASE_COVERED, CoverageKey.DISEASE_NONCOVERED)
}
GEN4 = Contract("g4", "A", "std-2021-07", date(2022, 1, 1), SPLIT)
GEN3 = Contract(
    "g3", "A", "std-2017-04", date(2018, 1, 1),
    {CoverageKey.DISEASE_OUTPATIENT: Coverage(CoverageKey.DISEASE_OUTPATIENT, outpatient_limit=200_000,
                                              prescription_limit=100_000),
     CoverageKey.DISEASE_INPATIENT: Coverage(CoverageKey.DISEASE_INPATIENT, limit=50_000_000)},
    option="standard",
)  # fmt: skip


def event(eid: str, kind: EventKind, place: InstitutionKind, day: date, covered: int, noncovered: int = 0,
          position: int = 0) -> MedicalEvent:  # fmt: skip
    return MedicalEvent(eid, kind, day, Cause.DISEASE, ("J06.9",), Institution(place), covered_copay=covered,
                        noncovered=noncovered, nhis_copay_rate=30, position=position)  # fmt: skip


DAY = date(2024, 5, 2)
VISIT = event("v", EventKind.OUTPATIENT, InstitutionKind.CLINIC, DAY, 8_000)
FILL = event("f", EventKind.PRESCRIPTION, InstitutionKind.PHARMACY, DAY, 6_000, position=1)


class TestUnitsAsTheEngineCountsThem:
    def test_4th_generation_pays_the_pharmacy_inside_the_visit_and_shares_it(self) -> None:
        # 급여 unit = 8,000 + 6,000 = 14,000; deductible max(10,000, 20 % = 2,800) = 10,000 → 4,000.
        # Shared by what each was paid: clinic 8/14 → 2,285 (+1 won of truncation), pharmacy 1,714.
        paid = payout_by_provider([GEN4], [("clinic", VISIT), ("pharmacy", FILL)], date(2025, 1, 1), CATALOGUE)
        assert paid == {("clinic", "g4"): 2_286, ("pharmacy", "g4"): 1_714}

    def test_apart_each_falls_under_the_10000_deductible(self) -> None:
        fill_alone = event("f", EventKind.PRESCRIPTION, InstitutionKind.PHARMACY, date(2024, 5, 3), 6_000)
        paid = payout_by_provider([GEN4], [("clinic", VISIT), ("pharmacy", fill_alone)], date(2025, 1, 1), CATALOGUE)
        assert sum(paid.values()) == 0

    def test_3rd_generation_counts_the_fill_apart_with_its_own_8000_deductible(self) -> None:
        # visit 8,000 < 10,000 → 0; fill 6,000 < 8,000 → 0
        paid = payout_by_provider([GEN3], [("clinic", VISIT), ("pharmacy", FILL)], date(2025, 1, 1), CATALOGUE)
        assert sum(paid.values()) == 0

    def test_noncovered_in_one_lump_clears_the_30000_minimum(self) -> None:
        # 50,000 비급여 on one visit: 50,000 − max(30,000, 15,000) = 20,000; five visits of 10,000: 0
        lump = [("c", event("l", EventKind.OUTPATIENT, InstitutionKind.CLINIC, DAY, 0, 50_000))]
        thin = [("c", event(f"t{i}", EventKind.OUTPATIENT, InstitutionKind.CLINIC, date(2024, 5, 2 + i), 0, 10_000))
                for i in range(5)]  # fmt: skip
        assert payout_by_provider([GEN4], lump, date(2025, 1, 1), CATALOGUE) == {("c", "g4"): 20_000}
        assert payout_by_provider([GEN4], thin, date(2025, 1, 1), CATALOGUE) == {}


class TestPatterns:
    def test_each_provider_total_is_kept_to_the_won(self) -> None:
        spends = [Spend("c", "clinic", 412_345), Spend("p", "pharmacy", 98_765), Spend("h", "hospital", 1_000_001)]
        for scenario in range(5):
            events = sample_pattern(spends, 2024, random.Random(scenario), scenario)
            paid = Counter[str]()
            for provider, e in events:
                paid[provider] += e.covered_copay + e.noncovered
            assert paid == {"c": 412_345, "p": 98_765, "h": 1_000_001}

    def test_pharmacy_fills_fall_on_the_days_of_visits_that_prescribe(self) -> None:
        events = sample_pattern([Spend("c", "clinic", 300_000), Spend("p", "pharmacy", 30_000)], 2024,
                                random.Random(1))  # fmt: skip
        clinic_days = {e.date for p, e in events if p == "c"}
        fill_days = [e.date for p, e in events if p == "p"]
        assert fill_days and all(d in clinic_days for d in fill_days)

    def test_noncovered_sits_on_some_visits_only(self) -> None:
        events = sample_pattern([Spend("c", "clinic", 2_000_000)], 2024, random.Random(3))
        with_noncovered = [e for _, e in events if e.noncovered]
        assert 0 < len(with_noncovered) < len(events)

    def test_a_given_visit_count_is_kept(self) -> None:
        events = sample_pattern([Spend("c", "clinic", 500_000, visits=7)], 2024, random.Random(0))
        assert len(events) == 7

    def test_class_figures_carry_their_basis(self) -> None:
        stats = class_stats("clinic", 2024)
        assert stats.copay == 9_000 and stats.noncovered_share == 50 and "S1" in stats.basis


class TestLikelyRange:
    @settings(max_examples=12, deadline=None, derandomize=True)
    @given(
        st.sampled_from(["clinic", "hospital", "general_hospital", "pharmacy", "korean_medicine_clinic"]),
        st.integers(1_000, 3_000_000),
        st.sampled_from([GEN4, GEN3]),
    )
    def test_figures_are_ordered(self, kind: str, spent: int, contract: Contract) -> None:
        r = estimate_provider_year(kind=kind, year=2024, spent=spent, contracts=[contract], catalogue=CATALOGUE,
                                   as_of=AS_OF).total  # fmt: skip
        assert 0 <= r.low <= r.likely_low <= r.typical <= r.likely_high <= r.high <= spent

    def test_a_visit_count_narrows_the_likely_range(self) -> None:
        free = estimate_provider_year(kind="clinic", year=2024, spent=900_000, contracts=[GEN4], catalogue=CATALOGUE,
                                      as_of=AS_OF).total  # fmt: skip
        told = estimate_provider_year(kind="clinic", year=2024, spent=900_000, contracts=[GEN4], catalogue=CATALOGUE,
                                      as_of=AS_OF, visits=6).total  # fmt: skip
        assert told.likely_high - told.likely_low < free.likely_high - free.likely_low
        assert (told.low, told.high) == (free.low, free.high)  # strict bounds do not move

    def test_the_same_inputs_give_the_same_figures(self) -> None:
        spends = [Spend("c", "clinic", 640_000), Spend("p", "pharmacy", 120_000)]
        first = estimate_year(year=2024, spends=spends, contracts=[GEN4], catalogue=CATALOGUE, as_of=AS_OF)
        again = estimate_year(year=2024, spends=spends, contracts=[GEN4], catalogue=CATALOGUE, as_of=AS_OF)
        assert first == again


def _year(clinic_visits: int, fills: int) -> list[tuple[str, MedicalEvent]]:
    """A year of clinic visits, the first `fills` of them (or all, and then lone fills) followed by a
    pharmacy fill."""
    out = [("c", event(f"v{i}", EventKind.OUTPATIENT, InstitutionKind.CLINIC, date(2024, 1, 1 + i), 10_000))
           for i in range(clinic_visits)]  # fmt: skip
    out += [("p", event(f"f{i}", EventKind.PRESCRIPTION, InstitutionKind.PHARMACY, date(2024, 3, 1 + i), 9_000))
            for i in range(fills)]  # fmt: skip
    return out


KINDS = {"c": "clinic", "p": "pharmacy"}


class TestThePharmacyTotalWeighsPatterns:
    def test_visits_that_match_the_fills_weigh_most(self) -> None:
        # 7 fills: about 9 clinic visits at 의원's 75 % are likeliest; 30 visits, or 3 (fills beyond
        # the visits), much less so
        matching, many, few = (pattern_weight(_year(n, 7), KINDS, 2024) for n in (9, 30, 3))
        assert matching > many and matching > few
        assert pattern_weight(_year(9, 7), KINDS, 2024) > pattern_weight(_year(20, 7), KINDS, 2024) > many

    def test_without_pharmacy_spending_every_pattern_weighs_the_same(self) -> None:
        assert {pattern_weight(_year(n, 0), KINDS, 2024) for n in (1, 9, 30)} == {0.0}
        only_fills = [("p", e) for _, e in _year(0, 5)]
        assert pattern_weight(only_fills, KINDS, 2024) == 0.0

    def test_weights_are_integers_with_the_likeliest_at_the_scale(self) -> None:
        weights = integer_weights([pattern_weight(_year(n, 7), KINDS, 2024) for n in (3, 9, 30)])
        assert max(weights) == WEIGHT_SCALE and min(weights) >= 1 and weights[1] == WEIGHT_SCALE


class TestWeightedFigures:
    @settings(max_examples=60, deadline=None, derandomize=True)
    @given(st.lists(st.tuples(st.integers(0, 1_000_000), st.integers(1, 5)), min_size=1, max_size=30),
           st.integers(0, 100))  # fmt: skip
    def test_a_weight_counts_as_that_many_copies(self, pairs: list[tuple[int, int]], p: int) -> None:
        values, weights = [v for v, _ in pairs], [w for _, w in pairs]
        copies = [v for v, w in pairs for _ in range(w)]
        assert weighted_percentile(values, weights, p) == percentile(copies, p)

    @settings(max_examples=60, deadline=None, derandomize=True)
    @given(st.lists(st.tuples(st.integers(0, 500_000), st.integers(1, WEIGHT_SCALE)), min_size=1, max_size=45),
           st.integers(0, 400_000), st.integers(0, 600_000))  # fmt: skip
    def test_weighted_figures_are_ordered_inside_the_bounds(self, pairs: list[tuple[int, int]], low: int,
                                                            high: int) -> None:  # fmt: skip
        low = min(low, high)
        r = from_samples(low, [v for v, _ in pairs], high, [w for _, w in pairs])
        assert r.low <= r.likely_low <= r.typical <= r.likely_high <= r.high == high

    def test_equal_weights_are_no_weights(self) -> None:
        samples = [5_000, 0, 12_000, 7_000, 3_000, 9_000]
        assert from_samples(0, samples, 20_000, [7] * 6) == from_samples(0, samples, 20_000)


def _item(year: int, samples: tuple[int, ...], weights: tuple[int, ...]) -> ProviderYear:
    top = max(samples)
    return ProviderYear(year, f"p{year}", "의원", "clinic", "", 100_000, "agent", date(year + 3, 1, 1),
                        date(year + 3, 12, 31), "open", total=Range(0, 0, 0, top, top), samples=samples,
                        weights=weights)  # fmt: skip


class TestThePersonsTotal:
    def test_years_are_weighed_by_the_geometric_mean_of_their_weights(self) -> None:
        # pattern 0 is likely in 2023 and unlikely in 2024, pattern 2 the reverse: as likely as each other
        first = _item(2023, (10_000, 20_000, 30_000), (WEIGHT_SCALE, WEIGHT_SCALE // 100, 1))
        second = _item(2024, (10_000, 20_000, 30_000), (1, WEIGHT_SCALE // 100, WEIGHT_SCALE))
        person = PersonReport("김", "", [first, second], [], [], [])
        assert person.total.typical == 40_000  # pattern 1 (20,000 + 20,000) is the weighted median
        # the same weights in both years stay those weights (a product, 1 : 1 : 0.09, would drop
        # pattern 2 below the 90th percentile)
        same = [_item(y, (10_000, 20_000, 30_000), (WEIGHT_SCALE, WEIGHT_SCALE, 300_000)) for y in (2023, 2024)]
        assert PersonReport("김", "", same, [], [], []).total.likely_high == 60_000
        alone = PersonReport("김", "", [first], [], [], [])
        assert (alone.total.likely_low, alone.total.typical) == (10_000, 10_000)  # one year: its own weights

    def test_without_weights_every_pattern_counts_once(self) -> None:
        item = _item(2023, (10_000, 20_000, 30_000, 40_000, 50_000), ())
        assert PersonReport("김", "", [item], [], [], []).total.typical == 30_000
