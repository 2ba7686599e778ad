"""A book through the batch evaluator: the columnar path for what it covers, the scalar engine
person by person for the rest, one decisions table in the engine's order."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

import polars as pl

from silson.batch import columnar, scalar
from silson.batch.dated import contract_year
from silson.batch.tables import conform_contracts, conform_events, conform_persons
from silson.rules.catalogue import Catalogue, CatalogueError


@dataclass(frozen=True, slots=True)
class BatchResult:
    decisions: pl.DataFrame
    columnar_people: int
    scalar_people: int


def evaluate_book(events: pl.DataFrame, contracts: pl.DataFrame, claim_date: date, catalogue: Catalogue,
                  *, columnar_path: bool = True, persons: pl.DataFrame | None = None) -> BatchResult:  # fmt: skip
    events, contracts, persons = conform_events(events), conform_contracts(contracts), conform_persons(persons)
    people = events["person_id"].unique()
    if not columnar_path:
        decisions = scalar.adjudicate_people(events, contracts, claim_date, catalogue, persons=persons)
        return BatchResult(_in_engine_order(decisions, events, contracts), 0, people.len())
    # people without the NHIS (미적용) are paid at a rate of their own: the scalar engine's
    uninsured = persons.filter(pl.col("nhis_status") == "none").select("person_id")
    fast, left = columnar.evaluate(events.join(uninsured, on="person_id", how="anti"), contracts, claim_date,
                                   catalogue)  # fmt: skip
    both = pl.DataFrame({"group": ["outpatient", "inpatient"]})
    left = pl.concat([left, uninsured.join(both, how="cross")]).unique()
    columnar.Phases.mark("columnar")
    part = pl.when(pl.col("kind") == "inpatient").then(pl.lit("inpatient")).otherwise(pl.lit("outpatient"))
    rest_events = events.with_columns(group=part).join(left, on=["person_id", "group"], how="semi").drop("group")
    rest = scalar.adjudicate_people(
        rest_events, contracts.join(left.select("person_id").unique(), on="person_id", how="semi"), claim_date,
        catalogue, persons=persons,
    )  # fmt: skip
    columnar.Phases.mark("scalar")
    decisions = pl.concat([fast, rest], how="diagonal_relaxed")
    # Under the 4th generation, a person's admissions (scalar) and visits (columnar) meet only in each
    # coverage's yearly amount: where together they could reach it, the person is redone whole.
    # only people whose book took both paths can have the two parts meet
    both_paths = rest.select("person_id").unique()
    redo = _yearly_amount_reached(pl.concat([fast.join(both_paths, on="person_id", how="semi"), rest],
                                            how="diagonal_relaxed"), events, contracts, catalogue)  # fmt: skip
    if redo.height:
        again = scalar.adjudicate_people(events.join(redo, on="person_id", how="semi"),
                                         contracts.join(redo, on="person_id", how="semi"), claim_date, catalogue,
                                         persons=persons)  # fmt: skip
        decisions = pl.concat([decisions.join(redo, on="person_id", how="anti"), again], how="diagonal_relaxed")
        left = pl.concat([left, redo.with_columns(group=pl.lit("outpatient"))]).unique()
    columnar.Phases.mark("yearly amounts")
    decisions = _in_engine_order(decisions, events, contracts)
    columnar.Phases.mark("order")
    scalar_people = left["person_id"].n_unique()
    return BatchResult(decisions, people.len() - rest_events["person_id"].n_unique(), scalar_people)


def _yearly_amount_reached(decisions: pl.DataFrame, events: pl.DataFrame, contracts: pl.DataFrame,
                           catalogue: Catalogue) -> pl.DataFrame:  # fmt: skip
    """People whose 4th-generation contract paid, in one contract year, at least its smallest yearly
    amount (연간 보험가입금액) over both paths: there the two parts of the book are not independent."""
    split_terms = []
    for terms, product in contracts.select("terms", "product").unique().iter_rows():
        try:
            if catalogue.resolve(terms, product).formulas == "split":
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
        .select("person_id", "contract_id", "start", "annual")
    )  # fmt: skip
    paid = (
        decisions.join(held, on=["person_id", "contract_id"])
        .join(events.select("person_id", "event_id", "date"), on=["person_id", "event_id"])
        .group_by("person_id", "contract_id", year=contract_year(pl.col("start"), pl.col("date")))
        .agg(paid=pl.col("amount").sum(), annual=pl.col("annual").first())
    )  # fmt: skip
    return paid.filter(pl.col("paid") >= pl.col("annual")).select("person_id").unique()


ORDER = ["_date", "_pos", "_order"]


def _in_engine_order(decisions: pl.DataFrame, events: pl.DataFrame, contracts: pl.DataFrame) -> pl.DataFrame:
    """Per person: events by date then input order, and contracts in input order (as the engine).
    Columnar rows carry their order keys; the scalar rows (few) get theirs by a join."""
    if "_date" not in decisions.columns:
        decisions = decisions.with_columns(_date=pl.lit(None, pl.Date), _pos=pl.lit(None, pl.Int32),
                                           _order=pl.lit(None, pl.Int32))  # fmt: skip
    keyed = decisions.filter(pl.col("_date").is_not_null())
    bare = decisions.filter(pl.col("_date").is_null()).drop(ORDER)
    event_order = events.select("person_id", "event_id", _date="date",
                                _pos=pl.int_range(pl.len(), dtype=pl.Int32).over("person_id"))  # fmt: skip
    contract_order = contracts.select("person_id", "contract_id",
                                      _order=pl.int_range(pl.len(), dtype=pl.Int32).over("person_id"))  # fmt: skip
    bare = bare.join(event_order, on=["person_id", "event_id"], how="left").join(
        contract_order, on=["person_id", "contract_id"], how="left")  # fmt: skip
    ranks = events.select("person_id").unique().sort("person_id").with_row_index("_rank")
    merged = pl.concat([keyed, bare.select(keyed.columns)]).join(ranks, on="person_id", how="left")
    return merged.sort("_rank", *ORDER).drop("_rank", *ORDER)
