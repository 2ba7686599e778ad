"""The batch benchmark for two versions of the code, back to back in one run: figures, not a test.

Runs `bench/batch.py --book BOOK` (this checkout's copy) with each version's `src` first on
PYTHONPATH, alternately (before, after; after, before; …) so that a slow spell of a shared machine
falls on both, and prints for each version the min / median / max over the runs of the three
figures: events/s end to end (`silson batch`, own process, start-up included), that rate's ratio to
the scalar engine measured in the same run, and peak memory (the processes' VmHWM summed); beside
them events per CPU-second of `silson batch` (less disturbed by a shared machine's other load) and
the scalar engine's own rate; then the after/before ratio of each median.

    git worktree add --detach /tmp/pre20 4c778b0           # before
    git worktree add --detach /tmp/post20 HEAD             # after: a fixed snapshot, not a tree being edited
    .venv/bin/silson synth --persons 108696 --seed 7 --out-dir /tmp/book     # 10,016,688 events
    .venv/bin/python bench/batch_ab.py --before /tmp/pre20/src --after /tmp/post20/src --book /tmp/book
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIGURES = {  # name: (pattern in bench/batch.py's output, unit)
    "end_to_end": (r"Parquet out, own process .*?: [\d.]+ s, ([\d,]+) events/s", "events/s"),
    "ratio": (r"ratio end to end / scalar: ([\d.,]+)×", "×"),
    "peak": (r"peak memory ([\d,]+) MB\n", "MB"),
    "end_to_end_cpu": (
        r"\n  CPU \(user \+ system, all its processes\): [\d.]+ s, ([\d,]+) events per CPU-second",
        "events/CPU-s",
    ),
    "ratio_cpu": (r"in CPU-seconds, end to end / scalar: ([\d.,]+)×", "×"),
    "scalar": (r"scalar engine on a sample: .*?, ([\d,]+) events/s", "events/s"),
    "scalar_cpu": (r"scalar engine on a sample: .*?\(([\d,]+) events per CPU-second\)", "events/CPU-s"),
    "columnar_ratio": (r"columnar alone / scalar: ([\d.,]+)×", "×"),
}


def one_run(src: Path, book: Path, sample_persons: int) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "batch.py"), "--book", str(book), "--repeat", "1",
         "--sample-persons", str(sample_persons)],
        capture_output=True, text=True, env=env,
    )  # fmt: skip
    if done.returncode:
        raise SystemExit(f"bench/batch.py failed with {src}:\n{done.stdout}\n{done.stderr}")
    figures = {}
    for name, (pattern, _) in FIGURES.items():
        found = re.search(pattern, done.stdout)
        if found is None:
            raise SystemExit(f"no {name} in bench/batch.py's output:\n{done.stdout}")
        figures[name] = float(found.group(1).replace(",", ""))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", type=Path, required=True, help="the older version's src folder")
    parser.add_argument("--after", type=Path, default=ROOT / "src", help="the newer version's src folder")
    parser.add_argument("--book", type=Path, required=True, help="a book written by `silson synth`")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sample-persons", type=int, default=400, help="people the scalar engine is timed on")
    args = parser.parse_args()
    versions = {"before": args.before, "after": args.after}
    results: dict[str, list[dict[str, float]]] = {name: [] for name in versions}
    for run in range(args.runs):
        order = list(versions) if run % 2 == 0 else list(reversed(versions))
        for name in order:
            figures = one_run(versions[name], args.book, args.sample_persons)
            results[name].append(figures)
            shown = ", ".join(f"{k} {v:,.1f}" for k, v in figures.items())
            print(f"run {run + 1} {name}: {shown}", flush=True)
    print()
    medians: dict[str, dict[str, float]] = {}
    for name, runs in results.items():
        medians[name] = {}
        for figure, (_, unit) in FIGURES.items():
            values = sorted(r[figure] for r in runs)
            medians[name][figure] = statistics.median(values)
            print(f"{name:6} {figure:15} min {values[0]:>12,.1f}  median {medians[name][figure]:>12,.1f}  "
                  f"max {values[-1]:>12,.1f} {unit}")  # fmt: skip
    print()
    for figure in FIGURES:
        before, after = medians["before"][figure], medians["after"][figure]
        spread = [r[figure] for rs in results.values() for r in rs]
        print(f"after / before, {figure}: {after / before:.3f} (medians); all runs span "
              f"{min(spread):,.1f}–{max(spread):,.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
