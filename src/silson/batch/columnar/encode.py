"""Encoding for the columnar path: a unit packed into one Int64, the people and rows as numbers,
reasons and coverages as small codes, and the phase timer the benchmark reads.
"""

from __future__ import annotations

import time
from datetime import date
from typing import ClassVar, Final

import polars as pl

#: the in-memory engine for the large joins and the formula: measured faster here than the streaming
#: default for frames that fit in memory (a chunk always does)
WHOLE: Final = "in-memory"


# a unit (the visits paid as one) packed into one Int64: person, prescription unit, injury, day, condition
DAY0 = date(1970, 1, 1)
COND_BITS = 20  # condition labels and visit positions below 2**19
DAY_BITS = 16  # days from 1970-01-01 below 2**16 (until 2149)
RX_BIT = 1 << (COND_BITS + DAY_BITS + 1)  # the key's pharmacy-unit bit


def unit_key(rx_unit: pl.Expr, condition: pl.Expr) -> pl.Expr:
    key = pl.col("pidx").cast(pl.Int64) * 2 + rx_unit.cast(pl.Int64)
    key = key * 2 + pl.col("injury").cast(pl.Int64)
    key = key * (1 << DAY_BITS) + pl.col("date").cast(pl.Int32).cast(pl.Int64)
    return key * (1 << COND_BITS) + (condition.cast(pl.Int64) + (1 << (COND_BITS - 1)))


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


def reason_code(name: str) -> pl.Expr:
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
