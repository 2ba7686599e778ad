"""The declared shape of every terms parameter: what a `value` of `terms/*.yaml` may hold.

Each parameter name the catalogue knows is declared here once, with a frozen Pydantic model (or a
scalar type) for its value: money is `int` won, rates are `int` percent, KCD codes are strings in
KCD form, institution kinds and item categories are the closed sets of `silson.domain.model`.
`catalogue.py` validates every dated value of every file against its declaration while loading, so a
misspelled parameter or key, a wrong type or a missing key fails at `silson terms list`, naming the
file, the parameter, the dated value and the key path, and never later at adjudication. The formula
families read these models (`RuleSet.typed`, `RuleSet.cited`: the value with its clause), never the
plain YAML values.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    Strict,
    StrictBool,
    StrictInt,
    StrictStr,
    TypeAdapter,
    ValidationError,
    model_validator,
)
from pydantic_core import ErrorDetails

from silson.domain.model import Cause, CoverageKey, InstitutionKind, ItemCategory
from silson.errors import DataError
from silson.rules import kcd


class Family(StrEnum):
    """`formulas:` of a rule set file: which formula family computes it (`rules/families.py`)."""

    COMBINED = "combined"  # 급여·비급여 together: 1세대, 2009/2013/2015 표준, 2017 기본형 + 특약
    SPLIT = "split"  # 급여 and 비급여 apart: 2021-07 4세대, 2026-05 5세대


# --- leaves --------------------------------------------------------------------------------------

# strict leaves (not only the models' config): a bare scalar parameter is validated outside any model
Won = Annotated[StrictInt, Field(ge=0)]  # 원, exact
Percent = Annotated[StrictInt, Field(ge=0, le=100)]
Days = Annotated[StrictInt, Field(gt=0)]
Count = Annotated[StrictInt, Field(ge=0)]
Text = Annotated[StrictStr, Field(min_length=1)]
# the domain enums arrive as their string values: lax for these leaves only
Institution = Annotated[InstitutionKind, Strict(False)]
Category = Annotated[ItemCategory, Strict(False)]
Option = Literal["standard", "choice1", "choice2"]  # 표준형 / 선택형Ⅰ / 선택형Ⅱ
Part = Literal["all", "noncovered"]  # what an exclusion removes: everything, or the 비급여 only
PartKey = Literal["noncovered", "noncovered_severe", "noncovered_other"]  # 4세대 / 5세대 중증 / 비중증
RiderKey = Literal["rider_manual_therapy", "rider_injection", "rider_mri"]

#: the keys a clause mapping may use: a cause, or a coverage (RuleSet.cite looks up both)
REF_KEYS = frozenset(c.value for c in Cause) | frozenset(c.value for c in CoverageKey)


def _kcd_pattern(text: str) -> str:
    """A KCD code or prefix ("N39.3", "K64") or a range of categories ("K60-K62")."""
    if not all(kcd.is_valid(side) for side in text.split("-", 1)):
        raise ValueError(f"'{text}' is not a KCD code or range (e.g. K64, N39.3, K60-K62)")
    return text


def _ref(raw: object) -> str | dict[str, str]:
    """A clause reference: the text, or one text per cause or coverage."""
    if isinstance(raw, str) and raw:
        return raw
    if isinstance(raw, Mapping) and raw:
        for key, text in raw.items():
            if key not in REF_KEYS:
                raise ValueError(f"'{key}' is not a cause or coverage (a clause per injury/disease or per coverage)")
            if not isinstance(text, str) or not text:
                raise ValueError(f"the clause for '{key}' must be text")
        return dict(raw)
    raise ValueError("expected the clause as text, or a mapping of cause or coverage to text")


KcdPattern = Annotated[StrictStr, AfterValidator(_kcd_pattern)]
Ref = Annotated[str | dict[str, str], PlainValidator(_ref)]


class Terms(BaseModel):
    """Base of every declared value: immutable, no key it does not name, no type coercion."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class Keyed(Terms):
    """A shape whose keys are names the formulas hold in a variable (a band, an institution kind,
    a visit kind): `of(name)` reads one, and a name the shape does not declare is a bug."""

    def of(self, name: str) -> Any:
        if name not in _field_names(type(self)):
            raise KeyError(f"{type(self).__name__} has no key {name!r}")
        return getattr(self, name)


@functools.cache
def _field_names(shape: type[BaseModel]) -> frozenset[str]:
    """A shape's declared keys, read once per class (pydantic's `model_fields` is a property)."""
    return frozenset(shape.model_fields)


# --- shapes --------------------------------------------------------------------------------------


class Rates(Terms):
    covered: Percent  # 급여
    noncovered: Percent  # 비급여


OptionRates = dict[Option, Rates]  # per deductible option of the rule set


class AmountRestoration(Terms):
    """2015-09 on: the limit comes back `wait_days` after it ran out, or `window_days` after the
    first admission (보상한도 복원)."""

    type: Literal["amount"]
    wait_days: Days
    window_days: Days


class PeriodRestoration(Terms):
    """1세대·2009: `cover_days` of cover from the first admission, then `gap_days` without."""

    type: Literal["period"]
    cover_days: Days
    gap_days: Days


