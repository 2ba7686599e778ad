"""Dates the terms count in: contract years (계약해당일), statute years, and day windows.

Periods are half-open where the code builds them; the clauses' own inclusive wording is converted
at the edge and the conversion is named in each function.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta


def add_years(day: date, years: int) -> date:
    """The same calendar day `years` later; a 29 February falls on the month's last day.

    계약해당일이 없는 경우 그 월의 마지막 날을 계약해당일로 합니다 (용어의 정의, 계약해당일).

    >>> add_years(date(2016, 2, 29), 1)
    datetime.date(2017, 2, 28)
    """
    year = day.year + years
    last = calendar.monthrange(year, day.month)[1]
    return date(year, day.month, min(day.day, last))


def contract_year(start: date, day: date) -> int:
    """Index of the contract year that `day` falls in: 0 from the contract date to the day before
    the first anniversary (계약해당일), 1 for the next year, and so on. Negative before the start.

    >>> contract_year(date(2017, 2, 1), date(2018, 1, 31)), contract_year(date(2017, 2, 1), date(2018, 2, 1))
    (0, 1)
    """
    if day < start:
        return -1
    years = day.year - start.year
    if add_years(start, years) > day:
        years -= 1
    return years


def contract_year_start(start: date, index: int) -> date:
    return add_years(start, index)


def days_between(first: date, last: date) -> int:
    """Days from `first` to `last`, both counted (입원일수 style)."""
    return (last - first).days + 1


def overlap_days(first: date, last: date, window_from: date, window_to: date | None) -> int:
    """How many days of [first, last] (both inclusive) fall in [window_from, window_to] (inclusive)."""
    lo = max(first, window_from)
    hi = last if window_to is None else min(last, window_to)
    return max(0, (hi - lo).days + 1)


def plus_days(day: date, days: int) -> date:
    return day + timedelta(days=days)
