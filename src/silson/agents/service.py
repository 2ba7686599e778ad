"""Use cases of the field agents (현장 대리인, claims-and-documents.md §6): staff turn the documents a
claim needs from an institution into a task; the person signs the 동의서 and 위임장 and gives an ID
copy; the agent checks in at the institution, photographs what it issues (`agents.photos`: stored as
the person's document and read by a job) and records each fee against the 보건복지부 cap.

The agent sees a task only while its 위임장 is in force: revoked by the person, ended with the
consent to document issuance before the agent checked in (the service FAQ's rule, privacy.consent),
or past its 위임 기간, the task stops at once: every read checks the power afresh, and `sweep`
records the stop, destroys the sealed papers and audits it. Services never commit."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from silson.access import Actor, Forbidden, Role
from silson.agents import fees, forms, repository
from silson.agents.models import AgentTaskRow, FieldAgentRow, TaskDocumentRow
from silson.audit import chain
from silson.claims import checklist, events, representation
from silson.claims import repository as claims_repository
from silson.claims.checklist import DocState, Route
from silson.errors import Conflict, Invalid, NotFound, SilsonError
from silson.privacy import at_rest, consent, people
from silson.privacy.crypto import MasterKey, open_sealed, seal
from silson.store.models import ClaimRow, PowerOfAttorneyRow

OFFICE = frozenset({Role.REVIEWER, Role.ADMINISTRATOR})
#: 위임 기간 when staff name none: hospitals take family certificates issued within 3 months (§6.2),
#: and an agent's trip is due well within the ≈1 month Returnz gives end to end (§6.5)
VALIDITY = timedelta(days=90)
CONSENT_AGE = 14  # under 14 the 법정대리인 signs the 동의서 and 위임장 (시행규칙 제13조의3; §6.2)
MAX_ID_BYTES = 8 * 1024 * 1024


class TaskState(StrEnum):
    WAITING_SIGNATURE = "waiting_signature"  # 서명 대기
    ASSIGNED = "assigned"  # 배정
    CHECKED_IN = "checked_in"  # 기관 도착
    COLLECTED = "collected"  # 서류 수령 완료
    DONE = "done"  # 완료
    STOPPED = "stopped"  # 중단


LIVE = (TaskState.ASSIGNED, TaskState.CHECKED_IN, TaskState.COLLECTED)
OPEN = (TaskState.WAITING_SIGNATURE, *LIVE)


class TaskStopped(SilsonError, PermissionError):
    """The task's 위임장 is no longer in force: nothing of it is served any more."""

    code = "task_stopped"
    http_status = 410


@dataclass(frozen=True, slots=True)
class Institution:
    code: str  # 사업자등록번호 or 요양기관기호
    name: str
    area: str  # 시·구


@dataclass(frozen=True, slots=True)
class Ask:
    """One document to request: its checklist code, the visit it is for, the checklist row it fills."""

    code: str
    day: date | None
    visit_ref: str | None = None
    claim_document_id: int | None = None


# ---------------------------------------------------------------------------------------------- agents


def register_agent(
    session: Session, actor: Actor, *, staff_id: str, name: str, birth_date: date, phone: str, areas: str,
    now: datetime,
) -> FieldAgentRow:  # fmt: skip
    """An administrator records a contracted agent (the details the 위임장 names); again updates them."""
    if actor.role is not Role.ADMINISTRATOR:
        raise Forbidden("현장 대리인은 관리자만 등록합니다.")
    for label, value in (("staff_id", staff_id), ("name", name), ("phone", phone)):
        if not value.strip():
            raise Invalid("비어 있습니다", field=label)
    row = session.get(FieldAgentRow, staff_id)
    if row is None:
        row = FieldAgentRow(staff_id=staff_id, registered_at=now, active=True)
        session.add(row)
    row.name, row.birth_date, row.phone, row.areas = name.strip(), birth_date, phone.strip(), areas.strip()
    session.flush()
    chain.append(session, at=now, actor=actor.label, action="field_agent.registered", object_type="field_agent",
                 object_id=staff_id, detail={"areas": row.areas})  # fmt: skip
    return row


