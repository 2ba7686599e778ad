"""Where a paid figure is reported and under which coverage (case-format.md "Expected" and "Result"):
the 5th generation's 비중증 day on its first event, and the part that paid most named as `coverage`."""

from __future__ import annotations

import json

from silson.cases.reader import parse_case
from silson.rules.catalogue import Catalogue
from silson.rules.decision import Decision
from silson.rules.engine import adjudicate
from tests.conftest import OWN_CASES


def _decisions(name: str, catalogue: Catalogue) -> dict[str, Decision]:
    path = next(OWN_CASES.rglob(name))
    result = adjudicate(case=parse_case(json.loads(path.read_text(encoding="utf-8"))), catalogue=catalogue)
    return {d.event: d for d in result.decisions if d.contract == "c1"}


class TestFifthGenerationDay:
    def test_the_days_noncovered_payout_sits_on_its_first_visit(self, catalogue: Catalogue) -> None:
        # 급여 10,000 of v1 + the day's 비중증 65,000 (40,000 + 90,000 − 65,000) all on v1
        got = _decisions("own-s26-other-day-on-first-with-covered.json", catalogue)
        assert (got["v1"].amount, got["v2"].amount) == (75000, 0)

    def test_the_coverage_is_the_part_that_paid_most(self, catalogue: Catalogue) -> None:
        got = _decisions("own-s26-other-day-on-first-with-covered.json", catalogue)
        assert got["v1"].coverage == "disease_noncovered_other"  # 65,000 비중증 against 10,000 급여

    def test_the_later_visit_says_where_its_share_went(self, catalogue: Catalogue) -> None:
        got = _decisions("own-s26-other-day-on-first-with-covered.json", catalogue)
        assert any("그날 첫 통원 v1에 표시" in step.text for step in got["v2"].trace)
        assert any("1회로 보아 v1에 표시" in step.text for step in got["v1"].trace)

    def test_a_covered_only_visit_stays_under_covered(self, catalogue: Catalogue) -> None:
        assert _decisions("own-s26-clinic-copay-rate.json", catalogue)["v1"].coverage == "disease_covered"


class TestFourthGenerationCoverage:
    def test_noncovered_paying_most_names_the_noncovered_coverage(self, catalogue: Catalogue) -> None:
        # own-s21-mri: the MRI's 비급여 pays; no 급여
        assert _decisions("own-s21-mri.json", catalogue)["v1"].coverage == "disease_noncovered"

    def test_covered_paying_most_names_the_covered_coverage(self, catalogue: Catalogue) -> None:
        # own-s21-small-noncovered: 급여 2,000, 비급여 0
        assert _decisions("own-s21-small-noncovered.json", catalogue)["v1"].coverage == "disease_covered"
