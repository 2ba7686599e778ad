"""Assisted mode (issue 18): call-center staff act for a person who asked for help (실손24 runs a call
center for the same people, seeds/001 Q10), only after recording that request: how it came, the day,
what it covers and the consent it rests on. Every action under it runs as the person's own use case
with an assistant actor that carries that one person, is audited as "대리 처리" with the staff member,
and is listed to the person, who can end the request at any time. Services never commit."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from silson.access import STAFF, Actor, Forbidden, Role
from silson.assist.models import AssistActionRow, AssistRequestRow, DisplayPreferenceRow
from silson.audit import chain
from silson.claims import start
from silson.discover.providers import ProviderDirectory
from silson.errors import Invalid, NotFound
from silson.privacy import people
from silson.privacy.crypto import MasterKey, open_sealed, seal
from silson.relay import route
from silson.relay import service as relay
from silson.rules.catalogue import Catalogue
from silson.store.models import ClaimRow

SEOUL = ZoneInfo("Asia/Seoul")
MODE = "대리 처리"
#: what a request may cover: each assisted action needs its scope
SCOPES = {
    "claim.open": "청구 열기", "route.choose": "서류 받는 길 고르기", "relay.record": "실손24 접수 결과 기록",
    "display.set": "큰 글씨 화면 켜기·끄기",
}  # fmt: skip
CHANNELS = {"phone": "전화", "visit": "방문", "letter": "우편·팩스"}
#: how the person's consent to being helped was confirmed
CONSENTS = {"recorded_call": "통화 녹음으로 동의 확인", "signed_form": "서면 동의서 서명", "in_app": "앱에서 직접 요청"}
CONSENT_VERSION = "assist-2026-12"
VALID_DAYS = 30  # a request holds for 30 days from the day it was made, unless the person ends it sooner
RECENT_DAYS = 7  # a request is recorded within a week of being made
NOTE_FIELD = "assist.note"


class NoRequest(Forbidden):
    """Staff without a live request of the person covering the action."""

    code = "assist_no_request"


def _today(now: datetime) -> date:
    return now.astimezone(SEOUL).date()


def _require_assistant(staff: Actor) -> str:
    if staff.role is not Role.ASSISTANT or not staff.staff_id:
        raise Forbidden("대리 처리는 콜센터 상담원만 합니다.")
    return staff.staff_id


def _find_person(session: Session, master: MasterKey, *, name: str, birth_date: date, phone: str, now: datetime) -> int:
    """The member whose name, birth date and phone all match; the same answer whichever did not."""
    for pid in people.find_by_phone(session, master, phone):
        try:
            view = people.read(session, master, Actor(Role.SYSTEM), pid, now)
        except LookupError:
            continue
        if (view.name, view.birth_date) == (name.strip(), birth_date):
            return pid
    raise NotFound("이름·생년월일·휴대폰 번호가 모두 맞는 회원을 찾을 수 없어요.")


def record_request(
    session: Session, master: MasterKey, staff: Actor, *, name: str, birth_date: date, phone: str, channel: str,
    requested_on: date, covers: Sequence[str], consent: str, note: str, now: datetime,
) -> AssistRequestRow:  # fmt: skip
    """Staff record that the person asked for help: checked field by field, the person found by name,
    birth date and phone together, the note sealed under the person's key, audited."""
    staff_id = _require_assistant(staff)
    if channel not in CHANNELS:
        raise Invalid(f"요청 경로를 골라 주세요 ({', '.join(CHANNELS)}).", field="channel")
    scopes = list(dict.fromkeys(covers))
    if not scopes or any(s not in SCOPES for s in scopes):
        raise Invalid("도움 받을 일을 하나 이상 골라 주세요.", field="covers")
    if consent not in CONSENTS:
        raise Invalid("동의를 어떻게 확인했는지 골라 주세요.", field="consent")
    today = _today(now)
    if requested_on > today or requested_on < today - timedelta(days=RECENT_DAYS):
        raise Invalid(f"요청일은 최근 {RECENT_DAYS}일 안의 날짜여야 해요 (오늘 {today}).", field="requested_on")
    if len(note) > 500:
        raise Invalid("메모는 500자까지 적을 수 있어요.", field="note")
    pid = _find_person(session, master, name=name, birth_date=birth_date, phone=phone, now=now)
    people.require_open(session, pid)
    row = AssistRequestRow(person_id=pid, staff_id=staff_id, channel=channel, requested_on=requested_on,
                           covers=json.dumps(scopes), consent=consent, consent_version=CONSENT_VERSION,
                           note_sealed=seal(people.data_key(session, master, pid), note.strip(), NOTE_FIELD),
                           recorded_at=now, expires_on=requested_on + timedelta(days=VALID_DAYS))  # fmt: skip
    session.add(row)
    session.flush()
    chain.append(session, at=now, actor=staff.label, action="assist.requested", object_type="person",
                 object_id=str(pid), detail={"request": row.id, "mode": MODE, "staff": staff_id, "channel": channel,
                                             "requested_on": requested_on.isoformat(), "covers": scopes,
                                             "consent": consent, "consent_version": CONSENT_VERSION})  # fmt: skip
    return row