def agents(session: Session) -> list[FieldAgentRow]:
    return list(repository.agents(session))


def _agent(session: Session, agent_id: str) -> FieldAgentRow:
    row = session.get(FieldAgentRow, agent_id)
    if row is None or not row.active:
        raise Invalid(f"등록된 현장 대리인이 아닙니다: {agent_id}", field="agent_id")
    return row


# ------------------------------------------------------------------------------------------- sealing

CHECKIN_PLACE = "agent_task.checkin_place"  # bound into its seal (at_rest.seal_text)


def _key(session: Session, master: MasterKey, person_id: int) -> bytes:
    return people.data_key(session, master, person_id)


def _seal_json(key: bytes, value: Any, column: str) -> bytes:
    return seal(key, json.dumps(value, ensure_ascii=False, sort_keys=True), column)


def _open_json(key: bytes, sealed: bytes, column: str) -> Any:
    return json.loads(open_sealed(key, sealed, column))


def _seal_bytes(key: bytes, data: bytes, column: str) -> bytes:
    return seal(key, base64.b64encode(data).decode("ascii"), column)


def _open_bytes(key: bytes, sealed: bytes, column: str) -> bytes:
    return base64.b64decode(open_sealed(key, sealed, column))


def _details(session: Session, master: MasterKey, task: AgentTaskRow) -> dict[str, Any]:
    if task.details_sealed is None:
        return {}
    found: dict[str, Any] = _open_json(_key(session, master, task.person_id), task.details_sealed, "agent_task.details")
    return found


# -------------------------------------------------------------------------------------- creating tasks


def request_documents(
    session: Session, master: MasterKey, actor: Actor, *, person_id: int, institution: Institution,
    asks: Sequence[Ask], agent_id: str, now: datetime, claim_id: int | None = None, valid_until: date | None = None,
) -> int:  # fmt: skip
    """The one entry point: documents to fetch from one institution for one person, for an agent.

    Joins the person's task at that institution still waiting for their signature (so one trip
    carries every visit), else opens a new one. The route choice calls this for every visit it sends
    to an agent; `from_checklist` calls it for a claim's agent documents."""
    if actor.role not in OFFICE:
        raise Forbidden("현장 대리인 작업은 심사센터 직원이 만듭니다.")
    if not asks:
        raise Invalid("요청할 서류가 없습니다", field="asks")
    table = checklist.load_table()
    for ask in asks:
        if ask.code not in table.documents or table.documents[ask.code]["from"] != "provider":
            raise Invalid(f"기관이 발급하는 서류가 아닙니다: {ask.code}", field="asks")
    if not institution.code.strip() or not institution.name.strip():
        raise Invalid("기관 번호와 이름이 필요합니다", field="institution")
    people.require_open(session, person_id)
    agent = _agent(session, agent_id)
    key = _key(session, master, person_id)
    task = None
    for row in repository.tasks_of_person(session, person_id, [TaskState.WAITING_SIGNATURE.value]):
        if _details(session, master, row).get("institution", {}).get("code") == institution.code:
            task = row
            break
    if task is None:
        until = valid_until or (now + VALIDITY).date()
        if until <= now.date():
            raise Invalid("위임 기간의 끝은 오늘 이후여야 합니다", field="valid_until")
        task = AgentTaskRow(person_id=person_id, claim_id=claim_id, area=institution.area.strip() or "지역 미정",
                            agent_id=agent.staff_id, state=TaskState.WAITING_SIGNATURE.value, valid_until=until,
                            created_at=now, created_by=actor.label)  # fmt: skip
        session.add(task)
        session.flush()
        place = {"code": institution.code, "name": institution.name}
        details: dict[str, Any] = {"institution": place, "visits": [], "refs": {}}
        action = "agent_task.created"
    else:
        details = _details(session, master, task)
        task.agent_id = agent.staff_id
        action = "agent_task.extended"
    have = {(d.code, d.visit_ref) for d in repository.documents_of_task(session, task.id)}
    days = set(details["visits"])
    added = 0
    for ask in asks:
        if ask.day is not None:
            days.add(ask.day.isoformat())
            if ask.visit_ref is not None:
                details.setdefault("refs", {})[ask.visit_ref] = ask.day.isoformat()
        if (ask.code, ask.visit_ref) in have:
            continue
        have.add((ask.code, ask.visit_ref))
        session.add(TaskDocumentRow(task_id=task.id, visit_ref=ask.visit_ref, code=ask.code, state="to_request",
                                    claim_document_id=ask.claim_document_id,
                                    fee_item=fees.load().default_for(ask.code)))  # fmt: skip
        added += 1
    details["visits"] = sorted(days)
    task.details_sealed = _seal_json(key, details, "agent_task.details")
    session.flush()
    chain.append(session, at=now, actor=actor.label, action=action, object_type="agent_task", object_id=str(task.id),
                 detail={"person": person_id, "agent": agent.staff_id, "documents_added": added})  # fmt: skip
    return task.id


