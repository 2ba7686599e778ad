"""An agent sees only their own live tasks' minimum data; another agent's task, the person's other
data, estimates and other people are refused; a revoked, withdrawn or lapsed 위임장 stops the task at
once, its papers destroyed and the stop audited. On SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from silson.access import Actor, Forbidden
from silson.agents import photos, service
from silson.agents.models import AgentTaskRow, TaskDocumentRow
from silson.agents.service import TaskState, TaskStopped
from silson.claims import events, review
from silson.claims import service as claims
from silson.claims.lifecycle import Role
from silson.claims.service import ItemIn
from silson.errors import NotFound
from silson.privacy import consent, people
from silson.privacy.crypto import FileMasterKey
from silson.rules.catalogue import load_catalogue
from silson.store.models import AuditRow
from tests.agents.conftest import AGENT_A, AGENT_B, NOW, REVIEWER, id_copy_jpeg, signature_png, tasks_signed, world

LATER = NOW + timedelta(hours=3)


class TestMinimumData:
    def test_the_task_view_holds_name_visits_and_documents_and_nothing_of_money(self) -> None:
        shown = {f.name for f in dataclasses.fields(service.TaskView)}
        assert shown == {"id", "state", "area", "institution", "person_name", "visit_days", "valid_until",
                         "checked_in_at", "checkin_place", "documents"}  # fmt: skip
        assert {f.name for f in dataclasses.fields(service.DocumentView)} == {
            "id", "name", "visit_day", "state", "fee_item", "fee", "pages", "reading"}  # fmt: skip

    def test_what_the_agent_is_shown_of_a_reading_has_no_amounts(self) -> None:
        seen = photos.summary({"kind": "hospital_receipt", "amounts": {"paid": 47_300}, "patient": {"name": "김민준"},
                                "provider": {"name": "연세가정의원"}, "visit": {"date": "2024-06-01"}}, "김 민준", "RECEIPT")  # fmt: skip
        assert seen == {"kind": "hospital_receipt", "kind_matches": True, "provider": "연세가정의원", "date": "2024-06-01",
                        "patient_matches": True, "doubtful": 0}  # fmt: skip

    def test_only_the_tasks_visits_are_shown_never_the_persons_other_visits(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        w = world(sessions, master)
        pharmacy = tasks_signed(sessions, master, w)[1]
        with sessions.begin() as s:
            view = service.agent_task(s, master, AGENT_A, task_id=pharmacy, now=NOW)
        assert view.visit_days == ("2024-06-01",) and view.institution == "온누리약국"  # not the clinic's 06-20


class TestRefusals:
    def test_another_agents_task_is_as_if_missing(self, sessions: sessionmaker[Session], master: FileMasterKey) -> None:
        w = world(sessions, master)
        tid = tasks_signed(sessions, master, w)[0]
        with sessions.begin() as s:
            for call in (lambda: service.agent_task(s, master, AGENT_B, task_id=tid, now=NOW),
                         lambda: service.paper(s, master, AGENT_B, task_id=tid, which="poa", now=NOW),
                         lambda: service.check_in(s, master, AGENT_B, task_id=tid, place="x", now=NOW)):  # fmt: skip
                with pytest.raises(NotFound):
                    call()
            grouped, _ = service.agent_tasks(s, master, AGENT_B, NOW)
            assert grouped == {}

    def test_a_task_not_yet_signed_is_not_the_agents_to_see(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        w = world(sessions, master)
        with sessions.begin() as s:
            tid = service.from_checklist(s, master, REVIEWER, claim_id=w.claim, agent_id="agent-a", now=NOW)[0]
            with pytest.raises(NotFound):
                service.agent_task(s, master, AGENT_A, task_id=tid, now=NOW)

    def test_an_agent_reads_no_person_claim_visit_estimate_or_queue(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        w = world(sessions, master)
        tasks_signed(sessions, master, w)
        with sessions.begin() as s:
            with pytest.raises(Forbidden):
                people.read(s, master, AGENT_A, w.kim, NOW)  # even the person of their own task
            with pytest.raises(Forbidden):
                people.read(s, master, AGENT_A, w.lee, NOW)
            with pytest.raises(Forbidden):
                events.of_claim(s, master, AGENT_A, w.claim)  # visits with their amounts and diagnoses
            with pytest.raises(Forbidden):
                events.figures(s, master, load_catalogue(), AGENT_A, claim_id=w.claim, claim_date=NOW.date(), now=NOW)
            with pytest.raises(Forbidden):
                review.queue(s, master, AGENT_A, today=NOW.date())
            with pytest.raises(Forbidden):
                claims.open_claim(s, AGENT_A, person_id=w.lee, insurer="삼성화재", now=NOW,
                                  items=[ItemIn("v1", "c1", date(2024, 6, 1), 0)])  # fmt: skip

    def test_staff_pages_and_task_creation_are_not_an_agents(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        w = world(sessions, master)
        with sessions.begin() as s:
            with pytest.raises(Forbidden):
                service.staff_tasks(s, master, AGENT_A, now=NOW)
            with pytest.raises(Forbidden):
                service.from_checklist(s, master, AGENT_A, claim_id=w.claim, agent_id="agent-a", now=NOW)

    def test_another_customer_can_neither_sign_nor_withdraw_nor_list(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        w = world(sessions, master)
        lee = Actor(Role.CUSTOMER, person_id=w.lee)
        with sessions.begin() as s:
            tid = service.from_checklist(s, master, REVIEWER, claim_id=w.claim, agent_id="agent-a", now=NOW)[0]
        with sessions.begin() as s:
            with pytest.raises(NotFound):
                service.sign(s, master, lee, task_id=tid, signature_png=signature_png(), id_copy=id_copy_jpeg(),
                             now=NOW)  # fmt: skip
            with pytest.raises(NotFound):
                service.revoke(s, lee, task_id=tid, now=NOW)
            with pytest.raises(Forbidden):
                service.person_tasks(s, master, lee, person_id=w.kim, today=NOW.date())
            assert service.person_tasks(s, master, lee, person_id=w.lee, today=NOW.date()) == []


class TestStopping:
    def _stopped_everywhere(self, s: Session, master: FileMasterKey, tid: int, reason: str) -> None:
        with pytest.raises(TaskStopped, match=reason):
            service.agent_task(s, master, AGENT_A, task_id=tid, now=LATER)
        with pytest.raises(TaskStopped):
            service.paper(s, master, AGENT_A, task_id=tid, which="consent", now=LATER)
        with pytest.raises(TaskStopped):
            service.check_in(s, master, AGENT_A, task_id=tid, place="원무과", now=LATER)
        grouped, stopped = service.agent_tasks(s, master, AGENT_A, LATER)
        assert tid not in [t.id for places in grouped.values() for ts in places.values() for t in ts]
        assert tid in [c.id for c in stopped]

    def test_the_person_withdrawing_the_power_stops_the_task_even_with_the_agent_inside(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        w = world(sessions, master)
        clinic = tasks_signed(sessions, master, w)[0]
        me = Actor(Role.CUSTOMER, person_id=w.kim)
        with sessions.begin() as s:
            service.check_in(s, master, AGENT_A, task_id=clinic, place="원무과", now=NOW)
        with sessions.begin() as s:
            service.revoke(s, me, task_id=clinic, now=LATER)
        with sessions.begin() as s:
            self._stopped_everywhere(s, master, clinic, "위임 철회")
            task = s.get(AgentTaskRow, clinic)
            assert task is not None and task.state == TaskState.STOPPED.value
            assert task.poa_pdf_sealed is None and task.consent_pdf_sealed is None and task.id_copy_sealed is None
            assert s.scalars(select(AuditRow.action).where(AuditRow.object_id == str(clinic),
                                                           AuditRow.action == "agent_task.stopped")).all()  # fmt: skip
            did = s.scalars(select(TaskDocumentRow.id).where(TaskDocumentRow.task_id == clinic)).first()
            assert did is not None
            with pytest.raises(TaskStopped):
                service.record_fee(s, AGENT_A, task_id=clinic, document_id=did, item="receipt", pages=1, amount=0,
                                   now=LATER)  # fmt: skip

    def test_withdrawing_consent_stops_a_task_whose_agent_has_not_checked_in(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        w = world(sessions, master)
        clinic, pharmacy = tasks_signed(sessions, master, w)
        me = Actor(Role.CUSTOMER, person_id=w.kim)
        with sessions.begin() as s:
            service.check_in(s, master, AGENT_A, task_id=clinic, place="원무과", now=NOW)
        with sessions.begin() as s:
            consent.withdraw(s, me, person_id=w.kim, purpose=consent.Purpose.DOCUMENT_ISSUANCE, now=LATER)
        with sessions.begin() as s:  # the very next request sees it, before any sweep ran
            self._stopped_everywhere(s, master, pharmacy, "동의 철회")
            assert service.agent_task(s, master, AGENT_A, task_id=clinic, now=LATER).state == "checked_in"
        with sessions.begin() as s:
            assert service.sweep(s, LATER, agent_id="agent-a") == [pharmacy]
            assert service.sweep(s, LATER, agent_id="agent-a") == []  # once
            task = s.get(AgentTaskRow, pharmacy)
            assert task is not None and task.state == "stopped" and task.poa_pdf_sealed is None

    def test_a_lapsed_power_stops_the_task_the_day_after_its_period(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        w = world(sessions, master)
        clinic = tasks_signed(sessions, master, w)[0]
        with sessions.begin() as s:
            task = s.get(AgentTaskRow, clinic)
            assert task is not None
            until = task.valid_until
            on_last_day = NOW.replace(year=until.year, month=until.month, day=until.day)
            assert service.agent_task(s, master, AGENT_A, task_id=clinic, now=on_last_day).id == clinic
        after = on_last_day + timedelta(days=1)
        with sessions.begin() as s:
            with pytest.raises(TaskStopped, match="위임 기간 만료"):
                service.agent_task(s, master, AGENT_A, task_id=clinic, now=after)
            assert service.sweep(s, after) == [clinic, clinic + 1]  # both tasks were signed the same day
            task = s.get(AgentTaskRow, clinic)
            assert task is not None and task.poa_id is not None
            assert task.poa_id not in [p.id for p in consent.open_powers(s, w.kim)]  # the lapsed 위임장 is closed too

    def test_a_done_task_leaves_the_agents_view(self, sessions: sessionmaker[Session], master: FileMasterKey) -> None:
        w = world(sessions, master)
        clinic = tasks_signed(sessions, master, w)[0]
        with sessions.begin() as s:
            task = s.get(AgentTaskRow, clinic)
            assert task is not None
            task.state = TaskState.DONE.value
        with sessions.begin() as s, pytest.raises(TaskStopped, match="완료"):
            service.agent_task(s, master, AGENT_A, task_id=clinic, now=NOW)


class TestStopJob:
    def test_the_job_records_a_stop_nobody_looked_at(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        import silson.jobs.tasks  # noqa: F401  (registers every handler, the agents' sweep among them)
        from silson.agents.tasks import SWEEP
        from silson.jobs import outbox

        w = world(sessions, master)
        clinic, pharmacy = tasks_signed(sessions, master, w)
        with sessions.begin() as s:
            consent.withdraw(s, Actor(Role.CUSTOMER, person_id=w.kim), person_id=w.kim,
                             purpose=consent.Purpose.DOCUMENT_ISSUANCE, now=LATER)  # fmt: skip
            outbox.enqueue(s, kind=SWEEP, key="sweep-1", payload={}, now=LATER)
        assert outbox.sweep(sessions, lambda: LATER, context=outbox.JobContext(master)) == 1
        with sessions.begin() as s:
            states = {t: s.get(AgentTaskRow, t).state for t in (clinic, pharmacy)}  # type: ignore[union-attr]
            assert states == {clinic: "stopped", pharmacy: "stopped"}  # neither agent had checked in
            stops = s.scalars(select(AuditRow.object_id).where(AuditRow.action == "agent_task.stopped")).all()
            assert sorted(stops) == sorted([str(clinic), str(pharmacy)])
