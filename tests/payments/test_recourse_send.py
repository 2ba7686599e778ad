"""Recourse that is sent (claims-and-documents.md §4.6): the request the customer approved goes to the
sandbox insurer (its own process) through the outbox exactly once; the insurer's corrected payment is
reconciled and, when it pays the shortfall and the interest, closes the claim; a refusal, or no answer
by the answer_due, offers the 민원 and then the 분쟁조정, whose filing stops the limitation clock."""

from __future__ import annotations

import socket
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from silson.access import Actor, Forbidden
from silson.claims.insurers.config import ENV
from silson.claims.lifecycle import Role
from silson.jobs import outbox
from silson.payments import recourse, sending, service
from silson.payments.calendar import add_business_days
from silson.payments.models import RecourseRow
from silson.payments.recourse_port import from_env
from silson.privacy import people
from silson.privacy.crypto import FileMasterKey
from silson.rules.catalogue import load_catalogue
from silson.store.models import AuditRow, ClaimRow, JobRow, NotificationRow
from tests.payments.conftest import NOW, AClaim, insurer_pays, submitted

#: the sandbox insurer is a process per test: the whole road runs on both databases, its variants on SQLite
SQLITE_ONLY = pytest.mark.parametrize("engine", ["sqlite"], indirect=True)

SENT_ON = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # a Monday: the request goes to the insurer


def _short_and_late(sessions: sessionmaker[Session], master: FileMasterKey, insurer: str) -> tuple[AClaim, Actor]:
    """Paid 35,000 of 40,000 (a 병원's deductible on a 의원 visit) on 2025-12-15, 66 days after the
    지급기일 of 2025-10-10: 5,000 short and 434원 of 지연이자 owed."""
    made = submitted(sessions, master, insurer)
    insurer_pays(sessions, master, insurer, made, paid_on="2025-12-15", mistakes=["other_institution_deductible"])
    return made, Actor(Role.CUSTOMER, person_id=made.person)


def _approve_objection(sessions: sessionmaker[Session], master: FileMasterKey, made: AClaim, kim: Actor) -> int:
    with sessions.begin() as s:
        letters = recourse.draft(s, master, kim, claim_id=made.claim, now=SENT_ON)
        objection = next(x for x in letters if x.kind == "objection")
        recourse.approve(s, master, kim, claim_id=made.claim, recourse_id=objection.id, now=SENT_ON)
    return objection.id


def _worker(sessions: sessionmaker[Session], master: FileMasterKey, at: datetime = SENT_ON) -> int:
    return outbox.sweep(sessions, lambda: at, context=outbox.JobContext(master, load_catalogue()))


def _row(sessions: sessionmaker[Session], rid: int) -> RecourseRow:
    with sessions.begin() as s:
        row = s.get(RecourseRow, rid)
        assert row is not None
        s.expunge(row)
        return row


def _claim_state(sessions: sessionmaker[Session], claim: int) -> str:
    with sessions.begin() as s:
        row = s.get(ClaimRow, claim)
        assert row is not None
        return row.state


def _told(sessions: sessionmaker[Session], person: int, kind: str) -> list[str]:
    with sessions.begin() as s:
        return list(s.scalars(select(NotificationRow.text).where(NotificationRow.person_id == person,
                                                                 NotificationRow.kind == kind)))  # fmt: skip


def _follow(sessions: sessionmaker[Session], master: FileMasterKey, at: datetime) -> list[sending.Followed]:
    with sessions.begin() as s:
        return sending.follow(s, master, load_catalogue(), port_for=from_env(), now=at)