def from_checklist(
    session: Session, master: MasterKey, actor: Actor, *, claim_id: int, agent_id: str, now: datetime,
    areas: dict[str, str] | None = None, default_area: str = "",
) -> list[int]:  # fmt: skip
    """A task per institution for the claim's documents whose route is `agent` and still needed
    (`areas`: 시·구 by institution code, where the visit does not say)."""
    claim = session.get(ClaimRow, claim_id)
    if claim is None:
        raise NotFound(f"청구 #{claim_id}을(를) 찾을 수 없습니다.")
    if actor.role not in OFFICE:
        raise Forbidden("현장 대리인 작업은 심사센터 직원이 만듭니다.")
    visits = {f"e{v.id}": v.data for v in events.of_claim(session, master, actor, claim_id)}
    by_place: dict[tuple[str, str], list[Ask]] = {}
    for row in repository.agent_needs(session, claim_id, Route.AGENT.value, DocState.NEEDED.value):
        data = visits.get(row.subject)
        if data is None:
            continue  # a claim-wide or estimate item: no institution to visit yet
        place = data.get("institution") or {}
        code = str(place.get("code") or place.get("business_number") or "").strip()
        name = str(place.get("name") or "").strip()
        if not code or not name:
            continue  # the visit does not say where: staff create that task by hand
        ask = Ask(row.code, date.fromisoformat(data["date"]), row.subject, row.id)
        by_place.setdefault((code, name), []).append(ask)
    ids = []
    for (code, name), asks in sorted(by_place.items()):
        area = (areas or {}).get(code) or visits_area(visits, code) or default_area.strip() or "지역 미정"
        ids.append(request_documents(session, master, actor, person_id=claim.person_id, claim_id=claim_id,
                                     institution=Institution(code, name, area), asks=asks, agent_id=agent_id,
                                     now=now))  # fmt: skip
    return ids


def visits_area(visits: dict[str, dict[str, Any]], code: str) -> str:
    for data in visits.values():
        place = data.get("institution") or {}
        if str(place.get("code") or place.get("business_number") or "") == code and place.get("area"):
            return str(place["area"])
    return ""


def assign(session: Session, actor: Actor, *, task_id: int, agent_id: str, now: datetime) -> None:
    """Another agent, before the person signs (the signed 위임장 names its agent)."""
    if actor.role not in OFFICE:
        raise Forbidden("작업 배정은 심사센터 직원이 합니다.")
    task = _task(session, task_id)
    if task.state != TaskState.WAITING_SIGNATURE.value:
        raise Conflict("서명된 위임장은 대리인을 바꿀 수 없습니다: 작업을 중단하고 새로 만드세요.")
    before = task.agent_id
    task.agent_id = _agent(session, agent_id).staff_id
    session.flush()
    chain.append(session, at=now, actor=actor.label, action="agent_task.assigned", object_type="agent_task",
                 object_id=str(task_id), detail={"from": before, "to": task.agent_id})  # fmt: skip


