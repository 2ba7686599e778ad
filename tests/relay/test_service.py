"""The relay's use cases on both databases: the routes of a claim's visits, the customer's own pick
(stored, audited, the checklist following; impossible picks refused with the reason), and recording
what went through 실손24 (by hand or through the sandbox relay), which takes those documents off
what silson still gathers. Attackers: another person's claim, a family viewer, a replayed form."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from silson.access import Actor, Forbidden, Role
from silson.claims import checklist, events
from silson.claims import service as claims
from silson.discover.providers import ProviderDirectory
from silson.errors import Conflict, Invalid, NotFound
from silson.privacy import people
from silson.privacy.crypto import FileMasterKey
from silson.relay import route, service
from silson.relay.port import RelayClaim, RelayVisit
from silson.relay.route import VisitRoute
from silson.relay.sandbox import SandboxRelay
from silson.store import repository
from silson.store.models import AuditRow
from tests.claims.conftest import NOW

DIRECTORY = ProviderDirectory.load()
REVIEWER = Actor(Role.REVIEWER, staff_id="rev-1")
HOSPITAL = {"kind": "hospital", "code": "2118700620", "name": "튼튼병원"}  # linked 2025-01-23
UNLINKED = {"kind": "clinic", "code": "31234567", "name": "새봄의원"}


def claim_with_visits(
    sessions: sessionmaker[Session], master: FileMasterKey, *visits: dict[str, Any]
) -> tuple[int, int]:
    """A customer's claim with the given visits, as a reviewer enters them from receipts."""
    with sessions.begin() as s:
        pid = people.register(s, master, name="최유나", birth_date=date(1979, 2, 3), phone="010-2222-3434", rrn=None,
                              now=NOW)  # fmt: skip
        me = Actor(Role.CUSTOMER, person_id=pid)
        cid = claims.open_claim(s, me, person_id=pid, insurer="현대해상",
                                items=[claims.ItemIn("spending:0", "contract:0", date(2025, 8, 11), 0)], now=NOW)  # fmt: skip
        for v in visits:
            events.add(s, master, REVIEWER, claim_id=cid, event=v, now=NOW)
    return pid, cid


def outpatient(day: str, place: dict[str, str], copay: int = 25_000, noncovered: int = 60_000) -> dict[str, Any]:
    return {"kind": "outpatient", "date": day, "cause": "disease", "kcd": ["M54.5"], "institution": place,
            "covered_copay": copay, "noncovered": noncovered}  # fmt: skip


def audit(s: Session, action: str) -> list[dict[str, Any]]:
    return [json.loads(r.detail) for r in s.scalars(select(AuditRow).where(AuditRow.action == action)).all()]


class TestRoutes:
    def test_each_visit_gets_its_route_and_reason(self, sessions: sessionmaker[Session], master: FileMasterKey) -> None:
        pid, cid = claim_with_visits(sessions, master, outpatient("2025-08-11", HOSPITAL),
                                     outpatient("2024-12-02", HOSPITAL), outpatient("2025-08-12", UNLINKED))  # fmt: skip
        with sessions.begin() as s:
            _claim, plans = service.routes(s, master, DIRECTORY, Actor(Role.CUSTOMER, person_id=pid), claim_id=cid,
                                           now=NOW)  # fmt: skip
        by = {p.subject.days: p for p in plans}
        assert by["2025-08-11"].choice.route is VisitRoute.SILSON24
        assert "튼튼병원은(는) 2025-01-23부터 실손24에 연결" in by["2025-08-11"].choice.reason
        assert by["2024-12-02"].choice.route is not VisitRoute.SILSON24  # before the hospital was linked
        assert VisitRoute.SILSON24 in by["2025-08-12"].choice.refusals
        assert all(p.choice.source for p in plans)

    def test_the_checklist_routes_documents_the_way_their_visit_goes(self, sessions: sessionmaker[Session],
                                                                      master: FileMasterKey) -> None:  # fmt: skip
        _pid, cid = claim_with_visits(sessions, master, outpatient("2025-08-11", HOSPITAL))
        with sessions.begin() as s:
            rows = checklist.checklist(s, master, DIRECTORY, REVIEWER, claim_id=cid, now=NOW)
        visit = {r.code: r.route for r in rows if r.subject != "claim"}
        # 현대해상 외래 85,000원 (seed 004 p.10): receipt and 세부내역서 by 실손24; the document with the code is
        # not one 실손24 carries, and with no contract on file there is no payout figure to pay a trip from
        assert visit == {"RECEIPT": "silson24", "ITEMIZED": "silson24", "CODE_DOC": "upload"}

    def test_another_persons_claim_is_answered_as_missing(self, sessions: sessionmaker[Session],
                                                          master: FileMasterKey) -> None:  # fmt: skip
        _pid, cid = claim_with_visits(sessions, master, outpatient("2025-08-11", HOSPITAL))
        with sessions.begin() as s, pytest.raises(NotFound):
            service.routes(s, master, DIRECTORY, Actor(Role.CUSTOMER, person_id=999), claim_id=cid, now=NOW)


