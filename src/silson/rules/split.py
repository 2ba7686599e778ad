"""Formulas of the terms that pay 급여 and 비급여 separately: 4세대 (std-2021-07: 급여 주계약 + 비급여
특약 with the 3대비급여 inside it) and 5세대 (std-2026-05: 급여 + 중증 비급여 + 비중증 비급여).

A 통원 is the visit with the pharmacy dispensing for it (same day, same condition); its 급여 part pays
the costs less max(a fixed amount by institution class, 20 % [, the NHIS copay rate]); each 비급여
part pays the costs less max(its fixed amount, its share), per visit or per day as the part says,
within a yearly number of visits or days. 입원: 급여 less a 20 % self-pay capped per contract year;
비급여 less its share (capped where the terms cap it). Each coverage has a yearly amount for 입원 and
통원 together. The parts add up into the one figure of the (event, contract) pair; the trace shows
each part. All figures come from the rule set's data.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any

from silson.domain.model import (
    INSTITUTION_LABEL,
    Contract,
    Coverage,
    CoverageKey,
    EventKind,
    MedicalEvent,
    NhisStatus,
    Person,
)
from silson.rules.catalogue import Ref, RuleSet
from silson.rules.clauses import capped_share, days_inside, larger_deductible, room_difference, uninsured_share
from silson.rules.decision import TraceStep
from silson.rules.exclusions import Eligible, eligible_amounts
from silson.rules.formula import CONTINUING, INPATIENT, OUTPATIENT, InputError, Liability, Unit, continuing
from silson.rules.ledger import AFTER_TERM, Ledger
from silson.rules.money import percent_of, truncate_won, won
from silson.rules.periods import contract_year, days_between, overlap_days, plus_days
from silson.rules.riders import commit_riders, evaluate_riders
from silson.rules.schema import AfterTerm, InstitutionBands, NoncoveredPart, PartLimits, Rider, SplitFixedDeductible

VISITS = "visits"
DAYS = "days"


def _benefit(event: MedicalEvent) -> str:
    return INPATIENT if event.kind is EventKind.INPATIENT else OUTPATIENT


@dataclass(slots=True)
class _Part:
    """One coverage's share of a unit: what it pays, and what to record when it is paid."""

    key: str
    pay: int
    eligible: int
    deductible: Fraction
    year: int
    count_key: tuple[str, str, int] | None = None  # counted once when paid
    selfpay: Fraction = Fraction(0)
    day_key: tuple[str, str] | None = None  # 비중증 per-day ledger entry
    day_amount: int = 0
    riders: list[Any] = field(default_factory=list)


