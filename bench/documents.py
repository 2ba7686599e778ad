"""Benchmark of the document reader: figures, not a test. Renders the synthetic test set, reads it, and prints:

- per kind and per variant (clean scan PNG, phone photo JPEG, text-layer PDF, image-only PDF) the share of
  amount fields read exactly (receipt amounts and itemised-bill line amounts), and of every expected
  field (kind, business number or 요양기관기호, dates, KCD codes, line codes and classes, 교부번호);
- wrong values that were NOT listed in needs_review: amounts (the target is none), and other fields;
- seconds per page on one core (tesseract with OMP_THREAD_LIMIT=1, OpenCV with one thread), as
  min / median / max over the runs: wall-clock, and CPU seconds (this process and its tesseract
  children), which is what one idle core would take and does not grow when the machine is busy.

    .venv/bin/python bench/documents.py                  # 48 documents (6 kinds × 4 variants × 2), 3 runs
    .venv/bin/python bench/documents.py --per 1 --runs 1  # a quick look
    .venv/bin/python bench/documents.py --kinds itemised --variants photo -v   # one corner, each miss listed

The documents come from src/silson/documents/testset.py (진료비 2024 and older layouts, 약제비, 세부산정내역,
처방전, 진단서·확인서), each generated from the seed with figures that satisfy the forms' arithmetic;
photos are tilted, in perspective, unevenly lit, blurred and saved as JPEG at quality 60–80.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

os.environ["OMP_THREAD_LIMIT"] = "1"

import cv2

from silson.documents import read_document, testset


def flat(doc: Any, prefix: str = "") -> dict[str, Any]:
    """Nested fields as dotted paths; lists by index (items.0.amount)."""
    out: dict[str, Any] = {}
    items = doc.items() if isinstance(doc, dict) else enumerate(doc)
    for key, value in items:
        if isinstance(value, dict | list) and not (
            isinstance(value, list) and value and not isinstance(value[0], dict)
        ):
            out.update(flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def is_amount(path: str) -> bool:
    return path.startswith("amounts.") or (path.startswith("items.") and path.endswith(".amount"))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--per", type=int, default=2, help="documents per kind and variant")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=testset.DEFAULT_SEED)
    parser.add_argument("--kinds", nargs="*", default=list(testset.KINDS))
    parser.add_argument("--variants", nargs="*", default=list(testset.VARIANTS))
    parser.add_argument("-v", "--verbose", action="store_true", help="list every field read wrong")
    args = parser.parse_args()
    cv2.setNumThreads(1)
    with tempfile.TemporaryDirectory() as tmp:
        docs: list[tuple[testset.Sample, Path, dict[str, Any]]] = []
        for sample in testset.generate(
            per=args.per, seed=args.seed, kinds=tuple(args.kinds), variants=tuple(args.variants)
        ):
            path = Path(tmp) / f"{sample.name}{sample.suffix}"
            path.write_bytes(sample.data)
            docs.append((sample, path, flat(sample.expected)))
        print(f"{len(docs)} documents; {args.runs} run(s) on one core", file=sys.stderr)
        seconds: dict[str, list[float]] = defaultdict(list)  # variant → per-run mean seconds per page
        cpu_seconds: dict[str, list[float]] = defaultdict(list)
        tallies: list[dict[str, list[int]]] = []
        silent: list[tuple[int, int]] = []
        for run in range(args.runs):
            # per group: amounts ok, amounts, all ok, all
            tally: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
            per_variant: dict[str, list[float]] = defaultdict(list)
            per_variant_cpu: dict[str, list[float]] = defaultdict(list)
            wrong_amounts = wrong_other = 0
            for sample, path, expected in docs:
                started, cpu_started = time.perf_counter(), _cpu()
                try:
                    receipt = read_document(path)
                    got, review = flat(receipt), set(receipt.get("needs_review") or [])
                except Exception as exc:  # a crash counts as every field wrong
                    print(f"  {path.name}: {type(exc).__name__}: {exc}", file=sys.stderr)
                    got, review = {}, set()
                per_variant[sample.variant].append(time.perf_counter() - started)
                per_variant_cpu[sample.variant].append(_cpu() - cpu_started)
                for key, want in expected.items():
                    ok = got.get(key) == want
                    amount = is_amount(key)
                    flagged = key in review or any(key.startswith(f"{r}.") for r in review)
                    for group in (f"kind {sample.kind}", f"variant {sample.variant}", "all"):
                        t = tally[group]
                        t[2] += ok
                        t[3] += 1
                        if amount:
                            t[0] += ok
                            t[1] += 1
                    if not ok and got.get(key) is not None and not flagged:
                        if amount:
                            wrong_amounts += 1
                        else:
                            wrong_other += 1
                    if not ok and run == 0 and (args.verbose or (amount and not flagged)):
                        note = " (in needs_review)" if flagged else " (NOT FLAGGED)"
                        print(f"  {path.name}: {key} expected {want!r}, read {got.get(key)!r}{note}", file=sys.stderr)
            for variant, times in per_variant.items():
                seconds[variant].append(statistics.mean(times))
                cpu_seconds[variant].append(statistics.mean(per_variant_cpu[variant]))
            tallies.append(dict(tally))
            silent.append((wrong_amounts, wrong_other))
        print(f"{'':<22} {'amounts exact':>20} {'all fields exact':>20}")
        for group, (a_ok, a_n, f_ok, f_n) in sorted(tallies[0].items(), key=lambda kv: (kv[0] == "all", kv[0])):
            amounts = f"{a_ok:>5}/{a_n:<5} {100 * a_ok / a_n:5.1f}%" if a_n else f"{'-':>19}"
            print(f"{group:<22} {amounts:>20} {f_ok:>5}/{f_n:<5} {100 * f_ok / f_n:5.1f}%")
        print(f"\nseconds per page, min / median / max over runs (load average {os.getloadavg()[0]:.1f}):")
        for variant in args.variants:
            s, c = seconds[variant], cpu_seconds[variant]
            print(f"  {variant:<10} wall {min(s):.2f} / {statistics.median(s):.2f} / {max(s):.2f}"
                  f"   CPU {min(c):.2f} / {statistics.median(c):.2f} / {max(c):.2f}")  # fmt: skip
        print(f"wrong amounts not in needs_review, per run: {[a for a, _ in silent]}")
        print(f"other wrong fields not in needs_review, per run: {[o for _, o in silent]}")


if __name__ == "__main__":
    main()
