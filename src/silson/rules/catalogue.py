"""The terms catalogue: every rule set (standard terms of a generation, or a product bound to one)
as dated data with the clause each value comes from.

One YAML file per rule set under `terms/`. A standard rule set holds all its parameters; a product
names its `base` and overrides only what differs. Loading checks what a person editing the data
could get wrong: dated values with gaps or overlaps, an override of a key the base lacks, a
reference that names no clause, and every value against its parameter's declared shape
(`schema.py`): an unknown parameter or key, a wrong type or a missing key fails here, naming the
file, the parameter, the dated value and the key path. The engine never reads files: it is handed a
`Catalogue`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Any, TypeVar

import yaml

from silson.errors import DataError
from silson.rules import schema

Ref = str | Mapping[str, str]
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

T = TypeVar("T")

#: Which date selects a parameter's value.
BY_EVENT = "event"
BY_CONTRACT_START = "contract_start"


class CatalogueError(DataError):
    """The terms data is inconsistent; the message names the file, the key and the problem."""


@dataclass(frozen=True, slots=True)
class DatedValue:
    start: date
    end: date | None  # exclusive; None = open
    value: Any  # as the file says it (shown by `silson terms`, hashed into the catalogue version)
    ref: Ref
    terms: Any = None  # the same value as its declared model (`schema.DECLARED`), validated at load

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


@dataclass(frozen=True, slots=True)
class Parameter:
    key: str
    label: str
    values: tuple[DatedValue, ...]
    unit: str | None = None
    by: str = BY_EVENT

    def at(self, day: date) -> DatedValue:
        for dated in self.values:  # DatedValue.covers, inline: the engine asks this for every value it reads
            if dated.start <= day and (dated.end is None or day < dated.end):
                return dated
        raise CatalogueError(f"parameter {self.key} has no value for {day.isoformat()}")


@dataclass(frozen=True, slots=True)
class UncertainWindow:
    """Contract dates where the sources disagree on which terms applied."""

    start: date
    end: date
    why: str


@dataclass(frozen=True, slots=True)
class RuleSet:
    """One rule set as the engine sees it (a product is already merged onto its base)."""

    id: str
    kind: str  # "standard" | "product"
    title: str
    formulas: schema.Family  # which formula family computes this generation
    citation: str  # prefix of every clause reference in a trace, e.g. "Hi1701"
    contracts_from: date
    contracts_until: date | None
    options: Mapping[str, str]
    sections: Mapping[str, str]
    parameters: Mapping[str, Parameter]
    generation: int
    default_option: str | None = None  # the option of terms that offer none (1세대, 4세대, 5세대)
    uncertain: tuple[UncertainWindow, ...] = ()
    sources: tuple[str, ...] = ()
    base: str | None = None
    insurer: str | None = None
    product: Mapping[str, Any] = field(default_factory=dict)
    overrides: tuple[str, ...] = ()

    def parameter(self, key: str) -> Parameter:
        try:
            return self.parameters[key]
        except KeyError:
            raise CatalogueError(f"rule set {self.id} has no parameter {key}") from None

    def value(self, key: str, day: date) -> DatedValue:
        return self.parameter(key).at(day)

    def typed(self, key: str, day: date, shape: type[T]) -> T:
        """The value of `key` on `day` as its declared model (`schema.DECLARED`, validated when the
        file was loaded). `shape` is what the caller expects (a model, `schema.Terms` for a union to
        `match` on, `dict`, `list`, `int`, `bool`); anything else is a bug in the caller.

        >>> from silson.rules.schema import AmountRestoration, Terms
        >>> rules = load_catalogue().get("std-2015-09")
        >>> match rules.typed("inpatient.restoration", date(2016, 1, 1), Terms):
        ...     case AmountRestoration(wait_days=wait):
        ...         wait
        90
        """
        terms = self.parameter(key).at(day).terms  # as `cited`, without building the pair
        if not isinstance(terms, shape):
            raise CatalogueError(f"parameter {key} holds {type(terms).__name__}, not {shape.__name__}")
        return terms

    def cited(self, key: str, day: date, shape: type[T]) -> tuple[T, Ref]:
        """The typed value of `key` on `day` and the clause it comes from (its `ref`)."""
        dated = self.parameter(key).at(day)
        if not isinstance(dated.terms, shape):
            raise CatalogueError(f"parameter {key} holds {type(dated.terms).__name__}, not {shape.__name__}")
        return dated.terms, dated.ref

    def cite(self, ref: Ref, coverage: str, cause: str) -> str:
        """The clause reference as a person reads it, e.g. "Hi1701 질병통원 제1조②"."""
        if isinstance(ref, Mapping):
            text = ref.get(coverage) or ref.get(cause)
            if text is None:
                raise CatalogueError(f"{self.id}: reference {dict(ref)} names no clause for {coverage}")
        else:
            text = ref
        section = self.sections.get(coverage, coverage)
        return f"{self.citation} {text.replace('{section}', section)}"


@dataclass(frozen=True, slots=True)
class Catalogue:
    rule_sets: Mapping[str, RuleSet]
    version: str  # content hash of the data files: results record which catalogue decided them

    def get(self, rule_set_id: str) -> RuleSet:
        try:
            return self.rule_sets[rule_set_id]
        except KeyError:
            known = ", ".join(sorted(self.standard_ids()))
            raise CatalogueError(f"rule set '{rule_set_id}' is not in the catalogue (known: {known})") from None

    def standard_ids(self) -> list[str]:
        return sorted(k for k, r in self.rule_sets.items() if r.kind == "standard")

    def product_ids(self) -> list[str]:
        return sorted(k for k, r in self.rule_sets.items() if r.kind == "product")

    def resolve(self, terms: str, product: str | None) -> RuleSet:
        """The rule set for a contract: its product's, when the catalogue has that product, else the
        standard terms it names. A product bound to other terms than the contract says is an error."""
        base = self.get(terms)
        if base.kind != "standard":
            raise CatalogueError(f"'{terms}' is a product; name its standard terms ({base.base}) instead")
        if product and product in self.rule_sets:
            bound = self.rule_sets[product]
            if bound.base != terms:
                raise CatalogueError(f"product {product} is bound to {bound.base}, not to {terms}")
            return bound
        return base


# --- loading -------------------------------------------------------------------------------------


def _as_date(raw: Any, where: str) -> date:
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        raise CatalogueError(f"{where}: '{raw}' is not a date (YYYY-MM-DD)") from None


_DATED_KEYS = {"from", "until", "value", "ref"}


def _family(raw: object, where: str) -> schema.Family:
    try:
        return schema.Family(str(raw))
    except ValueError:
        known = ", ".join(f.value for f in schema.Family)
        raise CatalogueError(f"{where}: formulas: {raw!r} is not a formula family (one of {known})") from None


def _parse_parameter(key: str, raw: Mapping[str, Any], where: str) -> Parameter:
    if key not in schema.DECLARED:
        raise CatalogueError(f"{where}: {key}: {schema.unknown_parameter(key)}")
    if not isinstance(raw, Mapping) or "values" not in raw:
        raise CatalogueError(f"{where}: parameter {key} needs 'values'")
    unknown = set(raw) - {"label", "unit", "by", "values"}
    if unknown:
        raise CatalogueError(f"{where}: parameter {key} has unknown keys {sorted(unknown)}")
    by = raw.get("by", BY_EVENT)
    if by not in (BY_EVENT, BY_CONTRACT_START):
        raise CatalogueError(f"{where}: parameter {key}: 'by' must be event or contract_start")
    values = []
    for i, entry in enumerate(raw["values"]):
        at = f"{where}: {key}.values[{i}]"
        if not isinstance(entry, Mapping):
            raise CatalogueError(f"{at}: expected a mapping with from, value, ref")
        missing = {"from", "value", "ref"} - set(entry)
        if missing:
            raise CatalogueError(f"{at}: missing {sorted(missing)}")
        if set(entry) - _DATED_KEYS:
            raise CatalogueError(f"{at}: unknown keys {sorted(set(entry) - _DATED_KEYS)} (from, until, value, ref)")
        ref = entry["ref"]
        if not ref or not isinstance(ref, str | Mapping):
            raise CatalogueError(f"{at}: 'ref' must name the clause the value comes from")
        end = _as_date(entry["until"], at) if entry.get("until") is not None else None
        start = _as_date(entry["from"], at)
        try:
            schema.check_ref(ref)
            terms = schema.validate(key, entry["value"])
        except schema.ShapeError as exc:
            raise CatalogueError(f"{where}: {key} (from {start.isoformat()}): {exc}") from None
        values.append(DatedValue(start, end, entry["value"], ref, terms))
    return Parameter(key, str(raw.get("label", key)), tuple(values), raw.get("unit"), by)


def check_dated_values(parameter: Parameter, where: str, starts_by: date | None = None) -> None:
    """Reject gaps and overlaps between a parameter's dated values, and an empty or closed series.

    Values must follow each other without a day missing or a day claimed twice, start no later
    than the rule set does, and the last must stay open (events keep happening under old terms).
    """
    values = sorted(parameter.values, key=lambda v: v.start)
    if not values:
        raise CatalogueError(f"{where}: {parameter.key} has no values")
    if starts_by is not None and values[0].start > starts_by:
        raise CatalogueError(
            f"{where}: {parameter.key} starts {values[0].start}, after the rule set does ({starts_by}): "
            "a gap at the start"
        )
    for prev, nxt in pairwise(values):
        if prev.end is None or nxt.start < prev.end:
            raise CatalogueError(f"{where}: {parameter.key} values from {prev.start} and {nxt.start} overlap")
        if nxt.start > prev.end:
            raise CatalogueError(f"{where}: {parameter.key} has a gap from {prev.end} to {nxt.start}")
    for v in values:
        if v.end is not None and v.end <= v.start:
            raise CatalogueError(f"{where}: {parameter.key} value from {v.start} ends before it starts")
    if values[-1].end is not None:
        raise CatalogueError(f"{where}: {parameter.key} has no value after {values[-1].end}")


def _together(a: DatedValue, b: DatedValue) -> bool:
    return (b.end is None or a.start < b.end) and (a.end is None or b.start < a.end)


def check_links(rules: RuleSet, where: str) -> None:
    """What one parameter's value says about others of the same rule set, once a revision or a
    product is merged: a 비급여 part names its exclusion and rider parameters, every band of an
    institution map has a fixed deductible, every option has its rates, every part its limits."""
    params = rules.parameters

    def fail(key: str, dated: DatedValue, problem: str) -> None:
        raise CatalogueError(f"{where}: {key} (from {dated.start.isoformat()}): {problem}")

    for dated in params["noncovered.parts"].values if "noncovered.parts" in params else ():
        for i, part in enumerate(dated.value):
            for field_name in ("kcd", "items", "riders"):
                name = part.get(field_name)
                if name is not None and name not in params:
                    fail("noncovered.parts", dated, f"value[{i}].{field_name}: {rules.id} has no parameter {name}")
        limits = params.get("coverage.limits_max")
        for other in limits.values if limits is not None else ():
            if _together(dated, other):
                for part in dated.value:
                    if part["key"] not in other.value:
                        fail("coverage.limits_max", other, f"value.{part['key']}: missing required key (a 비급여 part)")
    for band_key, fixed_key in (
        ("outpatient.institution_band", "outpatient.fixed_deductible"),
        ("covered.institution_band", "covered.outpatient_fixed"),
    ):
        if band_key not in params or fixed_key not in params:
            continue
        for bands in params[band_key].values:
            for fixed in params[fixed_key].values:
                for kind, band in bands.value.items() if _together(bands, fixed) else ():
                    if fixed.value.get(band) is None:
                        fail(band_key, bands, f"value.{kind}: band '{band}' has no amount in {fixed_key}")
    options = set(rules.options) | ({rules.default_option} if rules.default_option else set())
    for key in ("inpatient.selfpay_rate", "outpatient.deductible_rate"):
        for dated in params[key].values if key in params else ():
            for option in sorted(options - set(dated.value)):
                fail(key, dated, f"value.{option}: missing required key (an option of {rules.id})")


_STANDARD_KEYS = {
    "id",
    "kind",
    "generation",
    "title",
    "formulas",
    "citation",
    "contracts",
    "options",
    "sections",
    "sources",
    "parameters",
    "default_option",
    "extends",
}
_PRODUCT_KEYS = {"id", "kind", "base", "insurer", "title", "citation", "sources", "product", "overrides"}


def _parse_standard(raw: Mapping[str, Any], where: str, parent: RuleSet | None = None) -> RuleSet:
    """A standard rule set; with `extends`, it starts from its parent's parameters (a later revision
    of the same terms restates only what changed, and may add what is new)."""
    unknown = set(raw) - _STANDARD_KEYS
    if unknown:
        raise CatalogueError(f"{where}: unknown keys {sorted(unknown)}")
    contracts = raw.get("contracts") or {}
    start = _as_date(contracts.get("from"), f"{where}: contracts.from")
    until = _as_date(contracts["until"], f"{where}: contracts.until") if contracts.get("until") else None
    params = dict(parent.parameters) if parent is not None else {}
    params.update({k: _parse_parameter(k, v, where) for k, v in (raw.get("parameters") or {}).items()})
    for p in params.values():
        check_dated_values(p, where, starts_by=start)
    rules = RuleSet(
        id=str(raw["id"]),
        kind="standard",
        title=str(raw.get("title", raw["id"])),
        formulas=_family(raw.get("formulas") or (parent.formulas if parent else None), where),
        citation=str(raw.get("citation", raw["id"])),
        contracts_from=start,
        contracts_until=until,
        options=dict(raw.get("options") or (parent.options if parent else {})),
        sections=dict(raw.get("sections") or (parent.sections if parent else {})),
        parameters=params,
        generation=int(raw.get("generation") or (parent.generation if parent else 0)),
        default_option=raw.get(
            "default_option", parent.default_option if parent is not None and "options" not in raw else None
        ),
        uncertain=tuple(
            UncertainWindow(
                _as_date(w["from"], f"{where}: contracts.uncertain"),
                _as_date(w["until"], f"{where}: contracts.uncertain"),
                str(w["why"]),
            )
            for w in contracts.get("uncertain") or ()
        ),
        sources=tuple(raw.get("sources") or ()),
    )
    check_links(rules, where)
    return rules


def _apply_product(raw: Mapping[str, Any], base: RuleSet, where: str) -> RuleSet:
    unknown = set(raw) - _PRODUCT_KEYS
    if unknown:
        raise CatalogueError(f"{where}: unknown keys {sorted(unknown)}")
    overrides = raw.get("overrides") or {}
    params = dict(base.parameters)
    for key, spec in overrides.items():
        if key not in base.parameters:
            raise CatalogueError(f"{where}: overrides '{key}', which its base {base.id} does not have")
        param = _parse_parameter(key, {"label": base.parameters[key].label, **spec}, where)
        check_dated_values(param, where, starts_by=base.contracts_from)
        params[key] = param
    rules = replace(
        base,
        id=str(raw["id"]),
        kind="product",
        title=str(raw.get("title", raw["id"])),
        citation=str(raw.get("citation", raw["id"])),
        parameters=params,
        sources=tuple(raw.get("sources") or ()) + base.sources,
        base=base.id,
        insurer=raw.get("insurer"),
        product=dict(raw.get("product") or {}),
        overrides=tuple(overrides),
    )
    check_links(rules, where)
    return rules


def build_catalogue(documents: Iterable[tuple[str, str]]) -> Catalogue:
    """Build a catalogue from (name, YAML text) pairs: standard rule sets first, then products."""
    docs = sorted(documents)
    digest = hashlib.sha256()
    parsed: list[tuple[str, Mapping[str, Any]]] = []
    for name, text in docs:
        digest.update(name.encode() + b"\0" + text.encode() + b"\0")
        try:
            raw = yaml.load(text, Loader=_LOADER)
        except yaml.YAMLError as exc:
            raise CatalogueError(f"{name}: not valid YAML: {exc}") from None
        if not isinstance(raw, Mapping) or "id" not in raw or "kind" not in raw:
            raise CatalogueError(f"{name}: a rule set needs 'id' and 'kind'")
        parsed.append((name, raw))
    rule_sets: dict[str, RuleSet] = {}
    pending = [(name, raw) for name, raw in parsed if raw["kind"] == "standard"]
    while pending:  # parents before the rule sets that extend them
        ready = [(n, r) for n, r in pending if not r.get("extends") or str(r["extends"]) in rule_sets]
        if not ready:
            name, raw = pending[0]
            raise CatalogueError(f"{name}: extends '{raw['extends']}', which is not a standard rule set here")
        for name, raw in ready:
            parent = rule_sets[str(raw["extends"])] if raw.get("extends") else None
            rule_sets[str(raw["id"])] = _parse_standard(raw, name, parent)
            pending.remove((name, raw))
    for name, raw in parsed:
        if raw["kind"] == "product":
            base_id = str(raw.get("base"))
            if base_id not in rule_sets:
                raise CatalogueError(f"{name}: base '{base_id}' is not a standard rule set of the catalogue")
            rule_sets[str(raw["id"])] = _apply_product(raw, rule_sets[base_id], name)
        elif raw["kind"] != "standard":
            raise CatalogueError(f"{name}: kind must be standard or product, not {raw['kind']!r}")
    return Catalogue(rule_sets, digest.hexdigest()[:12])


def load_catalogue(folder: Path | None = None) -> Catalogue:
    """The catalogue shipped with silson (or the YAML files of another folder)."""
    if folder is not None:
        return build_catalogue((p.name, p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.yaml")))
    root = resources.files("silson.rules").joinpath("terms")
    return build_catalogue(
        (entry.name, entry.read_text(encoding="utf-8")) for entry in root.iterdir() if entry.name.endswith(".yaml")
    )