def live_request(session: Session, *, person_id: int, scope: str, today: date) -> AssistRequestRow | None:
    rows = session.scalars(select(AssistRequestRow).where(
        AssistRequestRow.person_id == person_id, AssistRequestRow.ended_at.is_(None),
        AssistRequestRow.expires_on >= today,
    ).order_by(AssistRequestRow.id.desc())).all()  # fmt: skip
    return next((r for r in rows if scope in json.loads(r.covers) and r.requested_on <= today), None)


def acting(
    session: Session, staff: Actor, *, person_id: int, scope: str, now: datetime
) -> tuple[Actor, AssistRequestRow]:
    """The actor staff act as for this person and action: refused without a live request covering it."""
    staff_id = _require_assistant(staff)
    request = live_request(session, person_id=person_id, scope=scope, today=_today(now))
    if request is None:
        raise NoRequest(
            f"이 회원이 '{SCOPES.get(scope, scope)}'을(를) 요청한 기록이 없어요. 먼저 요청과 동의를 기록해 주세요."
        )
    people.require_open(session, person_id)  # nothing is done for an account being closed
    return Actor(Role.ASSISTANT, person_id=person_id, staff_id=staff_id), request


def viewing(session: Session, staff: Actor, *, person_id: int, now: datetime) -> tuple[Actor, AssistRequestRow]:
    """The actor staff read the person's pages as: any live request of the person lets them look (audited)."""
    staff_id = _require_assistant(staff)
    for scope in SCOPES:
        request = live_request(session, person_id=person_id, scope=scope, today=_today(now))
        if request is not None:
            detail = {"mode": MODE, "staff": staff_id, "request": request.id}
            chain.append(session, at=now, actor=staff.label, action="assist.viewed", object_type="person",
                         object_id=str(person_id), detail=detail)  # fmt: skip
            return Actor(Role.ASSISTANT, person_id=person_id, staff_id=staff_id), request
    raise NoRequest("이 회원의 도움 요청 기록이 없어요. 먼저 요청과 동의를 기록해 주세요.")


def claim_person(session: Session, claim_id: int) -> int:
    """Whose claim it is (staff find the request by it); a missing claim is NotFound."""
    claim = session.get(ClaimRow, claim_id)
    if claim is None:
        raise NotFound(f"청구 #{claim_id}을(를) 찾을 수 없습니다.")
    return claim.person_id


def _acted(session: Session, request: AssistRequestRow, actor: Actor, *, action: str, claim_id: int | None,
           summary: str, now: datetime) -> AssistActionRow:  # fmt: skip
    row = AssistActionRow(request_id=request.id, person_id=request.person_id, staff_id=actor.staff_id or "",
                          action=action, claim_id=claim_id, summary=summary, at=now)  # fmt: skip
    session.add(row)
    session.flush()
    detail = {"mode": MODE, "staff": actor.staff_id, "request": request.id, "action": action, "claim": claim_id,
              "summary": summary}  # fmt: skip
    chain.append(session, at=now, actor=actor.label, action="assist.acted", object_type="person",
                 object_id=str(request.person_id), detail=detail)  # fmt: skip
    return row


def open_claims(
    session: Session, master: MasterKey, catalogue: Catalogue, directory: ProviderDirectory, staff: Actor, *,
    person_id: int, spending_ids: Sequence[int] | None, key: str, now: datetime,
) -> start.Started:  # fmt: skip
    """Open the person's claims from their estimate for them (claims/start.py), at their request."""
    actor, request = acting(session, staff, person_id=person_id, scope="claim.open", now=now)
    done = start.start(session, master, catalogue, directory, actor, person_id=person_id, spending_ids=spending_ids,
                       reclaim_reason=None, idempotency_key=key, today=_today(now), now=now)  # fmt: skip
    told = {r.claim_id for r in actions_of(session, Actor(Role.SYSTEM), person_id=person_id)}
    for claim_id in done.claims:
        if claim_id not in told:  # a replayed key opened nothing new
            claim = session.get(ClaimRow, claim_id)
            insurer = claim.insurer if claim else ""
            _acted(session, request, actor, action="claim.open", claim_id=claim_id,
                   summary=f"청구 #{claim_id} ({insurer})을(를) 열었어요.", now=now)  # fmt: skip
    return done


def choose_route(
    session: Session, master: MasterKey, directory: ProviderDirectory, staff: Actor, *, claim_id: int, subject: str,
    to: route.VisitRoute, now: datetime,
) -> None:  # fmt: skip
    actor, request = acting(session, staff, person_id=claim_person(session, claim_id), scope="route.choose", now=now)
    chosen = relay.choose(session, master, directory, actor, claim_id=claim_id, subject=subject, to=to, now=now)
    # no place or day in the summary: it is stored in clear
    _acted(session, request, actor, action="route.choose", claim_id=claim_id, now=now,
           summary=f"청구 #{claim_id} 진료 한 건의 서류 받는 길을 '{route.ROUTE_NAME[chosen.choice.route]}'(으)로 "
                   "골랐어요.")  # fmt: skip


