"""What the engine returns: one decision per (event, contract), each with its trace.

A trace step names the clause it applies and says the arithmetic in words and numbers, so a person
can follow the figure by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class TraceStep:
    rule: str  # the clause, e.g. "Hi1701 질병통원 제1조②"
    text: str  # the step, e.g. "공제금액 = max(10,000, 8,000) = 10,000"


@dataclass(slots=True)
class Decision:
    event: str
    contract: str
    coverage: str | None
    amount: int
    trace: list[TraceStep] = field(default_factory=list)
    needs: tuple[str, ...] = ()  # "cannot decide": the inputs a person must supply
    # the earlier event whose figure carries this pair's payout (or part of it) because the terms
    # count them as one unit (case-format.md "Expected": reported on the unit's first event)
    reported_on: str | None = None

    @property
    def undecided(self) -> bool:
        return bool(self.needs)


@dataclass(frozen=True, slots=True)
class ContractBasis:
    """Which terms decided a contract's figures: rule set, catalogue version, and the dates."""

    contract: str
    rule_set: str
    standard_terms: str
    option: str | None
    contract_start: str
    catalogue_version: str
    mapping: str  # how the rule set was chosen


@dataclass(frozen=True, slots=True)
class Adjudication:
    case: str
    claim_date: str
    decisions: tuple[Decision, ...]
    bases: tuple[ContractBasis, ...]

    @property
    def total(self) -> int:
        return sum(d.amount for d in self.decisions)