def _task(session: Session, task_id: int) -> AgentTaskRow:
    task = session.get(AgentTaskRow, task_id)
    if task is None:
        raise NotFound(f"작업 #{task_id}을(를) 찾을 수 없습니다.")
    return task


# ------------------------------------------------------------------------------------ the person signs


def signs_for(session: Session, actor: Actor, *, person_id: int, today: date) -> bool:
    """The person themself, or their 친권자 while the child is a minor (claims.representation)."""
    if actor.role is not Role.CUSTOMER or actor.person_id is None:
        return False
    if actor.person_id == person_id:
        return True
    link = claims_repository.guardianship(session, actor.person_id, person_id)
    return link is not None and link.ended_at is None and today < link.until


def _own_task(session: Session, actor: Actor, task_id: int, today: date) -> AgentTaskRow:
    task = session.get(AgentTaskRow, task_id)
    if task is None or not signs_for(session, actor, person_id=task.person_id, today=today):
        raise NotFound(f"작업 #{task_id}을(를) 찾을 수 없습니다.")  # missing or not theirs: alike
    return task


def _for_person(actor: Actor, task: AgentTaskRow) -> Actor:
    """Who the 위임장 rows record: the person, or (a 친권자 signing) the review center's system on
    their behalf, the 친권자 named in its label; consent's own checks allow only the person."""
    if actor.person_id == task.person_id:
        return actor
    return Actor(Role.SYSTEM, staff_id=f"for {actor.label} (친권자)")


def _representative(
    session: Session, master: MasterKey, actor: Actor, task: AgentTaskRow, now: datetime
) -> forms.Representative | None:
    """Who signs the papers: the patient from 14 (시행규칙 제13조의3 as hospitals apply it, §6.2), below
    that only their 법정대리인."""
    born = people.read(session, master, Actor(Role.SYSTEM), task.person_id, now).birth_date
    under_14 = now.date() < representation.birthday(born, CONSENT_AGE)
    if actor.person_id == task.person_id:
        if under_14:
            raise Forbidden("만 14세 미만은 법정대리인(친권자)이 동의서와 위임장에 서명해요.")
        return None
    assert actor.person_id is not None
    return forms.Representative(people.read(session, master, Actor(Role.SYSTEM), actor.person_id, now).name, "친권자")


