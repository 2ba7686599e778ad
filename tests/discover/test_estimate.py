"""The estimate's range holds the exact figure: for a provider-year whose visits are known, the
engine's payout on those visits lies between low and high."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from silson.discover.estimate import estimate_provider_year
from silson.discover.nhis import refund
from silson.domain.model import (
    Case,
    Cause,
    Contract,
    Coverage,
    CoverageKey,
    EventKind,
    Institution,
    InstitutionKind,
    MedicalEvent,
    Person,
)
from silson.rules.catalogue import load_catalogue
from silson.rules.engine import adjudicate

CATALOGUE = load_catalogue()
YEAR = 2024
AS_OF = date(2025, 3, 1)
KINDS = ["clinic", "hospital", "general_hospital", "tertiary", "pharmacy", "korean_medicine_clinic"]

COMBINED = {
    CoverageKey.DISEASE_INPATIENT: Coverage(CoverageKey.DISEASE_INPATIENT, limit=50_000_000),
    CoverageKey.DISEASE_OUTPATIENT: Coverage(
        CoverageKey.DISEASE_OUTPATIENT, outpatient_limit=250_000, prescription_limit=50_000
    ),
}
SPLIT = {
    CoverageKey.DISEASE_COVERED: Coverage(
        CoverageKey.DISEASE_COVERED, annual_limit=50_000_000, outpatient_limit=200_000
    ),
    CoverageKey.DISEASE_NONCOVERED: Coverage(
        CoverageKey.DISEASE_NONCOVERED, annual_limit=50_000_000, outpatient_limit=200_000
    ),
}
CONTRACTS = [
    Contract("c", "A", "std-2015-09", date(2016, 1, 1), COMBINED, option="choice2"),
    Contract("c", "A", "std-2015-09", date(2016, 1, 1), COMBINED, option="standard"),
    Contract("c", "A", "std-2009-10", date(2011, 1, 1), COMBINED),
    Contract(
        "c",
        "A",
        "gen1-nonlife",
        date(2005, 1, 1),
        {
            CoverageKey.DISEASE_OUTPATIENT: Coverage(CoverageKey.DISEASE_OUTPATIENT, outpatient_limit=100_000),
            CoverageKey.DISEASE_INPATIENT: Coverage(CoverageKey.DISEASE_INPATIENT, limit=50_000_000),
        },
    ),
    Contract("c", "A", "std-2021-07", date(2022, 1, 1), SPLIT),
]


@st.composite
def visit_patterns(draw: st.DrawFn) -> tuple[str, list[tuple[int, int, int]]]:
    """(provider class, [(day of year, 급여, 비급여)]) with at most one visit a day."""
    kind = draw(st.sampled_from(KINDS))
    days = draw(st.lists(st.integers(0, 365), min_size=1, max_size=25, unique=True))
    visits = [(d, draw(st.integers(0, 200_000)), draw(st.integers(0, 300_000))) for d in sorted(days)]
    return kind, visits


@settings(max_examples=60, deadline=None, derandomize=True)
@given(visit_patterns(), st.sampled_from(CONTRACTS))
def test_range_contains_the_exact_figure(pattern: tuple[str, list[tuple[int, int, int]]], contract: Contract) -> None:
    kind, visits = pattern
    place = InstitutionKind(kind)
    event_kind = EventKind.PRESCRIPTION if kind == "pharmacy" else EventKind.OUTPATIENT
    events = tuple(
        MedicalEvent(f"v{i}", event_kind, date(YEAR, 1, 1) + timedelta(days=d), Cause.DISEASE, ("J06.9",), Institution(place),
                     covered_copay=g, noncovered=n, nhis_copay_rate=30, position=i)
        for i, (d, g, n) in enumerate(visits)
    )  # fmt: skip
    exact = sum(
        d.amount
        for d in adjudicate(case=Case("x", AS_OF, (contract,), events, Person()), catalogue=CATALOGUE).decisions
    )
    spent = sum(g + n for _, g, n in visits)
    estimate = estimate_provider_year(
        kind=kind, year=YEAR, spent=spent, contracts=[contract], catalogue=CATALOGUE, as_of=AS_OF
    )
    assert estimate.total.low <= exact <= estimate.total.high
    assert estimate.total.low <= estimate.total.typical <= estimate.total.high


def test_wholly_time_barred_year_pays_nothing() -> None:
    estimate = estimate_provider_year(
        kind="clinic", year=2020, spent=500_000, contracts=[CONTRACTS[0]], catalogue=CATALOGUE, as_of=date(2024, 1, 2)
    )
    assert estimate.total.high == 0


class TestNhisRefund:
    def test_known_band_and_copay(self) -> None:
        r = refund(year=2024, copay=4_000_000, paid_total=6_000_000, decile=4)
        assert (r.low, r.high) == (4_000_000 - 1_670_000, 4_000_000 - 1_670_000)
        assert r.paid_from == date(2025, 8, 1)

    def test_unknown_band_is_a_range(self) -> None:
        r = refund(year=2025, copay=3_000_000, paid_total=3_000_000, decile=None)
        assert (r.low, r.high) == (0, 3_000_000 - 890_000)

    def test_unknown_copay_bounds_by_spending(self) -> None:
        r = refund(year=2023, copay=None, paid_total=1_000_000, decile=1)
        assert (r.low, r.high) == (0, 1_000_000 - 870_000)
