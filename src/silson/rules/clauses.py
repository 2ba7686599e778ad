"""The arithmetic several formula families share, one function per clause.

Each clause of the terms that more than one generation writes the same way is computed here once:
the larger of a fixed amount and a rate (공제금액), a self-pay share capped per year (연간 자기부담
한도), half the room difference within a daily average (상급병실료 차액), the share of an admission's
days inside the cover (일수 비례), and the 40 % paid to a person outside national insurance (국민건강보험
미적용). The formula modules (`combined.py`, `split.py`) read the parameters, call these, and write
the trace step with the clause's own `ref`. Pure: amounts in, exact amounts out; rounding stays with
the caller's clause (`money.truncate_won`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from silson.rules.money import Won, percent_of, truncate_won
from silson.rules.periods import plus_days


def larger_deductible(fixed: Won, *shares: Fraction) -> Fraction:
    """공제금액 = max(fixed amount, rate-based amounts): Hi1701 질병통원 제1조② (선택형Ⅱ: 1만원과
    공제기준금액 중 큰 금액), 4세대 max(1만원, 20%), 5세대 with the copay-rate term, and the 3대비급여
    of the 비급여 특약 (riders.py: 1회당 max(3만원, 30%), the minimum times the sessions).

    >>> larger_deductible(10000, percent_of(20000, 10) + percent_of(30000, 20))
    Fraction(10000, 1)
    >>> larger_deductible(30000, percent_of(400000, 30))
    Fraction(120000, 1)
    >>> larger_deductible(30000 * 10, percent_of(1000000, 30))  # 도수치료 10회 (own-s21-manual-therapy-10)
    Fraction(300000, 1)
    """
    return max(Fraction(fixed), *shares)


def capped_share(share: Fraction, *, cap: Won | None, used: Fraction) -> Fraction:
    """A self-pay share under a yearly cap: what is left of the cap after `used`, at most the share
    (Hi1701 질병입원 제1조: 연간 200만원을 넘는 자기부담은 보상; 4세대 급여 입원; 5세대 중증 연간 공제 500만원).
    No cap: the share.

    >>> capped_share(Fraction(5000000), cap=2000000, used=Fraction(0))
    Fraction(2000000, 1)
    >>> capped_share(Fraction(300000), cap=2000000, used=Fraction(1900000))
    Fraction(100000, 1)
    >>> capped_share(Fraction(300000), cap=None, used=Fraction(9000000))
    Fraction(300000, 1)
    """
    if cap is None:
        return share
    return min(share, max(Fraction(0), cap - used))


@dataclass(frozen=True, slots=True)
class RoomPay:
    """상급병실료 차액: what the terms pay of it, and the two figures the trace shows."""

    half: Won  # the difference less the person's rate
    cap: Won  # daily average × days
    pay: Won


def room_difference(room: Won, *, selfpay_rate: int, daily_cap: Won, days: int) -> RoomPay:
    """상급병실료 차액 = (차액 − 본인 50%), at most 1일평균 × 입원일수 (Hi1701 질병입원 제1조 주;
    4세대·5세대 비급여 입원).

    >>> room_difference(1200000, selfpay_rate=50, daily_cap=100000, days=5)
    RoomPay(half=600000, cap=500000, pay=500000)
    >>> room_difference(300001, selfpay_rate=50, daily_cap=100000, days=5)
    RoomPay(half=150000, cap=500000, pay=150000)
    """
    half = truncate_won(room - percent_of(room, selfpay_rate))
    cap = daily_cap * days
    return RoomPay(half, cap, min(half, cap))


def uninsured_share(amount: Fraction | Won, *, rate: int) -> Fraction:
    """국민건강보험 미적용: the person's costs less the deductible, times the terms' rate (40 %:
    Hi1701 질병통원 제2조④; 질병입원 likewise).

    >>> uninsured_share(Fraction(90000), rate=40)
    Fraction(36000, 1)
    """
    return percent_of(1, rate) * amount


def days_inside(total_days: int, covered_days: int) -> Fraction:
    """일수 비례: the share of an admission's days that fall inside the cover (after the term ends:
    보험기간 종료일부터 180일까지; before it starts: 0).

    >>> days_inside(10, 4)
    Fraction(2, 5)
    >>> days_inside(10, 10)
    Fraction(1, 1)
    """
    if total_days <= 0:
        return Fraction(1)
    return Fraction(covered_days, total_days)


def restoration_day(*, exhausted_on: date, first_admission: date, wait_days: int, window_days: int) -> date:
    """보상한도 복원: after the amount is used up (보상한도종료일), the same condition is paid again from
    the later of `wait_days` days past that day and `window_days` days from the first admission
    (Hi1701 질병입원 제2조②: 90일 경과 / 최초입원일부터 365일). The terms' own example: 최초입원일
    2014-03-01, 보상한도종료일 2014-07-31 → 보상제외 2014-08-01–2015-02-28, 2015-03-01부터 보상재개.

    >>> restoration_day(exhausted_on=date(2014, 7, 31), first_admission=date(2014, 3, 1), wait_days=90,
    ...                 window_days=365)
    datetime.date(2015, 3, 1)
    >>> restoration_day(exhausted_on=date(2014, 12, 31), first_admission=date(2014, 3, 1), wait_days=90,
    ...                 window_days=365)
    datetime.date(2015, 4, 1)
    """
    return max(plus_days(exhausted_on, wait_days + 1), plus_days(first_admission, window_days))
