"""Which people and parts the columnar path takes: the rows `fallback.py` declares for the scalar
engine, found before the evaluation starts.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from silson.batch import fallback


def group_of(kind: pl.Expr) -> pl.Expr:
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
        "person_id", group=group_of(pl.col("kind")))  # fmt: skip
    both = whole.join(pl.DataFrame({"group": ["outpatient", "inpatient"]}), how="cross")
    return pl.concat([visits, both]).unique()
