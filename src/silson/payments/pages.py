"""Korean pages of the payments area: the reconciliation and recourse section of a customer's claim
(loaded into the claim page, or a page of its own without JavaScript) and the reviewers' list of money
at stake (a section of the review queue)."""

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from silson.access import Actor
from silson.cases.result import COVERAGE_LABEL
from silson.claims.lifecycle import Role
from silson.errors import Conflict, Invalid
from silson.payments import matching, recourse, repository, service, statement_pdf
from silson.payments.endpoints import MAX_PDF_BYTES
from silson.store.models import ClaimRow
from silson.web.deps import Services, with_family
from silson.web.pages.common import check_csrf, now, page_actor, redirect, render
from silson.web.schemas import RowId

Csrf = Depends(check_csrf)
KIND_LABEL = {"underpaid": "덜 지급", "late": "늦게 지급", "unpaid_overdue": "지급기일 지남(미지급)"}
STEP_LABEL = {("objection", "approved"): "재청구 승인됨(발송 대기)", ("objection", "sent"): "재청구 보냄(답변 대기)",
              ("objection", "answered"): "재청구 답변: 미해결", ("objection", "resolved"): "재청구로 해결",
              ("objection", "failed"): "재청구 발송 실패", ("complaint", "approved"): "민원 제출",
              ("mediation", "approved"): "분쟁조정 신청"}  # fmt: skip


