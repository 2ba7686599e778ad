"""`silson batch` and `silson synth`: Parquet in, Parquet out, a book at a time in chunks of people.

A chunk holds whole people (a person's ledger never spans chunks), sized by events so memory stays
flat however large the book: the events file is scanned once for its people and their counts, then
read a chunk of people at a time (row groups skipped by their statistics when the file is sorted by
person, as `silson synth` writes it). Decisions are appended to one Parquet file as they come."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from silson.batch.evaluate import evaluate_book
from silson.batch.synth import book
from silson.batch.tables import DECISION_SCHEMA, TableError
from silson.rules.catalogue import Catalogue

CHUNK_EVENTS = 400_000


@dataclass
class Summary:
    events: int = 0
    persons: int = 0
    contracts: int = 0
    decisions: int = 0
    payout: int = 0
    columnar_decisions: int = 0
    scalar_decisions: int = 0
    refused_persons: int = 0
    seconds: float = 0.0
    chunks: int = 0
    phases: dict[str, float] = field(default_factory=dict)

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


def _read(path: Path, what: str) -> pl.LazyFrame:
    if not path.exists():
        raise TableError(f"{what}: no such file {path}")
    try:
        return pl.scan_parquet(path)
    except (OSError, pl.exceptions.ComputeError) as exc:
        raise TableError(f"{what}: not a readable Parquet file {path} ({exc})") from None


def chunks_of(counts: pl.DataFrame, target: int) -> list[tuple[str, str]]:
    """(first, last) person ids of consecutive chunks of about `target` events, whole people each.

    >>> chunks_of(pl.DataFrame({"person_id": ["a", "b", "c"], "len": [3, 3, 3]}), 6)
    [('a', 'b'), ('c', 'c')]
    """
    out: list[tuple[str, str]] = []
    first, size = None, 0
    for person, n in counts.iter_rows():
        if first is None:
            first = person
        size += n
        if size >= target:
            out.append((first, person))
            first, size = None, 0
    if first is not None:
        out.append((first, counts["person_id"][-1]))
    return out


def run_batch(
    events_path: Path, contracts_path: Path, out_path: Path, claim_date: date, catalogue: Catalogue, *,
    chunk_events: int = CHUNK_EVENTS, columnar_path: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> Summary:  # fmt: skip
    """Adjudicate a book from Parquet files into a Parquet file; `progress(done, total)` in events."""
    started = time.perf_counter()
    events = _read(events_path, "events")
    try:
        contracts = _read(contracts_path, "contracts").collect()
        counts = events.group_by("person_id").len().sort("person_id").collect()
    except pl.exceptions.ColumnNotFoundError as exc:
        raise TableError(f"events.person_id: missing column ({exc})") from None
    except pl.exceptions.ComputeError as exc:
        raise TableError(f"not a readable Parquet file ({exc})") from None
    summary = Summary(events=int(counts["len"].sum()), persons=counts.height, contracts=contracts.height)
    contracts = contracts.sort("person_id", maintain_order=True)
    writer: pq.ParquetWriter | None = None
    schema = pl.DataFrame(schema=DECISION_SCHEMA).to_arrow().schema
    done = 0
    try:
        writer = pq.ParquetWriter(out_path, schema)
        for first, last in chunks_of(counts, chunk_events):
            in_chunk = pl.col("person_id").is_between(pl.lit(first), pl.lit(last))
            chunk_events_frame = events.filter(in_chunk).collect()
            chunk_contracts = contracts.filter(in_chunk)
            result = evaluate_book(chunk_events_frame, chunk_contracts, claim_date, catalogue,
                                   columnar_path=columnar_path)  # fmt: skip
            decisions = result.decisions
            writer.write_table(decisions.to_arrow().cast(schema))
            summary.chunks += 1
            summary.decisions += decisions.height
            summary.payout += int(decisions["amount"].sum() or 0)
            by_engine = decisions.group_by("engine").len()
            for engine, n in by_engine.iter_rows():
                if engine == "columnar":
                    summary.columnar_decisions += n
                else:
                    summary.scalar_decisions += n
            summary.refused_persons += decisions.filter(pl.col("reason") == "input_error")["person_id"].n_unique()
            done += chunk_events_frame.height
            if progress:
                progress(done, summary.events)
    finally:
        if writer is not None:
            writer.close()
    summary.seconds = time.perf_counter() - started
    return summary


def run_synth(out_dir: Path, persons: int, *, years: int, seed: int, generations: tuple[str, ...] | None = None,
              inpatient_share: float = 0.01, part_persons: int = 20_000,
              progress: Callable[[int, int], None] | None = None) -> tuple[int, int]:  # fmt: skip
    """Write events.parquet and contracts.parquet for a synthetic book, in parts of people so memory
    stays flat; returns (events, contracts)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    event_writer: pq.ParquetWriter | None = None
    contract_writer: pq.ParquetWriter | None = None
    n_events = n_contracts = 0
    try:
        for part, first in enumerate(range(0, persons, part_persons)):
            size = min(part_persons, persons - first)
            events, contracts = book(size, years=years, seed=seed * 1_000_003 + part, first_person=first,
                                     generations=generations, inpatient_share=inpatient_share)  # fmt: skip
            events = events.with_columns(pl.format("{}-{}", pl.lit(part), pl.col("event_id")).alias("event_id"))
            contracts = contracts.with_columns(
                pl.format("{}-{}", pl.lit(part), pl.col("contract_id")).alias("contract_id")
            )
            ev_table, co_table = events.to_arrow(), contracts.to_arrow()
            if event_writer is None:
                event_writer = pq.ParquetWriter(out_dir / "events.parquet", ev_table.schema)
                contract_writer = pq.ParquetWriter(out_dir / "contracts.parquet", co_table.schema)
            assert contract_writer is not None
            event_writer.write_table(ev_table, row_group_size=200_000)
            contract_writer.write_table(co_table)
            n_events += events.height
            n_contracts += contracts.height
            if progress:
                progress(first + size, persons)
    finally:
        for writer in (event_writer, contract_writer):
            if writer is not None:
                writer.close()
    return n_events, n_contracts
