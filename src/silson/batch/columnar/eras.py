"""Dated parameters for the columnar path: each contract resolved to its rule set and checked once
per shape, each era's figures read from the catalogue once, and the exclusion answers asked of the
engine's own `eligible_amounts` once per (era, cause, main code, institution class).
"""

from __future__ import annotations

import functools
import json
from datetime import date
from typing import Any

import polars as pl

from silson.batch.dated import (
    INSTITUTIONS,
    Probes,
    coverages_of,
    with_eras,
)
from silson.cases.reader import parse_case
from silson.domain.model import Cause, EventKind, Institution, InstitutionKind, MedicalEvent
from silson.rules.catalogue import Catalogue, CatalogueError
from silson.rules.engine import FORMULAS
from silson.rules.exclusions import eligible_amounts
from silson.rules.families import CombinedOutpatient, Family, SplitOutpatient, family, outpatient_terms
from silson.rules.formula import InputError

OUTPATIENT_KINDS = ("outpatient", "prescription")
#: the coverage figures the outpatient formulas read, by coverage suffix
COVERAGE_FIELDS = {
    "outpatient": ("outpatient_limit", "prescription_limit"),
    "covered": ("outpatient_limit", "annual_limit"),
    "noncovered": ("outpatient_limit", "annual_limit", "annual_visits"),
}
CAUSES = ("disease", "injury")


def resolve_contracts(contracts: pl.DataFrame, catalogue: Catalogue) -> pl.DataFrame:
    """Rule set, formula and option of each contract, and its outpatient coverages as columns;
    `ok` is false where the engine would refuse the contract (the scalar path then says why).
    The engine's own contract check runs once per contract shape: (rule set, option, coverages,
    and the era of the contract date, which decides every value the check reads)."""
    names = contracts.select("terms", "product").unique()
    resolved: list[tuple[str, str | None, str | None, bool, date | None, str | None, bool]] = []
    for terms, product in names.iter_rows():
        try:
            rules = catalogue.resolve(terms, product)
            base = catalogue.get(rules.base or rules.id)
            resolved.append((terms, product, rules.id, True, base.contracts_from, rules.default_option,
                             family(rules) is Family.SPLIT))  # fmt: skip
        except CatalogueError:
            resolved.append((terms, product, None, False, None, None, False))
    table = pl.DataFrame(resolved, orient="row", schema={"terms": pl.String, "product": pl.String,
                         "rules_id": pl.String, "supported": pl.Boolean, "contracts_from": pl.Date,
                         "default_option": pl.String, "split_terms": pl.Boolean})  # fmt: skip
    out = contracts.join(table, on=["terms", "product"], how="left", nulls_equal=True).with_columns(
        opt=pl.coalesce("option", "default_option"), date=pl.col("start")
    )
    unknown = out.filter(pl.col("rules_id").is_null())
    out = with_eras(out.filter(pl.col("rules_id").is_not_null()), catalogue).vstack(
        unknown.with_columns(era_e=pl.lit(None, pl.Int32), era_s=pl.lit(None, pl.Int32))
    )
    checkable = out.filter(pl.col("supported") & (pl.col("start") >= pl.col("contracts_from")))
    shapes = checkable.group_by("terms", "product", "option", "coverages", "rules_id", "era_e", "era_s").agg(
        rep=pl.col("start").first()
    )
    checked = []
    for terms, product, option, coverages, rules_id, era_e, era_s, rep in shapes.iter_rows():
        ok = True
        try:
            rules = catalogue.get(rules_id)
            doc = {"format": "silson-case/1", "id": "c", "claim_date": rep.isoformat(), "events": [],
                   "contracts": [{"id": "c", "insurer": "-", "terms": terms, "start": rep.isoformat(),
                                  "coverages": json.loads(coverages), **({"product": product} if product else {}),
                                  **({"option": option} if option else {})}]}  # fmt: skip
            FORMULAS[rules.formulas].check_contract(parse_case(doc).contracts[0], rules, "contract")
        except (CatalogueError, InputError, ValueError):
            ok = False
        checked.append((terms, product, option, coverages, era_e, era_s, ok))
    shape_ok = pl.DataFrame(checked, orient="row", schema={"terms": pl.String, "product": pl.String,
                            "option": pl.String, "coverages": pl.String, "era_e": pl.Int32, "era_s": pl.Int32,
                            "ok": pl.Boolean})  # fmt: skip
    out = out.join(shape_ok, on=["terms", "product", "option", "coverages", "era_e", "era_s"], how="left",
                   nulls_equal=True).with_columns(ok=pl.col("ok").fill_null(False))  # fmt: skip
    limits = []
    for (coverages,) in out.select("coverages").unique().iter_rows():
        parsed = coverages_of(coverages)
        row: dict[str, Any] = {"coverages": coverages}
        for cause in CAUSES:
            row[f"any_{cause}"] = any(str(k).startswith(f"{cause}_") for k in parsed)  # split: bought()
            for suffix, fields in COVERAGE_FIELDS.items():
                spec = parsed.get(f"{cause}_{suffix}")
                row[f"has_{cause}_{suffix}"] = spec is not None
                for name in fields:
                    row[f"{cause}_{suffix}.{name}"] = spec.get(name) if isinstance(spec, dict) else None
        limits.append(row)
    schema: dict[str, Any] = {"coverages": pl.String}
    for cause in CAUSES:
        schema[f"any_{cause}"] = pl.Boolean
        for suffix, fields in COVERAGE_FIELDS.items():
            schema[f"has_{cause}_{suffix}"] = pl.Boolean
            for name in fields:
                schema[f"{cause}_{suffix}.{name}"] = pl.Int64
    return out.join(pl.DataFrame(limits, schema=schema), on="coverages", how="left").drop("date", "era_e")


