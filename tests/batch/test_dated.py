"""The calendar helpers the batch formulas share, against the engine's own periods.py."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from silson.batch.dated import first_day_in_time
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
