"""보상하지 않는 사유: what part of an event's costs a coverage does not pay, before any formula.

Works from the rule set's data (`exclusions.*` parameters), so every generation whose exclusions
take the same shapes (KCD ranges with exceptions, item categories, institution kinds, overseas,
the NHIS out-of-pocket refund) reuses it. The result is the 보상대상의료비 split into 급여,
비급여 and 상급병실료 차액, with a trace line for every amount removed and why.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from silson.domain.model import INSTITUTION_LABEL, Cause, EventKind, Item, MedicalEvent
from silson.rules import kcd
from silson.rules.catalogue import RuleSet
from silson.rules.decision import TraceStep
from silson.rules.money import won
from silson.rules.schema import ItemExclusion, KcdExclusion, NoncoveredInstitutions

ALL = "all"
NONCOVERED = "noncovered"
RIDER = "rider"  # moved out of the basic cover into a rider (3세대) or a sub-limit (4세대)


@dataclass(slots=True)
class Eligible:
    """보상대상의료비 of one event under one coverage, after exclusions."""

    covered: int
    noncovered: int
    room: int
    trace: list[TraceStep] = field(default_factory=list)
    needs: tuple[str, ...] = ()
    excluded_all: bool = False
    rider_items: list[Item] = field(default_factory=list)  # 비급여 items the basic cover leaves to riders

    @property
    def total(self) -> int:
        return self.covered + self.noncovered + self.room


def _kcd_rules(rules: RuleSet, key: str, event_day: date, contract_start: date) -> list[KcdExclusion]:
    """The KCD exclusions in force: by the event's date, or by the contract's where the terms say so
    (`by: contract_start`: the wording the person signed decides)."""
    day = contract_start if rules.parameter(key).by == "contract_start" else event_day
    return rules.typed(key, day, list)


def _clause(rules: RuleSet, raw: str | Mapping[str, str], coverage: str, cause: str) -> str:
    return rules.cite(raw, coverage, cause)


def eligible_amounts(
    *,
    event: MedicalEvent,
    rules: RuleSet,
    coverage: str,
    contract_start: date,
    kcd_key: str = "exclusions.kcd",
    items_key: str = "exclusions.items",
) -> Eligible:
    """Apply every exclusion of the rule set to one event; nothing here depends on other events."""
    cause = event.cause.value
    result = Eligible(event.covered, event.noncovered, event.room_difference)
    day = event.date

    def step(ref: str | Mapping[str, str], text: str) -> None:
        result.trace.append(TraceStep(_clause(rules, ref, coverage, cause), text))

    def drop_all(ref: str | Mapping[str, str], why: str) -> Eligible:
        step(ref, f"{why}: 보상대상의료비 {won(result.total)} 전액 제외 → 0")
        result.covered = result.noncovered = result.room = 0
        result.rider_items = []
        result.excluded_all = True
        return result

    def drop_noncovered(ref: str | Mapping[str, str], why: str) -> None:
        removed = result.noncovered + result.room + sum(i.amount for i in result.rider_items)
        if removed:
            step(ref, f"{why}: 비급여 {won(removed)} 제외 (급여 {won(result.covered)}는 보상대상)")
        result.noncovered = result.room = 0
        result.rider_items = []

    # 국민건강보험법 제42조의 요양기관이 아닌 외국 의료기관
    overseas, overseas_ref = rules.cited("exclusions.overseas", day, bool)
    if overseas and not event.institution.domestic:
        return drop_all(overseas_ref, f"외국 의료기관 ({event.institution.country})")

    # 한국표준질병사인분류에 따른 제외 (질병 보장만; the main code decides)
    if event.cause is Cause.DISEASE:
        if not event.kcd:
            result.needs = ("kcd",)
            step("{section} 제3조②", "판단 불가: 질병 보장의 면책 여부를 가리려면 진단코드(KCD)가 필요합니다")
            return result
        main = event.kcd[0]
        for rule in _kcd_rules(rules, kcd_key, day, contract_start):
            if not kcd.matches_any(main, rule.codes):
                continue
            part = rule.part
            if rule.except_codes and rule.except_part and kcd.matches_any(main, rule.except_codes):
                part = rule.except_part
            label = f"{rule.label} ({main})"
            if part == ALL:
                return drop_all(rule.clause, label)
            drop_noncovered(rule.clause, label)

    # 항목별 제외 (진료비 세부내역): 영양제, 외모개선, 건강검진, 증명료, 보조기, 한방·치과 비급여
    item_rules: dict[str, ItemExclusion] = rules.typed(items_key, day, dict)
    for item in event.items:
        spec = item_rules.get(item.category)
        if spec is None:
            continue
        if spec.part in (NONCOVERED, RIDER) and item.covered:
            continue
        if spec.part == RIDER:
            taken = min(item.amount, result.noncovered)
            result.noncovered -= taken
            if taken:
                result.rider_items.append(Item(item.category, taken, False, item.count))
                step(spec.clause, f"{spec.label} 비급여 {won(taken)}: 기본 보장에서 빼고 특약으로 계산")
            continue
        if item.covered:
            taken = min(item.amount, result.covered)
            result.covered -= taken
        else:
            taken = min(item.amount, result.noncovered)
            result.noncovered -= taken
        if taken:
            kind = "급여" if item.covered else "비급여"
            step(spec.clause, f"{spec.label} ({item.category.value}) {kind} {won(taken)} 제외")

    # 치과치료·한방치료에서 발생한 비급여
    inst, inst_ref = rules.cited("exclusions.noncovered_institutions", day, NoncoveredInstitutions)
    main_code = event.kcd[0] if event.kcd else None
    dental_or_korean = event.institution.kind in inst.kinds
    # 치과치료 by its code: K00–K08 under disease; under injury the tooth itself (치아 관련 치료), wherever treated
    dental_codes = inst.disease_dental_codes if event.cause is Cause.DISEASE else inst.injury_dental_codes
    dental_code = main_code is not None and kcd.matches_any(main_code, dental_codes)
    # 상해 제3조③1 단서: 안면부골절로 발생한 의료비는 치아 관련 치료를 제외하고 보상 (a tooth's own fracture is not it)
    facial_fracture = (
        event.cause is Cause.INJURY
        and main_code is not None
        and not dental_code
        and event.institution.kind.value.startswith("dental")
        and kcd.matches_any(main_code, inst.injury_facial_fracture_codes)
    )
    if (dental_or_korean or dental_code) and not facial_fracture:
        tooth = dental_code and event.cause is Cause.INJURY
        where = f"치아 관련 치료 {main_code}" if tooth else INSTITUTION_LABEL[event.institution.kind]
        drop_noncovered(inst_ref, f"치과·한방 비급여 ({where})")

    # 본인부담상한제: 공단에서 사전·사후 환급 가능한 급여 본인부담금
    refund, refund_ref = rules.cited("exclusions.nhis_refundable", day, bool)
    if refund and event.nhis_refundable:
        taken = min(event.nhis_refundable, result.covered)
        result.covered -= taken
        step(refund_ref, f"본인부담상한제 환급 대상 {won(taken)} 제외 → 급여 {won(result.covered)}")

    if event.other_payer is not None:
        payer = "자동차보험" if event.other_payer.value == "auto" else "산재보험"
        step(
            {"injury": "{section} 제3조③9", "disease": "{section} 제3조③10"},
            f"{payer} 처리분 제외, 본인이 부담한 의료비만 보상대상",
        )

    if event.kind is not EventKind.INPATIENT and result.room:
        result.room = 0
    if result.total == 0 and event.paid_total > 0 and not result.trace:
        result.excluded_all = True
    return result
