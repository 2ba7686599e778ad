"""A book through the batch evaluator: the columnar path for what it covers, the scalar engine
person by person for the rest, one decisions table in the engine's order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from silson.batch import columnar, scalar
from silson.batch.tables import conform_contracts, conform_events
from silson.rules.catalogue import Catalogue


@dataclass(frozen=True, slots=True)
class BatchResult:
    decisions: pl.DataFrame
    columnar_people: int
    scalar_people: int


def evaluate_book(events: pl.DataFrame, contracts: pl.DataFrame, claim_date: date, catalogue: Catalogue,
                  *, columnar_path: bool = True) -> BatchResult:  # fmt: skip
    events, contracts = conform_events(events), conform_contracts(contracts)
    people = events["person_id"].unique()
    if not columnar_path:
        decisions = scalar.adjudicate_people(events, contracts, claim_date, catalogue)
        return BatchResult(decisions, 0, people.len())
    fast, left = columnar.evaluate(events, contracts, claim_date, catalogue)
    part = pl.when(pl.col("kind") == "inpatient").then(pl.lit("inpatient")).otherwise(pl.lit("outpatient"))
    rest_events = events.with_columns(group=part).join(left, on=["person_id", "group"], how="semi").drop("group")
    rest = scalar.adjudicate_people(
        rest_events, contracts.join(left.select("person_id").unique(), on="person_id", how="semi"), claim_date,
        catalogue,
    )  # fmt: skip
    decisions = _in_engine_order(pl.concat([fast, rest]), events, contracts)
    scalar_people = left["person_id"].n_unique()
    return BatchResult(decisions, people.len() - rest_events["person_id"].n_unique(), scalar_people)


def _in_engine_order(decisions: pl.DataFrame, events: pl.DataFrame, contracts: pl.DataFrame) -> pl.DataFrame:
    """Per person: events by date then input order, and contracts in input order (as the engine)."""
    event_order = events.select("person_id", "event_id", "date", _pos=pl.int_range(pl.len()).over("person_id"))
    contract_order = contracts.select("person_id", "contract_id", _order=pl.int_range(pl.len()).over("person_id"))
    return (
        decisions.join(event_order, on=["person_id", "event_id"], how="left")
        .join(contract_order, on=["person_id", "contract_id"], how="left")
        .sort("person_id", "date", "_pos", "_order")
        .drop("date", "_pos", "_order")
    )
