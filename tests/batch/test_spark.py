"""The batch evaluator on Apache Spark in local mode: a small book partitioned by person, each task
evaluating whole people, must give exactly the single-machine decisions. Needs Java (Spark runs on
the JVM); outside CI a machine without it skips, in CI its absence fails."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from silson.batch.evaluate import evaluate_book
from silson.batch.synth import book
from silson.rules.catalogue import load_catalogue


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    if shutil.which("java") is None:
        if os.environ.get("CI"):
            pytest.fail("Spark needs Java: no java on PATH")
        pytest.skip("no java on PATH")
    from pyspark.sql import SparkSession

    os.environ["PYSPARK_PYTHON"] = sys.executable  # the workers run this environment's Python
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    session = (
        SparkSession.builder.master("local[2]").appName("silson-test")
        .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "4").getOrCreate()
    )  # fmt: skip
    yield session
    session.stop()


def test_spark_equals_the_single_machine_result(spark: Any, tmp_path: Path) -> None:
    from silson.batch import spark as on_spark

    events, contracts = book(40, seed=3, inpatient_share=0.05)
    events.write_parquet(tmp_path / "events.parquet")
    contracts.write_parquet(tmp_path / "contracts.parquet")
    decisions = on_spark.adjudicate(spark.read.parquet(str(tmp_path / "events.parquet")),
                                    spark.read.parquet(str(tmp_path / "contracts.parquet")), date(2026, 11, 23),
                                    partitions=3)  # fmt: skip
    decisions.write.parquet(str(tmp_path / "decisions"))
    got = pl.read_parquet(tmp_path / "decisions" / "*.parquet")
    expected = evaluate_book(events, contracts, date(2026, 11, 23), load_catalogue()).decisions
    keys = ["person_id", "event_id", "contract_id"]
    columns = [*keys, "coverage", "amount", "engine"]
    assert got.height == expected.height
    assert got.select(columns).sort(keys).equals(expected.select(columns).sort(keys))
    assert got["person_id"].n_unique() == events["person_id"].n_unique()
