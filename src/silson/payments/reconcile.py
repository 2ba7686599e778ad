"""Reconciliation (지급 대조): what the insurers paid, per (event, contract) pair, against the exact
payout the engine computes, and where a figure differs, which known mistake would give the paid amount.

It sits after adjudication (shared/claims-format.md §2; domain/claims-and-documents.md §4.3–4.5).
Pure: the case, the statement lines and the catalogue come in; no I/O, no clock. Units first: where
the terms count several events as one (same-day visits, a 4세대 visit with its pharmacy, the 5세대
비중증 day) the engine reports the unit on its first event (`Decision.reported_on` on the others),
so a statement paying the unit on a later event is matched per unit before pairs are compared. A
known mistake is a modified copy of the case (or of the terms) adjudicated again: when its figure
for the pair is the paid amount, the line names it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from silson.domain.model import (
    INSTITUTION_LABEL,
    Case,
    Contract,
    EventKind,
    InstitutionKind,
    ItemCategory,
    MedicalEvent,
)
from silson.errors import SilsonError
from silson.rules.catalogue import Catalogue, RuleSet
from silson.rules.decision import Adjudication, Decision, TraceStep
from silson.rules.engine import adjudicate
from silson.rules.formula import InputError
from silson.rules.money import won


class ReconciliationError(SilsonError, ValueError):
    """A statement line names a pair the case does not have; `field` is the path of the culprit."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class Paid:
    """One line of an insurer's payout statement (지급내역), keyed like the case's payouts."""

    event: str
    contract: str
    amount: int  # 지급액
    date: dt.date | None = None  # 지급일


class Status(StrEnum):
    UNDERPAID = "underpaid"  # 과소 지급
    OVERPAID = "overpaid"  # 과다 지급
    MATCHED = "matched"


@dataclass(frozen=True, slots=True)
class FoundMistake:
    code: str
    text: str
    would_pay: int


@dataclass(frozen=True, slots=True)
class Line:
    event: str
    contract: str
    coverage: str | None
    expected: int  # the engine's figure
    paid: int  # what the statement paid, after matching per unit
    statement_paid: int  # what the statement paid on this pair, as written
    reasons: tuple[TraceStep, ...]
    moved_from: tuple[tuple[str, int], ...] = ()  # (event, won) moved here from later events of the unit
    moved_to: str | None = None  # the unit's first event, where this pair's payment was moved
    paid_dates: tuple[dt.date, ...] = ()
    needs: tuple[str, ...] = ()
    likely_mistake: FoundMistake | None = None
    also_possible: tuple[FoundMistake, ...] = ()

    @property
    def difference(self) -> int:
        return self.expected - self.paid

    @property
    def status(self) -> Status:
        if self.difference > 0:
            return Status.UNDERPAID
        if self.difference < 0:
            return Status.OVERPAID
        return Status.MATCHED


@dataclass(frozen=True, slots=True)
class Reconciliation:
    case: str
    claim_date: str
    lines: tuple[Line, ...]
    adjudication: Adjudication

    @property
    def underpaid_total(self) -> int:
        return sum(line.difference for line in self.lines if line.difference > 0)

    @property
    def overpaid_total(self) -> int:
        return sum(-line.difference for line in self.lines if line.difference < 0)

    @property
    def expected_total(self) -> int:
        return sum(line.expected for line in self.lines)

    @property
    def paid_total(self) -> int:
        return sum(line.statement_paid for line in self.lines)


# --- known mistakes (domain/claims-and-documents.md §4.3) ------------------------------------------


@dataclass(frozen=True, slots=True)
class Situation:
    """What a mistake needs to build its variants: the pair of an unequal line and its unit."""

    case: Case
    catalogue: Catalogue
    contract: Contract
    unit: tuple[MedicalEvent, ...]  # the line's event first, then the events reported on it


@dataclass(frozen=True, slots=True)
class Variant:
    """A modified copy of the case (and terms) that adjudicates as the insurer may have."""

    case: Case
    catalogue: Catalogue
    detail: str = ""  # fills the mistake's text, e.g. the institution class used


@dataclass(frozen=True, slots=True)
class KnownMistake:
    code: str
    text: str  # "{detail}" is replaced by the variant's detail
    clause: str  # the provision the mistake gets wrong
    variants: Callable[[Situation], Iterator[Variant]]


