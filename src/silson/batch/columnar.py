"""The columnar evaluator (Polars): the engine's outpatient and prescription formula of the
generations that pay 급여 and 비급여 together (1st–3rd, `combined`), over whole tables at once.

How the engine's steps become column operations:
- dated parameters: each row gets its rule set's *era* (which dated value of every parameter
  applies, by event date and by contract date; `searchsorted` over the boundaries); the values are
  read from the catalogue once per era and joined back. Exclusions are read the same way, once per
  (era, cause, main KCD code, institution class), by asking the engine's own `eligible_amounts`.
- screening (coverage bought, contract date, limitation) and the formula (deductible = max(fixed by
  institution, share of the costs), per-visit amount) are expressions over rows, in integer won
  (shares in 1/100 won, so nothing is rounded before the engine rounds).
- same-day merging is a group-by on (contract, kind, day, cause, condition) for the events that
  share their day (an event alone is its own unit: `runs.alone`); multiple-policy sharing sums and
  minima over the sorted runs of each claim (`share.py`); visit counts a count per contract year.

What it does not cover goes to the scalar engine person by person (`fallback.py` declares the rows
that send a person or part there, each with its reason; the rest are found while evaluating): admissions, the 4th/5th generation formulas, events after a contract's end, uninsured
people, other payers, overseas care, 상한제 refunds, a disease visit without a KCD code, people whose
paying visits pass a yearly visit cap, units that two contracts group differently, and contracts or
eras the catalogue refuses. The result is exact either way; the split only decides the speed.
"""

from __future__ import annotations

import functools
import json
import time
from datetime import date
from typing import Any, ClassVar, Final

import polars as pl

from silson.batch import admissions, fallback, runs, share
from silson.batch.dated import (
    INSTITUTIONS,
    Probes,
    by_cause,
    contract_years,
    coverages_of,
    first_day_in_time,
    with_eras,
)
from silson.batch.tables import COVERAGE, REASON, noncovered_paid_most
from silson.cases.reader import parse_case
from silson.domain.model import Cause, EventKind, Institution, InstitutionKind, MedicalEvent
from silson.rules.catalogue import Catalogue, CatalogueError
from silson.rules.engine import FORMULAS
from silson.rules.exclusions import eligible_amounts
from silson.rules.formula import InputError

SUPPORTED_FORMULAS = ("combined", "split")
OUTPATIENT_KINDS = ("outpatient", "prescription")
#: the coverage figures the outpatient formulas read, by coverage suffix
COVERAGE_FIELDS = {
    "outpatient": ("outpatient_limit", "prescription_limit"),
    "covered": ("outpatient_limit", "annual_limit"),
    "noncovered": ("outpatient_limit", "annual_limit", "annual_visits"),
}
CAUSES = ("disease", "injury")
#: the in-memory engine for the large joins and the formula: measured faster here than the streaming
#: default for frames that fit in memory (a chunk always does)
WHOLE: Final = "in-memory"


def _resolve_contracts(contracts: pl.DataFrame, catalogue: Catalogue) -> pl.DataFrame:
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
            resolved.append((terms, product, rules.id, rules.formulas in SUPPORTED_FORMULAS, base.contracts_from,
                             rules.default_option, rules.formulas == "split"))  # fmt: skip
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


def _era_table(keys: pl.DataFrame, catalogue: Catalogue) -> pl.DataFrame:
    """Per era key `ek` (rule set, option, eras): every parameter value the formula reads, read from
    the catalogue at a representative day of the era; `era_ok` false where the catalogue has none
    or the era needs what the columnar path does not do (per-day 비급여, the NHIS copay-rate term)."""
    rows = []
    for ek, rules_id, opt, day in keys.select("ek", "rules_id", "opt", "date").iter_rows():
        rules = catalogue.get(rules_id)
        row: dict[str, Any] = {"ek": ek, "era_ok": False}
        try:
            years = int(rules.value("limitation.years", day).value)
            if rules.formulas == "combined":
                counts = rules.value("outpatient.annual_count", day).value
                fixed = rules.value("outpatient.fixed_deductible", day).value
                bands = rules.value("outpatient.institution_band", day).value
                rate = rules.value("outpatient.deductible_rate", day).value[opt]
                row.update(
                    era_ok=True, split=False, same_day_merge=bool(rules.value("outpatient.same_day_merge", day).value),
                    merge_rx=bool(rules.value("outpatient.merge_prescription", day).value),
                    cap_outpatient=counts.get("outpatient"), cap_prescription=counts.get("prescription"),
                    fixed_rx=fixed.get("pharmacy", 0), limitation_years=years, rate_covered=rate["covered"],
                    rate_noncovered=rate["noncovered"],
                    fixed_by_inst=[fixed.get(bands[k], 0) if bands.get(k) else 0 for k in INSTITUTIONS],
                )  # fmt: skip
            else:
                parts = rules.value("noncovered.parts", day).value
                fixed = rules.value("covered.outpatient_fixed", day).value
                bands = rules.value("covered.institution_band", day).value
                (part,) = parts  # the 4th generation's one 비급여 part; the 5th's two go to the scalar engine
                out = part["outpatient"]
                if rules.value("covered.copay_rate_term", day).value or out["per"] != "visit" or part["when"] != "any":
                    raise KeyError("not columnar")
                row.update(
                    era_ok=True, split=True, same_day_merge=True, merge_rx=True, limitation_years=years,
                    rate_covered=int(rules.value("covered.selfpay_rate", day).value), rate_noncovered=out["rate"],
                    nc_minimum=out["minimum"], nc_limit=out["limit"], nc_count=out["count"],
                    fixed_by_inst=[fixed.get(bands[k], 0) if bands.get(k) else 0 for k in INSTITUTIONS],
                    nc_kcd=part["kcd"], nc_items=part["items"],
                )  # fmt: skip
        except (CatalogueError, KeyError, ValueError, TypeError):
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


