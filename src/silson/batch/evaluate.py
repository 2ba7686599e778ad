"""A book through the batch evaluator: the columnar path for what it covers, the scalar engine
person by person for the rest, one decisions table in the engine's order."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl
import pyarrow as pa

from silson.batch import columnar, scalar
from silson.batch.dated import Probes, contract_year
from silson.batch.tables import (
    DECISION_SCHEMA,
    DECISION_TABLE,
    ENGINE,
    conform_contracts,
    conform_events,
    conform_persons,
)
from silson.errors import Defect
from silson.rules.catalogue import Catalogue, CatalogueError
from silson.rules.families import Family, family


@dataclass(frozen=True, slots=True)
class BatchResult:
    """A book's decisions in the engine's order, naming events and contracts by their rows (`erow`,
    `crow`) in `events` and `contracts`: `decisions` names them, `table()` writes them."""

    by_rows: pl.DataFrame  # erow, crow, and the decision's columns after the three ids (DECISION_SCHEMA)
    events: pl.DataFrame  # person_id, event_id, pidx (the person's number: a dense rank of the ids)
    contracts: pl.DataFrame  # contract_id
    columnar_people: int
    scalar_people: int

    @property
    def decisions(self) -> pl.DataFrame:
        """The decisions as DECISION_SCHEMA has them: people, events and contracts by id."""
        erow, crow = self.by_rows["erow"], self.by_rows["crow"]
        return self.by_rows.with_columns(
            person_id=self.events["person_id"].rechunk().gather(erow),
            event_id=self.events["event_id"].rechunk().gather(erow),
            contract_id=self.contracts["contract_id"].rechunk().gather(crow),
        )[list(DECISION_SCHEMA)]

    def table(self) -> pa.Table:
        """The decisions as an Arrow table to write (DECISION_TABLE). The ids of people and contracts
        and the closed texts are dictionary arrays: each value once, the rows by number, which a
        Parquet writer takes as they are instead of hashing every row's text (about a third less
        time writing a chunk, measured)."""
        erow, crow = self.by_rows["erow"], self.by_rows["crow"]
        people = self.events.select("pidx", "person_id").unique("pidx", keep="any").sort("pidx")
        if people.height and people["pidx"][-1] != people.height - 1:
            raise Defect("events.pidx: not a dense numbering of the people")
        persons = pa.DictionaryArray.from_arrays(
            self.events["pidx"].rechunk().gather(erow).to_arrow(), people["person_id"].to_arrow(compat_level=PLAIN)
        )
        contracts = pa.DictionaryArray.from_arrays(
            crow.cast(pl.Int32).to_arrow(), self.contracts["contract_id"].rechunk().to_arrow(compat_level=PLAIN)
        )
        events = self.events["event_id"].rechunk().gather(erow).to_arrow(compat_level=pl.CompatLevel.newest())
        rest = self.by_rows.drop("erow", "crow").to_arrow(compat_level=PLAIN)
        columns = {"person_id": persons, "event_id": events, "contract_id": contracts}
        columns.update(zip(rest.column_names, rest.columns, strict=True))
        return pa.table([columns[name] for name in DECISION_TABLE.names], names=DECISION_TABLE.names).cast(
            DECISION_TABLE
        )


#: Arrow's plain strings (what a dictionary's values must be for the Parquet writer)
PLAIN = pl.CompatLevel.oldest()


def evaluate_book(events: pl.DataFrame, contracts: pl.DataFrame, claim_date: date, catalogue: Catalogue,
                  *, columnar_path: bool = True, persons: pl.DataFrame | None = None,
                  probes: Probes | None = None) -> BatchResult:  # fmt: skip
    events, contracts, persons = conform_events(events), conform_contracts(contracts), conform_persons(persons)
    events, contracts = columnar.with_rows(events, contracts)
    people = events.select(pl.col("pidx").max() + 1).item() or 0  # pidx: a dense numbering
    if not columnar_path:
        decisions = _by_rows(scalar.adjudicate_people(events, contracts, claim_date, catalogue, persons=persons),
                             events, contracts)  # fmt: skip
        return _result(_in_engine_order(decisions, events, contracts), events, contracts, 0, people)
    # people without the NHIS (미적용) are paid at a rate of their own: the scalar engine's
    uninsured = persons.filter(pl.col("nhis_status") == "none").select("person_id")
    insured = ~pl.col("person_id").is_in(uninsured["person_id"].implode())
    fast, left = columnar.evaluate(events.filter(insured) if uninsured.height else events, contracts, claim_date,
                                   catalogue, probes)  # fmt: skip
    fast = fast.with_columns(engine=pl.lit("columnar", ENGINE), note=pl.lit(None, pl.String))
    both = pl.DataFrame({"group": ["outpatient", "inpatient"]})
    left = pl.concat([left, uninsured.join(both, how="cross")]).unique()
    columnar.Phases.mark("columnar")
    rest_events = events.filter(columnar.in_parts(left))
    rest_contracts = contracts.join(left.select("person_id").unique(), on="person_id", how="semi")
    rest = _by_rows(scalar.adjudicate_people(rest_events, rest_contracts, claim_date, catalogue, persons=persons),
                    rest_events, rest_contracts)  # fmt: skip
    columnar.Phases.mark("scalar")
    decisions = pl.concat([fast, rest], how="diagonal_relaxed")
    # Under the 4th generation a person's admissions and visits meet in each coverage's yearly amount.
    # Where one part went to the scalar engine and the other did not, and together they could reach
    # it, the person is redone whole. Only people whose book took both paths can have the parts meet.
    person_of = events["person_id"]
    their_rows = events.filter(pl.col("person_id").is_in(rest_events["person_id"].unique().implode()))["erow"]
    met = fast.filter(pl.col("erow").is_in(their_rows.implode()))
    redo = pl.DataFrame(schema={"person_id": pl.String})
    if met.height:
        redo = _yearly_amount_reached(pl.concat([met, rest], how="diagonal_relaxed"), events, contracts, catalogue)
    if redo.height:
        again_events = events.join(redo, on="person_id", how="semi")
        again_contracts = contracts.join(redo, on="person_id", how="semi")
        again = _by_rows(scalar.adjudicate_people(again_events, again_contracts, claim_date, catalogue,
                                                  persons=persons), again_events, again_contracts)  # fmt: skip
        redone = person_of.gather(decisions["erow"]).is_in(redo["person_id"].implode())
        decisions = pl.concat([decisions.filter(~redone), again], how="diagonal_relaxed")
        left = pl.concat([left, redo.with_columns(group=pl.lit("outpatient"))]).unique()
    columnar.Phases.mark("yearly amounts")
    decisions = _in_engine_order(decisions, events, contracts)
    columnar.Phases.mark("order")
    scalar_people = left["person_id"].n_unique()
    return _result(decisions, events, contracts, people - rest_events["person_id"].n_unique(), scalar_people)


def _result(by_rows: pl.DataFrame, events: pl.DataFrame, contracts: pl.DataFrame, columnar_people: int,
            scalar_people: int) -> BatchResult:  # fmt: skip
    return BatchResult(by_rows, events[["person_id", "event_id", "pidx"]], contracts[["contract_id"]], columnar_people,
                       scalar_people)  # fmt: skip


def _by_rows(decisions: pl.DataFrame, events: pl.DataFrame, contracts: pl.DataFrame) -> pl.DataFrame:
    """The scalar engine's decisions (which name people, events and contracts) by their rows."""
    return (
        decisions.join(events.select("person_id", "event_id", "erow"), on=["person_id", "event_id"])
        .join(contracts.select("person_id", "contract_id", "crow"), on=["person_id", "contract_id"])
        .drop("person_id", "event_id", "contract_id")
    )


