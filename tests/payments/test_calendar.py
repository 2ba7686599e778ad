"""Korean business days: the `holidays` base, 근로자의 날, and the override file merged over it."""

from __future__ import annotations

from datetime import date

import pytest

from silson.errors import Defect
from silson.payments.calendar import (
    CalendarData,
    CalendarDataError,
    Override,
    YearlyClosure,
    add_business_days,
    holiday_name,
    is_business_day,
    merge_closed_days,
    parse_calendar_data,
)


class TestIsBusinessDay:
    @pytest.mark.parametrize(
        ("day", "why"),
        [
            ("2024-10-01", "국군의 날 임시공휴일"),
            ("2025-01-27", "임시공휴일 before 설날"),
            ("2025-06-03", "제21대 대통령선거"),
            ("2024-04-10", "제22대 국회의원선거"),
            ("2025-10-08", "추석 대체공휴일"),
            ("2025-05-06", "어린이날·부처님오신날 대체공휴일"),
            ("2025-03-03", "삼일절 대체공휴일"),
            ("2015-08-14", "임시공휴일 (광복 70주년)"),
            ("2016-05-06", "임시공휴일"),
            ("2017-05-09", "제19대 대통령선거"),
            ("2017-10-02", "임시공휴일"),
            ("2020-08-17", "임시공휴일"),
            ("2022-03-09", "제20대 대통령선거"),
            ("2023-10-02", "임시공휴일"),
            ("2026-06-03", "지방선거"),
            ("2025-10-04", "Saturday"),
            ("2025-10-05", "Sunday and 추석 전날"),
        ],
    )
    def test_holidays_elections_and_weekends_are_not_business_days(self, day: str, why: str) -> None:
        assert not is_business_day(day=date.fromisoformat(day)), why

    @pytest.mark.parametrize("year", range(2015, 2028))
    def test_workers_day_is_never_a_business_day(self, year: int) -> None:
        # 근로자의 날 (노동절 from 2026): not a 관공서 공휴일 before 2026, but the terms exclude it (§3.2)
        assert not is_business_day(day=date(year, 5, 1))

    @pytest.mark.parametrize(
        "day",
        ["2025-10-10", "2025-10-02", "2025-12-31", "2025-05-02", "2024-10-02", "2025-06-04"],
    )
    def test_ordinary_weekdays_are_business_days(self, day: str) -> None:
        assert is_business_day(day=date.fromisoformat(day))

    def test_the_holiday_is_named(self) -> None:
        assert holiday_name(day=date(2025, 10, 8)) == "추석 대체 휴일"
        assert holiday_name(day=date(2025, 10, 10)) is None


class TestAddBusinessDays:
    def test_chuseok_2025_received_the_last_day_before_the_break(self) -> None:
        # Thu 2025-10-02; 10-03 개천절, 10-04/05 weekend, 10-06/07 추석, 10-08 대체, 10-09 한글날;
        # Fri 10-10 (1), Mon 10-13 (2), Tue 10-14 (3)
        assert add_business_days(start=date(2025, 10, 2), count=3) == date(2025, 10, 14)

    def test_friday_before_seollal_2025(self) -> None:
        # Fri 2025-01-24; weekend, 01-27 임시공휴일, 01-28..30 설날; Fri 01-31 (1), Mon 02-03 (2), Tue 02-04 (3)
        assert add_business_days(start=date(2025, 1, 24), count=3) == date(2025, 2, 4)

    def test_workers_day_and_childrens_day_2025(self) -> None:
        # §3.5 example 2: Wed 04-30; 05-01 근로자의 날; Fri 05-02 (1); weekend; 05-05, 05-06 (대체); Wed 05-07 (2); Thu 05-08 (3)
        assert add_business_days(start=date(2025, 4, 30), count=3) == date(2025, 5, 8)

    def test_receipt_on_a_holiday_counts_from_the_next_business_day(self) -> None:
        # received on 추석 (Mon 2025-10-06): 10-10 (1), 10-13 (2), 10-14 (3)
        assert add_business_days(start=date(2025, 10, 6), count=3) == date(2025, 10, 14)

    def test_thirty_business_days_cross_the_election(self) -> None:
        # §3.5 example 2's latest 지급예정일: 30 business days after 2025-04-30 skip 06-03 (선거) and 06-06 (현충일)
        assert add_business_days(start=date(2025, 4, 30), count=30) == date(2025, 6, 18)

    def test_negative_count_is_the_callers_defect(self) -> None:
        with pytest.raises(Defect, match="count"):
            add_business_days(start=date(2025, 1, 1), count=-1)


class TestOverrideFile:
    def entry(self, **changes: object) -> dict[str, object]:
        return {"date": "2030-01-02", "name": "임시공휴일", "source": "관보 (test)", "checked": "2029-12-20"} | changes

    def test_a_closed_day_is_added_and_an_open_day_removed(self) -> None:
        data = CalendarData(
            yearly=(YearlyClosure(5, 1, date(1994, 5, 1), "근로자의 날", "법률"),),
            overrides=(
                Override(date(2030, 1, 2), "임시공휴일", "관보", closed=True),
                Override(date(2030, 1, 1), "신정", "관보", closed=False),
            ),
        )
        merged = merge_closed_days(year=2030, base={date(2030, 1, 1): "신정"}, data=data)
        assert merged == {date(2030, 1, 2): "임시공휴일", date(2030, 5, 1): "근로자의 날"}

    def test_the_yearly_rule_keeps_the_librarys_name_and_starts_at_since(self) -> None:
        data = CalendarData(yearly=(YearlyClosure(5, 1, date(1994, 5, 1), "근로자의 날", "법률"),), overrides=())
        assert merge_closed_days(year=2026, base={date(2026, 5, 1): "노동절"}, data=data) == {
            date(2026, 5, 1): "노동절"
        }
        assert merge_closed_days(year=1993, base={}, data=data) == {}

    def test_an_entry_without_source_is_refused(self) -> None:
        with pytest.raises(CalendarDataError, match="closed\\[0\\]: 'source'"):
            parse_calendar_data(raw={"yearly": [], "closed": [self.entry(source="")], "open": []})

    def test_an_entry_without_checked_date_is_refused(self) -> None:
        with pytest.raises(CalendarDataError, match="'checked'"):
            parse_calendar_data(raw={"yearly": [], "closed": [], "open": [self.entry(checked=None)]})

    def test_a_day_both_closed_and_open_is_refused(self) -> None:
        with pytest.raises(CalendarDataError, match="twice"):
            parse_calendar_data(raw={"yearly": [], "closed": [self.entry()], "open": [self.entry()]})

    def test_unknown_keys_are_refused(self) -> None:
        with pytest.raises(CalendarDataError, match="exactly"):
            parse_calendar_data(raw={"yearly": [], "closed": [], "open": [], "extra": []})
