"""Admissions (입원) in columns: of the 1st–3rd generation terms as combined.py computes them, and of
the 4th generation's as split.py does.

Each admission is its own unit. Per (contract, coverage, contract year), the self-pay (자기부담) is a
share of the costs capped yearly: in order of the admissions, the capped running total of the
shares, less the capped total before it (`min(cap, Σ≤i) − min(cap, Σ<i)`), exactly the engine's
ledger. The rest follows the engine: the main costs less the self-pay, half the room difference up
to a daily average, multiple-policy sharing over the contracts paying the same admission. Under the
4th generation the capped self-pay is the 급여 part's (20 %, 2,000,000 a year); the 비급여 part pays
its costs less 30 % and half the room difference, without a cap; the two add up into the one figure.

Left to the scalar engine (the person's admissions only): a condition whose admissions run past its
first 보상기간 (the 1st generation and 2009 terms' period rule) or could reach the per-condition amount
(then the restoration rules apply); 비급여 parts with a deductible cap or a per-stay cap (5th
generation); and everything `columnar.left_to_scalar` already leaves. Whether a 4th-generation
contract's yearly amounts (입원·통원 합산) could bind is checked with its visits (columnar/plan.py)."""

from __future__ import annotations

import functools
from datetime import date
from typing import Any

import polars as pl

from silson.batch.dated import Probes, by_cause, contract_years, coverages_of, with_eras, years_later
from silson.batch.tables import COVERAGE, REASON, noncovered_paid_most
from silson.domain.model import Cause, EventKind, Institution, InstitutionKind, MedicalEvent
from silson.rules.catalogue import Catalogue, CatalogueError
from silson.rules.exclusions import eligible_amounts
from silson.rules.families import CombinedInpatient, Family, SplitInpatient, family, inpatient_terms
from silson.rules.schema import NoncoveredPart, PeriodRestoration

CAUSES = ("disease", "injury")
PARTS = ("covered", "noncovered")


def _parameters(keys: pl.DataFrame, catalogue: Catalogue) -> pl.DataFrame:
    """Per (rule set, option, eras): what the admission formula reads."""
    rows = []
    for rules_id, opt, era_e, era_s, day in keys.iter_rows():
        rules = catalogue.get(rules_id)
        row: dict[str, Any] = {"rules_id": rules_id, "opt": opt, "era_e": era_e, "era_s": era_s, "adm_ok": False}
        try:
            match inpatient_terms(rules, day, opt):
                case CombinedInpatient() as t:
                    period = t.restoration.cover_days if isinstance(t.restoration, PeriodRestoration) else None
                    row.update(
                        adm_ok=True, rate_covered=t.rates.covered, rate_noncovered=t.rates.noncovered,
                        cap=t.annual_selfpay_cap, room_rate=t.room_rate, room_daily=t.room_daily_cap,
                        period_days=period, years=t.limitation_years, split=False,
                    )  # fmt: skip
                case SplitInpatient() as t:
                    row.update(_split_parameters(t))
        except (CatalogueError, KeyError, TypeError, ValueError):
            pass
        rows.append(row)
    schema: dict[str, Any] = {"rules_id": pl.String, "opt": pl.String, "era_e": pl.Int32, "era_s": pl.Int32,
                              "adm_ok": pl.Boolean, "rate_covered": pl.Int64, "rate_noncovered": pl.Int64,
                              "cap": pl.Int64, "room_rate": pl.Int64, "room_daily": pl.Int64,
                              "period_days": pl.Int64, "years": pl.Int64, "split": pl.Boolean}  # fmt: skip
    return pl.DataFrame([{k: r.get(k) for k in schema} for r in rows], schema=schema)