def columnar_split(t: SplitOutpatient) -> bool:
    """The 4th generation's one 비급여 part, per visit, any day: the columnar formula. The 5th
    generation's two parts, per-day 비급여 and the NHIS copay-rate term go to the scalar engine."""
    if len(t.parts) != 1 or t.copay_rate_term:
        return False
    (part,) = t.parts
    return part.outpatient.per == "visit" and part.when == "any"


def era_parameters(keys: pl.DataFrame, catalogue: Catalogue) -> pl.DataFrame:
    """Per era key `ek` (rule set, option, eras): every parameter value the formula reads, read from
    the catalogue at a representative day of the era; `era_ok` false where the catalogue has none
    or the era needs what the columnar path does not do (per-day 비급여, the NHIS copay-rate term)."""
    rows = []
    for ek, rules_id, opt, day in keys.select("ek", "rules_id", "opt", "date").iter_rows():
        rules = catalogue.get(rules_id)
        row: dict[str, Any] = {"ek": ek, "era_ok": False}
        try:
            match outpatient_terms(rules, day, opt):
                case CombinedOutpatient() as t:
                    row.update(
                        era_ok=True, split=False, same_day_merge=t.same_day_merge, merge_rx=t.merge_prescription,
                        cap_outpatient=t.counts.outpatient, cap_prescription=t.counts.prescription,
                        fixed_rx=t.fixed.pharmacy, limitation_years=t.limitation_years,
                        rate_covered=t.rates.covered, rate_noncovered=t.rates.noncovered,
                        fixed_by_inst=[t.fixed.of(t.bands.of(k)) or 0 for k in INSTITUTIONS],
                    )  # fmt: skip
                case SplitOutpatient() as t if columnar_split(t):
                    (part,) = t.parts
                    out = part.outpatient
                    row.update(
                        era_ok=True, split=True, same_day_merge=True, merge_rx=True,
                        limitation_years=t.limitation_years, rate_covered=t.covered_rate, rate_noncovered=out.rate,
                        nc_minimum=out.minimum, nc_limit=out.limit, nc_count=out.count,
                        fixed_by_inst=[t.fixed.of(t.bands.of(k)) for k in INSTITUTIONS],
                        nc_kcd=part.kcd, nc_items=part.items,
                    )  # fmt: skip
        except CatalogueError:  # no value in force on the era's day: the scalar engine says why
            pass
        rows.append(row)
    schema: dict[str, Any] = {"ek": pl.Int32, "era_ok": pl.Boolean, "split": pl.Boolean, "same_day_merge": pl.Boolean,
              "merge_rx": pl.Boolean, "cap_outpatient": pl.Int64, "cap_prescription": pl.Int64, "fixed_rx": pl.Int64,
              "limitation_years": pl.Int64, "rate_covered": pl.Int64, "rate_noncovered": pl.Int64,
              "fixed_by_inst": pl.List(pl.Int64), "nc_minimum": pl.Int64, "nc_limit": pl.Int64, "nc_count": pl.Int64,
              "nc_kcd": pl.String, "nc_items": pl.String}  # fmt: skip
    return pl.DataFrame([{k: r.get(k) for k in schema} for r in rows], schema=schema)