def _exclusion_table(keys: pl.DataFrame, catalogue: Catalogue, probes: Probes) -> pl.DataFrame:
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


def _group(kind: pl.Expr) -> pl.Expr:
    """Admissions and visits never share a ledger or a sharing group under the combined formula,
    so each part of a person's book can take its own path."""
    return pl.when(kind == "inpatient").then(pl.lit("inpatient")).otherwise(pl.lit("outpatient"))


def unreadable(events: pl.DataFrame, contracts: pl.DataFrame, claim_date: date,
               texts: pl.DataFrame | None = None) -> pl.DataFrame:  # fmt: skip
    """The people whose rows the case reader refuses (`fallback.REFUSALS`): the scalar engine gives
    them their input_error rows, naming the field. `texts`: the distinct `kcd` texts, where the
    caller has them."""
    ctx = fallback.context(events, claim_date, texts)
    return pl.concat([events.filter(fallback.any_of(fallback.REFUSALS, "events", ctx)).select("person_id"),
                      contracts.filter(fallback.any_of(fallback.REFUSALS, "contracts", ctx)).select("person_id")
                      ]).unique()  # fmt: skip


def in_parts(parts: pl.DataFrame) -> pl.Expr:
    """Whether an event row belongs to one of the (person, group) parts: two look-ups in small sets
    rather than a join over the events' strings."""
    inpatient = pl.col("kind") == "inpatient"
    admitted = parts.filter(pl.col("group") == "inpatient")["person_id"].implode()
    visiting = parts.filter(pl.col("group") == "outpatient")["person_id"].implode()
    return pl.when(inpatient).then(pl.col("person_id").is_in(admitted)).otherwise(pl.col("person_id").is_in(visiting))


def left_to_scalar(events: pl.DataFrame, contracts: pl.DataFrame, claim_date: date) -> pl.DataFrame:
    """The (person, group) parts the columnar path leaves to the scalar engine from the rows alone
    (more are found while evaluating: caps reached, units grouped differently)."""
    refused = contracts.filter(~pl.col("ok").fill_null(False) | ~pl.col("supported").fill_null(False))
    ends = contracts.filter(pl.col("end").is_not_null()).select("person_id", "end")
    last_day = pl.coalesce("discharge", "date")
    after_end = pl.DataFrame(schema={"person_id": pl.String})
    if ends.height:  # each person's last day (grouped by number, not id), then their contracts' ends
        latest = events.group_by("pidx").agg(pl.col("person_id").first(), last=last_day.max())
        after_end = latest.join(ends, on="person_id").filter(pl.col("last") > pl.col("end"))
    texts = events.select(pl.col("kcd").unique())  # the code texts, read once per distinct text
    whole = pl.concat([refused.select("person_id"), after_end.select("person_id"),
                       unreadable(events, contracts, claim_date, texts)]).unique()  # fmt: skip
    ctx = fallback.context(events, claim_date, texts)
    visits = events.filter(fallback.any_of(fallback.SCALAR_VISITS, "events", ctx)).select(
        "person_id", group=_group(pl.col("kind")))  # fmt: skip
    both = whole.join(pl.DataFrame({"group": ["outpatient", "inpatient"]}), how="cross")
    return pl.concat([visits, both]).unique()


# a unit (the visits paid as one) packed into one Int64: person, prescription unit, injury, day, condition
_DAY0 = date(1970, 1, 1)
_COND_BITS = 20  # condition labels and visit positions below 2**19
_DAY_BITS = 16  # days from 1970-01-01 below 2**16 (until 2149)
_RX_BIT = 1 << (_COND_BITS + _DAY_BITS + 1)  # the key's pharmacy-unit bit


def _unit_key(rx_unit: pl.Expr, condition: pl.Expr) -> pl.Expr:
    key = pl.col("pidx").cast(pl.Int64) * 2 + rx_unit.cast(pl.Int64)
    key = key * 2 + pl.col("injury").cast(pl.Int64)
    key = key * (1 << _DAY_BITS) + pl.col("date").cast(pl.Int32).cast(pl.Int64)
    return key * (1 << _COND_BITS) + (condition.cast(pl.Int64) + (1 << (_COND_BITS - 1)))


class Phases:
    """Seconds spent in each phase of the last evaluation (for the benchmark's breakdown)."""

    seconds: ClassVar[dict[str, float]] = {}
    _last: ClassVar[float] = 0.0

    @classmethod
    def start(cls) -> None:
        cls.seconds, cls._last = {}, time.perf_counter()

    @classmethod
    def mark(cls, name: str) -> None:
        now = time.perf_counter()
        cls.seconds[name] = cls.seconds.get(name, 0.0) + now - cls._last
        cls._last = now


