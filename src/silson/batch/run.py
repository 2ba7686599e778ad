"""`silson batch` and `silson synth`: Parquet in, Parquet out, a book at a time in chunks of people.

A chunk holds whole people (a person's ledger never spans chunks), sized by events so memory stays
flat however large the book: the events file is scanned once for its people and their counts, then
read a chunk of people at a time (row groups skipped by their statistics when the file is sorted by
person, as `silson synth` writes it). Decisions are appended to one Parquet file as they come."""

from __future__ import annotations

import multiprocessing
import os
import resource
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from silson.batch import allocator
from silson.batch.dated import Probes
from silson.batch.evaluate import evaluate_book
from silson.batch.synth import book
from silson.batch.tables import DECISION_TABLE, TableError
from silson.rules.catalogue import Catalogue

CHUNK_EVENTS = 300_000
IN_FLIGHT = 3  # chunks adjudicated at once in one process (threads), with `workers=1`
#: at most this many worker processes by default (each holds a chunk: about 0.6 GB at 300,000 events)
MOST_WORKERS = 8
#: the book size from which worker processes pay for their start (default_workers)
PROCESSES_FROM = 5_000_000
#: the decisions file: dictionaries only where values repeat (an event's id is new on almost every
#: row), statistics only where a reader filters (by person, by amount); a third less time writing
#: for a tenth more bytes than pyarrow's defaults (measured on 1.5M decisions)
WRITE_OPTIONS: dict[str, Any] = {
    "use_dictionary": ["person_id", "contract_id", "coverage", "reason", "engine", "note"],
    "write_statistics": ["person_id", "amount"],
    "store_schema": False,
}


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
    peak_mb: int = 0  # peak resident memory: this process's, plus each worker process's own peak
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


@dataclass(frozen=True, slots=True)
class _Chunk:
    """One chunk's work: whole people from `first` to `last` (ids), their contracts included."""

    events_path: Path
    first: str
    last: str
    contracts: pl.DataFrame
    claim_date: date
    columnar_path: bool


@dataclass(frozen=True, slots=True)
class _Done:
    decisions: pa.Table  # DECISION_TABLE
    events: int
    payout: int
    columnar: int
    refused: int
    process: int  # the process that adjudicated the chunk, and its peak memory (MB) after it
    peak_mb: int


_catalogue: Catalogue | None = None  # a worker process's catalogue (set once, by _start_worker)
_probes = Probes()  # and the exclusion probes it has asked


def _start_worker(catalogue: Catalogue) -> None:
    global _catalogue
    _catalogue = catalogue
    allocator.keep_blocks()


def _evaluate_chunk(chunk: _Chunk, catalogue: Catalogue | None = None, probes: Probes | None = None) -> _Done:
    """Read one chunk of people, adjudicate it, and count what the summary needs."""
    catalogue = catalogue or _catalogue
    assert catalogue is not None
    in_chunk = pl.col("person_id").is_between(pl.lit(chunk.first), pl.lit(chunk.last))
    events = _read(chunk.events_path, "events").filter(in_chunk).collect()
    result = evaluate_book(events, chunk.contracts, chunk.claim_date, catalogue, columnar_path=chunk.columnar_path,
                           probes=probes if probes is not None else _probes)  # fmt: skip
    decisions = result.by_rows
    payout, columnar = decisions.select(pl.col("amount").sum(), (pl.col("engine") == "columnar").sum()).row(0)
    refused = result.events["pidx"].gather(decisions.filter(pl.col("reason") == "input_error")["erow"]).n_unique()
    table = result.table()
    return _Done(table, events.height, int(payout or 0), int(columnar), refused, os.getpid(), peak_memory_mb())