#: what an outpatient exclusion answer depends on (Probes.tables["outpatient"] is keyed by it)
PROBE_KEYS = ["rules_id", "era_e", "era_s", "injury", "kcd_main", "inst"]
ANSWERS = {"keep_covered": pl.Boolean, "keep_noncovered": pl.Boolean, "needs": pl.Boolean}


def exclusion_answers(keys: pl.DataFrame, catalogue: Catalogue, probes: Probes) -> pl.DataFrame:
    """Which parts of the costs the coverage pays, per (era key, cause, main code, institution class),
    read from the engine's own exclusion rules with a probe event of that shape (for the 4th
    generation, 급여 under the main exclusions and 비급여 under its part's own, as split.py does);
    and the fixed deductible of the institution class (`fixed_visit`). The answers a run has already
    asked for are joined from `probes`; only the new shapes are asked, one by one."""
    known = probes.tables.get("outpatient", pl.DataFrame(schema={**keys.select(PROBE_KEYS).schema, **ANSWERS}))
    found = keys.join(known, on=PROBE_KEYS, how="left", nulls_equal=True)
    new = found.filter(pl.col("keep_covered").is_null())
    if new.height:
        rows = []
        for rules_id, era_e, era_s, injury, main, inst, day, start, split, nc_kcd, nc_items in new.select(
            *PROBE_KEYS, "date", "start", "split", "nc_kcd", "nc_items"
        ).iter_rows():  # fmt: skip
            ask = functools.partial(_probe, catalogue, rules_id, injury, main, inst, day, start, split, nc_kcd,
                                    nc_items)  # fmt: skip
            answer = probes.answer(("outpatient", rules_id, era_e, era_s, injury, main, inst), ask)
            rows.append((rules_id, era_e, era_s, injury, main, inst, *answer))
        asked = pl.DataFrame(rows, schema=known.schema, orient="row")
        known = pl.concat([known, asked]).unique(PROBE_KEYS)
        probes.tables["outpatient"] = known
        found = keys.join(known, on=PROBE_KEYS, how="left", nulls_equal=True)
    return found.select(
        "ek", "injury", "kcd_id", "inst", *ANSWERS, fixed_visit=pl.col("fixed_by_inst").list.get(
            pl.col("inst").cast(pl.Int64), null_on_oob=True),
    )  # fmt: skip


def _probe(catalogue: Catalogue, rules_id: str, injury: bool, main: str, inst: int, day: date, start: date,
           split: bool, nc_kcd: str | None, nc_items: str | None) -> tuple[bool, bool, bool]:  # fmt: skip
    """What the coverage pays of a visit of this shape: (급여, 비급여, needs more data)."""
    cause = Cause.INJURY if injury else Cause.DISEASE
    probe = MedicalEvent(id="probe", kind=EventKind.OUTPATIENT, date=day, cause=cause, kcd=(main,) if main else (),
                         institution=Institution(InstitutionKind(INSTITUTIONS[inst])), covered_copay=1,
                         noncovered=1)  # fmt: skip
    rules = catalogue.get(rules_id)
    coverage = f"{cause.value}_{'covered' if split else 'outpatient'}"
    base = eligible_amounts(event=probe, rules=rules, coverage=coverage, contract_start=start)
    keep_noncovered = base.noncovered > 0
    if split and nc_kcd and nc_items:
        part = eligible_amounts(event=probe, rules=rules, coverage=coverage, contract_start=start, kcd_key=nc_kcd,
                                items_key=nc_items)  # fmt: skip
        keep_noncovered = part.noncovered > 0
    return base.covered > 0, keep_noncovered, bool(base.needs)
