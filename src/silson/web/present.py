"""Reads and actions shared by the JSON API and the pages: each checks the actor's rights through
the service it calls and returns the API's models, which the pages render as they are."""

from __future__ import annotations

import json
from datetime import date, datetime

from sqlalchemy.orm import Session

from silson.access import OFFICE, STAFF, Actor, Forbidden, may_read_person, require_act
from silson.adapters.contract_check import check_against_terms
from silson.adapters.contract_list import parse_contract_list
from silson.adapters.hometax import hometax_xml, parse_xml
from silson.claims import events, review
from silson.claims.lifecycle import TRANSITIONS, Role, State
from silson.jobs import outbox
from silson.jobs.tasks import seal_upload
from silson.privacy import at_rest, consent, imports, people, withdrawal
from silson.privacy.crypto import MasterKey
from silson.store import repository
from silson.store.models import ClaimRow
from silson.web.deps import Services, with_family
from silson.web.schemas import (
    AuditEntryOut,
    ClaimDetailOut,
    ClaimOut,
    ConsentOut,
    DocumentOut,
    FiguresOut,
    JobOut,
    MeOut,
    PayoutOut,
    QueueEntryOut,
    StepOut,
    TransitionOut,
    VisitOut,
)

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
        raise ValueError(f"kind: one of {', '.join(UPLOAD_KINDS)}")
    if not content:
        raise ValueError("file: the file is empty")
    if len(content) > MAX_UPLOAD:
        raise ValueError(f"file: larger than {MAX_UPLOAD // (1024 * 1024)} MB")
    if kind == "hometax":
        content = hometax_xml(content, "file", password)
        parse_xml(content, "file")
    else:
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError("file: not UTF-8 text (a contract list is JSON or CSV)") from None
        check_against_terms(parse_contract_list(text, "file", csv=kind == "contracts_csv"), services.catalogue, "file")
    key = people.data_key(session, services.master, person_id)
    digest = imports.file_hash(content)
    payload = {"person_id": person_id, "kind": kind, "file": seal_upload(key, content)}
    return outbox.enqueue(session, kind="import.upload", key=f"upload:{person_id}:{digest}", payload=payload, now=now)


def job(session: Session, actor: Actor, job_id: int) -> JobOut:
    row = repository.job(session, job_id)
    if row is None:
        raise LookupError(f"no job {job_id}")
    owner = json.loads(row.payload).get("person_id")
    if actor.role not in OFFICE and (owner is None or actor.person_id != owner):
        raise Forbidden(f"{actor.label} may not read job {job_id}")
    state = row.state if row.state in ("pending", "running", "done") else "failed"
    return JobOut(id=row.id, kind=row.kind, state=state, attempts=row.attempts,  # type: ignore[arg-type]
                  result=json.loads(row.result) if row.result else None, error=row.last_error)  # fmt: skip


def claim_of(session: Session, actor: Actor, claim_id: int) -> ClaimRow:
    """The claim if the actor may read it; a claim that does not exist and one that is someone else's
    are answered alike (404), so ids do not tell whose claims exist."""
    claim = session.get(ClaimRow, claim_id)
    if claim is None or not may_read_person(with_family(session, actor), claim.person_id):
        raise LookupError(f"청구 #{claim_id}을(를) 찾을 수 없습니다.")
    return claim


def claim_out(claim: ClaimRow) -> ClaimOut:
    return ClaimOut(id=claim.id, person_id=claim.person_id, insurer=claim.insurer, state=claim.state)


def next_states(claim: ClaimRow, actor: Actor) -> list[State]:
    if actor.role is Role.CUSTOMER and actor.person_id != claim.person_id:
        return []
    current = State(claim.state)
    return [to for (frm, to), roles in TRANSITIONS.items() if frm == current and actor.role in roles]