def run_batch(
    events_path: Path, contracts_path: Path, out_path: Path, claim_date: date, catalogue: Catalogue, *,
    chunk_events: int = CHUNK_EVENTS, columnar_path: bool = True, workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Summary:  # fmt: skip
    """Adjudicate a book from Parquet files into a Parquet file; `progress(done, total)` in events.

    Chunks are adjudicated in `workers` processes at once (default_workers by the book's size; each
    with its share of the machine's threads) and written in order as they come back. With
    `workers=1`, or for a book of one chunk, they are done in this process, IN_FLIGHT at a time in
    threads."""
    started = time.perf_counter()
    allocator.keep_blocks()
    events = _read(events_path, "events")
    try:
        contracts = _read(contracts_path, "contracts").collect()
        counts = events.group_by("person_id").len().sort("person_id").collect()
    except pl.exceptions.ColumnNotFoundError as exc:
        raise TableError(f"events.person_id: missing column ({exc})") from None
    except pl.exceptions.ComputeError as exc:
        raise TableError(f"not a readable Parquet file ({exc})") from None
    summary = Summary(events=int(counts["len"].sum()), persons=counts.height, contracts=contracts.height)
    workers = workers or default_workers(summary.events)
    if "person_id" not in contracts.columns:
        raise TableError("contracts.person_id: missing column")
    contracts = contracts.sort("person_id", maintain_order=True)
    bounds = chunks_of(counts, _chunk_size(summary.events, chunk_events, workers))
    tasks = (_Chunk(events_path, first, last, contracts.filter(pl.col("person_id").is_between(pl.lit(first),
                    pl.lit(last))), claim_date, columnar_path) for first, last in bounds)  # fmt: skip
    done_events = 0
    peaks: dict[int, int] = {}  # each process's peak memory (MB), by process id
    # the writing of one chunk overlaps the adjudication of the next (pyarrow lets go of the GIL)
    # (the file stores plain strings, dictionaries or not, so every reader reads them as such)
    with pq.ParquetWriter(out_path, DECISION_TABLE, **WRITE_OPTIONS) as writer, ThreadPoolExecutor(1) as writing:
        written: Future[None] | None = None
        for done in _in_order(tasks, catalogue, workers if len(bounds) > 1 else 1):
            if written is not None:
                written.result()
            written = writing.submit(writer.write_table, done.decisions)
            summary.chunks += 1
            summary.decisions += done.decisions.num_rows
            summary.payout += done.payout
            summary.columnar_decisions += done.columnar
            summary.scalar_decisions += done.decisions.num_rows - done.columnar
            summary.refused_persons += done.refused
            peaks[done.process] = max(peaks.get(done.process, 0), done.peak_mb)
            done_events += done.events
            if progress:
                progress(done_events, summary.events)
        if written is not None:
            written.result()
    summary.seconds = time.perf_counter() - started
    # the processes' peaks summed: at least what they held at any one moment together
    peaks[os.getpid()] = peak_memory_mb()
    summary.peak_mb = sum(peaks.values())
    return summary


def default_workers(events: int) -> int:
    """Worker processes for a book of this many events: one per core (each with one Polars thread,
    at most MOST_WORKERS) from PROCESSES_FROM events on; below, 1 (threads in this process), since
    starting a worker (a new interpreter importing Polars and silson) costs about 0.5 s. Measured on
    this 2-core machine: on 10 million events two processes took 9.4–9.8 s against 10.1–10.9 s for
    threads (three processes: 10.4–10.7 s); on 1 million, 1.74–1.80 s against 1.25–1.30 s.

    >>> default_workers(1_000_000), default_workers(10_000_000) == min(os.cpu_count() or 1, MOST_WORKERS)
    (1, True)
    """
    if events < PROCESSES_FROM:
        return 1
    return max(1, min(os.cpu_count() or 1, MOST_WORKERS))


def peak_memory_mb() -> int:
    """This process's peak resident memory: VmHWM (Linux) counts only this program's own pages, where
    ru_maxrss also keeps the parent's high-water mark from before exec."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def _chunk_size(total: int, chunk_events: int, workers: int) -> int:
    """Events per chunk: at most `chunk_events`, and a multiple of `workers` chunks so none waits idle
    at the end.

    >>> _chunk_size(1_000_000, 400_000, 2), _chunk_size(1_000_000, 400_000, 1), _chunk_size(100, 400_000, 2)
    (250000, 333334, 50)
    """
    if total <= chunk_events and workers == 1:
        return max(total, 1)
    n = -(-total // chunk_events)
    n = -(-n // workers) * workers
    return max(-(-total // n), 1)


def _in_order(tasks: Iterator[_Chunk], catalogue: Catalogue, workers: int) -> Iterator[_Done]:
    """The chunks' results in the order of the tasks: here (IN_FLIGHT chunks at once, in threads), or
    in `workers` processes with at most two chunks each in flight (memory stays bounded either way)."""
    if workers <= 1:
        probes = Probes()  # this run's: a catalogue passed here may differ from the last run's
        # chunks in flight in threads: one chunk's Python steps (catalogue look-ups, small frames)
        # overlap the others' Polars work, which lets go of the GIL (on 10 million events: one at a
        # time 24.2 s, two 20.9 s; later three of 300,000 events 12.8 s against two of 400,000 13.5 s)
        with ThreadPoolExecutor(IN_FLIGHT) as pool:
            in_flight: deque[Future[_Done]] = deque()
            for task in tasks:
                in_flight.append(pool.submit(_evaluate_chunk, task, catalogue, probes))
                if len(in_flight) >= IN_FLIGHT:
                    yield in_flight.popleft().result()
            while in_flight:
                yield in_flight.popleft().result()
        return
    threads = max(1, (os.cpu_count() or 1) // workers)
    # spawn, not fork: Polars' thread pool does not survive a fork; the threads are the workers' share
    context = multiprocessing.get_context("spawn")
    saved = os.environ.get("POLARS_MAX_THREADS")
    os.environ["POLARS_MAX_THREADS"] = str(threads)
    try:
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                                 initargs=(catalogue,)) as pool:  # fmt: skip
            pending: deque[Future[_Done]] = deque()
            for task in tasks:
                pending.append(pool.submit(_evaluate_chunk, task))
                if len(pending) >= 2 * workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
    finally:
        if saved is None:
            os.environ.pop("POLARS_MAX_THREADS", None)
        else:
            os.environ["POLARS_MAX_THREADS"] = saved


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
