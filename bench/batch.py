"""Benchmark of the batch evaluator: figures, not a test. Prints, from one run on one synthetic book:

- events per second end to end (Parquet in, Parquet out) of `silson batch`, in its own process, and
  its peak memory (its processes' peaks summed);
- events per second of the columnar evaluator alone (in memory: the whole book up to 2,000,000
  events, else the book's first people up to 1,000,000 events), and the share of decisions it made;
- events per second of the scalar engine on a sample of the same book's people;
- the ratios between them.

    .venv/bin/python bench/batch.py                      # a realistic book of ≥ 1,000,000 events
    .venv/bin/python bench/batch.py --events 10000000    # 10 million events: the targets (about a minute)
    .venv/bin/python bench/batch.py --book var/book      # a book already written by `silson synth`

`bench/batch_ab.py` runs this for two versions of the code back to back on one book.

The book comes from `silson synth` (its mixes and their sources: src/silson/batch/synth.py).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

# isort: off
import silson  # noqa: F401  first: it sets Polars' allocator, which only counts before Polars loads
import polars as pl

# isort: on
from silson.batch import columnar, scalar
from silson.batch.evaluate import evaluate_book
from silson.batch.run import default_workers, run_synth
from silson.batch.tables import conform_contracts, conform_events
from silson.rules.catalogue import load_catalogue

IN_MEMORY_MOST = 2_000_000  # the columnar evaluator alone runs on the whole book up to this size,
IN_MEMORY_SAMPLE = 1_000_000  # else on its first people up to this many events
EVENTS_PER_PERSON = 92  # what `silson synth` draws on average over 3 years (measured)
CLAIM_DATE = date(2026, 11, 23)


def silson_command() -> str:
    return str(Path(sys.executable).with_name("silson"))


def batch_in_own_process(book: Path, out: Path, workers: int | None) -> tuple[float, float, float, str]:
    """(seconds, CPU seconds, peak MB, summary) of `silson batch` run as a separate process. The CPU
    seconds are its processes' user + system time (workers included: each is waited for), which a
    shared machine's other load disturbs less than the wall clock. The peak is the one it reports:
    each of its processes' own VmHWM, summed (a child's ru_maxrss would include this process's
    pages from before exec, and would miss the worker processes)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [silson_command(), "batch", "--events", str(book / "events.parquet"),
         "--contracts", str(book / "contracts.parquet"), "--out", str(out), "--claim-date", CLAIM_DATE.isoformat(),
         "--quiet", *(["--workers", str(workers)] if workers else [])],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    peak = re.search(r"peak memory ([\d,]+) MB", done.stdout)
    return seconds, cpu, float(peak.group(1).replace(",", "")) if peak else float("nan"), done.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000, help="at least this many events")
    parser.add_argument("--sample-persons", type=int, default=400, help="people the scalar engine is timed on")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--book", type=Path, default=None, help="use this book (events.parquet, contracts.parquet)")
    parser.add_argument("--workers", type=int, default=None, help="silson batch --workers (default: its own)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the in-memory timings (the median is used)")
    args = parser.parse_args()
    catalogue = load_catalogue()
    with tempfile.TemporaryDirectory() as tmp:
        if args.book is not None:
            book = args.book
            n_events = pl.scan_parquet(book / "events.parquet").select(pl.len()).collect().item()
            n_contracts = pl.scan_parquet(book / "contracts.parquet").select(pl.len()).collect().item()
            print(f"book: {book}, {n_events:,} events, {n_contracts:,} contracts")
        else:
            book = Path(tmp) / "book"
            persons = args.events // EVENTS_PER_PERSON + 1
            started = time.perf_counter()
            n_events, n_contracts = run_synth(book, persons, years=3, seed=args.seed)
            while n_events < args.events:  # top up until the book is at least as large as asked
                persons = int(persons * 1.05) + 1
                n_events, n_contracts = run_synth(book, persons, years=3, seed=args.seed)
            print(f"book: {persons:,} persons, {n_events:,} events, {n_contracts:,} contracts "
                  f"(silson synth, seed {args.seed}, {time.perf_counter() - started:.1f} s)")  # fmt: skip
        print(f"machine: {os.cpu_count()} cores; polars {pl.__version__}, {pl.thread_pool_size()} threads")

        seconds, cpu, peak, summary = batch_in_own_process(book, Path(tmp) / "decisions.parquet", args.workers)
        end_to_end = n_events / seconds
        workers = args.workers or default_workers(n_events)
        print(f"\nsilson batch --workers {workers}, Parquet in → Parquet out, own process (start-up included): "
              f"{seconds:.2f} s, {end_to_end:,.0f} events/s, "
              f"peak memory {peak:,.0f} MB")  # fmt: skip
        print(f"  CPU (user + system, all its processes): {cpu:.2f} s, {n_events / cpu:,.0f} events per CPU-second")
        print("  " + summary.replace("\n", "\n  "))

        # in memory: the whole book up to 2,000,000 events, else its first people up to 1,000,000 events
        scanned = pl.scan_parquet(book / "events.parquet")
        if n_events > IN_MEMORY_MOST:
            counts = scanned.group_by("person_id").len().sort("person_id").collect()
            last = counts.filter(pl.col("len").cum_sum() <= IN_MEMORY_SAMPLE)["person_id"][-1]
            scanned = scanned.filter(pl.col("person_id") <= last)
        events = conform_events(scanned.collect())
        people = events["person_id"].unique().implode()
        contracts = conform_contracts(
            pl.scan_parquet(book / "contracts.parquet").filter(pl.col("person_id").is_in(people)).collect()
        )
        whole = "the book" if events.height == n_events else f"a sample of the book's first {events.height:,} events"
        runs = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            decisions, left = columnar.evaluate(events, contracts, CLAIM_DATE, catalogue)
            runs.append(time.perf_counter() - started)
        columnar_seconds = statistics.median(runs)
        covered = events.filter(~columnar.in_parts(left)).height
        columnar_rate = events.height / columnar_seconds
        print(f"\ncolumnar evaluator alone on {whole} (in memory, median of {args.repeat}: "
              f"{', '.join(f'{r:.2f}' for r in runs)} s): {columnar_seconds:.2f} s for the {decisions.height:,} "
              f"decisions it makes ({covered / columnar_seconds:,.0f} events/s of the events it covers, "
              f"{columnar_rate:,.0f} events/s of all)")  # fmt: skip
        phases = ", ".join(f"{k} {v:.2f}" for k, v in columnar.Phases.seconds.items())
        print(f"  phases (s): {phases}")

        people = events["person_id"].unique().sort().head(args.sample_persons)
        sample = events.filter(pl.col("person_id").is_in(people.implode()))
        sample_contracts = contracts.filter(pl.col("person_id").is_in(people.implode()))
        runs, cpu_runs = [], []
        for _ in range(args.repeat):
            started, cpu_started = time.perf_counter(), time.process_time()
            reference = scalar.adjudicate_people(sample, sample_contracts, CLAIM_DATE, catalogue)
            runs.append(time.perf_counter() - started)
            cpu_runs.append(time.process_time() - cpu_started)
        scalar_seconds = statistics.median(runs)
        scalar_rate = sample.height / scalar_seconds
        scalar_cpu_rate = sample.height / statistics.median(cpu_runs)
        print(f"\nscalar engine on a sample: {people.len():,} persons, {sample.height:,} events, median of "
              f"{args.repeat}: {scalar_seconds:.2f} s, {scalar_rate:,.0f} events/s "
              f"({scalar_cpu_rate:,.0f} events per CPU-second)")  # fmt: skip
        batch_sample = evaluate_book(sample, sample_contracts, CLAIM_DATE, catalogue).decisions
        keys = ["person_id", "event_id", "contract_id", "amount"]
        same = batch_sample.select(keys).equals(reference.select(keys))
        print(f"  the batch answer on the sample equals the scalar engine's: {same}")
        print(f"\nratio end to end / scalar: {end_to_end / scalar_rate:,.1f}×; "
              f"columnar alone / scalar: {columnar_rate / scalar_rate:,.1f}×; "
              f"in CPU-seconds, end to end / scalar: {n_events / cpu / scalar_cpu_rate:,.1f}×")  # fmt: skip


if __name__ == "__main__":
    main()