class TestSending:
    def test_approval_sends_once_and_the_corrected_payment_closes_the_claim(
        self, sessions: sessionmaker[Session], master: FileMasterKey, insurer: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv(ENV, insurer)
        made, kim = _short_and_late(sessions, master, insurer)
        assert _claim_state(sessions, made.claim) == "partly_paid"
        rid = _approve_objection(sessions, master, made, kim)
        assert _row(sessions, rid).state == "approved"
        assert _worker(sessions, master) == 1
        sent = _row(sessions, rid)
        assert (sent.state, sent.insurer_ref, sent.received_on) == ("sent", "RQ00000001", SENT_ON.date())
        assert sent.answer_due == add_business_days(start=SENT_ON.date(), count=recourse.ANSWER_BUSINESS_DAYS)
        got = httpx.get(f"{insurer}/recourse/RQ00000001").json()
        assert got == {"request_no": "RQ00000001", "state": "received"}
        assert _worker(sessions, master) == 0  # nothing left to send
        assert _follow(sessions, master, SENT_ON) == [sending.Followed(rid, made.claim, "sent")]  # no answer yet
        # the insurer pays the 5,000 short on 2025-12-22 with the 지연이자 of both payments:
        # 434 (35,000 × 66 days) + 72 (5,000 × 73 days: 4.5% × 30, 8.5% × 30, 10.5% × 13 / 365 = 72.18)
        answer = httpx.post(f"{insurer}/recourse/RQ00000001/decide", json={"paid_on": "2025-12-22"}).json()
        assert (answer["statement"]["total"], answer["interest"]) == (5_000, 506)
        assert _follow(sessions, master, SENT_ON + timedelta(days=3)) == [sending.Followed(rid, made.claim, "resolved")]
        with sessions.begin() as s:
            seen = service.reconciliation_of(s, master, kim, claim_id=made.claim)
            letters = recourse.of_claim(s, master, kim, claim_id=made.claim, today=SENT_ON.date())
        assert [(x.expected, x.paid, x.difference, x.status) for x in seen.lines] == [(40_000, 40_000, 0, "matched")]
        assert (seen.underpaid_total, seen.interest_owed, seen.interest_paid, seen.at_stake) == (0, 506, 506, 0)
        done = next(x for x in letters if x.kind == "objection")
        assert done.state == "resolved" and done.answer is not None and "5,000원" in done.answer
        assert _claim_state(sessions, made.claim) == "closed"
        with sessions.begin() as s:  # the customer is told of the money, once
            told = s.scalars(select(NotificationRow.text).where(NotificationRow.key == f"recourse-paid:{rid}")).all()
        assert told == ["현대해상에서 5,000원을 지급했어요 (예상 5,000원)."]
        assert _follow(sessions, master, SENT_ON + timedelta(days=4)) == []  # answered once, applied once
        with sessions.begin() as s:
            actions = s.scalars(select(AuditRow.action).where(AuditRow.object_id == str(made.claim))).all()
        assert [a for a in actions if a.startswith("claim.recourse")] == [
            "claim.recourse_drafted", "claim.recourse_approved", "claim.recourse_sent", "claim.recourse_answered"]  # fmt: skip

    @SQLITE_ONLY
    def test_a_send_lost_before_its_commit_is_filed_once(
        self, sessions: sessionmaker[Session], master: FileMasterKey, insurer: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv(ENV, insurer)
        made, kim = _short_and_late(sessions, master, insurer)
        rid = _approve_objection(sessions, master, made, kim)
        # the worker sends, then dies before its transaction commits: silson does not know it was sent
        with pytest.raises(RuntimeError), sessions.begin() as s:
            sending.send(s, master, recourse_id=rid, port_for=from_env(), now=SENT_ON)
            raise RuntimeError("worker killed")
        assert _row(sessions, rid).state == "approved"
        assert _worker(sessions, master) == 1  # sent again under the same key: the insurer files it once
        assert _row(sessions, rid).insurer_ref == "RQ00000001"
        assert httpx.get(f"{insurer}/recourse/RQ00000002").status_code == 404
        with sessions.begin() as s:
            assert s.scalar(select(func.count()).select_from(AuditRow).where(
                AuditRow.action == "claim.recourse_sent")) == 1  # fmt: skip

    @SQLITE_ONLY
    def test_an_unreachable_insurer_is_retried_later_and_nothing_is_marked_sent(
        self, sessions: sessionmaker[Session], master: FileMasterKey, insurer: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv(ENV, insurer)
        made, kim = _short_and_late(sessions, master, insurer)
        rid = _approve_objection(sessions, master, made, kim)
        with socket.socket() as closed:
            closed.bind(("127.0.0.1", 0))
            monkeypatch.setenv(ENV, f"http://127.0.0.1:{closed.getsockname()[1]}")
            assert _worker(sessions, master) == 0  # deferred, not done
        assert _row(sessions, rid).state == "approved"
        with sessions.begin() as s:
            job = s.scalars(select(JobRow).where(JobRow.kind == recourse.SEND)).one()
            assert job.state == "pending" and job.not_before is not None
            later = job.not_before
        monkeypatch.setenv(ENV, insurer)
        assert _worker(sessions, master, at=later + timedelta(seconds=1)) == 1
        assert _row(sessions, rid).state == "sent"


@SQLITE_ONLY
class TestNextSteps:
    def test_a_refusal_offers_the_complaint_then_the_mediation_which_stops_the_clock(
        self, sessions: sessionmaker[Session], master: FileMasterKey, insurer: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv(ENV, insurer)
        made, kim = _short_and_late(sessions, master, insurer)
        rid = _approve_objection(sessions, master, made, kim)
        _worker(sessions, master)
        with sessions.begin() as s:
            letters = {x.kind: x for x in recourse.of_claim(s, master, kim, claim_id=made.claim, today=SENT_ON.date())}
        assert (letters["complaint"].offered, letters["mediation"].offered) == (False, False)
        httpx.post(f"{insurer}/recourse/RQ00000001/decide", json={"paid_on": "2026-01-07", "pay": False})
        answered_at = SENT_ON + timedelta(days=2)
        assert _follow(sessions, master, answered_at) == [sending.Followed(rid, made.claim, "answered")]
        assert _claim_state(sessions, made.claim) == "disputed"  # contested since the approval; still owed: not closed
        assert _follow(sessions, master, answered_at) == []  # answered: not asked again, not told twice
        assert _told(sessions, made.person, "recourse_answered") == [
            "현대해상에서 재청구에 답했지만 아직 5,434원을 덜 받았어요. 다음 단계를 확인해 주세요."
        ]
        today = answered_at.date()
        with sessions.begin() as s:
            letters = {x.kind: x for x in recourse.of_claim(s, master, kim, claim_id=made.claim, today=today)}
            assert letters["objection"].answer == "재심사 결과 기존 지급 금액이 약관에 맞다고 판단했습니다."
            assert (letters["complaint"].offered, letters["mediation"].offered) == (True, False)
            with pytest.raises(recourse.NotApprovable, match="분쟁조정은 민원을 내고"):
                recourse.approve(s, master, kim, claim_id=made.claim, recourse_id=letters["mediation"].id,
                                 now=answered_at)  # fmt: skip
        with sessions.begin() as s:
            filed = recourse.approve(s, master, kim, claim_id=made.claim, recourse_id=letters["complaint"].id,
                                     now=answered_at)  # fmt: skip
            assert (filed.state, filed.filed_on, filed.state_label) == ("approved", today, "제출함")
            clocks = recourse.clocks_of(s, kim, claim_id=made.claim, today=today)
        assert [(c.visit, c.expires, c.interrupted_on) for c in clocks] == [
            (date(2025, 9, 22), date(2028, 9, 22), None)]  # a 민원 does not stop the clock  # fmt: skip
        wait_over = add_business_days(start=today, count=recourse.ANSWER_BUSINESS_DAYS) + timedelta(days=1)
        with sessions.begin() as s:
            letters = {x.kind: x for x in recourse.of_claim(s, master, kim, claim_id=made.claim, today=wait_over)}
            assert letters["mediation"].offered
            recourse.approve(s, master, kim, claim_id=made.claim, recourse_id=letters["mediation"].id,
                             now=datetime.combine(wait_over, NOW.timetz()))  # fmt: skip
            clocks = recourse.clocks_of(s, kim, claim_id=made.claim, today=wait_over)
        assert [(c.expires, c.interrupted_on) for c in clocks] == [(date(2028, 9, 22), wait_over)]

    def test_no_answer_by_the_answer_due_offers_the_complaint(
        self, sessions: sessionmaker[Session], master: FileMasterKey, insurer: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv(ENV, insurer)
        made, kim = _short_and_late(sessions, master, insurer)
        rid = _approve_objection(sessions, master, made, kim)
        _worker(sessions, master)
        due = _row(sessions, rid).answer_due
        assert due is not None
        with sessions.begin() as s:
            on_due = {x.kind: x.offered for x in recourse.of_claim(s, master, kim, claim_id=made.claim, today=due)}
            after = {x.kind: x.offered for x in recourse.of_claim(s, master, kim, claim_id=made.claim,
                                                                   today=due + timedelta(days=1))}  # fmt: skip
            with pytest.raises(recourse.AwaitingAnswer):  # no second request while the first is with the insurer
                recourse.draft(s, master, kim, claim_id=made.claim, now=SENT_ON)
        assert on_due == {"objection": False, "complaint": False, "mediation": False}
        assert after == {"objection": False, "complaint": True, "mediation": False}
        on_due_at = datetime.combine(due, NOW.timetz())
        _follow(sessions, master, on_due_at)
        assert _told(sessions, made.person, "recourse_unanswered") == []  # the due day itself is still in time
        for _ in range(2):  # the follow job runs every 30 minutes: the customer hears it once
            _follow(sessions, master, on_due_at + timedelta(days=1))
        assert _told(sessions, made.person, "recourse_unanswered") == [
            f"현대해상에서 재청구에 답할 날({due.month}월 {due.day}일)이 지났어요. 다음 단계를 확인해 주세요."
        ]


@SQLITE_ONLY
class TestRefused:
    def test_only_the_claims_own_person_approves_and_a_replay_queues_nothing_twice(
        self, sessions: sessionmaker[Session], master: FileMasterKey, insurer: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv(ENV, insurer)
        made, kim = _short_and_late(sessions, master, insurer)
        other = submitted(sessions, master, insurer, name="이서연", phone="010-2222-3333")
        with sessions.begin() as s:
            letters = recourse.draft(s, master, kim, claim_id=made.claim, now=SENT_ON)
        objection = next(x for x in letters if x.kind == "objection")
        for who in (Actor(Role.CUSTOMER, person_id=other.person), Actor(Role.REVIEWER, staff_id="rev"),
                    Actor(Role.ADMINISTRATOR, staff_id="adm")):  # fmt: skip
            with pytest.raises(Forbidden), sessions.begin() as s:
                recourse.approve(s, master, who, claim_id=made.claim, recourse_id=objection.id, now=SENT_ON)
        with pytest.raises(LookupError), sessions.begin() as s:  # this request under another claim's id
            recourse.approve(s, master, Actor(Role.CUSTOMER, person_id=other.person), claim_id=other.claim,
                             recourse_id=objection.id, now=SENT_ON)  # fmt: skip
        for _ in range(2):
            with sessions.begin() as s:
                recourse.approve(s, master, kim, claim_id=made.claim, recourse_id=objection.id, now=SENT_ON)
        with sessions.begin() as s:
            assert s.scalar(select(func.count()).select_from(JobRow).where(JobRow.kind == recourse.SEND)) == 1
        assert _worker(sessions, master) == 1
        assert _row(sessions, objection.id).state == "sent"


@SQLITE_ONLY
class TestFollowGoesOn:
    def test_an_erased_persons_request_fails_and_the_others_are_still_applied(
        self, sessions: sessionmaker[Session], master: FileMasterKey, insurer: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv(ENV, insurer)
        gone, gone_kim = _short_and_late(sessions, master, insurer)
        kept = submitted(sessions, master, insurer, name="이서연", phone="010-2222-3333")
        insurer_pays(sessions, master, insurer, kept, paid_on="2025-12-15", mistakes=["other_institution_deductible"])
        first = _approve_objection(sessions, master, gone, gone_kim)
        second = _approve_objection(sessions, master, kept, Actor(Role.CUSTOMER, person_id=kept.person))
        assert _worker(sessions, master) == 2
        for number in ("RQ00000001", "RQ00000002"):
            httpx.post(f"{insurer}/recourse/{number}/decide", json={"paid_on": "2025-12-22"}).raise_for_status()
        with sessions.begin() as s:
            people.erase(s, gone.person, NOW)
        assert _follow(sessions, master, SENT_ON) == [sending.Followed(second, kept.claim, "resolved")]
        assert (_row(sessions, first).state, _row(sessions, second).state) == ("failed", "resolved")
        assert _claim_state(sessions, kept.claim) == "closed"


@SQLITE_ONLY
class TestInterestOnly:
    def test_a_full_but_late_payment_asks_for_the_interest_and_its_payment_closes_the_claim(
        self, sessions: sessionmaker[Session], master: FileMasterKey, insurer: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv(ENV, insurer)
        made = submitted(sessions, master, insurer)
        insurer_pays(sessions, master, insurer, made, paid_on="2025-12-15", mistakes=[])  # all 40,000, 66 days late
        kim = Actor(Role.CUSTOMER, person_id=made.person)
        assert _claim_state(sessions, made.claim) == "paid"
        rid = _approve_objection(sessions, master, made, kim)
        with sessions.begin() as s:
            letter = recourse.of_claim(s, master, kim, claim_id=made.claim)[0].text
        # 40,000 × (4.5% × 30 + 8.5% × 30 + 10.5% × 6) / 365 = 496.44 → 496원, and nothing short
        assert "위 산정에 따라 지연이자 496원의 지급을 청구합니다" in letter
        assert _worker(sessions, master) == 1
        answer = httpx.post(f"{insurer}/recourse/RQ00000001/decide", json={"paid_on": "2026-01-07"}).json()
        assert (answer["statement"]["lines"], answer["interest"]) == ([], 496)  # nothing more owed but the interest
        assert _follow(sessions, master, SENT_ON) == [sending.Followed(rid, made.claim, "resolved")]
        with sessions.begin() as s:
            seen = service.reconciliation_of(s, master, kim, claim_id=made.claim)
        assert (seen.underpaid_total, seen.interest_owed, seen.interest_paid, seen.at_stake) == (0, 496, 496, 0)
        assert _claim_state(sessions, made.claim) == "closed"
