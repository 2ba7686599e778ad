"""Recourse (claims-and-documents.md §4.6): for a claim paid short or late, silson drafts the request
to the insurer (재청구·이의 제기) with the reconciliation's trace as the explanation, and the 민원 and the
금융감독원 분쟁조정 application to use if the insurer does not answer, each with its deadline. Nothing
leaves silson until the customer approves it; approving is stored and audited. The letters name the
person and the visits, so they are sealed with the person's key."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy.orm import Session

from silson.access import Actor, Forbidden, require_act, require_read
from silson.audit import chain
from silson.cases.result import COVERAGE_LABEL
from silson.claims import service as claims
from silson.claims.lifecycle import TRANSITIONS, Role
from silson.claims.lifecycle import State as ClaimState
from silson.errors import NotFound, SilsonError
from silson.jobs import outbox
from silson.payments import repository
from silson.payments.calendar import add_business_days
from silson.payments.models import RecourseRow
from silson.payments.service import SYSTEM, ReconciliationView, person_key, view
from silson.privacy import people
from silson.privacy.crypto import MasterKey, open_sealed, seal
from silson.rules.money import won
from silson.store.models import ClaimRow

SEAL_FIELD = "payment.recourse"
LIMITATION_YEARS = 3  # 상법 제662조: 보험금청구권 3년, from the insured event (claims-and-documents.md §4.6)
ANSWER_BUSINESS_DAYS = 10  # silson's own wait for the insurer's answer before the 민원 (no rule sets one)


class Kind(StrEnum):
    OBJECTION = "objection"  # 재청구·이의 제기, to the insurer
    COMPLAINT = "complaint"  # 민원, 금융감독원 e-금융민원센터
    MEDIATION = "mediation"  # 금융분쟁조정 신청 (금융소비자보호법 제36조)


KIND_LABEL = {Kind.OBJECTION: "보험사에 재청구·이의 제기", Kind.COMPLAINT: "금융감독원 민원",
              Kind.MEDIATION: "금융감독원 분쟁조정 신청"}  # fmt: skip


class State(StrEnum):
    DRAFTED = "drafted"
    APPROVED = "approved"  # the customer agreed: the request is on its way; a 민원·분쟁조정 was filed
    SENT = "sent"  # the insurer has the request (its 접수번호); its answer is awaited until answer_due
    ANSWERED = "answered"  # the insurer answered without paying all that is owed: the next step is offered
    RESOLVED = "resolved"  # the insurer's answer paid what is owed (and the interest): the claim is closed
    FAILED = "failed"  # it could not be sent (the error is kept; staff see it)
    SUPERSEDED = "superseded"  # a newer reconciliation replaced the draft


STATE_LABEL = {State.DRAFTED: "초안", State.APPROVED: "승인함", State.SENT: "보험사 접수, 답변 기다림",
               State.ANSWERED: "보험사 답변 받음", State.RESOLVED: "해결됨: 나머지를 받았어요",
               State.FAILED: "보내지 못함", State.SUPERSEDED: "새 초안으로 바뀜"}  # fmt: skip
FILED_LABEL = "제출함"
SEND = "payment.recourse.send"  # the outbox job that sends an approved request (payments/tasks.py)


class NothingOwed(SilsonError, ValueError):
    code = "nothing_owed"
    http_status = 409


class NotApprovable(SilsonError, ValueError):
    code = "recourse_not_approvable"
    http_status = 409


class AwaitingAnswer(SilsonError, ValueError):
    code = "recourse_awaiting_answer"
    http_status = 409


@dataclass(frozen=True, slots=True)
class RecourseView:
    id: int
    claim_id: int
    kind: str
    label: str
    state: str
    at_stake: int
    deadline: date  # 소멸시효: the last day to ask (3 years from the earliest visit it concerns)
    send_after: date | None  # the 민원 and 분쟁조정 wait for the insurer's answer
    text: str
    drafted_at: datetime
    approved_at: datetime | None
    state_label: str = ""
    offered: bool = False  # the customer may approve it now
    sent_at: datetime | None = None
    insurer_ref: str | None = None  # the insurer's 접수번호 of the request
    answer_due: date | None = None  # no answer by then: the 민원 is offered
    answer: str | None = None  # the insurer's answer
    filed_on: date | None = None  # 민원·분쟁조정: filed by the customer


def limitation_date(*, visit: date) -> date:
    """The day 3 years after the visit (상법 제662조), 29 Feb moved to 28 Feb.

    >>> limitation_date(visit=date(2024, 2, 29))
    datetime.date(2027, 2, 28)
    """
    try:
        return visit.replace(year=visit.year + LIMITATION_YEARS)
    except ValueError:
        return visit.replace(year=visit.year + LIMITATION_YEARS, day=28)


def _explanation(rec: ReconciliationView) -> list[str]:
    out = []
    for line in rec.lines:
        if line.difference <= 0:
            continue
        cover = COVERAGE_LABEL.get(line.coverage or "", line.coverage or "-")
        out.append(f"- 진료일 {line.visit_date} · {cover}: 약관상 보험금 {won(line.expected)}원, "
                   f"지급 {won(line.paid)}원, 차액 {won(line.difference)}원")  # fmt: skip
        out.append(f"  사유: {line.reason}")
        out.append("  산정 근거:")
        out.extend(f"    · {step.rule}: {step.text}" for step in line.trace)
    if rec.interest_owed:
        out.append(f"- 지연이자: 접수일 {rec.received_on}, 지급기일 {rec.due_on}(접수일 다음 날부터 3영업일), "
                   f"지급일 {rec.paid_on}까지 {rec.days_late}일 늦게 지급되어 지연이자 {won(rec.interest_owed)}원이 "
                   f"발생합니다 (보통약관 제9조④ 및 부표 '보험금을 지급할 때의 적립이율'). "
                   f"{rec.rate_note}")  # fmt: skip
    return out


def _letters(rec: ReconciliationView, *, name: str, insurer: str, receipt: str, today: date, deadline: date,
             send_after: date) -> dict[Kind, str]:  # fmt: skip
    ask = []
    if rec.underpaid_total:
        ask.append(f"차액 {won(rec.underpaid_total)}원")
    if rec.interest_owed:
        ask.append(f"지연이자 {won(rec.interest_owed)}원")
    what = "과 ".join(ask)
    accruing = ""
    if rec.underpaid_total and rec.due_on:
        accruing = (f"차액 {won(rec.underpaid_total)}원에 대한 지연이자는 지급기일({rec.due_on}) 다음 날부터 "
                    "실제 지급일까지 계속 발생하므로 함께 지급해 주십시오.")  # fmt: skip
    head = [f"청구인(피보험자): {name}", f"보험사: {insurer} (접수번호 {receipt})",
            f"지급내역서: {rec.statement_no} (지급일 {rec.paid_on})", ""]  # fmt: skip
    body = ["약관에 따라 산정한 보험금과 실제 지급 내역을 비교한 결과는 다음과 같습니다.", *_explanation(rec), ""]
    objection = [f"{insurer} 귀중", "", "보험금 재청구 및 지급 내역에 대한 이의 제기", "", *head, *body,
                 f"위 산정에 따라 {what}의 지급을 청구합니다. 지급하지 않는 부분이 있으면 그 사유와 근거, "
                 "산정내역을 서면으로 알려 주시기 바랍니다.", accruing, "",
                 f"작성일 {today} · 청구권 소멸시효(상법 제662조, 3년) 만료 {deadline}"]  # fmt: skip
    complaint = ["금융감독원 e-금융민원센터(fcsc.kr, ☎1332) 민원 신청", "", *head,
                 f"{today}에 보험사에 재청구·이의 제기를 했으나 답변 기한({send_after}경)까지 답을 받지 못했거나 "
                 "받은 답으로 해결되지 않아 민원을 신청합니다.", "", *body,
                 f"요청 사항: 보험사가 {what}을 지급하도록, 또는 지급하지 않는 사유와 근거를 밝히도록 해 주시기 "
                 "바랍니다.", "", f"청구권 소멸시효 만료 {deadline}: 그 전에 신청해야 합니다."]  # fmt: skip
    mediation = ["금융분쟁조정 신청서 (금융소비자보호법 제36조, 금융감독원장 앞)", "", *head,
                 "보험사에 이의를 제기하고 민원을 냈으나 해결되지 않아 분쟁조정을 신청합니다.", "", *body,
                 f"신청 취지: 보험사는 신청인에게 {what}을 지급한다.", "",
                 "진행: 금융감독원장은 합의를 권고하고, 30일 안에 합의가 안 되면 금융분쟁조정위원회에 회부하며, "
                 "위원회는 60일 안에 조정안을 만듭니다. 조정안을 받은 뒤 20일 안에 수락하지 않으면 거부한 것으로 "
                 "봅니다. 양쪽이 수락하면 재판상 화해와 같은 효력이 있고(제39조), 신청하면 소멸시효가 중단됩니다. "
                 "2천만원 이하 사건은 조정안이 나오기 전까지 보험사가 소송을 낼 수 없습니다.", "",
                 f"청구권 소멸시효 만료 {deadline}: 그 전에 신청해야 시효가 중단됩니다."]  # fmt: skip
    return {Kind.OBJECTION: "\n".join(objection), Kind.COMPLAINT: "\n".join(complaint),
            Kind.MEDIATION: "\n".join(mediation)}  # fmt: skip


def _claim(session: Session, claim_id: int) -> ClaimRow:
    claim = session.get(ClaimRow, claim_id)
    if claim is None:
        raise NotFound(f"청구 #{claim_id}을(를) 찾을 수 없습니다.")
    return claim


def _send_after(row: RecourseRow) -> date | None:
    if Kind(row.kind) is Kind.OBJECTION:
        return None
    return add_business_days(start=row.drafted_at.date(), count=ANSWER_BUSINESS_DAYS)


def offered(*, kind: Kind, objection: RecourseRow | None, complaint: RecourseRow | None, today: date) -> bool:
    """Whether the customer may approve a draft of `kind` now (claims-and-documents.md §4.6): the request
    to the insurer at once; the 민원 once the insurer answered without paying all, or did not answer by
    its answer_due; the 분쟁조정 once the 민원 was filed and had as long again to work."""
    if kind is Kind.OBJECTION:
        return True
    if objection is None or objection.state not in (State.SENT, State.ANSWERED):
        return False
    unanswered = objection.state == State.SENT and objection.answer_due is not None and today > objection.answer_due
    if kind is Kind.COMPLAINT:
        return objection.state == State.ANSWERED or unanswered
    if complaint is None or complaint.filed_on is None:
        return False
    return today > add_business_days(start=complaint.filed_on, count=ANSWER_BUSINESS_DAYS)


def _latest(rows: Sequence[RecourseRow], kind: Kind) -> RecourseRow | None:
    live = [r for r in rows if r.kind == kind and r.state != State.SUPERSEDED]
    return live[-1] if live else None


def _view(
    row: RecourseRow, key: bytes, *, siblings: Sequence[RecourseRow] = (), today: date | None = None
) -> RecourseView:
    kind = Kind(row.kind)
    may = row.state == State.DRAFTED and today is not None and offered(
        kind=kind, objection=_latest(siblings, Kind.OBJECTION), complaint=_latest(siblings, Kind.COMPLAINT),
        today=today)  # fmt: skip
    label = FILED_LABEL if row.state == State.APPROVED and kind is not Kind.OBJECTION else STATE_LABEL[State(row.state)]
    answer = open_sealed(key, row.answer_sealed, SEAL_FIELD) if row.answer_sealed else None
    return RecourseView(
        id=row.id, claim_id=row.claim_id, kind=row.kind, label=KIND_LABEL[kind], state=row.state,
        at_stake=row.at_stake, deadline=row.deadline, send_after=_send_after(row),
        text=open_sealed(key, row.text_sealed, SEAL_FIELD), drafted_at=row.drafted_at, approved_at=row.approved_at,
        state_label=label, offered=may, sent_at=row.sent_at, insurer_ref=row.insurer_ref, answer_due=row.answer_due,
        answer=answer, filed_on=row.filed_on,
    )  # fmt: skip


def draft(session: Session, master: MasterKey, actor: Actor, *, claim_id: int, now: datetime) -> list[RecourseView]:
    """Draft the three letters from the claim's current reconciliation; earlier drafts not yet
    approved are superseded. Refused (409) when nothing is owed."""
    claim = _claim(session, claim_id)
    if actor.role is Role.CUSTOMER:
        require_act(actor, claim.person_id)
    elif actor.role not in {Role.REVIEWER, Role.ADMINISTRATOR}:
        raise Forbidden("recourse is drafted by the customer or a reviewer")
    run = repository.current_of_claim(session, claim_id)
    if run is None:
        raise NothingOwed("아직 보험사 지급내역서가 없어 이의를 제기할 내용이 없습니다.")
    key = person_key(session, master, claim.person_id)
    rec = view(session, master, run)
    if rec.at_stake <= 0:
        raise NothingOwed("약관대로 제때 지급되어 더 청구할 금액이 없습니다.")
    earlier = repository.recourse_of_claim(session, claim_id)
    if any(old.kind == Kind.OBJECTION and old.state in (State.APPROVED, State.SENT) for old in earlier):
        raise AwaitingAnswer("보험사에 보낸 재청구·이의 제기의 답을 기다리고 있어요. 답을 받은 뒤에 다시 만들 수 "
                             "있어요.")  # fmt: skip
    for old in earlier:
        if old.state == State.DRAFTED:
            old.state = State.SUPERSEDED
    owed_visits = [x.visit_date for x in rec.lines if x.difference > 0] or [x.visit_date for x in rec.lines]
    deadline = limitation_date(visit=min(owed_visits))
    today = now.date()
    send_after = add_business_days(start=today, count=ANSWER_BUSINESS_DAYS)
    name = people.read(session, master, SYSTEM, claim.person_id, now).name
    receipt = next((p.receipt_no for p in repository.packages_of_claim(session, claim_id) if p.receipt_no), "-")
    letters = _letters(rec, name=name, insurer=claim.insurer, receipt=receipt, today=today, deadline=deadline,
                       send_after=send_after)  # fmt: skip
    rows = []
    for kind, text in letters.items():
        row = RecourseRow(claim_id=claim_id, reconciliation_id=run.id, kind=kind.value, state=State.DRAFTED.value,
                          at_stake=rec.at_stake, deadline=deadline, text_sealed=seal(key, text, SEAL_FIELD),
                          drafted_at=now, drafted_by=actor.label)  # fmt: skip
        session.add(row)
        rows.append(row)
    session.flush()
    chain.append(session, at=now, actor=actor.label, action="claim.recourse_drafted", object_type="claim",
                 object_id=str(claim_id), detail={"recourse": [r.id for r in rows], "reconciliation": run.id,
                                                  "at_stake": rec.at_stake})  # fmt: skip
    siblings = repository.recourse_of_claim(session, claim_id)
    return [_view(r, key, siblings=siblings, today=today) for r in rows]


WAIT_MESSAGE = {
    Kind.COMPLAINT: "민원은 보험사가 재청구·이의 제기에 답변 기한까지 답하지 않았거나, 답했지만 다 지급하지 "
    "않았을 때 낼 수 있어요.",
    Kind.MEDIATION: "분쟁조정은 민원을 내고 그 처리 기간이 지난 뒤에 신청할 수 있어요.",
}


def approve(session: Session, master: MasterKey, actor: Actor, *, claim_id: int, recourse_id: int,
            now: datetime) -> RecourseView:  # fmt: skip
    """The customer (the claim's own person) approves a draft. The request to the insurer is then put
    in the outbox and sent exactly once (payments/tasks.py); the 민원 and the 분쟁조정, which the
    customer files with the 금융감독원 themselves, are offered only in their turn (`offered`), and
    approving one records the day it was filed. Approving twice is a no-op."""
    claim = _claim(session, claim_id)
    row = session.get(RecourseRow, recourse_id, with_for_update=True)
    if row is None or row.claim_id != claim_id:
        raise NotFound(f"청구 #{claim_id}에 이의 제기 #{recourse_id}이(가) 없습니다.")
    if actor.role is not Role.CUSTOMER or actor.person_id != claim.person_id:
        raise Forbidden("only the person who claims approves what is sent on their behalf")
    key = person_key(session, master, claim.person_id)
    siblings = repository.recourse_of_claim(session, claim_id)
    today = now.date()
    if row.state == State.SUPERSEDED:
        raise NotApprovable("더 최근의 대사 결과로 새 초안이 만들어졌습니다. 새 초안을 확인해 주세요.")
    if row.state != State.DRAFTED:
        return _view(row, key, siblings=siblings, today=today)
    kind = Kind(row.kind)
    if not offered(kind=kind, objection=_latest(siblings, Kind.OBJECTION),
                   complaint=_latest(siblings, Kind.COMPLAINT), today=today):  # fmt: skip
        raise NotApprovable(WAIT_MESSAGE.get(kind, "아직 승인할 수 없습니다."))
    row.state = State.APPROVED.value
    row.approved_at = now
    row.approved_by = actor.label
    if kind is Kind.OBJECTION:
        row.send_key = f"recourse-{row.id}-{uuid.uuid4().hex}"
        outbox.enqueue(session, kind=SEND, key=row.send_key, payload={"recourse": row.id, "job": row.send_key},
                       now=now)  # fmt: skip
    else:
        row.filed_on = today
    session.flush()
    chain.append(session, at=now, actor=actor.label, action="claim.recourse_approved", object_type="claim",
                 object_id=str(claim_id), detail={"recourse": row.id, "kind": row.kind})  # fmt: skip
    if (ClaimState(claim.state), ClaimState.DISPUTED) in TRANSITIONS:  # the claim shows it is contested (§3.7)
        claims.move(session, master, actor, claim_id=claim_id, to=ClaimState.DISPUTED,
                    reason=f"{KIND_LABEL[kind]}: 고객이 승인", idempotency_key=f"recourse-approved:{row.id}",
                    now=now)  # fmt: skip
    return _view(row, key, siblings=siblings, today=today)


def of_claim(
    session: Session, master: MasterKey, actor: Actor, *, claim_id: int, today: date | None = None
) -> list[RecourseView]:
    """The claim's drafts and requests in the order drafted; with `today`, each draft says whether the
    customer may approve it now."""
    claim = _claim(session, claim_id)
    require_read(actor, claim.person_id)
    key = person_key(session, master, claim.person_id)
    rows = repository.recourse_of_claim(session, claim_id)
    return [_view(r, key, siblings=rows, today=today) for r in rows if r.state != State.SUPERSEDED]


@dataclass(frozen=True, slots=True)
class Clock:
    """The limitation clock of one visit (상법 제662조: 3 years from the insured event)."""

    visit: date
    expires: date
    interrupted_on: date | None  # 금융분쟁조정 신청 interrupts it (claims-and-documents.md §4.6)
    days_left: int  # from today, while it runs


def limitation_clocks(*, visits: Sequence[date], mediation_filed_on: date | None, today: date) -> list[Clock]:
    """Each visit's clock: a request to the insurer (재청구·이의 제기) or a 민원 does not stop it; an
    application for 금융분쟁조정 interrupts it (the note does not encode when it runs again).

    >>> [c.expires for c in limitation_clocks(visits=[date(2025, 9, 22)], mediation_filed_on=None,
    ...                                        today=date(2026, 12, 1))]
    [datetime.date(2028, 9, 22)]
    """
    clocks = []
    for visit in sorted(set(visits)):
        expires = limitation_date(visit=visit)
        stopped = mediation_filed_on if mediation_filed_on is not None and mediation_filed_on < expires else None
        clocks.append(Clock(visit, expires, stopped, (expires - today).days))
    return clocks


def clocks_of(session: Session, actor: Actor, *, claim_id: int, today: date) -> list[Clock]:
    """The limitation clocks of the claim's reconciled visits, stopped where a 분쟁조정 was filed."""
    claim = _claim(session, claim_id)
    require_read(actor, claim.person_id)
    run = repository.current_of_claim(session, claim_id)
    visits = [line.visit_date for line in repository.lines_of(session, run.id)] if run else []
    mediation = _latest(repository.recourse_of_claim(session, claim_id), Kind.MEDIATION)
    filed = mediation.filed_on if mediation is not None else None
    return limitation_clocks(visits=visits, mediation_filed_on=filed, today=today)


from silson.payments import tasks as _tasks  # noqa: E402, F401  (registers the send job's handler)
