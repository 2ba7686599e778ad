"""Every golden case (shared/cases and tests/cases) as its own test, compared to the won.

The same files also run through the CLI with shared/tools/check-cases in `make test`; this copy
goes through the engine in-process so a failure points at the pair and shows the trace.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from silson.cases.reader import parse_case
from silson.rules.catalogue import Catalogue
from silson.rules.engine import adjudicate
from tests.conftest import OWN_CASES, SHARED_CASES

FILES = sorted(SHARED_CASES.rglob("*.json")) + sorted(OWN_CASES.rglob("*.json"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_case_pays_exactly_what_the_terms_say(path: Path, catalogue: Catalogue) -> None:
    raw = json.loads(path.read_text(encoding="utf-8"))
    result = adjudicate(case=parse_case(raw), catalogue=catalogue)
    want = {(p["event"], p["contract"]): p["amount"] for p in raw["expected"]["payouts"] if p["amount"]}
    have = {(d.event, d.contract): d.amount for d in result.decisions if d.amount}
    traces = {(d.event, d.contract): [s.text for s in d.trace] for d in result.decisions}
    for pair in sorted(set(want) | set(have)):
        assert have.get(pair, 0) == want.get(pair, 0), f"{pair}: trace {traces.get(pair)}"
    assert result.total == raw["expected"]["total"]


def test_there_are_at_least_forty_own_cases() -> None:
    assert len(list(OWN_CASES.rglob("own-*.json"))) >= 40


def test_every_own_case_writes_out_its_arithmetic() -> None:
    for path in OWN_CASES.rglob("own-*.json"):
        source = json.loads(path.read_text(encoding="utf-8"))["source"]
        assert any(ch.isdigit() for ch in source) and ("=" in source or "→" in source), path.name


def test_own_case_files_match_their_definitions() -> None:
    """The committed JSON is what build.py writes: nobody edited one without the other."""
    from tests.cases import build

    for doc in build.CASES:
        path = build.path_of(doc)
        assert json.loads(path.read_text(encoding="utf-8")) == doc, path.name
    assert len(list(OWN_CASES.rglob("own-*.json"))) == len(build.CASES)