def _replace_events(case: Case, changed: Mapping[str, MedicalEvent]) -> Case:
    return replace(case, events=tuple(changed.get(e.id, e) for e in case.events))


def _no_sharing(s: Situation) -> Iterator[Variant]:
    """The contract alone: its 보상책임액 without 공통조항 제42조's pro rata share."""
    if len(s.case.contracts) > 1:
        yield Variant(replace(s.case, contracts=(s.contract,)), s.catalogue)


# classes whose 통원 공제금액 differ (의원 / 병원 / 종합병원 / 상급종합병원); others change exclusions too
DEDUCTIBLE_CLASSES = (
    InstitutionKind.CLINIC,
    InstitutionKind.HOSPITAL,
    InstitutionKind.GENERAL_HOSPITAL,
    InstitutionKind.TERTIARY,
)


def _other_institution(s: Situation) -> Iterator[Variant]:
    """Every visit of the unit at another class of institution, one class at a time."""
    visits = [e for e in s.unit if e.kind is EventKind.OUTPATIENT]
    if not visits or any(e.institution.kind not in DEDUCTIBLE_CLASSES for e in visits):
        return
    for kind in DEDUCTIBLE_CLASSES:
        if all(e.institution.kind is kind for e in visits):
            continue
        changed = {e.id: replace(e, institution=replace(e.institution, kind=kind)) for e in visits}
        yield Variant(_replace_events(s.case, changed), s.catalogue, INSTITUTION_LABEL[kind])


def _zero_counts(value: Any) -> Any:
    return {k: 0 for k in value} if isinstance(value, Mapping) else 0


def _terms_copy(catalogue: Catalogue, rules: RuleSet, key: str, tag: str) -> tuple[Catalogue, str]:
    """A copy of `rules` under a new standard id with parameter `key` zeroed, so that only the one
    contract pointed at it sees the change."""
    param = rules.parameter(key)
    changed = replace(param, values=tuple(replace(v, value=_zero_counts(v.value)) for v in param.values))
    new_id = f"{rules.id}~{tag}"
    copy = replace(rules, id=new_id, kind="standard", parameters={**rules.parameters, key: changed})
    return replace(catalogue, rule_sets={**catalogue.rule_sets, new_id: copy}), new_id


def _visit_count_cut(s: Situation) -> Iterator[Variant]:
    """The visit counted past the yearly number of visits (연간 방문 횟수): every count of the
    contract at 0, so the count-limited part of this visit pays nothing."""
    if all(e.kind is EventKind.INPATIENT for e in s.unit):
        return
    contract = replace(
        s.contract,
        coverages={
            k: replace(c, annual_visits=0) if "noncovered" in k.value else c for k, c in s.contract.coverages.items()
        },
    )
    catalogue = s.catalogue
    rules = catalogue.resolve(contract.terms, contract.product)
    if "outpatient.annual_count" in rules.parameters:
        catalogue, new_id = _terms_copy(catalogue, rules, "outpatient.annual_count", "visit-count-cut")
        contract = replace(contract, terms=new_id, product=None)
    contracts = tuple(contract if c.id == contract.id else c for c in s.case.contracts)
    yield Variant(replace(s.case, contracts=contracts), catalogue)


def _no_room_difference(s: Situation) -> Iterator[Variant]:
    """상급병실료 차액 left out of the admission."""
    rooms = {e.id: replace(e, room_difference=0) for e in s.unit if e.room_difference}
    if rooms:
        yield Variant(_replace_events(s.case, rooms), s.catalogue)


ITEM_LABEL = {
    ItemCategory.MANUAL_THERAPY: "도수치료",
    ItemCategory.SHOCKWAVE: "체외충격파",
    ItemCategory.PROLOTHERAPY: "증식치료",
    ItemCategory.INJECTION: "비급여 주사",
    ItemCategory.MRI: "MRI·MRA",
    ItemCategory.NUTRIENT: "영양제·비타민",
    ItemCategory.COSMETIC: "외모개선",
    ItemCategory.CHECKUP: "건강검진",
    ItemCategory.CERTIFICATE: "증명료",
    ItemCategory.DEVICE: "보조기 등 구입",
    ItemCategory.KOREAN_MEDICINE: "한방 비급여",
    ItemCategory.DENTAL: "치과 비급여",
    ItemCategory.OTHER: "기타 비급여",
}