def sniff_image(data: bytes, field: str) -> str:
    """'png' or 'jpeg' from the first bytes; anything else is refused naming the field."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    raise Invalid("PNG 또는 JPEG 사진이어야 합니다", field=field)


def sign(
    session: Session, master: MasterKey, actor: Actor, *, task_id: int, signature_png: bytes, id_copy: bytes,
    now: datetime,
) -> None:  # fmt: skip
    """The person signs the 동의서 and 위임장 and gives their ID copy: the power of attorney is issued
    (it needs consent to document issuance), both papers are made and sealed, the agent may go."""
    task = _own_task(session, actor, task_id, now.date())
    if task.state != TaskState.WAITING_SIGNATURE.value:
        raise Conflict("이미 서명했거나 중단된 작업입니다.")
    if sniff_image(signature_png, "signature") != "png" or len(signature_png) < 200:
        raise Invalid("서명을 그려 주세요", field="signature")
    sniff_image(id_copy, "id_copy")
    if len(id_copy) > MAX_ID_BYTES:
        raise Invalid(f"{MAX_ID_BYTES // (1024 * 1024)} MB 이하의 사진이어야 합니다", field="id_copy")
    details = _details(session, master, task)
    place = details["institution"]
    signer = _representative(session, master, actor, task, now)
    poa_id = consent.issue_power_of_attorney(session, master, _for_person(actor, task), person_id=task.person_id,
                                             institution_id=place["code"], agent_id=task.agent_id,
                                             now=now)  # fmt: skip
    agent = _agent(session, task.agent_id)
    person = people.read(session, master, Actor(Role.SYSTEM), task.person_id, now)
    table = checklist.load_table()
    names = tuple(dict.fromkeys(table.name(d.code) for d in repository.documents_of_task(session, task.id)))
    request = forms.Request(place["name"], tuple(date.fromisoformat(d) for d in details["visits"]), names,
                            now.date(), signature_png, signer)  # fmt: skip
    patient = forms.Patient(person.name, person.birth_date, person.rrn, person.phone)
    carrier = forms.Agent(agent.name, agent.birth_date, agent.phone)
    key = _key(session, master, task.person_id)
    task.consent_pdf_sealed = _seal_bytes(key, forms.consent_form(patient=patient, agent=carrier, request=request),
                                          "agent_task.consent_pdf")  # fmt: skip
    poa = forms.power_of_attorney(patient=patient, agent=carrier, request=request, valid_until=task.valid_until)
    task.poa_pdf_sealed = _seal_bytes(key, poa, "agent_task.poa_pdf")
    task.id_copy_sealed = _seal_bytes(key, id_copy, "agent_task.id_copy")
    task.signature_sealed = _seal_bytes(key, signature_png, "agent_task.signature")
    task.poa_id, task.signed_at, task.state = poa_id, now, TaskState.ASSIGNED.value
    session.flush()
    chain.append(session, at=now, actor=actor.label, action="agent_task.signed", object_type="agent_task",
                 object_id=str(task.id), detail={"poa": poa_id, "agent": task.agent_id,
                                                 "signed_by": "self" if signer is None else "친권자"})  # fmt: skip


def revoke(session: Session, actor: Actor, *, task_id: int, now: datetime) -> None:
    """The person withdraws the 위임 (민법 제128조: a 위임 may be ended at any time): the task stops at
    once, even with the agent at the institution."""
    task = _own_task(session, actor, task_id, now.date())
    if task.state in (TaskState.DONE.value, TaskState.STOPPED.value):
        return
    if task.poa_id is not None:
        consent.revoke_power_of_attorney(session, _for_person(actor, task), poa_id=task.poa_id, now=now)
    who = "본인" if actor.person_id == task.person_id else "친권자"
    _stop(session, task, f"위임 철회 ({who})", now, actor.label)


# ----------------------------------------------------------------------------------------- stopping


def stop_reason(session: Session, task: AgentTaskRow, today: date) -> str | None:
    """Why the task may not go on, or None while its 위임장 is in force."""
    if task.state == TaskState.STOPPED.value:
        return task.stop_reason or "중단"
    if task.state not in [s.value for s in LIVE]:
        return None
    poa = session.get(PowerOfAttorneyRow, task.poa_id) if task.poa_id is not None else None
    if poa is None or poa.revoked_at is not None:
        if consent.active(session, task.person_id, consent.Purpose.DOCUMENT_ISSUANCE) is None:
            return "서류 발급 동의 철회"
        return "위임 철회"
    if today > task.valid_until:
        return f"위임 기간 만료 ({task.valid_until.isoformat()})"
    return None


def _stop(session: Session, task: AgentTaskRow, reason: str, now: datetime, by: str) -> None:
    # the papers and the ID copy go with the power they carried; the photos already taken are the
    # person's documents (privacy.withdrawal decides their fate)
    task.state, task.stopped_at, task.stop_reason = TaskState.STOPPED.value, now, reason
    task.consent_pdf_sealed = task.poa_pdf_sealed = task.id_copy_sealed = task.signature_sealed = None
    session.flush()
    chain.append(session, at=now, actor=by, action="agent_task.stopped", object_type="agent_task",
                 object_id=str(task.id), detail={"reason": reason, "agent": task.agent_id})  # fmt: skip


def sweep(session: Session, now: datetime, *, agent_id: str | None = None) -> list[int]:
    """Record the stop of every live task whose 위임장 is no longer in force; returns their ids.
    Run at the start of every agent request and by staff views; safe to run any number of times."""
    stopped = []
    for task in repository.tasks_in(session, [s.value for s in LIVE], agent_id=agent_id):
        reason = stop_reason(session, task, now.date())
        if reason is not None:
            if task.poa_id is not None:
                poa = session.get(PowerOfAttorneyRow, task.poa_id)
                if poa is not None and poa.revoked_at is None:
                    poa.revoked_at = now  # a lapsed 위임장 is closed with its task
            _stop(session, task, reason, now, "system:agent-sweep")
            stopped.append(task.id)
    return stopped


# ------------------------------------------------------------------------------------- the agent's view


@dataclass(frozen=True, slots=True)
class DocumentView:
    id: int
    name: str  # 서류명
    visit_day: str | None
    state: str
    fee_item: str | None
    fee: int | None
    pages: int | None
    reading: dict[str, Any] | None  # what the reader read (kind, provider, date, doubtful fields)


@dataclass(frozen=True, slots=True)
class TaskView:
    """All an agent is shown of a live task: nothing of estimates, amounts or other visits."""

    id: int
    state: str
    area: str
    institution: str
    person_name: str
    visit_days: tuple[str, ...]
    valid_until: date
    checked_in_at: datetime | None
    checkin_place: str | None
    documents: tuple[DocumentView, ...] = field(default=())

    @property
    def fees_total(self) -> int:
        return sum(d.fee or 0 for d in self.documents)


@dataclass(frozen=True, slots=True)
class StoppedCard:
    id: int
    reason: str


def _require_agent(actor: Actor) -> str:
    if actor.role is not Role.FIELD_AGENT or not actor.staff_id:
        raise Forbidden("현장 대리인 화면입니다.")
    return actor.staff_id


def _live_task(session: Session, actor: Actor, task_id: int, today: date) -> AgentTaskRow:
    agent_id = _require_agent(actor)
    task = session.get(AgentTaskRow, task_id)
    if task is None or task.agent_id != agent_id or task.state == TaskState.WAITING_SIGNATURE.value:
        raise NotFound(f"작업 #{task_id}을(를) 찾을 수 없습니다.")  # another agent's task: as if missing
    if task.state == TaskState.DONE.value:
        raise TaskStopped(f"작업 #{task_id}은(는) 완료되어 더 볼 수 없습니다.")
    reason = stop_reason(session, task, today)
    if reason is not None:
        raise TaskStopped(f"작업 #{task_id}이(가) 중단되었습니다: {reason}")
    return task


def _reading_view(key: bytes, row: TaskDocumentRow) -> dict[str, Any] | None:
    if row.reading_sealed is None:
        return None
    found: dict[str, Any] = _open_json(key, row.reading_sealed, "agent_task_document.reading")
    return found


def _view(session: Session, master: MasterKey, task: AgentTaskRow, now: datetime) -> TaskView:
    key = _key(session, master, task.person_id)
    details = _details(session, master, task)
    person = people.read(session, master, Actor(Role.SYSTEM), task.person_id, now)
    table = checklist.load_table()
    docs = []
    for row in repository.documents_of_task(session, task.id):
        day = details.get("refs", {}).get(row.visit_ref) if row.visit_ref is not None else None
        docs.append(DocumentView(row.id, table.name(row.code), day, row.state, row.fee_item, row.fee, row.pages,
                                 _reading_view(key, row)))  # fmt: skip
    return TaskView(task.id, task.state, task.area, details["institution"]["name"], person.name,
                    tuple(sorted(details["visits"])), task.valid_until, task.checked_in_at,
                    at_rest.open_text(key, CHECKIN_PLACE, task.checkin_place_sealed),
                    tuple(docs))  # fmt: skip


def agent_tasks(
    session: Session, master: MasterKey, actor: Actor, now: datetime
) -> tuple[dict[str, dict[str, list[TaskView]]], list[StoppedCard]]:
    """The agent's live tasks by area, then institution; and the ids of those stopped (no data)."""
    agent_id = _require_agent(actor)
    grouped: dict[str, dict[str, list[TaskView]]] = {}
    stopped = []
    for task in repository.tasks_in(session, [s.value for s in LIVE], agent_id=agent_id):
        reason = stop_reason(session, task, now.date())
        if reason is not None:  # stopped, though no sweep has recorded it yet
            stopped.append(StoppedCard(task.id, reason))
            continue
        view = _view(session, master, task, now)
        grouped.setdefault(view.area, {}).setdefault(view.institution, []).append(view)
    stopped += [StoppedCard(t.id, t.stop_reason or "중단")
                for t in repository.tasks_in(session, [TaskState.STOPPED.value], agent_id=agent_id)
                if t.signed_at is not None]  # fmt: skip
    return grouped, sorted(stopped, key=lambda c: c.id)


