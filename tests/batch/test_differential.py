"""The columnar evaluator against the scalar engine, exactly, on every (event, contract) pair:
random books of every supported rule set (hypothesis picks the sizes, mixes, claim dates and the
awkward cases: contracts ending, conditions, missing codes, other payers, heavy visitors past the
yearly caps). The batch answer must equal the engine's, row for row and in the engine's order."""

from __future__ import annotations

import json
from datetime import date, timedelta

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from silson.batch.evaluate import evaluate_book
from silson.batch.synth import GENERATIONS, book
from silson.rules.catalogue import load_catalogue

CATALOGUE = load_catalogue()
TERMS = [g[0] for g in GENERATIONS]
KEYS = ["person_id", "event_id", "contract_id"]


def assert_same(events: pl.DataFrame, contracts: pl.DataFrame, claim_date: date) -> pl.DataFrame:
    batch = evaluate_book(events, contracts, claim_date, CATALOGUE).decisions
    reference = evaluate_book(events, contracts, claim_date, CATALOGUE, columnar_path=False).decisions
    assert batch.height == reference.height
    same = batch.select(*KEYS, "coverage", "amount").equals(reference.select(*KEYS, "coverage", "amount"))
    if not same:
        differ = (
            batch.select(*KEYS, "coverage", "amount", "reason", "engine")
            .join(reference.select(*KEYS, ref_coverage="coverage", ref="amount"), on=KEYS, how="full", coalesce=True)
            .filter((pl.col("amount") != pl.col("ref")) | (pl.col("coverage") != pl.col("ref_coverage"))
                    | pl.col("amount").is_null() | pl.col("ref").is_null())
        )  # fmt: skip
        person = differ["person_id"][0] if differ.height else batch["person_id"][0]
        raise AssertionError(
            f"{differ.height} rows differ:\n{differ.head(8).write_csv()}\nevents of {person}:\n"
            f"{events.filter(pl.col('person_id') == person).write_csv()}\ncontracts:\n"
            f"{contracts.filter(pl.col('person_id') == person).write_csv()}\nclaim date {claim_date}"
        )
    return batch


@st.composite
def books(draw: st.DrawFn) -> tuple[pl.DataFrame, pl.DataFrame, date]:
    persons = draw(st.integers(3, 25))
    chosen = draw(st.lists(st.sampled_from(TERMS), min_size=1, max_size=4, unique=True))
    events, contracts = book(persons, seed=draw(st.integers(0, 10**6)), generations=tuple(chosen),
                             inpatient_share=draw(st.sampled_from([0.0, 0.01, 0.1])))  # fmt: skip
    n = events.height
    rng = draw(st.randoms(use_true_random=False))
    # awkward cases, each on a few rows
    if draw(st.booleans()):  # conditions that group differently from the main code
        events = events.with_columns(condition=pl.Series([rng.choice([None, "", "허리", "감기"]) for _ in range(n)]))
    if draw(st.booleans()):  # a disease visit without a KCD code (the engine cannot decide it)
        events = events.with_columns(kcd=pl.Series([("" if rng.random() < 0.02 else k) for k in events["kcd"]]))
    if draw(st.booleans()):
        events = events.with_columns(other_payer=pl.Series([("auto" if rng.random() < 0.02 else None)
                                                            for _ in range(n)], dtype=pl.String))  # fmt: skip
    if draw(st.booleans()):  # contracts that ended
        ends = [(s + timedelta(days=rng.randint(365, 7000)) if rng.random() < 0.3 else None)
                for s in contracts["start"]]  # fmt: skip
        contracts = contracts.with_columns(end=pl.Series(ends, dtype=pl.Date))
    if draw(st.booleans()):  # second visits the same day for the same condition, elsewhere (merged into one)
        twins = events.filter(pl.col("kind") == "outpatient").sample(fraction=0.1, seed=rng.randint(0, 10**6))
        events = pl.concat([events, twins.with_columns(
            event_id=pl.col("event_id") + "b", institution_kind=pl.lit(rng.choice(["hospital", "tertiary", "clinic"])),
            noncovered=pl.col("noncovered") * 2)], how="diagonal_relaxed").sort("person_id", "date")  # fmt: skip
    if draw(st.booleans()):  # injuries without a code, visits that cost nothing
        events = events.with_columns(
            kcd=pl.when(pl.col("cause") == "injury").then(pl.lit("")).otherwise(pl.col("kcd")),
            covered_copay=pl.Series([0 if rng.random() < 0.05 else c for c in events["covered_copay"]]),
        )
    if draw(st.booleans()):  # contracts dated 29 February (their anniversaries fall on the 28th)
        contracts = contracts.with_columns(start=pl.Series([
            date(2016, 2, 29) if t == "std-2015-09" and rng.random() < 0.5 else
            date(2020, 2, 29) if t == "std-2017-04" and rng.random() < 0.5 else s
            for t, s in zip(contracts["terms"], contracts["start"], strict=True)], dtype=pl.Date))  # fmt: skip
    if draw(st.booleans()):  # rows in no order: people numbered by rank, not by runs of a sorted file
        events = events.sample(fraction=1.0, shuffle=True, seed=rng.randint(0, 10**6))
    claim_date = draw(st.dates(date(2026, 11, 1), date(2029, 12, 31)))  # late claims meet the limitation
    return events, contracts, claim_date