def record_relay(
    session: Session, master: MasterKey, directory: ProviderDirectory, staff: Actor, *, claim_id: int,
    subjects: Sequence[str], channel: str, submitted_on: date, receipt_no: str, key: str, now: datetime,
) -> None:  # fmt: skip
    actor, request = acting(session, staff, person_id=claim_person(session, claim_id), scope="relay.record", now=now)
    row = relay.record(session, master, directory, actor, claim_id=claim_id, subjects=subjects, channel=channel,
                       submitted_on=submitted_on, receipt_no=receipt_no, key=key, now=now)  # fmt: skip
    _acted(
        session,
        request,
        actor,
        action="relay.record",
        claim_id=claim_id,
        now=now,
        summary=f"청구 #{claim_id}을(를) {row.submitted_on} 실손24로 보낸 결과(접수번호 {row.receipt_no})를 "
        "기록했어요.",
    )


def set_large_text(session: Session, actor: Actor, *, person_id: int, on: bool, now: datetime) -> bool:
    """The person turns large text on or off, or assisted staff do it for them (scope display.set)."""
    request = None
    if actor.role is Role.ASSISTANT and actor.person_id is None:
        actor, request = acting(session, actor, person_id=person_id, scope="display.set", now=now)
    elif not (actor.role is Role.CUSTOMER and actor.person_id == person_id):
        raise Forbidden("화면 설정은 본인이 바꿉니다.")
    row = session.get(DisplayPreferenceRow, person_id)
    if row is not None and row.large_text == on:
        return on
    if row is None:
        session.add(DisplayPreferenceRow(person_id=person_id, large_text=on, set_by=actor.label, set_at=now))
    else:
        row.large_text, row.set_by, row.set_at = on, actor.label, now
    session.flush()
    if request is not None:
        _acted(session, request, actor, action="display.set", claim_id=None, now=now,
               summary=f"큰 글씨 화면을 {'켰어요' if on else '껐어요'}.")  # fmt: skip
    return on


def large_text(session: Session, person_id: int) -> bool:
    row = session.get(DisplayPreferenceRow, person_id)
    return bool(row and row.large_text)


def _may_see(actor: Actor, person_id: int) -> None:
    if actor.role in STAFF or (actor.role is Role.CUSTOMER and actor.person_id == person_id):
        return
    raise Forbidden("대리 처리 내역은 본인만 볼 수 있어요.")


def actions_of(session: Session, actor: Actor, *, person_id: int, claim_id: int | None = None) -> list[AssistActionRow]:
    """What staff did for the person (all, or on one claim), newest first: the person's own to see."""
    _may_see(actor, person_id)
    query = select(AssistActionRow).where(AssistActionRow.person_id == person_id)
    if claim_id is not None:
        query = query.where(AssistActionRow.claim_id == claim_id)
    return list(session.scalars(query.order_by(AssistActionRow.id.desc())).all())


def requests_of(session: Session, actor: Actor, *, person_id: int) -> list[AssistRequestRow]:
    _may_see(actor, person_id)
    query = select(AssistRequestRow).where(AssistRequestRow.person_id == person_id)
    return list(session.scalars(query.order_by(AssistRequestRow.id.desc())).all())


def note_of(session: Session, master: MasterKey, row: AssistRequestRow) -> str:
    return open_sealed(people.data_key(session, master, row.person_id), row.note_sealed, NOTE_FIELD)


def end_request(session: Session, actor: Actor, *, person_id: int, request_id: int, now: datetime) -> AssistRequestRow:
    """The person (or staff) ends a request: nothing more can be done under it. Ending it twice is once."""
    if not (actor.role is Role.CUSTOMER and actor.person_id == person_id) and actor.role is not Role.ASSISTANT:
        raise Forbidden("도움 요청은 본인이나 상담원이 끝냅니다.")
    row = session.get(AssistRequestRow, request_id, with_for_update=True)
    if row is None or row.person_id != person_id:
        raise NotFound(f"도움 요청 #{request_id}을(를) 찾을 수 없어요.")
    if row.ended_at is None:
        row.ended_at, row.ended_by = now, actor.label
        session.flush()
        chain.append(session, at=now, actor=actor.label, action="assist.ended", object_type="person",
                     object_id=str(person_id), detail={"request": row.id, "mode": MODE})  # fmt: skip
    return row


def live_requests(session: Session, staff: Actor, *, now: datetime) -> list[AssistRequestRow]:
    """The requests staff may act under today (the console's list)."""
    _require_assistant(staff)
    query = select(AssistRequestRow).where(AssistRequestRow.ended_at.is_(None),
                                           AssistRequestRow.expires_on >= _today(now))  # fmt: skip
    return list(session.scalars(query.order_by(AssistRequestRow.id.desc())).all())
