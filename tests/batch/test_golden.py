"""The golden cases through the batch evaluator: each case becomes tables (its events, contracts
and person) and the batch answer must equal the case's expected payouts and the engine's answer.
Cases whose events carry itemised lines cannot be tables (the batch format has no items) and are
counted, not hidden."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from silson.batch.evaluate import evaluate_book
from silson.rules.catalogue import load_catalogue
from tests.conftest import ROOT

CATALOGUE = load_catalogue()
SHARED = ROOT.parent / "shared" / "cases"
FILES = sorted(SHARED.rglob("*.json")) + sorted((ROOT / "tests" / "cases").rglob("*.json"))
CASES = [(p, json.loads(p.read_text(encoding="utf-8"))) for p in FILES]
CASES = [(p, c) for p, c in CASES if c.get("format") == "silson-case/1"]
TABLE_CASES = [(p, c) for p, c in CASES if not any(e.get("items") for e in c["events"])]


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def tables(case: dict[str, Any]) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    pid = case["id"]
    events = pl.DataFrame([{
        "person_id": pid, "event_id": e["id"], "kind": e["kind"], "date": _day(e["date"]), "discharge": _day(e.get("discharge")),
        "days": e.get("days"), "cause": e["cause"], "kcd": " ".join(e.get("kcd", [])), "condition": e.get("condition"),
        "institution_kind": e["institution"]["kind"], "country": e["institution"].get("country", "KR"),
        **{f: e.get(f, 0) for f in ("covered_copay", "covered_full", "noncovered", "room_difference", "nhis_paid",
                                    "nhis_refundable")},
        "nhis_copay_rate": e.get("nhis_copay_rate"), "other_payer": e.get("other_payer"), "severe": e.get("severe", False),
    } for e in case["events"]], schema_overrides={"date": pl.Date, "discharge": pl.Date, "days": pl.Int64,
                                                  "nhis_copay_rate": pl.Int64, "condition": pl.String,
                                                  "other_payer": pl.String})  # fmt: skip
    contracts = pl.DataFrame([{
        "person_id": pid, "contract_id": c["id"], "insurer": c["insurer"], "terms": c["terms"],
        "product": c.get("product"), "option": c.get("option"), "start": _day(c["start"]), "end": _day(c.get("end")),
        "coverages": json.dumps(c["coverages"]),
    } for c in case["contracts"]], schema_overrides={"start": pl.Date, "end": pl.Date, "product": pl.String,
                                                     "option": pl.String})  # fmt: skip
    person = case.get("person", {})
    persons = pl.DataFrame({"person_id": [pid], "nhis_status": [person.get("nhis_status", "insured")]})
    return events, contracts, persons


def test_most_cases_are_tables() -> None:
    assert len(CASES) >= (144 if SHARED.is_dir() else 129) and len(TABLE_CASES) >= len(CASES) - 13
    assert all(not any(e.get("items") for e in c["events"]) for p, c in CASES if SHARED in p.parents)


@pytest.mark.parametrize(("path", "case"), TABLE_CASES, ids=[str(p.relative_to(p.parents[1])) for p, _ in TABLE_CASES])
def test_batch_pays_what_the_case_expects(path: Path, case: dict[str, Any]) -> None:
    events, contracts, persons = tables(case)
    claim = date.fromisoformat(case["claim_date"])
    batch = evaluate_book(events, contracts, claim, CATALOGUE, persons=persons).decisions
    engine = evaluate_book(events, contracts, claim, CATALOGUE, persons=persons, columnar_path=False).decisions
    keys = ["event_id", "contract_id", "amount"]
    assert batch.select(keys).equals(engine.select(keys))
    expected = (case.get("expected") or {}).get("payouts", [])
    got = {(r["event_id"], r["contract_id"]): r["amount"] for r in batch.iter_rows(named=True)}
    for payout in expected:
        assert got[(payout["event"], payout["contract"])] == payout["amount"], payout
    total = (case.get("expected") or {}).get("total")
    if total is not None:
        assert sum(a for a in got.values() if a) == total
