"""The edge of `silson interest`: its flags read into typed input, its result as JSON or Korean text.

The contract is shared/claims-format.md §3 (`silson-interest/1`; fields may be added, never renamed).
Amounts are integer won; exact figures are added as fraction strings ("9000/73") for callers that check
the sums. Flag errors are `InterestInputError`s naming the field, so the CLI prints one line per error.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from silson.domain import bounds
from silson.payments.interest import InterestInputError, InterestResult, parse_percent

FORMAT = "silson-interest/1"
BASIS = "Hi1701 공통조항 제9조①④, 부표1 보험금을 지급할 때의 적립이율 계산"


_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_WON = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class InterestFlags:
    received: date
    paid: date
    amount: int
    loan_rate: Decimal
    advance: tuple[int, date] | None  # (amount, day paid)


def _day(field: str, text: str | None) -> date:
    if text is None:
        raise InterestInputError(field, "required (YYYY-MM-DD)")
    try:
        if _ISO_DAY.fullmatch(text.strip()):
            return bounds.day(date.fromisoformat(text.strip()))
    except bounds.BoundsError as exc:
        raise InterestInputError(field, str(exc)) from None
    except ValueError:
        pass
    raise InterestInputError(field, f"'{bounds.shown(text)}' is not a date (YYYY-MM-DD)")


def _won(field: str, text: str | None) -> int:
    if text is None:
        raise InterestInputError(field, "required (whole won)")
    if not _WON.fullmatch(text.strip()) or len(text.strip()) > 30:
        raise InterestInputError(field, f"'{bounds.shown(text)}' is not a whole number of won, 0 or more")
    try:
        return bounds.won(text)
    except bounds.BoundsError as exc:
        raise InterestInputError(field, str(exc)) from None


def parse_flags(
    *,
    received: str | None,
    paid: str | None,
    amount: str | None,
    loan_rate: str | None,
    advance: str | None = None,
    advance_date: str | None = None,
) -> InterestFlags:
    """The command's flags as typed input; the first bad one raises, naming its field.

    >>> parse_flags(received="2025-09-30", paid="2025-12-15", amount="1000000", loan_rate="4.5").loan_rate
    Decimal('4.5')
    >>> parse_flags(received="2025-09-30", paid="2025-12-15", amount="-1", loan_rate="4.5")
    Traceback (most recent call last):
    silson.payments.interest.InterestInputError: '-1' is not a whole number of won, 0 or more
    """
    received_day, paid_day, amount_won = _day("received", received), _day("paid", paid), _won("amount", amount)
    if loan_rate is None:
        raise InterestInputError("loan_rate", "required (percent a year, e.g. 4.5)")
    try:
        rate = parse_percent(text=loan_rate)
    except ValueError as exc:
        raise InterestInputError("loan_rate", str(exc)) from None
    if advance is not None and advance_date is None:
        raise InterestInputError("advance_date", "required with --advance")
    if advance is None and advance_date is not None:
        raise InterestInputError("advance", "required with --advance-date")
    paid_early = None
    if advance is not None:
        paid_early = (_won("advance", advance), _day("advance_date", advance_date))
    return InterestFlags(received_day, paid_day, amount_won, rate, paid_early)


def percent_text(rate: Decimal) -> str:
    """A rate as the contract writes it: "4.5%", "10.5%", "8%".

    >>> percent_text(Decimal("4.50")), percent_text(Decimal("10.0")), percent_text(Decimal("12.5"))
    ('4.5%', '10%', '12.5%')
    """
    return f"{rate.normalize():f}%"


def _won_2dp(amount: Fraction) -> str:
    """An exact amount shown to 0.01 won, cut down (for reading only; the total is cut once)."""
    cents = math.floor(amount * 100)
    return f"{cents // 100:,}.{cents % 100:02d}"


def to_json(result: InterestResult) -> dict[str, Any]:
    advance = result.advance
    return {
        "format": FORMAT,
        "due": result.due.isoformat(),
        "days_late": result.days_late,
        "interest": result.interest,
        "periods": [
            {
                "from": p.first.isoformat(),
                "to": p.last.isoformat(),
                "days": p.days,
                "rate": percent_text(p.rate_percent),
                "principal": math.floor(p.principal),
                "principal_exact": str(p.principal),
                "first_day": p.first_k,
                "interest_exact": str(p.interest),
            }
            for p in result.periods
        ],
        "interest_exact": str(result.interest_exact),
        "received": result.received.isoformat(),
        "paid": result.paid.isoformat(),
        "amount": result.amount,
        "loan_rate": percent_text(result.loan_rate),
        "advance": None if advance is None else {"amount": advance.amount, "date": advance.paid_on.isoformat()},
        "due_receipt_day_counted": result.due_receipt_day_counted.isoformat(),
        "latest_scheduled": result.latest_scheduled.isoformat(),
        "rate_table": result.table.version.isoformat(),
        "basis": BASIS,
    }


def to_text(result: InterestResult) -> str:
    lines = [
        f"지연이자 ({BASIS}, {result.table.version} 부표)",
        f"서류 접수일 {result.received} → 지급기일 {result.due} (접수일 다음 날부터 3영업일)",
        f"지급일 {result.paid} · 지연일수 {result.days_late}일 · 보험금 {result.amount:,}원"
        f" · 보험계약대출이율 연 {percent_text(result.loan_rate)}",
    ]
    if result.advance is not None:
        lines.append(f"가지급 {result.advance.amount:,}원 ({result.advance.paid_on} 지급, 그 다음 날부터 이자 제외)")
    if not result.periods:
        lines.append("지급기일 안에 지급되어 지연이자가 없습니다.")
    for p in result.periods:
        lines.append(
            f"  {p.first} ~ {p.last}  {p.days:>3}일 (제{p.first_k:>3}일부터)  연 {percent_text(p.rate_percent):>6}"
            f"  원금 {_won_2dp(p.principal)}원  이자 {_won_2dp(p.interest)}원"
        )
    lines.append(f"지연이자 합계 {result.interest:,}원 (절사 전 {_won_2dp(result.interest_exact)}…원, 원 미만 절사)")
    if result.due_receipt_day_counted != result.due:
        lines.append(f"참고: 접수일을 1일째로 세는 보험사라면 지급기일은 {result.due_receipt_day_counted}입니다.")
    return "\n".join(lines)
