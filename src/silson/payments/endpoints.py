"""The payments JSON API: a claim's reconciliation, the reviewers' list of money at stake, and the
recourse drafts the customer approves. Thin: parse, call one service function, answer."""

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from silson.access import Actor
from silson.errors import SilsonError
from silson.payments import matching, recourse, service, statement_pdf
from silson.payments.schemas import (
    AtStakeOut,
    ChoiceOut,
    MatchedOut,
    MatchIn,
    MatchOut,
    PdfLineOut,
    ReconciliationLineOut,
    ReconciliationOut,
    RecourseOut,
    StatementLinesOut,
    StatementPdfOut,
    StepOut,
    UnmatchedLineOut,
    UnmatchedOut,
)
from silson.web.deps import Services, bearer_actor, session_dependency, with_family
from silson.web.schemas import ErrorOut, RowId

ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorOut} for code in (403, 404, 409, 413, 422)}
MAX_PDF_BYTES = 5_000_000
PDF_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}


class PdfTooLarge(SilsonError, ValueError):
    code = "too_large"
    http_status = 413
    field = "file"


def pdf_line_out(x: statement_pdf.PdfLine) -> PdfLineOut:
    return PdfLineOut(line_no=x.line_no, coverage_label=x.coverage_label, coverage=x.coverage, visit_date=x.visit_date,
                      deductible=x.deductible, paid=x.paid)  # fmt: skip


def reconciliation_out(rec: service.ReconciliationView) -> ReconciliationOut:
    lines = [
        ReconciliationLineOut(event=x.event, contract=x.contract, coverage=x.coverage, visit_date=x.visit_date,
                              expected=x.expected, paid=x.paid, statement_paid=x.statement_paid,
                              difference=x.difference, status=x.status, mistake=x.mistake_code, reason=x.reason,
                              trace=[StepOut(rule=s.rule, text=s.text) for s in x.trace])
        for x in rec.lines
    ]  # fmt: skip
    return ReconciliationOut(claim_id=rec.claim_id, statement_no=rec.statement_no, computed_at=rec.computed_at,
                             received_on=rec.received_on, due_on=rec.due_on, paid_on=rec.paid_on,
                             days_late=rec.days_late, expected_total=rec.expected_total, paid_total=rec.paid_total,
                             underpaid_total=rec.underpaid_total, overpaid_total=rec.overpaid_total,
                             interest_owed=rec.interest_owed, loan_rate=rec.loan_rate, rate_note=rec.rate_note,
                             interest_paid=rec.interest_paid, at_stake=rec.at_stake, lines=lines)  # fmt: skip


def recourse_out(r: recourse.RecourseView) -> RecourseOut:
    return RecourseOut(id=r.id, kind=r.kind, label=r.label, state=r.state, at_stake=r.at_stake, deadline=r.deadline,
                       send_after=r.send_after, text=r.text, drafted_at=r.drafted_at, approved_at=r.approved_at,
                       state_label=r.state_label, offered=r.offered, insurer_ref=r.insurer_ref,
                       answer_due=r.answer_due, answer=r.answer, filed_on=r.filed_on)  # fmt: skip


