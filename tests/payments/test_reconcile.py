"""Reconciliation (`silson.payments.reconcile`): the hand-computed cases under `cases/` line by line,
the `paid` reader, and the invariants over generated books."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from silson.cases.reader import CaseError, parse_case, parse_reconciliation
from silson.domain.model import Case
from silson.payments.reconcile import (
    KNOWN_MISTAKES,
    Paid,
    Reconciliation,
    ReconciliationError,
    Status,
    reconcile,
)
from silson.payments.reconcile_report import to_json, to_table
from silson.rules.catalogue import load_catalogue
from silson.rules.engine import adjudicate
from tests.rules.test_properties import cases as generated_cases

CATALOGUE = load_catalogue()
CASES = Path(__file__).parent / "cases"
CASE_FILES = sorted(CASES.glob("*.json"))
COMPARED = (
    "event",
    "contract",
    "expected",
    "paid",
    "difference",
    "status",
    "statement_paid",
    "likely_mistake",
    "also_possible",
    "moved_from",
    "moved_to",
)


def load(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((CASES / f"{name}.json").read_text(encoding="utf-8"))
    return doc


def run(doc: dict[str, Any]) -> Reconciliation:
    case, paid = parse_reconciliation(doc)
    return reconcile(case=case, paid=paid, catalogue=CATALOGUE)


def line_of(result: Reconciliation, event: str, contract: str) -> dict[str, Any]:
    lines: list[dict[str, Any]] = to_json(result)["lines"]
    (line,) = [x for x in lines if x["event"] == event and x["contract"] == contract]
    return line


class TestHandComputedCases:
    @pytest.mark.parametrize("path", CASE_FILES, ids=[p.stem for p in CASE_FILES])
    def test_lines_and_totals_are_exactly_the_hand_arithmetic(self, path: Path) -> None:
        doc = json.loads(path.read_text(encoding="utf-8"))
        want = doc["meta"]["reconciliation"]
        got = to_json(run(doc))
        assert [{k: line[k] for k in COMPARED if k in line} for line in got["lines"]] == want["lines"]
        assert got["underpaid_total"] == want["underpaid_total"]
        assert got["overpaid_total"] == want["overpaid_total"]

    def test_every_known_mistake_has_a_case_naming_it(self) -> None:
        named = {
            line["likely_mistake"]["code"]
            for path in CASE_FILES
            for line in json.loads(path.read_text(encoding="utf-8"))["meta"]["reconciliation"]["lines"]
            if "likely_mistake" in line
        }
        assert named == {m.code for m in KNOWN_MISTAKES}


class TestLines:
    def test_reasons_are_the_trace_behind_the_expected_figure(self) -> None:
        result = run(load("overpaid"))
        line = line_of(result, "v1", "c1")
        (decision,) = [d for d in result.adjudication.decisions if d.amount]
        assert line["reasons"] == [{"rule": s.rule, "text": s.text} for s in decision.trace]
        assert {"rule": "Hi1701 질병통원 제1조①", "text": "50,000 − 10,000 = 40,000"} in line["reasons"]

    def test_a_likely_mistake_is_also_a_reason(self) -> None:
        line = line_of(run(load("mistake-no-sharing")), "v1", "c2")
        assert line["reasons"][-1] == {
            "rule": "추정 원인: 공통조항 제42조 (다수보험의 처리)",
            "text": "지급액 200,000원은 다수보험 비례보상을 하지 않은 금액과 같음 (no_sharing)",
        }

    def test_a_matched_line_names_no_mistake(self) -> None:
        line = line_of(run(load("mistake-no-sharing")), "v1", "c1")
        assert line["status"] == "matched" and "likely_mistake" not in line

    def test_a_payment_of_nothing_is_not_put_down_to_a_mistake(self) -> None:
        line = line_of(run(load("insurer-paid-nothing")), "v1", "c2")
        assert line["status"] == "underpaid" and "likely_mistake" not in line
        assert line["reasons"][-1]["text"] == "지급 없음: 보험사에 부지급 사유와 근거(산정내역)를 요청"

    def test_a_unit_paid_on_its_second_event_says_where_it_was_compared(self) -> None:
        result = run(load("unit-paid-on-second-visit"))
        first, second = line_of(result, "v1", "c1"), line_of(result, "v2", "c1")
        assert first["reasons"][-1]["text"] == "명세서가 v2에 지급한 83,000원은 약관상 v1와 한 단위라 v1에서 대조"
        assert second["reasons"][-1]["text"] == "이 쌍의 지급액 83,000원은 v1에서 대조"

    def test_instalments_on_one_pair_are_added_and_their_dates_kept(self) -> None:
        line = line_of(run(load("three-insurers-share-a-visit")), "v1", "c3")
        assert line["paid"] == 60000 and line["paid_dates"] == ["2018-01-22", "2018-02-05"]

    def test_a_pair_neither_owed_nor_paid_has_no_line(self) -> None:
        doc = load("overpaid")
        later = {
            "id": "v2",
            "date": "2017-07-03",
            "covered_copay": 3000,
            "noncovered": 0,
        }  # under the 10,000 deductible
        doc["events"].append(copy.deepcopy(doc["events"][0]) | later)
        assert [line["event"] for line in to_json(run(doc))["lines"]] == ["v1"]

    def test_an_overpayment_on_a_unit_member_stays_on_the_first_event(self) -> None:
        doc = load("unit-paid-on-second-visit")
        doc["paid"].append({"event": "v1", "contract": "c1", "amount": 83000})
        result = run(doc)
        assert line_of(result, "v1", "c1")["difference"] == -83000
        assert line_of(result, "v2", "c1")["difference"] == 0
        assert result.overpaid_total == 83000 and result.underpaid_total == 0

    def test_table_shows_korean_headers_totals_and_the_likely_mistake(self) -> None:
        doc = load("mistake-other-institution")
        case, paid = parse_reconciliation(doc)
        text = to_table(case, reconcile(case=case, paid=paid, catalogue=CATALOGUE))
        assert "산정액" in text and "지급액" in text and "과소 지급" in text
        assert "과소 지급 합계 5,000원 · 과다 지급 합계 0원" in text
        assert (
            "▶ 추정 원인: 상급종합병원의 공제금액을 적용한 금액과 같음 (other_institution_deductible, 30,000원)" in text
        )


class TestReconcileInput:
    def test_unknown_event_of_a_statement_line_is_an_error(self) -> None:
        case, _ = parse_reconciliation(load("overpaid"))
        with pytest.raises(ReconciliationError, match=r"paid\[0\]\.event: unknown event 'v9'"):
            reconcile(case=case, paid=[Paid("v9", "c1", 1000)], catalogue=CATALOGUE)


def _paid_doc(mutate: Any) -> dict[str, Any]:
    doc = load("overpaid")
    doc["paid"] = [{"event": "v1", "contract": "c1", "amount": 45000}, {"event": "v1", "contract": "c1", "amount": 0}]
    mutate(doc)
    return doc


BAD_PAID = [
    ("unknown event", lambda d: d["paid"][1].update(event="v9"), "paid[1].event", "unknown event 'v9'"),
    ("unknown contract", lambda d: d["paid"][1].update(contract="c7"), "paid[1].contract", "unknown contract 'c7'"),
    ("negative amount", lambda d: d["paid"][0].update(amount=-1), "paid[0].amount", "greater than or equal to 0"),
    ("float amount", lambda d: d["paid"][0].update(amount=45000.5), "paid[0].amount", "integer"),
    ("string amount", lambda d: d["paid"][0].update(amount="45000"), "paid[0].amount", "integer"),
    ("missing amount", lambda d: d["paid"][1].pop("amount"), "paid[1].amount", "required"),
    ("unknown key", lambda d: d["paid"][1].update(insurer="x"), "paid[1].insurer", "unknown key"),
    ("bad date", lambda d: d["paid"][0].update(date="2018-02-30"), "paid[0].date", "date"),
    ("not a list", lambda d: d.update(paid={"v1": 1}), "paid", "list"),
    ("missing paid", lambda d: d.pop("paid"), "paid", "required"),
]


class TestPaidReader:
    @pytest.mark.parametrize(("name", "mutate", "field", "words"), BAD_PAID, ids=[b[0] for b in BAD_PAID])
    def test_a_bad_paid_entry_names_the_field(self, name: str, mutate: Any, field: str, words: str) -> None:
        with pytest.raises(CaseError) as caught:
            parse_reconciliation(_paid_doc(mutate))
        assert caught.value.field == field
        assert words in caught.value.message

    def test_meta_and_a_date_are_accepted(self) -> None:
        doc = _paid_doc(lambda d: d["paid"][0].update(date="2018-02-01", meta={"statement": "지급내역서 p.1"}))
        _, paid = parse_reconciliation(doc)
        assert paid[0] == Paid("v1", "c1", 45000, dt.date(2018, 2, 1))

    def test_the_case_part_is_read_as_strictly_as_adjudicate_reads_it(self) -> None:
        with pytest.raises(CaseError) as caught:
            parse_reconciliation(_paid_doc(lambda d: d["events"][0].update(covered_copy=1)))
        assert caught.value.field == "events[0].covered_copy"

    def test_adjudicate_does_not_accept_paid(self) -> None:
        with pytest.raises(CaseError) as caught:
            parse_case(load("overpaid"))
        assert caught.value.field == "paid" and "unknown key" in caught.value.message


# --- invariants over generated books -------------------------------------------------------------


def _engine_paid(case: Case) -> list[Paid]:
    result = adjudicate(case=case, catalogue=CATALOGUE)
    return [Paid(d.event, d.contract, d.amount) for d in result.decisions if d.amount]


@given(generated_cases())
def test_paying_the_engine_figures_matches_every_line(case: Case) -> None:
    result = reconcile(case=case, paid=_engine_paid(case), catalogue=CATALOGUE)
    assert all(line.status is Status.MATCHED for line in result.lines)
    assert result.underpaid_total == result.overpaid_total == 0
    assert all(line.likely_mistake is None for line in result.lines)


@given(generated_cases(), st.data())
def test_shifting_one_paid_amount_by_d_moves_exactly_one_difference_by_d(case: Case, data: st.DataObject) -> None:
    """Any pair that pays, or that is a later event of a unit (its payment is compared on the first)."""
    result = adjudicate(case=case, catalogue=CATALOGUE)
    pairs = [d for d in result.decisions if (d.amount or d.reported_on) and not d.needs]
    if not pairs:
        return
    chosen = data.draw(st.sampled_from(pairs))
    d = data.draw(st.integers(-chosen.amount, 1_000_000).filter(lambda x: x != 0))
    paid = _engine_paid(case)
    shifted = (
        [*paid, Paid(chosen.event, chosen.contract, d)]
        if d > 0
        else [
            Paid(
                p.event,
                p.contract,
                p.amount + d if (p.event, p.contract) == (chosen.event, chosen.contract) else p.amount,
            )
            for p in paid
        ]
    )
    before = {(x.event, x.contract): x.difference for x in reconcile(case=case, paid=paid, catalogue=CATALOGUE).lines}
    after = {(x.event, x.contract): x.difference for x in reconcile(case=case, paid=shifted, catalogue=CATALOGUE).lines}
    changed = {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)}
    assert list(changed.values()) == [-d]