def agent_task(session: Session, master: MasterKey, actor: Actor, *, task_id: int, now: datetime) -> TaskView:
    return _view(session, master, _live_task(session, actor, task_id, now.date()), now)


def paper(session: Session, master: MasterKey, actor: Actor, *, task_id: int, which: str, now: datetime) -> bytes:
    """The signed 동의서 (`consent`), 위임장 (`poa`) or the ID copy (`id_copy`), for the task's agent
    while it is live, or for the review center's staff; audited each time it is opened."""
    task = _task(session, task_id) if actor.role in OFFICE else _live_task(session, actor, task_id, now.date())
    column = {"consent": "consent_pdf", "poa": "poa_pdf", "id_copy": "id_copy"}.get(which)
    if column is None:
        raise NotFound(f"no paper {which!r}")
    sealed = getattr(task, f"{column}_sealed")
    if sealed is None:
        raise NotFound("서명 전이거나 중단되어 서류가 없습니다.")
    chain.append(session, at=now, actor=actor.label, action="agent_task.paper_opened", object_type="agent_task",
                 object_id=str(task.id), detail={"paper": which})  # fmt: skip
    return _open_bytes(_key(session, master, task.person_id), sealed, f"agent_task.{column}")


# ----------------------------------------------------------------------------- at the institution