class TestChoose:
    def test_the_customers_pick_is_stored_audited_and_moves_the_checklist(self, sessions: sessionmaker[Session],
                                                                           master: FileMasterKey) -> None:  # fmt: skip
        pid, cid = claim_with_visits(sessions, master, outpatient("2025-08-11", HOSPITAL))
        me = Actor(Role.CUSTOMER, person_id=pid)
        with sessions.begin() as s:
            picked = service.choose(s, master, DIRECTORY, me, claim_id=cid, subject=f"e{_first_event(s, cid)}", to=VisitRoute.UPLOAD,
                                    now=NOW)  # fmt: skip
            again = service.choose(s, master, DIRECTORY, me, claim_id=cid, subject=f"e{_first_event(s, cid)}", to=VisitRoute.UPLOAD,
                                   now=NOW)  # fmt: skip
            routes = {r.route for r in checklist.checklist(s, master, DIRECTORY, me, claim_id=cid, now=NOW)
                      if r.subject != "claim"}  # fmt: skip
            trail = audit(s, "claim.route_chosen")
        assert picked.choice.route is VisitRoute.UPLOAD and picked.chosen_by == f"customer:{pid}"
        assert picked.silson.route is VisitRoute.SILSON24 and again.choice.route is VisitRoute.UPLOAD
        assert routes == {"upload"}
        assert trail == [{"subject": picked.subject.ref, "from": "silson24", "to": "upload", "silson": "silson24"}]

    def test_silson24_for_an_unlinked_clinic_is_refused_with_the_reason(self, sessions: sessionmaker[Session],
                                                                       master: FileMasterKey) -> None:  # fmt: skip
        pid, cid = claim_with_visits(sessions, master, outpatient("2025-08-12", UNLINKED))
        with sessions.begin() as s:
            ref = f"e{_first_event(s, cid)}"
            with pytest.raises(route.Impossible, match="새봄의원은\\(는\\) 실손24 연결 목록에 없어요") as refused:
                service.choose(s, master, DIRECTORY, Actor(Role.CUSTOMER, person_id=pid), claim_id=cid, subject=ref,
                               to=VisitRoute.SILSON24, now=NOW)  # fmt: skip
        assert refused.value.field == "route"
        with sessions.begin() as s:
            assert audit(s, "claim.route_chosen") == []

    @pytest.mark.parametrize("who", [Actor(Role.CUSTOMER, person_id=999), Actor(Role.FAMILY_VIEWER, person_id=998)])
    def test_someone_else_cannot_pick(self, sessions: sessionmaker[Session], master: FileMasterKey, who: Actor) -> None:
        _pid, cid = claim_with_visits(sessions, master, outpatient("2025-08-11", HOSPITAL))
        with sessions.begin() as s, pytest.raises((NotFound, Forbidden)):
            service.choose(
                s,
                master,
                DIRECTORY,
                who,
                claim_id=cid,
                subject=f"e{_first_event(s, cid)}",
                to=VisitRoute.UPLOAD,
                now=NOW,
            )

    def test_a_family_viewer_who_may_read_still_cannot_pick(self, sessions: sessionmaker[Session],
                                                            master: FileMasterKey) -> None:  # fmt: skip
        pid, cid = claim_with_visits(sessions, master, outpatient("2025-08-11", HOSPITAL))
        viewer = Actor(Role.CUSTOMER, person_id=pid + 100, views=frozenset({pid}))
        with sessions.begin() as s, pytest.raises((NotFound, Forbidden)):
            service.choose(s, master, DIRECTORY, viewer, claim_id=cid, subject=f"e{_first_event(s, cid)}", to=VisitRoute.UPLOAD,
                           now=NOW)  # fmt: skip

    def test_a_subject_of_another_claim_is_not_found(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        pid, cid = claim_with_visits(sessions, master, outpatient("2025-08-11", HOSPITAL))
        with sessions.begin() as s, pytest.raises(NotFound):
            service.choose(s, master, DIRECTORY, Actor(Role.CUSTOMER, person_id=pid), claim_id=cid, subject="e99999",
                           to=VisitRoute.UPLOAD, now=NOW)  # fmt: skip


def _first_event(s: Session, cid: int) -> int:
    return repository.events_of_claim(s, cid)[0].id


class TestRecord:
    def _sent(self, sessions: sessionmaker[Session], master: FileMasterKey, **change: Any) -> tuple[int, int, Any]:
        pid, cid = claim_with_visits(sessions, master, outpatient("2025-08-11", HOSPITAL))
        args: dict[str, Any] = {"channel": "naver", "submitted_on": NOW.date(), "receipt_no": "2026-1123-0042",
                                "key": "form-1"} | change  # fmt: skip
        with sessions.begin() as s:
            ref = f"e{_first_event(s, cid)}"
            row = service.record(s, master, DIRECTORY, Actor(Role.CUSTOMER, person_id=pid), claim_id=cid,
                                 subjects=args.pop("subjects", [ref]), now=NOW, **args)  # fmt: skip
            return pid, cid, (row.id, row.receipt_no, row.channel)

    def test_recording_moves_the_silson24_documents_off_the_list(self, sessions: sessionmaker[Session],
                                                                 master: FileMasterKey) -> None:  # fmt: skip
        pid, cid, (_id, number, channel) = self._sent(sessions, master)
        with sessions.begin() as s:
            rows = [r for r in checklist.checklist(s, master, DIRECTORY, REVIEWER, claim_id=cid, now=NOW)
                    if r.subject != "claim"]  # fmt: skip
            marks = audit(s, "claim.document_marked")
            recorded = audit(s, "claim.relay_recorded")
        assert (number, channel) == ("2026-1123-0042", "naver")
        state = {r.code: (r.route, r.state, r.updated_by) for r in rows}
        assert state == {"RECEIPT": ("silson24", "not_needed", f"customer:{pid}"),
                         "ITEMIZED": ("silson24", "not_needed", f"customer:{pid}"),
                         "CODE_DOC": ("upload", "needed", "rules")}  # 실손24 does not carry it: still to come  # fmt: skip
        assert {m["reason"] for m in marks} == {"실손24로 보험사에 전송됨 (접수번호 2026-1123-0042)"}
        assert recorded[0]["channel"] == "naver" and recorded[0]["submitted_on"] == NOW.date().isoformat()

    def test_the_same_form_twice_records_once(self, sessions: sessionmaker[Session], master: FileMasterKey) -> None:
        pid, cid, (first, _n, _c) = self._sent(sessions, master)
        with sessions.begin() as s:
            again = service.record(s, master, DIRECTORY, Actor(Role.CUSTOMER, person_id=pid), claim_id=cid,
                                   subjects=[f"e{_first_event(s, cid)}"], channel="naver", submitted_on=NOW.date(),
                                   receipt_no="2026-1123-0042", key="form-1", now=NOW)  # fmt: skip
            assert again.id == first and len(audit(s, "claim.relay_recorded")) == 1

    @pytest.mark.parametrize(("change", "field"), [
        ({"receipt_no": "접수"}, "receipt_no"),
        ({"receipt_no": "12"}, "receipt_no"),
        ({"channel": "kakao"}, "channel"),
        ({"submitted_on": NOW.date() + timedelta(days=2)}, "submitted_on"),
        ({"submitted_on": date(2025, 8, 10)}, "submitted_on"),  # before the visit
        ({"subjects": []}, "subjects"),
        ({"subjects": ["e424242"]}, "subjects"),
    ])  # fmt: skip
    def test_bad_input_is_refused_naming_the_field_and_nothing_is_kept(
        self, sessions: sessionmaker[Session], master: FileMasterKey, change: dict[str, Any], field: str
    ) -> None:
        with pytest.raises(Invalid) as refused:
            self._sent(sessions, master, **change)
        assert refused.value.field == field
        with sessions.begin() as s:
            assert audit(s, "claim.relay_recorded") == [] and audit(s, "claim.document_marked") == []

    def test_a_visit_not_on_the_silson24_route_cannot_be_recorded_as_sent(self, sessions: sessionmaker[Session],
                                                                          master: FileMasterKey) -> None:  # fmt: skip
        pid, cid = claim_with_visits(sessions, master, outpatient("2025-08-12", UNLINKED))
        with sessions.begin() as s, pytest.raises(Invalid, match="실손24 경로가 아니에요"):
            service.record(s, master, DIRECTORY, Actor(Role.CUSTOMER, person_id=pid), claim_id=cid,
                           subjects=[f"e{_first_event(s, cid)}"], channel="app", submitted_on=NOW.date(),
                           receipt_no="A-1234", key="k", now=NOW)  # fmt: skip

    def test_another_person_cannot_record_on_my_claim(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        _pid, cid = claim_with_visits(sessions, master, outpatient("2025-08-11", HOSPITAL))
        with sessions.begin() as s, pytest.raises(NotFound):
            service.record(s, master, DIRECTORY, Actor(Role.CUSTOMER, person_id=999), claim_id=cid,
                           subjects=[f"e{_first_event(s, cid)}"], channel="app", submitted_on=NOW.date(),
                           receipt_no="A-1234", key="k", now=NOW)  # fmt: skip

    def test_one_receipt_number_is_one_submission(self, sessions: sessionmaker[Session], master: FileMasterKey) -> None:
        pid, cid = claim_with_visits(sessions, master, outpatient("2025-08-11", HOSPITAL),
                                     outpatient("2025-09-01", HOSPITAL))  # fmt: skip
        me = Actor(Role.CUSTOMER, person_id=pid)
        with sessions.begin() as s:
            first, second = (f"e{e.id}" for e in repository.events_of_claim(s, cid))
            service.record(s, master, DIRECTORY, me, claim_id=cid, subjects=[first], channel="app",
                           submitted_on=NOW.date(), receipt_no="A-1234", key="k1", now=NOW)  # fmt: skip
            with pytest.raises(Conflict):
                service.record(s, master, DIRECTORY, me, claim_id=cid, subjects=[second], channel="app",
                               submitted_on=NOW.date(), receipt_no="A-1234", key="k2", now=NOW)  # fmt: skip


class TestPort:
    def test_the_sandbox_relay_accepts_a_linked_visit_and_answers_a_receipt_number(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        pid, cid = claim_with_visits(sessions, master, outpatient("2025-08-11", HOSPITAL))
        relay = SandboxRelay()
        with sessions.begin() as s:
            ref = f"e{_first_event(s, cid)}"
            row = service.submit(s, master, DIRECTORY, relay, Actor(Role.CUSTOMER, person_id=pid), claim_id=cid,
                                 subjects=[ref], key="send-1", now=NOW)  # fmt: skip
            again = service.submit(s, master, DIRECTORY, relay, Actor(Role.CUSTOMER, person_id=pid), claim_id=cid,
                                   subjects=[ref], key="send-1", now=NOW)  # fmt: skip
            assert (row.receipt_no, row.channel, row.status) == ("S24-20261123-000001", "port", "submitted_to_relay")
            assert again.id == row.id
            row_id = row.id
        assert len(relay.received) == 1 and relay.received[0].visits[0].institution_id == "2118700620"
        assert relay.received[0].insurer == "현대해상"
        with sessions.begin() as s:  # followed: delivered to the insurer, told once
            assert service.follow(s, relay, now=NOW) == {row_id: "delivered_to_insurer"}
            assert service.follow(s, relay, now=NOW) == {}
            assert [d["status"] for d in audit(s, "claim.relay_status")] == ["delivered_to_insurer"]

    def test_the_sandbox_refuses_a_visit_before_the_link_as_the_app_would(self) -> None:
        answer = SandboxRelay().submit(RelayClaim("k", "현대해상", "나의 청구", (
            RelayVisit("2118700620", date(2025, 1, 2), date(2025, 1, 2)),)), now=NOW)  # fmt: skip
        assert (
            not answer.accepted
            and answer.reason == "튼튼병원의 2025-01-02 진료 내역은 조회할 수 없어요 (2025-01-23부터 연계)."
        )