def _partial(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def router(services: Services) -> APIRouter:
    pages = APIRouter(include_in_schema=False)

    def customer(request: Request) -> Actor:
        return page_actor(services, request)

    def staff(request: Request) -> Actor:
        return page_actor(services, request, staff=True)

    Me = Annotated[Actor, Depends(customer)]
    Staff = Annotated[Actor, Depends(staff)]

    def reconciliation_view(request: Request, cid: int, viewer: Actor, me: Actor, back: str) -> Response:
        today = now().date()
        with services.sessions.begin() as session:
            try:
                rec: service.ReconciliationView | None = service.reconciliation_of(
                    session, services.master, viewer, claim_id=cid
                )
            except service.NoStatement:
                rec = None
            letters = recourse.of_claim(session, services.master, viewer, claim_id=cid, today=today) if rec else []
            clocks = recourse.clocks_of(session, viewer, claim_id=cid, today=today) if rec else []
            own = session.get(ClaimRow, cid)
            is_own = own is not None and me.role is Role.CUSTOMER and own.person_id == me.person_id
            is_staff = me.role in service.STAFF_VIEWERS
            waiting = sum(1 for r in repository.unmatched_of_claim(session, cid) if r.state == service.OPEN)
            claim_state = own.state if own is not None else ""
            accruing = 0
            if rec is not None and own is not None:
                accruing = service.shortfall_interest(received_on=rec.received_on, underpaid=rec.underpaid_total,
                                                      insurer=own.insurer, today=today)  # fmt: skip
        template = "claim_reconciliation.html" if _partial(request) else "claim_reconciliation_page.html"
        return render(request, template, cid=cid, rec=rec, letters=letters, own=is_own, back=back, clocks=clocks,
                      staff=is_staff, waiting=waiting, closed=claim_state == "closed", COVERAGE=COVERAGE_LABEL,
                      today=today, accruing=accruing)  # fmt: skip

    @pages.get("/claims/{cid}/reconciliation")
    def reconciliation(request: Request, cid: RowId, me: Me) -> Response:
        with services.sessions.begin() as session:
            viewer = with_family(session, me)
        return reconciliation_view(request, cid, viewer, me, f"/claims/{cid}")

    @pages.get("/review/claims/{cid}/reconciliation")
    def review_reconciliation(request: Request, cid: RowId, me: Staff) -> Response:
        return reconciliation_view(request, cid, me, me, f"/review/claims/{cid}")

    @pages.post("/claims/{cid}/recourse", dependencies=[Csrf])
    def draft(request: Request, cid: RowId, me: Me) -> Response:
        with services.sessions.begin() as session:
            recourse.draft(session, services.master, me, claim_id=cid, now=now())
        return redirect(f"/claims/{cid}#reconciliation")

    @pages.post("/claims/{cid}/recourse/{rid}/approve", dependencies=[Csrf])
    def approve(request: Request, cid: RowId, rid: RowId, me: Me) -> Response:
        with services.sessions.begin() as session:
            recourse.approve(session, services.master, me, claim_id=cid, recourse_id=rid, now=now())
        return redirect(f"/claims/{cid}#reconciliation")

    @pages.get("/review/underpaid")
    def underpaid(request: Request, me: Staff) -> Response:
        with services.sessions.begin() as session:
            found = service.underpaid_and_overdue(session, me, today=now().date())
            waiting = len(repository.open_unmatched(session))
        template = "review_underpaid.html" if _partial(request) else "review_underpaid_page.html"
        return render(request, template, entries=found, total=sum(a.total for a in found), KIND=KIND_LABEL,
                      STEP=STEP_LABEL, waiting=waiting)  # fmt: skip

    def lines_page(request: Request, cid: int, me: Actor, *, status: int = 200, error: str | None = None,
                   done: str | None = None) -> Response:  # fmt: skip
        with services.sessions.begin() as session:
            found = matching.to_match(session, services.master, services.catalogue, me, claim_id=cid, now=now())
        labels = {c.value: c.label for c in (*found.visits, *found.contracts)}
        return render(request, "review_statement_lines.html", status=status, cid=cid, found=found, error=error,
                      done=done, labels=labels)  # fmt: skip

    @pages.get("/review/claims/{cid}/statement-lines")
    def statement_lines(request: Request, cid: RowId, me: Staff) -> Response:
        return lines_page(request, cid, me, done=request.query_params.get("matched"))

    @pages.post("/review/claims/{cid}/statement-lines/{line_id}/match", dependencies=[Csrf])
    def match_line(request: Request, cid: RowId, line_id: RowId, me: Staff, event: Annotated[str, Form()],
                   contract: Annotated[str, Form()]) -> Response:  # fmt: skip
        try:
            with services.sessions.begin() as session:
                matching.match(session, services.master, services.catalogue, me, claim_id=cid, line_id=line_id,
                               event=event, contract=contract, now=now())  # fmt: skip
        except (Invalid, Conflict) as exc:
            return lines_page(request, cid, me, status=exc.http_status, error=str(exc))
        return redirect(f"/review/claims/{cid}/statement-lines?matched={line_id}")

    @pages.get("/review/claims/{cid}/statement")
    def statement_form(request: Request, cid: RowId, me: Staff) -> Response:
        return render(request, "review_statement.html", cid=cid, done=None, error=None)

    @pages.post("/review/claims/{cid}/statement", dependencies=[Csrf])
    async def statement_upload(
        request: Request, cid: RowId, me: Staff, file: Annotated[UploadFile, File()]
    ) -> Response:
        data = await file.read(MAX_PDF_BYTES + 1)
        if len(data) > MAX_PDF_BYTES:
            return render(request, "review_statement.html", status=413, cid=cid, done=None,
                          error=f"PDF는 {MAX_PDF_BYTES:,}바이트까지 받습니다.")  # fmt: skip
        try:
            done = await run_in_threadpool(_upload, cid, me, data)
        except statement_pdf.StatementUnreadable as exc:
            return render(request, "review_statement.html", status=422, cid=cid, done=None, error=str(exc))
        return render(request, "review_statement.html", cid=cid, done=done, error=None, COVERAGE=COVERAGE_LABEL)

    def _upload(cid: int, me: Actor, data: bytes) -> service.PdfOutcome:
        with services.sessions.begin() as session:
            return service.receive_statement_pdf(session, services.master, services.catalogue, me, claim_id=cid,
                                                 data=data, now=now())  # fmt: skip

    return pages
