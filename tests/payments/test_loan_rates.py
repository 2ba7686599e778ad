"""The 보험계약대출이율 table: dated per insurer, with a default, every value marked UNCONFIRMED and
shown to people as an assumption."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from silson.payments.loan_rates import LoanRateError, loan_rate


class TestLoanRate:
    def test_an_insurer_with_its_own_values_gets_them(self) -> None:
        rate = loan_rate(insurer="현대해상", on=date(2025, 10, 10))
        assert (rate.insurer, rate.percent, rate.since, rate.confirmed) == ("현대해상", Decimal("4.5"), date(2014, 1, 1),
                                                                           False)  # fmt: skip

    def test_any_other_insurer_gets_the_default_and_the_note_says_it_is_assumed(self) -> None:
        rate = loan_rate(insurer="삼성화재", on=date(2025, 10, 10))
        assert rate.insurer == "*"
        assert rate.note.startswith("보험계약대출이율 연 4.5% — 가정한 이율(보험사 공시 미확인)")

    def test_a_day_before_the_first_value_is_refused(self) -> None:
        with pytest.raises(LoanRateError):
            loan_rate(insurer="현대해상", on=date(2013, 12, 31))
