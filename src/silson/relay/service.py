"""Use cases of the relay area: the routes of a claim's visits, the customer picking another route,
the 실손24 guide for the visits that go that way, and recording what was sent through 실손24 (by the
person in the app, or through the relay port), which takes the documents it carried off what silson
still has to gather. Services never commit; every change is audited in the caller's transaction."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from silson.access import Actor, Role, may_read_person, require_act
from silson.audit import chain
from silson.claims import checklist
from silson.claims.lifecycle import BEFORE_SUBMISSION, State
from silson.discover.providers import ProviderDirectory
from silson.errors import Conflict, Invalid, NotFound
from silson.privacy import people
from silson.privacy.crypto import MasterKey
from silson.relay import plan, route
from silson.relay.models import RelaySubmissionRow, RouteChoiceRow
from silson.relay.port import RelayClaim, RelayPort, RelayStatus, RelayVisit
from silson.store.models import ClaimDocumentRow, ClaimRow

SEOUL = ZoneInfo("Asia/Seoul")
#: where a person sends a claim through 실손24 (§5.2 Channels)
CHANNELS = {
    "app": "실손24 앱", "web": "실손24 누리집 (silson24.or.kr)", "naver": "네이버 앱의 실손24",
    "toss": "토스 앱의 실손24", "call_center": "실손24 콜센터 (☎1811-3000)", "port": "silson이 실손24로 전송",
}  # fmt: skip
RECEIPT_NO = re.compile(r"[0-9A-Za-z][0-9A-Za-z-]{3,39}")


def _today(now: datetime) -> date:
    return now.astimezone(SEOUL).date()


def claim_for(session: Session, actor: Actor, claim_id: int, *, lock: bool = False) -> ClaimRow:
    """The claim if the actor may read it; someone else's answers as a missing one does (404). `lock`:
    one change of the claim's routes and submissions at a time (PostgreSQL row lock)."""
    claim = session.get(ClaimRow, claim_id, with_for_update=lock)
    if claim is None or not may_read_person(actor, claim.person_id):
        raise NotFound(f"청구 #{claim_id}을(를) 찾을 수 없습니다.")
    return claim


def routes(
    session: Session, master: MasterKey, directory: ProviderDirectory, actor: Actor, *, claim_id: int, now: datetime
) -> tuple[ClaimRow, list[plan.VisitPlan]]:
    claim = claim_for(session, actor, claim_id)
    return claim, plan.plan(session, master, directory, claim, now=now)


def _open_for_change(session: Session, actor: Actor, claim_id: int) -> ClaimRow:
    claim = claim_for(session, actor, claim_id, lock=True)
    require_act(actor, claim.person_id)  # a family viewer looks, never changes
    people.require_open(session, claim.person_id)  # an account being closed takes nothing new
    if State(claim.state) not in BEFORE_SUBMISSION:
        raise Conflict("보험사에 접수된 청구는 서류 받는 길을 바꿀 수 없어요.")
    return claim


def choose(
    session: Session, master: MasterKey, directory: ProviderDirectory, actor: Actor, *, claim_id: int, subject: str,
    to: route.VisitRoute, now: datetime,
) -> plan.VisitPlan:  # fmt: skip
    """The customer's own route for one visit: stored and audited, the checklist follows; a route the
    visit cannot take is refused with the reason (route.Impossible); the same pick again changes nothing."""
    claim = _open_for_change(session, actor, claim_id)
    found = {p.subject.ref: p for p in plan.plan(session, master, directory, claim, now=now)}
    if subject not in found:
        raise NotFound(f"청구 #{claim_id}에 {subject} 진료가 없어요.")
    current = found[subject]
    route.override(current.subject, current.silson, to)  # Impossible, with the reason
    row = plan.choices_of(session, claim_id).get(subject)
    if row is not None and row.route == to.value:
        return current
    before = current.choice.route.value
    if row is None:
        session.add(RouteChoiceRow(claim_id=claim_id, subject=subject, route=to.value, chosen_by=actor.label,
                                   chosen_at=now))  # fmt: skip
    else:
        row.route, row.chosen_by, row.chosen_at = to.value, actor.label, now
    session.flush()
    chain.append(session, at=now, actor=actor.label, action="claim.route_chosen", object_type="claim",
                 object_id=str(claim_id), detail={"subject": subject, "from": before, "to": to.value,
                                                  "silson": current.silson.route.value})  # fmt: skip
    checklist.checklist(session, master, directory, Actor(Role.SYSTEM), claim_id=claim_id, now=now)
    return next(p for p in plan.plan(session, master, directory, claim, now=now) if p.subject.ref == subject)


