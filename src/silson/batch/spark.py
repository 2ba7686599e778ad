"""The batch evaluator on Apache Spark: the same code, a partition of whole people per task.

Events and contracts travel as one DataFrame (their columns side by side, a `_table` column telling
which is which), hash-partitioned by person, so a person's events and contracts are always in the
same partition; each partition goes through `mapInArrow` to `evaluate_book` (columnar path and
scalar fallback alike) and comes back as decisions. Nothing about a person crosses tasks, so the
ledgers (visit counts, yearly amounts, sharing) are exactly the single-machine ones.

    spark-submit --master yarn --py-files silson.whl -m silson.batch.spark \\
        --events s3://book/events.parquet --contracts s3://book/contracts.parquet \\
        --out s3://book/decisions.parquet --claim-date 2026-11-23

(`python -m silson.batch.spark …` runs the same on a local Spark.)"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from datetime import date
from typing import Any

import polars as pl
import pyarrow as pa

from silson.batch.evaluate import evaluate_book
from silson.batch.tables import CONTRACT_COLUMNS, CONTRACT_OPTIONAL, COVERAGE, DECISION_SCHEMA, ENGINE, REASON
from silson.rules.catalogue import load_catalogue

SPARK_TYPES = {pl.String(): "string", pl.Int64(): "bigint", COVERAGE: "string", REASON: "string", ENGINE: "string"}
DECISION_DDL = ", ".join(f"{name} {SPARK_TYPES[dtype]}" for name, dtype in DECISION_SCHEMA.items())
CONTRACT_NAMES = [*CONTRACT_COLUMNS, *CONTRACT_OPTIONAL]


def partition_evaluator(claim_date: date) -> Any:
    """The function each Spark task runs over its partition (whole people)."""

    def evaluate_partition(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        tables = list(batches)
        if not tables:
            return
        rows = pl.from_arrow(pa.Table.from_batches(tables))
        assert isinstance(rows, pl.DataFrame)
        theirs = [c for c in CONTRACT_NAMES if c != "person_id" and c in rows.columns]
        events = rows.filter(pl.col("_table") == "event").drop("_table", *theirs)
        contracts = rows.filter(pl.col("_table") == "contract").select(
            [c for c in CONTRACT_NAMES if c in rows.columns])  # fmt: skip
        if events.height == 0 or contracts.height == 0:
            return
        decisions = evaluate_book(events, contracts, claim_date, load_catalogue()).decisions
        yield from decisions.with_columns(pl.col(pl.Enum).cast(pl.String)).to_arrow().to_batches()

    return evaluate_partition


def adjudicate(events: Any, contracts: Any, claim_date: date, partitions: int | None = None) -> Any:
    """Decisions (a Spark DataFrame) for Spark DataFrames of events and contracts (docs/batch.md)."""
    from pyspark.sql import functions as F

    both = events.withColumn("_table", F.lit("event")).unionByName(
        contracts.withColumn("_table", F.lit("contract")), allowMissingColumns=True
    )
    spread = both.repartition(partitions, "person_id") if partitions else both.repartition("person_id")
    return spread.mapInArrow(partition_evaluator(claim_date), DECISION_DDL)


def main() -> None:
    parser = argparse.ArgumentParser(description="silson batch on Spark")
    parser.add_argument("--events", required=True)
    parser.add_argument("--contracts", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--claim-date", default=date.today().isoformat())
    parser.add_argument("--partitions", type=int, default=None)
    args = parser.parse_args()
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.appName("silson-batch").getOrCreate()
    decisions = adjudicate(spark.read.parquet(args.events), spark.read.parquet(args.contracts),
                           date.fromisoformat(args.claim_date), args.partitions)  # fmt: skip
    decisions.write.mode("overwrite").parquet(args.out)
    spark.stop()


if __name__ == "__main__":
    main()
