"""Do two versions of silson decide a book alike? Runs `silson batch` with each version's source on
the same book, one after the other, and compares the decision files: their SHA-256 first, and when
they differ, row by row, every difference attributed to a rule that was corrected on purpose or
reported as unexplained (exit status 1). A figure, not a test: the book is millions of rows.

    git worktree add --detach /tmp/pre20 4c778b0          # the code before issue 20
    .venv/bin/silson synth --persons 108696 --seed 7 --out-dir /tmp/book   # 10,016,688 events
    .venv/bin/python bench/same_decisions.py --before /tmp/pre20/src --book /tmp/book

Both versions run with this interpreter (and its installed dependencies), each with its `src` first
on PYTHONPATH. The corrected rules it knows (issue 20):

- `coverage_paid_most`: a pair of the split family (4세대·5세대) names the part that paid most of its
  figure (case-format.md "Result"); before, every such pair said `<cause>_covered`. Only `coverage`
  changes, from `<cause>_covered` to another part of the same cause, on a pair that pays. A sample of
  those people is run through the scalar engine of the after version, which must agree row by row.
- `tooth_injury_dental`: a tooth's own injury (S02.5, S03.2) is dental treatment (Hi1701
  상해입원·상해통원 제3조③1): its 비급여 is excluded under the injury coverages.
- `day_on_first_event`: 5세대 비중증 비급여: a day's outpatient events are one unit whose payout is
  reported on its first event; amounts move between a contract's events of one day, the day's sum
  unchanged.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

HERE = Path(__file__).resolve().parent.parent / "src"
KEYS = ["person_id", "event_id", "contract_id"]
TOOTH = r"(^|\s)(S02\.?5|S03\.?2)"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def run_batch(src: Path, book: Path, out: Path, claim_date: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(src)}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "silson", "batch", "--events", str(book / "events.parquet"),
         "--contracts", str(book / "contracts.parquet"), "--out", str(out), "--claim-date", claim_date, "--quiet"],
        capture_output=True, text=True, env=env, check=True,
    )  # fmt: skip
    return f"{time.perf_counter() - started:.1f} s; " + done.stdout.strip().replace("\n", " / ")


def families(contracts: pl.DataFrame, src: Path) -> pl.DataFrame:
    """(person_id, contract_id, family, generation) of every contract, from the after version's catalogue."""
    sys.path.insert(0, str(src))
    from silson.rules.catalogue import load_catalogue

    catalogue = load_catalogue()
    has_product = "product" in contracts.columns
    rows = contracts.select("terms", *(["product"] if has_product else [])).unique().iter_rows(named=True)
    found = {}
    for row in rows:
        rules = catalogue.resolve(row["terms"], row.get("product"))
        found[(row["terms"], row.get("product"))] = (str(rules.formulas), rules.generation)
    table = pl.DataFrame(
        [{"terms": t, "product": p, "family": f, "generation": g} for (t, p), (f, g) in found.items()],
        schema={"terms": pl.String, "product": pl.String, "family": pl.String, "generation": pl.Int64},
    )
    with_product = contracts if has_product else contracts.with_columns(product=pl.lit(None, pl.String))
    return with_product.join(table, on=["terms", "product"], how="left", nulls_equal=True).select(
        "person_id", "contract_id", "terms", "family", "generation"
    )


def reach(book: Path, src: Path) -> None:
    """How much of the book each corrected rule can touch at all."""
    events = pl.scan_parquet(book / "events.parquet")
    tooth = events.filter((pl.col("cause") == "injury") & pl.col("kcd").str.contains(TOOTH)).select(pl.len())
    kinds = families(pl.read_parquet(book / "contracts.parquet"), src)
    print(f"the book: {tooth.collect().item():,} injury events with a tooth's own code (S02.5, S03.2); "
          f"{kinds.filter(pl.col('family') == 'split').height:,} contracts of the split family, "
          f"{kinds.filter(pl.col('generation') == 5).height:,} of the 5th generation")  # fmt: skip