@settings(max_examples=30, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(books())
def test_columnar_equals_the_engine(case: tuple[pl.DataFrame, pl.DataFrame, date]) -> None:
    assert_same(*case)


def test_a_realistic_book_mostly_takes_the_columnar_path() -> None:
    events, contracts = book(200, seed=11)
    decisions = assert_same(events, contracts, date(2026, 11, 23))
    share = decisions.filter(pl.col("engine") == "columnar").height / decisions.height
    assert share > 0.9  # the figure is exact either way; this guards the speed
    assert set(decisions["reason"].unique()) >= {"paid", "deductible", "shared", "merged", "visit_limit"}


def third_and_fourth(person: str, third: str, fourth: str) -> pl.DataFrame:
    """A 2017-04 contract (standard option, from 2020) and a 2021-07 one (from 2022), synth's coverages."""
    return pl.DataFrame([
        {"person_id": person, "contract_id": third, "insurer": "가", "terms": "std-2017-04", "option": "standard",
         "start": date(2020, 1, 1), "coverages": json.dumps(GENERATIONS[4][4])},
        {"person_id": person, "contract_id": fourth, "insurer": "나", "terms": "std-2021-07", "option": None,
         "start": date(2022, 1, 1), "coverages": json.dumps(GENERATIONS[5][4])},
    ])  # fmt: skip


def test_heavy_visitors_past_the_yearly_caps() -> None:
    """200 clinic visits in a contract year: the 180-visit cap and the 4th generation's 100 비급여 visits
    bind; those people go to the scalar engine and the answer stays exact."""
    start = date(2024, 1, 1)
    rows = []
    for i in range(200):
        day = start + timedelta(days=i)
        rows.append({"person_id": "H1", "event_id": f"v{i}", "kind": "outpatient", "date": day, "cause": "disease",
                     "kcd": "M54.5", "institution_kind": "clinic", "covered_copay": 30000, "covered_full": 0,
                     "noncovered": 90000})  # fmt: skip
    events = pl.DataFrame(rows)
    contracts = third_and_fourth("H1", "a", "b")
    decisions = assert_same(events, contracts, date(2026, 11, 23))
    assert set(decisions["engine"]) == {"scalar"}


def _admissions(person: str, days: list[date], covered: int, noncovered: int, room: int) -> list[dict[str, object]]:
    return [{"person_id": person, "event_id": f"{person}-a{i}", "kind": "inpatient", "date": day,
             "discharge": day + timedelta(days=4), "cause": "disease", "kcd": "K35.8",
             "institution_kind": "general_hospital", "covered_copay": covered, "covered_full": 0,
             "noncovered": noncovered, "room_difference": room} for i, day in enumerate(days)]  # fmt: skip


def test_fourth_generation_admissions_in_columns() -> None:
    """Four large admissions in one contract year under a 4th-generation contract and a 3rd-generation
    one: the 급여 self-pay reaches its 2,000,000 yearly cap at the second admission (20 % of 5,000,000
    = 1,000,000 each), the room difference is halved and capped at 100,000 a day, the two contracts
    share each admission. The columnar path decides it all, and equals the engine."""
    days = [date(2023, 3, 1), date(2023, 5, 1), date(2023, 7, 1), date(2023, 9, 1)]
    events = pl.DataFrame(_admissions("A1", days, 5_000_000, 2_000_000, 900_000))
    contracts = third_and_fourth("A1", "g3", "g4")
    decisions = assert_same(events, contracts, date(2025, 11, 23))
    assert set(decisions["engine"]) == {"columnar"}
    assert set(decisions["coverage"]) == {"disease_inpatient", "disease_covered"}
    assert "shared" in set(decisions["reason"])


def test_fourth_generation_yearly_amount_over_admissions_and_visits() -> None:
    """A 4th-generation contract with a small yearly 급여 amount (3,000,000, 입원·통원 합산): admissions and
    visits together pass it, so the person goes to the scalar engine whole, and the answer stays exact."""
    coverages = {"disease_covered": {"annual_limit": 3_000_000, "outpatient_limit": 200_000},
                 "disease_noncovered": {"annual_limit": 50_000_000, "outpatient_limit": 200_000}}  # fmt: skip
    rows = _admissions("Y1", [date(2023, 3, 1), date(2023, 6, 1)], 2_000_000, 0, 0)
    rows += [{"person_id": "Y1", "event_id": f"Y1-v{i}", "kind": "outpatient", "date": date(2023, 7, 1) + timedelta(i),
              "cause": "disease", "kcd": "M54.5", "institution_kind": "clinic", "covered_copay": 150_000,
              "covered_full": 0, "noncovered": 0} for i in range(10)]  # fmt: skip
    events = pl.DataFrame(rows)
    contracts = pl.DataFrame([{"person_id": "Y1", "contract_id": "g4", "insurer": "나", "terms": "std-2021-07",
                               "option": None, "start": date(2022, 1, 1), "coverages": json.dumps(coverages)}])  # fmt: skip
    decisions = assert_same(events, contracts, date(2025, 11, 23))
    assert set(decisions["engine"]) == {"scalar"}


def test_rows_the_case_reader_refuses_become_input_errors() -> None:
    """A person whose rows the case reader refuses (an unknown institution, a code not in KCD form, a
    visit after the claim date, a prescription at a clinic, an admission without its days, a contract
    ending before it starts) gets input_error rows naming the field, as from the scalar engine; the
    others are adjudicated; nothing stops the book."""
    good = {"kind": "outpatient", "date": date(2024, 3, 4), "cause": "disease", "kcd": "J06.9",
            "institution_kind": "clinic", "covered_copay": 20_000, "covered_full": 0, "noncovered": 40_000}  # fmt: skip
    bad = {"B1": {"institution_kind": "spaceship"}, "B2": {"kcd": "J06.9 XYZ"}, "B3": {"date": date(2026, 1, 5)},
           "B4": {"kind": "prescription"}, "B5": {"kind": "inpatient"}, "B6": {}, "OK": {}}  # fmt: skip
    events = pl.DataFrame([{"person_id": p, "event_id": "e1", **good, **change} for p, change in bad.items()])
    contracts = pl.DataFrame([
        {"person_id": p, "contract_id": "c", "insurer": "가", "terms": "std-2017-04", "option": "standard",
         "start": date(2020, 1, 1), "end": date(2019, 1, 1) if p == "B6" else None,
         "coverages": json.dumps(GENERATIONS[4][4])} for p in bad
    ])  # fmt: skip
    decisions = assert_same(events, contracts, date(2025, 11, 23))
    refused = decisions.filter(pl.col("reason") == "input_error")
    assert sorted(refused["person_id"]) == ["B1", "B2", "B3", "B4", "B5", "B6"]
    assert decisions.filter(pl.col("person_id") == "OK")["engine"].to_list() == ["columnar"]
    notes = dict(zip(refused["person_id"], refused["note"], strict=True))
    assert "institution" in notes["B1"] and "kcd" in notes["B2"] and "claim_date" in notes["B3"]
    assert "discharge" in notes["B5"] and "end" in notes["B6"]


def test_a_book_left_wholly_to_the_scalar_engine() -> None:
    """When no event is left for the columnar path (here: the one contract ended before the visit),
    its tables are empty and it must still answer (an empty mapping once gave texts back)."""
    events = pl.DataFrame([{"person_id": "E1", "event_id": "v", "kind": "outpatient", "date": date(2024, 5, 2),
                            "cause": "disease", "kcd": "J06.9", "institution_kind": "clinic", "covered_copay": 9000,
                            "covered_full": 0, "noncovered": 30000}])  # fmt: skip
    contracts = third_and_fourth("E1", "g3", "g4").head(1).with_columns(end=pl.lit(date(2023, 1, 1)))
    decisions = assert_same(events, contracts, date(2025, 11, 23))
    assert decisions["engine"].to_list() == ["scalar"]


def test_the_reasons_the_columnar_path_gives() -> None:
    """Each reason a visit can get in columns, named from its code: a visit before the contract, an
    injury the contract does not cover, one past the 3-year limitation, one that cost nothing, two
    the same day for the same condition (the second merged), and paid or kept by the deductible."""
    visit = {"person_id": "R1", "kind": "outpatient", "cause": "disease", "kcd": "J06.9", "institution_kind": "clinic",
             "covered_copay": 20_000, "covered_full": 0, "noncovered": 40_000}  # fmt: skip
    rows = [
        {**visit, "event_id": "before", "date": date(2019, 6, 1)},
        {**visit, "event_id": "injury", "date": date(2024, 3, 4), "cause": "injury", "kcd": "S93.4"},
        {**visit, "event_id": "late", "date": date(2022, 6, 1)},
        {**visit, "event_id": "free", "date": date(2024, 3, 5), "covered_copay": 0, "noncovered": 0},
        {**visit, "event_id": "first", "date": date(2024, 4, 1)},
        {**visit, "event_id": "second", "date": date(2024, 4, 1), "institution_kind": "hospital"},
        {**visit, "event_id": "small", "date": date(2024, 5, 2), "covered_copay": 5_000, "noncovered": 0},
    ]
    contracts = pl.DataFrame([{"person_id": "R1", "contract_id": "c", "insurer": "가", "terms": "std-2017-04",
                               "option": "standard", "start": date(2020, 1, 1),
                               "coverages": json.dumps({"disease_outpatient": GENERATIONS[4][4]["disease_outpatient"]})}])  # fmt: skip
    decisions = assert_same(pl.DataFrame(rows), contracts, date(2025, 11, 23))
    assert set(decisions["engine"]) == {"columnar"}
    assert dict(zip(decisions["event_id"], decisions["reason"], strict=True)) == {
        "before": "before_start", "injury": "not_bought", "late": "limitation", "free": "nothing",
        "first": "paid", "second": "merged", "small": "deductible",
    }  # fmt: skip
    assert set(decisions["coverage"]) == {"disease_outpatient", "injury_outpatient"}
