"""Formulas of the terms that pay 급여 and 비급여 together: 1세대 (typical 손보 / 생보 values),
2세대 (선택형Ⅰ, 표준형, 선택형Ⅱ) and 3세대 기본형 with its three 비급여 riders.
입원 = the costs less the person's share (자기부담, capped per contract year where the terms cap it),
plus half the room difference up to a daily average; 외래·처방 = the visit's costs less the larger of
a fixed amount by institution class and a share of the costs, up to the per-visit amount, for a
yearly number of visits; rider items = each session less max(fixed, share), within yearly limits.

Every number comes from the rule set's parameters; this module only says how they combine. The
clause cited in each trace step is the parameter's own reference.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from silson.domain.model import (
    INSTITUTION_LABEL,
    Cause,
    Contract,
    CoverageKey,
    EventKind,
    Item,
    MedicalEvent,
    NhisStatus,
    Person,
)
from silson.rules.catalogue import Ref, RuleSet
from silson.rules.clauses import (
    capped_share,
    days_inside,
    larger_deductible,
    restoration_day,
    room_difference,
    uninsured_share,
)
from silson.rules.decision import TraceStep
from silson.rules.exclusions import Eligible, eligible_amounts
from silson.rules.families import riders as offered_riders
from silson.rules.formula import CONTINUING, INPATIENT, OUTPATIENT, InputError, Liability, Unit, continuing
from silson.rules.ledger import AFTER_TERM, Ledger
from silson.rules.money import percent_of, truncate_won, won
from silson.rules.periods import add_years, contract_year, days_between, overlap_days, plus_days
from silson.rules.riders import RiderResult, commit_riders, evaluate_riders, held_rider
from silson.rules.schema import (
    AmountRestoration,
    AnnualCount,
    FixedDeductible,
    InstitutionBands,
    OutpatientAfterTerm,
    PeriodRestoration,
    Rates,
    Terms,
)

_COVERAGES = {
    (Cause.INJURY, INPATIENT): CoverageKey.INJURY_INPATIENT,
    (Cause.DISEASE, INPATIENT): CoverageKey.DISEASE_INPATIENT,
    (Cause.INJURY, OUTPATIENT): CoverageKey.INJURY_OUTPATIENT,
    (Cause.DISEASE, OUTPATIENT): CoverageKey.DISEASE_OUTPATIENT,
}

KIND_LABEL = {"outpatient": "외래", "prescription": "처방조제"}


def _benefit(event: MedicalEvent) -> str:
    return INPATIENT if event.kind is EventKind.INPATIENT else OUTPATIENT


def _option(contract: Contract, rules: RuleSet) -> str:
    option = contract.option or rules.default_option
    assert option is not None  # check_contract guarantees one
    return option


class Combined:
    """급여 and 비급여 in one formula: gen1-nonlife / gen1-life / std-2009-10 / std-2013-01 /
    std-2015-09 / std-2017-04 (기본형 + riders)."""

    def coverage_for(self, event: MedicalEvent) -> CoverageKey:
        return _COVERAGES[(event.cause, _benefit(event))]

    def bought(self, contract: Contract, event: MedicalEvent) -> bool:
        return self.coverage_for(event) in contract.coverages

    # --- contract checks ---------------------------------------------------------------------

    def check_contract(self, contract: Contract, rules: RuleSet, where: str) -> None:
        if contract.option is None and rules.default_option is None:
            options = ", ".join(rules.options)
            raise InputError(f"{where}.option", f"{rules.id} needs a deductible option ({options})")
        if contract.option is not None and contract.option not in rules.options:
            options = ", ".join(rules.options)
            raise InputError(
                f"{where}.option", f"'{contract.option}' is not an option of {rules.id} (one of {options})"
            )
        day = contract.start
        merges_rx = rules.typed("outpatient.merge_prescription", day, bool)
        inpatient_max = rules.typed("coverage.inpatient_limit_max", day, int)
        combined_max = rules.typed("coverage.outpatient_combined_max", day, object)
        riders = offered_riders(rules, day)
        allowed = set(_COVERAGES.values()) | {CoverageKey(k) for k in riders}
        for key, cov in contract.coverages.items():
            at = f"{where}.coverages.{key.value}"
            if key not in allowed:
                raise InputError(at, f"{rules.id} has no such coverage (it has {', '.join(sorted(allowed))})")
            if key.value in riders:
                continue
            if key in (CoverageKey.INJURY_INPATIENT, CoverageKey.DISEASE_INPATIENT):
                if cov.limit is None:
                    raise InputError(f"{at}.limit", "required: 하나의 질병·상해당 보험가입금액")
                if cov.limit > inpatient_max:
                    raise InputError(f"{at}.limit", f"{cov.limit:,} exceeds the {inpatient_max:,} the terms allow")
            else:
                for name in ("outpatient_limit", "prescription_limit"):
                    if getattr(cov, name) is None and not (name == "prescription_limit" and merges_rx):
                        raise InputError(f"{at}.{name}", "required: 회(건)당 보험가입금액")
                assert cov.outpatient_limit is not None
                combined = cov.outpatient_limit + (cov.prescription_limit or 0)
                if isinstance(combined_max, int) and combined > combined_max:
                    raise InputError(
                        f"{at}",
                        f"outpatient_limit + prescription_limit = {combined:,} exceeds {combined_max:,} "
                        "(외래·처방조제비 회(건)당 합산 한도)",
                    )

    # --- grouping ----------------------------------------------------------------------------

    def units(self, contract: Contract, rules: RuleSet, events: Sequence[MedicalEvent]) -> list[Unit]:
        result: list[Unit] = []
        groups: dict[tuple[object, ...], list[MedicalEvent]] = {}
        order: list[tuple[object, ...]] = []
        for event in events:
            merge = event.kind is not EventKind.INPATIENT and rules.typed("outpatient.same_day_merge", event.date, bool)
            kind: object = event.kind
            if rules.typed("outpatient.merge_prescription", event.date, bool) and kind is EventKind.PRESCRIPTION:
                kind = EventKind.OUTPATIENT  # 1세대: the visit's pharmacy bill is part of the visit
            key: tuple[object, ...] = (kind, event.date, event.cause, event.condition_key) if merge else (event.id,)
            if key not in groups:
                groups[key] = []
                order.append(key)
            groups[key].append(event)
        for key in order:
            members = tuple(groups[key])
            first = members[0]
            flags = frozenset({CONTINUING}) if continuing(contract, first, events) else frozenset()
            result.append(Unit(contract, rules, self.coverage_for(first), members, _benefit(first), flags))
        return result

    # --- evaluation --------------------------------------------------------------------------

    def evaluate(self, unit: Unit, ledger: Ledger, person: Person) -> Liability:
        if unit.benefit == INPATIENT:
            return self._inpatient(unit, ledger, person)
        return self._outpatient(unit, ledger, person)

    def _cite(self, unit: Unit, ref: Ref) -> str:
        return unit.rules.cite(ref, unit.coverage.value, unit.first.cause.value)

    def _eligible(self, unit: Unit, event: MedicalEvent) -> Eligible:
        return eligible_amounts(
            event=event, rules=unit.rules, coverage=unit.coverage.value, contract_start=unit.contract.start
        )

    def _outpatient(self, unit: Unit, ledger: Ledger, person: Person) -> Liability:
        contract, rules, first = unit.contract, unit.rules, unit.first
        day = first.date
        merges_rx = rules.typed("outpatient.merge_prescription", day, bool)
        kinds = {e.kind for e in unit.events}
        kind = EventKind.OUTPATIENT.value if merges_rx or EventKind.OUTPATIENT in kinds else first.kind.value
        option = _option(contract, rules)
        cov = contract.coverages[unit.coverage]
        trace: list[TraceStep] = []

        def step(ref: Ref, text: str) -> None:
            trace.append(TraceStep(self._cite(unit, ref), text))

        bucket = contract_year(contract.start, day)
        year = bucket
        counts, count_ref = rules.cited("outpatient.annual_count", day, AnnualCount)
        cap_count: int | None = counts.of(kind)
        if contract.end is not None and day > contract.end:
            after, after_ref = rules.cited("outpatient.after_term", day, OutpatientAfterTerm)
            last_day = plus_days(contract.end, after.days)
            if day > last_day:
                step(after_ref, f"보험기간 종료일 {contract.end} 후 {after.days}일({last_day})이 지난 통원 → 0")
                return Liability(0, trace=trace)
            if CONTINUING not in unit.flags:
                step(
                    after_ref,
                    "보험기간 종료 후의 통원이 보험기간 중 치료받던 질병·상해의 계속 치료가 아님 → 0",
                )
                return Liability(0, trace=trace)
            bucket, cap_count, count_ref = AFTER_TERM, after.of(kind), after_ref
            step(after_ref, f"보험기간 종료 후 계속 통원: {last_day}까지 {KIND_LABEL[kind]} {cap_count}회 한도")

        parts = [(e, self._eligible(unit, e)) for e in unit.events]
        for _, el in parts:
            trace.extend(el.trace)
        needs = tuple(sorted({n for _, el in parts for n in el.needs}))
        if needs:
            return Liability(0, trace=trace, needs=needs)
        paying = [(e, el) for e, el in parts if not el.excluded_all and el.total > 0]
        if len(unit.events) > 1:
            names = ", ".join(f"{e.id}({INSTITUTION_LABEL[e.institution.kind]})" for e in unit.events)
            step(
                rules.value("outpatient.same_day_merge", day).ref,
                f"같은 날 같은 질병·상해로 {len(unit.events)}회 {KIND_LABEL[kind]}: {names} → 1회로 봄",
            )
        covered = sum(el.covered for _, el in paying)
        noncovered = sum(el.noncovered for _, el in paying)
        eligible = covered + noncovered
        rider_items = [item for _, el in parts for item in el.rider_items]
        if eligible == 0 and not rider_items:
            trace.append(TraceStep(self._cite(unit, "{section} 제1조①"), "보상대상의료비 0 → 0"))
            return Liability(0, trace=trace)

        bands = rules.typed("outpatient.institution_band", day, InstitutionBands)
        fixed_terms = rules.typed("outpatient.fixed_deductible", day, FixedDeductible)
        if kind == EventKind.PRESCRIPTION.value:
            fixed = fixed_terms.pharmacy
            fixed_note = f"처방전 1건당 {won(fixed)}"
        elif not paying:
            fixed = 0
            fixed_note = "-"
        else:
            fixed = max(fixed_terms.of(bands.of(e.institution.kind.value)) for e, _ in paying)
            fixed_note = (
                f"가장 높은 공제금액 {won(fixed)}"
                if len(paying) > 1
                else f"{INSTITUTION_LABEL[first.institution.kind]} {won(fixed)}"
            )
        by_option, rate_ref = rules.cited("outpatient.deductible_rate", day, dict)
        rates: Rates = by_option[option]
        share = percent_of(covered, rates.covered) + percent_of(noncovered, rates.noncovered)
        if rates.covered == rates.noncovered == 0:
            share_text = "정률 없음"
        elif rates.covered == rates.noncovered:
            share_text = f"보상대상의료비 {won(eligible)} × {rates.covered}% = {won(share)}"
        else:
            share_text = (
                f"공제기준금액 = 급여 {won(covered)} × {rates.covered}% + "
                f"비급여 {won(noncovered)} × {rates.noncovered}% = {won(share)}"
            )
        deductible = larger_deductible(fixed, share) if eligible else Fraction(0)
        if eligible:
            step(rate_ref, f"공제금액 = max({fixed_note}, {share_text}) = {won(deductible)}")
        raw = eligible - deductible
        if person.nhis_status is NhisStatus.NONE:
            uninsured, uninsured_ref = rules.cited("uninsured.rate", day, int)
            raw = uninsured_share(raw, rate=uninsured)
            step(
                uninsured_ref,
                f"국민건강보험 미적용: ({won(eligible)} − {won(deductible)}) × {uninsured}% = {won(raw)}",
            )
        pay = truncate_won(raw)
        if eligible:
            step(
                "{section} 제1조①",
                f"{won(eligible)} − {won(deductible)} = {won(pay)}" if pay else "공제 후 지급액 0",
            )
        limit = cov.outpatient_limit if kind == EventKind.OUTPATIENT.value else cov.prescription_limit
        assert limit is not None
        if pay > limit:
            what = "방문 1회당" if kind == EventKind.OUTPATIENT.value else "처방전 1건당"
            step("{section} 제1조① 주2", f"{what} 보험가입금액 {won(limit)} 한도 → {won(limit)}")
            pay = limit
        used = ledger.count_used(unit.coverage.value, kind, bucket)
        if pay > 0 and cap_count is not None and used >= cap_count:
            step(count_ref, f"{KIND_LABEL[kind]} 연간 {cap_count}회 한도를 모두 사용 → 0")
            pay = 0
        coverage = unit.coverage.value
        riders = self._riders(unit, rider_items, ledger, year)
        trace.extend(riders.trace)
        basic = pay
        total = basic + riders.pay

        def commit(paid: int) -> list[TraceStep]:
            factor = Fraction(paid, total) if total else Fraction(0)
            commit_riders(riders.parts, ledger, factor)
            basic_paid = truncate_won(basic * factor)
            if basic_paid > 0:
                ledger.add_count(coverage, kind, bucket)
                ledger.add_paid(coverage, bucket, basic_paid)
                n = ledger.count_used(coverage, kind, bucket)
                of = f"/{cap_count}" if cap_count is not None else ""
                return [TraceStep(self._cite(unit, count_ref), f"{KIND_LABEL[kind]} {n}{of}회째 보상")]
            return []

        return Liability(total, eligible + riders.eligible, deductible + riders.deductible, trace, commit=commit)

    def _riders(self, unit: Unit, items: list[Item], ledger: Ledger, year: int) -> RiderResult:
        return evaluate_riders(
            items=items,
            riders=offered_riders(unit.rules, unit.first.date),
            contract=unit.contract,
            held=held_rider(unit.contract),
            ledger=ledger,
            year=year,
            cite=lambda ref: self._cite(unit, ref),
        )

    def _inpatient(self, unit: Unit, ledger: Ledger, person: Person) -> Liability:
        contract, rules, event = unit.contract, unit.rules, unit.first
        day, last = event.date, event.last_day
        cov = contract.coverages[unit.coverage]
        assert cov.limit is not None
        trace: list[TraceStep] = []

        def step(ref: Ref, text: str) -> None:
            trace.append(TraceStep(self._cite(unit, ref), text))

        window_to = None
        if contract.end is not None:
            if day > contract.end:
                step("{section} 제1조", f"보험기간 종료일 {contract.end} 후 입원 → 0")
                return Liability(0, trace=trace)
            if last > contract.end:
                after_days, after_ref = rules.cited("inpatient.after_term_days", day, int)
                window_to = plus_days(contract.end, after_days)
                step(after_ref, f"보험기간 중 입원이 종료일 후에도 계속: {window_to}까지 보상")

        el = self._eligible(unit, event)
        trace.extend(el.trace)
        if el.needs:
            return Liability(0, trace=trace, needs=el.needs)
        covered, noncovered, room = el.covered, el.noncovered, el.room

        state = ledger.condition(unit.coverage.value, event.condition_key)
        restoration, restoration_ref = rules.cited("inpatient.restoration", day, Terms)
        window_from = contract.start
        restart_on = day
        if isinstance(restoration, PeriodRestoration):  # 1세대·2009: N days from the first admission, a gap, anew
            cover, gap = restoration.cover_days, restoration.gap_days
            if state.first_admission is not None and day >= plus_days(state.first_admission, cover + gap):
                step(restoration_ref, f"보상기간 {cover}일과 면책기간 {gap}일이 지나 새로 보상")
                state.paid, state.first_admission, state.exhausted_on, state.resume_on = 0, None, None, None
            cycle_end = plus_days(state.first_admission or day, cover - 1)
            window_to = cycle_end if window_to is None else min(window_to, cycle_end)
            if last > cycle_end:
                step(
                    restoration_ref,
                    f"최초입원일 {state.first_admission or day}부터 {cover}일({cycle_end})까지만 보상, "
                    f"이후 {gap}일 보상제외",
                )
        elif state.resume_on is not None:
            if day >= state.resume_on:
                step(
                    restoration_ref,
                    f"보상한도 복원: {state.resume_on}부터 최초입원과 같은 기준으로 다시 보상",
                )
                state.paid, state.first_admission, state.exhausted_on, state.resume_on = 0, None, None, None
            else:
                window_from = max(window_from, state.resume_on)
                step(
                    restoration_ref,
                    f"보상한도종료일 {state.exhausted_on} 후 보상제외 기간: {state.resume_on}부터 다시 보상",
                )
                if last >= state.resume_on:  # 계속입원: the days from the resume date are paid afresh
                    restart_on = state.resume_on
                    state.paid, state.first_admission, state.exhausted_on, state.resume_on = (
                        0,
                        None,
                        None,
                        None,
                    )

        total_days = days_between(day, last)
        covered_days = overlap_days(day, last, window_from, window_to)
        room_days = event.inpatient_days
        if covered_days == 0:
            step("{section} 제1조", "보상 기간에 해당하는 입원일이 없음 → 0")
            return Liability(0, trace=trace)
        if covered_days < total_days:
            part = days_inside(total_days, covered_days)
            covered = truncate_won(covered * part)
            noncovered = truncate_won(noncovered * part)
            room = truncate_won(room * part)
            room_days = max(1, truncate_won(room_days * part))
            step(
                "{section} 제1조",
                f"입원 {total_days}일 중 보상 기간 {covered_days}일분만 보상대상 (일수 비례): "
                f"급여 {won(covered)}, 비급여 {won(noncovered)}, 상급병실료 차액 {won(room)}",
            )

        eligible = covered + noncovered + room
        year = contract_year(contract.start, day)
        selfpay = Fraction(0)
        if person.nhis_status is NhisStatus.NONE:
            uninsured, uninsured_ref = rules.cited("uninsured.rate", day, int)
            pay = truncate_won(uninsured_share(eligible, rate=uninsured))
            step(uninsured_ref, f"국민건강보험 미적용: 본인부담 의료비 {won(eligible)} × {uninsured}% = {won(pay)}")
            deductible = Fraction(eligible - pay)
        else:
            by_option, rate_ref = rules.cited("inpatient.selfpay_rate", day, dict)
            rates: Rates = by_option[_option(contract, rules)]
            share = percent_of(covered, rates.covered) + percent_of(noncovered, rates.noncovered)
            cap, cap_ref = rules.cited("inpatient.annual_selfpay_cap", day, object)
            assert cap is None or isinstance(cap, int)
            used = ledger.selfpay_used(unit.coverage.value, year)
            selfpay = capped_share(share, cap=cap, used=used)
            if rates.covered == rates.noncovered:
                share_text = f"({won(covered)} + {won(noncovered)}) × {rates.covered}% = {won(share)}"
            else:
                share_text = (
                    f"급여 {won(covered)} × {rates.covered}% + 비급여 {won(noncovered)} × "
                    f"{rates.noncovered}% = {won(share)}"
                )
            step(rate_ref, f"자기부담 = {share_text}")
            if selfpay < share:
                assert cap is not None
                year_from = add_years(contract.start, year)
                step(
                    cap_ref,
                    f"연간 자기부담 한도 {won(cap)} ({year_from}부터 1년, 이미 {won(used)}) "
                    f"→ 자기부담 {won(selfpay)}, 초과분 {won(share - selfpay)} 보상",
                )
            main = truncate_won(covered + noncovered - selfpay)
            step(
                "{section} 제1조",
                f"입원실료·입원제비용·수술비: {won(covered + noncovered)} − {won(selfpay)} = {won(main)}",
            )
            room_pay = 0
            if room:
                room_rate, room_ref = rules.cited("inpatient.room_selfpay_rate", day, int)
                daily = rules.typed("inpatient.room_daily_cap", day, int)
                paid_room = room_difference(room, selfpay_rate=room_rate, daily_cap=daily, days=room_days)
                half, room_cap, room_pay = paid_room.half, paid_room.cap, paid_room.pay
                step(
                    room_ref,
                    f"상급병실료 차액 {won(room)} − {room_rate}% = {won(half)}; "
                    f"1일평균 {won(daily)} × {room_days}일 = {won(room_cap)} 한도 → {won(room_pay)}",
                )
            pay = main + room_pay
            deductible = selfpay + (room - room_pay)

        remaining = cov.limit - state.paid
        if pay > remaining:
            step(
                "{section} 제1조",
                f"하나의 질병·상해당 보험가입금액 {won(cov.limit)}: 남은 한도 {won(remaining)} → {won(remaining)}",
            )
            pay = remaining
        coverage = unit.coverage.value
        limit = cov.limit
        riders = self._riders(unit, el.rider_items, ledger, year)
        trace.extend(riders.trace)
        basic = pay
        total = basic + riders.pay

        def commit(paid: int) -> list[TraceStep]:
            notes: list[TraceStep] = []
            factor = Fraction(paid, total) if total else Fraction(0)
            commit_riders(riders.parts, ledger, factor)
            basic_paid = truncate_won(basic * factor)
            ledger.add_selfpay(coverage, year, selfpay)
            ledger.add_paid(coverage, year, basic_paid)
            if state.first_admission is None:
                state.first_admission = restart_on
            state.paid += basic_paid
            if state.paid >= limit and state.exhausted_on is None and isinstance(restoration, AmountRestoration):
                wait, window = restoration.wait_days, restoration.window_days
                state.exhausted_on = last if window_to is None else min(last, window_to)
                state.resume_on = restoration_day(
                    exhausted_on=state.exhausted_on,
                    first_admission=state.first_admission,
                    wait_days=wait,
                    window_days=window,
                )
                notes.append(
                    TraceStep(
                        self._cite(unit, restoration_ref),
                        f"보험가입금액 {won(limit)} 소진: 보상한도종료일 {state.exhausted_on}, "
                        f"최초입원일 {state.first_admission} → {state.resume_on}부터 다시 보상",
                    )
                )
            return notes

        return Liability(total, eligible + riders.eligible, deductible + riders.deductible, trace, commit=commit)
