"""The columnar evaluation, phase by phase: contracts, admissions, encode, eras, pairs, visible,
units, checks, sharing, decisions (`Phases` times each).
"""

from __future__ import annotations

from datetime import date

import polars as pl

from silson.batch import admissions, runs, share
from silson.batch.columnar.encode import (
    COND_BITS,
    COVERAGE_NAMES,
    DAY_BITS,
    REASON_CODES,
    RX_BIT,
    WHOLE,
    Phases,
    reason_code,
    unit_key,
    with_rows,
)
from silson.batch.columnar.eras import era_parameters, exclusion_answers, resolve_contracts
from silson.batch.columnar.formula import UNIT_FIGURES, pay_units
from silson.batch.columnar.scope import in_parts, left_to_scalar
from silson.batch.dated import (
    INSTITUTIONS,
    Probes,
    by_cause,
    contract_years,
    first_day_in_time,
    with_eras,
)
from silson.batch.tables import COVERAGE, REASON, noncovered_paid_most
from silson.rules.catalogue import Catalogue


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
    contracts = resolve_contracts(  # the order of each contract in its person's input: the engine's order
        contracts.with_columns(order=pl.int_range(pl.len(), dtype=pl.Int32).over("person_id")), catalogue
    )
    Phases.mark("contracts")
    left = left_to_scalar(events, contracts, claim_date)
    taken = ~in_parts(left)
    admitted, admitted_left, admitted_yearly = admissions.evaluate(
        events.filter(taken & (pl.col("kind") == "inpatient")), contracts, claim_date, catalogue, probes)  # fmt: skip
    Phases.mark("admissions")
    people = events.select("person_id", "pidx").unique("pidx")  # pidx: with_rows
    visits, codes, out_of_range = encode_visits(events, taken)
    table, slim = pair_table(visits, contracts, people, codes, claim_date, catalogue, probes)
    units, together_rows, needs, mixed, bad_era = group_units(table)
    later, bound = binding_people(units, people, admitted_yearly, [bad_era, needs, mixed, out_of_range])
    done = decide(units, together_rows, table, later, slim)
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