class Split:
    """급여 and 비급여 as separate coverages (4세대, 5세대)."""

    def coverage_for(self, event: MedicalEvent) -> CoverageKey:
        return CoverageKey(f"{event.cause.value}_covered")

    def bought(self, contract: Contract, event: MedicalEvent) -> bool:
        prefix = f"{event.cause.value}_"
        return any(key.value.startswith(prefix) for key in contract.coverages)

    # --- contract checks ---------------------------------------------------------------------

    def check_contract(self, contract: Contract, rules: RuleSet, where: str) -> None:
        if contract.option is not None and contract.option not in rules.options:
            raise InputError(f"{where}.option", f"{rules.id} has no deductible options (leave option out)")
        day = contract.start
        parts = _parts(rules, day)
        riders = rules.typed("riders", day, object) or {}
        assert isinstance(riders, dict)
        allowed = {f"{c}_covered" for c in ("injury", "disease")}
        allowed |= {f"{c}_{p.key}" for c in ("injury", "disease") for p in parts}
        allowed |= set(riders)
        limits: dict[str, PartLimits] = rules.typed("coverage.limits_max", day, dict)
        for key, cov in contract.coverages.items():
            at = f"{where}.coverages.{key.value}"
            if key.value not in allowed:
                raise InputError(at, f"{rules.id} has no such coverage (it has {', '.join(sorted(allowed))})")
            if key.value in riders:
                continue
            kind = key.value.split("_", 1)[1]
            if cov.annual_limit is None:
                raise InputError(f"{at}.annual_limit", "required: 연간 보험가입금액 (입원·통원 합산)")
            cap = limits[kind].annual_limit
            if cov.annual_limit > cap:
                raise InputError(f"{at}.annual_limit", f"{cov.annual_limit:,} exceeds the {cap:,} the terms allow")
            visit_cap = limits[kind].outpatient_limit
            if visit_cap is not None:
                if cov.outpatient_limit is None:
                    raise InputError(f"{at}.outpatient_limit", "required: 통원 1회당 보험가입금액")
                if cov.outpatient_limit > visit_cap:
                    raise InputError(
                        f"{at}.outpatient_limit", f"{cov.outpatient_limit:,} exceeds the {visit_cap:,} the terms allow"
                    )

    # --- grouping ----------------------------------------------------------------------------

    def units(self, contract: Contract, rules: RuleSet, events: Sequence[MedicalEvent]) -> list[Unit]:
        groups: dict[tuple[object, ...], list[MedicalEvent]] = {}
        for event in events:
            key: tuple[object, ...] = (
                (event.id,) if event.kind is EventKind.INPATIENT else (event.date, event.cause, event.condition_key)
            )
            groups.setdefault(key, []).append(event)
        day_first: dict[tuple[object, ...], str] = {}
        for event in events:  # events come in case order (date, then list position)
            if _benefit(event) != INPATIENT and not event.severe:
                day_first.setdefault((event.date, event.cause), event.id)
        result = []
        for members in groups.values():
            first = members[0]
            flags = frozenset({CONTINUING}) if continuing(contract, first, events) else frozenset()
            result.append(
                Unit(
                    contract,
                    rules,
                    self.coverage_for(first),
                    tuple(members),
                    _benefit(first),
                    flags,
                    day_first=day_first.get((first.date, first.cause)),
                )
            )
        return result

    # --- evaluation --------------------------------------------------------------------------

    def evaluate(self, unit: Unit, ledger: Ledger, person: Person) -> Liability:
        contract, rules, first = unit.contract, unit.rules, unit.first
        day = first.date
        trace: list[TraceStep] = []
        cause = first.cause.value

        def cite(ref: Ref, coverage: str | None = None) -> str:
            return rules.cite(ref, coverage or f"{cause}_covered", cause)

        def step(ref: Ref, text: str, coverage: str | None = None) -> None:
            trace.append(TraceStep(cite(ref, coverage), text))

        year = contract_year(contract.start, day)
        count_year = year
        window_to = None
        if contract.end is not None and day > contract.end:
            after, after_ref = rules.cited("after_term", day, AfterTerm)
            last_day = plus_days(contract.end, after.days)
            if unit.benefit == INPATIENT:
                step(after_ref, f"보험기간 종료일 {contract.end} 후 입원 → 0")
                return Liability(0, trace=trace)
            if day > last_day or CONTINUING not in unit.flags:
                why = (
                    f"{after.days}일이 지남" if day > last_day else "보험기간 중 치료받던 질병·상해의 계속 치료가 아님"
                )
                step(after_ref, f"보험기간 종료 후 통원: {why} → 0")
                return Liability(0, trace=trace)
            count_year = AFTER_TERM
            step(after_ref, f"보험기간 종료 후 계속 통원: {last_day}까지 방문 {after.visits}회 한도")
        elif contract.end is not None and unit.benefit == INPATIENT and first.last_day > contract.end:
            after, after_ref = rules.cited("after_term", day, AfterTerm)
            window_to = plus_days(contract.end, after.days)
            step(after_ref, f"보험기간 중 입원이 종료일 후에도 계속: {window_to}까지 보상")

        parts: list[_Part] = []
        eligible_total = 0
        deductible_total = Fraction(0)

        # 급여
        covered_key = f"{cause}_covered"
        base = [(e, self._eligible(unit, e, "exclusions.kcd", "exclusions.items")) for e in unit.events]
        for _, el in base:
            trace.extend(el.trace)
        needs = tuple(sorted({n for _, el in base for n in el.needs}))
        if needs:
            return Liability(0, trace=trace, needs=needs)
        scale = self._days_share(unit, window_to, step)
        if scale == 0:
            return Liability(0, trace=trace)
        covered = truncate_won(sum(el.covered for _, el in base) * scale)
        covered_cov = contract.coverages.get(CoverageKey(covered_key))
        if covered_cov is not None and covered:
            part = (
                self._covered_inpatient(unit, ledger, covered, covered_cov, year, step)
                if unit.benefit == INPATIENT
                else self._covered_outpatient(unit, ledger, base, covered, covered_cov, year, count_year, person, step)
            )
            if part is None:
                return Liability(0, trace=trace, needs=("nhis_copay_rate",))
            parts.append(part)
        elif covered:
            step("{section}", f"급여 {won(covered)}: 급여 보장 미가입 → 0")

        # 비급여 parts (4세대: one; 5세대: 중증 or 비중증 by the event's 산정특례 flag)
        for spec in _parts(rules, day):
            if (spec.when == "severe" and not first.severe) or (spec.when == "not_severe" and first.severe):
                continue
            key = f"{cause}_{spec.key}"
            cov = contract.coverages.get(CoverageKey(key))
            found = [(e, self._eligible(unit, e, spec.kcd, spec.items)) for e in unit.events]
            noncovered = truncate_won(sum(el.noncovered for _, el in found) * scale)
            room = truncate_won(sum(el.room for _, el in found) * scale)
            rider_items = [item for _, el in found for item in el.rider_items]
            if not (noncovered or room or rider_items):
                continue
            for _, el in found:
                trace.extend(s for s in el.trace if s not in trace)
            if cov is None:
                step("{section}", f"비급여 {won(noncovered + room)}: {spec.label} 미가입 → 0", key)
                continue
            if unit.benefit == INPATIENT:
                part = self._noncovered_inpatient(unit, ledger, spec, key, cov, noncovered, room, year, step)
            else:
                part = self._noncovered_outpatient(
                    unit, ledger, spec, key, cov, noncovered, year, count_year, person, step
                )
            if rider_items and spec.riders:
                part_riders: dict[str, Rider] = rules.typed(spec.riders, day, dict)
                result = evaluate_riders(
                    items=rider_items,
                    riders=part_riders,
                    contract=contract,
                    held=_inside(contract, cov),
                    ledger=ledger,
                    year=year,
                    cite=functools.partial(cite, coverage=key),
                )
                trace.extend(result.trace)
                part.pay += result.pay
                part.eligible += result.eligible
                part.deductible += result.deductible
                part.riders = result.parts
            parts.append(self._annual_limit(part, cov, ledger, spec.label, step, key))

        for part in parts:
            eligible_total += part.eligible
            deductible_total += part.deductible
        total = sum(p.pay for p in parts)
        if len(parts) > 1:
            named = " + ".join(f"{rules.sections.get(p.key, p.key)} {won(p.pay)}" for p in parts)
            step("{section}", f"{named} = {won(total)}")

        liability = Liability(total, eligible_total, deductible_total, trace)

        def commit(paid: int) -> list[TraceStep]:
            factor = Fraction(paid, total) if total else Fraction(0)
            notes: list[TraceStep] = []
            for part in parts:
                share = truncate_won(part.pay * factor)
                if part.day_key is not None and unit.day_first not in (None, first.id) and share:
                    liability.moved.append((str(unit.day_first), part.key, share))
                else:
                    liability.paid_by_part[part.key] = liability.paid_by_part.get(part.key, 0) + share
                rider_paid = sum(truncate_won(r.pay * factor) for r in part.riders)
                commit_riders(part.riders, ledger, factor)
                ledger.add_paid(part.key, part.year, share)
                if part.selfpay:
                    ledger.add_selfpay(part.key, part.year, part.selfpay)
                first_of_day = True
                if part.day_key is not None:
                    prev_amount, prev_paid = ledger.days.get(part.day_key, (0, 0))
                    ledger.days[part.day_key] = (prev_amount + part.day_amount, prev_paid + share - rider_paid)
                    first_of_day = prev_paid == 0
                if part.count_key is not None and share - rider_paid > 0:
                    k, what, y = part.count_key
                    if first_of_day:
                        ledger.add_count(k, what, y)
                        n = ledger.count_used(k, what, y)
                        label = "회" if what == VISITS else "일"
                        notes.append(TraceStep(cite("{section}", k), f"비급여 통원 연간 {n}{label}째 보상"))
            return notes

        liability.commit = commit
        return liability

    # --- parts ---------------------------------------------------------------------------------

    def _eligible(self, unit: Unit, event: MedicalEvent, kcd_key: str, items_key: str) -> Eligible:
        return eligible_amounts(
            event=event,
            rules=unit.rules,
            coverage=f"{event.cause.value}_covered",
            contract_start=unit.contract.start,
            kcd_key=kcd_key,
            items_key=items_key,
        )

    def _uninsured(
        self, rules: RuleSet, day: Any, raw: Fraction | int, what: str, step: Callable[..., None], key: str
    ) -> int:
        """국민건강보험 미적용: the part's payout after its deductible, times the terms' rate (40 %)."""
        rate, ref = rules.cited("uninsured.rate", day, int)
        share = uninsured_share(raw, rate=rate)
        step(ref, f"국민건강보험 미적용: {what} {won(raw)} × {rate}% = {won(share)}", key)
        return truncate_won(share)

    def _days_share(self, unit: Unit, window_to: Any, step: Callable[..., None]) -> Fraction:
        """The share of an admission's days that fall in the cover (after-term window)."""
        event = unit.first
        if unit.benefit != INPATIENT or window_to is None:
            return Fraction(1)
        total = days_between(event.date, event.last_day)
        inside = overlap_days(event.date, event.last_day, unit.contract.start, window_to)
        if inside < total:
            step("{section}", f"입원 {total}일 중 보상 기간 {inside}일분만 보상대상 (일수 비례)")
        return days_inside(total, inside)

    def _covered_inpatient(
        self, unit: Unit, ledger: Ledger, covered: int, cov: Coverage, year: int, step: Callable[..., None]
    ) -> _Part:
        rules, day, key = unit.rules, unit.first.date, f"{unit.first.cause.value}_covered"
        rate, rate_ref = rules.cited("covered.selfpay_rate", day, int)
        cap = rules.typed("covered.inpatient_selfpay_cap", day, int)
        share = percent_of(covered, rate)
        used = ledger.selfpay_used(key, year)
        selfpay = capped_share(share, cap=cap, used=used)
        pay = truncate_won(covered - selfpay)
        text = f"급여 입원: {won(covered)} − 자기부담 {won(covered)} × {rate}% = {won(share)}"
        if selfpay < share:
            text += f" (연간 한도 {won(cap)}, 이미 {won(used)} → {won(selfpay)})"
        step(rate_ref, f"{text} → {won(pay)}", key)
        part = _Part(key, pay, covered, selfpay, year, selfpay=selfpay)
        return self._annual_limit(part, cov, ledger, "급여", step, key)

    def _covered_outpatient(
        self,
        unit: Unit,
        ledger: Ledger,
        base: list[tuple[MedicalEvent, Eligible]],
        covered: int,
        cov: Coverage,
        year: int,
        count_year: int,
        person: Person,
        step: Callable[..., None],
    ) -> _Part | None:
        rules, day, key = unit.rules, unit.first.date, f"{unit.first.cause.value}_covered"
        bands = rules.typed("covered.institution_band", day, InstitutionBands)
        fixed_terms, fixed_ref = rules.cited("covered.outpatient_fixed", day, SplitFixedDeductible)
        visits = [e for e, el in base if e.kind is EventKind.OUTPATIENT and el.covered]
        places = visits or [e for e, el in base if el.covered]
        fixed = max(fixed_terms.of(bands.of(e.institution.kind.value)) for e in places)
        where = ", ".join(sorted({INSTITUTION_LABEL[e.institution.kind] for e in places}))
        rate = rules.typed("covered.selfpay_rate", day, int)
        share = percent_of(covered, rate)
        terms = [f"{where} {won(fixed)}", f"{won(covered)} × {rate}% = {won(share)}"]
        deductible = larger_deductible(fixed, share)
        if rules.typed("covered.copay_rate_term", day, bool):
            rates = {e.nhis_copay_rate for e, el in base if el.covered}
            if None in rates:
                step(
                    fixed_ref,
                    "판단 불가: 급여 통원 공제금액에 건강보험 본인부담률(nhis_copay_rate)이 필요합니다",
                    key,
                )
                return None
            copay = percent_of(covered, max(r for r in rates if r is not None))
            terms.append(f"{won(covered)} × 본인부담률 {max(r for r in rates if r is not None)}% = {won(copay)}")
            deductible = larger_deductible(fixed, share, copay)
        raw = covered - deductible
        pay = truncate_won(raw)
        step(fixed_ref, f"급여 통원: 공제 max({', '.join(terms)}) = {won(deductible)}; → {won(pay)}", key)
        if person.nhis_status is NhisStatus.NONE:
            pay = self._uninsured(rules, day, raw, "급여 통원", step, key)
        assert cov.outpatient_limit is not None
        if pay > cov.outpatient_limit:
            step(fixed_ref, f"급여 통원 1회당 한도 {won(cov.outpatient_limit)}", key)
            pay = cov.outpatient_limit
        part = _Part(key, pay, covered, deductible, year)
        return self._annual_limit(part, cov, ledger, "급여", step, key)

    def _noncovered_inpatient(
        self,
        unit: Unit,
        ledger: Ledger,
        spec: NoncoveredPart,
        key: str,
        cov: Coverage,
        noncovered: int,
        room: int,
        year: int,
        step: Callable[..., None],
    ) -> _Part:
        event, ref = unit.first, spec.clause
        inpatient = spec.inpatient
        share = percent_of(noncovered, inpatient.selfpay_rate)
        deductible = share
        cap = inpatient.deductible_cap
        text = f"{spec.label} 입원: {won(noncovered)} × {inpatient.selfpay_rate}% = {won(share)} 공제"
        if cap and event.institution.kind in cap.institutions:
            used = ledger.selfpay_used(key, year)
            deductible = capped_share(share, cap=cap.amount, used=used)
            if deductible < share:
                text += f" (종합병원급 연간 공제 한도 {won(cap.amount)}, 이미 {won(used)} → {won(deductible)})"
        pay = truncate_won(noncovered - deductible)
        per_stay = inpatient.per_stay_cap
        if per_stay and event.institution.kind not in per_stay.except_institutions and pay > per_stay.amount:
            text += f"; 입원 1회당 한도 {won(per_stay.amount)}"
            pay = per_stay.amount
        step(ref, f"{text} → {won(pay)}", key)
        room_pay = 0
        if room and inpatient.room:
            paid_room = room_difference(
                room,
                selfpay_rate=inpatient.room.rate,
                daily_cap=inpatient.room.daily_cap,
                days=event.inpatient_days,
            )
            half, room_pay = paid_room.half, paid_room.pay
            step(
                ref,
                f"상급병실료 차액 {won(room)} − {inpatient.room.rate}% = {won(half)}; 1일평균 "
                f"{won(inpatient.room.daily_cap)} × {event.inpatient_days}일 한도 → {won(room_pay)}",
                key,
            )
        selfpay = deductible if cap else Fraction(0)
        return _Part(key, pay + room_pay, noncovered + room, deductible + room - room_pay, year, selfpay=selfpay)

    def _noncovered_outpatient(
        self,
        unit: Unit,
        ledger: Ledger,
        spec: NoncoveredPart,
        key: str,
        cov: Coverage,
        noncovered: int,
        year: int,
        count_year: int,
        person: Person,
        step: Callable[..., None],
    ) -> _Part:
        rules, day, ref = unit.rules, unit.first.date, spec.clause
        out = spec.outpatient
        limit = cov.outpatient_limit if cov.outpatient_limit is not None else out.limit
        count_cap = min(v for v in (cov.annual_visits, out.count) if v is not None)
        what = DAYS if out.per == "day" else VISITS
        day_key = (key, day.isoformat()) if what == DAYS else None

        uninsured_notes: list[tuple[Ref, str]] = []  # traced after the step they qualify

        def pays(amount: int) -> tuple[int, Fraction]:
            deductible = larger_deductible(out.minimum, percent_of(amount, out.rate))
            raw = amount - deductible
            if person.nhis_status is NhisStatus.NONE:
                uninsured, uninsured_ref = rules.cited("uninsured.rate", day, int)
                share = uninsured_share(raw, rate=uninsured)
                uninsured_notes.append(
                    (
                        uninsured_ref,
                        f"국민건강보험 미적용: {spec.label} 공제 후 {won(raw)} × {uninsured}% = {won(share)} "
                        "(위 지급액은 이 비율을 적용한 금액)",
                    )
                )
                raw = share
            return min(truncate_won(raw), limit), deductible

        if day_key is not None:  # 비중증: everything on one day is one unit
            before, paid_before = ledger.days.get(day_key, (0, 0))
            whole, deductible = pays(before + noncovered)
            pay = max(0, whole - paid_before)
            step(
                ref,
                f"{spec.label} 통원 (1일 합산): 그날 비급여 {won(before + noncovered)} − max({won(out.minimum)}, "
                f"{out.rate}%) = {won(whole)} (1일 한도 {won(limit)}), 이미 {won(paid_before)} → {won(pay)}",
                key,
            )
            first_of_day = paid_before == 0
        else:
            pay, deductible = pays(noncovered)
            step(
                ref,
                f"{spec.label} 통원: {won(noncovered)} − max({won(out.minimum)}, {out.rate}% = "
                f"{won(percent_of(noncovered, out.rate))}) = {won(pay)} (1회당 한도 {won(limit)})",
                key,
            )
            first_of_day = True
        for note_ref, note in uninsured_notes:
            step(note_ref, note, key)
        used = ledger.count_used(key, what, count_year)
        if pay > 0 and first_of_day and used >= count_cap:
            step(ref, f"{spec.label} 통원 연간 {count_cap}{'일' if what == DAYS else '회'} 한도 소진 → 0", key)
            pay = 0
        part = _Part(key, pay, noncovered, deductible, year, count_key=(key, what, count_year))
        part.day_key, part.day_amount = day_key, noncovered
        return part

    def _annual_limit(
        self, part: _Part, cov: Coverage, ledger: Ledger, label: str, step: Callable[..., None], key: str
    ) -> _Part:
        assert cov.annual_limit is not None
        remaining = max(0, cov.annual_limit - ledger.paid.get((part.key, part.year), 0))
        if part.pay > remaining:
            step("{section}", f"{label} 연간 보험가입금액 {won(cov.annual_limit)}: 남은 {won(remaining)}", key)
            part.pay = remaining
        return part


def _parts(rules: RuleSet, day: date) -> list[NoncoveredPart]:
    """The 비급여 coverages of the terms on `day` (4세대 one; 5세대 중증 and 비중증)."""
    return rules.typed("noncovered.parts", day, list)


def _inside(contract: Contract, noncovered: Coverage) -> Callable[[str], Coverage | None]:
    """4세대·5세대: the 3대비급여 limits belong to the 비급여 특약; a rider key of the contract may set
    lower limits, otherwise the terms' own apply."""

    def held(key: str) -> Coverage | None:
        return contract.coverages.get(CoverageKey(key)) or Coverage(CoverageKey(key))

    return held


__all__ = ["Split"]
