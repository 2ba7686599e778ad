"""Recourse on its way: a request the customer approved goes to the insurer through the recourse port
(exactly once: the outbox job and the request's idempotency key), and the insurer's answer comes back
by the follow job. A corrected payment is stored as a statement with the 지연이자 it paid and
reconciled at once; when nothing is left owed (neither shortfall nor interest) the request is resolved
and the claim closed (§3.7 `closed`: reconciled as matched). An answer that leaves money owed, or no
answer by the request's answer_due, offers the next step (민원, then 분쟁조정: recourse.offered).

Services never commit: the job that calls them owns the transaction."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from silson.audit import chain
from silson.claims import service as claims
from silson.claims.insurers.port import InsurerUnavailable, Statement
from silson.claims.lifecycle import State as ClaimState
from silson.claims.lifecycle import TransitionError
from silson.errors import NotFound
from silson.notifications import service as notify
from silson.payments import repository, service
from silson.payments.calendar import add_business_days
from silson.payments.models import ReconciliationRow, RecourseRow
from silson.payments.recourse import ANSWER_BUSINESS_DAYS, KIND_LABEL, Kind, State
from silson.payments.recourse_port import FORMAT, RecoursePort
from silson.privacy.crypto import MasterKey, open_sealed, seal
from silson.privacy.people import PersonErased
from silson.rules.catalogue import Catalogue
from silson.store.models import ClaimRow

_LOG = logging.getLogger(__name__)
#: how a notification names the request the insurer answers (or lets wait)
STEP_NAME = {Kind.OBJECTION: "재청구", Kind.COMPLAINT: "민원", Kind.MEDIATION: "분쟁조정 신청"}
SEAL_FIELD = "payment.recourse"  # = recourse.SEAL_FIELD: the letter and the answer share the person's key
PortFor = Callable[[str], RecoursePort]


class NotSendable(NotFound):
    """The request is gone or has no package with the insurer to refer to."""


def request_of(session: Session, master: MasterKey, row: RecourseRow, *, now: datetime) -> dict[str, Any]:
    """The request as the insurer receives it (`silson-recourse/1`): which claim (the insurer's 접수번호),
    the letter, the lines it concerns and what is asked."""
    claim = session.get(ClaimRow, row.claim_id)
    if claim is None:
        raise NotSendable(f"no claim {row.claim_id}")
    packages = [p for p in repository.packages_of_claim(session, row.claim_id) if p.receipt_no]
    if not packages:
        raise NotSendable(f"청구 #{row.claim_id}는 보험사 접수번호가 없어 요청을 보낼 수 없습니다.")
    key = service.person_key(session, master, claim.person_id)
    run = session.get(ReconciliationRow, row.reconciliation_id)
    assert run is not None  # a foreign key
    rec = service.view(session, master, run)
    lines = [{"event": x.event, "contract": x.contract, "coverage": x.coverage, "visit_date": x.visit_date.isoformat(),
              "expected": x.expected, "paid": x.paid, "difference": x.difference}
             for x in rec.lines if x.difference > 0]  # fmt: skip
    return {"format": FORMAT, "kind": row.kind, "title": KIND_LABEL[Kind(row.kind)], "claim": row.claim_id,
            "insurer": claim.insurer, "receipt_no": packages[-1].receipt_no, "statement_no": rec.statement_no,
            "sent_on": now.date().isoformat(), "lines": lines, "underpaid": rec.underpaid_total,
            "interest": rec.interest_due, "at_stake": row.at_stake,
            "text": open_sealed(key, row.text_sealed, SEAL_FIELD)}  # fmt: skip


def send(session: Session, master: MasterKey, *, recourse_id: int, port_for: PortFor, now: datetime) -> RecourseRow:
    """Send one approved request; the insurer's 접수번호 and the day its answer is due are kept. A request
    already sent is left as it is; the port's InsurerUnavailable passes to the job, which retries
    under the same key (the insurer files it once)."""
    row = session.get(RecourseRow, recourse_id, with_for_update=True)
    if row is None:
        raise NotSendable(f"no recourse {recourse_id}")
    if row.state != State.APPROVED or row.send_key is None:
        return row
    claim = session.get(ClaimRow, row.claim_id)
    assert claim is not None  # a foreign key
    receipt = port_for(claim.insurer).send(request=request_of(session, master, row, now=now),
                                           idempotency_key=row.send_key)  # fmt: skip
    row.state, row.sent_at, row.last_error = State.SENT.value, now, None
    row.insurer_ref, row.received_on = receipt.request_no, receipt.received_on
    row.answer_due = add_business_days(start=receipt.received_on, count=ANSWER_BUSINESS_DAYS)
    session.flush()
    chain.append(session, at=now, actor="worker", action="claim.recourse_sent", object_type="claim",
                 object_id=str(row.claim_id), detail={"recourse": row.id, "request_no": receipt.request_no,
                                                      "answer_due": row.answer_due.isoformat(),
                                                      "duplicate": receipt.duplicate})  # fmt: skip
    return row


def failed(session: Session, *, recourse_id: int, error: str, now: datetime) -> None:
    row = session.get(RecourseRow, recourse_id)
    if row is None:
        return
    row.state, row.last_error = State.FAILED.value, error[:2000]
    chain.append(session, at=now, actor="worker", action="claim.recourse_failed", object_type="claim",
                 object_id=str(row.claim_id), detail={"recourse": row.id, "error": error[:500]})  # fmt: skip
    session.flush()


@dataclass(frozen=True, slots=True)
class Followed:
    recourse_id: int
    claim_id: int
    state: str  # sent (no answer yet) | answered | resolved


def _close(session: Session, master: MasterKey, *, row: RecourseRow, now: datetime) -> None:
    try:
        claims.move(session, master, service.SYSTEM, claim_id=row.claim_id, to=ClaimState.CLOSED,
                    reason=f"보험사가 재청구에 따라 나머지를 지급해 대사 결과가 일치합니다 (요청 {row.insurer_ref}).",
                    idempotency_key=f"recourse-resolved:{row.id}", now=now)  # fmt: skip
    except TransitionError as exc:  # the claim is elsewhere in its road: staff decide
        _LOG.warning("claim %s: recourse %s resolved, claim not closed: %s", row.claim_id, row.id, exc)


def follow_one(
    session: Session, master: MasterKey, catalogue: Catalogue, *, row: RecourseRow, port: RecoursePort, now: datetime
) -> Followed:
    """Apply the insurer's answer to one request; the same answer again changes nothing (the row has
    left `sent`, and the statement is stored once)."""
    answer = port.answer(request_no=str(row.insurer_ref))
    claim = session.get(ClaimRow, row.claim_id)
    assert claim is not None
    if answer.state != "answered":
        if row.answer_due is not None and now.date() > row.answer_due:  # told once: the key is the request's
            notify.recourse_unanswered(session, claim_id=row.claim_id, insurer=claim.insurer,
                                       step=STEP_NAME[Kind(row.kind)], due=row.answer_due,
                                       key=f"recourse-unanswered:{row.id}", now=now)  # fmt: skip
        return Followed(row.id, row.claim_id, row.state)
    key = service.person_key(session, master, claim.person_id)
    before = repository.current_of_claim(session, row.claim_id)
    shortfall = before.underpaid_total if before is not None else 0
    if answer.statement is not None or answer.interest:
        packages = [p for p in repository.packages_of_claim(session, row.claim_id) if p.receipt_no]
        if not packages:
            raise NotSendable(f"청구 #{row.claim_id}에 보험사 접수번호가 없습니다.")
        statement = answer.statement or Statement(f"INT-{row.insurer_ref}", now.date(), ())
        service.receive_statement(session, master, catalogue, package_id=packages[-1].id, statement=statement,
                                  now=now, interest=answer.interest)  # fmt: skip
    run = repository.current_of_claim(session, row.claim_id)
    owed = service.view(session, master, run).at_stake if run is not None else row.at_stake
    row.answered_at = now
    row.answer_sealed = seal(key, answer.text or "(답변 내용 없음)", SEAL_FIELD)
    row.state = (State.RESOLVED if owed == 0 else State.ANSWERED).value
    session.flush()
    paid = answer.statement.total if answer.statement is not None else 0
    if paid:  # the customer hears of the money as of any payment (notifications/service.py)
        notify.decided(session, claim_id=row.claim_id, insurer=claim.insurer, paid=paid, expected=shortfall,
                       key=f"recourse-paid:{row.id}", now=now)  # fmt: skip
    notify.recourse_answered(session, claim_id=row.claim_id, insurer=claim.insurer, step=STEP_NAME[Kind(row.kind)],
                             still_owed=owed, key=f"recourse-answered:{row.id}", now=now)  # fmt: skip
    chain.append(session, at=now, actor="worker", action="claim.recourse_answered", object_type="claim",
                 object_id=str(row.claim_id), detail={"recourse": row.id, "paid": paid, "interest": answer.interest,
                                                      "still_owed": owed, "state": row.state})  # fmt: skip
    if owed == 0:  # nothing left to ask: the 민원 and 분쟁조정 drafts are not needed any more
        for other in repository.recourse_of_claim(session, row.claim_id):
            if other.state == State.DRAFTED:
                other.state = State.SUPERSEDED.value
        _close(session, master, row=row, now=now)
    return Followed(row.id, row.claim_id, row.state)


def follow(
    session: Session, master: MasterKey, catalogue: Catalogue, *, port_for: PortFor, now: datetime
) -> list[Followed]:
    """Ask the insurers about every request they have not answered and apply their answers. An insurer
    that does not answer now is asked again next time; a request whose person was erased is closed
    as failed; neither stops the others."""
    out = []
    for row in repository.recourse_sent(session):
        claim = session.get(ClaimRow, row.claim_id)
        assert claim is not None
        try:
            with session.begin_nested():
                out.append(follow_one(session, master, catalogue, row=row, port=port_for(claim.insurer), now=now))
        except InsurerUnavailable as exc:
            _LOG.warning("recourse %s: %s did not answer: %s", row.id, claim.insurer, exc)
        except PersonErased:
            failed(session, recourse_id=row.id, error="고객 정보가 삭제되어 답변을 반영할 수 없습니다.", now=now)
    return out
