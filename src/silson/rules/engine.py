"""The adjudication engine: (contracts, events, claim date) → a decision per (event, contract).

Pure: no I/O and no clock; the claim date and the catalogue come in as arguments. The pipeline per
contract is: which coverage pays the event (not bought → 0) → contract date → limitation →
the formula of the contract's generation (exclusions, deductible, coinsurance, per-visit and annual
limits, per-condition limit) → multiple-policy sharing across contracts → ledger update. Events are
processed in date order (then case order), so every stateful clause sees the past it depends on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from silson.domain.model import Case, Contract, MedicalEvent
from silson.rules.catalogue import Catalogue, CatalogueError, RuleSet
from silson.rules.combined import Combined
from silson.rules.decision import Adjudication, ContractBasis, Decision, TraceStep
from silson.rules.formula import Formula, InputError, Liability, Unit
from silson.rules.ledger import Ledger
from silson.rules.money import won
from silson.rules.periods import add_years
from silson.rules.schema import Family
from silson.rules.sharing import Claimant, share
from silson.rules.split import Split

FORMULAS: Mapping[Family, Formula] = {Family.COMBINED: Combined(), Family.SPLIT: Split()}


@dataclass(slots=True)
class _Prepared:
    contract: Contract
    rules: RuleSet
    formula: Formula
    units: list[Unit] = field(default_factory=list)


def _rules_for(contract: Contract, catalogue: Catalogue, where: str) -> tuple[RuleSet, str]:
    try:
        rules = catalogue.resolve(contract.terms, contract.product)
    except CatalogueError as exc:
        field_name = "product" if contract.product and "product" in str(exc) else "terms"
        raise InputError(f"{where}.{field_name}", str(exc)) from None
    base = catalogue.get(rules.base or rules.id)
    if contract.start < base.contracts_from:
        raise InputError(
            f"{where}.start",
            f"{contract.start} is before {base.id} applied to any contract (from {base.contracts_from})",
        )
    in_range = base.contracts_from <= contract.start and (
        base.contracts_until is None or contract.start < base.contracts_until
    )
    mapping = "named by the case"
    if not in_range:
        until = base.contracts_until.isoformat() if base.contracts_until else "open"
        mapping = (
            f"named by the case, although {base.id} applies to contracts dated {base.contracts_from} to {until} "
            f"and this one is dated {contract.start} (a renewal or re-subscription, 재가입?)"
        )
    return rules, mapping


def _screen(event: MedicalEvent, prepared: _Prepared, case: Case) -> tuple[Decision, bool]:
    """Decide what can be decided without the formula; True when the formula should see the event."""
    contract, rules = prepared.contract, prepared.rules
    coverage = prepared.formula.coverage_for(event)
    decision = Decision(event.id, contract.id, coverage.value, 0)
    section = rules.sections.get(coverage.value, coverage.value)
    if not prepared.formula.bought(contract, event):
        decision.trace.append(TraceStep(f"{rules.citation} {section}", f"{section} 보장 미가입 → 0"))
        return decision, False
    if event.date < contract.start:
        decision.trace.append(TraceStep(f"{rules.citation} {section} 제1조", f"계약일 {contract.start} 전 치료 → 0"))
        return decision, False
    years, years_ref = rules.cited("limitation.years", event.date, int)
    deadline = add_years(event.last_day, years)
    if case.claim_date > deadline:
        decision.trace.append(
            TraceStep(
                rules.cite(years_ref, coverage.value, event.cause.value),
                f"소멸시효 {years}년: {event.last_day} 사고의 청구기한 {deadline}, 청구일 {case.claim_date} → 0",
            )
        )
        return decision, False
    return decision, True


def _components(units: list[Unit]) -> list[list[Unit]]:
    """Units of different contracts that pay the same events (same benefit) are shared together."""
    owner: dict[tuple[str, str], int] = {}
    groups: list[list[Unit]] = []
    for unit in units:
        keys = [(unit.benefit, e.id) for e in unit.events]
        found = sorted({owner[k] for k in keys if k in owner})
        if not found:
            index = len(groups)
            groups.append([unit])
        else:
            index = found[0]
            groups[index].append(unit)
            for other in found[1:]:
                groups[index].extend(groups[other])
                for u in groups[other]:
                    for e in u.events:
                        owner[(u.benefit, e.id)] = index
                groups[other] = []
        for k in keys:
            owner[k] = index
    live = [g for g in groups if g]
    live.sort(key=lambda g: min((u.first.date, u.first.position) for u in g))
    return live


def _split(amount: int, weights: list[int]) -> list[int]:
    """Divide a contract's shared amount over its units in proportion to their own liabilities; the
    won lost to truncation goes to the first unit that pays."""
    total = sum(weights)
    if total == 0 or amount == total:
        return list(weights) if amount == total else [0] * len(weights)
    parts = [amount * w // total for w in weights]
    rest = amount - sum(parts)
    for i, w in enumerate(weights):
        if w and rest:
            parts[i] += rest
            break
    return parts


def _report(
    decisions: dict[tuple[str, str], Decision],
    paid_parts: dict[tuple[str, str], dict[str, int]],
    unit: Unit,
    liab: Liability,
) -> None:
    """Put a paid unit's figures where the case format says they are reported: a share the terms
    count with another event (5세대 비중증: the day's first event) moves there; and where a contract
    pays in parts (4세대·5세대: 급여, 비급여, 중증, 비중증), `coverage` names the part that paid most
    on that pair (case-format.md "Result"). `paid_parts` keeps what each part paid per pair."""
    contract = unit.contract.id
    here_key = (unit.first.id, contract)
    touched = [here_key]
    for key, amount in liab.paid_by_part.items():
        parts = paid_parts.setdefault(here_key, {})
        parts[key] = parts.get(key, 0) + amount
    for event_id, key, amount in liab.moved:
        there_key = (event_id, contract)
        decisions[here_key].amount -= amount
        decisions[there_key].amount += amount
        parts = paid_parts.setdefault(there_key, {})
        parts[key] = parts.get(key, 0) + amount
        touched.append(there_key)
        section = unit.rules.sections.get(key, key)
        cite = f"{unit.rules.citation} {section}"
        decisions[there_key].trace.append(
            TraceStep(cite, f"{unit.first.id}의 {section} {won(amount)}: 같은 날 통원은 1회로 보아 {event_id}에 표시")
        )
        decisions[here_key].trace.append(TraceStep(cite, f"{section} {won(amount)}은 그날 첫 통원 {event_id}에 표시"))
    for pair in touched:
        parts = paid_parts.get(pair, {})
        if parts and max(parts.values()) > 0:
            # the part that paid most; on a tie the first the formula paid (급여 before 비급여)
            decisions[pair].coverage = max(parts, key=lambda k: parts[k])


def adjudicate(*, case: Case, catalogue: Catalogue) -> Adjudication:
    """Adjudicate every (event, contract) pair of a case. Raises InputError naming the field when the
    case lacks what the terms need to decide at all."""
    events = sorted(case.events, key=lambda e: (e.date, e.position))
    decisions: dict[tuple[str, str], Decision] = {}
    paid_parts: dict[tuple[str, str], dict[str, int]] = {}
    prepared: list[_Prepared] = []
    bases: list[ContractBasis] = []
    for index, contract in enumerate(case.contracts):
        where = f"contracts[{index}]"
        rules, mapping = _rules_for(contract, catalogue, where)
        formula = FORMULAS[rules.formulas]
        formula.check_contract(contract, rules, where)
        prep = _Prepared(contract, rules, formula)
        visible = []
        for event in events:
            decision, passes = _screen(event, prep, case)
            decisions[(event.id, contract.id)] = decision
            if passes:
                visible.append(event)
        prep.units = formula.units(contract, rules, visible)
        prepared.append(prep)
        bases.append(
            ContractBasis(
                contract=contract.id,
                rule_set=rules.id,
                standard_terms=rules.base or rules.id,
                option=contract.option,
                contract_start=contract.start.isoformat(),
                catalogue_version=catalogue.version,
                mapping=mapping,
            )
        )

    by_contract = {p.contract.id: p for p in prepared}
    ledgers = {p.contract.id: Ledger() for p in prepared}
    for component in _components([u for p in prepared for u in p.units]):
        order = [c.id for c in case.contracts]
        component.sort(key=lambda u: (order.index(u.contract.id), u.first.date, u.first.position))
        evaluated = [
            (u, by_contract[u.contract.id].formula.evaluate(u, ledgers[u.contract.id], case.person)) for u in component
        ]
        per_contract: dict[str, list[tuple[Unit, Liability]]] = {}
        for unit, liab in evaluated:
            per_contract.setdefault(unit.contract.id, []).append((unit, liab))
        claimants = []
        for pairs in per_contract.values():
            unit = pairs[0][0]
            ref = unit.rules.value("sharing.method", unit.first.date).ref
            claimants.append(
                Claimant(
                    liability=sum(liab.amount for _, liab in pairs),
                    eligible=sum(liab.eligible for _, liab in pairs),
                    deductible=sum((liab.deductible for _, liab in pairs), Fraction(0)),
                    citation=unit.rules.cite(ref, unit.coverage.value, unit.first.cause.value),
                )
            )
        for pairs, (amount, notes) in zip(per_contract.values(), share(claimants), strict=True):
            for (unit, liab), part in zip(pairs, _split(amount, [liab.amount for _, liab in pairs]), strict=True):
                decision = decisions[(unit.first.id, unit.contract.id)]
                decision.amount = part
                decision.needs = liab.needs
                decision.trace.extend(liab.trace)
                if liab.amount:
                    decision.trace.extend(notes)
                decision.trace.extend(liab.commit(part))
                _report(decisions, paid_parts, unit, liab)
                for moved_to, _, _ in liab.moved:
                    decision.reported_on = moved_to
                for other in unit.events[1:]:
                    section = unit.rules.sections.get(unit.coverage.value, unit.coverage.value)
                    decisions[(other.id, unit.contract.id)].reported_on = unit.first.id
                    decisions[(other.id, unit.contract.id)].trace.append(
                        TraceStep(
                            f"{unit.rules.citation} {section}",
                            f"{unit.first.id}와 1회로 합산: 지급액은 {unit.first.id}에 표시",
                        )
                    )

    ordered = [decisions[(e.id, c.id)] for e in events for c in case.contracts]
    return Adjudication(
        case=case.id,
        claim_date=case.claim_date.isoformat(),
        decisions=tuple(ordered),
        bases=tuple(bases),
    )


__all__ = ["FORMULAS", "InputError", "adjudicate"]
