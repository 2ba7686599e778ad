"""The document store on both databases: uploads sealed and deduplicated, refused for the wrong
people and for hostile files, read by the job, reviewed with an audit trail, attached to visits
(the engine's figures follow), and holding back a release while a doubtful field has had no look."""

from __future__ import annotations

import copy
import io
import json
import struct
import zlib
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from silson.access import Actor, Forbidden, Role
from silson.claims import checklist, events, release
from silson.claims import service as claims
from silson.discover.providers import ProviderDirectory
from silson.documents.errors import DocumentRefused
from silson.documentstore import guard, service
from silson.documentstore.models import DocumentFileRow, DocumentReviewRow
from silson.errors import Invalid, NotFound
from silson.jobs import outbox
from silson.privacy import family
from silson.privacy.crypto import FileMasterKey
from silson.rules.catalogue import load_catalogue
from silson.store import repository
from silson.store.models import AuditRow, DocumentRow, JobRow
from tests.claims.conftest import NOW, engine, master, person_with_estimate, sessions

__all__ = ["engine", "master", "sessions"]

REVIEWER = Actor(Role.REVIEWER, staff_id="rev-1")
DIRECTORY = ProviderDirectory.load()
CATALOGUE = load_catalogue()

EDOC: dict[str, Any] = {
    "format": "silson-edocument/1",
    "document": "hospital_receipt",
    "issued": "2025-05-20",
    "provider": {"name": "바른정형외과병원", "business_number": "1449939134"},
    "patient": {"name": "김민준"},
    "visit": {"kind": "outpatient", "start": "2025-04-11", "end": "2025-04-11", "kcd": ["M54.5"]},
    "amounts": {"covered_copay": 17900, "nhis_paid": 41830, "covered_full": 8950, "noncovered": 110000,
                "room_difference": 0, "cap_excess": 0, "total": 178680, "patient_total": 136850, "already_paid": 0,
                "paid": {"card": 136850, "cash_receipt": 0, "cash": 0}},
    "items": [{"code": "MM301", "name": "도수치료", "category": "manual_therapy", "amount": 100000, "covered": False,
               "count": 1}],
}  # fmt: skip


def edoc(**change: Any) -> bytes:
    doc = copy.deepcopy(EDOC)
    for path, value in change.items():
        node = doc
        parts = path.split("__")
        for part in parts[:-1]:
            node = node[part]
        node[parts[-1]] = value
    return json.dumps(doc, ensure_ascii=False).encode()


