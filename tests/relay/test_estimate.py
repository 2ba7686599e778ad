"""The estimate's route per provider-year (issue 18) is relay.route's choice, as on the claim's route page:
the same route and the same reason for a provider-year on the estimate and on the claim opened from it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from silson.access import Actor, Role
from silson.claims import start
from silson.discover.providers import ProviderDirectory
from silson.discover.stored import stored_report
from silson.privacy import at_rest, people
from silson.privacy.crypto import FileMasterKey
from silson.relay import estimate, plan, route
from silson.rules.catalogue import load_catalogue
from silson.store import repository as store
from silson.store.models import ClaimRow
from tests.claims.conftest import NOW, person_with_estimate

P = route.load_participation()
COSTS = route.parse_costs(route._read("data/trip.yaml"), {}, on=date(2026, 11, 23))
DIRECTORY = ProviderDirectory.load()
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
    status: str = "open"


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

    def test_a_lapsed_year_or_one_with_nothing_to_claim_adds_nothing_to_the_trip(self) -> None:
        small = Year(2024, "9998887776", "새봄의원", "clinic", Total(20_000))
        lapsed = Year(2023, "9998887776", "새봄의원", "clinic", Total(30_000), "lapsed")
        empty = Year(2025, "9998887776", "새봄의원", "clinic", Total(0))
        found = routes(small, lapsed, empty)[0]
        assert found.value == "upload" and "같은 기관" not in found.reason


class TestDocuments:
    def test_a_provider_year_asks_for_the_receipts_and_the_itemised_bill(self) -> None:
        assert estimate.provider_year_codes() == (("RECEIPT", "ITEMIZED"), ())


class TestSameRouteEverywhere:
    def test_the_estimate_and_the_claim_opened_from_it_give_each_provider_year_one_route_and_reason(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        catalogue = load_catalogue()
        pid = person_with_estimate(sessions, master)
        me = Actor(Role.CUSTOMER, person_id=pid)
        with sessions.begin() as s:
            report = stored_report(s, master, catalogue, DIRECTORY, me, person_id=pid, as_of=NOW.date(),
                                   now=NOW).persons[0]  # fmt: skip
            started = start.start(s, master, catalogue, DIRECTORY, me, person_id=pid, spending_ids=None,
                                  reclaim_reason=None, idempotency_key="k1", today=NOW.date(), now=NOW)  # fmt: skip
        by_year = {(p.year, p.provider_id): p for p in report.provider_years}
        compared = 0
        with sessions.begin() as s:
            key = people.data_key(s, master, pid)
            spending = {f"spending:{r.id}": (r.year, at_rest.open_provider(key, r)) for r in store.spending_of(s, pid)}
            for cid in started.claims:
                for visit in plan.plan(s, master, DIRECTORY, s.get(ClaimRow, cid), now=NOW):
                    p = by_year[spending[visit.subject.ref]]
                    assert (p.route, p.route_reason) == (
                        estimate.DISCOVER_VALUE[visit.choice.route], visit.choice.reason)  # fmt: skip
                    compared += 1
        assert compared >= 3  # the family example's open provider-years, at three institutions
