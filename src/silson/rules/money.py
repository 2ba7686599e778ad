"""Exact money arithmetic for the rules: integer won, exact rates, one rounding rule.

Rates are whole percents applied with `Fraction`, so nothing is lost before a clause decides
what the person gets. Rounding happens in exactly one place, `truncate_won`: an amount payable
under a clause is cut to whole won (원 미만 절사) at the end of that clause's computation. The
deductible it is compared against stays exact, so a fractional share never costs the person a
won it would otherwise get, and a payout is never above the exact figure by a fraction either.
"""

from __future__ import annotations

from fractions import Fraction

Won = int
Exact = Fraction | int


def percent_of(amount: Won, percent: int) -> Fraction:
    """The exact `percent`% share of `amount`.

    >>> percent_of(30000, 10) + percent_of(70000, 20)
    Fraction(17000, 1)
    >>> percent_of(12345, 10)
    Fraction(2469, 2)
    """
    return Fraction(amount * percent, 100)


def truncate_won(amount: Exact) -> Won:
    """Cut an exact amount down to whole won (원 미만 절사); never below zero.

    >>> truncate_won(Fraction(2469, 2))
    1234
    >>> truncate_won(Fraction(-3, 2))
    0
    """
    if amount <= 0:
        return 0
    return int(amount // 1)


def won(amount: Exact) -> str:
    """Format for traces: thousands separators, fractions shown to the jeon they carry.

    >>> won(1234567)
    '1,234,567'
    >>> won(Fraction(2469, 2))
    '1,234.5'
    """
    if isinstance(amount, Fraction) and amount.denominator != 1:
        whole = amount.numerator // amount.denominator
        rest = amount - whole
        ten_thousandths = rest.numerator * 10000 // rest.denominator
        return f"{whole:,}." + f"{ten_thousandths:04d}".rstrip("0")
    return f"{int(amount):,}"
