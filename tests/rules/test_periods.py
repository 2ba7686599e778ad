"""Contract years and statute periods, at their edges."""

from __future__ import annotations

from datetime import date

from silson.rules.periods import add_years, contract_year, overlap_days


class TestContractYear:
    def test_day_before_anniversary_is_still_the_first_year(self) -> None:
        assert contract_year(date(2017, 2, 1), date(2018, 1, 31)) == 0

    def test_anniversary_starts_the_next_year(self) -> None:
        assert contract_year(date(2017, 2, 1), date(2018, 2, 1)) == 1

    def test_leap_day_contract_turns_on_28_february(self) -> None:
        assert contract_year(date(2016, 2, 29), date(2017, 2, 27)) == 0
        assert contract_year(date(2016, 2, 29), date(2017, 2, 28)) == 1

    def test_before_the_start_is_no_contract_year(self) -> None:
        assert contract_year(date(2017, 2, 1), date(2017, 1, 31)) == -1


class TestPeriods:
    def test_three_years_from_a_leap_day(self) -> None:
        assert add_years(date(2020, 2, 29), 3) == date(2023, 2, 28)

    def test_overlap_counts_both_ends(self) -> None:
        assert overlap_days(date(2018, 3, 26), date(2018, 4, 4), date(2018, 3, 31), None) == 5
        assert overlap_days(date(2017, 2, 25), date(2017, 9, 30), date(2017, 1, 1), date(2017, 8, 27)) == 184
        assert overlap_days(date(2017, 1, 1), date(2017, 1, 5), date(2017, 2, 1), None) == 0
