"""Benchmark of the document reader: figures, not a test. Renders synthetic receipts, reads them, and prints:

- per variant (clean scan PNG, phone photo JPEG, text-layer PDF, image-only PDF) the share of amount
  fields read exactly, and of every expected field (kind, business number, visit date, amounts);
- amounts read wrong that were NOT listed in needs_review (the target is none);
- seconds per page on one core (tesseract with OMP_THREAD_LIMIT=1, OpenCV with one thread), as
  min / median / max over the runs.

    .venv/bin/python bench/documents.py                  # 48 documents (3 layouts × 4 variants × 4), 3 runs
    .venv/bin/python bench/documents.py --per 2 --runs 1  # a quick look

The receipts come from src/silson/documents/synth.py (2024 and older 진료비 layouts, 약제비), each with
random amounts that satisfy the forms' arithmetic; photos are tilted, in perspective, unevenly lit,
blurred and saved as JPEG at quality 60–80.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

os.environ["OMP_THREAD_LIMIT"] = "1"

import cv2

from silson.documents import read_document, synth

LAYOUTS: tuple[synth.Layout, ...] = ("hospital-2024", "hospital-older", "pharmacy")
VARIANTS: tuple[synth.Variant, ...] = ("scan", "photo", "text_pdf", "image_pdf")


def _flat(doc: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in doc.items():
        if isinstance(value, dict):
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per", type=int, default=4, help="documents per layout and variant")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20251201)
    args = parser.parse_args()
    cv2.setNumThreads(1)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        docs: list[tuple[str, Path, dict[str, Any]]] = []
        for layout in LAYOUTS:
            for variant in VARIANTS:
                for i in range(args.per):
                    spec = synth.random_spec(rng, layout)
                    data, suffix = synth.render(spec, variant, rng)
                    path = Path(tmp) / f"{layout}-{variant}-{i}{suffix}"
                    path.write_bytes(data)
                    docs.append((variant, path, _flat(spec.expected())))
        print(f"{len(docs)} documents; {args.runs} run(s) on one core", file=sys.stderr)
        seconds: dict[str, list[float]] = defaultdict(list)  # variant → per-run mean seconds per page
        runs: list[dict[str, list[int]]] = []
        silent_wrong: list[int] = []
        for run in range(args.runs):
            tally: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # amounts ok, amounts, all ok, all
            per_variant: dict[str, list[float]] = defaultdict(list)
            wrong_unflagged = 0
            for variant, path, expected in docs:
                started = time.perf_counter()
                try:
                    got = _flat(read_document(path))
                    review = set(got.get("needs_review") or [])
                except Exception as exc:  # a crash counts as every field wrong
                    print(f"  {path.name}: {exc}", file=sys.stderr)
                    got, review = {}, set()
                per_variant[variant].append(time.perf_counter() - started)
                t = tally[variant]
                for key, want in expected.items():
                    ok = got.get(key) == want
                    t[2] += ok
                    t[3] += 1
                    if key.startswith("amounts."):
                        t[0] += ok
                        t[1] += 1
                        if not ok and got.get(key) is not None and key not in review:
                            wrong_unflagged += 1
                    if not ok and run == 0:
                        print(f"  {path.name}: {key} expected {want!r}, read {got.get(key)!r}"
                              f"{' (in needs_review)' if key in review else ''}", file=sys.stderr)  # fmt: skip
            for variant, times in per_variant.items():
                seconds[variant].append(statistics.mean(times))
            runs.append(dict(tally))
            silent_wrong.append(wrong_unflagged)
        print(f"{'variant':<10} {'amounts exact':>14} {'all fields exact':>17}   s/page min / median / max")
        for variant in VARIANTS:
            a_ok, a_n, f_ok, f_n = runs[0][variant]
            s = seconds[variant]
            shares = f"{a_ok:>5}/{a_n:<4} {100 * a_ok / a_n:5.1f}% {f_ok:>5}/{f_n:<4} {100 * f_ok / f_n:5.1f}%"
            print(f"{variant:<10} {shares}   {min(s):.2f} / {statistics.median(s):.2f} / {max(s):.2f}")
        all_times = [statistics.mean([seconds[v][r] for v in VARIANTS]) for r in range(args.runs)]
        print(f"all        s/page (mean over variants) min / median / max: "
              f"{min(all_times):.2f} / {statistics.median(all_times):.2f} / {max(all_times):.2f}")  # fmt: skip
        print(f"amounts read wrong and not in needs_review, per run: {silent_wrong}")


if __name__ == "__main__":
    main()
