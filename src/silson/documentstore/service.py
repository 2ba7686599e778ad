"""Use cases of the document store: a customer (or staff) uploads files to a claim; a job reads each
one; a reviewer looks at the doubtful fields, corrects or confirms them, and attaches the document to
a visit of the claim, whose figures the engine then computes again (claims/events.py).

Each file is checked at the door by the reader's own intake rules (documents/intake.py: type from
the bytes, size, pixels, pages, polyglots), sealed under the person's key in the `document` row, and
known by a keyed hash, so the same file twice is one document. Reading is a durable job
(`document.read`), never done on the request. Who may do what: the person (or staff) uploads, never a
family viewer; the review center's reviewers and administrators see a document's image and fields
and change them; every change is audited with who and which field, the values and the reason sealed
in the review row. The original reading is never overwritten: corrections are rows on top of it.
Services never commit (the request or job owns the transaction)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from silson.access import Actor, Forbidden, Role, require_act, require_read
from silson.audit import chain
from silson.claims import checklist
from silson.claims import events as claim_events
from silson.claims.lifecycle import State
from silson.discover.providers import ProviderDirectory
from silson.documents import intake, read_document
from silson.documents.errors import DocumentError, DocumentRefused
from silson.documentstore import fields, match, repository, visits
from silson.documentstore.models import DocumentFileRow, DocumentReviewRow
from silson.errors import Conflict, Invalid, NotFound
from silson.jobs import outbox
from silson.privacy import consent, people
from silson.privacy.crypto import MasterKey, open_sealed, seal
from silson.store.models import ClaimRow, DocumentRow, PersonRow

READ_JOB = "document.read"
REVIEWERS = {Role.REVIEWER, Role.ADMINISTRATOR}
MAX_FILES = 10  # one upload: a few pages of receipts and bills, not an archive
MAX_PER_CLAIM = 100  # a claim of a long stay has dozens of papers; hundreds is misuse of the storage
FILE_FIELD = "document.file"
READING_FIELD = "document.reading"
REVIEW_FIELD = "document.review"
CLOSED_STATES = {State.CLOSED, State.CANCELLED}
CAUSES = {"disease": "질병", "injury": "상해"}
#: checklist codes a document of each kind answers for its visit
ANSWERS = {"hospital_receipt": ("RECEIPT", "RECEIPT_DISCHARGE"), "pharmacy_receipt": ("PHARM_RECEIPT",),
           "itemised_bill": ("ITEMIZED",), "prescription": ("RX_KCD", "CODE_DOC"),
           "certificate": ("DIAG_DOC", "DIAG_OR_ADMIT", "CODE_DOC", "HI_INPATIENT_DIAG")}  # fmt: skip


class DocumentNotReady(Conflict):
    code = "document_not_ready"


@dataclass(frozen=True, slots=True)
class Uploaded:
    document_id: int
    file_name: str
    duplicate: bool  # the same file was already uploaded: it is the same document
    claim_id: int


@dataclass(frozen=True, slots=True)
class DocumentSummary:
    """What the customer (and the claim's documents page) sees of one upload."""

    id: int
    file_type: str
    state: str  # queued | read | failed | set_aside
    kind: str | None
    uploaded_at: datetime
    open_doubts: int
    event_id: int | None
    error: str | None


@dataclass(frozen=True, slots=True)
class FieldView:
    spec: fields.FieldSpec
    read: Any  # as the document was read
    value: Any  # after the newest correction
    confidence: float | None
    doubtful: bool  # listed as doubtful by the reading
    open: bool  # doubtful and nobody has looked yet
    history: list[dict[str, Any]]  # each look: action, from, to, reason, actor, at


@dataclass(frozen=True, slots=True)
class Console:
    """The reviewer console's content for one document."""

    document: DocumentSummary
    claim_id: int
    person_id: int
    reading: dict[str, Any] | None
    fields: list[FieldView]
    failed_checks: list[dict[str, Any]]
    suggestions: list[match.Match]
    visits: list[claim_events.StoredEvent]
    has_image: bool
    figures: int | None = None  # the claim's insurer total now (None: cannot be computed)
    figures_error: str | None = None
    needs: list[str] = field(default_factory=list)  # what the engine needs to decide a visit (e.g. kcd)
    notes: list[str] = field(default_factory=list)


def file_hash(master: MasterKey, content: bytes) -> str:
    """A keyed hash of a file: the same file is found again, but the hash tells nobody outside
    which file it is (a plain SHA-256 of a known receipt could be looked up)."""
    return hmac.new(master.derive(b"document-file"), content, hashlib.sha256).hexdigest()


def private_folder(prefix: str) -> tempfile.TemporaryDirectory[str]:
    """A folder only this process reads (0700), in memory where the system has one (/dev/shm): the
    reader takes a path, and a decrypted receipt should not touch a disk even for a second."""
    shm = Path("/dev/shm")
    where = str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None
    return tempfile.TemporaryDirectory(prefix=prefix, dir=where)


def check_file(content: bytes, name: str) -> intake.Intake:
    """The reader's intake rules on an uploaded file's bytes; DocumentRefused names the file."""
    if not content:
        raise DocumentRefused(f"{name}: 빈 파일이에요.")
    with private_folder("silson-intake-") as folder:
        path = Path(folder) / "upload"
        path.write_bytes(content)
        try:
            return intake.take(path)
        except DocumentError as exc:
            raise type(exc)(f"{name}: {exc}") from None


def _claim(session: Session, claim_id: int, *, lock: bool = False) -> ClaimRow:
    claim = session.get(ClaimRow, claim_id, with_for_update=lock)
    if claim is None:
        raise NotFound(f"청구 #{claim_id}을(를) 찾을 수 없어요.")
    return claim


def upload(
    session: Session, master: MasterKey, actor: Actor, *, claim_id: int, files: Sequence[tuple[str, bytes]],
    now: datetime,
) -> list[Uploaded]:  # fmt: skip
    """Store the files of one upload on the claim and queue each new one to be read. All or nothing:
    one refused file refuses the upload (its name and why), and nothing is stored."""
    claim = _claim(session, claim_id, lock=True)
    try:
        if actor.role is Role.FIELD_AGENT:  # an agent delivers only while holding the person's 위임장 (silson.agents)
            if actor.staff_id not in {p.agent_id for p in consent.open_powers(session, claim.person_id)}:
                raise Forbidden(f"{actor.label} holds no power of attorney for person {claim.person_id}")
        else:
            require_act(actor, claim.person_id)
    except Forbidden:
        raise Forbidden("이 청구에 서류를 올릴 수 없어요 (본인 또는 심사센터만 올릴 수 있어요).") from None
    if actor.role not in (Role.CUSTOMER, *REVIEWERS, Role.FIELD_AGENT):
        raise Forbidden(f"{actor.role.value} does not upload documents")
    people.require_open(session, claim.person_id)
    session.get(PersonRow, claim.person_id, with_for_update=True)  # one upload per person at a time: the hash is unique
    if State(claim.state) in CLOSED_STATES:
        raise Conflict(f"청구 #{claim_id}은(는) 끝난 청구라 서류를 더할 수 없어요.")
    if not files:
        raise Invalid("올릴 파일을 하나 이상 골라 주세요.", field="files")
    if len(files) > MAX_FILES:
        raise Invalid(f"한 번에 {MAX_FILES}개까지 올릴 수 있어요 ({len(files)}개).", field="files")
    held = len(repository.of_claim(session, claim_id))
    if held + len(files) > MAX_PER_CLAIM:
        raise Invalid(f"청구 하나에 서류는 {MAX_PER_CLAIM}개까지예요 (지금 {held}개). 필요하면 심사센터에 알려 주세요.",
                      field="files")  # fmt: skip
    checked = [(name, content, check_file(content, name)) for name, content in files]
    key = people.data_key(session, master, claim.person_id)
    done: list[Uploaded] = []
    seen: dict[str, int] = {}
    for name, content, taken in checked:
        digest = file_hash(master, content)
        existing = repository.by_hash(session, claim.person_id, digest)
        if existing is not None or digest in seen:
            doc_id = existing.document_id if existing is not None else seen[digest]
            done.append(Uploaded(doc_id, name, True, existing.claim_id if existing is not None else claim_id))
            continue
        row = DocumentRow(person_id=claim.person_id, kind=f"upload:{taken.kind}", received_at=now,
                          content_sealed=seal(key, base64.b64encode(content).decode(), FILE_FIELD))  # fmt: skip
        session.add(row)
        session.flush()
        session.add(DocumentFileRow(document_id=row.id, person_id=claim.person_id, claim_id=claim_id,
                                    file_hash=digest, file_type=taken.kind, size=len(content), state="queued",
                                    open_doubts=0, uploaded_by=actor.label, uploaded_at=now))  # fmt: skip
        session.flush()
        outbox.enqueue(session, kind=READ_JOB, key=f"{READ_JOB}:{row.id}", payload={"document": row.id}, now=now)
        chain.append(session, at=now, actor=actor.label, action="document.uploaded", object_type="claim",
                     object_id=str(claim_id), detail={"document": row.id, "type": taken.kind,
                                                      "size": len(content)})  # fmt: skip
        seen[digest] = row.id
        done.append(Uploaded(row.id, name, False, claim_id))
    return done


def _content(session: Session, master: MasterKey, row: DocumentFileRow) -> bytes | None:
    """The file's bytes, or None when it was destroyed (withdrawal) or the person erased."""
    stored = session.get(DocumentRow, row.document_id)
    key = people.data_key_or_none(session, master, row.person_id)
    if stored is None or stored.content_sealed is None or key is None:
        return None
    return base64.b64decode(open_sealed(key, stored.content_sealed, FILE_FIELD))


def read(session: Session, master: MasterKey, directory: ProviderDirectory, *, document_id: int,
         now: datetime) -> dict[str, Any]:  # fmt: skip
    """Read a queued document (the job's work): its reading sealed beside it, its doubts counted.
    A file the reader cannot read is marked failed with the reason (the customer sees it); done
    again it changes nothing."""
    row = session.get(DocumentFileRow, document_id, with_for_update=True)
    if row is None or row.state != "queued":
        return {"document": document_id, "skipped": "not waiting to be read"}
    content = _content(session, master, row)
    if content is None:
        row.state, row.error, row.read_at = "failed", "파일이 파기되어 읽을 수 없어요.", now
        return {"document": document_id, "state": "failed"}
    with private_folder("silson-read-") as folder:
        path = Path(folder) / "document"
        path.write_bytes(content)
        try:
            receipt = read_document(path)
        except DocumentError as exc:
            row.state, row.error, row.read_at = "failed", str(exc)[:500], now
            chain.append(session, at=now, actor="worker", action="document.unreadable", object_type="claim",
                         object_id=str(row.claim_id), detail={"document": document_id, "code": exc.code})  # fmt: skip
            session.flush()
            return {"document": document_id, "state": "failed"}
    key = people.data_key(session, master, row.person_id)
    row.reading_sealed = seal(key, json.dumps(receipt, ensure_ascii=False), READING_FIELD)
    row.kind, row.state, row.read_at, row.error = str(receipt.get("kind") or "unknown"), "read", now, None
    row.open_doubts = len(_open(receipt, _provider(directory, receipt), {}))
    chain.append(session, at=now, actor="worker", action="document.read", object_type="claim",
                 object_id=str(row.claim_id), detail={"document": document_id, "kind": row.kind,
                                                      "doubtful": row.open_doubts})  # fmt: skip
    session.flush()
    return {"document": document_id, "state": "read", "doubtful": row.open_doubts}


def _provider(directory: ProviderDirectory, receipt: dict[str, Any]) -> Any:
    brn = fields.raw_value(receipt, "provider.business_number") or ""
    return directory.classify(str(brn), str(fields.raw_value(receipt, "provider.name") or ""))


def _open(receipt: dict[str, Any], provider: Any, looked: dict[str, Any]) -> list[str]:
    return [p for p in fields.doubtful(receipt, provider) if p not in looked]


def _summary(row: DocumentFileRow) -> DocumentSummary:
    return DocumentSummary(row.document_id, row.file_type, row.state, row.kind, row.uploaded_at, row.open_doubts,
                           row.event_id, row.error)  # fmt: skip


def of_claim(session: Session, actor: Actor, *, claim_id: int) -> list[DocumentSummary]:
    """The claim's uploads for whoever may read the claim (the person, family who view, staff)."""
    claim = _claim(session, claim_id)
    require_read(actor, claim.person_id)
    return [_summary(r) for r in repository.of_claim(session, claim_id)]


def _document(session: Session, actor: Actor, document_id: int, *, lock: bool = False) -> DocumentFileRow:
    """A document for the review center; anyone else is told it does not exist (ids tell nothing)."""
    row = session.get(DocumentFileRow, document_id, with_for_update=lock)
    if row is None or actor.role not in REVIEWERS:
        raise NotFound(f"서류 #{document_id}을(를) 찾을 수 없어요.")
    return row


def _reading(session: Session, master: MasterKey, row: DocumentFileRow) -> dict[str, Any] | None:
    if row.reading_sealed is None:
        return None
    key = people.data_key(session, master, row.person_id)
    value: dict[str, Any] = json.loads(open_sealed(key, row.reading_sealed, READING_FIELD))
    return value


def _looks(session: Session, master: MasterKey, row: DocumentFileRow) -> list[dict[str, Any]]:
    key = people.data_key(session, master, row.person_id)
    return [{"field": r.field, "action": r.action, "actor": r.actor, "at": r.at,
             **json.loads(open_sealed(key, r.value_sealed, REVIEW_FIELD))}
            for r in repository.reviews_of(session, row.document_id)]  # fmt: skip


def values_of(session: Session, master: MasterKey, directory: ProviderDirectory, row: DocumentFileRow
              ) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:  # fmt: skip
    """(reading, current values after corrections, every look) of a read document."""
    reading = _reading(session, master, row)
    if reading is None:
        raise DocumentNotReady(f"서류 #{row.document_id}은(는) 아직 읽지 못했어요.")
    values = fields.read_values(reading, _provider(directory, reading))
    looks = _looks(session, master, row)
    for look in looks:
        if look["action"] == "correct":
            values[look["field"]] = look["to"]
    return reading, values, looks


def console(session: Session, master: MasterKey, directory: ProviderDirectory, actor: Actor, *, document_id: int,
            catalogue: Any, now: datetime) -> Console:  # fmt: skip
    row = _document(session, actor, document_id)
    claim = _claim(session, row.claim_id)
    stored = claim_events.of_claim(session, master, actor, row.claim_id)
    total, error, needs = _figures(session, master, catalogue, actor, row.claim_id, now)
    if row.state not in ("read", "set_aside") or row.reading_sealed is None:
        return Console(_summary(row), row.claim_id, claim.person_id, None, [], [], [], stored,
                       has_image=row.file_type != "edocument", figures=total, figures_error=error,
                       needs=needs)  # fmt: skip
    reading, values, looks = values_of(session, master, directory, row)
    doubtful = set(fields.doubtful(reading, _provider(directory, reading)))
    looked = {look["field"] for look in looks}
    read_values = fields.read_values(reading, _provider(directory, reading))
    confidence = reading.get("confidence") or {}
    views = [FieldView(spec, read_values.get(spec.path), values.get(spec.path), confidence.get(spec.path),
                       spec.path in doubtful, spec.path in doubtful and spec.path not in looked,
                       [look for look in looks if look["field"] == spec.path])
             for spec in fields.FIELDS]  # fmt: skip
    failed = [c for c in reading.get("checks") or [] if not c.get("ok")]
    suggestions = match.suggest(values, [(v.id, v.data) for v in stored])
    notes = [str(n) for n in (reading.get("meta") or {}).get("notes") or []]
    return Console(_summary(row), row.claim_id, claim.person_id, reading, views, failed, suggestions, stored,
                   has_image=row.file_type != "edocument", figures=total, figures_error=error,
                   needs=needs, notes=notes)  # fmt: skip


def _figures(session: Session, master: MasterKey, catalogue: Any, actor: Actor, claim_id: int,
             now: datetime) -> tuple[int | None, str | None, list[str]]:  # fmt: skip
    """The claim's insurer total as the engine computes it now (what the claim is expected to pay),
    and what the engine still needs to decide a visit ("cannot decide: needs X", STYLE.md)."""
    if not claim_events.of_claim(session, master, actor, claim_id):
        return None, "진료 내역이 아직 없어요.", []
    try:
        found = claim_events.figures(session, master, catalogue, actor, claim_id=claim_id, claim_date=now.date(),
                                     now=now)  # fmt: skip
    except ValueError as exc:
        return None, str(exc), []
    needs = sorted({need for d in found.result.decisions for need in d.needs})
    return found.own_total, None, needs


def image(session: Session, master: MasterKey, actor: Actor, *, document_id: int, now: datetime) -> tuple[bytes, str]:
    """The document as an image a browser shows (JPEG and PNG as uploaded, the first page of a PDF
    or TIFF drawn as PNG), for the review center only; every look is audited."""
    return _shown(session, master, actor, _document(session, actor, document_id), now=now)


def own_image(
    session: Session, master: MasterKey, actor: Actor, *, claim_id: int, document_id: int, now: datetime
) -> tuple[bytes, str]:
    """A document the person uploaded (or that was filed for them), shown to the person themself to
    look at again; not to a family viewer (a receipt names diagnoses, and sharing promises spending and
    estimates only). Anything else is answered alike (404); every look is audited."""
    row = session.get(DocumentFileRow, document_id)
    mine = actor.role in (Role.CUSTOMER, Role.ASSISTANT) and row is not None and actor.person_id == row.person_id
    if row is None or not mine or row.claim_id != claim_id:
        raise NotFound(f"서류 #{document_id}을(를) 찾을 수 없어요.")
    return _shown(session, master, actor, row, now=now)


def _shown(
    session: Session, master: MasterKey, actor: Actor, row: DocumentFileRow, *, now: datetime
) -> tuple[bytes, str]:
    content = _content(session, master, row)
    if content is None or row.file_type == "edocument":
        raise NotFound(f"서류 #{row.document_id}의 이미지가 없어요.")
    chain.append(session, at=now, actor=actor.label, action="document.viewed", object_type="claim",
                 object_id=str(row.claim_id), detail={"document": row.document_id})  # fmt: skip
    if row.file_type == "jpeg":
        return content, "image/jpeg"
    if row.file_type == "png":
        return content, "image/png"
    return _first_page_png(content, row.file_type), "image/png"


def _first_page_png(content: bytes, file_type: str) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    if file_type == "pdf":
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(content)
        try:
            page = pdf[0]
            width = page.get_width()
            bitmap = page.render(scale=min(2.0, 1600 / max(width, 1)))
            bitmap.to_pil().save(out, format="PNG")
        finally:
            pdf.close()
    else:
        with Image.open(io.BytesIO(content)) as im:
            im.convert("L").save(out, format="PNG")
    return out.getvalue()


def review_field(
    session: Session, master: MasterKey, directory: ProviderDirectory, actor: Actor, *, document_id: int, path: str,
    value: str | None, reason: str, now: datetime,
) -> bool:  # fmt: skip
    """A reviewer confirms a field as read (`value` None) or corrects it (with a reason). Returns
    whether anything changed: the same confirmation or correction again is no change. A document
    attached to a visit carries the correction to the visit at once."""
    row = _document(session, actor, document_id, lock=True)
    if row.state != "read":
        raise DocumentNotReady(f"서류 #{document_id}은(는) 검토할 수 있는 상태가 아니에요 ({row.state}).")
    if path not in fields.BY_PATH:
        raise Invalid(f"'{path}'은(는) 고칠 수 있는 항목이 아니에요.", field="field")
    reading, values, looks = values_of(session, master, directory, row)
    current = values.get(path)
    reason = reason.strip()
    if len(reason) > 500:
        raise Invalid("사유는 500자 이내로 적어 주세요.", field="reason")
    if value is None:
        if any(look["field"] == path for look in looks):
            return False
        action, new = "confirm", current
    else:
        try:
            new = fields.parse_value(path, value)
        except ValueError as exc:
            field_name, _sep, message = str(exc).partition(": ")
            raise Invalid(message or field_name, field="value") from None
        if new == current:
            if any(look["field"] == path for look in looks):
                return False
            action = "confirm"  # the value stands as read: a look, not a change
        else:
            if not reason:
                raise Invalid("고친 이유를 적어 주세요 (예: 사진에서 60,000원으로 읽힘).", field="reason")
            action = "correct"
    key = people.data_key(session, master, row.person_id)
    look_row = DocumentReviewRow(document_id=document_id, field=path, action=action, actor=actor.label, at=now,
                                 value_sealed=seal(key, json.dumps({"from": current, "to": new, "reason": reason},
                                                                   ensure_ascii=False), REVIEW_FIELD))  # fmt: skip
    session.add(look_row)
    session.flush()
    looked = {look["field"]: True for look in looks} | {path: True}
    row.open_doubts = len(_open(reading, _provider(directory, reading), looked))
    chain.append(session, at=now, actor=actor.label, action=f"document.field_{action}ed", object_type="claim",
                 object_id=str(row.claim_id), detail={"document": document_id, "field": path,
                                                      "review": look_row.id})  # fmt: skip
    if action == "correct" and row.event_id is not None:
        values[path] = new
        _carry(session, master, actor, row, reading, values, now=now)
    session.flush()
    return True


def _carry(session: Session, master: MasterKey, actor: Actor, row: DocumentFileRow, reading: dict[str, Any],
           values: dict[str, Any], *, now: datetime) -> None:  # fmt: skip
    """The document's current values onto its visit (the engine's figures follow when next asked)."""
    assert row.event_id is not None
    update = _update(row, reading, values, cause="disease")
    visits.apply(session, master, actor, event_id=row.event_id, document_id=row.document_id, update=update, now=now)


def _update(row: DocumentFileRow, reading: dict[str, Any], values: dict[str, Any], *, cause: str) -> dict[str, Any]:
    """What the document puts on an existing visit: a receipt its fields, another document what it adds."""
    if row.kind in fields.RECEIPTS:
        return fields.to_event(values, cause=cause, items=fields.visit_items(reading))
    items = fields.visit_items(reading)
    update: dict[str, Any] = {"items": items} if items else {}
    if values.get("visit.kcd"):
        update["kcd"] = list(values["visit.kcd"])
    return update


def attach(
    session: Session, master: MasterKey, directory: ProviderDirectory, actor: Actor, *, document_id: int,
    event_id: int | None, cause: str, now: datetime,
) -> int:  # fmt: skip
    """Attach a read document to a visit of its claim (its values correct the visit), or make a new
    visit of it (`event_id` None); returns the visit's id. The checklist marks what it answers."""
    row = _document(session, actor, document_id, lock=True)
    if row.state != "read":
        raise DocumentNotReady(f"서류 #{document_id}은(는) 아직 진료 내역에 넣을 수 없어요 ({row.state}).")
    if cause not in CAUSES:
        raise Invalid("원인은 질병 또는 상해예요.", field="cause")
    reading, values, _looks = values_of(session, master, directory, row)
    if event_id is None and row.event_id is not None:
        return row.event_id  # "make a new visit" sent again (a double tap, a replay): the visit it already made
    if event_id is None:
        try:
            event = fields.to_event(values, cause=cause, items=fields.visit_items(reading))
            event_id = claim_events.add(session, master, actor, claim_id=row.claim_id, event=event, now=now)
        except fields.NotAVisit as exc:
            field_name, _sep, message = str(exc).partition(": ")
            raise Invalid(message, field=field_name) from None
        except ValueError as exc:
            raise Invalid(str(exc)) from None
    else:
        visit = {v.id: v for v in claim_events.of_claim(session, master, actor, row.claim_id)}.get(event_id)
        if visit is None:
            raise NotFound(f"청구 #{row.claim_id}에 진료 e{event_id}이(가) 없어요.")
        try:
            update = _update(row, reading, values, cause=cause)
        except fields.NotAVisit as exc:
            field_name, _sep, message = str(exc).partition(": ")
            raise Invalid(message, field=field_name) from None
        receipt = row.kind in fields.RECEIPTS
        visits.apply(session, master, actor, event_id=event_id, document_id=document_id, update=update, now=now,
                     cause=cause if receipt else None)  # fmt: skip
    if row.event_id == event_id:
        session.flush()
        return event_id
    row.event_id, row.attached_by, row.attached_at = event_id, actor.label, now
    chain.append(session, at=now, actor=actor.label, action="document.attached", object_type="claim",
                 object_id=str(row.claim_id), detail={"document": document_id, "event": event_id})  # fmt: skip
    _mark_answered(session, master, directory, actor, row, now=now)
    session.flush()
    return event_id


def _mark_answered(session: Session, master: MasterKey, directory: ProviderDirectory, actor: Actor,
                   row: DocumentFileRow, *, now: datetime) -> None:  # fmt: skip
    codes = ANSWERS.get(row.kind or "", ())
    rows = checklist.checklist(session, master, directory, Actor(Role.SYSTEM), claim_id=row.claim_id, now=now)
    for need in rows:
        if need.subject == f"e{row.event_id}" and need.code in codes and need.state == "needed":
            checklist.mark(session, master, actor, document_id=need.id, state=checklist.DocState.RECEIVED,
                           reason=f"올린 서류 #{row.document_id} 검토 후 연결", now=now)  # fmt: skip


def set_aside(session: Session, actor: Actor, *, document_id: int, reason: str, now: datetime) -> bool:
    """A reviewer leaves a document out (a blurred duplicate, someone else's receipt): it no longer
    holds the claim back and goes nowhere. Said why; audited."""
    row = _document(session, actor, document_id, lock=True)
    if row.state == "set_aside":
        return False
    if not reason.strip():
        raise Invalid("제외하는 이유를 적어 주세요.", field="reason")
    if row.event_id is not None:
        raise Conflict(f"서류 #{document_id}은(는) 진료 e{row.event_id}에 연결되어 있어 제외할 수 없어요.")
    row.state = "set_aside"
    chain.append(session, at=now, actor=actor.label, action="document.set_aside", object_type="claim",
                 object_id=str(row.claim_id), detail={"document": document_id})  # fmt: skip
    session.flush()
    return True


from silson.documentstore import tasks as _tasks  # noqa: E402, F401  (registers the reading job wherever uploads happen)
