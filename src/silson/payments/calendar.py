"""Korean business days (영업일), the unit of the payment deadlines of Hi1701 공통조항 제9조.

A business day is not a Saturday, a Sunday, a 관공서 공휴일 (with 대체공휴일, 임시공휴일 and election
days) or 근로자의 날 (shared/domain/claims-and-documents.md §3.2). The `holidays` package's KR calendar,
categories public and bank (the bank category carries 근로자의 날 before 2026), is the base;
`data/business-days.yaml` adds or removes single days it misses or gets wrong, each with its source.
Every function is pure: no clock is read here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import resources
from typing import Any

import holidays
import yaml

from silson.errors import DataError, Defect

SATURDAY = 5


class CalendarDataError(DataError):
    """The override file is malformed (a defect of the data, not of the user's input)."""


@dataclass(frozen=True)
class Override:
    """One day the library gets wrong, with where the right answer comes from."""

    day: date
    name: str
    source: str
    closed: bool  # True: not a business day although the library says it is; False: the reverse


@dataclass(frozen=True)
class YearlyClosure:
    """A day closed every year from `since` (근로자의 날), whatever the library says."""

    month: int
    day: int
    since: date
    name: str
    source: str


@dataclass(frozen=True)
class CalendarData:
    yearly: tuple[YearlyClosure, ...]
    overrides: tuple[Override, ...]


def _text(entry: dict[str, Any], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise CalendarDataError(f"{where}: '{key}' must be a non-empty text")
    return value


def _date(entry: dict[str, Any], key: str, where: str) -> date:
    value = entry.get(key)
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise CalendarDataError(f"{where}: '{key}' must be a date YYYY-MM-DD")


def parse_calendar_data(*, raw: Any) -> CalendarData:
    """Read the override file's content; every entry must name its source and its date.

    >>> parse_calendar_data(raw={"yearly": [], "closed": [{"date": "2030-01-02", "name": "임시공휴일",
    ...     "source": "관보 (example)", "checked": "2029-12-01"}], "open": []}).overrides[0].closed
    True
    """
    if not isinstance(raw, dict) or set(raw) != {"yearly", "closed", "open"}:
        raise CalendarDataError("business-days.yaml: keys must be exactly yearly, closed, open")
    yearly: list[YearlyClosure] = []
    for i, entry in enumerate(raw["yearly"] or []):
        where = f"business-days.yaml: yearly[{i}]"
        _date(entry, "checked", where)
        month_day = _text(entry, "month_day", where)
        try:
            month, day = (int(part) for part in month_day.split("-"))
            date(2000, month, day)  # a leap year: every real month-day is valid
        except ValueError:
            raise CalendarDataError(f"{where}: month_day must be MM-DD") from None
        yearly.append(YearlyClosure(month, day, _date(entry, "since", where), _text(entry, "name", where),
                                    _text(entry, "source", where)))  # fmt: skip
    overrides: list[Override] = []
    for key in ("closed", "open"):
        for i, entry in enumerate(raw[key] or []):
            where = f"business-days.yaml: {key}[{i}]"
            _date(entry, "checked", where)
            overrides.append(
                Override(
                    _date(entry, "date", where),
                    _text(entry, "name", where),
                    _text(entry, "source", where),
                    closed=key == "closed",
                )
            )
    days = [o.day for o in overrides]
    if len(days) != len(set(days)):
        raise CalendarDataError("business-days.yaml: a day is listed twice")
    return CalendarData(tuple(yearly), tuple(overrides))


@cache
def _data() -> CalendarData:
    text = resources.files("silson.payments").joinpath("data/business-days.yaml").read_text(encoding="utf-8")
    return parse_calendar_data(raw=yaml.safe_load(text))


def merge_closed_days(*, year: int, base: Mapping[date, str], data: CalendarData) -> dict[date, str]:
    """The library's closed days of `year`, with the data file's yearly rule and single-day fixes applied.

    >>> fix = CalendarData(yearly=(), overrides=(Override(date(2025, 10, 10), "임시공휴일", "관보 (example)", True),))
    >>> sorted(merge_closed_days(year=2025, base={date(2025, 10, 9): "한글날"}, data=fix).values())
    ['임시공휴일', '한글날']
    """
    closed = dict(base)
    for rule in data.yearly:
        day = date(year, rule.month, rule.day)
        if day >= rule.since:
            closed.setdefault(day, rule.name)
    for override in data.overrides:
        if override.day.year != year:
            continue
        if override.closed:
            closed[override.day] = override.name
        else:
            closed.pop(override.day, None)
    return closed


@cache
def _closed_days(year: int) -> dict[date, str]:
    """Every non-business day of a year that is not a weekend, with its name."""
    base = holidays.country_holidays("KR", years=year, categories=("public", "bank"), language="ko")
    return merge_closed_days(year=year, base={day: str(name) for day, name in base.items()}, data=_data())


def holiday_name(*, day: date) -> str | None:
    """The name of the holiday that closes `day`, or None (weekends are not named).

    >>> holiday_name(day=date(2025, 10, 8))
    '추석 대체 휴일'
    >>> holiday_name(day=date(2025, 5, 1))
    '근로자의날'
    """
    return _closed_days(day.year).get(day)


def is_business_day(*, day: date) -> bool:
    """Whether `day` is a 영업일: not a weekend, a 관공서 공휴일 or 근로자의 날.

    >>> is_business_day(day=date(2025, 10, 10)), is_business_day(day=date(2025, 6, 3))
    (True, False)
    """
    return day.weekday() < SATURDAY and day not in _closed_days(day.year)


def add_business_days(*, start: date, count: int) -> date:
    """The `count`-th business day after `start`; `start` itself is not counted (민법 제157조 초일 불산입).

    Hi1701 공통조항 제9조① pays "접수한 날부터 3영업일 이내": received Tue 2025-09-30, the three
    business days after it are 10-01, 10-02 and 10-10 (10-03 개천절, weekend, 추석 10-05–07, 10-08
    대체공휴일, 10-09 한글날) (claims-and-documents.md §3.5, example 1).

    >>> add_business_days(start=date(2025, 9, 30), count=3)
    datetime.date(2025, 10, 10)
    >>> add_business_days(start=date(2025, 9, 30), count=0)
    datetime.date(2025, 9, 30)
    """
    if count < 0:
        raise Defect("count must be 0 or more")
    day, left = start, count
    while left:
        day += timedelta(days=1)
        if is_business_day(day=day):
            left -= 1
    return day
