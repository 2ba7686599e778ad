"""Per-contract running state that the stateful clauses read and update in date order.

Annual self-pay (자기부담금 연간 한도), visit and prescription counts (연간 180회), and for each
condition the inpatient amount paid against its limit and the dates of the restoration rule
(보상한도 복원). A formula reads the ledger to compute a liability and updates it only through the
commit it returns, after multiple-policy sharing has fixed what is actually paid.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction

AFTER_TERM = -1  # the count bucket of the post-term window (보험기간 종료 후)


@dataclass(slots=True)
class ConditionState:
    """하나의 질병·상해 under one inpatient coverage."""

    paid: int = 0
    first_admission: date | None = None
    exhausted_on: date | None = None  # 보상한도종료일
    resume_on: date | None = None  # 보상 재개일


@dataclass(slots=True)
class Ledger:
    selfpay: dict[tuple[str, int], Fraction] = field(default_factory=dict)
    counts: dict[tuple[str, str, int], int] = field(default_factory=dict)
    conditions: dict[tuple[str, str], ConditionState] = field(default_factory=dict)
    paid: dict[tuple[str, int], int] = field(default_factory=dict)  # per coverage and contract year
    days: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)  # per-day (amount, paid)

    def selfpay_used(self, coverage: str, year: int) -> Fraction:
        return self.selfpay.get((coverage, year), Fraction(0))

    def add_selfpay(self, coverage: str, year: int, amount: Fraction) -> None:
        self.selfpay[(coverage, year)] = self.selfpay_used(coverage, year) + amount

    def count_used(self, coverage: str, kind: str, year: int) -> int:
        return self.counts.get((coverage, kind, year), 0)

    def add_count(self, coverage: str, kind: str, year: int) -> None:
        self.counts[(coverage, kind, year)] = self.count_used(coverage, kind, year) + 1

    def condition(self, coverage: str, condition: str) -> ConditionState:
        return self.conditions.setdefault((coverage, condition), ConditionState())

    def add_paid(self, coverage: str, year: int, amount: int) -> None:
        self.paid[(coverage, year)] = self.paid.get((coverage, year), 0) + amount
