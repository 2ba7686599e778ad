"""`silson synth` and `silson batch` as separate processes: Parquet in, Parquet out, the summary,
the same answer as the scalar engine, and bad input refused naming the file and the column."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from tests.cli.test_adjudicate_cli import run


def test_synth_then_batch_equals_the_scalar_engine(tmp_path: Path) -> None:
    book = tmp_path / "book"
    made = run("synth", "--persons", "60", "--seed", "5", "--out-dir", str(book))
    assert made.returncode == 0, made.stderr
    assert "60 persons" in made.stdout
    events, contracts = pl.read_parquet(book / "events.parquet"), pl.read_parquet(book / "contracts.parquet")
    assert events["person_id"].n_unique() <= 60 and contracts.height >= 60
    args = ["batch", "--events", str(book / "events.parquet"), "--contracts", str(book / "contracts.parquet"),
            "--claim-date", "2026-11-23", "--quiet"]  # fmt: skip
    fast = run(*args, "--out", str(tmp_path / "d.parquet"), "--chunk-events", "1000")
    assert fast.returncode == 0, fast.stderr
    assert f"events {events.height:,}" in fast.stdout and "events/s" in fast.stdout and "chunk(s)" in fast.stdout
    slow = run(*args, "--out", str(tmp_path / "ref.parquet"), "--scalar-only")
    assert slow.returncode == 0, slow.stderr
    keys = ["person_id", "event_id", "contract_id", "coverage", "amount"]
    decisions = pl.read_parquet(tmp_path / "d.parquet")
    assert decisions.select(keys).equals(pl.read_parquet(tmp_path / "ref.parquet").select(keys))
    assert decisions.schema["amount"] == pl.Int64 and set(decisions["engine"]) <= {"columnar", "scalar"}
    payout = int(decisions["amount"].sum())
    assert f"total payout {payout:,}원" in fast.stdout
    # chunks in worker processes (two at once) and in this one: the same file
    apart = run(*args, "--out", str(tmp_path / "w2.parquet"), "--chunk-events", "1000", "--workers", "2")
    together = run(*args, "--out", str(tmp_path / "w1.parquet"), "--chunk-events", "1000", "--workers", "1")
    assert apart.returncode == 0 and together.returncode == 0, apart.stderr + together.stderr
    assert pl.read_parquet(tmp_path / "w2.parquet").equals(pl.read_parquet(tmp_path / "w1.parquet"))
    assert pl.read_parquet(tmp_path / "w1.parquet").select(keys).equals(decisions.select(keys))


def test_bad_input_is_refused_naming_the_column(tmp_path: Path) -> None:
    pl.DataFrame({"person_id": ["p"], "event_id": ["e"]}).write_parquet(tmp_path / "events.parquet")
    pl.DataFrame({"person_id": ["p"]}).write_parquet(tmp_path / "contracts.parquet")
    out = run("batch", "--events", str(tmp_path / "events.parquet"), "--contracts", str(tmp_path / "contracts.parquet"),
              "--out", str(tmp_path / "d.parquet"), "--quiet")  # fmt: skip
    assert out.returncode == 2 and "events.kind: missing column" in out.stderr, out.stderr
    missing = run("batch", "--events", str(tmp_path / "nope.parquet"), "--contracts", str(tmp_path / "x.parquet"),
                  "--out", str(tmp_path / "d.parquet"))  # fmt: skip
    assert missing.returncode == 2 and "no such file" in missing.stderr
    (tmp_path / "text.parquet").write_text("not parquet")
    garbled = run("batch", "--events", str(tmp_path / "text.parquet"), "--contracts", str(tmp_path / "contracts.parquet"),
                  "--out", str(tmp_path / "d.parquet"))  # fmt: skip
    assert garbled.returncode == 2 and "Parquet" in garbled.stderr
    bad_date = run("batch", "--events", str(tmp_path / "events.parquet"), "--contracts",
                   str(tmp_path / "contracts.parquet"), "--out", str(tmp_path / "d.parquet"), "--claim-date", "soon")  # fmt: skip
    assert bad_date.returncode == 2 and "--claim-date" in bad_date.stderr
    from datetime import date

    pl.DataFrame({"person_id": ["p"], "contract_id": ["c"], "insurer": ["가"], "terms": ["std-2015-09"],
                  "start": [date(2016, 1, 1)], "coverages": ["{}"]}).write_parquet(tmp_path / "c.parquet")  # fmt: skip
    negative = pl.DataFrame({"person_id": ["p"], "event_id": ["e"], "kind": ["outpatient"], "date": [date(2024, 1, 1)],
                             "cause": ["disease"], "kcd": ["J06.9"], "institution_kind": ["clinic"],
                             "covered_copay": [-5], "covered_full": [0], "noncovered": [0]})  # fmt: skip
    negative.write_parquet(tmp_path / "neg.parquet")
    refused = run("batch", "--events", str(tmp_path / "neg.parquet"), "--contracts", str(tmp_path / "c.parquet"),
                  "--out", str(tmp_path / "d.parquet"), "--quiet")  # fmt: skip
    assert refused.returncode == 2 and "events.covered_copay: negative amount -5" in refused.stderr, refused.stderr
