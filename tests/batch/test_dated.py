"""The calendar helpers the batch formulas share, against the engine's own periods.py."""

from __future__ import annotations

from bisect import bisect_right
from datetime import date, timedelta

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from silson.batch.dated import Eras, contract_year, contract_years, first_day_in_time, with_eras
from silson.rules import periods
from silson.rules.catalogue import load_catalogue
from silson.rules.periods import add_years


@given(claim=st.dates(date(2000, 1, 1), date(2040, 12, 31)), years=st.integers(-3, 10),
       day=st.dates(date(1985, 1, 1), date(2040, 12, 31)))  # fmt: skip
def test_a_day_is_past_the_limitation_exactly_when_it_is_before_the_first_day_in_time(
    claim: date, years: int, day: date
) -> None:
    assert (claim > add_years(day, years)) == (day < first_day_in_time(claim, years))


def test_the_29th_of_february() -> None:
    """2024-02-29 + 1 year is 2025-02-28 (the month's last day): a claim that day is in time for it."""
    assert first_day_in_time(date(2025, 2, 28), 1) == date(2024, 2, 28)
    assert first_day_in_time(date(2025, 3, 1), 1) == date(2024, 3, 1)
    assert first_day_in_time(date(2028, 2, 29), 4) == date(2024, 2, 29)


@given(
    st.lists(
        st.tuples(st.dates(date(1985, 1, 1), date(2040, 12, 31)), st.dates(date(1985, 1, 1), date(2040, 12, 31))),
        max_size=30,
    )
)
def test_contract_years_by_look_up_equal_the_calendar(pairs: list[tuple[date, date]]) -> None:
    frame = pl.DataFrame(pairs, schema={"start": pl.Date, "day": pl.Date}, orient="row")
    looked_up = frame.select(contract_years(frame, "start", "day"))[:, 0].to_list()
    computed = frame.select(contract_year(pl.col("start"), pl.col("day")))[:, 0].to_list()
    assert looked_up == computed
    # and the engine's own periods.contract_year from the contract date on
    assert [y for (s, d), y in zip(pairs, looked_up, strict=True) if d >= s] == [
        periods.contract_year(s, d) for s, d in pairs if d >= s
    ]


def test_contract_years_around_the_29th_of_february() -> None:
    frame = pl.DataFrame({"start": [date(2020, 2, 29)] * 4,
                          "day": [date(2021, 2, 27), date(2021, 2, 28), date(2024, 2, 28), date(2024, 2, 29)]})  # fmt: skip
    assert frame.select(contract_years(frame, "start", "day"))[:, 0].to_list() == [0, 1, 3, 4]


def test_eras_of_every_rule_set_in_one_search() -> None:
    """with_eras against Eras.of and a search per rule set, on days before, on and after every boundary."""
    catalogue = load_catalogue()
    rows = []
    for rules_id in catalogue.standard_ids():
        eras = Eras.of(catalogue.get(rules_id))
        for d in {*eras.by_event, *eras.by_start, date(1960, 1, 1), date(2100, 1, 1)}:
            for day in (d - timedelta(days=1), d, d + timedelta(days=1)):
                rows.append((rules_id, day, day))
    frame = pl.DataFrame(rows, schema={"rules_id": pl.String, "date": pl.Date, "start": pl.Date}, orient="row")
    found = with_eras(frame, catalogue)
    for rules_id, day, _, era_e, era_s in found.iter_rows():
        eras = Eras.of(catalogue.get(rules_id))
        assert era_e == bisect_right(eras.by_event, day)
        assert era_s == bisect_right(eras.by_start, day)