def encode_visits(events: pl.DataFrame, taken: pl.Expr) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Encode: the visits the columnar path takes, as numbers only (conditions, codes, institution
    classes), with each visit's lone-day flags; the code labels; and the people whose numbers do not
    fit the unit key (they go to the scalar engine)."""
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
        (pl.col("pos") >= 1 << (COND_BITS - 1)) | (pl.col("cond") >= 1 << (COND_BITS - 1)) | (day < 0)
        | (day >= 1 << DAY_BITS) | (pl.col("pidx") >= 1 << (62 - COND_BITS - DAY_BITS - 2))
    ).select("pidx").unique()  # fmt: skip
    if out_of_range.height:
        events = events.join(out_of_range, on="pidx", how="anti")
    # how many events share the day and condition (with and without the pharmacy apart): where one
    # does, it is a unit of its own under every contract, and needs no grouping
    # (one sort of the key with the kind as its lowest bit gives both)
    kind_key = unit_key(pl.lit(False), pl.col("cond")) * 2 + pl.col("is_rx").cast(pl.Int64)
    lone_kind, lone_day = runs.alone(events.select(kind_key.alias("k"))["k"], shift=1)
    events = events.with_columns(lone_day=lone_day, lone_kind=lone_kind)
    Phases.mark("encode")
    return events, codes, out_of_range


def pair_table(
    events: pl.DataFrame, contracts: pl.DataFrame, people: pl.DataFrame, codes: pl.DataFrame, claim_date: date,
    catalogue: Catalogue, probes: Probes,
) -> tuple[pl.DataFrame, pl.DataFrame]:  # fmt: skip
    """Eras and pairs: every (visit, contract) pair with the era's figures, the exclusion answers and
    its screen (not bought, before the contract, limitation); and the contracts as small ids (`slim`)."""
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
        .select(gk=pl.col("shape").cast(pl.Int64) * (1 << DAY_BITS) + day0, ek="ek")
    )  # fmt: skip
    pairs = (
        events.lazy().join(slim.lazy(), on="pidx")
        .with_columns(gk=pl.col("shape").cast(pl.Int64) * (1 << DAY_BITS) + day0)
        .join(grid.lazy(), on="gk", how="left")  # every (shape, day) is there; left is cheaper
        .drop("gk", "shape")
        .collect(engine=WHOLE)
    )  # fmt: skip
    Phases.mark("eras")
    era_table = era_parameters(era_keys, catalogue)
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
    exclusions = exclusion_answers(exclusion_keys, catalogue, probes).select(
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
    return table, slim


def group_units(table: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Units: the visible pairs paid as units (a lone event is its own; the others grouped by day,
    cause and condition), each through the formula; the grouped rows (for the decisions); and the
    people who must go to the scalar engine for what was seen here (a needed code, groupings that
    differ between contracts, an era the catalogue refuses)."""
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
        .with_columns(uk=unit_key(pl.col("rx_unit"), pl.col("ucond")))
    )  # fmt: skip
    # a unit (the visits one contract pays as one): an event alone is its own; the others are grouped
    # (one pass over the pairs: the lone events become units as they are, the others are kept whole)
    singles, together_rows, needs, mixed = pl.collect_all(engine=WHOLE, lazy_frames=[
        pay_units(visible.filter(pl.col("single")).select(
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
    merged = pay_units(together_rows.lazy().group_by("uk", "order").agg(
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
    return units, together_rows, needs, mixed, bad_era


def binding_people(
    units: pl.DataFrame, people: pl.DataFrame, admitted_yearly: pl.DataFrame, already: list[pl.DataFrame]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Checks: the people whose yearly amounts or visit counts could bind (they go whole to the
    scalar engine), with those `already` found (by `pidx`); and, by id, those whose 4th-generation
    yearly amounts could bind together with their admissions (`bound`)."""
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
    later_plan = pl.concat([*(frame.lazy() for frame in already), capped, split_bound])
    later = later_plan.unique().collect(engine=WHOLE)
    Phases.mark("checks")
    return later, bound


def decide(
    units: pl.DataFrame, together_rows: pl.DataFrame, table: pl.DataFrame, later: pl.DataFrame, slim: pl.DataFrame
) -> pl.DataFrame:
    """Sharing and decisions: multiple-policy sharing over the contracts paying the same visits, then
    one row per (event, contract) with its amount, reason and coverage (the unit's first visit
    carries the amount, the others 0)."""

    # multiple-policy sharing over the contracts that pay the same visits (sharing.py)
    # (people with one contract share nothing: their units keep their liability)
    several = slim.group_by("pidx").len().filter(pl.col("len") > 1)["pidx"].implode()
    units = units.lazy().filter(~pl.col("pidx").is_in(later["pidx"].implode())).select(
        "uk", "order", "first_pos", "erow", "crow", "raw_zero", "split", "injury", "rx_unit", "both_kinds", "all_rx",
        "liability", "eligible", "ded100", "pay0", "c_pay", "n_pay", with_others=pl.col("pidx").is_in(several),
    ).collect(engine=WHOLE)  # fmt: skip
    shared = units.filter(pl.col("with_others"))
    units = pl.concat([units.filter(~pl.col("with_others")).with_columns(amount=pl.col("liability")),
                       shared.with_columns(amount=share.shared_amounts(shared, RX_BIT))])  # fmt: skip
    reason = (
        pl.when(pl.col("eligible") == 0).then(reason_code("excluded"))
        .when(pl.col("pay0") == 0).then(reason_code("deductible"))
        .when(pl.col("amount") < pl.col("liability")).then(reason_code("shared"))
        .when(pl.col("liability") < pl.col("pay0")).then(reason_code("visit_limit"))
        .otherwise(reason_code("paid"))
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
        reason=pl.when(pl.col("raw_zero") & (pl.col("reason") == reason_code("excluded"))).then(reason_code("nothing"))
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
        reason=pl.when(~first).then(reason_code("merged"))
        .when(pl.col("raw_zero") & (pl.col("reason") == reason_code("excluded"))).then(reason_code("nothing"))
        .otherwise(pl.col("reason")),
    )  # fmt: skip
    screened = table.lazy().filter((pl.col("screen") > 0) & ~pl.col("pidx").is_in(later["pidx"].implode())).select(
        "erow", "crow", "split", "injury", amount=pl.lit(0, pl.Int64), deductible=pl.lit(None, pl.Int64),
        owed=pl.lit(0, pl.Int64), nc_most=pl.lit(False),
        reason=pl.col("screen") + (reason_code("not_bought") - 1),  # screens 1, 2, 3 in REASON_CODES' order
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
    return done
