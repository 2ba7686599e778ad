"""The states and timers of claims-and-documents.md §3.7 after 접수, through the sandbox insurer as its own
process: a delay notice (reason, 지급예정일, the 30-business-day limit), a 가지급, the decision, the insurer
contesting it and closing the claim, each an audited move told to the customer once; the daily round
(overdue, a passed 지급예정일, unclaimed visits nearing their 소멸시효); and the customer's choice of
notifications, which nobody else can make for them."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from silson.access import Actor, Forbidden
from silson.claims import follow, reminders, review, timers
from silson.claims.insurers.http import HttpInsurer
from silson.claims.insurers.port import Acknowledgement
from silson.claims.lifecycle import Role, State
from silson.jobs import outbox
from silson.notifications import preferences
from silson.notifications import service as notify
from silson.payments import interest
from silson.privacy import consent
from silson.privacy.crypto import FileMasterKey
from silson.rules.catalogue import Catalogue
from silson.store.models import AuditRow, ClaimPackageRow, ClaimRow, ClaimTransitionRow
from tests.claims.conftest import NOW, person_with_estimate
from tests.claims.test_follow import released, state_of
from tests.claims.test_release import DIRECTORY, REVIEWER
from tests.sandbox.test_insurer import insurer as insurer


def kinds(sessions: sessionmaker[Session], claim: int) -> list[str]:
    with sessions.begin() as s:
        person = s.get(ClaimRow, claim).person_id  # type: ignore[union-attr]
        return [r.kind for r in notify.of_person(s, REVIEWER, person_id=person)]


def moves(sessions: sessionmaker[Session], claim: int) -> list[tuple[str, str]]:
    with sessions.begin() as s:
        query = select(ClaimTransitionRow).where(ClaimTransitionRow.claim_id == claim).order_by(ClaimTransitionRow.id)
        return [(t.from_state, t.to_state) for t in s.scalars(query)]


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
class TestAfterReceipt:
    def test_delay_prepayment_decision_dispute_and_closing_each_move_once(
        self, sessions: sessionmaker[Session], master: FileMasterKey, catalogue: Catalogue, insurer: str
    ) -> None:
        # the insurer notifies at once a delay of 40 business days (no listed reason) and pays half as 가지급
        httpx.put(f"{insurer}/config", json={"delay_business_days": 40, "prepay_permille": 500}).raise_for_status()
        claim, package = released(sessions, master, catalogue)
        port = HttpInsurer(insurer, timeout=5)
        outbox.sweep(sessions, lambda: NOW, context=outbox.JobContext(master, catalogue, insurers=lambda _n: port))

        def ask(at: datetime = NOW) -> None:
            with sessions.begin() as s:
                follow.poll(s, master, catalogue, port_for=lambda _n: port, now=at)

        ask()
        ask()  # the same answer twice moves nothing twice
        with sessions.begin() as s:
            row = s.get(ClaimPackageRow, package)
            assert row is not None and row.receipt_no and row.latest_on and row.scheduled_on
            receipt, latest, scheduled, prepaid = row.receipt_no, row.latest_on, row.scheduled_on, row.prepaid_amount
            expected = follow.expected_total(s, master, catalogue, claim_id=claim, claim_date=NOW.date(), now=NOW)
        assert latest == interest.latest_scheduled_date(received=NOW.date()) and scheduled > latest
        assert prepaid == expected // 2 and prepaid > 0  # 제9조③: half the estimate
        assert state_of(sessions, claim) == State.PREPAID.value
        assert moves(sessions, claim)[-3:] == [("submitted", "acknowledged"), ("acknowledged", "delay_notified"),
                                               ("delay_notified", "prepaid")]  # fmt: skip
        assert kinds(sessions, claim)[:3] == ["prepaid", "delay_too_long", "delay_notified"]

        httpx.post(f"{insurer}/packages/{receipt}/decide", json={"paid_on": "2026-12-20"}).raise_for_status()
        ask()
        assert state_of(sessions, claim) == State.PAID.value
        httpx.post(f"{insurer}/packages/{receipt}/dispute", json={"reason": "제3자 의료자문 요청"}).raise_for_status()
        ask()
        assert state_of(sessions, claim) == State.DISPUTED.value
        httpx.post(f"{insurer}/packages/{receipt}/close", json={"reason": "자문 결과 원결정 유지"}).raise_for_status()
        ask()
        ask()
        assert state_of(sessions, claim) == State.CLOSED.value
        assert moves(sessions, claim)[-3:] == [("prepaid", "paid"), ("paid", "disputed"), ("disputed", "closed")]
        assert kinds(sessions, claim)[:3] == ["closed", "disputed", "paid"]
        assert len(kinds(sessions, claim)) == len(set(kinds(sessions, claim)))  # each event told once
        with sessions.begin() as s:
            audited = s.scalars(select(AuditRow.action).where(AuditRow.object_id == str(claim))).all()
        assert audited.count("claim.moved") == len(moves(sessions, claim)) and "claim.delay_notified" in audited

    def test_a_listed_reason_allows_a_later_day_and_the_passed_day_is_told(
        self, sessions: sessionmaker[Session], master: FileMasterKey, catalogue: Catalogue, insurer: str
    ) -> None:
        httpx.put(f"{insurer}/config", json={"delay_business_days": 40, "delay_code": 3,
                                            "delay_reason": "수사기관의 조사"}).raise_for_status()  # fmt: skip
        claim, package = released(sessions, master, catalogue)
        port = HttpInsurer(insurer, timeout=5)
        outbox.sweep(sessions, lambda: NOW, context=outbox.JobContext(master, catalogue, insurers=lambda _n: port))
        with sessions.begin() as s:
            follow.poll(s, master, catalogue, port_for=lambda _n: port, now=NOW)
            row = s.get(ClaimPackageRow, package)
            assert row is not None and row.delay_code == 3 and row.scheduled_on is not None
            scheduled = row.scheduled_on
        assert "delay_too_long" not in kinds(sessions, claim)  # 제9조② 3호: a later day is allowed
        later = datetime.combine(scheduled + timedelta(days=1), NOW.timetz())
        with sessions.begin() as s:
            for _ in range(2):
                reminders.run(s, master, catalogue, DIRECTORY, now=later)
        told = kinds(sessions, claim)
        assert told.count("scheduled_passed") == 1 and "overdue" not in told  # a notice was given: not "no notice"


class TestQueueByDeadline:
    def test_the_claim_whose_day_passed_leads_then_the_nearest_limitation(
        self, sessions: sessionmaker[Session], master: FileMasterKey, catalogue: Catalogue
    ) -> None:
        claim, package = released(sessions, master, catalogue)
        with sessions.begin() as s:
            row = s.get(ClaimPackageRow, package)
            assert row is not None
            follow.acknowledged(s, master, package=row, ack=Acknowledgement("SB9", date(2025, 9, 30), False), now=NOW)
        with sessions.begin() as s:
            by_deadline = review.queue(s, master, REVIEWER, today=date(2025, 10, 13), order="deadline")
        first = by_deadline[0]
        assert first.claim_id == claim and first.next is not None
        assert (first.next.kind, first.next.day, first.next.late) == ("due", date(2025, 10, 10), True)
        days = [e.next.day for e in by_deadline[1:] if e.next]
        assert days == sorted(days)


class TestTimers:
    def test_the_queue_timers_put_the_late_one_first(self) -> None:
        found = timers.claim_timers(state=State.DELAY_NOTIFIED, limitation=date(2027, 6, 1), due=date(2025, 10, 10),
                                    scheduled=date(2025, 11, 20), latest=date(2025, 11, 18), code=None,
                                    today=date(2025, 11, 21))  # fmt: skip
        assert [(t.kind, t.late) for t in found] == [("latest", True), ("scheduled", True), ("due", False),
                                                     ("limitation", False)]  # fmt: skip
        assert timers.nearest(found) == found[0]  # a delay notice stops "no notice and overdue", not the limit


class TestLimitationReminders:
    def test_unclaimed_visits_near_their_limitation_are_told_once_to_those_who_want_it(
        self, sessions: sessionmaker[Session], master: FileMasterKey, catalogue: Catalogue
    ) -> None:
        pid = person_with_estimate(sessions, master, name="정하늘")
        with sessions.begin() as s:
            due = reminders.unclaimed(s, master, catalogue, DIRECTORY, person_id=pid, today=NOW.date(), now=NOW)
        assert due and due == sorted(due, key=lambda u: u.deadline)
        first = due[0]
        at = datetime.combine(first.deadline - timedelta(days=30), NOW.timetz())  # inside the 60-day notice
        with sessions.begin() as s:
            sent = reminders.run(s, master, catalogue, DIRECTORY, now=at).reminded
            again = reminders.run(s, master, catalogue, DIRECTORY, now=at).reminded
            texts = [r.text for r in notify.of_person(s, REVIEWER, person_id=pid) if r.kind == "deadline_approaching"]
        assert sent >= 1 and again == 0 and any("30일 남았어요" in t and first.provider_name in t for t in texts)
        me = Actor(Role.CUSTOMER, person_id=pid)
        with sessions.begin() as s:  # the 맞춤 안내 consent withdrawn: no more reminders
            consent.withdraw(s, me, person_id=pid, purpose=consent.Purpose.PERSONALISED, now=NOW)
            last_call = datetime.combine(first.deadline - timedelta(days=5), NOW.timetz())
            assert reminders.run(s, master, catalogue, DIRECTORY, now=last_call).reminded == 0


class TestPreferences:
    def test_a_topic_turned_off_is_not_sent_and_only_the_person_chooses(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        pid = person_with_estimate(sessions, master, name="한지우")
        other = person_with_estimate(sessions, master, name="오민재", phone="010-2222-3333")
        me = Actor(Role.CUSTOMER, person_id=pid)
        with sessions.begin() as s:
            chosen = preferences.choose(s, me, person_id=pid, enabled={"payment": False}, now=NOW)
        assert chosen["payment"] is False and chosen["deadline"] is True
        with sessions.begin() as s:
            sent = notify.deadline_approaching(s, person_id=pid, spending_id=1, provider="의원", year=2024,
                                               deadline=NOW.date() + timedelta(days=10), stage="last", now=NOW)  # fmt: skip
            assert preferences.wants(s, person_id=pid, kind="paid") is False and sent
        for intruder in (Actor(Role.CUSTOMER, person_id=other), Actor(Role.FAMILY_VIEWER, person_id=other,
                                                                      views=frozenset({pid}))):  # fmt: skip
            with pytest.raises(Forbidden), sessions.begin() as s:
                preferences.choose(s, intruder, person_id=pid, enabled={"payment": True}, now=NOW)
        with pytest.raises(ValueError, match=r"topics\.sms"), sessions.begin() as s:
            preferences.choose(s, me, person_id=pid, enabled={"sms": True}, now=NOW)
        with sessions.begin() as s:
            assert preferences.of_person(s, me, person_id=pid)["payment"] is False
            audited = s.scalars(select(AuditRow).where(AuditRow.action == "notification.preferences")).all()
        assert len(audited) == 1