Restoration = Annotated[AmountRestoration | PeriodRestoration, Field(discriminator="type")]

B = TypeVar("B", bound=str)


class InstitutionBands(Keyed, Generic[B]):
    """요양기관 종별 → the band that picks the fixed deductible; every institution kind has one."""

    tertiary: B
    general_hospital: B
    hospital: B
    nursing_hospital: B
    dental_hospital: B
    korean_medicine_hospital: B
    clinic: B
    dental_clinic: B
    korean_medicine_clinic: B
    public_health: B
    midwifery: B
    pharmacy: B
    rare_drug_center: B


CombinedBand = Literal["clinic", "hospital", "tertiary", "pharmacy", "all"]
SplitBand = Literal["low", "high", "pharmacy"]


class FixedDeductible(Keyed):
    """외래 방문 1회당·처방전 1건당 공제금액 by band (1세대 has one band, `all`)."""

    clinic: Won | None = None
    hospital: Won | None = None
    tertiary: Won | None = None
    all: Won | None = None
    pharmacy: Won


class SplitFixedDeductible(Keyed):
    low: Won  # 병·의원·보건소
    high: Won  # 종합병원·상급종합병원
    pharmacy: Won


class AnnualCount(Keyed):
    outpatient: Count | None  # None = no yearly number
    prescription: Count | None


class OutpatientAfterTerm(Keyed):
    days: Days
    outpatient: Count
    prescription: Count


class AfterTerm(Terms):
    days: Days
    visits: Count


class PartLimits(Terms):
    annual_limit: Won
    outpatient_limit: Won | None = None


class KcdExclusion(Terms):
    id: Text
    label: Text
    codes: list[KcdPattern] = Field(min_length=1)
    part: Part
    except_codes: list[KcdPattern] | None = None
    except_part: Part | None = None
    clause: Ref

    @model_validator(mode="after")
    def _exception_is_whole(self) -> KcdExclusion:
        if (self.except_codes is None) != (self.except_part is None):
            raise ValueError("except_codes and except_part go together")
        return self


class ItemExclusion(Terms):
    part: Literal["all", "noncovered", "rider"]  # rider = paid by a rider (3대비급여), not the base cover
    clause: Ref
    label: Text


class NoncoveredInstitutions(Terms):
    kinds: list[Institution]
    disease_dental_codes: list[KcdPattern]
    injury_dental_codes: list[KcdPattern]
    injury_facial_fracture_codes: list[KcdPattern]


class Rider(Terms):
    label: Text
    categories: list[Category] = Field(min_length=1)
    minimum: Won  # a session
    rate: Percent
    annual_limit: Won
    annual_count: Count | None = None
    clause: Ref


Riders = dict[RiderKey, Rider]
KcdExclusions = list[KcdExclusion]
ItemExclusions = dict[Category, ItemExclusion]


def _names(shape: object, what: str) -> AfterValidator:
    """A value that names another parameter, which must be declared with `shape`."""

    def check(name: str) -> str:
        declared = DECLARED.get(name)
        if declared is None or declared.shape is not shape:
            fitting = ", ".join(sorted(k for k, d in DECLARED.items() if d.shape is shape))
            raise ValueError(f"'{name}' is not a parameter of {what} (one of {fitting})")
        return name

    return AfterValidator(check)


class DeductibleCap(Terms):
    amount: Won
    institutions: list[Institution]


class PerStayCap(Terms):
    amount: Won
    except_institutions: list[Institution]


class Room(Terms):
    rate: Percent
    daily_cap: Won


class PartInpatient(Terms):
    selfpay_rate: Percent
    deductible_cap: DeductibleCap | None = None
    per_stay_cap: PerStayCap | None = None
    room: Room | None = None


class PartOutpatient(Terms):
    per: Literal["visit", "day"]
    minimum: Won
    rate: Percent
    count: Count
    limit: Won


class NoncoveredPart(Terms):
    """One 비급여 coverage of the split generations (4세대 one, 5세대 중증 and 비중증)."""

    key: PartKey
    when: Literal["any", "severe", "not_severe"]
    label: Text
    clause: Ref
    kcd: Annotated[StrictStr, _names(KcdExclusions, "KCD exclusions")]
    items: Annotated[StrictStr, _names(ItemExclusions, "item exclusions")]
    riders: Annotated[StrictStr, _names(Riders, "riders")] | None = None
    inpatient: PartInpatient
    outpatient: PartOutpatient


# --- the declarations ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Declared:
    shape: Any  # the type of the value
    adapter: TypeAdapter[Any]


def _declare(shapes: Mapping[str, Any]) -> dict[str, Declared]:
    return {key: Declared(shape, TypeAdapter(shape)) for key, shape in shapes.items()}


