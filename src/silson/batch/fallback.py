"""What the columnar path leaves to the scalar engine, declared once as a table of predicates.

Two kinds of rows go to the scalar engine, each named here with its reason:
- `REFUSALS`: rows the case reader refuses (`cases/reader.py`). Their person goes whole to the scalar
  engine, which writes the `input_error` rows naming the field. `tests/batch/test_fallback.py` feeds
  every refusal of the reader through this table, so the two cannot drift apart.
- `SCALAR_VISITS`: rows the reader accepts but the columnar formula does not compute (other payers,
  overseas care, 상한제 refunds, a disease visit without a code, amounts past the exact-integer
  bound). Their (person, outpatient|inpatient) part goes to the scalar engine.
More parts are found while evaluating (contracts the catalogue refuses, events after a contract's end,
visit caps reached, units grouped differently): `columnar.evaluate` and `admissions.evaluate` say so
where they find them.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

import polars as pl

from silson.batch.dated import INSTITUTIONS

#: a row's KCD codes: codes as kcd.py reads them, separated by blanks, or none
KCD_CODES = r"(?i)^\s*(?:[A-Z][0-9]{2}(?:\.?[0-9A-Z]{1,3})?(?:\s+|$))*$"
DISPENSERS = ("pharmacy", "rare_drug_center")
#: events' amounts above this go to the scalar engine (Python integers: the sharing products stay exact)
EXACT_BOUND = 10**9


def among(column: str, values: Sequence[str]) -> pl.Expr:
    """Whether the column's text is one of a few values: comparisons, which for two or three values
    cost less than a set look-up; false for none."""
    if not values:
        return pl.lit(False)
    if len(values) > 3:
        return pl.col(column).is_in(list(values))
    return functools.reduce(operator.or_, (pl.col(column) == v for v in values))


@dataclass(frozen=True, slots=True)
class Context:
    """What a predicate may read besides the row: the claim date, and the code texts found unreadable
    or blank (read once per distinct text, not per row)."""

    claim_date: date
    misread_codes: Sequence[str]
    blank_codes: Sequence[str]


@dataclass(frozen=True, slots=True)
class Rule:
    """One predicate over rows, with the field it concerns and why the row leaves the columnar path."""

    table: str  # "events" or "contracts"
    field: str  # the case format's field, as the reader names it
    why: str
    rows: Callable[[Context], pl.Expr]


_inpatient = pl.col("kind") == "inpatient"

REFUSALS: tuple[Rule, ...] = (
    Rule("events", "kind", "not outpatient, inpatient or prescription",
         lambda c: ~among("kind", ("outpatient", "inpatient", "prescription"))),
    Rule("events", "cause", "not disease or injury", lambda c: ~among("cause", ("disease", "injury"))),
    Rule("events", "institution.kind", "not an institution kind of the case format",
         lambda c: ~pl.col("institution_kind").is_in(INSTITUTIONS)),
    Rule("events", "kcd", "a code not in KCD form", lambda c: among("kcd", c.misread_codes)),
    Rule("events", "id", "empty", lambda c: pl.col("event_id") == ""),
    Rule("events", "date", "after the claim date", lambda c: pl.col("date") > c.claim_date),
    Rule("events", "discharge", "an admission without discharge or days",
         lambda c: _inpatient & pl.col("discharge").is_null() & pl.col("days").is_null()),
    Rule("events", "discharge", "before the admission", lambda c: _inpatient & (pl.col("discharge") < pl.col("date"))),
    Rule("events", "days", "below 1", lambda c: pl.col("days") < 1),
    Rule("events", "discharge", "only an inpatient event has discharge, days or a room difference",
         lambda c: ~_inpatient & (pl.col("discharge").is_not_null() | pl.col("days").is_not_null()
                                  | (pl.col("room_difference") > 0))),
    Rule("events", "institution.kind", "a prescription is dispensed by a pharmacy (and only there)",
         lambda c: (pl.col("kind") == "prescription") != among("institution_kind", DISPENSERS)),
    Rule("events", "nhis_copay_rate", "outside 0–100", lambda c: ~pl.col("nhis_copay_rate").is_between(0, 100)),
    Rule("events", "institution.country", "not a two-letter country code",
         lambda c: pl.col("country").str.len_chars() != 2),
    Rule("contracts", "id", "empty", lambda c: pl.col("contract_id") == ""),
    Rule("contracts", "insurer", "missing", lambda c: pl.col("insurer").is_null()),
    Rule("contracts", "end", "before start", lambda c: pl.col("end") < pl.col("start")),
)  # fmt: skip

SCALAR_VISITS: tuple[Rule, ...] = (
    Rule("events", "other_payer", "자동차보험·산재보험 handled it", lambda c: pl.col("other_payer").is_not_null()),
    Rule("events", "institution.country", "care abroad", lambda c: pl.col("country").str.to_uppercase() != "KR"),
    Rule("events", "nhis_refundable", "a 본인부담상한제 refund", lambda c: pl.col("nhis_refundable") > 0),
    Rule("events", "kcd", "a disease visit without a KCD code (the engine asks for one)",
         lambda c: (pl.col("cause") == "disease") & among("kcd", c.blank_codes)),
    Rule("events", "covered_copay", f"amounts past {EXACT_BOUND:,} won",
         lambda c: pl.col("covered_copay") + pl.col("covered_full") + pl.col("noncovered") > EXACT_BOUND),
)  # fmt: skip


def any_of(rules: Sequence[Rule], table: str, context: Context) -> pl.Expr:
    """One expression: a row of `table` matching any of the rules (false where none applies)."""
    exprs = [r.rows(context) for r in rules if r.table == table]
    if not exprs:
        return pl.lit(False)
    return functools.reduce(operator.or_, exprs).fill_null(False)


def context(events: pl.DataFrame, claim_date: date, texts: pl.DataFrame | None = None) -> Context:
    """The predicates' context from the distinct `kcd` texts (given, or read from the events)."""
    texts = texts if texts is not None else events.select(pl.col("kcd").unique())
    misread = texts.filter(~pl.col("kcd").str.contains(KCD_CODES))["kcd"].to_list()
    blank = texts.filter(pl.col("kcd").str.strip_chars() == "")["kcd"].to_list()
    return Context(claim_date, misread, blank)


def matching(events: pl.DataFrame, contracts: pl.DataFrame, rules: Sequence[Rule], ctx: Context) -> list[Rule]:
    """The rules some row matches (for tests and diagnostics; the hot path uses `any_of`)."""
    tables = {"events": events, "contracts": contracts}
    return [r for r in rules if tables[r.table].select(r.rows(ctx).fill_null(False).any()).item()]
