"""The formula over units: combined.py's outpatient formula and split.py's two parts, as column
expressions in integer won (shares in 1/100 won).
"""

from __future__ import annotations

import polars as pl

#: what the checks, the sharing and the decisions read of a unit once it is paid
UNIT_OUT = ("uk", "order", "erow", "raw_zero", "first_pos", "pidx", "crow", "injury", "date", "start", "rx_unit",
            "split", "cap", "c_annual", "n_annual", "n_cap", "both_kinds", "all_rx", "eligible", "ded100", "pay0",
            "liability", "c_pay", "n_pay")  # fmt: skip
#: what a unit reads besides its costs: the same for all its events (one contract, one day, one era)
UNIT_FIGURES = ("pidx", "crow", "injury", "date", "rx_unit", "split", "start", "limit", "cap", "fixed_rx",
                "rate_covered", "rate_noncovered", "nc_minimum", "c_visit", "c_annual", "n_limit", "n_annual", "n_cap",
                "has_c", "has_n")  # fmt: skip


def pay_units(unit_plan: pl.LazyFrame) -> pl.LazyFrame:
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
