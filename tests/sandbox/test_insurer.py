"""The sandbox insurer as its own process (`silson sandbox-insurer`), through the insurer port's HTTP
adapter: a package is received once per idempotency key, decided with the engine's arithmetic or a
mistake it was told to make, and its statement is stored line by line and reconciles."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from silson.cases.reader import parse_case
from silson.claims import statements
from silson.claims.insurers.http import HttpInsurer, parse_statement
from silson.payments.reconcile import reconcile
from silson.rules.catalogue import Catalogue
from tests.live import sandbox_insurer

ROOT = Path(__file__).resolve().parents[2]
CASE = json.loads((ROOT / "examples" / "kim-2017.json").read_text(encoding="utf-8"))


@pytest.fixture
def insurer(tmp_path: Path) -> Iterator[str]:
    with sandbox_insurer(tmp_path) as url:
        yield url


def package(insurer: str) -> dict[str, Any]:
    return {"format": "silson-package/1", "claim": 1, "insurer": insurer, "claim_date": CASE["claim_date"],
            "person": {"name": "김민준", "birth_date": "1985-04-12"}, "case": CASE, "documents": []}  # fmt: skip


def own_insurer() -> str:
    return str(CASE["contracts"][0]["insurer"])


class TestSandboxInsurer:
    def test_the_same_key_is_one_package_however_often_it_arrives(self, insurer: str) -> None:
        port = HttpInsurer(insurer)
        first = port.submit(package=package(own_insurer()), idempotency_key="pkg-0001-abcdef")
        again = port.submit(package=package(own_insurer()), idempotency_key="pkg-0001-abcdef")
        other = port.submit(package=package(own_insurer()), idempotency_key="pkg-0002-abcdef")
        assert (again.receipt_no, again.duplicate, first.duplicate) == (first.receipt_no, True, False)
        assert other.receipt_no != first.receipt_no
        assert httpx.get(f"{insurer}/counts").json() == {"packages": 2, "deliveries": 3}
        assert port.answer(receipt_no=first.receipt_no).state == "received"

    def test_it_pays_the_engine_figures_and_the_statement_reconciles(self, insurer: str, catalogue: Catalogue) -> None:
        port = HttpInsurer(insurer)
        ack = port.submit(package=package(own_insurer()), idempotency_key="pkg-pay-000001")
        raw = httpx.post(f"{insurer}/packages/{ack.receipt_no}/decide", json={"paid_on": "2017-08-01"}).json()
        statement = port.answer(receipt_no=ack.receipt_no).statement
        assert statement is not None and statement == parse_statement(raw)
        assert all(line.visit_date.year == 2017 for line in statement.lines)
        case = parse_case(CASE)
        result = reconcile(case=case, paid=[*statements.paid_lines_of(statement)], catalogue=catalogue)
        mine = [line for line in result.lines if (line.event, line.contract) in
                {(x.event, x.contract) for x in statement.lines}]  # fmt: skip
        assert mine and all(line.difference == 0 for line in mine)

    def test_a_configured_mistake_pays_short_and_reconcile_names_it(self, insurer: str, catalogue: Catalogue) -> None:
        httpx.put(f"{insurer}/config", json={"mistakes": ["no_sharing"]})
        port = HttpInsurer(insurer)
        ack = port.submit(package=package(own_insurer()), idempotency_key="pkg-short-00001")
        httpx.post(f"{insurer}/packages/{ack.receipt_no}/decide", json={"paid_on": "2017-08-01"})
        statement = port.answer(receipt_no=ack.receipt_no).statement
        assert statement is not None
        result = reconcile(case=parse_case(CASE), paid=statements.paid_lines_of(statement), catalogue=catalogue)
        wrong = [line for line in result.lines if line.difference != 0 and line.contract in
                 {x.contract for x in statement.lines}]  # fmt: skip
        assert wrong and wrong[0].likely_mistake is not None and wrong[0].likely_mistake.code == "no_sharing"

    def test_faults_answer_unavailable_and_never_store_twice(self, insurer: str) -> None:
        from silson.claims.insurers.port import InsurerUnavailable

        httpx.put(f"{insurer}/config", json={"timeout_rate": 1.0, "slow_seconds": 0.5})
        slow = HttpInsurer(insurer, timeout=0.1)
        with pytest.raises(InsurerUnavailable):
            slow.submit(package=package(own_insurer()), idempotency_key="pkg-slow-000001")
        httpx.put(f"{insurer}/config", json={})
        ack = HttpInsurer(insurer).submit(package=package(own_insurer()), idempotency_key="pkg-slow-000001")
        assert ack.duplicate  # the timed-out delivery was stored: the retry is recognised
        assert httpx.get(f"{insurer}/counts").json()["packages"] == 1
