"""Column helpers both batch formulas share: rule-set eras and the calendar rules of periods.py."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate
from typing import Any

import polars as pl

from silson.domain.model import InstitutionKind
from silson.rules.catalogue import BY_CONTRACT_START, Catalogue, RuleSet
from silson.rules.periods import add_years

INSTITUTIONS = [k.value for k in InstitutionKind]
_EPOCH = date(1970, 1, 1)


def coverages_of(text: str) -> dict[str, Any]:
    """A contract's coverages column (the case format's JSON object); {} when it is not one (the
    engine's own check then refuses the contract, naming why)."""
    try:
        parsed = json.loads(text)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


@dataclass(frozen=True, slots=True)
class Eras:
    """The boundaries at which any parameter of a rule set changes value, by event date and by
    contract date: two rows in the same era read the same value of every parameter."""

    by_event: tuple[date, ...]
    by_start: tuple[date, ...]

    @staticmethod
    def of(rules: RuleSet) -> Eras:
        event: set[date] = set()
        start: set[date] = set()
        for param in rules.parameters.values():
            target = start if param.by == BY_CONTRACT_START else event
            for dated in param.values:
                target.add(dated.start)
                if dated.end is not None:
                    target.add(dated.end)
        return Eras(tuple(sorted(event)), tuple(sorted(start)))


_RULES_SHIFT = 1 << 32  # a (rule set, day) packed: the rule set's number, then the day from 1970 offset by 2**31


def with_eras(frame: pl.DataFrame, catalogue: Catalogue) -> pl.DataFrame:
    """`frame` (rows with a `rules_id`, a `date` and a `start`) with `era_e`, the era of its rule set
    the date falls in, and `era_s`, the era of the start: how many of the rule set's boundaries
    (Eras.of) lie on or before the day. Every rule set's boundaries go into one sorted column of
    packed (rule set, day) integers, so one search finds every row's era, whatever its rule set."""
    rule_sets = frame["rules_id"].unique().drop_nulls().sort().to_list()
    if not rule_sets or frame.height == 0:
        return frame.with_columns(era_e=pl.lit(0, pl.Int32), era_s=pl.lit(0, pl.Int32))
    eras = [Eras.of(catalogue.get(str(r))) for r in rule_sets]
    number = pl.col("rules_id").replace_strict(rule_sets, list(range(len(rule_sets))), return_dtype=pl.Int64)

    def era(column: str, bounds: list[tuple[date, ...]]) -> pl.Expr:
        packed = pl.Series([i * _RULES_SHIFT + (d - _EPOCH).days + (1 << 31) for i, b in enumerate(bounds) for d in b],
                           dtype=pl.Int64)  # fmt: skip
        before = pl.Series(list(accumulate((len(b) for b in bounds[:-1]), initial=0)), dtype=pl.Int64)
        key = number * _RULES_SHIFT + pl.col(column).cast(pl.Int32).cast(pl.Int64) + (1 << 31)
        return (pl.lit(packed).search_sorted(key, side="right") - pl.lit(before).gather(number)).cast(pl.Int32)

    return frame.with_columns(era_e=era("date", [e.by_event for e in eras]),
                              era_s=era("start", [e.by_start for e in eras]))  # fmt: skip


def by_cause(template: str) -> pl.Expr:
    """A contract's figure for the row's cause: `template` with {} for disease or injury."""
    return pl.when(pl.col("injury")).then(pl.col(template.format("injury"))).otherwise(
        pl.col(template.format("disease")))  # fmt: skip


def years_later(day: pl.Expr, years: pl.Expr, usual: tuple[int, ...]) -> pl.Expr:
    """periods.add_years over a column: fixed offsets for the usual counts (fast), else per row."""
    out = day.dt.offset_by(pl.format("{}y", years))
    for n in usual:
        out = pl.when(years == n).then(day.dt.offset_by(f"{n}y")).otherwise(out)
    return out


def first_day_in_time(claim_date: date, years: int) -> date:
    """The first event day a claim made on `claim_date` is in time for (소멸시효 of `years` from the
    day): a day is past it when the claim date is after periods.add_years(day, years), and that never
    goes back as the day advances, so the days past it are exactly those before this one.

    >>> first_day_in_time(date(2026, 11, 23), 3), first_day_in_time(date(2025, 2, 28), 1)
    (datetime.date(2023, 11, 23), datetime.date(2024, 2, 28))
    """
    # add_years moves a day by at most 366 days a year, either way: these bounds hold for any count
    reach = timedelta(days=366 * (abs(years) + 1))
    past, in_time = claim_date - reach, claim_date + reach
    while (in_time - past).days > 1:
        middle = past + (in_time - past) // 2
        if add_years(middle, years) >= claim_date:
            in_time = middle
        else:
            past = middle
    return in_time


def contract_year(start: pl.Expr, day: pl.Expr) -> pl.Expr:
    """periods.contract_year over columns: the anniversary of a 29 February is the 28th in other years."""
    years = day.dt.year() - start.dt.year()
    start_md = start.dt.month().cast(pl.Int32) * 100 + start.dt.day().cast(pl.Int32)
    day_md = day.dt.month().cast(pl.Int32) * 100 + day.dt.day().cast(pl.Int32)
    anniversary_md = pl.when((start_md == 229) & ~day.dt.is_leap_year()).then(228).otherwise(start_md)
    return years.cast(pl.Int32) - (day_md < anniversary_md).cast(pl.Int32)


def contract_years(frame: pl.DataFrame, start: str, day: str) -> pl.Expr:
    """`contract_year` over two Date columns of `frame`, by look-up: each day of the frame's range is
    turned into its year, month and day once (as year × 10,000 + month × 100 + day), then the rows
    read it by their offset in the range. Taking the calendar apart on every row cost about 30 ms
    per 300,000 rows; a look-up is a gather."""
    bounds = frame.select(lo=pl.min_horizontal(pl.col(start).min(), pl.col(day).min()),
                          hi=pl.max_horizontal(pl.col(start).max(), pl.col(day).max())).row(0)  # fmt: skip
    if bounds[0] is None:
        return contract_year(pl.col(start), pl.col(day))
    days = pl.date_range(bounds[0], bounds[1], eager=True)
    table = pl.lit(days.dt.year().cast(pl.Int32) * 10_000 + days.dt.month().cast(pl.Int32) * 100
                   + days.dt.day().cast(pl.Int32))  # fmt: skip
    first = (bounds[0] - date(1970, 1, 1)).days

    def ymd(column: str) -> pl.Expr:
        return table.gather(pl.col(column).cast(pl.Int32) - first)

    start_ymd, day_ymd = ymd(start), ymd(day)
    year = day_ymd // 10_000
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    start_md, day_md = start_ymd % 10_000, day_ymd % 10_000
    anniversary_md = pl.when((start_md == 229) & ~leap).then(228).otherwise(start_md)
    return year - start_ymd // 10_000 - (day_md < anniversary_md).cast(pl.Int32)


@dataclass
class Probes:
    """The exclusion probes' answers, kept across the chunks of one run: what a coverage pays of an
    event of one shape (rule set and eras, cause, main code, institution class, kind) does not depend
    on the chunk that asks, and asking the engine is the costly part of a small chunk."""

    answers: dict[tuple[object, ...], tuple[bool, bool, bool]] = field(default_factory=dict)
    #: the answers as tables, by what was asked (a join finds the known ones without a loop in Python)
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)

    def answer(self, key: tuple[object, ...], ask: Callable[[], tuple[bool, bool, bool]]) -> tuple[bool, bool, bool]:
        found = self.answers.get(key)
        if found is None:
            found = self.answers[key] = ask()
        return found