def figures(session: Session, services: Services, actor: Actor, claim_id: int, claim_date: date,
            now: datetime) -> FiguresOut:  # fmt: skip
    found = events.figures(session, services.master, services.catalogue, with_family(session, actor),
                           claim_id=claim_id, claim_date=claim_date, now=now)  # fmt: skip
    insurers = {c.id: c.insurer for c in found.case.contracts}
    payouts = [
        PayoutOut(event=d.event, contract=d.contract, insurer=insurers[d.contract], coverage=d.coverage,
                  amount=d.amount, trace=[StepOut(rule=s.rule, text=s.text) for s in d.trace], needs=list(d.needs))
        for d in found.result.decisions
    ]  # fmt: skip
    return FiguresOut(claim_date=claim_date, insurer_total=found.own_total, total=found.result.total, payouts=payouts)


def claim_detail(session: Session, services: Services, actor: Actor, claim_id: int, now: datetime) -> ClaimDetailOut:
    claim = claim_of(session, actor, claim_id)
    viewer = with_family(session, actor)
    visits = events.of_claim(session, services.master, viewer, claim_id)
    fig, error = None, None
    if visits:
        try:
            fig = figures(session, services, actor, claim_id, now.date(), now)
        except ValueError as exc:
            error = str(exc)
    transitions = [
        TransitionOut(from_state=t.from_state, to_state=t.to_state, actor=t.actor, reason=t.reason, at=t.at)
        for t in repository.transitions_of(session, claim_id)
    ]
    documents = [
        DocumentOut(id=d.id, kind=d.kind, received_at=d.received_at)
        for d in (repository.live_documents(session, claim.person_id) if actor.role in STAFF else [])
    ]
    return ClaimDetailOut(
        claim=claim_out(claim),
        visits=[VisitOut(id=v.id, revision=v.revision, event=v.data) for v in visits],
        figures=fig,
        figures_error=error,
        transitions=transitions,
        next_states=next_states(claim, actor),
        documents=documents,
    )


def visit_corrections(session: Session, master: MasterKey, actor: Actor, claim_id: int,
                      visit_id: int) -> list[tuple[datetime, dict[str, list[int]], str]]:  # fmt: skip
    """How a reviewer corrected a visit's amounts and why (when, {field: [before, after]}, reason),
    for whoever may read the claim: the person sees why a figure changed."""
    claim = claim_of(session, actor, claim_id)
    key = people.data_key_or_none(session, master, claim.person_id)
    found = []
    for a in repository.audit_of(session, "claim", str(claim_id)):
        if a.action != "claim.event_corrected":
            continue
        detail = at_rest.open_detail(key, "claim", str(claim_id), json.loads(a.detail))
        if detail and detail.get("event") == visit_id:
            found.append((a.at, detail.get("changed", {}), str(detail.get("reason", ""))))
    return found


def claim_audit(session: Session, master: MasterKey, actor: Actor, claim_id: int) -> list[AuditEntryOut]:
    if actor.role not in OFFICE:
        raise Forbidden("a claim's audit trail is for the review center's staff")
    claim = claim_of(session, actor, claim_id)
    key = people.data_key_or_none(session, master, claim.person_id)
    out = []
    for a in repository.audit_of(session, "claim", str(claim_id)):
        detail = at_rest.open_detail(key, "claim", str(claim_id), json.loads(a.detail))
        shown = detail if detail is not None else {"sealed": "삭제된 회원의 기록"}
        out.append(AuditEntryOut(id=a.id, at=a.at, actor=a.actor, action=a.action, detail=shown))
    return out


def queue(session: Session, services: Services, actor: Actor, today: date, order: str = "work") -> list[QueueEntryOut]:
    return [QueueEntryOut(claim_id=e.claim_id, person_id=e.person_id, insurer=e.insurer, state=e.state, visits=e.visits,
                          deadline=e.deadline, days_left=e.days_left, due=e.due, overdue=e.overdue,
                          next_label=e.next.label if e.next else None, next_day=e.next.day if e.next else None,
                          next_late=bool(e.next and e.next.late))
            for e in review.queue(session, services.master, actor, today=today, order=order)]  # fmt: skip
