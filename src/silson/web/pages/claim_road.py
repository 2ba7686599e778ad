"""The claim road's pages: start claims from the estimate (pick provider-years, or everything still
claimable; refused items say why), and the claim's documents and notifications (later steps)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from silson.access import Actor, Forbidden
from silson.claims import checklist, release, repository, start
from silson.claims.endpoints import package_out
from silson.notifications import service as notify
from silson.privacy import people
from silson.web import present
from silson.web.deps import Services, with_family
from silson.web.pages.common import check_csrf, now, page_actor, redirect, render
from silson.web.schemas import RowId

Csrf = Depends(check_csrf)


def router(services: Services) -> APIRouter:
    pages = APIRouter()

    def customer(request: Request) -> Actor:
        return page_actor(services, request)

    Me = Annotated[Actor, Depends(customer)]

    def form(request: Request, me: Actor, pid: int, status: int = 200, error: str | None = None,
             reason: str = "") -> Response:  # fmt: skip
        with services.sessions.begin() as session:
            found = start.candidates(session, services.master, services.catalogue, services.directory, me,
                                     person_id=pid, reclaim_reason=reason or None, today=now().date(),
                                     now=now())  # fmt: skip
            name = people.read(session, services.master, Actor(me.role, person_id=pid), pid, now()).name
        open_ = [c for c in found if c.status != "refused"]
        shut = [c for c in found if c.status == "refused" and c.code != "nothing_owed"]
        return render(request, "claim_new.html", status=status, pid=pid, name=name, open_items=open_,
                      shut_items=shut, error=error, reason=reason)  # fmt: skip

    @pages.get("/people/{pid}/claims/new")
    def new_claim(request: Request, pid: RowId, me: Me) -> Response:
        return form(request, me, pid)

    @pages.post("/people/{pid}/claims/new", dependencies=[Csrf])
    async def open_claims(request: Request, pid: RowId, me: Me,
                          key: Annotated[str, Form(min_length=1, max_length=100)],
                          what: Annotated[str, Form(pattern="^(picked|everything)$")] = "picked",
                          reason: Annotated[str, Form(max_length=500)] = "") -> Response:  # fmt: skip
        picks = [int(v) for v in (await request.form()).getlist("py") if isinstance(v, str) and v.isdigit()]
        try:
            with services.sessions.begin() as session:
                done = start.start(session, services.master, services.catalogue, services.directory, me,
                                   person_id=pid, spending_ids=None if what == "everything" else picks,
                                   reclaim_reason=reason or None, idempotency_key=key, today=now().date(),
                                   now=now())  # fmt: skip
        except Forbidden:
            raise
        except ValueError as exc:
            message = str(exc).partition(": ")[2] if str(exc).startswith("provider_years") else str(exc)
            if what == "picked" and not picks:
                message = "청구할 항목을 하나 이상 골라 주세요."
            return form(request, me, pid, status=409 if isinstance(exc, start.NothingToClaim) else 422,
                        error=message, reason=reason)  # fmt: skip
        if len(done.claims) == 1:
            return redirect(f"/claims/{done.claims[0]}")
        return redirect(f"/people/{pid}/claims")

    @pages.get("/people/{pid}/notifications")
    def my_notifications(request: Request, pid: RowId, me: Me) -> Response:
        with services.sessions.begin() as session:
            rows = [(r.at, r.text, r.action_label, r.action_url)
                    for r in notify.of_person(session, with_family(session, me), person_id=pid)]  # fmt: skip
        return render(request, "notifications.html", pid=pid, rows=rows)

    def staff(request: Request) -> Actor:
        return page_actor(services, request, staff=True)

    Staff = Annotated[Actor, Depends(staff)]

    def documents(request: Request, me: Actor, cid: int, *, as_staff: bool, status: int = 200,
                  error: str | None = None) -> Response:  # fmt: skip
        with services.sessions.begin() as session:
            claim = present.claim_out(present.claim_of(session, me, cid))
            rows = checklist.checklist(session, services.master, services.directory, with_family(session, me),
                                       claim_id=cid, now=now())  # fmt: skip
            sent = [package_out(p) for p in repository.packages_of(session, cid)]
            failed = [package_out(p) for p in release.staff_list(session, me)] if as_staff else []
        table = checklist.load_table()
        items = [(r, table.name(r.code)) for r in rows]
        left = sum(1 for r in rows if r.state == "needed")
        return render(request, "claim_documents.html", status=status, claim=claim, items=items, left=left,
                      staff=as_staff, error=error, packages=sent, failed=failed)  # fmt: skip

    @pages.get("/claims/{cid}/documents")
    def my_documents(request: Request, cid: RowId, me: Me) -> Response:
        return documents(request, me, cid, as_staff=False)

    @pages.get("/review/claims/{cid}/documents")
    def review_documents(request: Request, cid: RowId, me: Staff) -> Response:
        return documents(request, me, cid, as_staff=True)

    @pages.post("/review/claims/{cid}/documents/{did}", dependencies=[Csrf])
    def mark_document(request: Request, cid: RowId, did: RowId, me: Staff,
                      state: Annotated[checklist.DocState, Form()],
                      reason: Annotated[str, Form(max_length=500)] = "") -> Response:  # fmt: skip
        try:
            with services.sessions.begin() as session:
                present.claim_of(session, me, cid)
                checklist.mark(session, me, document_id=did, state=state, reason=reason, now=now())
        except ValueError as exc:
            return documents(request, me, cid, as_staff=True, status=422, error=str(exc).partition(": ")[2])
        return redirect(f"/review/claims/{cid}/documents")

    @pages.post("/review/claims/{cid}/release", dependencies=[Csrf])
    def release_claim(request: Request, cid: RowId, me: Staff,
                      key: Annotated[str, Form(min_length=1, max_length=100)]) -> Response:  # fmt: skip
        try:
            with services.sessions.begin() as session:
                present.claim_of(session, me, cid)
                release.release(session, services.master, services.directory, me, claim_id=cid, idempotency_key=key,
                                now=now())  # fmt: skip
        except Forbidden:
            raise
        except ValueError as exc:
            return documents(request, me, cid, as_staff=True, status=getattr(exc, "http_status", 422), error=str(exc))
        return redirect(f"/review/claims/{cid}/documents")

    @pages.post("/review/packages/{pid}/resend", dependencies=[Csrf])
    def resend_package(request: Request, pid: RowId, me: Staff) -> Response:
        with services.sessions.begin() as session:
            row = release.resend(session, me, package_id=pid, now=now())
        return redirect(f"/review/claims/{row.claim_id}/documents")

    return pages
