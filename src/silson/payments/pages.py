"""Korean pages of the payments area: the reconciliation and recourse section of a customer's claim
(loaded into the claim page, or a page of its own without JavaScript) and the reviewers' list of money
at stake (a section of the review queue)."""

from typing import Annotated

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from silson.access import Actor
from silson.cases.result import COVERAGE_LABEL
from silson.claims.lifecycle import Role
from silson.payments import recourse, service, statement_pdf
from silson.payments.endpoints import MAX_PDF_BYTES
from silson.store.models import ClaimRow
from silson.web.deps import Services, with_family
from silson.web.pages.common import check_csrf, now, page_actor, redirect, render
from silson.web.schemas import RowId

Csrf = Depends(check_csrf)
KIND_LABEL = {"underpaid": "덜 지급", "late": "늦게 지급", "unpaid_overdue": "지급기일 지남(미지급)"}


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
        with services.sessions.begin() as session:
            try:
                rec: service.ReconciliationView | None = service.reconciliation_of(
                    session, services.master, viewer, claim_id=cid
                )
            except service.NoStatement:
                rec = None
            letters = recourse.of_claim(session, services.master, viewer, claim_id=cid) if rec else []
            own = session.get(ClaimRow, cid)
            is_own = own is not None and me.role is Role.CUSTOMER and own.person_id == me.person_id
        template = "claim_reconciliation.html" if _partial(request) else "claim_reconciliation_page.html"
        return render(request, template, cid=cid, rec=rec, letters=letters, own=is_own, back=back,
                      COVERAGE=COVERAGE_LABEL)  # fmt: skip

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
        template = "review_underpaid.html" if _partial(request) else "review_underpaid_page.html"
        return render(request, template, entries=found, total=sum(a.total for a in found), KIND=KIND_LABEL)

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