def _wrong_exclusion(s: Situation) -> Iterator[Variant]:
    """A 면책 applied where it does not apply: the whole 비급여 of the unit, or one item category."""
    billed = [e for e in s.unit if e.noncovered]
    if not billed:
        return
    none_left = {e.id: replace(e, noncovered=0, items=tuple(i for i in e.items if i.covered)) for e in billed}
    yield Variant(_replace_events(s.case, none_left), s.catalogue, "비급여 전체")
    categories = sorted({i.category for e in billed for i in e.items if not i.covered})
    for category in categories:
        changed = {}
        for e in billed:
            cut = sum(i.amount for i in e.items if not i.covered and i.category is category)
            kept = tuple(i for i in e.items if i.covered or i.category is not category)
            changed[e.id] = replace(e, noncovered=e.noncovered - cut, items=kept)
        yield Variant(_replace_events(s.case, changed), s.catalogue, ITEM_LABEL[category])


#: Tried in this order; the first whose figure is the paid amount is the likely mistake.
KNOWN_MISTAKES: tuple[KnownMistake, ...] = (
    KnownMistake(
        "no_sharing",
        "다수보험 비례보상을 하지 않은 금액과 같음",
        "공통조항 제42조 (다수보험의 처리)",
        _no_sharing,
    ),
    KnownMistake(
        "other_institution_deductible",
        "{detail}의 공제금액을 적용한 금액과 같음",
        "통원 제1조② 공제금액 (의료기관 종별)",
        _other_institution,
    ),
    KnownMistake(
        "no_room_difference",
        "상급병실료 차액을 빼고 계산한 금액과 같음",
        "입원 제1조 상급병실료 차액",
        _no_room_difference,
    ),
    KnownMistake(
        "visit_count_cut",
        "연간 통원 횟수 한도를 넘긴 것으로 세어 뺀 금액과 같음",
        "통원 연간 보상 횟수",
        _visit_count_cut,
    ),
    KnownMistake(
        "wrong_exclusion",
        "{detail}을(를) 보상하지 않는 손해(면책)로 뺀 금액과 같음",
        "제3조 보상하지 않는 사항",
        _wrong_exclusion,
    ),
)


def _figure(variant: Variant, event: str, contract: str) -> int | None:
    try:
        result = adjudicate(case=variant.case, catalogue=variant.catalogue)
    except InputError:
        return None
    for d in result.decisions:
        if d.event == event and d.contract == contract:
            return None if d.needs else d.amount
    return None


def find_mistakes(situation: Situation, *, expected: int, paid: int) -> list[FoundMistake]:
    """Every known mistake whose figure for the pair is `paid` (and not the exact figure), in
    registry order, one per mistake."""
    first, contract = situation.unit[0].id, situation.contract.id
    found = []
    for mistake in KNOWN_MISTAKES:
        for variant in mistake.variants(situation):
            would_pay = _figure(variant, first, contract)
            if would_pay is not None and would_pay == paid != expected:
                found.append(FoundMistake(mistake.code, mistake.text.format(detail=variant.detail), would_pay))
                break
    return found


# --- reconciliation ---------------------------------------------------------------------------------

RECONCILE_RULE = "claims-format.md §2 단위별 대조"
MISTAKE_RULE = "추정 원인"


def _unit_members(decisions: Sequence[Decision], contract: str) -> dict[str, list[str]]:
    """event → the later events of its contract whose payout is reported on it (transitively)."""
    members: dict[str, list[str]] = {}
    parent = {d.event: d.reported_on for d in decisions if d.contract == contract and d.reported_on}

    def root(event: str) -> str:
        while event in parent:
            event = parent[event]
        return event

    for event in parent:
        members.setdefault(root(event), []).append(event)
    return members