def _split_parameters(terms: SplitInpatient) -> dict[str, Any]:
    """split.py's admission figures: the 급여 self-pay and its yearly cap, the one 비급여 part's share
    and room difference. A part with a deductible cap or a per-stay cap (5th generation) raises."""
    (part,) = terms.parts
    inpatient = part.inpatient
    if part.when != "any" or inpatient.deductible_cap or inpatient.per_stay_cap:
        raise KeyError("not columnar")
    room_rate, room_daily = (inpatient.room.rate, inpatient.room.daily_cap) if inpatient.room else (100, 0)
    return {
        "adm_ok": True, "split": True, "rate_covered": terms.covered_rate, "cap": terms.covered_selfpay_cap,
        "rate_noncovered": inpatient.selfpay_rate, "room_rate": room_rate, "room_daily": room_daily,
        "period_days": None, "years": terms.limitation_years,
    }  # fmt: skip


def _exclusions(keys: pl.DataFrame, catalogue: Catalogue, probes: Probes) -> pl.DataFrame:
    rows = []
    for rules_id, era_e, era_s, injury, main, inst, day, start in keys.iter_rows():
        ask = functools.partial(_probe, catalogue, rules_id, injury, main, inst, day, start)
        answer = probes.answer(("inpatient", rules_id, era_e, era_s, injury, main, inst), ask)
        rows.append((rules_id, era_e, era_s, injury, main, inst, *answer))
    return pl.DataFrame(rows, orient="row", schema={"rules_id": pl.String, "era_e": pl.Int32, "era_s": pl.Int32,
                        "injury": pl.Boolean, "kcd_main": pl.String, "institution_kind": pl.String,
                        "keep_covered": pl.Boolean, "keep_noncovered": pl.Boolean, "needs": pl.Boolean})  # fmt: skip


def _probe(catalogue: Catalogue, rules_id: str, injury: bool, main: str, inst: str, day: date,
           start: date) -> tuple[bool, bool, bool]:  # fmt: skip
    """What the coverage pays of an admission of this shape: (급여, 비급여, needs more data)."""
    cause = Cause.INJURY if injury else Cause.DISEASE
    probe = MedicalEvent(id="probe", kind=EventKind.INPATIENT, date=day, cause=cause, kcd=(main,) if main else (),
                         institution=Institution(InstitutionKind(inst)), covered_copay=1, noncovered=1)  # fmt: skip
    rules = catalogue.get(rules_id)
    if family(rules) is Family.SPLIT:  # 급여 under the main exclusions, 비급여 under its part's (split.py)
        coverage = f"{cause.value}_covered"
        el = eligible_amounts(event=probe, rules=rules, coverage=coverage, contract_start=start)
        keep_noncovered = False
        try:
            part: NoncoveredPart
            (part,) = rules.typed("noncovered.parts", day, list)
            own = eligible_amounts(event=probe, rules=rules, coverage=coverage, contract_start=start,
                                   kcd_key=part.kcd, items_key=part.items)  # fmt: skip
            keep_noncovered = own.noncovered > 0
        except (CatalogueError, ValueError):
            pass  # the era's parameters refuse the admission (adm_ok) anyway
    else:
        el = eligible_amounts(event=probe, rules=rules, coverage=f"{cause.value}_inpatient", contract_start=start)
        keep_noncovered = el.noncovered > 0
    return el.covered > 0, keep_noncovered, bool(el.needs)


def _limits(contracts: pl.DataFrame) -> pl.DataFrame:
    rows = []
    for (coverages,) in contracts.select("coverages").unique().iter_rows():
        parsed = coverages_of(coverages)
        row: dict[str, Any] = {"coverages": coverages}
        for cause in CAUSES:
            spec = parsed.get(f"{cause}_inpatient")
            row[f"{cause}_limit"] = spec.get("limit") if isinstance(spec, dict) else None
            row[f"has_{cause}"] = spec is not None
            for part in ("covered", "noncovered"):  # the 4th generation's two coverages
                spec = parsed.get(f"{cause}_{part}")
                row[f"has_{cause}_{part}"] = spec is not None
                row[f"{cause}_{part}_annual"] = spec.get("annual_limit") if isinstance(spec, dict) else None
            row[f"any_{cause}"] = any(str(k).startswith(f"{cause}_") for k in parsed)
        rows.append(row)
    schema: dict[str, Any] = {"coverages": pl.String}
    for cause in CAUSES:
        schema[f"{cause}_limit"] = pl.Int64
        schema[f"has_{cause}"] = pl.Boolean
        for part in ("covered", "noncovered"):
            schema[f"has_{cause}_{part}"] = pl.Boolean
            schema[f"{cause}_{part}_annual"] = pl.Int64
        schema[f"any_{cause}"] = pl.Boolean
    return pl.DataFrame(rows, schema=schema)


