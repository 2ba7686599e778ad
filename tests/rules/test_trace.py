"""Traces, line by line: every step names its clause and shows the arithmetic a person can redo."""

from __future__ import annotations

import json

import pytest

from silson.cases.reader import parse_case
from silson.rules.catalogue import Catalogue
from silson.rules.engine import adjudicate
from tests.conftest import HAS_SHARED, OWN_CASES, SHARED_CASES


def _trace(name: str, catalogue: Catalogue, event: str, contract: str = "c1") -> list[tuple[str, str]]:
    path = next((p for p in [*SHARED_CASES.rglob(name), *OWN_CASES.rglob(name)]), None)
    if path is None and not HAS_SHARED:
        pytest.skip(f"{name} is a shared case and the shared folder is missing")
    assert path is not None, name
    result = adjudicate(case=parse_case(json.loads(path.read_text(encoding="utf-8"))), catalogue=catalogue)
    decision = next(d for d in result.decisions if d.event == event and d.contract == contract)
    return [(s.rule, s.text) for s in decision.trace]


class TestTraceLines:
    def test_clinic_visit_states_deductible_then_payout_then_count(self, catalogue: Catalogue) -> None:
        assert _trace("hi1701-choice2-clinic-cold.json", catalogue, "v1") == [
            (
                "Hi1701 질병통원 제1조② 항목별 공제금액",
                "공제금액 = max(의원 10,000, 공제기준금액 = 급여 20,000 × 10% + 비급여 30,000 × 20% = 8,000) = 10,000",
            ),
            ("Hi1701 질병통원 제1조①", "50,000 − 10,000 = 40,000"),
            ("Hi1701 질병통원 제1조① (방문 180회, 처방전 180건)", "외래 1/180회째 보상"),
        ]

    def test_inpatient_cap_names_the_contract_year(self, catalogue: Catalogue) -> None:
        assert _trace("hi1701-standard-inpatient-selfpay-cap.json", catalogue, "a1") == [
            (
                "Hi1701 질병입원 제1조 (표준형 80%, 선택형Ⅱ 급여 90%·비급여 80%)",
                "자기부담 = (10,000,000 + 15,000,000) × 20% = 5,000,000",
            ),
            (
                "Hi1701 질병입원 제1조 (연간 200만원 초과금액 보상)",
                "연간 자기부담 한도 2,000,000 (2017-02-01부터 1년, 이미 0) → 자기부담 2,000,000, 초과분 3,000,000 보상",
            ),
            ("Hi1701 질병입원 제1조", "입원실료·입원제비용·수술비: 25,000,000 − 2,000,000 = 23,000,000"),
        ]

    def test_exclusion_names_code_and_keeps_the_covered_part(self, catalogue: Catalogue) -> None:
        lines = _trace("hi1701-hemorrhoid-noncovered-excluded.json", catalogue, "a1")
        assert lines[0] == (
            "Hi1701 질병입원 제3조②7",
            "직장 또는 항문질환 중 요양급여에 해당하지 않는 부분 (K64.8): 비급여 900,000 제외 (급여 600,000는 보상대상)",
        )
        assert lines[-1] == (
            "Hi1701 질병입원 제1조",
            "입원실료·입원제비용·수술비: 600,000 − 60,000 = 540,000",
        )

    def test_sharing_shows_base_and_proportion(self, catalogue: Catalogue) -> None:
        lines = _trace("hi1701-two-policies-share.json", catalogue, "v1", "c2")
        assert (
            "Hi1701 공통조항 제42조 (다수보험의 처리); 가입자유의사항 p.12",
            "다수보험 2건 비례보상: 기준 50,000 − 10,000 = 40,000 < 보상책임액 합계 80,000 → "
            "40,000 × 40,000 / 80,000 = 20,000",
        ) in lines

    def test_time_barred_visit_says_deadline(self, catalogue: Catalogue) -> None:
        assert _trace("hi1701-limitation-three-years.json", catalogue, "v1") == [
            (
                "Hi1701 상법 제662조; 공통조항 제46조 (소멸시효)",
                "소멸시효 3년: 2017-06-01 사고의 청구기한 2020-06-01, 청구일 2020-06-02 → 0",
            )
        ]

    def test_merged_visit_points_to_where_it_was_paid(self, catalogue: Catalogue) -> None:
        assert _trace("hi1701-same-day-two-clinics.json", catalogue, "v2") == [
            ("Hi1701 질병통원", "v1와 1회로 합산: 지급액은 v1에 표시")
        ]

    def test_every_step_of_every_case_names_a_clause(self, catalogue: Catalogue) -> None:
        for path in [*SHARED_CASES.rglob("*.json"), *OWN_CASES.rglob("*.json")]:
            result = adjudicate(case=parse_case(json.loads(path.read_text(encoding="utf-8"))), catalogue=catalogue)
            for decision in result.decisions:
                assert decision.trace, f"{path.name}: {decision.event}/{decision.contract} has no trace"
                citations = {r.citation for r in catalogue.rule_sets.values()}
                for step in decision.trace:
                    assert step.rule.split(" ", 1)[0] in citations, step
                    assert len(step.rule.split(" ", 1)) == 2, f"{path.name}: '{step.rule}' names no clause"
