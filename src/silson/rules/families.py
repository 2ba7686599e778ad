"""The two formula families, and what each reads on a day as one typed object.

1세대–3세대 pay 급여 and 비급여 together (`combined.py`); 4세대·5세대 pay them as separate coverages
(`split.py`). A rule set names its family in its file (`formulas:`), checked at load. This module is
the one place that turns that name into a type: `outpatient_terms` and `inpatient_terms` give a
`Combined…` or `Split…` object of the typed parameters (`schema.py`) in force on a day, and code
that must treat the families differently — the batch's columnar parameters, discover's bounds —
`match`es on that object's type instead of comparing the name. The batch columns are a flattening
of these objects, so the scalar and columnar paths cannot read a parameter differently.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from silson.rules.catalogue import RuleSet
from silson.rules.formula import InputError
from silson.rules.schema import (
    AmountRestoration,
    AnnualCount,
    Family,
    FixedDeductible,
    InstitutionBands,
    NoncoveredPart,
    PeriodRestoration,
    Rates,
    Rider,
    SplitFixedDeductible,
    Terms,
)


@dataclass(frozen=True, slots=True)
class CombinedOutpatient:
    """외래·처방조제 of the combined family on one day, for one deductible option."""

    same_day_merge: bool  # 같은 날 같은 질병·상해의 외래는 1회
    merge_prescription: bool  # 1세대: 처방조제비는 그 외래의 일부
    counts: AnnualCount  # 연간 방문·처방 횟수
    bands: InstitutionBands[str]  # 요양기관 종별 → 공제 구간
    fixed: FixedDeductible  # 구간별 공제금액
    rates: Rates  # the option's 공제기준금액 rates
    limitation_years: int


@dataclass(frozen=True, slots=True)
class SplitOutpatient:
    """급여 통원 and the 비급여 parts of the split family on one day."""

    copay_rate_term: bool  # 5세대: 공제금액에 건강보험 본인부담률 항
    covered_rate: int  # 급여 자기부담률
    bands: InstitutionBands[str]
    fixed: SplitFixedDeductible
    parts: tuple[NoncoveredPart, ...]
    limitation_years: int


@dataclass(frozen=True, slots=True)
class CombinedInpatient:
    rates: Rates  # the option's 자기부담률
    annual_selfpay_cap: int | None  # 연간 자기부담 한도 (None: 1세대, no cap)
    room_rate: int  # 상급병실료 차액 자기부담률
    room_daily_cap: int  # 1일평균 한도
    restoration: AmountRestoration | PeriodRestoration
    limitation_years: int


@dataclass(frozen=True, slots=True)
class SplitInpatient:
    covered_rate: int
    covered_selfpay_cap: int
    parts: tuple[NoncoveredPart, ...]
    limitation_years: int


def family(rules: RuleSet) -> Family:
    """The rule set's family (its `formulas:`, checked when the catalogue loaded)."""
    return rules.formulas


def _option(rules: RuleSet, option: str | None) -> str:
    chosen = option or rules.default_option
    if chosen is None:
        raise InputError("option", f"{rules.id} needs a deductible option (one of {', '.join(rules.options)})")
    return chosen


def outpatient_terms(rules: RuleSet, day: date, option: str | None) -> CombinedOutpatient | SplitOutpatient:
    """What the outpatient formula of `rules` reads on `day`.

    >>> from silson.rules.catalogue import load_catalogue
    >>> terms = outpatient_terms(load_catalogue().get("std-2015-09"), date(2016, 3, 1), "standard")
    >>> terms.fixed.of(terms.bands.of("hospital")), terms.rates.covered
    (15000, 20)
    """
    years = rules.typed("limitation.years", day, int)
    match family(rules):
        case Family.COMBINED:
            rates: dict[str, Rates] = rules.typed("outpatient.deductible_rate", day, dict)
            return CombinedOutpatient(
                same_day_merge=rules.typed("outpatient.same_day_merge", day, bool),
                merge_prescription=rules.typed("outpatient.merge_prescription", day, bool),
                counts=rules.typed("outpatient.annual_count", day, AnnualCount),
                bands=rules.typed("outpatient.institution_band", day, InstitutionBands),
                fixed=rules.typed("outpatient.fixed_deductible", day, FixedDeductible),
                rates=rates[_option(rules, option)],
                limitation_years=years,
            )
        case Family.SPLIT:
            return SplitOutpatient(
                copay_rate_term=rules.typed("covered.copay_rate_term", day, bool),
                covered_rate=rules.typed("covered.selfpay_rate", day, int),
                bands=rules.typed("covered.institution_band", day, InstitutionBands),
                fixed=rules.typed("covered.outpatient_fixed", day, SplitFixedDeductible),
                parts=tuple(rules.typed("noncovered.parts", day, list)),
                limitation_years=years,
            )


def inpatient_terms(rules: RuleSet, day: date, option: str | None) -> CombinedInpatient | SplitInpatient:
    """What the admission formula of `rules` reads on `day`."""
    years = rules.typed("limitation.years", day, int)
    match family(rules):
        case Family.COMBINED:
            rates: dict[str, Rates] = rules.typed("inpatient.selfpay_rate", day, dict)
            cap = rules.typed("inpatient.annual_selfpay_cap", day, object)
            restoration = rules.typed("inpatient.restoration", day, Terms)
            assert isinstance(restoration, AmountRestoration | PeriodRestoration)
            return CombinedInpatient(
                rates=rates[_option(rules, option)],
                annual_selfpay_cap=cap if isinstance(cap, int) else None,
                room_rate=rules.typed("inpatient.room_selfpay_rate", day, int),
                room_daily_cap=rules.typed("inpatient.room_daily_cap", day, int),
                restoration=restoration,
                limitation_years=years,
            )
        case Family.SPLIT:
            return SplitInpatient(
                covered_rate=rules.typed("covered.selfpay_rate", day, int),
                covered_selfpay_cap=rules.typed("covered.inpatient_selfpay_cap", day, int),
                parts=tuple(rules.typed("noncovered.parts", day, list)),
                limitation_years=years,
            )


__all__ = ["Family", "family", "inpatient_terms", "outpatient_terms", "riders"]


def riders(rules: RuleSet, day: date) -> dict[str, Rider]:
    """The 3대비급여 riders the terms offer on `day` (none before 2017-04)."""
    offered = rules.typed("riders", day, object)
    return dict(offered) if isinstance(offered, dict) else {}