def _yearly_amount_reached(decisions: pl.DataFrame, events: pl.DataFrame, contracts: pl.DataFrame,
                           catalogue: Catalogue) -> pl.DataFrame:  # fmt: skip
    """People whose 4th-generation contract could have paid, in one contract year, more than its
    smallest yearly amount (연간 보험가입금액) over both paths: there the two parts of the book are not
    independent. What a row could have paid: its liability before sharing (`owed`, columnar rows),
    else its event's costs (scalar rows: an upper bound)."""
    split_terms = []
    for terms, product in contracts.select("terms", "product").unique().iter_rows():
        try:
            if family(catalogue.resolve(terms, product)) is Family.SPLIT:
                split_terms.append((terms, product))
        except CatalogueError:
            continue
    if not split_terms:
        return pl.DataFrame(schema={"person_id": pl.String})
    annual = []
    for (coverages,) in contracts.select("coverages").unique().iter_rows():
        try:
            limits = [v.get("annual_limit") for v in json.loads(coverages).values() if isinstance(v, dict)]
        except (ValueError, AttributeError):
            limits = []
        annual.append((coverages, min((x for x in limits if isinstance(x, int)), default=0)))
    held = (
        contracts.join(pl.DataFrame(split_terms, orient="row", schema={"terms": pl.String, "product": pl.String}),
                       on=["terms", "product"], nulls_equal=True)
        .join(pl.DataFrame(annual, orient="row", schema={"coverages": pl.String, "annual": pl.Int64}), on="coverages")
        .select("person_id", "crow", "start", "annual")
    )  # fmt: skip
    costs = events.select(pl.sum_horizontal("covered_copay", "covered_full", "noncovered", "room_difference"))
    rows = decisions["erow"]
    if "owed" not in decisions.columns:
        decisions = decisions.with_columns(owed=pl.lit(None, pl.Int64))
    paid = (
        decisions.with_columns(date=events["date"].gather(rows), cost=costs.to_series().gather(rows))
        .join(held, on="crow")
        .group_by("person_id", "crow", year=contract_year(pl.col("start"), pl.col("date")))
        .agg(paid=pl.coalesce("owed", "cost").sum(), annual=pl.col("annual").first())
    )  # fmt: skip
    return paid.filter(pl.col("paid") > pl.col("annual")).select("person_id").unique()


