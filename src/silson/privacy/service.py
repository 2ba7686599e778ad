"""The person's own area as use cases the JSON API and the pages share: who is signed in, their
consents, and their uploads (checked at the edge, then imported by a job). Each checks the actor's
rights itself and returns the API's models. Services never commit: the request does."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy.orm import Session

from silson.access import OFFICE, Actor, Forbidden, require_act
from silson.adapters.contract_check import check_against_terms
from silson.adapters.contract_list import parse_contract_list
from silson.adapters.hometax import hometax_xml, parse_xml
from silson.errors import Invalid, NotFound
from silson.jobs import outbox
from silson.jobs.tasks import seal_upload
from silson.privacy import consent, imports, people, withdrawal
from silson.privacy.family import with_family
from silson.store import repository
from silson.web.deps import Services
from silson.web.schemas import ConsentOut, JobOut, MeOut

UPLOAD_KINDS = ("hometax", "contracts_json", "contracts_csv")
MAX_UPLOAD = 10 * 1024 * 1024


def me(session: Session, actor: Actor) -> MeOut:
    viewer = with_family(session, actor)
    due = withdrawal.pending_due(session, actor.person_id) if actor.person_id is not None else None
    return MeOut(role=actor.role.value, person_id=actor.person_id, staff_id=actor.staff_id, family=sorted(viewer.views),
                 withdrawal_due=due)  # fmt: skip


def consents(session: Session, actor: Actor, person_id: int) -> list[ConsentOut]:
    require_act(actor, person_id)
    out = []
    for purpose in consent.Purpose:
        row = consent.active(session, person_id, purpose)
        out.append(ConsentOut(purpose=purpose, version=row.version if row else None,
                              granted_at=row.granted_at if row else None, active=row is not None))  # fmt: skip
    return out


def upload(
    session: Session, services: Services, actor: Actor, *, person_id: int, kind: str, content: bytes,
    password: str | None, now: datetime,
) -> int:  # fmt: skip
    """Check an uploaded file at the edge (a bad file is refused now, naming the problem), then hand
    its import to a job; returns the job id. The file waits sealed with the person's key."""
    require_act(actor, person_id)
    people.require_open(session, person_id)
    consent.require(session, person_id, consent.Purpose.DATA_IMPORT)
    if kind not in UPLOAD_KINDS:
        raise Invalid(field="kind", message=f"one of {', '.join(UPLOAD_KINDS)}")
    if not content:
        raise Invalid(field="file", message="the file is empty")
    if len(content) > MAX_UPLOAD:
        raise Invalid(field="file", message=f"larger than {MAX_UPLOAD // (1024 * 1024)} MB")
    if kind == "hometax":
        content = hometax_xml(content, "file", password)
        parse_xml(content, "file")
    else:
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            raise Invalid(field="file", message="not UTF-8 text (a contract list is JSON or CSV)") from None
        check_against_terms(parse_contract_list(text, "file", csv=kind == "contracts_csv"), services.catalogue, "file")
    key = people.data_key(session, services.master, person_id)
    digest = imports.file_hash(content)
    payload = {"person_id": person_id, "kind": kind, "file": seal_upload(key, content)}
    return outbox.enqueue(session, kind="import.upload", key=f"upload:{person_id}:{digest}", payload=payload, now=now)


def job(session: Session, actor: Actor, job_id: int) -> JobOut:
    row = repository.job(session, job_id)
    if row is None:
        raise NotFound(f"no job {job_id}")
    owner = json.loads(row.payload).get("person_id")
    if actor.role not in OFFICE and (owner is None or actor.person_id != owner):
        raise Forbidden(f"{actor.label} may not read job {job_id}")
    state = row.state if row.state in ("pending", "running", "done") else "failed"
    return JobOut(id=row.id, kind=row.kind, state=state, attempts=row.attempts,  # type: ignore[arg-type]
                  result=json.loads(row.result) if row.result else None, error=row.last_error)  # fmt: skip