YEARLY_SCHEMA: dict[str, pl.DataType] = {
    "person_id": pl.String(), "crow": pl.UInt32(), "injury": pl.Boolean(), "cy": pl.Int32(), "c_paid": pl.Int64(),
    "n_paid": pl.Int64(), "c_annual": pl.Int64(), "n_annual": pl.Int64(),
}  # fmt: skip


def evaluate(events: pl.DataFrame, contracts: pl.DataFrame, claim_date: date, catalogue: Catalogue,
             probes: Probes) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:  # fmt: skip
    """Decisions for the admissions in `events` (conformed, with `pos` and `erow`; contracts resolved
    with `rules_id`, `opt`, `order`, `crow`); the people whose admissions go to the scalar engine
    instead; and, per 4th-generation contract, cause and contract year, what its two parts pay before
    sharing (`c_paid`, `n_paid`) with their yearly amounts, for the yearly check with the visits."""
    adm = events.filter(pl.col("kind") == "inpatient")
    yearly = pl.DataFrame(schema=YEARLY_SCHEMA)
    if adm.height == 0:
        return pl.DataFrame(), pl.DataFrame(schema={"person_id": pl.String}), yearly
    kcd_main = pl.col("kcd").str.strip_chars().str.split(" ").list.first().fill_null("").str.to_uppercase()
    adm = adm.with_columns(
        kcd_main=kcd_main,
        injury=pl.col("cause") == "injury",
        last_day=pl.coalesce("discharge", "date"),
        room_days=pl.coalesce(pl.col("days"), (pl.col("discharge") - pl.col("date")).dt.total_days() + 1, pl.lit(1)),
        covered=pl.col("covered_copay") + pl.col("covered_full"),
    ).with_columns(
        cond=pl.when(pl.col("condition").is_not_null() & (pl.col("condition") != "")).then(pl.col("condition"))
        .when(pl.col("kcd_main") != "").then(pl.col("kcd_main")).otherwise(pl.format("<{}>", pl.col("event_id"))),
    )  # fmt: skip
    held = contracts.join(_limits(contracts), on="coverages", how="left").select(
        "person_id", "contract_id", "crow", "order", "rules_id", "opt", "start",
        *[f"{c}_limit" for c in CAUSES], *[f"has_{c}" for c in CAUSES], *[f"any_{c}" for c in CAUSES],
        *[f"has_{c}_{p}" for c in CAUSES for p in PARTS], *[f"{c}_{p}_annual" for c in CAUSES for p in PARTS],
    )  # fmt: skip
    pairs = with_eras(adm.join(held, on="person_id"), catalogue)
    keys = pairs.group_by("rules_id", "opt", "era_e", "era_s").agg(pl.col("date").first())
    pairs = pairs.join(_parameters(keys, catalogue), on=["rules_id", "opt", "era_e", "era_s"], how="left",
                       nulls_equal=True)  # fmt: skip
    probe_keys = pairs.group_by("rules_id", "era_e", "era_s", "injury", "kcd_main", "institution_kind").agg(
        pl.col("date").first(), pl.col("start").first())  # fmt: skip
    probe_on = ["rules_id", "era_e", "era_s", "injury", "kcd_main", "institution_kind"]
    pairs = pairs.join(_exclusions(probe_keys, catalogue, probes), on=probe_on, how="left")

    split = pl.col("split").fill_null(False)
    bought = pl.when(split).then(by_cause("any_{}")).otherwise(by_cause("has_{}")).fill_null(False)
    screen = (
        pl.when(~bought).then(pl.lit("not_bought"))
        .when(pl.col("date") < pl.col("start")).then(pl.lit("before_start"))
        .when(pl.lit(claim_date) > years_later(pl.col("last_day"), pl.col("years"), (2, 3))).then(pl.lit("limitation"))
    )  # fmt: skip
    pairs = pairs.with_columns(screen=screen)
    later = [pairs.filter(~pl.col("adm_ok").fill_null(False)).select("person_id")]
    visible = pairs.filter(pl.col("screen").is_null())
    later.append(visible.filter(pl.col("needs")).select("person_id"))

    limit = pl.when(pl.col("injury")).then(pl.col("injury_limit")).otherwise(pl.col("disease_limit"))
    visible = (
        visible.sort("person_id", "date", "pos")
        .with_columns(
            cov=pl.when(pl.col("keep_covered")).then(pl.col("covered")).otherwise(0),
            nc=pl.when(pl.col("keep_noncovered")).then(pl.col("noncovered")).otherwise(0),
            room=pl.when(pl.col("keep_noncovered")).then(pl.col("room_difference")).otherwise(0),
            limit=limit,
            cy=contract_years(visible, "start", "date"),
            has_c=by_cause("has_{}_covered").fill_null(False),
            has_n=by_cause("has_{}_noncovered").fill_null(False),
            c_annual=by_cause("{}_covered_annual"),
            n_annual=by_cause("{}_noncovered_annual"),
        )
        .with_columns(
            # split.py: a part is paid where the contract holds it and it has costs
            c_part=split & pl.col("has_c") & (pl.col("cov") > 0),
            n_part=split & pl.col("has_n") & ((pl.col("nc") + pl.col("room")) > 0),
        )
    )
    # the 보상기간 of the period rule: every admission of a condition within the first one (else scalar)
    by_condition = ["person_id", "contract_id", "injury", "cond"]
    first = pl.col("date").min().over(by_condition)
    past_period = pl.col("period_days").is_not_null() & (
        pl.col("last_day") > first.dt.offset_by(pl.format("{}d", pl.col("period_days") - 1)))  # fmt: skip
    later.append(visible.filter(past_period).select("person_id"))

    split_share = pl.when(pl.col("c_part")).then(pl.col("cov") * pl.col("rate_covered")).otherwise(0)
    combined_share = pl.col("cov") * pl.col("rate_covered") + pl.col("nc") * pl.col("rate_noncovered")
    share100 = pl.when(split).then(split_share).otherwise(combined_share)
    visible = visible.with_columns(share100=share100)
    running = pl.col("share100").cum_sum().over("person_id", "contract_id", "injury", "cy", order_by=["date", "pos"])
    cap100 = pl.col("cap") * 100
    selfpay100 = pl.when(pl.col("cap").is_null()).then(pl.col("share100")).otherwise(
        pl.min_horizontal(cap100, running) - pl.min_horizontal(cap100, running - pl.col("share100")))  # fmt: skip
    visible = visible.with_columns(selfpay100=selfpay100)
    main100 = (pl.col("cov") + pl.col("nc")) * 100 - pl.col("selfpay100")
    half100 = pl.col("room") * (100 - pl.col("room_rate"))
    room_pay = pl.when(pl.col("room") > 0).then(
        pl.min_horizontal(half100 // 100, pl.col("room_daily") * pl.col("room_days"))).otherwise(0)  # fmt: skip
    visible = visible.with_columns(
        main=pl.when(main100 > 0).then(main100 // 100).otherwise(0), room_pay=room_pay,
    ).with_columns(
        liability=pl.col("main") + pl.col("room_pay"),
        eligible=pl.col("cov") + pl.col("nc") + pl.col("room"),
        ded100=pl.col("selfpay100") + (pl.col("room") - pl.col("room_pay")) * 100,
    )  # fmt: skip
    # split.py: each part cut to whole won on its own; the parts add up into the one figure
    c_pay = pl.when(pl.col("c_part")).then((pl.col("cov") * 100 - pl.col("selfpay100")) // 100).otherwise(0)
    n_pay = pl.when(pl.col("n_part")).then(
        (pl.col("nc") * (100 - pl.col("rate_noncovered"))) // 100 + pl.col("room_pay")).otherwise(0)  # fmt: skip
    n_ded100 = pl.col("nc") * pl.col("rate_noncovered") + (pl.col("room") - pl.col("room_pay")) * 100
    visible = visible.with_columns(c_pay=c_pay, n_pay=n_pay).with_columns(
        liability=pl.when(split).then(pl.col("c_pay") + pl.col("n_pay")).otherwise(pl.col("liability")),
        eligible=pl.when(split).then(pl.when(pl.col("c_part")).then(pl.col("cov")).otherwise(0)
                                     + pl.when(pl.col("n_part")).then(pl.col("nc") + pl.col("room")).otherwise(0))
        .otherwise(pl.col("eligible")),
        ded100=pl.when(split).then(pl.when(pl.col("c_part")).then(pl.col("selfpay100")).otherwise(0)
                                   + pl.when(pl.col("n_part")).then(n_ded100).otherwise(0))
        .otherwise(pl.col("ded100")),
    )  # fmt: skip
    yearly = visible.filter(split).group_by("person_id", "crow", "injury", "cy").agg(
        c_paid=pl.col("c_pay").sum(), n_paid=pl.col("n_pay").sum(), c_annual=pl.col("c_annual").first(),
        n_annual=pl.col("n_annual").first(),
    ).select(*YEARLY_SCHEMA).cast(pl.Schema(YEARLY_SCHEMA))  # fmt: skip
    # a condition whose admissions could reach its amount (보험가입금액): the restoration rules apply (scalar)
    reach = visible.group_by(by_condition).agg(total=pl.col("liability").sum(), limit=pl.col("limit").first())
    later.append(reach.filter(pl.col("total") >= pl.col("limit")).select("person_id"))

    paying = pl.col("liability") > 0
    shared = visible.filter(paying).group_by("person_id", "pos").agg(
        n=pl.len(), total=pl.col("liability").sum(),
        base100=pl.col("eligible").max() * 100 - pl.col("ded100").min(),
    ).filter(pl.col("n") > 1)  # fmt: skip
    visible = visible.join(shared, on=["person_id", "pos"], how="left").with_columns(
        amount=pl.when(pl.col("n").is_null() | ~paying | (pl.col("total") * 100 <= pl.col("base100")))
        .then(pl.col("liability"))
        .otherwise(pl.max_horizontal(pl.lit(0), (pl.col("base100") * pl.col("liability")) // (pl.col("total") * 100)))
    )  # fmt: skip
    reason = (
        pl.when(pl.col("eligible") == 0).then(pl.lit("excluded"))
        .when(pl.col("liability") == 0).then(pl.lit("deductible"))
        .when(pl.col("amount") < pl.col("liability")).then(pl.lit("shared"))
        .otherwise(pl.lit("paid"))
    ).cast(REASON)  # fmt: skip
    suffix = pl.when(split).then(pl.lit("_covered")).otherwise(pl.lit("_inpatient"))
    coverage = (pl.col("cause") + suffix).cast(COVERAGE)
    nc_most = split & noncovered_paid_most(pl.col("amount"), pl.col("c_pay"), pl.col("n_pay"))
    decided = visible.select(
        "person_id", "erow", "crow",
        coverage=pl.when(nc_most).then((pl.col("cause") + "_noncovered").cast(COVERAGE)).otherwise(coverage),
        amount="amount", deductible=pl.col("ded100") // 100,
        reason=reason, owed="liability",
    )  # fmt: skip
    screened = pairs.filter(pl.col("screen").is_not_null()).select(
        "person_id", "erow", "crow", coverage=coverage, amount=pl.lit(0, pl.Int64),
        deductible=pl.lit(None, pl.Int64), reason=pl.col("screen").cast(REASON), owed=pl.lit(0, pl.Int64),
    )  # fmt: skip
    left = pl.concat(later).unique()
    decisions = pl.concat([decided, screened]).join(left, on="person_id", how="anti")
    return decisions, left, yearly.join(left, on="person_id", how="anti")