#: a columnar decision's reason, carried as its place here (a small integer) and named at the end;
#: the screens (1 not bought, 2 before the contract, 3 limitation) follow in this order
REASON_CODES = ("excluded", "deductible", "shared", "visit_limit", "paid", "nothing", "merged", "not_bought",
                "before_start", "limitation")  # fmt: skip
#: the coverage of a columnar decision by injury × 2 + split
COVERAGE_NAMES = ("disease_outpatient", "disease_covered", "injury_outpatient", "injury_covered",
                  "disease_noncovered", "injury_noncovered")  # fmt: skip


def _reason(name: str) -> pl.Expr:
    return pl.lit(REASON_CODES.index(name), pl.Int8)


def person_index(person_ids: pl.Series) -> pl.Series:
    """People numbered 0, 1, … in the order of their ids (a dense rank, so no string is compared
    again). A file sorted by person, as `silson synth` writes it and chunks are read, needs only a
    comparison with the row before; the result is then flagged sorted, which later windows use.

    >>> person_index(pl.Series(["b", "a", "b"])).to_list(), person_index(pl.Series(["a", "a", "c"])).to_list()
    ([1, 0, 1], [0, 0, 1])
    """
    if person_ids.is_sorted():
        starts = (person_ids != person_ids.shift()).fill_null(True)
        return (starts.cum_sum() - 1).cast(pl.Int32).set_sorted().rename("pidx")
    return (person_ids.rank("dense") - 1).cast(pl.Int32).rename("pidx")


