"""Starting claims from the estimate: one claim per insurer, no double claims (a live claim, a paid
claim, the B201Y amount), a re-claim after a denial only with a reason, a parent for a minor child,
never a family viewer; replays open nothing new."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session, sessionmaker

from silson.access import Actor, Forbidden
from silson.claims import representation, service, start
from silson.claims.lifecycle import Role, State
from silson.demo import EXAMPLES
from silson.discover.providers import ProviderDirectory
from silson.privacy import at_rest, family, people
from silson.privacy.crypto import FileMasterKey
from silson.rules.catalogue import Catalogue
from silson.store.models import ClaimItemRow, ClaimRow
from tests.claims.conftest import NOW, person_with_estimate

REVIEWER = Actor(Role.REVIEWER, staff_id="rev-1")
DIRECTORY = ProviderDirectory.load()


def _start(sessions: sessionmaker[Session], master: FileMasterKey, catalogue: Catalogue, actor: Actor, pid: int, *,
           picks: list[int] | None = None, key: str = "k1", reason: str | None = None) -> start.Started:  # fmt: skip
    with sessions.begin() as s:
        return start.start(s, master, catalogue, DIRECTORY, actor, person_id=pid, spending_ids=picks,
                           reclaim_reason=reason, idempotency_key=key, today=NOW.date(), now=NOW)  # fmt: skip


def _candidates(sessions: sessionmaker[Session], master: FileMasterKey, catalogue: Catalogue, pid: int,
                reason: str | None = None) -> list[start.Candidate]:  # fmt: skip
    with sessions.begin() as s:
        return start.candidates(s, master, catalogue, DIRECTORY, REVIEWER, person_id=pid, reclaim_reason=reason,
                                today=NOW.date(), now=NOW)  # fmt: skip


def _walk(sessions: sessionmaker[Session], master: FileMasterKey, claim: int, path: list[State]) -> None:
    system = Actor(Role.SYSTEM, staff_id="insurer")
    with sessions.begin() as s:
        for i, to in enumerate(path):
            actor = system if to in (State.ACKNOWLEDGED, State.PAID, State.REJECTED, State.CLOSED) else REVIEWER
            service.move(
                s, master, actor, claim_id=claim, to=to, reason="test", idempotency_key=f"walk-{claim}-{i}", now=NOW
            )


SENT = [State.IN_REVIEW, State.READY, State.SUBMITTED, State.ACKNOWLEDGED]


class TestStart:
    def test_everything_opens_one_claim_per_insurer_with_the_estimate_figures(
        self, sessions: sessionmaker[Session], master: FileMasterKey, catalogue: Catalogue
    ) -> None:
        pid = person_with_estimate(sessions, master)
        me = Actor(Role.CUSTOMER, person_id=pid)
        estimate = {(c.event_ref, c.contract_ref): c.expected for c in _candidates(sessions, master, catalogue, pid)
                    if c.status != "refused"}  # fmt: skip
        done = _start(sessions, master, catalogue, me, pid)
        assert len(done.claims) == 1  # 김민준 has one 실손 contract, with 현대해상
        with sessions.begin() as s:
            claim = s.get(ClaimRow, done.claims[0])
            assert claim is not None and (claim.insurer, claim.state) == ("현대해상", "draft")
            items = s.query(ClaimItemRow).filter_by(claim_id=claim.id).all()
        # every provider-year still claimable, at the estimate's typical figure; 2023 is partly past the
        # limitation and shows 실손 received (B201Y): flagged, not dropped
        assert {(i.event_ref, i.contract_ref): i.amount for i in items} == estimate
        assert {i.event_date.year for i in items} == {2023, 2024, 2025}
        assert {c.code for c in done.flagged} >= {"partly_lapsed", "b201y_partly"}
        with sessions.begin() as s:
            key = people.data_key(s, master, pid)
        notes = [at_rest.open_text(key, at_rest.ITEM_NOTE, i.note_sealed) for i in items if i.event_date.year == 2023]
        assert notes and all(notes)  # flagged with why, sealed under the person's key

    def test_a_provider_year_on_a_live_claim_is_refused_with_the_claim_number(
        self, sessions: sessionmaker[Session], master: FileMasterKey, catalogue: Catalogue
    ) -> None:
        pid = person_with_estimate(sessions, master)
        me = Actor(Role.CUSTOMER, person_id=pid)
        first = _start(sessions, master, catalogue, me, pid, key="a")
        again = _candidates(sessions, master, catalogue, pid)
        refused = {c.code for c in again}
        assert refused == {"already_on_claim"}
        assert all(c.reason == f"이미 청구 #{first.claims[0]}에 들어 있어요." for c in again)
        with pytest.raises(start.NothingToClaim, match="이미 청구"):
            _start(sessions, master, catalogue, me, pid, key="b")

    def test_a_replayed_request_opens_nothing_new(
        self, sessions: sessionmaker[Session], master: FileMasterKey, catalogue: Catalogue
    ) -> None:
        pid = person_with_estimate(sessions, master)
        me = Actor(Role.CUSTOMER, person_id=pid)
        first = _start(sessions, master, catalogue, me, pid, key="same")
        second = _start(sessions, master, catalogue, me, pid, key="same")
        assert second.claims == first.claims
        with sessions.begin() as s:
            assert s.query(ClaimRow).filter_by(person_id=pid).count() == 1

    def test_a_paid_claim_refuses_its_provider_years(
        self, sessions: sessionmaker[Session], master: FileMasterKey, catalogue: Catalogue
    ) -> None:
        pid = person_with_estimate(sessions, master)
        done = _start(sessions, master, catalogue, REVIEWER, pid)
        _walk(sessions, master, done.claims[0], [*SENT, State.PAID, State.CLOSED])
        codes = {c.code for c in _candidates(sessions, master, catalogue, pid)}
        assert codes == {"already_paid"}

    def test_after_a_denial_a_reclaim_needs_a_reason_and_records_it(
        self, sessions: sessionmaker[Session], master: FileMasterKey, catalogue: Catalogue
    ) -> None:
        pid = person_with_estimate(sessions, master)
        done = _start(sessions, master, catalogue, REVIEWER, pid)
        _walk(sessions, master, done.claims[0], [*SENT, State.REJECTED])
        assert {c.code for c in _candidates(sessions, master, catalogue, pid)} == {"denied_needs_reason"}
        with pytest.raises(start.NothingToClaim, match="사유"):
            _start(sessions, master, catalogue, REVIEWER, pid, key="no-reason")
        again = _start(sessions, master, catalogue, REVIEWER, pid, key="with-reason", reason="세부내역서를 새로 받음")
        with sessions.begin() as s:
            items = s.query(ClaimItemRow).filter_by(claim_id=again.claims[0]).all()
            key = people.data_key(s, master, pid)
            said = {at_rest.open_text(key, at_rest.RECLAIM_REASON, i.reclaim_reason_sealed) for i in items}
        assert items and all(i.reclaim_of == done.claims[0] for i in items)
        assert said == {"세부내역서를 새로 받음"}  # sealed under the person's key, opened with it

    def test_b201y_covering_the_whole_year_refuses_the_item_it_was_taken_off(
        self, sessions: sessionmaker[Session], master: FileMasterKey, catalogue: Catalogue
    ) -> None:
        xml = (EXAMPLES / "hometax-2023-2025.xml").read_text(encoding="utf-8").replace(
            "<sum>1200000</sum>", "<sum>9000000</sum>")  # fmt: skip
        pid = person_with_estimate(sessions, master, hometax=xml)
        found = _candidates(sessions, master, catalogue, pid)
        paid = [c for c in found if c.code == "paid_per_b201y"]
        assert paid and all(c.year == 2023 and c.received > 0 for c in paid)
        assert "9,000,000원" in (paid[0].reason or "")
        me = Actor(Role.CUSTOMER, person_id=pid)
        with pytest.raises(start.NothingToClaim, match="수령 기록"):
            _start(sessions, master, catalogue, me, pid, picks=[paid[0].spending_id])

    def test_unknown_provider_year_names_the_field(
        self, sessions: sessionmaker[Session], master: FileMasterKey, catalogue: Catalogue
    ) -> None:
        pid = person_with_estimate(sessions, master)
        with pytest.raises(ValueError, match="provider_years: #99999"):
            _start(sessions, master, catalogue, REVIEWER, pid, picks=[99999])


class TestWhoMayClaim:
    def test_a_family_viewer_may_not_open_a_claim(
        self, sessions: sessionmaker[Session], master: FileMasterKey, catalogue: Catalogue
    ) -> None:
        kim = person_with_estimate(sessions, master)
        with sessions.begin() as s:
            lee = people.register(s, master, name="이서연", birth_date=date(1988, 9, 3), phone="010-3377-9182",
                                  rrn=None, now=NOW)  # fmt: skip
            link = family.invite(s, Actor(Role.CUSTOMER, person_id=lee), inviter_id=lee, member_id=kim, now=NOW)
            family.accept(s, Actor(Role.CUSTOMER, person_id=kim), link_id=link, now=NOW)
        viewer = Actor(Role.CUSTOMER, person_id=lee, views=frozenset({kim}))
        with pytest.raises(Forbidden, match="가족은 청구 내역을 볼 수만"):
            _start(sessions, master, catalogue, viewer, kim)
        with pytest.raises(Forbidden):
            _start(sessions, master, catalogue, Actor(Role.FAMILY_VIEWER, person_id=lee, views=frozenset({kim})), kim)

    def test_a_parent_opens_a_claim_for_their_minor_child(
        self, sessions: sessionmaker[Session], master: FileMasterKey, catalogue: Catalogue
    ) -> None:
        child = person_with_estimate(sessions, master, name="김하늘", born=date(2015, 3, 1), phone="010-0000-0001")
        with sessions.begin() as s:
            parent = people.register(s, master, name="김민준", birth_date=date(1985, 4, 12), phone="010-4821-7730",
                                     rrn=None, now=NOW)  # fmt: skip
        me = Actor(Role.CUSTOMER, person_id=parent)
        with pytest.raises(Forbidden):  # not yet recorded as 친권자
            _start(sessions, master, catalogue, me, child)
        with sessions.begin() as s:
            representation.record_guardian(s, master, REVIEWER, guardian_id=parent, ward_id=child, now=NOW)
        done = _start(sessions, master, catalogue, me, child)
        with sessions.begin() as s:
            claim = s.get(ClaimRow, done.claims[0])
            assert claim is not None and claim.person_id == child

    def test_an_adult_child_is_not_recorded_as_a_ward(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        with sessions.begin() as s:
            a = people.register(s, master, name="가", birth_date=date(1960, 1, 1), phone="010-1", rrn=None, now=NOW)
            b = people.register(s, master, name="나", birth_date=date(2000, 1, 1), phone="010-2", rrn=None, now=NOW)
            with pytest.raises(ValueError, match="성년"):
                representation.record_guardian(s, master, REVIEWER, guardian_id=a, ward_id=b, now=NOW)


class TestEndpoints:
    def test_customer_opens_from_the_estimate_and_a_family_viewer_gets_403(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        from fastapi.testclient import TestClient

        from silson.adapters.identity import Identity, SandboxIdentity
        from silson.web.app import Services, create_app
        from tests.store.test_api import sign_in

        kim_id, lee_id = Identity("김민준", date(1985, 4, 12), "010-4821-7730"), Identity("이서연", date(1988, 9, 3),
                                                                                       "010-3377-9182")  # fmt: skip
        kim = person_with_estimate(sessions, master)
        with sessions.begin() as s:
            lee = people.register(s, master, name=lee_id.name, birth_date=lee_id.birth_date, phone=lee_id.phone,
                                  rrn=None, now=NOW)  # fmt: skip
            link = family.invite(s, Actor(Role.CUSTOMER, person_id=lee), inviter_id=lee, member_id=kim, now=NOW)
            family.accept(s, Actor(Role.CUSTOMER, person_id=kim), link_id=link, now=NOW)
        client = TestClient(create_app(Services(sessions, master, SandboxIdentity([kim_id, lee_id]), {}),
                                       run_jobs=False))  # fmt: skip
        as_lee = sign_in(client, lee_id)
        refused = client.post(f"/api/people/{kim}/claims", json={"everything": True, "idempotency_key": "x"},
                              headers=as_lee)  # fmt: skip
        assert refused.status_code == 403 and refused.json()["code"] == "forbidden", refused.text
        as_kim = sign_in(client, kim_id)
        listed = client.get(f"/api/people/{kim}/claimable", headers=as_kim).json()
        picks = [c["provider_year"] for c in listed if c["status"] == "ok"]
        made = client.post(f"/api/people/{kim}/claims", json={"provider_years": picks, "idempotency_key": "y"},
                           headers=as_kim)  # fmt: skip
        assert made.status_code == 201, made.text
        assert [c["insurer"] for c in made.json()["claims"]] == ["현대해상"]
        again = client.post(f"/api/people/{kim}/claims", json={"provider_years": picks, "idempotency_key": "z"},
                            headers=as_kim)  # fmt: skip
        assert again.status_code == 409 and again.json()["code"] == "nothing_to_claim"
        assert "이미 청구" in again.json()["message"]