@dataclass(frozen=True, slots=True)
class GuidePlace:
    name: str
    institution_id: str
    days: list[str]
    subjects: list[str]
    documents: list[str]  # what 실손24 will pull from it
    others: list[str]  # what still comes another way (진단서 …)


@dataclass(frozen=True, slots=True)
class Guide:
    claim: ClaimRow
    places: list[GuidePlace]
    pending: list[str]  # subjects on the 실손24 route not yet recorded as sent
    sent: list[RelaySubmissionRow]


def guide(
    session: Session, master: MasterKey, directory: ProviderDirectory, actor: Actor, *, claim_id: int, now: datetime
) -> Guide:
    """What a person needs to send the claim's 실손24 visits themself: per institution, the visit days
    and what the relay will pull; the insurer is the claim's."""
    claim, plans = routes(session, master, directory, actor, claim_id=claim_id, now=now)
    table = checklist.load_table()
    places: dict[str, GuidePlace] = {}
    for p in plans:
        if p.choice.route is not route.VisitRoute.SILSON24:
            continue
        s = p.subject
        place = places.setdefault(s.institution_id or s.place, GuidePlace(s.place, s.institution_id, [], [], [], []))
        place.days.append(s.days)
        place.subjects.append(s.ref)
        place.documents.extend(table.name(c) for c in s.relay_codes if table.name(c) not in place.documents)
        place.others.extend(table.name(c) for c in s.other_codes if table.name(c) not in place.others)
    pending = [p.subject.ref for p in plans if p.choice.route is route.VisitRoute.SILSON24 and p.sent is None]
    return Guide(claim, list(places.values()), pending, plan.submissions_of(session, claim_id))


def _check_subjects(plans: Sequence[plan.VisitPlan], subjects: Sequence[str]) -> list[plan.VisitPlan]:
    if not subjects:
        raise Invalid("실손24로 보낸 진료를 하나 이상 골라 주세요.", field="subjects")
    by = {p.subject.ref: p for p in plans}
    picked = []
    for ref in dict.fromkeys(subjects):
        p = by.get(ref)
        if p is None:
            raise Invalid(f"이 청구에 없는 진료예요 ({ref}).", field="subjects")
        if p.choice.route is not route.VisitRoute.SILSON24:
            raise Invalid(f"{p.subject.place} {p.subject.days} 진료는 실손24 경로가 아니에요: {p.choice.reason}",
                          field="subjects")  # fmt: skip
        picked.append(p)
    return picked


def _take_off(session: Session, actor: Actor, claim_id: int, subjects: Sequence[str], receipt_no: str,
              now: datetime) -> int:  # fmt: skip
    """The documents 실손24 carried are not silson's to gather any more: marked not needed, audited."""
    rows = session.scalars(select(ClaimDocumentRow).where(
        ClaimDocumentRow.claim_id == claim_id, ClaimDocumentRow.subject.in_(list(subjects)),
        ClaimDocumentRow.route == checklist.Route.SILSON24.value,
        ClaimDocumentRow.state == checklist.DocState.NEEDED.value,
    )).all()  # fmt: skip
    reason = f"실손24로 보험사에 전송됨 (접수번호 {receipt_no})"
    for row in rows:
        row.state, row.updated_at, row.updated_by = checklist.DocState.NOT_NEEDED.value, now, actor.label
        detail = {"document": row.id, "code": row.code, "subject": row.subject, "from": "needed", "to": "not_needed",
                  "reason": reason}  # fmt: skip
        chain.append(session, at=now, actor=actor.label, action="claim.document_marked", object_type="claim",
                     object_id=str(claim_id), detail=detail)  # fmt: skip
    session.flush()
    return len(rows)