def with_rows(events: pl.DataFrame, contracts: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The tables with their row numbers (`erow`, `crow`) and the events with their person's number
    (`pidx`), unless they carry them already."""
    if "erow" not in events.columns:
        events = events.with_row_index("erow")
    if "pidx" not in events.columns:
        events = events.with_columns(pidx=person_index(events["person_id"]))
    if "crow" not in contracts.columns:
        contracts = contracts.with_row_index("crow")
    return events, contracts


#: what the checks, the sharing and the decisions read of a unit once it is paid
UNIT_OUT = ("uk", "order", "erow", "raw_zero", "first_pos", "pidx", "crow", "injury", "date", "start", "rx_unit",
            "split", "cap", "c_annual", "n_annual", "n_cap", "both_kinds", "all_rx", "eligible", "ded100", "pay0",
            "liability", "c_pay", "n_pay")  # fmt: skip
#: what a unit reads besides its costs: the same for all its events (one contract, one day, one era)
UNIT_FIGURES = ("pidx", "crow", "injury", "date", "rx_unit", "split", "start", "limit", "cap", "fixed_rx",
                "rate_covered", "rate_noncovered", "nc_minimum", "c_visit", "c_annual", "n_limit", "n_annual", "n_cap",
                "has_c", "has_n")  # fmt: skip


def _pay(unit_plan: pl.LazyFrame) -> pl.LazyFrame:
    """The formula over units (combined.py's outpatient formula and split.py's two parts), keeping
    what the checks, the sharing and the decisions read (`UNIT_OUT`). Each unit is computed by its
    own generation's formula only: the units are split by it, and put back together."""
    split = pl.col("split").fill_null(False)
    return pl.concat([_pay_combined(unit_plan.filter(~split)), _pay_split(unit_plan.filter(split))])


def _pay_combined(unit_plan: pl.LazyFrame) -> pl.LazyFrame:
    """combined.py's outpatient formula (1st–3rd generations)."""
    is_rx = pl.col("rx_unit")
    eligible = pl.col("covered") + pl.col("noncovered")
    fixed_amount = (
        pl.when(is_rx).then(pl.col("fixed_rx")).when(~pl.col("any_paying")).then(0).otherwise(pl.col("fixed_visit"))
    )
    share100 = pl.col("covered") * pl.col("rate_covered") + pl.col("noncovered") * pl.col("rate_noncovered")
    unit_plan = unit_plan.with_columns(
        eligible=eligible,
        ded100=pl.when(eligible > 0).then(pl.max_horizontal(fixed_amount * 100, share100)).otherwise(0),
    )
    raw100 = pl.col("eligible") * 100 - pl.col("ded100")
    unit_plan = unit_plan.with_columns(pay0=pl.when(raw100 > 0).then(raw100 // 100).otherwise(0))
    return unit_plan.with_columns(liability=pl.min_horizontal("pay0", "limit"), c_pay=pl.lit(0, pl.Int64),
                                  n_pay=pl.lit(0, pl.Int64)).select(*UNIT_OUT)  # fmt: skip


def _pay_split(unit_plan: pl.LazyFrame) -> pl.LazyFrame:
    """split.py (the 4th generation): a 급여 part and a 비급여 part, each with its own deductible and limit."""

    def won_after(amount100: pl.Expr) -> pl.Expr:
        return pl.when(amount100 > 0).then(amount100 // 100).otherwise(0)

    c_part = pl.col("has_c") & (pl.col("covered") > 0)
    n_part = pl.col("has_n") & (pl.col("noncovered") > 0)
    c_ded = pl.max_horizontal(pl.col("fixed_split") * 100, pl.col("covered") * pl.col("rate_covered"))
    n_ded = pl.max_horizontal(pl.col("nc_minimum") * 100, pl.col("noncovered") * pl.col("rate_noncovered"))
    c_raw = won_after(pl.col("covered") * 100 - c_ded)
    n_raw = won_after(pl.col("noncovered") * 100 - n_ded)
    unit_plan = unit_plan.with_columns(
        c_pay=pl.when(c_part).then(pl.min_horizontal(c_raw, "c_visit")).otherwise(0),
        n_pay=pl.when(n_part).then(pl.min_horizontal(n_raw, "n_limit")).otherwise(0),
        n_raw=pl.when(n_part).then(n_raw).otherwise(0),
        c_raw=pl.when(c_part).then(c_raw).otherwise(0),
        eligible=pl.when(c_part).then(pl.col("covered")).otherwise(0)
        + pl.when(n_part).then(pl.col("noncovered")).otherwise(0),
        ded100=pl.when(c_part).then(c_ded).otherwise(0) + pl.when(n_part).then(n_ded).otherwise(0),
    )  # fmt: skip
    return unit_plan.with_columns(
        pay0=pl.col("c_raw") + pl.col("n_raw"), liability=pl.col("c_pay") + pl.col("n_pay"),
    ).select(*UNIT_OUT)  # fmt: skip


def evaluate(
    events: pl.DataFrame, contracts: pl.DataFrame, claim_date: date, catalogue: Catalogue,
    probes: Probes | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:  # fmt: skip
    """Decisions for the (person, group) parts the columnar path covers, and the parts it leaves to
    the scalar engine (person_id, group). `events` and `contracts` are conformed tables; a decision
    names its event and contract by their rows (`erow`, `crow`: those columns of the inputs, else
    the row numbers), so no string is carried through the evaluation. `probes` keeps the exclusion
    probes' answers for the next call (the next chunk of a run)."""
    Phases.start()
    probes = probes if probes is not None else Probes()
    events, contracts = with_rows(events, contracts)
    events = events.with_columns(pos=pl.int_range(pl.len(), dtype=pl.Int32).over("pidx"))
    contracts = _resolve_contracts(  # the order of each contract in its person's input: the engine's order
        contracts.with_columns(order=pl.int_range(pl.len(), dtype=pl.Int32).over("person_id")), catalogue
    )
    Phases.mark("contracts")
    left = left_to_scalar(events, contracts, claim_date)
    taken = ~in_parts(left)
    admitted, admitted_left, admitted_yearly = admissions.evaluate(
        events.filter(taken & (pl.col("kind") == "inpatient")), contracts, claim_date, catalogue, probes)  # fmt: skip
    Phases.mark("admissions")
    people = events.select("person_id", "pidx").unique("pidx")  # pidx: with_rows
    # 하나의 질병·상해 (the engine's condition_key): the condition label, else the main code, else the visit.
    # Labels are numbered over the distinct texts (a few thousand), then looked up per row.
    main = pl.col("kcd").str.strip_chars().str.split(" ").list.first().fill_null("").str.to_uppercase()
    kcd_texts = events.select(pl.col("kcd").unique()).with_columns(kcd_main=main)
    conditions = events["condition"].drop_nulls().unique()
    labels = (
        pl.concat([conditions, kcd_texts["kcd_main"]]).unique().rename("text").to_frame()
        .with_row_index("label").with_columns(pl.col("label").cast(pl.Int32))
    )  # fmt: skip
    codes = labels.rename({"text": "kcd_main", "label": "kcd_id"})
    kcd_texts = kcd_texts.join(codes, on="kcd_main")
    no_code = codes.filter(pl.col("kcd_main") == "")["kcd_id"]
    kcd_id = pl.col("kcd").replace_strict(kcd_texts["kcd"], kcd_texts["kcd_id"], return_dtype=pl.Int32)
    cond_label = pl.col("condition").replace_strict(labels["text"], labels["label"], default=None,
                                                    return_dtype=pl.Int32)  # fmt: skip
    if labels.height == 0:  # no events left (an empty mapping would give the texts back unchanged)
        kcd_id = cond_label = pl.lit(None, pl.Int32)
    # the visits the columnar path takes, as numbers only: the texts are read on every row first, so
    # the one copy that filters the rows copies no string (an unknown institution is a refused row)
    events = (
        events.with_columns(kcd_id=kcd_id)
        .select(
            "pidx", "pos", "erow", "date", "kcd_id", "covered_copay", "covered_full", "noncovered",
            is_rx=pl.col("kind") == "prescription", injury=pl.col("cause") == "injury",
            inst=pl.col("institution_kind").replace_strict(INSTITUTIONS, list(range(len(INSTITUTIONS))), default=None,
                                                           return_dtype=pl.Int8),
            cond=pl.when(pl.col("condition").is_not_null() & (pl.col("condition") != "")).then(cond_label)
            .when(~pl.col("kcd_id").is_in(no_code.implode())).then(pl.col("kcd_id")).otherwise(-1 - pl.col("pos")),
            visit=taken & (pl.col("kind") != "inpatient"),
        )
        .filter(pl.col("visit")).drop("visit")
    )  # fmt: skip
    # a person whose positions, labels or days do not fit the unit key goes to the scalar engine
    # (before any key is packed, so no key of theirs can meet another person's)
    day = pl.col("date").cast(pl.Int32)
    out_of_range = events.filter(
        (pl.col("pos") >= 1 << (_COND_BITS - 1)) | (pl.col("cond") >= 1 << (_COND_BITS - 1)) | (day < 0)
        | (day >= 1 << _DAY_BITS) | (pl.col("pidx") >= 1 << (62 - _COND_BITS - _DAY_BITS - 2))
    ).select("pidx").unique()  # fmt: skip
    if out_of_range.height:
        events = events.join(out_of_range, on="pidx", how="anti")
    # how many events share the day and condition (with and without the pharmacy apart): where one
    # does, it is a unit of its own under every contract, and needs no grouping
    # (one sort of the key with the kind as its lowest bit gives both)
    kind_key = _unit_key(pl.lit(False), pl.col("cond")) * 2 + pl.col("is_rx").cast(pl.Int64)
    lone_kind, lone_day = runs.alone(events.select(kind_key.alias("k"))["k"], shift=1)
    events = events.with_columns(lone_day=lone_day, lone_kind=lone_kind)
    Phases.mark("encode")
    # each contract by two small ids: its shape (rule set, option, era by contract date), which with
    # the day gives the era key `ek`, and its coverages (`cov`); the figures a pair reads are looked
    # up in small tables by packed integer keys, so the pairs themselves stay narrow
    limits = [c for c in contracts.columns if c.startswith(("has_", "any_", "disease_", "injury_"))]
    held = contracts.join(people, on="person_id")
    shapes = held.select("rules_id", "opt", "era_s").unique().with_row_index("shape")
    covs = held.select("coverages", *limits).unique("coverages").with_row_index("cov")
    slim = held.join(shapes, on=["rules_id", "opt", "era_s"], nulls_equal=True).join(
        covs.select("coverages", "cov"), on="coverages").select(
        "pidx", "order", "crow", "start", shape=pl.col("shape").cast(pl.Int32), cov=pl.col("cov").cast(pl.Int32),
    )  # fmt: skip
    # the era of each (rule set, event day): which dated value of every parameter applies
    # (every day of the events' range: as many as the distinct days, give or take, for no hashing)
    first_day, last_day = events.select(pl.col("date").min().alias("lo"), pl.col("date").max().alias("hi")).row(0)
    days = pl.DataFrame({"date": pl.date_range(first_day, last_day, eager=True) if first_day else []},
                        schema={"date": pl.Date})  # fmt: skip
    day_eras = with_eras(
        held.select("rules_id").unique().join(days, how="cross").with_columns(start=pl.col("date")), catalogue
    ).select("rules_id", "date", "era_e")  # fmt: skip
    era_keys = (
        shapes.join(day_eras.group_by("rules_id", "era_e").agg(pl.col("date").first()), on="rules_id")
        .join(held.group_by("rules_id", "era_s").agg(pl.col("start").first()), on=["rules_id", "era_s"])
        .with_row_index("ek").with_columns(pl.col("ek").cast(pl.Int32))
    )  # fmt: skip
    day0 = pl.col("date").cast(pl.Int64)
    grid = (
        shapes.join(day_eras, on="rules_id")
        .join(era_keys.select("shape", "era_e", "ek"), on=["shape", "era_e"])
        .select(gk=pl.col("shape").cast(pl.Int64) * (1 << _DAY_BITS) + day0, ek="ek")
    )  # fmt: skip
    pairs = (
        events.lazy().join(slim.lazy(), on="pidx")
        .with_columns(gk=pl.col("shape").cast(pl.Int64) * (1 << _DAY_BITS) + day0)
        .join(grid.lazy(), on="gk", how="left")  # every (shape, day) is there; left is cheaper
        .drop("gk", "shape")
        .collect(engine=WHOLE)
    )  # fmt: skip
    Phases.mark("eras")
    era_table = _era_table(era_keys, catalogue)
    n_codes = codes.height + 1
    xk = (pl.col("ek").cast(pl.Int64) * 2 + pl.col("injury").cast(pl.Int64)) * n_codes + pl.col("kcd_id")
    xk = xk * 128 + pl.col("inst").cast(pl.Int64)
    # the distinct keys found on one packed integer (far cheaper than on four columns), then unpacked
    x = pl.col("xk")
    exclusion_keys = (
        pairs.select(xk.alias("xk")).unique()
        .select(ek=(x // (128 * 2 * n_codes)).cast(pl.Int32), injury=(x // (128 * n_codes)) % 2 == 1,
                kcd_id=((x // 128) % n_codes).cast(pl.Int32), inst=(x % 128).cast(pl.Int8))
        .join(era_keys.select("ek", "rules_id", "era_e", "era_s", "date", "start"), on="ek").join(codes, on="kcd_id")
        .join(era_table.select("ek", "split", "nc_kcd", "nc_items", "fixed_by_inst"), on="ek")
        .select("ek", "injury", "kcd_id", "inst", "rules_id", "era_e", "era_s", "kcd_main", "date", "start", "split",
                "nc_kcd", "nc_items", "fixed_by_inst")
    )  # fmt: skip
    Phases.mark("exclusion keys")
    exclusions = _exclusion_table(exclusion_keys, catalogue, probes).select(
        xk=xk, keep_covered="keep_covered", keep_noncovered="keep_noncovered", needs="needs",
        fixed_visit="fixed_visit")  # fmt: skip
    Phases.mark("exclusion probes")

    # the contract's and the era's figures for the row's cause and kind (a unit has one of each)
    rx_unit = pl.col("is_rx") & ~pl.col("merge_rx")
    figures = {
        "bought": pl.when(pl.col("split")).then(by_cause("any_{}")).otherwise(by_cause("has_{}_outpatient"))
        .fill_null(False),
        "limit": pl.when(rx_unit).then(by_cause("{}_outpatient.prescription_limit"))
        .otherwise(by_cause("{}_outpatient.outpatient_limit")),
        "cap": pl.when(rx_unit).then(pl.col("cap_prescription")).otherwise(pl.col("cap_outpatient")),
        "c_visit": by_cause("{}_covered.outpatient_limit"),
        "c_annual": by_cause("{}_covered.annual_limit"),
        "n_limit": pl.coalesce(by_cause("{}_noncovered.outpatient_limit"), pl.col("nc_limit")),
        "n_annual": by_cause("{}_noncovered.annual_limit"),
        "n_cap": pl.min_horizontal(by_cause("{}_noncovered.annual_visits"), pl.col("nc_count")),
        "has_c": by_cause("has_{}_covered").fill_null(False),
        "has_n": by_cause("has_{}_noncovered").fill_null(False),
    }  # fmt: skip
    n_eras = era_keys.height + 1
    fk = ((pl.col("cov").cast(pl.Int64) * n_eras + pl.col("ek")) * 2 + pl.col("injury").cast(pl.Int64)) * 2 + pl.col(
        "is_rx").cast(pl.Int64)  # fmt: skip
    both = pl.DataFrame({"injury": [False, True]}).join(pl.DataFrame({"is_rx": [False, True]}), how="cross")
    # the limitation as the first day still in time, per count of years (a comparison per pair, where
    # adding the years to every pair's day cost more than the rest of this table)
    periods = era_table["limitation_years"].drop_nulls().unique().to_list()
    in_time_from = pl.col("limitation_years").replace_strict(
        periods, [first_day_in_time(claim_date, y) for y in periods], default=None, return_dtype=pl.Date
    )
    if not periods:  # an empty mapping would give the counts back
        in_time_from = pl.lit(None, pl.Date)
    ce = pl.col("ce")
    figure_table = (
        pairs.select(ce=pl.col("cov").cast(pl.Int64) * n_eras + pl.col("ek")).unique()
        .select(cov=(ce // n_eras).cast(pl.Int32), ek=(ce % n_eras).cast(pl.Int32))
        .join(both, how="cross")
        .join(covs.drop("coverages").with_columns(pl.col("cov").cast(pl.Int32)), on="cov")
        .join(era_table.drop("fixed_by_inst", "nc_kcd", "nc_items"), on="ek")
        .select(fk=fk, split="split", same_day_merge="same_day_merge", merge_rx="merge_rx", era_ok="era_ok",
                fixed_rx="fixed_rx", rate_covered="rate_covered", rate_noncovered="rate_noncovered",
                nc_minimum="nc_minimum", rx_unit=rx_unit, in_time_from=in_time_from, **figures)
    )  # fmt: skip
    screen = (
        pl.when(~pl.col("bought")).then(pl.lit(1, pl.Int8))  # not bought
        .when(pl.col("date") < pl.col("start")).then(pl.lit(2, pl.Int8))  # before the contract date
        .when(pl.col("date") < pl.col("in_time_from")).then(pl.lit(3, pl.Int8))  # limitation
        .otherwise(pl.lit(0, pl.Int8))
    )  # fmt: skip
    table = (
        pairs.lazy().with_columns(fk=fk, xk=xk)
        .join(figure_table.lazy(), on="fk", how="left")  # every fk is there (left: cheaper than inner)
        .join(exclusions.lazy(), on="xk", how="left")
        .with_columns(screen=screen)
        .drop("fk", "xk", "cov", "bought", "in_time_from", "kcd_id", "inst")
        .collect(engine=WHOLE)
    )  # fmt: skip
    del pairs
    Phases.mark("pairs")
    bad_era = table.filter(~pl.col("era_ok")).select("pidx")
    visible = table.lazy().filter(pl.col("screen") == 0)
    needs_lazy = visible.filter(pl.col("needs")).select("pidx")
    # the grouping of visits must be the same under all of a person's contracts (else: scalar)
    # (1st-generation terms merging the pharmacy into the visit share with the others per day and condition)
    grouping = pl.col("same_day_merge").cast(pl.Int8)
    mixed_lazy = visible.group_by("pidx").agg(lo=grouping.min(), hi=grouping.max()).filter(
        pl.col("lo") != pl.col("hi")).select("pidx")  # fmt: skip

    covered = pl.col("covered_copay") + pl.col("covered_full")
    single = ~pl.col("same_day_merge") | pl.when(pl.col("merge_rx")).then(pl.col("lone_day")).otherwise(
        pl.col("lone_kind"))  # fmt: skip
    visible = (
        visible.with_columns(
            ucond=pl.when(pl.col("same_day_merge")).then(pl.col("cond")).otherwise(-1 - pl.col("pos")),
            cov_e=pl.when(pl.col("keep_covered")).then(covered).otherwise(0),
            nc_e=pl.when(pl.col("keep_noncovered")).then(pl.col("noncovered")).otherwise(0),
            raw_zero=(covered + pl.col("noncovered")) == 0,
            single=single,
        )
        .with_columns(
            # split.py: the fixed 급여 deductible of the visits with 급여, else of any event with 급여
            fixed_cov_visit=pl.when(~pl.col("is_rx") & (pl.col("cov_e") > 0)).then(pl.col("fixed_visit")),
            fixed_cov_any=pl.when(pl.col("cov_e") > 0).then(pl.col("fixed_visit")),
            paying=(pl.col("cov_e") + pl.col("nc_e")) > 0,
        )
        .with_columns(uk=_unit_key(pl.col("rx_unit"), pl.col("ucond")))
    )  # fmt: skip
    # a unit (the visits one contract pays as one): an event alone is its own; the others are grouped
    # (one pass over the pairs: the lone events become units as they are, the others are kept whole)
    singles, together_rows, needs, mixed = pl.collect_all(engine=WHOLE, lazy_frames=[
        _pay(visible.filter(pl.col("single")).select(
            "uk", "order", "erow", "raw_zero", *UNIT_FIGURES, first_pos="pos", covered="cov_e", noncovered="nc_e",
            any_paying="paying", fixed_visit=pl.when(pl.col("paying")).then(pl.col("fixed_visit")),
            both_kinds=pl.lit(False), all_rx="is_rx", fixed_split="fixed_cov_any",
        )),
        visible.filter(~pl.col("single")).select(
            *UNIT_FIGURES, "uk", "order", "pos", "erow", "raw_zero", "cov_e", "nc_e", "paying", "fixed_visit", "is_rx",
            "fixed_cov_visit", "fixed_cov_any",
        ),  # what grouping and the decisions read
        needs_lazy, mixed_lazy,
    ])  # fmt: skip
    Phases.mark("visible")
    merged = _pay(together_rows.lazy().group_by("uk", "order").agg(
        *[pl.col(name).first() for name in UNIT_FIGURES],
        first_pos=pl.col("pos").min(),
        covered=pl.col("cov_e").sum(),
        noncovered=pl.col("nc_e").sum(),
        any_paying=pl.col("paying").any(),
        fixed_visit=pl.when(pl.col("paying")).then(pl.col("fixed_visit")).max(),
        both_kinds=pl.col("is_rx").any() & (~pl.col("is_rx")).any(),  # a 1st-generation visit with its pharmacy
        all_rx=pl.col("is_rx").all(),
        fixed_split=pl.coalesce(pl.col("fixed_cov_visit").max(), pl.col("fixed_cov_any").max()),
    ).with_columns(erow=pl.lit(None, pl.UInt32), raw_zero=pl.lit(None, pl.Boolean)))  # fmt: skip
    units = pl.concat([singles, merged.collect(engine=WHOLE)], how="diagonal")
    Phases.mark("units")
    # a person whose 4th-generation yearly amounts or 비급여 visit counts could bind goes to the scalar engine
    year_of_unit = contract_years(units, "start", "date").alias("cy")
    # (before sharing, which only lowers what is paid), with the admissions of the same contract and
    # year: the yearly amount is one for 입원 and 통원 together
    split_year = (
        units.lazy().filter(pl.col("split"))
        .group_by("pidx", "crow", "injury", year_of_unit)
        .agg(
            c_paid=pl.col("c_pay").sum(),
            n_paid=pl.col("n_pay").sum(),
            n_visits=(pl.col("n_pay") > 0).sum(),
            c_annual=pl.col("c_annual").first(),
            n_annual=pl.col("n_annual").first(),
            n_cap=pl.col("n_cap").first(),
        )
        .join(people.lazy(), on="pidx")
        .drop("pidx")
    )  # fmt: skip
    yearly = pl.concat([split_year, admitted_yearly.lazy()], how="diagonal_relaxed").group_by(
        "person_id", "crow", "injury", "cy").agg(
        pl.col("c_paid", "n_paid", "n_visits").sum(), pl.col("c_annual", "n_annual", "n_cap").max())  # fmt: skip
    over = (pl.col("c_paid") > pl.col("c_annual")) | (pl.col("n_paid") > pl.col("n_annual"))
    bound = yearly.filter(over | (pl.col("n_visits") > pl.col("n_cap"))).select("person_id").unique().collect(
        engine=WHOLE)  # fmt: skip
    split_bound = people.lazy().join(bound.lazy(), on="person_id", how="semi").select("pidx")

    # yearly visit counts: a person whose paying visits pass a cap goes to the scalar engine
    counted = (
        units.lazy()
        .filter(pl.col("cap").is_not_null() & (pl.col("liability") > 0))
        .group_by("pidx", "order", "injury", "rx_unit", year_of_unit)
        .agg(paying=pl.len(), cap=pl.col("cap").first())
    )
    capped = counted.filter(pl.col("paying") > pl.col("cap")).select("pidx")
    later_plan = pl.concat([bad_era.lazy(), needs.lazy(), capped, mixed.lazy(), out_of_range.lazy(), split_bound])
    later = later_plan.unique().collect(engine=WHOLE)
    Phases.mark("checks")

    # multiple-policy sharing over the contracts that pay the same visits (sharing.py)
    # (people with one contract share nothing: their units keep their liability)
    several = slim.group_by("pidx").len().filter(pl.col("len") > 1)["pidx"].implode()
    units = units.lazy().filter(~pl.col("pidx").is_in(later["pidx"].implode())).select(
        "uk", "order", "first_pos", "erow", "crow", "raw_zero", "split", "injury", "rx_unit", "both_kinds", "all_rx",
        "liability", "eligible", "ded100", "pay0", "c_pay", "n_pay", with_others=pl.col("pidx").is_in(several),
    ).collect(engine=WHOLE)  # fmt: skip
    shared = units.filter(pl.col("with_others"))
    units = pl.concat([units.filter(~pl.col("with_others")).with_columns(amount=pl.col("liability")),
                       shared.with_columns(amount=share.shared_amounts(shared, _RX_BIT))])  # fmt: skip
    reason = (
        pl.when(pl.col("eligible") == 0).then(_reason("excluded"))
        .when(pl.col("pay0") == 0).then(_reason("deductible"))
        .when(pl.col("amount") < pl.col("liability")).then(_reason("shared"))
        .when(pl.col("liability") < pl.col("pay0")).then(_reason("visit_limit"))
        .otherwise(_reason("paid"))
    )  # fmt: skip
    paid = units.lazy().select(
        "uk", "order", "first_pos", "erow", "crow", "raw_zero", "split", "injury", "amount",
        deductible=pl.col("ded100") // 100, reason=reason, owed="liability",
        nc_most=pl.col("split") & noncovered_paid_most(pl.col("amount"), pl.col("c_pay"), pl.col("n_pay")),
    )  # fmt: skip
    Phases.mark("sharing")

    # one row per (event, contract): the unit's first visit carries the amount, the others 0
    alone = paid.filter(pl.col("erow").is_not_null()).select(
        "erow", "crow", "split", "injury", "amount", "deductible", "owed", "nc_most",
        reason=pl.when(pl.col("raw_zero") & (pl.col("reason") == _reason("excluded"))).then(_reason("nothing"))
        .otherwise(pl.col("reason")),
    )  # fmt: skip
    in_units = together_rows.lazy().select("pos", "order", "erow", "crow", "uk", "raw_zero", "split", "injury")
    first = pl.col("pos") == pl.col("first_pos")
    grouped = paid.filter(pl.col("erow").is_null()).drop("erow", "crow", "raw_zero", "split", "injury")
    together = in_units.join(grouped, on=["uk", "order"]).select(
        "erow", "crow", "split", "injury",
        amount=pl.when(first).then(pl.col("amount")).otherwise(0),
        deductible=pl.when(first).then(pl.col("deductible")),
        owed=pl.when(first).then(pl.col("owed")).otherwise(0),
        nc_most=first & pl.col("nc_most"),
        reason=pl.when(~first).then(_reason("merged"))
        .when(pl.col("raw_zero") & (pl.col("reason") == _reason("excluded"))).then(_reason("nothing"))
        .otherwise(pl.col("reason")),
    )  # fmt: skip
    screened = table.lazy().filter((pl.col("screen") > 0) & ~pl.col("pidx").is_in(later["pidx"].implode())).select(
        "erow", "crow", "split", "injury", amount=pl.lit(0, pl.Int64), deductible=pl.lit(None, pl.Int64),
        owed=pl.lit(0, pl.Int64), nc_most=pl.lit(False),
        reason=pl.col("screen") + (_reason("not_bought") - 1),  # screens 1, 2, 3 in REASON_CODES' order
    )  # fmt: skip
    # the coverage, one of six by (injury, split, 비급여 paid most), and the reason named once, from their codes
    coverage = (
        pl.when(pl.col("nc_most")).then(4 + pl.col("injury").cast(pl.Int8))
        .otherwise(pl.col("injury").cast(pl.Int8) * 2 + pl.col("split").cast(pl.Int8))
    )  # fmt: skip
    decisions = pl.concat([alone, together, screened], how="vertical_relaxed").select(
        "erow", "crow", coverage=pl.lit(pl.Series(COVERAGE_NAMES, dtype=COVERAGE)).gather(coverage),
        amount=pl.col("amount").cast(pl.Int64), deductible=pl.col("deductible").cast(pl.Int64),
        reason=pl.lit(pl.Series(REASON_CODES, dtype=REASON)).gather(pl.col("reason")),
        owed=pl.col("owed").cast(pl.Int64),
    )  # fmt: skip
    done = decisions.collect(engine=WHOLE)
    if admitted.height:
        admitted = admitted.filter(~pl.col("person_id").is_in(bound["person_id"].implode()))
        done = pl.concat([done, admitted.select(done.columns)], how="vertical_relaxed")
    later_done = people.filter(pl.col("pidx").is_in(later["pidx"].implode())).select(
        "person_id", group=pl.lit("outpatient"))  # fmt: skip
    # a person whose yearly amounts could bind goes whole: admissions and visits share them
    later_done = pl.concat([later_done, pl.concat([admitted_left, bound]).with_columns(group=pl.lit("inpatient")),
                            bound.with_columns(group=pl.lit("outpatient"))])  # fmt: skip
    Phases.mark("formula")
    return done, pl.concat([left, later_done]).unique()
