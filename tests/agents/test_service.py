"""Tasks from the claim checklist, signing, check-in, photos read into the person's documents, fees
against the cap, and the review center's view of state and cost; on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from silson.access import Actor, Forbidden
from silson.agents import photos, service
from silson.agents.fees import FeeAboveCap
from silson.agents.models import AgentTaskRow, TaskDocumentRow
from silson.agents.service import Ask, Institution, TaskState
from silson.claims.lifecycle import Role
from silson.documents import synth
from silson.documentstore.models import DocumentFileRow
from silson.errors import Conflict, Invalid, NotFound
from silson.jobs import outbox
from silson.privacy import consent, people
from silson.privacy.crypto import FileMasterKey
from silson.store.models import AuditRow, ClaimDocumentRow, DocumentRow
from tests.agents.conftest import ADMIN, AGENT_A, NOW, REVIEWER, World, id_copy_jpeg, signature_png, tasks_signed, world

LATER = NOW + timedelta(hours=2)
BROKEN_JPEG = b"\xff\xd8\xff\xe0" + bytes(200)  # a JPEG's magic and nothing an image decoder can read


def receipt_pdf(patient: str, provider: str, day: date, tmp: object) -> bytes:
    """A born-digital receipt of the institution for the person (read from its text layer: fast)."""
    rng = random.Random(7)
    spec = synth.random_spec(rng, "hospital-2024")
    spec.patient, spec.provider, spec.visit_date, spec.issued = patient, provider, day, day
    data, _suffix = synth.render(spec, "text_pdf", rng)
    return data


def no_claim_task(sessions: sessionmaker[Session], master: FileMasterKey, w: World) -> tuple[int, int]:
    """이서연's pharmacy receipt, sent by the route choice for an estimate item (no claim yet), signed and
    checked in: (task, its one document)."""
    place = Institution("2234567890", "온누리약국", "서울 마포구")
    with sessions.begin() as s:
        tid = service.request_documents(s, master, REVIEWER, person_id=w.lee, institution=place, now=NOW,
                                        asks=[Ask("PHARM_RECEIPT", date(2024, 6, 1))], agent_id="agent-a")  # fmt: skip
        service.sign(s, master, Actor(Role.CUSTOMER, person_id=w.lee), task_id=tid, signature_png=signature_png(),
                     id_copy=id_copy_jpeg(), now=NOW)  # fmt: skip
        service.check_in(s, master, AGENT_A, task_id=tid, place="약국", now=NOW)
        return tid, s.scalars(select(TaskDocumentRow.id).where(TaskDocumentRow.task_id == tid)).one()


def jobs(sessions: sessionmaker[Session], master: FileMasterKey, *, at: datetime = LATER) -> int:
    """Run the due jobs (the photo's reading among them) as a worker would; how many finished."""
    return outbox.sweep(sessions, lambda: at, context=outbox.JobContext(master))


def actions(s: Session, action: str) -> int:
    return s.scalar(select(func.count()).select_from(AuditRow).where(AuditRow.action == action)) or 0


class TestFromChecklist:
    def test_one_task_per_institution_gathers_its_visits_and_documents(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        w = world(sessions, master)
        ids = tasks_signed(sessions, master, w)
        with sessions.begin() as s:
            grouped, stopped = service.agent_tasks(s, master, AGENT_A, NOW)
        assert stopped == [] and len(ids) == 2
        (clinic,) = grouped["서울 마포구"]["연세가정의원"]
        (pharmacy,) = grouped["서울 마포구"]["온누리약국"]
        assert clinic.person_name == "김민준" and clinic.visit_days == ("2024-06-01", "2024-06-20")
        assert [(d.name, d.visit_day) for d in clinic.documents] == [
            ("진료비 계산서·영수증", "2024-06-01"), ("진료비 세부산정내역서", "2024-06-01"),
            ("진료비 계산서·영수증", "2024-06-20")]  # fmt: skip
        assert [d.name for d in pharmacy.documents] == ["약제비 계산서·영수증"]

    def test_asking_again_before_signing_joins_the_same_task(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        w = world(sessions, master)
        place = Institution("1234567890", "연세가정의원", "서울 마포구")
        with sessions.begin() as s:
            first = service.request_documents(s, master, REVIEWER, person_id=w.kim, institution=place,
                                              asks=[Ask("RECEIPT", date(2024, 6, 1), "e1")], agent_id="agent-a", now=NOW)  # fmt: skip
            again = service.request_documents(s, master, REVIEWER, person_id=w.kim, institution=place, now=NOW,
                                              asks=[Ask("RECEIPT", date(2024, 6, 1), "e1"),
                                                    Ask("DIAG_DOC", date(2024, 6, 1), "e1")], agent_id="agent-b")  # fmt: skip
            docs = s.scalars(select(TaskDocumentRow.code).where(TaskDocumentRow.task_id == first)).all()
            task = s.get(AgentTaskRow, first)
            assert task is not None
            assert first == again and sorted(docs) == ["DIAG_DOC", "RECEIPT"] and task.agent_id == "agent-b"

    def test_documents_the_person_brings_are_not_an_agents_work(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        w = world(sessions, master)
        with sessions.begin() as s, pytest.raises(Invalid, match="asks"):
            service.request_documents(s, master, REVIEWER, person_id=w.kim, now=NOW, agent_id="agent-a",
                                      institution=Institution("1", "연세가정의원", ""), asks=[Ask("BANKBOOK", None)])  # fmt: skip

    def test_an_unregistered_agent_is_refused(self, sessions: sessionmaker[Session], master: FileMasterKey) -> None:
        w = world(sessions, master)
        with sessions.begin() as s, pytest.raises(Invalid, match="agent_id"):
            service.from_checklist(s, master, REVIEWER, claim_id=w.claim, agent_id="nobody", now=NOW)


class TestSigning:
    def test_signing_issues_the_power_of_attorney_and_seals_both_papers(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        w = world(sessions, master)
        tid = tasks_signed(sessions, master, w)[0]
        with sessions.begin() as s:
            task = s.get(AgentTaskRow, tid)
            assert task is not None and task.state == TaskState.ASSIGNED.value and task.poa_id is not None
            assert [p.id for p in consent.open_powers(s, w.kim)].count(task.poa_id) == 1
            assert task.poa_pdf_sealed is not None and b"%PDF" not in task.poa_pdf_sealed  # sealed, not plain
            pdf = service.paper(s, master, AGENT_A, task_id=tid, which="poa", now=NOW)
            assert pdf.startswith(b"%PDF-")
            assert service.paper(s, master, AGENT_A, task_id=tid, which="id_copy", now=NOW) == id_copy_jpeg()
            assert actions(s, "agent_task.paper_opened") == 2

    def test_signing_needs_consent_to_document_issuance(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        w = world(sessions, master)
        me = Actor(Role.CUSTOMER, person_id=w.kim)
        with sessions.begin() as s:
            tid = service.from_checklist(s, master, REVIEWER, claim_id=w.claim, agent_id="agent-a", now=NOW)[0]
            consent.withdraw(s, me, person_id=w.kim, purpose=consent.Purpose.DOCUMENT_ISSUANCE, now=NOW)
        with sessions.begin() as s, pytest.raises(consent.ConsentMissing):
            service.sign(s, master, me, task_id=tid, signature_png=signature_png(), id_copy=id_copy_jpeg(), now=NOW)

    def test_a_signature_that_is_not_a_drawing_and_an_id_copy_that_is_not_a_photo_are_refused(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        w = world(sessions, master)
        me = Actor(Role.CUSTOMER, person_id=w.kim)
        with sessions.begin() as s:
            tid = service.from_checklist(s, master, REVIEWER, claim_id=w.claim, agent_id="agent-a", now=NOW)[0]
        with sessions.begin() as s, pytest.raises(Invalid, match="signature"):
            service.sign(s, master, me, task_id=tid, signature_png=b"GIF89a", id_copy=id_copy_jpeg(), now=NOW)
        with sessions.begin() as s, pytest.raises(Invalid, match="id_copy"):
            service.sign(s, master, me, task_id=tid, signature_png=signature_png(), id_copy=b"%PDF-1.4", now=NOW)
        with sessions.begin() as s:
            task = s.get(AgentTaskRow, tid)
            assert task is not None and task.state == TaskState.WAITING_SIGNATURE.value and task.poa_id is None


class TestAtTheInstitution:
    def test_a_photo_becomes_the_persons_sealed_document_and_a_job_reads_it(
        self, sessions: sessionmaker[Session], master: FileMasterKey, tmp_path: object
    ) -> None:
        w = world(sessions, master)
        clinic = tasks_signed(sessions, master, w)[0]
        with sessions.begin() as s:
            service.check_in(s, master, AGENT_A, task_id=clinic, place="1층 원무과", now=NOW)
            docs = s.scalars(select(TaskDocumentRow).where(TaskDocumentRow.task_id == clinic)).all()
            first = docs[0]
            wanted = first.claim_document_id
        photo = receipt_pdf("김민준", "연세가정의원", date(2024, 6, 1), tmp_path)
        with sessions.begin() as s:
            assert photos.take(s, master, AGENT_A, task_id=clinic, document_id=first.id, photo=photo, now=LATER)
        with sessions.begin() as s:  # stored and sealed at once; not read yet: the agent's page says so
            row = s.get(TaskDocumentRow, first.id)
            assert row is not None and row.state == "reading" and row.document_id is not None
            stored = s.get(DocumentRow, row.document_id)
            assert stored is not None and stored.person_id == w.kim
            assert stored.content_sealed is not None and b"%PDF" not in stored.content_sealed
            view = service.agent_task(s, master, AGENT_A, task_id=clinic, now=LATER)
            assert (view.documents[0].state, view.documents[0].reading) == ("reading", None)
        assert jobs(sessions, master) >= 1
        with sessions.begin() as s:
            row = s.get(TaskDocumentRow, first.id)
            assert row is not None and row.state == "collected"
            filed = s.get(DocumentFileRow, row.document_id)  # on the claim, read once, for a reviewer's look
            assert filed is not None and (filed.claim_id, filed.state, filed.uploaded_by) == (
                w.claim, "read", AGENT_A.label)  # fmt: skip
            marked = s.get(ClaimDocumentRow, wanted)
            assert marked is not None and marked.state == "received" and marked.updated_by == AGENT_A.label
            view = service.agent_task(s, master, AGENT_A, task_id=clinic, now=LATER)
            seen = view.documents[0].reading
            assert seen is not None
            assert (seen["kind"], seen["provider"], seen["date"], seen["patient_matches"]) == (
                "hospital_receipt", "연세가정의원", "2024-06-01", True)  # fmt: skip
            assert "receipt" in seen  # kept for the review center; the page shows the summary

    def test_a_worker_killed_while_reading_loses_nothing(
        self, sessions: sessionmaker[Session], master: FileMasterKey, tmp_path: object
    ) -> None:
        w = world(sessions, master)
        pharmacy = tasks_signed(sessions, master, w)[1]
        with sessions.begin() as s:
            service.check_in(s, master, AGENT_A, task_id=pharmacy, place="약국 카운터", now=NOW)
            did = s.scalars(select(TaskDocumentRow.id).where(TaskDocumentRow.task_id == pharmacy)).one()
            photos.take(s, master, AGENT_A, task_id=pharmacy, document_id=did,
                        photo=receipt_pdf("김민준", "온누리약국", date(2024, 6, 1), tmp_path), now=LATER)  # fmt: skip
        with sessions.begin() as s:  # a worker takes every job, then dies before any commits its work
            taken = [outbox.claim(s, LATER) for _ in range(3)]
            assert {j.kind for j in taken if j is not None} >= {photos.READ_JOB}
        assert jobs(sessions, master, at=LATER + timedelta(seconds=1)) == 0  # leased: nobody else runs them yet
        with sessions.begin() as s:
            row = s.get(TaskDocumentRow, did)
            assert row is not None and row.state == "reading"
        assert jobs(sessions, master, at=LATER + outbox.LEASE + timedelta(seconds=1)) >= 1  # the lease ran out
        with sessions.begin() as s:
            row = s.get(TaskDocumentRow, did)
            assert row is not None and row.state == "collected" and row.reading_sealed is not None
            task = s.get(AgentTaskRow, pharmacy)
            assert task is not None and task.state == TaskState.COLLECTED.value

    def test_a_task_stopped_while_its_photo_waits_gets_no_reading(
        self, sessions: sessionmaker[Session], master: FileMasterKey, tmp_path: object
    ) -> None:
        w = world(sessions, master)
        pharmacy = tasks_signed(sessions, master, w)[1]
        with sessions.begin() as s:
            service.check_in(s, master, AGENT_A, task_id=pharmacy, place="약국 카운터", now=NOW)
            did = s.scalars(select(TaskDocumentRow.id).where(TaskDocumentRow.task_id == pharmacy)).one()
            photos.take(s, master, AGENT_A, task_id=pharmacy, document_id=did,
                        photo=receipt_pdf("김민준", "온누리약국", date(2024, 6, 1), tmp_path), now=LATER)  # fmt: skip
            service.revoke(s, Actor(Role.CUSTOMER, person_id=w.kim), task_id=pharmacy, now=LATER)
        jobs(sessions, master)
        with sessions.begin() as s:
            row = s.get(TaskDocumentRow, did)
            assert row is not None and row.state == "reading" and row.reading_sealed is None
            assert actions(s, "agent_task.document_collected") == 0

    def test_the_same_photo_twice_is_one_document(
        self, sessions: sessionmaker[Session], master: FileMasterKey, tmp_path: object
    ) -> None:
        w = world(sessions, master)
        pharmacy = tasks_signed(sessions, master, w)[1]
        photo = receipt_pdf("김민준", "온누리약국", date(2024, 6, 1), tmp_path)
        with sessions.begin() as s:
            service.check_in(s, master, AGENT_A, task_id=pharmacy, place="약국 카운터", now=NOW)
            did = s.scalars(select(TaskDocumentRow.id).where(TaskDocumentRow.task_id == pharmacy)).one()
        taken = []
        for _ in range(2):
            with sessions.begin() as s:
                taken.append(photos.take(s, master, AGENT_A, task_id=pharmacy, document_id=did, photo=photo, now=LATER))
            jobs(sessions, master)
        assert taken == [True, False]
        with sessions.begin() as s:
            assert s.scalar(select(func.count()).select_from(DocumentRow).where(DocumentRow.person_id == w.kim)) == 1
            task = s.get(AgentTaskRow, pharmacy)
            assert task is not None and task.state == TaskState.COLLECTED.value
            service.finish(s, AGENT_A, task_id=pharmacy, now=LATER)
            assert task.state == TaskState.DONE.value and task.poa_pdf_sealed is None

    def test_an_unreadable_photo_asks_for_a_retake(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        w = world(sessions, master)
        pharmacy = tasks_signed(sessions, master, w)[1]
        with sessions.begin() as s:  # on a claim, the document store's intake check refuses it at once
            service.check_in(s, master, AGENT_A, task_id=pharmacy, place="약국 카운터", now=NOW)
            did = s.scalars(select(TaskDocumentRow.id).where(TaskDocumentRow.task_id == pharmacy)).one()
            with pytest.raises(Invalid, match="다시 찍어"):
                photos.take(s, master, AGENT_A, task_id=pharmacy, document_id=did, photo=BROKEN_JPEG, now=LATER)
        tid, did = no_claim_task(sessions, master, w)
        with sessions.begin() as s:  # without a claim, the job finds it unreadable
            photos.take(s, master, AGENT_A, task_id=tid, document_id=did, photo=BROKEN_JPEG, now=LATER)
        jobs(sessions, master)
        with sessions.begin() as s:
            view = service.agent_task(s, master, AGENT_A, task_id=tid, now=LATER)
            assert view.documents[0].state == "unreadable"
            assert view.documents[0].reading == {"error": "document_refused"}  # the reader's code, not its words
            with pytest.raises(Invalid, match="다시 찍어"):  # the same picture again is refused, not re-read
                photos.take(s, master, AGENT_A, task_id=tid, document_id=did, photo=BROKEN_JPEG, now=LATER)

    def test_without_a_claim_the_photo_is_kept_as_the_persons_sealed_document(
        self, sessions: sessionmaker[Session], master: FileMasterKey, tmp_path: object
    ) -> None:
        w = world(sessions, master)
        tid, did = no_claim_task(sessions, master, w)
        photo = receipt_pdf("이서연", "온누리약국", date(2024, 6, 1), tmp_path)
        with sessions.begin() as s:
            photos.take(s, master, AGENT_A, task_id=tid, document_id=did, photo=photo, now=LATER)
        jobs(sessions, master)
        with sessions.begin() as s:
            row = s.get(TaskDocumentRow, did)
            assert row is not None and row.document_id is not None and row.state == "collected"
            stored = s.get(DocumentRow, row.document_id)
            assert stored is not None and stored.kind == "agent:PHARM_RECEIPT" and stored.person_id == w.lee
            assert stored.content_sealed is not None and b"%PDF" not in stored.content_sealed
            seen = service.agent_task(s, master, AGENT_A, task_id=tid, now=LATER).documents[0].reading
            # read from its own sealed document: the hospital layout of the test receipt is not the 약제비 영수증 asked for
            assert seen is not None and (seen["kind"], seen["kind_matches"], seen["patient_matches"]) == (
                "hospital_receipt", False, True)  # fmt: skip

    def test_photos_and_fees_wait_for_the_check_in(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        w = world(sessions, master)
        clinic = tasks_signed(sessions, master, w)[0]
        with sessions.begin() as s:
            did = s.scalars(select(TaskDocumentRow.id).where(TaskDocumentRow.task_id == clinic)).first()
            assert did is not None
            with pytest.raises(Conflict):
                service.record_fee(s, AGENT_A, task_id=clinic, document_id=did, item="receipt", pages=1, amount=0,
                                   now=NOW)  # fmt: skip

    def test_a_fee_above_the_cap_is_refused_and_nothing_is_recorded(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        w = world(sessions, master)
        clinic = tasks_signed(sessions, master, w)[0]
        with sessions.begin() as s:
            service.check_in(s, master, AGENT_A, task_id=clinic, place="원무과", now=NOW)
            did = s.scalars(select(TaskDocumentRow.id).where(TaskDocumentRow.task_id == clinic)).first()
        assert did is not None
        with sessions.begin() as s, pytest.raises(FeeAboveCap, match="20,000원"):
            service.record_fee(s, AGENT_A, task_id=clinic, document_id=did, item="general_diagnosis", pages=1,
                               amount=25_000, now=NOW)  # fmt: skip
        with sessions.begin() as s:
            row = s.get(TaskDocumentRow, did)
            assert row is not None and row.fee is None and actions(s, "agent_task.fee_recorded") == 0
            service.record_fee(s, AGENT_A, task_id=clinic, document_id=did, item="general_diagnosis", pages=1,
                               amount=20_000, now=NOW)  # fmt: skip
            service.record_fee(s, AGENT_A, task_id=clinic, document_id=did, item="record_copy", pages=7,
                               amount=5_200, now=NOW)  # fmt: skip
            assert (row.fee, row.fee_cap, row.fee_item) == (5_200, 5_200, "record_copy")

    def test_staff_see_every_task_with_its_state_and_cost(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        w = world(sessions, master)
        clinic, pharmacy = tasks_signed(sessions, master, w)
        with sessions.begin() as s:
            service.check_in(s, master, AGENT_A, task_id=clinic, place="원무과", now=NOW)
            for did in s.scalars(select(TaskDocumentRow.id).where(TaskDocumentRow.task_id == clinic)).all()[:2]:
                service.record_fee(s, AGENT_A, task_id=clinic, document_id=did, item="outpatient_confirm", pages=1,
                                   amount=3_000, now=NOW)  # fmt: skip
        with sessions.begin() as s:
            tasks = {t.id: t for t in service.staff_tasks(s, master, ADMIN, now=NOW)}
        assert (tasks[clinic].state, tasks[clinic].cost, tasks[clinic].documents) == ("checked_in", 6_000, 3)
        assert (tasks[pharmacy].state, tasks[pharmacy].cost, tasks[pharmacy].person_name) == ("assigned", 0, "김민준")


class TestMinors:
    def _child_task(self, sessions: sessionmaker[Session], master: FileMasterKey, w: World) -> tuple[int, int]:
        from silson.claims import representation

        with sessions.begin() as s:
            child = people.register(s, master, name="김하준", birth_date=date(2015, 5, 5), phone="010-4821-7731",
                                    rrn=None, now=NOW)  # fmt: skip
            consent.grant(s, Actor(Role.CUSTOMER, person_id=child), person_id=child,
                          purpose=consent.Purpose.DOCUMENT_ISSUANCE, version="2026-01", now=NOW)  # fmt: skip
            representation.record_guardian(s, master, REVIEWER, guardian_id=w.kim, ward_id=child, now=NOW)
            tid = service.request_documents(s, master, REVIEWER, person_id=child, now=NOW, agent_id="agent-a",
                                            institution=Institution("1234567890", "연세가정의원", "서울 마포구"),
                                            asks=[Ask("RECEIPT", date(2024, 6, 1))])  # fmt: skip
        return child, tid

    def test_under_14_the_parent_signs_and_the_papers_name_them_as_법정대리인(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        import subprocess

        w = world(sessions, master)
        child, tid = self._child_task(sessions, master, w)
        with sessions.begin() as s, pytest.raises(Forbidden, match="법정대리인"):
            service.sign(s, master, Actor(Role.CUSTOMER, person_id=child), task_id=tid, signature_png=signature_png(),
                         id_copy=id_copy_jpeg(), now=NOW)  # fmt: skip
        parent = Actor(Role.CUSTOMER, person_id=w.kim)
        with sessions.begin() as s:
            assert [t.id for t in service.person_tasks(s, master, parent, person_id=child, today=NOW.date())] == [tid]
            service.sign(s, master, parent, task_id=tid, signature_png=signature_png(), id_copy=id_copy_jpeg(), now=NOW)
            pdf = service.paper(s, master, AGENT_A, task_id=tid, which="poa", now=NOW)
        text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout
        page = " ".join(text.decode("utf-8").split())
        assert "김하준" in page and "법정대리인 (친권자) 김민준 (서명 또는 인)" in page and "가족관계증명서" in page
        with sessions.begin() as s:
            service.revoke(s, parent, task_id=tid, now=LATER)
            assert service.stop_reason(s, s.get(AgentTaskRow, tid), LATER.date()) == "위임 철회 (친권자)"  # type: ignore[arg-type]

    def test_someone_not_the_parent_cannot_sign_for_the_child(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        w = world(sessions, master)
        child, tid = self._child_task(sessions, master, w)
        lee = Actor(Role.CUSTOMER, person_id=w.lee)
        with sessions.begin() as s, pytest.raises(NotFound):
            service.sign(s, master, lee, task_id=tid, signature_png=signature_png(), id_copy=id_copy_jpeg(), now=NOW)
        with sessions.begin() as s, pytest.raises(Forbidden):
            service.person_tasks(s, master, lee, person_id=child, today=NOW.date())


class TestAssign:
    def test_staff_reassign_before_the_signature_and_never_after(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        w = world(sessions, master)
        with sessions.begin() as s:
            tid = service.from_checklist(s, master, REVIEWER, claim_id=w.claim, agent_id="agent-a", now=NOW)[0]
            service.assign(s, REVIEWER, task_id=tid, agent_id="agent-b", now=NOW)
            with pytest.raises(Forbidden):
                service.assign(s, AGENT_A, task_id=tid, agent_id="agent-a", now=NOW)
        with sessions.begin() as s:
            service.sign(s, master, Actor(Role.CUSTOMER, person_id=w.kim), task_id=tid, signature_png=signature_png(),
                         id_copy=id_copy_jpeg(), now=NOW)  # fmt: skip
            poa = s.get(AgentTaskRow, tid)
            assert poa is not None and poa.agent_id == "agent-b"
            assert [p.agent_id for p in consent.open_powers(s, w.kim)] == ["agent-b"]  # the 위임장 names agent B
        with sessions.begin() as s, pytest.raises(Conflict):
            service.assign(s, REVIEWER, task_id=tid, agent_id="agent-a", now=NOW)
