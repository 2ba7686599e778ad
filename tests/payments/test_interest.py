"""Late-payment interest (지연이자), Hi1701 공통조항 제9조 and the 2016-04 부표: figures worked by hand."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from silson.payments.interest import (
    Advance,
    InterestInputError,
    InterestResult,
    RateTableError,
    due_date,
    late_payment_interest,
    load_rate_table,
    parse_percent,
    parse_rate_table,
)

R = Decimal("4.5")  # the illustrative 보험계약대출이율 of §3.5


def interest(received: date, paid: date, amount: int, advance: Advance | None = None) -> InterestResult:
    return late_payment_interest(received=received, paid=paid, amount=amount, loan_rate=R, advance=advance)


def spans(result: InterestResult) -> list[tuple[str, str, int, str, Fraction]]:
    return [(p.first.isoformat(), p.last.isoformat(), p.days, str(p.rate_percent), p.principal) for p in result.periods]


class TestWorkedExamples:
    def test_example_1_chuseok_2025_paid_66_days_late(self) -> None:
        # due 2025-10-10; 12-15 − 10-10 = 66 days: 30 at 4.5 %, 30 at 8.5 %, 6 at 10.5 %
        # 1,000,000 × (0.045×30 + 0.085×30 + 0.105×6) / 365 = 4,530,000 / 365 = 12,410.96 → 12,410
        result = interest(date(2025, 9, 30), date(2025, 12, 15), 1_000_000)
        assert result.due == date(2025, 10, 10)
        assert result.days_late == 66
        assert result.interest_exact == Fraction(4_530_000, 365)
        assert result.interest == 12_410
        assert spans(result) == [
            ("2025-10-11", "2025-11-09", 30, "4.5", 1_000_000),
            ("2025-11-10", "2025-12-09", 30, "8.5", 1_000_000),
            ("2025-12-10", "2025-12-15", 6, "10.5", 1_000_000),
        ]
        assert result.due_receipt_day_counted == date(2025, 10, 2)  # convention B of §3.2
        assert result.latest_scheduled == date(2025, 11, 18)

    def test_example_2_advance_then_balance(self) -> None:
        # due 2025-05-08; 가지급 1,000,000 on 05-20, balance 1,400,000 on 06-10: 33 days
        # 05-09..05-20 (12 days) on 2,400,000 at 4.5 %: 1,296,000/365
        # 05-21..06-07 (days 13–30, 18 days) on 1,400,000 at 4.5 %: 1,134,000/365
        # 06-08..06-10 (days 31–33) on 1,400,000 at 8.5 %: 357,000/365
        # total 2,787,000/365 = 7,635.62 → 7,635 (the note's 1,479 + 6,156 per part gives the same)
        result = interest(date(2025, 4, 30), date(2025, 6, 10), 2_400_000, Advance(1_000_000, date(2025, 5, 20)))
        assert (result.due, result.days_late, result.interest) == (date(2025, 5, 8), 33, 7_635)
        assert result.interest_exact == Fraction(2_787_000, 365)
        assert spans(result) == [
            ("2025-05-09", "2025-05-20", 12, "4.5", 2_400_000),
            ("2025-05-21", "2025-06-07", 18, "4.5", 1_400_000),
            ("2025-06-08", "2025-06-10", 3, "8.5", 1_400_000),
        ]
        assert result.latest_scheduled == date(2025, 6, 18)

    def test_example_2_without_the_advance(self) -> None:
        # 2,400,000 × (0.045×30 + 0.085×3) / 365 = 3,852,000 / 365 = 10,553.42 → 10,553
        assert interest(date(2025, 4, 30), date(2025, 6, 10), 2_400_000).interest == 10_553


class TestDueDate:
    def test_received_on_the_last_business_day_before_chuseok_2025(self) -> None:
        # Thu 2025-10-02 → Fri 10-10 (1), Mon 10-13 (2), Tue 10-14 (3); paid Mon 10-20: 6 days
        # 1,000,000 × 0.045 × 6 / 365 = 270,000/365 = 739.73 → 739
        result = interest(date(2025, 10, 2), date(2025, 10, 20), 1_000_000)
        assert result.due == date(2025, 10, 14)
        assert (result.days_late, result.interest) == (6, 739)

    def test_received_on_the_friday_before_seollal_2025(self) -> None:
        assert due_date(received=date(2025, 1, 24)) == date(2025, 2, 4)

    def test_paid_on_the_due_date_owes_nothing(self) -> None:
        result = interest(date(2025, 9, 30), date(2025, 10, 10), 1_000_000)
        assert (result.days_late, result.interest, result.periods) == (0, 0, ())

    def test_paid_before_the_due_date_owes_nothing(self) -> None:
        result = interest(date(2025, 9, 30), date(2025, 10, 1), 1_000_000)
        assert (result.days_late, result.interest) == (0, 0)

    def test_first_day_after_the_due_date_earns_one_day(self) -> None:
        # 1,000,000 × 0.045 / 365 = 123.29 → 123
        assert interest(date(2025, 9, 30), date(2025, 10, 11), 1_000_000).interest == 123


class TestCompounding:
    def test_a_400_day_delay_adds_the_first_years_interest_to_the_principal(self) -> None:
        # §3.5 "over a year": year 1 = 1,000,000 × (0.045×30 + 0.085×30 + 0.105×30 + 0.125×275)/365
        #   = 41,425,000/365 = 113,493.15; principal from day 366 = 81,285,000/73 = 1,113,493.15
        # days 366–400: 1,113,493.15 × 0.125 × 35/365 = 13,346.66; total 126,839.81 → 126,839
        result = interest(date(2025, 9, 30), date(2025, 10, 10) + timedelta(days=400), 1_000_000)
        assert result.days_late == 400
        assert result.interest == 126_839
        assert spans(result)[-2:] == [
            ("2026-01-09", "2026-10-10", 275, "12.5", 1_000_000),  # days 91–365
            ("2026-10-11", "2026-11-14", 35, "12.5", Fraction(81_285_000, 73)),  # days 366–400
        ]

    def test_each_year_joins_again_at_day_730(self) -> None:
        # P1 = 81,285,000/73; year 2 = P1 × 0.125 = 139,186.64; P2 = P1 × 1.125 = 91,445,625/73
        # day 731: P2 × 0.125/365 = 429.00; total 113,493.15 + 139,186.64 + 429.00 = 253,108.79 → 253,108
        result = interest(date(2025, 9, 30), date(2025, 10, 10) + timedelta(days=731), 1_000_000)
        assert result.interest == 253_108
        assert spans(result)[-1] == ("2027-10-11", "2027-10-11", 1, "12.5", Fraction(91_445_625, 73))

    def test_leap_years_divide_by_365_too(self) -> None:
        # due 2028-02-17 (Mon 02-14 received); 02-18..03-18 = 30 days across 02-29
        # 365,000 × 0.045 × 30 / 365 = 1,350 exactly (a 366-day year would give 1,346)
        result = interest(date(2028, 2, 14), date(2028, 3, 18), 365_000)
        assert (result.due, result.days_late, result.interest_exact) == (date(2028, 2, 17), 30, 1_350)


class TestAdvance:
    def test_an_advance_paid_before_the_due_date_never_earns(self) -> None:
        # due 2025-10-10; 400,000 advanced 10-08; 600,000 × 0.045 × 10/365 = 270,000/365 = 739.73 → 739
        result = interest(date(2025, 9, 30), date(2025, 10, 20), 1_000_000, Advance(400_000, date(2025, 10, 8)))
        assert result.interest == 739
        assert spans(result) == [("2025-10-11", "2025-10-20", 10, "4.5", 600_000)]

    def test_an_advance_of_everything_earns_up_to_its_own_day(self) -> None:
        # 1,000,000 advanced 10-15: days 10-11..10-15 earn 1,000,000 × 0.045 × 5/365 = 616.44 → 616; then nothing
        result = interest(date(2025, 9, 30), date(2025, 10, 20), 1_000_000, Advance(1_000_000, date(2025, 10, 15)))
        assert result.interest == 616
        assert spans(result) == [
            ("2025-10-11", "2025-10-15", 5, "4.5", 1_000_000),
            ("2025-10-16", "2025-10-20", 5, "4.5", 0),
        ]

    def test_an_advance_on_the_payment_day_changes_nothing(self) -> None:
        with_advance = interest(date(2025, 9, 30), date(2025, 12, 15), 1_000_000, Advance(500_000, date(2025, 12, 15)))
        assert with_advance.interest == 12_410


class TestRefusedInput:
    @pytest.mark.parametrize(
        ("field", "kwargs"),
        [
            ("paid", {"paid": date(2025, 9, 29)}),
            ("amount", {"amount": -1}),
            ("advance", {"advance": Advance(1_000_001, date(2025, 10, 1))}),
            ("advance", {"advance": Advance(-1, date(2025, 10, 1))}),
            ("advance_date", {"advance": Advance(1, date(2025, 9, 29))}),
            ("advance_date", {"advance": Advance(1, date(2025, 12, 16))}),
        ],
    )
    def test_the_field_at_fault_is_named(self, field: str, kwargs: dict[str, object]) -> None:
        args: dict[str, object] = {"received": date(2025, 9, 30), "paid": date(2025, 12, 15), "amount": 1_000_000,
                                   "loan_rate": R} | kwargs  # fmt: skip
        with pytest.raises(InterestInputError) as caught:
            late_payment_interest(**args)  # type: ignore[arg-type]
        assert caught.value.field == field

    @pytest.mark.parametrize("text", ["abc", "-1", "101", "NaN", "Infinity", "4.1234567", ""])
    def test_a_bad_loan_rate_is_refused(self, text: str) -> None:
        with pytest.raises(ValueError):
            parse_percent(text=text)


class TestRateTable:
    def test_the_2016_table_has_four_tiers_from_day_1_to_an_open_end(self) -> None:
        table = load_rate_table()
        assert table.version == date(2016, 4, 1)
        assert [(t.from_day, t.to_day, str(t.add_percent)) for t in table.tiers] == [
            (1, 30, "0"), (31, 60, "4.0"), (61, 90, "6.0"), (91, None, "8.0"),
        ]  # fmt: skip
        assert all("보험계약대출이율" in t.reference for t in table.tiers)

    @pytest.mark.parametrize(
        "tiers",
        [
            [{"from_day": 2, "to_day": None, "add_percent": "0", "reference": "x"}],  # does not start at day 1
            [{"from_day": 1, "to_day": 30, "add_percent": "0", "reference": "x"}],  # no open end
            [{"from_day": 1, "to_day": 30, "add_percent": "0", "reference": "x"},
             {"from_day": 30, "to_day": None, "add_percent": "4", "reference": "x"}],  # overlap
            [{"from_day": 1, "to_day": 30, "add_percent": "0", "reference": "x"},
             {"from_day": 32, "to_day": None, "add_percent": "4", "reference": "x"}],  # gap
        ],
    )  # fmt: skip
    def test_gaps_overlaps_and_missing_ends_are_refused(self, tiers: list[dict[str, object]]) -> None:
        raw = {"reference": "test", "day_count": 365, "compound_every_days": 365, "tiers": tiers}
        with pytest.raises(RateTableError):
            parse_rate_table(version=date(2016, 4, 1), raw=raw)

    def test_no_table_before_2016_04_01(self) -> None:
        with pytest.raises(RateTableError):
            load_rate_table(version=date(2016, 3, 31))


days = st.dates(min_value=date(2016, 4, 1), max_value=date(2027, 12, 31))
amounts = st.integers(min_value=0, max_value=10**10)
delays = st.integers(min_value=0, max_value=800)
rates = st.decimals(min_value=0, max_value=20, places=2, allow_nan=False, allow_infinity=False)


class TestProperties:
    @settings(max_examples=60, deadline=None)
    @given(received=days, delay=delays, extra=st.integers(min_value=1, max_value=60), amount=amounts, rate=rates)
    def test_interest_never_falls_when_payment_comes_later(
        self, received: date, delay: int, extra: int, amount: int, rate: Decimal
    ) -> None:
        earlier = late_payment_interest(received=received, paid=received + timedelta(days=delay), amount=amount,
                                        loan_rate=rate)  # fmt: skip
        later = late_payment_interest(received=received, paid=received + timedelta(days=delay + extra), amount=amount,
                                      loan_rate=rate)  # fmt: skip
        assert 0 <= earlier.interest_exact <= later.interest_exact

    @settings(max_examples=60, deadline=None)
    @given(received=days, delay=delays, amount=amounts, more=amounts, rate=rates)
    def test_interest_never_falls_when_the_amount_grows(
        self, received: date, delay: int, amount: int, more: int, rate: Decimal
    ) -> None:
        paid = received + timedelta(days=delay)
        small = late_payment_interest(received=received, paid=paid, amount=amount, loan_rate=rate)
        large = late_payment_interest(received=received, paid=paid, amount=amount + more, loan_rate=rate)
        assert small.interest <= large.interest

    @settings(max_examples=60, deadline=None)
    @given(received=days, delay=st.integers(min_value=0, max_value=20), amount=amounts, rate=rates)
    def test_nothing_is_owed_when_paid_by_the_due_date(
        self, received: date, delay: int, amount: int, rate: Decimal
    ) -> None:
        paid = min(received + timedelta(days=delay), due_date(received=received))
        result = late_payment_interest(received=received, paid=paid, amount=amount, loan_rate=rate)
        assert (result.interest, result.days_late, result.periods) == (0, 0, ())

    @settings(max_examples=60, deadline=None)
    @given(received=days, delay=delays, amount=amounts, rate=rates)
    def test_periods_cover_every_late_day_and_sum_to_the_total(
        self, received: date, delay: int, amount: int, rate: Decimal
    ) -> None:
        result = late_payment_interest(received=received, paid=received + timedelta(days=delay), amount=amount,
                                       loan_rate=rate)  # fmt: skip
        assert sum(p.days for p in result.periods) == result.days_late
        assert sum((p.interest for p in result.periods), Fraction(0)) == result.interest_exact
        # at most the top tier all along, compounded at most twice in 800 days
        bound = amount * (Fraction(rate) + 8) / 100 * result.days_late / 365 * (1 + (Fraction(rate) + 8) / 100) ** 2
        assert result.interest <= bound