def _in_engine_order(decisions: pl.DataFrame, events: pl.DataFrame, contracts: pl.DataFrame) -> pl.DataFrame:
    """The decisions in the engine's order: people by id, a person's events by date then input order,
    and contracts in input order. One integer key per row (the event's place in that order, then the
    contract's place among its person's), put in order."""
    places = _engine_places(events).to_numpy()
    event_place = np.empty(events.height, np.int64)
    event_place[places] = np.arange(events.height)  # by erow: its place in the engine's order
    contract_order = contracts.select(pl.int_range(pl.len(), dtype=pl.Int64).over("person_id").alias("o"))[
        "o"
    ].to_numpy()
    width = int(contract_order.max(initial=0)) + 1  # a person's contracts
    key = event_place[decisions["erow"].to_numpy()] * width + contract_order[decisions["crow"].to_numpy()]
    # gathers from one chunk each: from the many a concatenation leaves they cost four times as much
    kept = decisions[["erow", "crow", "coverage", "amount", "deductible", "reason", "engine", "note"]]  # no plan
    return kept.rechunk()[pl.Series(_order_of(key, events.height * width))]


def _order_of(key: np.ndarray, bound: int) -> np.ndarray:
    """The permutation that puts `key` (integers in [0, bound)) in order. One decision per (event,
    contract) makes the keys distinct, and then each can be put straight into its slot (linear time)
    where the slots are few enough; else, or if two keys meet, a stable sort.

    >>> _order_of(np.array([5, 0, 3]), 6).tolist(), _order_of(np.array([2, 0, 2]), 3).tolist()
    ([1, 2, 0], [1, 0, 2])
    """
    if bound <= 4 * len(key) + 1_000_000:
        slots = np.full(bound, -1, np.int64)
        slots[key] = np.arange(len(key))
        taken = slots[slots >= 0]
        if len(taken) == len(key):
            return taken
    return np.argsort(key, kind="stable")


def _engine_places(events: pl.DataFrame) -> pl.Series:
    """The rows of `events` in the engine's order (person, date, input order): one sort of one
    packed integer (person number, day, row) where it fits in 63 bits, as it does for any chunk."""
    day = pl.col("date").cast(pl.Int32)
    lo, hi, last_row, last_person = events.select(
        day.min().alias("lo"), day.max().alias("hi"), pl.col("erow").max(), pl.col("pidx").max()
    ).row(0)  # fmt: skip
    if events.height == 0 or lo is None:
        return pl.Series("row", [], pl.UInt32)
    row_bits = (last_row + 1).bit_length()
    day_bits = (hi - lo + 1).bit_length()
    person_bits = (last_person + 1).bit_length()
    if row_bits + day_bits + person_bits > 62:
        return events.select(pl.arg_sort_by("pidx", "date", "erow").alias("row"))["row"]
    key = pl.col("pidx").cast(pl.Int64) * (1 << (day_bits + row_bits)) + (day - lo).cast(pl.Int64) * (1 << row_bits)
    return events.select((key + pl.col("erow").cast(pl.Int64)).arg_sort().alias("row"))["row"]
