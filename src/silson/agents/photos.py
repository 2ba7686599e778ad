"""The agent's photos of issued documents (issue 18): `take` stores a photo as the person's document
and queues it to be read; `read` is that job's work. Reading a photographed page takes 4–7 s of OCR,
so it never runs inside the agent's request: the page says the photo is being read and shows what the
reader found when the job is done. The job lives in the database outbox (silson.jobs.outbox), so a
worker that dies mid-reading leaves it to the next one and the photo is never lost.

A photo on a claim is read once, by the document store's own reading (`documentstore.read`, which
the review center's look at doubtful fields uses too); a photo for a task without a claim is read
here from its sealed document. Services never commit."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from silson.access import Actor, Role
from silson.agents import repository
from silson.agents.models import AgentTaskRow, TaskDocumentRow
from silson.agents.service import (
    LIVE,
    TaskState,
    _key,
    _live_task,
    _require_checked_in,
    _seal_json,
    _task_document,
    sniff_image,
    stop_reason,
)
from silson.audit import chain
from silson.claims import checklist
from silson.claims.checklist import DocState
from silson.discover.providers import ProviderDirectory
from silson.documents import DocumentError, read_document
from silson.documentstore import service as documentstore
from silson.documentstore.models import DocumentFileRow
from silson.errors import Invalid
from silson.jobs import outbox
from silson.privacy import people, withdrawal
from silson.privacy.crypto import MasterKey, open_sealed
from silson.store.models import DocumentRow

READ_JOB = "agent_task.read"
READING = "reading"  # photo taken, the job has not read it yet
UNREADABLE = "unreadable"  # the reader could not read it: the agent retakes it
COLLECTED = "collected"
READING_COLUMN = "agent_task_document.reading"
RETAKE = "사진을 읽을 수 없어요. 서류 전체가 밝고 반듯하게 보이도록 다시 찍어 주세요"


def summary(receipt: dict[str, Any], person_name: str, code: str) -> dict[str, Any]:
    """What the agent is shown of a reading: which paper it is, whether it is the one asked for (`code`),
    from where, for which day, whether it names the person, how many fields need a person's look. No
    amounts.

    >>> seen = summary({"kind": "hospital_receipt", "provider": {"name": "가정의원"}, "patient": {"name": "김민준"},
    ...                 "visit": {"date": "2025-03-04"}, "needs_review": ["visit.kcd"]}, "김민준", "ITEMIZED")
    >>> seen["patient_matches"], seen["kind_matches"]
    (True, False)
    """
    patient = (receipt.get("patient") or {}).get("name")
    kind = str(receipt.get("kind") or "unknown")
    return {
        "kind": kind,
        "kind_matches": None if kind == "unknown" else code in documentstore.ANSWERS.get(kind, ()),
        "provider": (receipt.get("provider") or {}).get("name"),
        "date": (receipt.get("visit") or {}).get("date"),
        "patient_matches": None if not patient else patient.replace(" ", "") == person_name.replace(" ", ""),
        "doubtful": len(receipt.get("needs_review") or []),
    }


def _deliver(
    session: Session, master: MasterKey, actor: Actor, task: AgentTaskRow, row: TaskDocumentRow, photo: bytes,
    digest: str, now: datetime,
) -> int | None:  # fmt: skip
    """The photo as the person's document: on the claim's documents (the document store, where a reviewer
    looks at its doubtful fields before anything reaches the insurer), or, for a task without a claim, as
    a sealed document of the person (privacy.withdrawal: destroyed on arrival for a withdrawn person)."""
    if task.claim_id is not None:
        done = documentstore.upload(session, master, actor, claim_id=task.claim_id, now=now,
                                    files=[(f"agent-task-{task.id}-{row.code}", photo)])  # fmt: skip
        return done[0].document_id
    kind = sniff_image(photo, "photo") if not photo.startswith(b"%PDF-") else "pdf"
    content = json.dumps({"type": kind, "sha256": digest, "data": base64.b64encode(photo).decode("ascii")})
    return withdrawal.receive_document(session, master, actor, person_id=task.person_id, kind=f"agent:{row.code}",
                                       content=content, now=now)  # fmt: skip


def take(
    session: Session, master: MasterKey, actor: Actor, *, task_id: int, document_id: int, photo: bytes, now: datetime
) -> bool:
    """The photo of an issued document, sealed as the person's document and queued to be read. The same
    photo again queues nothing (False); a new photo replaces what the last one read."""
    task = _live_task(session, actor, task_id, now.date())
    _require_checked_in(task)
    row = _task_document(session, task, document_id)
    if not photo:
        raise Invalid("사진을 골라 주세요", field="file")
    if not photo.startswith(b"%PDF-"):
        sniff_image(photo, "file")  # what is not a photo or a PDF is refused now, not by the job
    digest = hashlib.sha256(photo).hexdigest()
    if row.photo_sha256 == digest and row.state in (READING, COLLECTED):
        return False
    if row.photo_sha256 == digest and row.state == UNREADABLE:
        raise Invalid(RETAKE, field="file")
    try:
        stored = _deliver(session, master, actor, task, row, photo, digest, now)
    except DocumentError:  # the document store's intake check (cheap) refused it: no job for a file it cannot read
        raise Invalid(
            "사진을 읽을 수 없어요. 서류 전체가 밝고 반듯하게 보이도록 다시 찍어 주세요", field="file"
        ) from None
    row.document_id, row.photo_sha256, row.state, row.read_at, row.reading_sealed = stored, digest, READING, None, None
    session.flush()
    outbox.enqueue(session, kind=READ_JOB, key=f"{READ_JOB}:{row.id}:{digest}",
                   payload={"task_document": row.id, "sha256": digest, "agent": actor.label}, now=now)  # fmt: skip
    chain.append(session, at=now, actor=actor.label, action="agent_task.photo_taken", object_type="agent_task",
                 object_id=str(task.id), detail={"document": row.id, "code": row.code, "stored": stored})  # fmt: skip
    return True


def _read_claim_photo(
    session: Session, master: MasterKey, directory: ProviderDirectory, document_id: int, now: datetime
) -> dict[str, Any]:
    """The document store's reading of the photo (read now if its own job has not yet)."""
    documentstore.read(session, master, directory, document_id=document_id, now=now)
    filed = session.get(DocumentFileRow, document_id)
    if filed is None or filed.state == "failed":
        raise DocumentError((filed.error if filed is not None else None) or "파일을 읽을 수 없어요")
    return documentstore.values_of(session, master, directory, filed)[0]


