"""The review center's console: the queue by state and deadline; one claim with its documents,
visits, the engine's figures and trace; correcting a visit's amounts (the figures follow at once);
moving the claim along its lifecycle; the claim's audit trail."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response

from silson.access import Actor
from silson.claims import events, reminders
from silson.claims import service as claims
from silson.claims.lifecycle import State
from silson.documentstore import service as uploaded
from silson.errors import Invalid, NotFound
from silson.web.deps import Services
from silson.web.pages.common import check_csrf, now, page_actor, redirect, render
from silson.web.schemas import RowId

Csrf = Depends(check_csrf)
Amount = Annotated[str, Form(max_length=15)]


def router(services: Services) -> APIRouter:
    pages = APIRouter()

    def staff(request: Request) -> Actor:
        return page_actor(services, request, staff=True)

    Staff = Annotated[Actor, Depends(staff)]

    def claim_view(request: Request, me: Actor, cid: int, status: int = 200, error: str | None = None) -> Response:
        with services.sessions.begin() as session:
            detail = claims.claim_detail(session, services, me, cid, now())
            trail = claims.claim_audit(session, services.master, me, cid)
            uploads = uploaded.of_claim(session, me, claim_id=cid)
        template = "review_claim_body.html" if request.headers.get("hx-request") == "true" else "review_claim.html"
        return render(request, template, status=status, detail=detail, trail=trail, move_key=uuid.uuid4().hex,
                      error=error, uploads=uploads)  # fmt: skip

    @pages.get("/review")
    def queue(request: Request, me: Staff, order: Annotated[str, Query(pattern="^(work|deadline)$")] = "work",
              ) -> Response:  # fmt: skip
        with services.sessions.begin() as session:
            entries = claims.queue(session, services, me, now().date(), order=order)
            soon = reminders.unclaimed_soon(session, services.master, services.catalogue, services.directory,
                                            today=now().date(), now=now()) if order == "deadline" else []  # fmt: skip
        return render(request, "review_queue.html", entries=entries, order=order, soon=soon)

    @pages.get("/review/claims/{cid}")
    def claim(request: Request, cid: RowId, me: Staff) -> Response:
        return claim_view(request, me, cid)

    @pages.post("/review/claims/{cid}/visits/{vid}", dependencies=[Csrf])
    def correct(
        request: Request, cid: RowId, vid: RowId, me: Staff, reason: Annotated[str, Form(max_length=500)],
        revision: Annotated[int, Form(ge=1, le=2**31 - 1)], covered_copay: Amount, covered_full: Amount,
        noncovered: Amount, room_difference: Amount = "0", nhis_paid: Amount = "0",
    ) -> Response:  # fmt: skip
        raw = {"covered_copay": covered_copay, "covered_full": covered_full, "noncovered": noncovered,
               "room_difference": room_difference, "nhis_paid": nhis_paid}  # fmt: skip
        try:
            amounts = {}
            for field, text in raw.items():
                digits = text.replace(",", "").strip() or "0"
                if not digits.isdigit():
                    raise Invalid(field=field, message=f"금액은 0 이상의 원 단위 숫자로 적어 주세요 ({text!r})")
                amounts[field] = int(digits)
            with services.sessions.begin() as session:
                claims.claim_of(session, me, cid)
                if vid not in {v.id for v in events.of_claim(session, services.master, me, cid)}:
                    raise NotFound(f"claim {cid} has no visit {vid}")
                events.correct(session, services.master, me, event_id=vid, amounts=amounts, reason=reason,
                               expected_revision=revision, now=now())  # fmt: skip
        except ValueError as exc:
            return claim_view(request, me, cid, status=422, error=str(exc))
        if request.headers.get("hx-request") == "true":
            return claim_view(request, me, cid)
        return redirect(f"/review/claims/{cid}")

    @pages.post("/review/claims/{cid}/moves", dependencies=[Csrf])
    def move(
        request: Request, cid: RowId, me: Staff, to: Annotated[State, Form()],
        key: Annotated[str, Form(min_length=1, max_length=100)], reason: Annotated[str, Form(max_length=500)] = "",
    ) -> Response:  # fmt: skip
        with services.sessions.begin() as session:
            claims.move(session, services.master, me, claim_id=cid, to=to, reason=reason, idempotency_key=key,
                        now=now())  # fmt: skip
        return redirect(f"/review/claims/{cid}")

    return pages