def reconcile(*, case: Case, paid: Sequence[Paid], catalogue: Catalogue) -> Reconciliation:
    """Compare each (event, contract) pair's payout with what the statement paid on it.

    A payment on a later event of a unit, beyond what that event itself is owed, is moved onto the
    unit's first event before comparing (the case format reports the unit there). Raises
    ReconciliationError for a statement line naming an event or contract the case lacks, and the
    engine's InputError when the case cannot be adjudicated at all.
    """
    events = {e.id: e for e in case.events}
    contracts = {c.id: c for c in case.contracts}
    statement: dict[tuple[str, str], int] = {}
    dates: dict[tuple[str, str], list[dt.date]] = {}
    for i, p in enumerate(paid):
        if p.event not in events:
            raise ReconciliationError(f"paid[{i}].event", f"unknown event '{p.event}'")
        if p.contract not in contracts:
            raise ReconciliationError(f"paid[{i}].contract", f"unknown contract '{p.contract}'")
        if p.amount < 0:
            raise ReconciliationError(f"paid[{i}].amount", "must be 0 or more")
        statement[(p.event, p.contract)] = statement.get((p.event, p.contract), 0) + p.amount
        if p.date is not None:
            dates.setdefault((p.event, p.contract), []).append(p.date)

    result = adjudicate(case=case, catalogue=catalogue)
    compared = dict(statement)
    moved_from: dict[tuple[str, str], list[tuple[str, int]]] = {}
    moved_to: dict[tuple[str, str], str] = {}
    # later events first, so a chain (a unit reported on a day's first event) carries through
    for d in reversed(result.decisions):
        key = (d.event, d.contract)
        excess = compared.get(key, 0) - d.amount
        if d.reported_on is None or excess <= 0:
            continue
        there = (d.reported_on, d.contract)
        compared[key] -= excess
        compared[there] = compared.get(there, 0) + excess
        moved_to[key] = d.reported_on
        moved_from.setdefault(there, []).append((d.event, excess))

    lines = []
    for d in result.decisions:
        key = (d.event, d.contract)
        statement_paid = statement.get(key, 0)
        line_paid = compared.get(key, 0)
        if not (d.amount or statement_paid or line_paid or d.needs):
            continue
        reasons = list(d.trace)
        if d.needs:
            reasons.append(TraceStep(RECONCILE_RULE, f"판단 불가: 필요한 정보 {', '.join(d.needs)}"))
        for source, amount in sorted(moved_from.get(key, []), key=lambda m: events[m[0]].position):
            reasons.append(
                TraceStep(
                    RECONCILE_RULE,
                    f"명세서가 {source}에 지급한 {won(amount)}원은 약관상 {d.event}와 한 단위라 {d.event}에서 대조",
                )
            )
        if key in moved_to:
            reasons.append(
                TraceStep(
                    RECONCILE_RULE, f"이 쌍의 지급액 {won(statement_paid - line_paid)}원은 {moved_to[key]}에서 대조"
                )
            )
        found: list[FoundMistake] = []
        if line_paid != d.amount and line_paid > 0 and not d.needs:
            # a payment of 0 is not put down to a mistake: many give 0, and an unpaid pair is more
            # often not yet processed or denied (부지급, to be asked for its grounds) than miscomputed
            members = _unit_members(result.decisions, d.contract).get(d.event, [])
            unit = (events[d.event], *sorted((events[m] for m in members), key=lambda e: (e.date, e.position)))
            situation = Situation(case, catalogue, contracts[d.contract], unit)
            found = find_mistakes(situation, expected=d.amount, paid=line_paid)
            for mistake in found:
                clause = next(k.clause for k in KNOWN_MISTAKES if k.code == mistake.code)
                reasons.append(
                    TraceStep(
                        f"{MISTAKE_RULE}: {clause}", f"지급액 {won(line_paid)}원은 {mistake.text} ({mistake.code})"
                    )
                )
        elif line_paid == 0 and d.amount > 0:
            reasons.append(TraceStep(RECONCILE_RULE, "지급 없음: 보험사에 부지급 사유와 근거(산정내역)를 요청"))
        lines.append(
            Line(
                event=d.event,
                contract=d.contract,
                coverage=d.coverage,
                expected=d.amount,
                paid=line_paid,
                statement_paid=statement_paid,
                reasons=tuple(reasons),
                moved_from=tuple(moved_from.get(key, [])),
                moved_to=moved_to.get(key),
                paid_dates=tuple(sorted(dates.get(key, []))),
                needs=d.needs,
                likely_mistake=found[0] if found else None,
                also_possible=tuple(found[1:]),
            )
        )
    return Reconciliation(case=case.id, claim_date=case.claim_date.isoformat(), lines=tuple(lines), adjudication=result)


__all__ = [
    "KNOWN_MISTAKES",
    "FoundMistake",
    "KnownMistake",
    "Line",
    "Paid",
    "Reconciliation",
    "ReconciliationError",
    "Status",
    "Variant",
    "reconcile",
]