def _read_own_photo(session: Session, master: MasterKey, person_id: int, document_id: int) -> dict[str, Any]:
    stored = session.get(DocumentRow, document_id)
    key = people.data_key_or_none(session, master, person_id)
    if stored is None or stored.content_sealed is None or key is None:
        raise DocumentError("사진이 파기되어 읽을 수 없어요")
    content = json.loads(open_sealed(key, stored.content_sealed, "document"))
    photo = base64.b64decode(content["data"])
    with documentstore.private_folder("silson-agent-read-") as folder:
        path = Path(folder) / ("photo.pdf" if photo.startswith(b"%PDF-") else "photo.img")
        path.write_bytes(photo)
        return read_document(path)


def read(
    session: Session, master: MasterKey, directory: ProviderDirectory, *, task_document_id: int, sha256: str,
    agent: str, now: datetime,
) -> dict[str, Any]:  # fmt: skip
    """The job's work: read the photo, keep what the agent is shown (sealed) and mark the document
    collected (and the checklist row it fills received); an unreadable photo is marked for a retake.
    Nothing changes for a photo since replaced, or a task that stopped or ended meanwhile."""
    row = session.get(TaskDocumentRow, task_document_id, with_for_update=True)
    if row is None or row.photo_sha256 != sha256 or row.state != READING or row.document_id is None:
        return {"skipped": "not waiting to be read"}
    task = session.get(AgentTaskRow, row.task_id)
    if task is None or task.state not in [s.value for s in LIVE] or stop_reason(session, task, now.date()):
        return {"skipped": "task no longer live"}
    key = _key(session, master, task.person_id)
    try:
        if task.claim_id is not None:
            receipt = _read_claim_photo(session, master, directory, row.document_id, now)
        else:
            receipt = _read_own_photo(session, master, task.person_id, row.document_id)
    except DocumentError as exc:
        row.state, row.read_at = UNREADABLE, now
        # the reader's message is technical English: the agent is told in Korean to retake, the code is kept
        row.reading_sealed = _seal_json(key, {"error": getattr(exc, "code", "unreadable")}, READING_COLUMN)
        chain.append(session, at=now, actor="worker", action="agent_task.photo_unreadable", object_type="agent_task",
                     object_id=str(task.id), detail={"document": row.id, "for": agent})  # fmt: skip
        return {"task_document": row.id, "state": UNREADABLE}
    person = people.read(session, master, Actor(Role.SYSTEM), task.person_id, now)
    seen = summary(receipt, person.name, row.code)
    row.state, row.read_at = COLLECTED, now
    row.reading_sealed = _seal_json(key, {**seen, "receipt": receipt}, READING_COLUMN)
    if row.claim_document_id is not None:
        checklist.mark(session, master, Actor(Role.FIELD_AGENT, staff_id=task.agent_id),
                       document_id=row.claim_document_id, state=DocState.RECEIVED,
                       reason=f"현장 대리인 발급 (작업 #{task.id})", now=now)  # fmt: skip
    if all(d.state == COLLECTED for d in repository.documents_of_task(session, task.id)):
        task.state, task.collected_at = TaskState.COLLECTED.value, now
    session.flush()
    detail = {"document": row.id, "code": row.code, "stored": row.document_id, "for": agent, "kind": seen["kind"],
              "doubtful": seen["doubtful"]}  # fmt: skip
    chain.append(
        session,
        at=now,
        actor="worker",
        action="agent_task.document_collected",
        object_type="agent_task",
        object_id=str(task.id),
        detail=detail,
    )
    return {"task_document": row.id, "state": COLLECTED}


from silson.agents import tasks as _tasks  # noqa: E402, F401  (registers the reading job wherever photos are taken)
