"""The contract between the engine and a generation's formulas.

The engine owns what every generation shares: date order, the limitation, which events a contract
can see at all, multiple-policy sharing and the result. A formula module owns what is really
particular to its terms: which coverage pays an event, which events count as one visit, and the
arithmetic of one visit or admission against the contract's ledger.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Protocol

from silson.domain.model import Contract, CoverageKey, MedicalEvent, Person
from silson.errors import SilsonError
from silson.rules.catalogue import RuleSet
from silson.rules.decision import TraceStep
from silson.rules.ledger import Ledger

INPATIENT = "inpatient"
OUTPATIENT = "outpatient"


class InputError(SilsonError, ValueError):
    """The case lacks something the terms need, or contradicts them; `field` names where."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class Unit:
    """Events one contract pays as one: a visit (same-day visits merged), a prescription, or an
    admission. The payout is reported on the first event; the others report 0 and say why."""

    contract: Contract
    rules: RuleSet
    coverage: CoverageKey
    events: tuple[MedicalEvent, ...]
    benefit: str  # INPATIENT or OUTPATIENT: units of one benefit on shared events are shared
    flags: frozenset[str] = frozenset()  # facts a formula derived while grouping
    # 5세대 비중증 비급여: every outpatient event of one day is one unit, reported on the day's first
    # event (case-format.md "Expected"), which may belong to another visit unit of the same day
    day_first: str | None = None

    @property
    def first(self) -> MedicalEvent:
        return self.events[0]


CONTINUING = "continuing"  # unit flag: the condition was treated during the term (계속중인 치료)


def continuing(contract: Contract, first: MedicalEvent, events: Sequence[MedicalEvent]) -> bool:
    """계속중인 치료: the unit's condition was treated under the contract before its term ended, so
    care after the end may still be paid within the terms' after-term window."""
    end = contract.end
    if end is None:
        return True
    return any(e.date <= end and e.cause is first.cause and e.condition_key == first.condition_key for e in events)


def _no_commit(paid: int) -> list[TraceStep]:
    return []


@dataclass(slots=True)
class Liability:
    """보상책임액 of one contract for one unit, as if no other contract existed."""

    amount: int
    eligible: int = 0  # 보상대상의료비
    deductible: Fraction = Fraction(0)  # 피보험자부담 공제금액 (deductible or self-pay share)
    trace: list[TraceStep] = field(default_factory=list)
    needs: tuple[str, ...] = ()
    commit: Callable[[int], list[TraceStep]] = _no_commit  # records what was finally paid
    # filled by `commit` where a formula pays in parts (4세대·5세대): what each coverage paid of the
    # final figure, and the shares reported on another event than the unit's first (event id, coverage, won)
    paid_by_part: dict[str, int] = field(default_factory=dict)
    moved: list[tuple[str, str, int]] = field(default_factory=list)


class Formula(Protocol):
    def coverage_for(self, event: MedicalEvent) -> CoverageKey: ...

    def bought(self, contract: Contract, event: MedicalEvent) -> bool: ...

    def check_contract(self, contract: Contract, rules: RuleSet, where: str) -> None: ...

    def units(self, contract: Contract, rules: RuleSet, events: Sequence[MedicalEvent]) -> list[Unit]: ...

    def evaluate(self, unit: Unit, ledger: Ledger, person: Person) -> Liability: ...