def png(width: int, height: int) -> bytes:
    """A PNG whose header claims this size (the pixels are not there: intake reads headers only)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 16)) + chunk(b"IEND", b"")
    )


def small_png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("L", (40, 30), 255).save(out, format="PNG")
    return out.getvalue()


def new_claim(sessions: sessionmaker[Session], pid: int, visits: list[dict[str, Any]] | None = None) -> int:
    with sessions.begin() as s:
        spending = repository.spending_of(s, pid)[0].id
        contract = repository.contracts_of(s, pid)[0]
        item = claims.ItemIn(f"spending:{spending}", f"contract:{contract.id}", date(2025, 4, 11), 100_000)
        claim = claims.open_claim(s, Actor(Role.CUSTOMER, person_id=pid), person_id=pid, insurer=contract.insurer,
                                  items=[item], now=NOW)  # fmt: skip
    for visit in visits or []:
        with sessions.begin() as s:
            events.add(s, MASTER_OF[id(sessions)], REVIEWER, claim_id=claim, event=visit, now=NOW)
    return claim


MASTER_OF: dict[int, FileMasterKey] = {}


@pytest.fixture
def world(sessions: sessionmaker[Session], master: FileMasterKey) -> dict[str, Any]:
    MASTER_OF[id(sessions)] = master
    kim = person_with_estimate(sessions, master)
    lee = person_with_estimate(sessions, master, name="이서연", born=date(1988, 9, 3), phone="010-3377-9182")
    return {"kim": kim, "lee": lee, "claim": new_claim(sessions, kim)}


def upload(sessions: sessionmaker[Session], master: FileMasterKey, actor: Actor, claim: int,
           *files: tuple[str, bytes]) -> list[service.Uploaded]:  # fmt: skip
    with sessions.begin() as s:
        return service.upload(s, master, actor, claim_id=claim, files=list(files), now=NOW)


def read_all(sessions: sessionmaker[Session], master: FileMasterKey) -> int:
    return outbox.sweep(sessions, lambda: NOW, context=outbox.JobContext(master, CATALOGUE))


class TestUpload:
    def test_each_file_is_sealed_and_queued_to_be_read(self, sessions: sessionmaker[Session],
                                                       master: FileMasterKey, world: dict[str, Any]) -> None:  # fmt: skip
        me = Actor(Role.CUSTOMER, person_id=world["kim"])
        done = upload(sessions, master, me, world["claim"], ("a.json", edoc()), ("b.json", edoc(issued="2025-05-21")))
        assert [d.duplicate for d in done] == [False, False]
        with sessions.begin() as s:
            stored = s.scalars(select(DocumentRow)).all()
            assert len(stored) == 2
            assert all(b"1449939134" not in (d.content_sealed or b"") for d in stored)  # sealed, not in clear
            jobs = s.scalars(select(JobRow).where(JobRow.kind == service.READ_JOB)).all()
            assert sorted(j.key for j in jobs) == sorted(f"document.read:{d.document_id}" for d in done)
            assert sorted(json.loads(j.payload)["document"] for j in jobs) == [d.document_id for d in done]  # ids only
            assert [d.state for d in service.of_claim(s, me, claim_id=world["claim"])] == ["queued", "queued"]

    def test_the_same_file_twice_is_one_document(self, sessions: sessionmaker[Session], master: FileMasterKey,
                                                 world: dict[str, Any]) -> None:  # fmt: skip
        me = Actor(Role.CUSTOMER, person_id=world["kim"])
        first = upload(sessions, master, me, world["claim"], ("a.json", edoc()))
        again = upload(sessions, master, me, world["claim"], ("copy.json", edoc()), ("same.json", edoc()))
        assert [(u.document_id, u.duplicate) for u in again] == [(first[0].document_id, True)] * 2
        with sessions.begin() as s:
            assert len(s.scalars(select(DocumentFileRow)).all()) == 1
            assert len(s.scalars(select(JobRow).where(JobRow.kind == service.READ_JOB)).all()) == 1

    def test_another_persons_claim_is_refused(self, sessions: sessionmaker[Session], master: FileMasterKey,
                                              world: dict[str, Any]) -> None:  # fmt: skip
        lee = Actor(Role.CUSTOMER, person_id=world["lee"])
        with pytest.raises(Forbidden):
            upload(sessions, master, lee, world["claim"], ("a.json", edoc()))
        with sessions.begin() as s:
            assert s.scalars(select(DocumentRow)).all() == []

    def test_a_family_viewer_cannot_upload(self, sessions: sessionmaker[Session], master: FileMasterKey,
                                           world: dict[str, Any]) -> None:  # fmt: skip
        kim, lee = world["kim"], world["lee"]
        with sessions.begin() as s:
            link = family.invite(s, Actor(Role.CUSTOMER, person_id=kim), inviter_id=kim, member_id=lee, now=NOW)
            family.accept(s, Actor(Role.CUSTOMER, person_id=lee), link_id=link, now=NOW)
        viewer = Actor(Role.CUSTOMER, person_id=lee, views=frozenset({kim}))
        with pytest.raises(Forbidden, match="본인 또는 심사센터"):
            upload(sessions, master, viewer, world["claim"], ("a.json", edoc()))

    @pytest.mark.parametrize(("content", "message"), [
        (b"MZ\x90\x00 not a receipt", "unknown file type"),
        (png(12_000, 9_000), "megapixel limit"),
        (small_png() + b"PK\x05\x06" + b"\0" * 18, "polyglot"),
        (b'{"format": "silson-edocument/1", "document": "hospital_receipt", "extra": 1}', "e-document field"),
    ])  # fmt: skip
    def test_hostile_files_are_refused_naming_the_file_and_nothing_is_stored(
        self, sessions: sessionmaker[Session], master: FileMasterKey, world: dict[str, Any], content: bytes,
        message: str,
    ) -> None:  # fmt: skip
        me = Actor(Role.CUSTOMER, person_id=world["kim"])
        if message == "e-document field":  # well-formed at the door; its fields are read by the job
            done = upload(sessions, master, me, world["claim"], ("bad.json", content))
            read_all(sessions, master)
            with sessions.begin() as s:
                row = s.get(DocumentFileRow, done[0].document_id)
                assert row is not None and row.state == "failed" and "e-document field" in (row.error or "")
            return
        with pytest.raises(DocumentRefused, match=message) as refused:
            upload(sessions, master, me, world["claim"], ("good.json", edoc()), ("evil.bin", content))
        assert str(refused.value).startswith("evil.bin: ")
        with sessions.begin() as s:  # all or nothing: the good file of the same upload is not kept either
            assert s.scalars(select(DocumentRow)).all() == []
            assert s.scalars(select(JobRow)).all() == []

    def test_too_many_files_at_once_are_refused(self, sessions: sessionmaker[Session], master: FileMasterKey,
                                                world: dict[str, Any]) -> None:  # fmt: skip
        me = Actor(Role.CUSTOMER, person_id=world["kim"])
        files = [(f"{i}.json", edoc(issued=f"2025-05-{i + 1:02d}")) for i in range(service.MAX_FILES + 1)]
        with pytest.raises(Invalid, match="10개까지"):
            upload(sessions, master, me, world["claim"], *files)

    def test_a_claim_holds_a_bounded_number_of_documents(self, sessions: sessionmaker[Session], master: FileMasterKey,
                                                         world: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
        monkeypatch.setattr(service, "MAX_PER_CLAIM", 2)
        me = Actor(Role.CUSTOMER, person_id=world["kim"])
        upload(sessions, master, me, world["claim"], ("a.json", edoc()), ("b.json", edoc(issued="2025-05-21")))
        with pytest.raises(Invalid, match="2개까지"):
            upload(sessions, master, me, world["claim"], ("c.json", edoc(issued="2025-05-22")))


class TestReading:
    def test_the_job_reads_and_counts_the_doubtful_fields(self, sessions: sessionmaker[Session],
                                                          master: FileMasterKey, world: dict[str, Any]) -> None:  # fmt: skip
        me = Actor(Role.CUSTOMER, person_id=world["kim"])
        done = upload(sessions, master, me, world["claim"], ("a.json", edoc(amounts__total=178690)))
        assert read_all(sessions, master) == 1
        with sessions.begin() as s:
            (doc,) = service.of_claim(s, me, claim_id=world["claim"])
            assert (doc.state, doc.kind) == ("read", "hospital_receipt")
            # the total breaks ⑥ = ①+②+③+④ (every amount of it is in doubt), and "…병원" may be a 종합병원
            console = service.console(s, master, DIRECTORY, REVIEWER, document_id=done[0].document_id,
                                      catalogue=CATALOGUE, now=NOW)  # fmt: skip
            doubtful = [f.spec.path for f in console.fields if f.open]
            assert doubtful[0] == "institution.kind" and "amounts.total" in doubtful
            assert "visit.date" not in doubtful and doc.open_doubts == len(doubtful)
            assert console.failed_checks and not console.failed_checks[0]["ok"]
        assert read_all(sessions, master) == 0  # read once

    def test_only_the_review_center_opens_a_document(self, sessions: sessionmaker[Session], master: FileMasterKey,
                                                     world: dict[str, Any]) -> None:  # fmt: skip
        me = Actor(Role.CUSTOMER, person_id=world["kim"])
        done = upload(sessions, master, me, world["claim"], ("scan.png", small_png()))
        doc = done[0].document_id
        with sessions.begin() as s:
            for who in (me, Actor(Role.CUSTOMER, person_id=world["lee"]), Actor(Role.FIELD_AGENT, staff_id="a1")):
                with pytest.raises(NotFound):
                    service.image(s, master, who, document_id=doc, now=NOW)
                with pytest.raises(NotFound):
                    service.console(s, master, DIRECTORY, who, document_id=doc, catalogue=CATALOGUE, now=NOW)
            content, media = service.image(s, master, REVIEWER, document_id=doc, now=NOW)
            assert (content, media) == (small_png(), "image/png") or media == "image/png"
            viewed = s.scalars(select(AuditRow).where(AuditRow.action == "document.viewed")).all()
            assert [json.loads(a.detail)["document"] for a in viewed] == [doc]


def reviewed(sessions: sessionmaker[Session], master: FileMasterKey, world: dict[str, Any],
             content: bytes) -> int:  # fmt: skip
    done = upload(sessions, master, Actor(Role.CUSTOMER, person_id=world["kim"]), world["claim"], ("a.json", content))
    read_all(sessions, master)
    return done[0].document_id


class TestCorrection:
    def test_a_correction_keeps_the_reading_and_is_audited_with_who_and_why(
        self, sessions: sessionmaker[Session], master: FileMasterKey, world: dict[str, Any]
    ) -> None:
        doc = reviewed(sessions, master, world, edoc(amounts__total=178690))
        with sessions.begin() as s, pytest.raises(Invalid, match="이유"):
            service.review_field(s, master, DIRECTORY, REVIEWER, document_id=doc, path="amounts.total",
                                 value="178,680", reason=" ", now=NOW)  # fmt: skip
        with sessions.begin() as s:
            assert service.review_field(s, master, DIRECTORY, REVIEWER, document_id=doc, path="amounts.total",
                                        value="178,680", reason="항목 합계와 맞춤", now=NOW)  # fmt: skip
        with sessions.begin() as s:  # the same correction again changes nothing
            assert not service.review_field(s, master, DIRECTORY, REVIEWER, document_id=doc, path="amounts.total",
                                            value="178680", reason="다시", now=NOW)  # fmt: skip
        with sessions.begin() as s:
            console = service.console(s, master, DIRECTORY, REVIEWER, document_id=doc, catalogue=CATALOGUE, now=NOW)
            total = next(f for f in console.fields if f.spec.path == "amounts.total")
            assert (total.read, total.value, total.open) == (178_690, 178_680, False)  # the reading is kept
            assert [(h["action"], h["from"], h["to"], h["reason"], h["actor"]) for h in total.history] == [
                ("correct", 178_690, 178_680, "항목 합계와 맞춤", "reviewer:rev-1")
            ]
            assert console.reading is not None and console.reading["amounts"]["total"] == 178_690
            audit = s.scalars(select(AuditRow).where(AuditRow.action == "document.field_corrected")).all()
            assert len(audit) == 1 and audit[0].actor == "reviewer:rev-1"
            detail = json.loads(audit[0].detail)
            assert detail["field"] == "amounts.total" and "178" not in audit[0].detail  # values stay sealed
            assert len(s.scalars(select(DocumentReviewRow)).all()) == 1

    def test_a_customer_cannot_correct_and_bad_values_name_the_field(
        self, sessions: sessionmaker[Session], master: FileMasterKey, world: dict[str, Any]
    ) -> None:
        doc = reviewed(sessions, master, world, edoc())
        with sessions.begin() as s:
            with pytest.raises(NotFound):
                service.review_field(s, master, DIRECTORY, Actor(Role.CUSTOMER, person_id=world["kim"]),
                                     document_id=doc, path="amounts.noncovered", value="1", reason="x",
                                     now=NOW)  # fmt: skip
            with pytest.raises(Invalid, match="0 이상의 원") as bad:
                service.review_field(s, master, DIRECTORY, REVIEWER, document_id=doc, path="amounts.noncovered",
                                     value="12,0OO", reason="x", now=NOW)  # fmt: skip
            assert bad.value.field == "value"
            with pytest.raises(Invalid, match="고칠 수 있는 항목"):
                service.review_field(s, master, DIRECTORY, REVIEWER, document_id=doc, path="meta.reader",
                                     value="x", reason="x", now=NOW)  # fmt: skip


class TestToClaim:
    def test_a_reviewed_receipt_becomes_a_visit_and_a_correction_moves_the_figures(
        self, sessions: sessionmaker[Session], master: FileMasterKey, world: dict[str, Any]
    ) -> None:
        doc = reviewed(sessions, master, world, edoc())
        claim = world["claim"]
        with sessions.begin() as s:
            service.review_field(s, master, DIRECTORY, REVIEWER, document_id=doc, path="institution.kind",
                                 value="hospital", reason="", now=NOW)  # fmt: skip
            visit = service.attach(s, master, DIRECTORY, REVIEWER, document_id=doc, event_id=None, cause="disease",
                                   now=NOW)  # fmt: skip
        with sessions.begin() as s:  # the same request again (a double tap, a replay) makes no second visit
            again = service.attach(s, master, DIRECTORY, REVIEWER, document_id=doc, event_id=None, cause="disease",
                                   now=NOW)  # fmt: skip
            assert again == visit
        with sessions.begin() as s:
            (stored,) = events.of_claim(s, master, REVIEWER, claim)
            assert stored.id == visit
            attached = s.scalars(select(AuditRow).where(AuditRow.action == "document.attached")).all()
            assert len(attached) == 1
            assert {k: stored.data.get(k) for k in ("kind", "date", "covered_copay", "covered_full", "noncovered",
                                                    "nhis_paid", "kcd")} == {
                "kind": "outpatient", "date": "2025-04-11", "covered_copay": 17_900, "covered_full": 8_950,
                "noncovered": 110_000, "nhis_paid": 41_830, "kcd": ["M54.5"]}  # fmt: skip
            assert stored.data["institution"] == {"kind": "hospital", "name": "바른정형외과병원"}
            assert stored.data["items"] == [{"category": "manual_therapy", "amount": 100_000}]
            before = events.figures(s, master, CATALOGUE, REVIEWER, claim_id=claim, claim_date=NOW.date(), now=NOW)
            marked = {r.code: r.state for r in repository_documents(s, claim) if r.subject == f"e{visit}"}
            assert marked.get("RECEIPT") == "received"
        with sessions.begin() as s:  # the 비급여 was misread: the visit and the figures follow at once
            service.review_field(s, master, DIRECTORY, REVIEWER, document_id=doc, path="amounts.noncovered",
                                 value="105,000", reason="영수증 원본 확인: 비급여 105,000원", now=NOW)  # fmt: skip
        with sessions.begin() as s:
            (stored,) = events.of_claim(s, master, REVIEWER, claim)
            assert (stored.data["noncovered"], stored.revision) == (105_000, 2)
            after = events.figures(s, master, CATALOGUE, REVIEWER, claim_id=claim, claim_date=NOW.date(), now=NOW)
            assert after.own_total < before.own_total
            corrected = s.scalars(select(AuditRow).where(AuditRow.action == "claim.event_corrected")).all()
            assert json.loads(corrected[-1].detail) == {"event": visit, "fields": ["noncovered"], "from_document": doc}

    def test_the_matching_visit_is_suggested_and_attaching_corrects_it(
        self, sessions: sessionmaker[Session], master: FileMasterKey, world: dict[str, Any]
    ) -> None:
        near = {
            "kind": "outpatient",
            "date": "2025-04-11",
            "cause": "injury",
            "institution": {"kind": "clinic"},
            "covered_copay": 17_900,
            "covered_full": 8_950,
            "noncovered": 100_000,
        }
        far = {"kind": "outpatient", "date": "2025-02-03", "cause": "disease", "institution": {"kind": "clinic"},
               "covered_copay": 17_900, "covered_full": 8_950, "noncovered": 110_000}  # fmt: skip
        claim = new_claim(sessions, world["kim"], [far, near])
        done = upload(sessions, master, Actor(Role.CUSTOMER, person_id=world["kim"]), claim, ("a.json", edoc()))
        read_all(sessions, master)
        doc = done[0].document_id
        with sessions.begin() as s:
            visits = events.of_claim(s, master, REVIEWER, claim)
            console = service.console(s, master, DIRECTORY, REVIEWER, document_id=doc, catalogue=CATALOGUE, now=NOW)
            # the same day at the same amounts is the one; the same amounts on another day alone are not
            assert [m.event_id for m in console.suggestions] == [visits[1].id]
            assert "진료일 같음" in console.suggestions[0].reasons
            service.review_field(s, master, DIRECTORY, REVIEWER, document_id=doc, path="institution.kind",
                                 value="hospital", reason="", now=NOW)  # fmt: skip
            service.attach(s, master, DIRECTORY, REVIEWER, document_id=doc, event_id=visits[1].id, cause="injury",
                           now=NOW)  # fmt: skip
        with sessions.begin() as s:
            stored = {v.id: v for v in events.of_claim(s, master, REVIEWER, claim)}[visits[1].id]
            assert (stored.data["noncovered"], stored.data["cause"], stored.data["institution"]["kind"]) == (
                110_000,
                "injury",
                "hospital",
            )

    def test_a_visit_of_another_claim_cannot_be_the_target(
        self, sessions: sessionmaker[Session], master: FileMasterKey, world: dict[str, Any]
    ) -> None:
        visit = {"kind": "outpatient", "date": "2025-04-11", "cause": "disease", "institution": {"kind": "clinic"}}
        other = new_claim(sessions, world["kim"], [visit])
        doc = reviewed(sessions, master, world, edoc())
        with sessions.begin() as s:
            (target,) = events.of_claim(s, master, REVIEWER, other)
            with pytest.raises(NotFound):
                service.attach(s, master, DIRECTORY, REVIEWER, document_id=doc, event_id=target.id,
                               cause="disease", now=NOW)  # fmt: skip


def repository_documents(s: Session, claim: int) -> list[Any]:
    from silson.claims import repository as claim_repository

    return list(claim_repository.documents_of(s, claim))


class TestReleaseGuard:
    def test_nothing_doubtful_goes_to_the_insurer_before_a_person_looked(
        self, sessions: sessionmaker[Session], master: FileMasterKey, world: dict[str, Any]
    ) -> None:
        claim = world["claim"]
        done = upload(sessions, master, Actor(Role.CUSTOMER, person_id=world["kim"]), claim,
                      ("a.json", edoc(amounts__total=178690)))  # fmt: skip
        doc = done[0].document_id
        with sessions.begin() as s:
            assert guard.blocking_reasons(s, claim) == [f"서류 #{doc}을(를) 아직 읽는 중이에요"]
        read_all(sessions, master)
        with sessions.begin() as s:  # a visit of it, and every paper of the checklist in: only the doubts are left
            service.attach(s, master, DIRECTORY, REVIEWER, document_id=doc, event_id=None, cause="disease", now=NOW)
            for row in checklist.checklist(s, master, DIRECTORY, REVIEWER, claim_id=claim, now=NOW):
                checklist.mark(s, master, REVIEWER, document_id=row.id, state=checklist.DocState.RECEIVED,
                               reason="", now=NOW)  # fmt: skip
        with sessions.begin() as s:
            console = service.console(s, master, DIRECTORY, REVIEWER, document_id=doc, catalogue=CATALOGUE, now=NOW)
            doubtful = [f.spec.path for f in console.fields if f.open]
            assert guard.blocking_reasons(s, claim) == [f"서류 #{doc}에 확인하지 않은 항목이 {len(doubtful)}개 있어요"]
        for path in doubtful:
            refused = pytest.raises(release.NotReleasable, match="사람이 확인하기 전")
            with sessions.begin() as s, refused:  # the release is refused while any one is left
                release.release(s, master, DIRECTORY, REVIEWER, claim_id=claim, idempotency_key="r1", now=NOW)
            with sessions.begin() as s:
                value = "178680" if path == "amounts.total" else None
                service.review_field(s, master, DIRECTORY, REVIEWER, document_id=doc, path=path, value=value,
                                     reason="①+②+③+④", now=NOW)  # fmt: skip
        with sessions.begin() as s:
            assert guard.blocking_reasons(s, claim) == []
            package = release.release(s, master, DIRECTORY, REVIEWER, claim_id=claim, idempotency_key="r1", now=NOW)
            assert package.state == "queued"

    def test_a_set_aside_document_holds_nothing_back(
        self, sessions: sessionmaker[Session], master: FileMasterKey, world: dict[str, Any]
    ) -> None:
        doc = reviewed(sessions, master, world, edoc(amounts__total=178690))
        with sessions.begin() as s:
            with pytest.raises(Invalid, match="이유"):
                service.set_aside(s, REVIEWER, document_id=doc, reason="", now=NOW)
            assert service.set_aside(s, REVIEWER, document_id=doc, reason="다른 사람 영수증", now=NOW)
            assert guard.blocking_reasons(s, world["claim"]) == []


class TestOtherDocuments:
    def test_an_itemised_bill_adds_its_items_and_keeps_the_visits_amounts(
        self, sessions: sessionmaker[Session], master: FileMasterKey, world: dict[str, Any]
    ) -> None:
        visit = {"kind": "outpatient", "date": "2025-04-11", "cause": "injury", "institution": {"kind": "hospital"},
                 "covered_copay": 17_900, "noncovered": 110_000}  # fmt: skip
        claim = new_claim(sessions, world["kim"], [visit])
        bill = copy.deepcopy(EDOC)
        bill["document"], bill["amounts"] = "itemised_bill", None
        bill["items"].append({"name": "MRI", "category": "mri", "amount": 10_000, "covered": False})
        done = upload(sessions, master, Actor(Role.CUSTOMER, person_id=world["kim"]), claim,
                      ("bill.json", json.dumps(bill, ensure_ascii=False).encode()))  # fmt: skip
        read_all(sessions, master)
        with sessions.begin() as s:
            (target,) = events.of_claim(s, master, REVIEWER, claim)
            service.attach(s, master, DIRECTORY, REVIEWER, document_id=done[0].document_id, event_id=target.id,
                           cause="disease", now=NOW)  # fmt: skip
        with sessions.begin() as s:
            (after,) = events.of_claim(s, master, REVIEWER, claim)
            assert (after.data["covered_copay"], after.data["noncovered"], after.data["cause"]) == (
                17_900, 110_000, "injury")  # fmt: skip
            assert after.data["items"] == [{"category": "manual_therapy", "amount": 100_000},
                                           {"category": "mri", "amount": 10_000}]  # fmt: skip
            assert after.data["kcd"] == ["M54.5"]
            marked = {r.code: r.state for r in repository_documents(s, claim) if r.subject == f"e{target.id}"}
            assert marked.get("ITEMIZED") in (None, "received")
