"""다수보험 비례보상: several 실손 contracts on one event share what is owed.

공통조항 제42조, in the words of the Hi1701 terms (가입자유의사항 p.12): when the contracts' 보상책임액
together exceed the highest 보상대상의료비 among them less the smallest 피보험자부담 공제금액 among
them, each pays that base in proportion to its 보상책임액. Each share is cut to whole won, as each
insurer computes its own; the shares then total at most the base (the person never gets more than
the best single contract would give).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from silson.rules.decision import TraceStep
from silson.rules.money import truncate_won, won


@dataclass(frozen=True, slots=True)
class Claimant:
    """One contract's figures for one event, as sharing needs them."""

    liability: int  # 보상책임액, computed as if no other contract existed
    eligible: int  # 보상대상의료비
    deductible: Fraction  # 피보험자부담 공제금액
    citation: str  # the sharing clause as this contract's terms cite it


def share(claimants: Sequence[Claimant]) -> list[tuple[int, list[TraceStep]]]:
    """What each claimant pays, with the trace of the sharing step.

    >>> c = Claimant(40000, 50000, Fraction(10000), "제42조")
    >>> [amount for amount, _ in share([c, c])]
    [20000, 20000]
    """
    paying = [c for c in claimants if c.liability > 0]
    if len(paying) < 2:
        return [(c.liability, []) for c in claimants]
    total = sum(c.liability for c in paying)
    base = max(c.eligible for c in paying) - min(c.deductible for c in paying)
    if total <= base:
        note = (
            f"다수보험 {len(paying)}건: 보상책임액 합계 {won(total)} ≤ 보상대상의료비 최고액 − 공제금액 최소액 "
            f"{won(base)} → 각자 전액"
        )
        return [(c.liability, [TraceStep(c.citation, note)] if c.liability else []) for c in claimants]
    result: list[tuple[int, list[TraceStep]]] = []
    for c in claimants:
        if c.liability == 0:
            result.append((0, []))
            continue
        amount = truncate_won(base * Fraction(c.liability, total))
        text = (
            f"다수보험 {len(paying)}건 비례보상: 기준 {won(max(p.eligible for p in paying))} − "
            f"{won(min(p.deductible for p in paying))} = {won(base)} < 보상책임액 합계 {won(total)} → "
            f"{won(base)} × {won(c.liability)} / {won(total)} = {won(amount)}"
        )
        result.append((amount, [TraceStep(c.citation, text)]))
    return result
