"""The estimate's route per provider-year (issue 18) is relay.route's choice, as on the claim's route page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from silson.relay import estimate, route

P = route.load_participation()
COSTS = route.parse_costs(route._read("data/trip.yaml"), {}, on=date(2026, 11, 23))
HOSPITAL = "2118700620"  # 튼튼병원: phase 1, linked 2025-01-23


@dataclass
class Total:
    typical: int


@dataclass
class Year:
    year: int
    provider_id: str
    provider_name: str
    kind: str
    total: Total


def routes(*years: Year, as_of: date = date(2026, 11, 23)) -> list[estimate.EstimateRoute]:
    return estimate.routes(years, as_of=as_of, participation=P, costs=COSTS)


class TestRoutes:
    def test_a_year_wholly_after_the_link_goes_through_silson24(self) -> None:
        (found,) = routes(Year(2026, HOSPITAL, "튼튼병원", "hospital", Total(50_000)))
        assert found.value == "실손24"
        assert found.reason == route.choose(
            estimate.subject_of(Year(2026, HOSPITAL, "튼튼병원", "hospital", Total(50_000)), as_of=date(2026, 11, 23)),
            participation=P, costs=COSTS,
        ).reason  # fmt: skip
        assert "2026-01-01~2026-11-23 진료의 영수증·세부내역서를 보낼 수 있어요" in found.reason

    def test_the_year_of_the_link_is_not_wholly_inside_and_an_agent_fetches_it(self) -> None:
        (found,) = routes(Year(2025, HOSPITAL, "튼튼병원", "hospital", Total(50_000)))
        assert found.value == "agent"
        assert "2025-01-01~2025-12-31 진료 기간의 서류는 실손24로 보낼 수 없어요" in found.reason

    def test_a_small_year_at_an_unlisted_clinic_is_uploaded(self) -> None:
        (found,) = routes(Year(2024, "9998887776", "새봄의원", "clinic", Total(20_000)))
        assert found.value == "upload"
        assert "실손24 연결 목록에 없어요" in found.reason and "대리인 방문은 손해예요" in found.reason

    def test_years_at_one_institution_share_the_trip(self) -> None:
        small = Year(2023, "9998887776", "새봄의원", "clinic", Total(20_000))
        alone, together = routes(small)[0], routes(small, Year(2024, "9998887776", "새봄의원", "clinic", Total(30_000)))
        assert alone.value == "upload"
        assert [r.value for r in together] == ["agent", "agent"]
        assert "같은 기관의 다른 진료 1건과 한 번에 가면 예상 보험금 50,000원" in together[0].reason


class TestDocuments:
    def test_a_provider_year_asks_for_the_receipts_and_the_itemised_bill(self) -> None:
        assert estimate.provider_year_codes() == (("RECEIPT", "ITEMIZED"), ())