def router(services: Services) -> APIRouter:
    api = APIRouter(tags=["payments"])

    db, actor = session_dependency(services), bearer_actor(services)

    # scope="function": commit before the answer is sent (deps.session_dependency)
    DB = Annotated[Session, Depends(db, scope="function")]
    Me = Annotated[Actor, Depends(actor)]

    @api.get("/api/claims/{claim_id}/reconciliation", response_model=ReconciliationOut, responses=ERRORS)
    def reconciliation(claim_id: RowId, me: Me, session: DB) -> ReconciliationOut:
        """Expected vs paid per visit and 담보 from the insurer's statements, the reason, and the 지연이자."""
        found = service.reconciliation_of(session, services.master, with_family(session, me), claim_id=claim_id)
        return reconciliation_out(found)

    @api.get("/api/review/underpaid", response_model=list[AtStakeOut], responses=ERRORS)
    def underpaid(me: Me, session: DB) -> list[AtStakeOut]:
        """Staff: claims paid short or late, or unpaid past their 지급기일, with the total at stake."""
        found = service.underpaid_and_overdue(session, me, today=datetime.now(UTC).date())
        return [AtStakeOut(claim_id=a.claim_id, insurer=a.insurer, state=a.state, kind=a.kind, underpaid=a.underpaid,
                           interest=a.interest, accruing=a.accruing, total=a.total, due_on=a.due_on,
                           days_late=a.days_late, recourse=":".join(a.recourse) if a.recourse else None)
                for a in found]  # fmt: skip

    @api.get("/api/claims/{claim_id}/recourse", response_model=list[RecourseOut], responses=ERRORS)
    def recourse_list(claim_id: RowId, me: Me, session: DB) -> list[RecourseOut]:
        """The drafted and approved requests (재청구·이의 제기, 민원, 분쟁조정) with their deadlines."""
        found = recourse.of_claim(session, services.master, with_family(session, me), claim_id=claim_id,
                                  today=datetime.now(UTC).date())  # fmt: skip
        return [recourse_out(r) for r in found]

    @api.post("/api/claims/{claim_id}/recourse", response_model=list[RecourseOut], status_code=201,
              responses=ERRORS)  # fmt: skip
    def recourse_draft(claim_id: RowId, me: Me, session: DB) -> list[RecourseOut]:
        """Draft the three letters from the current reconciliation (409 when nothing is owed)."""
        drafted = recourse.draft(session, services.master, me, claim_id=claim_id, now=datetime.now(UTC))
        return [recourse_out(r) for r in drafted]

    @api.post("/api/claims/{claim_id}/recourse/{recourse_id}/approve", response_model=RecourseOut, responses=ERRORS)
    def recourse_approve(claim_id: RowId, recourse_id: RowId, me: Me, session: DB) -> RecourseOut:
        """The customer approves a draft; only then may it be sent. Audited."""
        done = recourse.approve(session, services.master, me, claim_id=claim_id, recourse_id=recourse_id,
                                now=datetime.now(UTC))  # fmt: skip
        return recourse_out(done)

    @api.get("/api/claims/{claim_id}/statement-lines", response_model=StatementLinesOut, responses=ERRORS)
    def statement_lines(claim_id: RowId, me: Me, session: DB) -> StatementLinesOut:
        """Staff: the statement PDF rows no visit fitted, with the visits and contracts to match them to."""
        found = matching.to_match(session, services.master, services.catalogue, me, claim_id=claim_id,
                                  now=datetime.now(UTC))  # fmt: skip
        lines = [UnmatchedLineOut(id=r.id, statement_no=r.statement_no, line_no=r.line_no,
                                  coverage_label=r.coverage_label, visit_date=r.visit_date, deductible=r.deductible,
                                  paid=r.paid, paid_on=r.paid_on, why=r.why, state=r.state, event=r.event_ref,
                                  contract=r.contract_ref, matched_by=r.matched_by, matched_at=r.matched_at)
                 for r in found.rows]  # fmt: skip
        return StatementLinesOut(
            lines=lines,
            visits=[ChoiceOut(value=c.value, label=c.label) for c in found.visits],
            contracts=[ChoiceOut(value=c.value, label=c.label) for c in found.contracts],
        )

    @api.post("/api/claims/{claim_id}/statement-lines/{line_id}/match", response_model=MatchOut, responses=ERRORS)
    def statement_line_match(claim_id: RowId, line_id: RowId, body: MatchIn, me: Me, session: DB) -> MatchOut:
        """Staff: match a kept row to a visit and contract; stored as a statement line and reconciled at
        once (audited with who matched it). The same match again is a no-op; another is 409."""
        run = matching.match(session, services.master, services.catalogue, me, claim_id=claim_id, line_id=line_id,
                             event=body.event, contract=body.contract, now=datetime.now(UTC))  # fmt: skip
        return MatchOut(reconciled=run is not None)

    @api.post("/api/claims/{claim_id}/statements/pdf", response_model=StatementPdfOut, responses=ERRORS,
              openapi_extra=PDF_BODY)  # fmt: skip
    async def statement_pdf_upload(claim_id: RowId, request: Request, me: Me) -> StatementPdfOut:
        """Staff: the insurer's statement as a PDF (body); matched rows are stored and reconciled at once,
        the rest come back for the reviewer to match."""
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > MAX_PDF_BYTES:
            raise PdfTooLarge(f"PDF는 {MAX_PDF_BYTES:,}바이트까지 받습니다.")
        data = bytearray()
        async for chunk in request.stream():
            data.extend(chunk)
            if len(data) > MAX_PDF_BYTES:
                raise PdfTooLarge(f"PDF는 {MAX_PDF_BYTES:,}바이트까지 받습니다.")
        return await run_in_threadpool(_upload, claim_id, me, bytes(data))

    def _upload(claim_id: int, me: Actor, data: bytes) -> StatementPdfOut:
        with services.sessions.begin() as session:
            done = service.receive_statement_pdf(session, services.master, services.catalogue, me, claim_id=claim_id,
                                                 data=data, now=datetime.now(UTC))  # fmt: skip
        st = done.matched
        return StatementPdfOut(
            statement_no=st.statement_no, paid_on=st.paid_on, reconciled=done.reconciliation_id is not None,
            matched=[MatchedOut(line_no=x.line_no, event=x.event, contract=x.contract, coverage=x.coverage,
                                visit_date=x.visit_date, paid=x.paid) for x in st.lines],
            unmatched=[UnmatchedOut(line=pdf_line_out(u.line), why=u.why, candidates=list(u.candidates))
                       for u in done.unmatched],
        )  # fmt: skip

    return api