DECLARED: dict[str, Declared] = _declare(
    {
        # money limits of the coverages
        "coverage.inpatient_limit_max": Won,
        "coverage.outpatient_combined_max": Won | None,
        "coverage.limits_max": dict[Literal["covered", PartKey], PartLimits],
        # 입원, combined generations
        "inpatient.selfpay_rate": OptionRates,
        "inpatient.annual_selfpay_cap": Won | None,
        "inpatient.room_selfpay_rate": Percent,
        "inpatient.room_daily_cap": Won,
        "inpatient.restoration": Restoration,
        "inpatient.after_term_days": Days,
        # 통원, combined generations
        "outpatient.institution_band": InstitutionBands[CombinedBand],
        "outpatient.fixed_deductible": FixedDeductible,
        "outpatient.deductible_rate": OptionRates,
        "outpatient.annual_count": AnnualCount,
        "outpatient.after_term": OutpatientAfterTerm,
        "outpatient.merge_prescription": StrictBool,
        "outpatient.same_day_merge": StrictBool,
        # 급여 and 비급여, split generations
        "after_term": AfterTerm,
        "covered.selfpay_rate": Percent,
        "covered.inpatient_selfpay_cap": Won,
        "covered.institution_band": InstitutionBands[SplitBand],
        "covered.outpatient_fixed": SplitFixedDeductible,
        "covered.copay_rate_term": StrictBool,
        "noncovered.parts": list[NoncoveredPart],
        # 3대비급여
        "riders": Riders,
        "riders_other": Riders,
        # exclusions
        "exclusions.kcd": KcdExclusions,
        "exclusions.kcd_other": KcdExclusions,
        "exclusions.items": ItemExclusions,
        "exclusions.items_other": ItemExclusions,
        "exclusions.noncovered_institutions": NoncoveredInstitutions,
        "exclusions.overseas": StrictBool,
        "exclusions.nhis_refundable": StrictBool,
        # everything else
        "uninsured.rate": Percent,
        "sharing.method": Literal["max_eligible_minus_min_deductible"],
        "limitation.years": Annotated[StrictInt, Field(gt=0)],
    }
)


class ShapeError(DataError):
    """A value that does not have its declared shape; `problems` are "path: what is wrong" texts."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        shown = "; ".join(self.problems[:3])
        more = len(self.problems) - 3
        super().__init__(shown + (f"; and {more} more" if more > 0 else ""))


def unknown_parameter(key: str) -> str:
    """The complaint for a parameter name nothing declares, with the nearest declared name."""
    near = difflib.get_close_matches(key, DECLARED, n=1)
    return "unknown parameter" + (f" (did you mean {near[0]}?)" if near else "")


def validate(key: str, value: object) -> Any:
    """The value as its declared model (or scalar). Raises ShapeError naming each key path."""
    try:
        return DECLARED[key].adapter.validate_python(value)
    except ValidationError as exc:
        errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")  # a typo first
        raise ShapeError([_explain(e, value) for e in errors]) from None


def check_ref(ref: object) -> None:
    """A dated value's own `ref`: text, or a clause per cause or coverage. Raises ShapeError."""
    try:
        _ref(ref)
    except ValueError as exc:
        raise ShapeError([f"ref: {exc}"]) from None


_EXPECTED = {
    "int_type": "expected an integer",
    "bool_type": "expected true or false",
    "string_type": "expected text",
    "dict_type": "expected a mapping",
    "model_type": "expected a mapping",
    "list_type": "expected a list",
}


def _explain(error: ErrorDetails, value: object) -> str:
    path, kind, got = _path(error["loc"], value), error["type"], error["input"]
    ctx = error.get("ctx", {})
    if kind == "extra_forbidden":
        return f"{path}: unknown key"
    if kind == "missing":
        return f"{path}: missing required key"
    if kind in ("literal_error", "enum"):
        if path.endswith("[key]"):
            return f"{path.removesuffix('[key]')}: unknown key (one of {ctx['expected']})"
        return f"{path}: {got!r} is not one of {ctx['expected']}"
    if kind == "union_tag_invalid":
        return f"{path}.{ctx['discriminator'].strip(chr(39))}: {ctx['tag']!r} is not one of {ctx['expected_tags']}"
    if kind == "union_tag_not_found":
        return f"{path}.{ctx['discriminator'].strip(chr(39))}: missing required key"
    if kind in _EXPECTED:
        return f"{path}: {_EXPECTED[kind]}, got {type(got).__name__} {got!r}"
    if kind == "value_error":  # our own validators say what they expected
        return f"{path}: {error['msg'].removeprefix('Value error, ')}"
    return f"{path}: {error['msg'][0].lower()}{error['msg'][1:]}, got {got!r}"


def _path(loc: tuple[int | str, ...], value: object) -> str:
    """Pydantic's error location as a key path into the YAML value, e.g. `value.riders[0].kcd`.

    Following the value itself drops the labels Pydantic adds for a member of a union.
    """
    text, here = "value", value
    for i, step in enumerate(loc):
        last = i == len(loc) - 1
        if step == "[key]":
            text += "[key]"
        elif isinstance(step, int) and isinstance(here, list):
            text += f"[{step}]"
            here = here[step] if step < len(here) else None
        elif isinstance(here, Mapping) and (step in here or last):
            text += f".{step}"
            here = here.get(step)
        elif not last and isinstance(here, Mapping):
            continue  # a union member's label, not a key of the value
        else:
            text += f".{step}"
            here = None
    return text
