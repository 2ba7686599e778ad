"""The route per visit (issue 18): 실손24 inside a linked institution's window, else an agent when the
payout is worth the fees and the trip, else the upload; the data files checked as they load."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from importlib import resources
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from silson.agents import fees
from silson.claims import checklist
from silson.relay import route
from silson.relay.route import Subject, VisitRoute

P = route.load_participation()
COSTS = route.parse_costs(
    route._read("data/trip.yaml"), {}, on=date(2026, 11, 23)
)  # shipped figures, whatever the environment says
CLINIC = "1018210117"  # 연세가정의원: phase 2, linked 2025-10-27
HOSPITAL = "2118700620"  # 튼튼병원: phase 1, linked 2025-01-23


def visit(day: date, *, institution: str = CLINIC, name: str = "연세가정의원", kind: str = "clinic",
          expected: int | None = 100_000, relay: tuple[str, ...] = ("RECEIPT",),
          other: tuple[str, ...] = ()) -> Subject:  # fmt: skip
    return Subject("e1", day, day, institution, name, kind, expected, relay, other)


def raw_participation(**institution: Any) -> dict[str, Any]:
    row = {"busnid": "1234567890", "name": "가", "kind": "clinic", "phase": "phase2", "linked": "2025-11-01",
           "source": "test"} | institution  # fmt: skip
    return {"launch": {"day": "2024-10-25", "source": "s"},
            "phases": {"phase2": {"name": "2단계", "kinds": ["clinic"], "from": "2025-10-25", "source": "s"}},
            "institutions": [row]}  # fmt: skip


class TestChoose:
    def test_a_visit_inside_a_linked_clinics_window_goes_through_silson24(self) -> None:
        choice = route.choose(visit(date(2025, 11, 3)), participation=P, costs=COSTS)
        assert choice.route is VisitRoute.SILSON24
        assert "2025-10-27부터 실손24에 연결" in choice.reason
        assert "UNCONFIRMED" in choice.source  # the demo link days are the operator's record, not a source
        assert choice.possible == {VisitRoute.SILSON24, VisitRoute.AGENT, VisitRoute.UPLOAD}

    def test_the_day_before_the_link_is_outside_and_an_agent_fetches_it(self) -> None:
        choice = route.choose(visit(date(2025, 10, 26)), participation=P, costs=COSTS)
        assert choice.route is VisitRoute.AGENT
        assert VisitRoute.SILSON24 in choice.refusals
        assert "2025-10-26 진료일의 서류는 실손24로 보낼 수 없어요" in choice.reason
        assert "100,000원에서 발급 수수료 0원과 방문 비용 15,000원을 빼면 85,000원이 남아" in choice.reason

    def test_an_institution_not_on_the_list_is_never_silson24_even_after_its_phase_started(self) -> None:
        choice = route.choose(visit(date(2026, 3, 1), institution="9998887776", name="새봄의원"), participation=P,
                              costs=COSTS)  # fmt: skip
        assert choice.route is VisitRoute.AGENT
        assert (
            "새봄의원은(는) 실손24 연결 목록에 없어요 (2025-11-25 기준 전체 요양기관의 22.0%만 연결)" in choice.reason
        )
        assert "2단계 (의원·약국) 기관은 2025-10-25부터 전송 의무" in choice.reason

    def test_a_small_payout_is_not_worth_a_trip_and_goes_to_the_upload(self) -> None:
        choice = route.choose(visit(date(2024, 5, 1), expected=24_000), participation=P, costs=COSTS)
        assert choice.route is VisitRoute.UPLOAD
        assert "9,000원이 남아 대리인 방문은 손해예요 (10,000원 이상 남아야 해요)" in choice.reason
        assert choice.trip == 0  # nobody travels

    def test_fee_caps_count_the_documents_an_agent_has_issued(self) -> None:
        # 27,000 − 3,000 (통원확인서) − 15,000 = 9,000 < 10,000: not worth it; without the 확인서, 12,000 is
        small = visit(date(2024, 5, 1), expected=27_000, other=("DIAG_DOC",))
        assert route.choose(small, participation=P, costs=COSTS).route is VisitRoute.UPLOAD
        assert route.choose(visit(date(2024, 5, 1), expected=27_000), participation=P,
                            costs=COSTS).route is VisitRoute.AGENT  # fmt: skip

    def test_silson24_leaves_the_certificates_it_does_not_carry_to_the_fallback(self) -> None:
        choice = route.choose(visit(date(2025, 11, 3), other=("DIAG_DOC",)), participation=P, costs=COSTS)
        assert (choice.route, choice.others) == (VisitRoute.SILSON24, VisitRoute.AGENT)
        assert choice.document_route == {True: VisitRoute.SILSON24, False: VisitRoute.AGENT}
        assert "실손24가 보내지 않는 서류(1종)는 현장 대리인이 받아 와요" in choice.reason

    def test_an_unknown_institution_can_only_be_uploaded(self) -> None:
        choice = route.choose(visit(date(2025, 11, 3), institution="", name=""), participation=P, costs=COSTS)
        assert choice.route is VisitRoute.UPLOAD and choice.possible == {VisitRoute.UPLOAD}

    def test_no_payout_figure_means_no_trip(self) -> None:
        choice = route.choose(visit(date(2024, 5, 1), expected=None), participation=P, costs=COSTS)
        assert choice.route is VisitRoute.UPLOAD and "예상 보험금을 아직 계산할 수 없어" in choice.reason

    def test_a_provider_year_must_lie_wholly_inside_the_window(self) -> None:
        year = Subject("spending:1", date(2025, 1, 1), date(2025, 12, 31), HOSPITAL, "튼튼병원", "hospital", 300_000)
        later = Subject("spending:2", date(2026, 1, 1), date(2026, 6, 30), HOSPITAL, "튼튼병원", "hospital", 300_000)
        assert route.choose(year, participation=P, costs=COSTS).route is VisitRoute.AGENT  # Jan 2025 precedes Jan 23
        assert route.choose(later, participation=P, costs=COSTS).route is VisitRoute.SILSON24

    def test_one_trip_carries_every_visit_at_the_institution(self) -> None:
        # alone, 15,000 − 15,000 leaves nothing; with two more visits there (20,000 and 3,000 in fees) it pays
        alone = visit(date(2024, 5, 1), institution="9998887776", name="새봄의원", expected=15_000)
        assert route.choose(alone, participation=P, costs=COSTS).route is VisitRoute.UPLOAD
        together = replace(alone, along=(2, 20_000, 3_000))
        choice = route.choose(together, participation=P, costs=COSTS)
        assert choice.route is VisitRoute.AGENT
        assert (
            "같은 기관의 다른 진료 2건과 한 번에 가면 예상 보험금 35,000원에서 발급 수수료 3,000원과" in choice.reason
        )

    def test_the_trip_cost_is_the_operators_setting(self) -> None:
        dear = route.parse_costs(
            route._read("data/trip.yaml"), {"SILSON_AGENT_TRIP_WON": "95000"}, on=date(2026, 11, 23)
        )
        assert route.choose(visit(date(2024, 5, 1)), participation=P, costs=dear).route is VisitRoute.UPLOAD


class TestOverride:
    def test_silson24_for_an_institution_that_is_not_linked_is_refused_with_the_reason(self) -> None:
        subject = visit(date(2025, 11, 3), institution="9998887776", name="새봄의원")
        own = route.choose(subject, participation=P, costs=COSTS)
        with pytest.raises(
            route.Impossible, match="실손24\\(으\\)로는 받을 수 없어요: 새봄의원은\\(는\\) 실손24 연결 목록에 없어요"
        ):
            route.override(subject, own, VisitRoute.SILSON24)

    def test_the_customer_may_take_the_upload_instead_of_silson24(self) -> None:
        subject = visit(date(2025, 11, 3), other=("DIAG_DOC",))
        picked = route.override(subject, route.choose(subject, participation=P, costs=COSTS), VisitRoute.UPLOAD)
        assert (picked.route, picked.others) == (VisitRoute.UPLOAD, VisitRoute.UPLOAD)
        assert picked.reason == "직접 고른 경로예요 (silson 추천: 실손24)."


days = st.dates(min_value=date(2023, 1, 1), max_value=date(2027, 12, 31))


class TestDateBoundary:
    @settings(max_examples=200, derandomize=True, deadline=None)
    @given(day=days)
    def test_silson24_exactly_from_the_link_day(self, day: date) -> None:
        choice = route.choose(visit(day), participation=P, costs=COSTS)
        assert (choice.route is VisitRoute.SILSON24) == (day >= date(2025, 10, 27))

    @settings(max_examples=100, derandomize=True, deadline=None)
    @given(day=days, gap=st.integers(min_value=1, max_value=400))
    def test_a_later_visit_never_loses_silson24(self, day: date, gap: int) -> None:
        early = route.choose(visit(day), participation=P, costs=COSTS).route is VisitRoute.SILSON24
        late = route.choose(visit(day + timedelta(days=gap)), participation=P, costs=COSTS).route is VisitRoute.SILSON24
        assert late or not early

    @settings(max_examples=100, derandomize=True, deadline=None)
    @given(day=days, until=days)
    def test_an_institution_that_left_is_reached_only_before_it_left(self, day: date, until: date) -> None:
        linked = date(2025, 11, 1)
        if until <= linked:
            return
        p = route.parse_participation(raw_participation(until=until.isoformat()))
        inside = route.relay_window(visit(day, institution="1234567890"), p)[0]
        assert inside == (linked <= day < until)

    @settings(max_examples=100, derandomize=True, deadline=None)
    @given(expected=st.integers(min_value=0, max_value=10_000_000), day=days)
    def test_an_agent_goes_only_when_the_payout_leaves_enough(self, expected: int, day: date) -> None:
        choice = route.choose(visit(day, institution="9998887776", expected=expected, other=("HI_INPATIENT_DIAG",)),
                              participation=P, costs=COSTS)  # fmt: skip
        assert (choice.route is VisitRoute.AGENT) == (expected - 20_000 - 15_000 >= 10_000)


class TestData:
    def test_every_provider_document_of_the_rule_table_has_a_fee_cap(self) -> None:
        table = checklist.load_table()
        provider = {c for c, d in table.documents.items() if d["from"] == "provider"}
        assert provider <= set(COSTS.caps)

    def test_the_caps_are_the_agents_dated_table_on_the_day_of_the_trip(self) -> None:
        raw = yaml.safe_load(resources.files("silson.agents").joinpath("data/fee_caps.yaml").read_text("utf-8"))
        raw["items"]["treatment_confirm"]["values"][date(2027, 1, 1)] = {"cap": 5000, "reference": "later 고시"}
        table = fees.parse(raw)
        trip = route._read("data/trip.yaml")
        before = route.parse_costs(trip, {}, on=date(2026, 12, 31), table=table)
        after = route.parse_costs(trip, {}, on=date(2027, 1, 1), table=table)
        assert before.caps["DIAG_DOC"][0] == COSTS.caps["DIAG_DOC"][0] == 3000  # 진료확인서, 고시 2017-09-21
        assert after.caps["DIAG_DOC"] == (5000, "진료확인서", "§6.4 later 고시")
        assert after.fees(["RECEIPT", "DIAG_DOC"]) == 5000

    def test_the_phases_are_the_legal_dates(self) -> None:
        assert {p.id: p.start for p in P.phases.values()} == {
            "phase1": date(2024, 10, 25),
            "phase2": date(2025, 10, 25),
        }

    @pytest.mark.parametrize(("change", "message"), [
        ({"linked": "2024-10-01"}, "before 실손24 opened"),
        ({"phase": "phase9"}, "unknown phase"),
        ({"kind": "hospital"}, "is not of phase2"),
        ({"until": "2025-11-01"}, "is not after linked"),
        ({"source": ""}, "names its source"),
        ({"busnid": None}, "needs ykiho"),
    ])  # fmt: skip
    def test_a_bad_participation_row_is_refused_naming_it(self, change: dict[str, Any], message: str) -> None:
        with pytest.raises(route.ParticipationError, match=message):
            route.parse_participation(raw_participation(**change))

    def test_an_institution_listed_twice_is_refused(self) -> None:
        raw = raw_participation()
        raw["institutions"].append(dict(raw["institutions"][0]))
        with pytest.raises(route.ParticipationError, match="listed twice"):
            route.parse_participation(raw)

    def test_the_operators_rows_add_institutions_and_replace_shipped_ones(self) -> None:
        extra = [{"ykiho": "31234567", "name": "새봄의원", "kind": "clinic", "phase": "phase2", "linked": "2026-01-05",
                  "source": "operator 2026-01"},
                 {"busnid": CLINIC, "name": "연세가정의원", "kind": "clinic", "phase": "phase2", "linked": "2025-12-01",
                  "source": "operator 2025-12"}]  # fmt: skip
        p = route.parse_participation(route._read("data/participation.yaml"), extra)
        assert p.find("3123-4567") is not None and p.find("3123-4567").confirmed  # type: ignore[union-attr]
        assert p.find(CLINIC).linked == date(2025, 12, 1)  # type: ignore[union-attr]
