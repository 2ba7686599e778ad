"""Which rule set a contract is under: from its product code, its contract date, the kind of insurer
(손해보험 / 생명보험, which only matters before 2009-10), and its re-subscriptions (재가입), each of which
moves the contract to the terms in force on that day. Renewals (갱신) keep the original terms.

Every answer says whether it is certain and why, so a person can correct a guess: a date inside a
boundary the sources disagree on, an unknown insurer kind before 2009-10, an unknown deductible option.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from silson.errors import Invalid
from silson.rules.catalogue import Catalogue, RuleSet


@dataclass(frozen=True, slots=True)
class TermsPeriod:
    """From `start` (inclusive) to `end` (exclusive; None = open) the contract is under `rule_set`."""

    start: date
    end: date | None
    rule_set: str
    product: str | None
    option: str | None
    certain: bool
    reasons: tuple[str, ...]


def _standard_for(catalogue: Catalogue, day: date, insurer_kind: str | None) -> tuple[RuleSet, bool, list[str]]:
    candidates = [
        r
        for r in (catalogue.get(i) for i in catalogue.standard_ids())
        if r.contracts_from <= day and (r.contracts_until is None or day < r.contracts_until)
    ]
    if not candidates:
        raise Invalid(f"no rule set of the catalogue applies to contracts dated {day}", field="start")
    reasons: list[str] = []
    certain = True
    if len(candidates) > 1:  # 2008-05 to 2009-09: 생보 and 손보 1세대 overlap
        life = [r for r in candidates if r.id.endswith("-life")]
        nonlife = [r for r in candidates if not r.id.endswith("-life")]
        if insurer_kind == "life" and life:
            chosen = life[0]
            reasons.append("생명보험사 계약 → 생보형 1세대")
        else:
            chosen = nonlife[0]
            if insurer_kind != "nonlife":
                certain = False
                reasons.append("보험사 종류(손보/생보)를 모름: 손보형으로 추정")
            else:
                reasons.append("손해보험사 계약 → 손보형 1세대")
    else:
        chosen = candidates[0]
    for window in chosen.uncertain:
        if window.start <= day < window.end:
            certain = False
            reasons.append(f"경계가 불확실한 기간 ({window.start}~{window.end}): {window.why}")
    reasons.insert(0, f"계약일 {day} → {chosen.id} ({chosen.contracts_from}부터 판매된 약관)")
    return chosen, certain, reasons


def map_contract(
    *,
    catalogue: Catalogue,
    start: date,
    product: str | None = None,
    insurer_kind: str | None = None,
    option: str | None = None,
    resubscribed: Sequence[date] = (),
) -> list[TermsPeriod]:
    """The contract's terms over time: one period from the contract date, and one more from each
    re-subscription date (재가입: 보험기간 종료 후 그날 판매 중인 표준약관으로)."""
    periods: list[TermsPeriod] = []
    starts = [start, *sorted(d for d in resubscribed if d > start)]
    for i, day in enumerate(starts):
        rules, certain, reasons = _standard_for(catalogue, day, insurer_kind)
        bound = None
        if i == 0 and product:
            known = catalogue.rule_sets.get(product)
            if known is not None and known.kind == "product":
                if known.base == rules.id:
                    bound = product
                    reasons.append(f"상품코드 {product} → {known.title} ({known.base})")
                else:
                    certain = False
                    reasons.append(f"상품코드 {product}는 {known.base} 상품인데 계약일은 {rules.id} 기간: 확인 필요")
            else:
                reasons.append(f"상품코드 {product}는 카탈로그에 없음: 표준약관 {rules.id} 적용")
        if i > 0:
            reasons.insert(0, f"{day} 재가입: 그날의 표준약관으로 바뀜")
        chosen_option = option if i == 0 else None
        if chosen_option is None and rules.default_option is None and rules.options:
            certain = False
            reasons.append(f"공제 유형을 모름 ({', '.join(f'{k}={v}' for k, v in rules.options.items())})")
        elif chosen_option is not None and chosen_option not in rules.options:
            certain = False
            reasons.append(f"공제 유형 {chosen_option}은 {rules.id}에 없음")
            chosen_option = None
        end = starts[i + 1] if i + 1 < len(starts) else None
        periods.append(TermsPeriod(day, end, rules.id, bound, chosen_option, certain, tuple(reasons)))
    return periods