def check_in(session: Session, master: MasterKey, actor: Actor, *, task_id: int, place: str, now: datetime) -> None:
    """The agent is at the institution (time; where they say they are). Again changes nothing. The
    place is free text about someone's errand at their clinic: sealed under the person's key, and
    the audit entry with it (privacy/at_rest.py)."""
    task = _live_task(session, actor, task_id, now.date())
    if task.state != TaskState.ASSIGNED.value:
        return
    place = place.strip()
    if not place or len(place) > 200:
        raise Invalid("도착한 곳을 200자 이내로 적어 주세요", field="place")
    assert task.poa_id is not None
    consent.agent_sets_out(session, task.poa_id, now)  # under way: a consent withdrawal no longer stops it
    key = _key(session, master, task.person_id)
    task.state, task.checked_in_at = TaskState.CHECKED_IN.value, now
    task.checkin_place_sealed = at_rest.seal_text(key, CHECKIN_PLACE, place)
    session.flush()
    chain.append(session, at=now, actor=actor.label, action="agent_task.checked_in", object_type="agent_task",
                 object_id=str(task.id), detail=at_rest.seal_detail(key, "agent_task", str(task.id),
                                                                     {"place": place}))  # fmt: skip


def _task_document(session: Session, task: AgentTaskRow, document_id: int) -> TaskDocumentRow:
    row = session.get(TaskDocumentRow, document_id)
    if row is None or row.task_id != task.id:
        raise NotFound(f"작업 #{task.id}에 서류 #{document_id}이(가) 없습니다.")
    return row


def _require_checked_in(task: AgentTaskRow) -> None:
    if task.state == TaskState.ASSIGNED.value:
        raise Conflict("기관에 도착 확인을 먼저 해 주세요.")


def record_fee(
    session: Session, actor: Actor, *, task_id: int, document_id: int, item: str, pages: int, amount: int,
    now: datetime,
) -> fees.Cap:  # fmt: skip
    """The 증명서 발급 수수료 the agent paid for one document, refused above the 보건복지부 cap on the
    day of issue (nothing recorded then). Recording again replaces it, audited with both figures."""
    task = _live_task(session, actor, task_id, now.date())
    _require_checked_in(task)
    row = _task_document(session, task, document_id)
    limit = fees.check(fees.load(), item=item, issued_on=now.date(), pages=pages, amount=amount)
    before = row.fee
    row.fee_item, row.pages, row.fee, row.fee_recorded_at = item, pages, amount, now
    row.fee_cap, row.fee_reference = limit.amount, limit.reference
    session.flush()
    chain.append(session, at=now, actor=actor.label, action="agent_task.fee_recorded", object_type="agent_task",
                 object_id=str(task.id), detail={"document": row.id, "item": item, "pages": pages, "fee": amount,
                                                 "cap": limit.amount, "before": before})  # fmt: skip
    return limit


