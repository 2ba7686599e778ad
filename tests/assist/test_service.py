"""Assisted mode on both databases: staff act for a person only under the person's recorded request
(and only for what it covers, while it lasts), every action is audited as 대리 처리 with the staff
member and listed to the person; another person's ids, the wrong role and an ended request are refused."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from silson.access import Actor, Forbidden, Role
from silson.assist import service as assist
from silson.assist.models import AssistRequestRow
from silson.claims import repository
from silson.discover.providers import ProviderDirectory
from silson.errors import Invalid, NotFound
from silson.privacy import people, withdrawal
from silson.privacy.crypto import FileMasterKey
from silson.relay.route import VisitRoute
from silson.rules.catalogue import Catalogue
from silson.store.models import AuditRow, ClaimRow
from tests.claims.conftest import NOW, person_with_estimate

DIRECTORY = ProviderDirectory.load()
PARK = Actor(Role.ASSISTANT, staff_id="call-park")
KIM = {"name": "김민준", "birth_date": date(1985, 4, 12), "phone": "010-4821-7730"}


def request(s: Session, master: FileMasterKey, staff: Actor = PARK, **change: Any) -> int:
    args: dict[str, Any] = KIM | {"channel": "phone", "requested_on": NOW.date(), "consent": "recorded_call",
                                  "covers": ["claim.open", "route.choose"], "note": "허리 통증 진료 청구 도움"} | change  # fmt: skip
    return assist.record_request(s, master, staff, now=NOW, **args).id


def audit(s: Session, action: str) -> list[tuple[str, dict[str, Any]]]:
    rows = s.scalars(select(AuditRow).where(AuditRow.action == action).order_by(AuditRow.id)).all()
    return [(r.actor, json.loads(r.detail)) for r in rows]


class TestRequest:
    def test_a_request_is_found_by_all_three_facts_sealed_and_audited(self, sessions: sessionmaker[Session],
                                                                      master: FileMasterKey) -> None:  # fmt: skip
        pid = person_with_estimate(sessions, master)
        with sessions.begin() as s:
            row = s.get(AssistRequestRow, request(s, master))
            assert row is not None and row.person_id == pid and row.expires_on == NOW.date() + timedelta(days=30)
            assert b"\xed\x97\x88\xeb\xa6\xac" not in row.note_sealed  # "허리" is not in the column
            assert assist.note_of(s, master, row) == "허리 통증 진료 청구 도움"
            ((actor, detail),) = audit(s, "assist.requested")
        assert actor == "assistant:call-park" and detail["mode"] == "대리 처리" and detail["channel"] == "phone"
        assert detail["covers"] == ["claim.open", "route.choose"] and "note" not in detail

    @pytest.mark.parametrize(
        "wrong", [{"name": "김민수"}, {"birth_date": date(1985, 4, 13)}, {"phone": "010-0000-0000"}]
    )
    def test_one_wrong_fact_finds_nobody_and_says_not_which(self, sessions: sessionmaker[Session],
                                                            master: FileMasterKey, wrong: dict[str, Any]) -> None:  # fmt: skip
        person_with_estimate(sessions, master)
        with sessions.begin() as s, pytest.raises(NotFound, match="모두 맞는 회원을 찾을 수 없어요"):
            request(s, master, **wrong)

    @pytest.mark.parametrize(("change", "field"), [
        ({"channel": "sms"}, "channel"), ({"covers": []}, "covers"), ({"covers": ["claim.delete"]}, "covers"),
        ({"consent": "nodded"}, "consent"), ({"requested_on": NOW.date() + timedelta(days=1)}, "requested_on"),
        ({"requested_on": NOW.date() - timedelta(days=8)}, "requested_on"), ({"note": "가" * 501}, "note"),
    ])  # fmt: skip
    def test_bad_fields_are_refused_by_name_and_nothing_is_stored(
        self, sessions: sessionmaker[Session], master: FileMasterKey, change: dict[str, Any], field: str
    ) -> None:
        person_with_estimate(sessions, master)
        with sessions.begin() as s, pytest.raises(Invalid) as refused:
            request(s, master, **change)
        assert refused.value.field == field
        with sessions.begin() as s:
            assert s.scalars(select(AssistRequestRow)).first() is None

    @pytest.mark.parametrize("who", [Actor(Role.REVIEWER, staff_id="rev"), Actor(Role.CUSTOMER, person_id=1),
                                     Actor(Role.ASSISTANT)])  # fmt: skip
    def test_only_call_center_staff_record_requests(self, sessions: sessionmaker[Session], master: FileMasterKey,
                                                    who: Actor) -> None:  # fmt: skip
        person_with_estimate(sessions, master)
        with sessions.begin() as s, pytest.raises(Forbidden):
            request(s, master, staff=who)


class TestActing:
    def test_without_a_recorded_request_staff_are_refused(self, sessions: sessionmaker[Session], master: FileMasterKey,
                                                         catalogue: Catalogue) -> None:  # fmt: skip
        pid = person_with_estimate(sessions, master)
        with sessions.begin() as s, pytest.raises(assist.NoRequest, match="요청한 기록이 없어요"):
            assist.open_claims(
                s, master, catalogue, DIRECTORY, PARK, person_id=pid, spending_ids=None, key="k", now=NOW
            )
        with sessions.begin() as s:
            assert s.scalars(select(ClaimRow)).first() is None

    def test_a_request_for_one_person_does_not_reach_another(self, sessions: sessionmaker[Session],
                                                             master: FileMasterKey, catalogue: Catalogue) -> None:  # fmt: skip
        person_with_estimate(sessions, master)
        other = person_with_estimate(sessions, master, name="정하늘", phone="010-9191-2020")
        with sessions.begin() as s:
            request(s, master)
        with sessions.begin() as s, pytest.raises(assist.NoRequest):
            assist.open_claims(s, master, catalogue, DIRECTORY, PARK, person_id=other, spending_ids=None, key="k",
                               now=NOW)  # fmt: skip

    def test_the_assistant_actor_reads_nobody_by_itself(self, sessions: sessionmaker[Session],
                                                        master: FileMasterKey) -> None:  # fmt: skip
        pid = person_with_estimate(sessions, master)
        with sessions.begin() as s, pytest.raises(Forbidden):
            people.read(s, master, PARK, pid, NOW)

    def test_an_action_the_request_does_not_cover_is_refused(self, sessions: sessionmaker[Session],
                                                             master: FileMasterKey, catalogue: Catalogue) -> None:  # fmt: skip
        pid = person_with_estimate(sessions, master)
        with sessions.begin() as s:
            request(s, master, covers=["route.choose"])
        with sessions.begin() as s, pytest.raises(assist.NoRequest, match="청구 열기"):
            assist.open_claims(
                s, master, catalogue, DIRECTORY, PARK, person_id=pid, spending_ids=None, key="k", now=NOW
            )

    def test_an_expired_or_ended_request_stops_the_staff(self, sessions: sessionmaker[Session], master: FileMasterKey,
                                                        catalogue: Catalogue) -> None:  # fmt: skip
        pid = person_with_estimate(sessions, master)
        with sessions.begin() as s:
            rid = request(s, master)
        later = NOW + timedelta(days=31)
        with sessions.begin() as s, pytest.raises(assist.NoRequest):
            assist.open_claims(s, master, catalogue, DIRECTORY, PARK, person_id=pid, spending_ids=None, key="k",
                               now=later)  # fmt: skip
        with sessions.begin() as s:
            assist.end_request(s, Actor(Role.CUSTOMER, person_id=pid), person_id=pid, request_id=rid, now=NOW)
        with sessions.begin() as s, pytest.raises(assist.NoRequest):
            assist.open_claims(
                s, master, catalogue, DIRECTORY, PARK, person_id=pid, spending_ids=None, key="k", now=NOW
            )

    def test_another_person_cannot_end_my_request(self, sessions: sessionmaker[Session], master: FileMasterKey) -> None:
        pid = person_with_estimate(sessions, master)
        with sessions.begin() as s:
            rid = request(s, master)
        with sessions.begin() as s, pytest.raises(NotFound):
            assist.end_request(s, Actor(Role.CUSTOMER, person_id=pid + 1), person_id=pid + 1, request_id=rid, now=NOW)
        with sessions.begin() as s, pytest.raises(Forbidden):
            assist.end_request(s, Actor(Role.CUSTOMER, person_id=pid + 1), person_id=pid, request_id=rid, now=NOW)

    def test_staff_open_a_claim_audited_as_assisted_and_the_person_sees_it(
        self, sessions: sessionmaker[Session], master: FileMasterKey, catalogue: Catalogue
    ) -> None:
        pid = person_with_estimate(sessions, master)
        with sessions.begin() as s:
            rid = request(s, master)
            done = assist.open_claims(s, master, catalogue, DIRECTORY, PARK, person_id=pid, spending_ids=None, key="k",
                                      now=NOW)  # fmt: skip
            replay = assist.open_claims(s, master, catalogue, DIRECTORY, PARK, person_id=pid, spending_ids=None,
                                        key="k", now=NOW)  # fmt: skip
        assert done.claims and replay.claims == done.claims
        with sessions.begin() as s:
            seen = assist.actions_of(s, Actor(Role.CUSTOMER, person_id=pid), person_id=pid)
            opened = audit(s, "claim.opened")
            acted = audit(s, "assist.acted")
        assert [(a.staff_id, a.action, a.claim_id, a.request_id) for a in seen] == \
            [("call-park", "claim.open", c, rid) for c in reversed(done.claims)]  # fmt: skip
        assert seen[0].summary == f"청구 #{done.claims[-1]} (현대해상)을(를) 열었어요."
        assert opened == [("assistant:call-park", {"insurer": "현대해상", "items": opened[0][1]["items"],
                                                   "claimant": "assisted"})]  # fmt: skip
        assert [(a, d["mode"], d["staff"], d["request"]) for a, d in acted] == [
            ("assistant:call-park", "대리 처리", "call-park", rid)]  # fmt: skip

    def test_the_actions_are_the_persons_to_see_not_another_customers(self, sessions: sessionmaker[Session],
                                                                      master: FileMasterKey) -> None:  # fmt: skip
        pid = person_with_estimate(sessions, master)
        with sessions.begin() as s, pytest.raises(Forbidden):
            assist.actions_of(s, Actor(Role.CUSTOMER, person_id=pid + 1, views=frozenset({pid})), person_id=pid)

    def test_staff_choose_a_route_for_the_person(self, sessions: sessionmaker[Session], master: FileMasterKey,
                                                 catalogue: Catalogue) -> None:  # fmt: skip
        pid = person_with_estimate(sessions, master)
        with sessions.begin() as s:
            request(s, master)
            claim = assist.open_claims(s, master, catalogue, DIRECTORY, PARK, person_id=pid, spending_ids=None,
                                       key="k", now=NOW).claims[0]  # fmt: skip
            ref = next(i.event_ref for i in repository.items_of_claim(s, claim))
            assist.choose_route(s, master, DIRECTORY, PARK, claim_id=claim, subject=ref, to=VisitRoute.UPLOAD, now=NOW)
            chosen = audit(s, "claim.route_chosen")
            seen = assist.actions_of(s, Actor(Role.CUSTOMER, person_id=pid), person_id=pid, claim_id=claim)
        assert chosen[0][0] == "assistant:call-park" and chosen[0][1]["to"] == "upload"
        assert seen[0].action == "route.choose" and "'직접 올리기'(으)로 골랐어요" in seen[0].summary

    def test_large_text_is_the_persons_or_covered_staffs_to_set(self, sessions: sessionmaker[Session],
                                                               master: FileMasterKey) -> None:  # fmt: skip
        pid = person_with_estimate(sessions, master)
        with sessions.begin() as s:
            assert assist.set_large_text(s, Actor(Role.CUSTOMER, person_id=pid), person_id=pid, on=True, now=NOW)
            assert assist.large_text(s, pid)
            with pytest.raises(Forbidden):
                assist.set_large_text(s, Actor(Role.CUSTOMER, person_id=pid + 1), person_id=pid, on=False, now=NOW)
            with pytest.raises(assist.NoRequest):
                assist.set_large_text(s, PARK, person_id=pid, on=False, now=NOW)
            request(s, master, covers=["display.set"])
            assist.set_large_text(s, PARK, person_id=pid, on=False, now=NOW)
            assert not assist.large_text(s, pid)
            assert (
                assist.actions_of(s, Actor(Role.CUSTOMER, person_id=pid), person_id=pid)[0].summary
                == "큰 글씨 화면을 껐어요."
            )


class TestClosingAccount:
    def test_nothing_is_done_for_a_person_who_asked_to_withdraw(self, sessions: sessionmaker[Session],
                                                                master: FileMasterKey, catalogue: Catalogue) -> None:  # fmt: skip
        pid = person_with_estimate(sessions, master)
        with sessions.begin() as s:
            request(s, master)
            withdrawal.request(s, master, person_id=pid, now=NOW, **KIM)
        with sessions.begin() as s, pytest.raises(people.AccountClosing):
            assist.open_claims(
                s, master, catalogue, DIRECTORY, PARK, person_id=pid, spending_ids=None, key="k", now=NOW
            )