def record(
    session: Session, master: MasterKey, directory: ProviderDirectory, actor: Actor, *, claim_id: int,
    subjects: Sequence[str], channel: str, submitted_on: date, receipt_no: str, key: str, now: datetime,
    status: RelayStatus = RelayStatus.SUBMITTED,
) -> RelaySubmissionRow:  # fmt: skip
    """What was sent through 실손24: the visits, the day, the entry used and the 접수번호 it showed.
    The same key (per actor), or the same 접수번호 for the claim, records it once."""
    stored_key = hashlib.sha256(f"{actor.label}\n{claim_id}\n{key}".encode()).hexdigest()
    done = session.scalars(select(RelaySubmissionRow).where(RelaySubmissionRow.key == stored_key)).first()
    if done is not None:
        claim_for(session, actor, claim_id)
        return done
    claim = _open_for_change(session, actor, claim_id)
    if channel not in CHANNELS:
        raise Invalid(f"어디로 보냈는지 골라 주세요 ({', '.join(CHANNELS)}).", field="channel")
    number = receipt_no.strip()
    if not RECEIPT_NO.fullmatch(number):
        raise Invalid("접수번호는 실손24 화면에 나온 영문·숫자·'-' 4~40자로 적어 주세요.", field="receipt_no")
    plans = plan.plan(session, master, directory, claim, now=now)
    picked = _check_subjects(plans, subjects)
    launch = route.load_participation().launch
    earliest = max([launch, *(p.subject.first for p in picked)])
    if submitted_on > _today(now):
        raise Invalid(f"보낸 날짜가 오늘({_today(now)}) 이후예요.", field="submitted_on")
    if submitted_on < earliest:
        raise Invalid(f"보낸 날짜는 {earliest} 이후여야 해요 (실손24 개시일과 진료일).", field="submitted_on")
    same = [r for r in plan.submissions_of(session, claim_id) if r.receipt_no == number]
    if same:
        if set(json.loads(same[0].subjects)) != {p.subject.ref for p in picked}:
            raise Conflict(f"접수번호 {number}은(는) 이 청구의 다른 진료로 이미 기록되어 있어요.")
        return same[0]
    refs = [p.subject.ref for p in picked]
    row = RelaySubmissionRow(claim_id=claim_id, subjects=json.dumps(refs), channel=channel, submitted_on=submitted_on,
                             receipt_no=number, status=status.value, key=stored_key, recorded_by=actor.label,
                             recorded_at=now)  # fmt: skip
    session.add(row)
    session.flush()
    detail = {"submission": row.id, "subjects": refs, "channel": channel, "submitted_on": submitted_on.isoformat(),
              "receipt_no": number}  # fmt: skip
    chain.append(session, at=now, actor=actor.label, action="claim.relay_recorded", object_type="claim",
                 object_id=str(claim_id), detail=detail)  # fmt: skip
    checklist.checklist(session, master, directory, Actor(Role.SYSTEM), claim_id=claim_id, now=now)
    _take_off(session, actor, claim_id, refs, number, now)
    return row


class RelayRefused(Conflict):
    code = "relay_refused"


def submit(
    session: Session, master: MasterKey, directory: ProviderDirectory, port: RelayPort, actor: Actor, *,
    claim_id: int, subjects: Sequence[str], key: str, now: datetime,
) -> RelaySubmissionRow:  # fmt: skip
    """Send through the relay port (for the day 실손24 opens an interface) and record its answer."""
    claim = _open_for_change(session, actor, claim_id)
    picked = _check_subjects(plan.plan(session, master, directory, claim, now=now), subjects)
    relay_key = hashlib.sha256(f"{claim_id}\n{actor.label}\n{key}".encode()).hexdigest()
    visits = tuple(RelayVisit(p.subject.institution_id, p.subject.first, p.subject.last) for p in picked)
    answer = port.submit(RelayClaim(relay_key, claim.insurer, "나의 청구", visits), now=now)
    if not answer.accepted or answer.receipt_no is None or answer.status is None:
        raise RelayRefused(f"실손24가 받지 않았어요: {answer.reason}")
    return record(session, master, directory, actor, claim_id=claim_id, subjects=subjects, channel="port",
                  submitted_on=_today(now), receipt_no=answer.receipt_no, key=key, now=now,
                  status=answer.status)  # fmt: skip


def follow(session: Session, port: RelayPort, *, now: datetime) -> dict[int, str]:
    """Ask the relay where each claim it took stands (those sent through the port and not yet with the
    insurer); a change is stored and audited once. Returns {submission id: new status}."""
    query = select(RelaySubmissionRow).where(RelaySubmissionRow.channel == "port",
                                             RelaySubmissionRow.status == RelayStatus.SUBMITTED.value)  # fmt: skip
    moved = {}
    for row in session.scalars(query.order_by(RelaySubmissionRow.id).with_for_update()).all():
        status = port.status(row.receipt_no, now=now)
        if status.value == row.status:
            continue
        row.status = status.value
        moved[row.id] = status.value
        chain.append(session, at=now, actor=Actor(Role.SYSTEM).label, action="claim.relay_status", object_type="claim",
                     object_id=str(row.claim_id), detail={"submission": row.id, "status": status.value})  # fmt: skip
    session.flush()
    return moved