def finish(session: Session, actor: Actor, *, task_id: int, now: datetime) -> None:
    """Every document collected: the task is done, and leaves the agent's view."""
    task = _live_task(session, actor, task_id, now.date())
    if task.state != TaskState.COLLECTED.value:
        raise Conflict("아직 받지 못한 서류가 있습니다.")
    task.state, task.done_at = TaskState.DONE.value, now
    task.consent_pdf_sealed = task.poa_pdf_sealed = task.id_copy_sealed = None  # the trip is over
    session.flush()
    chain.append(session, at=now, actor=actor.label, action="agent_task.done", object_type="agent_task",
                 object_id=str(task.id), detail={"fees": sum(d.fee or 0 for d in repository.documents_of_task(
                     session, task.id))})  # fmt: skip


# ----------------------------------------------------------------------------------- staff and person


@dataclass(frozen=True, slots=True)
class StaffTask:
    id: int
    person_id: int
    person_name: str
    area: str
    institution: str
    agent_id: str
    state: str
    documents: int
    collected: int
    cost: int  # fees paid so far, won
    created_at: datetime
    checked_in_at: datetime | None
    stop_reason: str | None


def staff_tasks(session: Session, master: MasterKey, actor: Actor, *, now: datetime) -> list[StaffTask]:
    """Every task with its state and cost, for the review center (by area, institution, id)."""
    if actor.role not in OFFICE:
        raise Forbidden("작업 현황은 심사센터 직원이 봅니다.")
    out = []
    for task in repository.tasks_in(session, [s.value for s in TaskState]):
        docs = repository.documents_of_task(session, task.id)
        key = people.data_key_or_none(session, master, task.person_id)
        if key is None:
            name, place = "(삭제된 사람)", "-"
        else:
            name = people.read(session, master, actor, task.person_id, now).name
            place = _details(session, master, task).get("institution", {}).get("name", "-")
        out.append(StaffTask(task.id, task.person_id, name, task.area, place, task.agent_id, task.state, len(docs),
                             sum(d.state == "collected" for d in docs), sum(d.fee or 0 for d in docs),
                             task.created_at, task.checked_in_at, task.stop_reason))  # fmt: skip
    return sorted(out, key=lambda t: (t.area, t.institution, t.id))


@dataclass(frozen=True, slots=True)
class PersonTask:
    id: int
    state: str
    institution: str
    agent_name: str
    visit_days: tuple[str, ...]
    documents: tuple[str, ...]
    valid_until: date
    stop_reason: str | None


def person_tasks(session: Session, master: MasterKey, actor: Actor, *, person_id: int, today: date) -> list[PersonTask]:
    """The person's own tasks: what they are asked to sign, and what they may withdraw."""
    if not signs_for(session, actor, person_id=person_id, today=today):
        raise Forbidden("본인(또는 미성년 자녀)의 위임만 볼 수 있습니다.")
    table = checklist.load_table()
    out = []
    for task in repository.tasks_of_person(session, person_id, [s.value for s in TaskState]):
        details = _details(session, master, task)
        agent = session.get(FieldAgentRow, task.agent_id)
        names = tuple(dict.fromkeys(table.name(d.code) for d in repository.documents_of_task(session, task.id)))
        reason = stop_reason(session, task, today)  # stopped, though perhaps not yet recorded by a sweep
        out.append(PersonTask(task.id, TaskState.STOPPED.value if reason else task.state,
                              details.get("institution", {}).get("name", "-"), agent.name if agent else task.agent_id,
                              tuple(details.get("visits", [])), names, task.valid_until, reason))  # fmt: skip
    return out