def explain(before: pl.DataFrame, after: pl.DataFrame, book: Path, src: Path, sample: int, claim_date: str) -> int:
    """Attribute every differing row; returns how many are unexplained."""
    if before.height != after.height or not before.select(KEYS).equals(after.select(KEYS)):
        print("the (person, event, contract) rows differ in number or order: not comparable row by row")
        return max(before.height, after.height)
    columns = [c for c in before.columns if c not in KEYS]
    changed = pl.DataFrame({c: ~before[c].eq_missing(after[c]) for c in columns})
    print("rows whose column differs: " + ", ".join(f"{c} {int(changed[c].sum()):,}" for c in columns))
    any_change = pl.any_horizontal(pl.col(columns))
    rows = (
        before.with_row_index("row")
        .select("row", *KEYS, *[pl.col(c).alias(f"{c}_before") for c in columns])
        .hstack(after.select([pl.col(c).alias(f"{c}_after") for c in columns]))
        .hstack(changed.select([pl.col(c).alias(f"{c}_changed") for c in columns]))
        .filter(changed.select(any_change).to_series())
    )
    print(f"rows that differ: {rows.height:,} of {before.height:,}")
    if rows.height == 0:
        return 0
    contracts = pl.read_parquet(book / "contracts.parquet")
    rows = rows.join(families(contracts, src), on=["person_id", "contract_id"], how="left")
    wanted = rows.select("person_id", "event_id").unique()
    events = pl.scan_parquet(book / "events.parquet").select("person_id", "event_id", "date", "cause", "kcd")
    rows = rows.join(events.join(wanted.lazy(), on=["person_id", "event_id"]).collect(), on=["person_id", "event_id"])

    only_coverage = pl.all_horizontal([pl.col(f"{c}_changed") == (c == "coverage") for c in columns])
    cause = pl.col("coverage_before").str.extract(r"^(disease|injury)_")
    paid_most = (
        only_coverage & (pl.col("family") == "split") & (pl.col("amount_after") > 0)
        & (pl.col("coverage_before") == cause + "_covered")
        & (pl.col("coverage_after").str.extract(r"^(disease|injury)_") == cause)
    )  # fmt: skip
    tooth = (pl.col("cause") == "injury") & pl.col("kcd").str.contains(TOOTH)
    # 5th generation: amounts move within (person, contract, day); the day's sums are checked below
    moved = (pl.col("generation") == 5) & ~tooth & ~paid_most
    rows = rows.with_columns(
        rule=pl.when(paid_most).then(pl.lit("coverage_paid_most"))
        .when(tooth).then(pl.lit("tooth_injury_dental"))
        .when(moved).then(pl.lit("day_on_first_event"))
        .otherwise(pl.lit("unexplained"))
    )  # fmt: skip
    day = ["person_id", "contract_id", "date"]
    sums = (
        rows.filter(pl.col("rule") == "day_on_first_event")
        .group_by(day)
        .agg(kept=(pl.col("amount_before").sum() == pl.col("amount_after").sum()))
    )
    broken = sums.filter(~pl.col("kept"))
    if broken.height:
        rows = rows.join(broken.select(day, bad=pl.lit(True)), on=day, how="left").with_columns(
            rule=pl.when(pl.col("bad")).then(pl.lit("unexplained")).otherwise(pl.col("rule"))
        )
    with pl.Config(tbl_rows=40, tbl_width_chars=200, fmt_str_lengths=40):
        print(rows.group_by("rule", "terms", "coverage_before", "coverage_after", "reason_after")
              .len().sort("rule", "len", descending=[False, True]))  # fmt: skip
        unexplained = rows.filter(pl.col("rule") == "unexplained")
        if unexplained.height:
            print("unexplained rows (first 20):")
            print(unexplained.head(20))
    print("by rule: " + ", ".join(f"{r} {n:,}" for r, n in rows.group_by("rule").len().sort("rule").iter_rows()))
    check_sample(rows.filter(pl.col("rule") == "coverage_paid_most"), after, book, src, sample, claim_date)
    return unexplained.height


def check_sample(rows: pl.DataFrame, after: pl.DataFrame, book: Path, src: Path, sample: int, claim: str) -> None:
    """The after version's scalar engine on a sample of the people whose coverage changed: its
    coverage and amount must equal the after file's on every row of theirs."""
    if rows.height == 0 or sample == 0:
        return
    from datetime import date

    sys.path.insert(0, str(src))
    from silson.batch import scalar
    from silson.batch.tables import conform_contracts, conform_events
    from silson.rules.catalogue import load_catalogue

    people = rows["person_id"].unique().sort().sample(min(sample, rows["person_id"].n_unique()), seed=1)
    chosen = people.implode()
    events = conform_events(
        pl.scan_parquet(book / "events.parquet").filter(pl.col("person_id").is_in(chosen)).collect()
    )
    contracts = conform_contracts(pl.read_parquet(book / "contracts.parquet").filter(pl.col("person_id").is_in(chosen)))
    started = time.perf_counter()
    reference = scalar.adjudicate_people(events, contracts, date.fromisoformat(claim), load_catalogue())
    mine = after.filter(pl.col("person_id").is_in(chosen)).select(*KEYS, "coverage", "amount")
    theirs = reference.select(*KEYS, pl.col("coverage").cast(pl.String), "amount")
    joined = mine.join(theirs, on=KEYS, how="full", suffix="_scalar", coalesce=True)
    disagree = joined.filter(
        ~pl.col("coverage").eq_missing(pl.col("coverage_scalar"))
        | ~pl.col("amount").eq_missing(pl.col("amount_scalar"))
    )
    print(f"scalar engine (after) on {people.len():,} of those people, {events.height:,} events, "
          f"{joined.height:,} rows ({time.perf_counter() - started:.1f} s): "
          f"{disagree.height:,} rows disagree with the after file")  # fmt: skip
    if disagree.height:
        print(disagree.head(20))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", type=Path, required=True, help="the older version's src folder")
    parser.add_argument("--after", type=Path, default=HERE, help="the newer version's src folder (this checkout's)")
    parser.add_argument("--book", type=Path, required=True, help="folder with events.parquet and contracts.parquet")
    parser.add_argument("--claim-date", default="2026-11-23")
    parser.add_argument("--sample", type=int, default=300, help="people checked against the scalar engine")
    parser.add_argument("--keep", type=Path, default=None, help="keep the two decision files in this folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        outs = {}
        for name, src in (("before", args.before), ("after", args.after)):
            outs[name] = folder / f"decisions-{name}.parquet"
            print(f"{name} ({src}): {run_batch(src, args.book, outs[name], args.claim_date)}")
        hashes = {name: sha256(path) for name, path in outs.items()}
        for name, digest in hashes.items():
            print(f"sha256 {name}: {digest}")
        if hashes["before"] == hashes["after"]:
            print("identical decision files, byte for byte")
            return
        reach(args.book, args.after.resolve())
        before, after = pl.read_parquet(outs["before"]), pl.read_parquet(outs["after"])
        if before.equals(after):
            print("the files differ in bytes but hold the same rows and values")
            return
        unexplained = explain(before, after, args.book, args.after.resolve(), args.sample, args.claim_date)
        print("every difference is a corrected rule's" if unexplained == 0 else f"{unexplained:,} rows unexplained")
        sys.exit(1 if unexplained else 0)


if __name__ == "__main__":
    main()
