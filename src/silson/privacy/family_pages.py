"""Family sharing's pages: the family page (invitations sent and received, each with who is on the
other side, what is shared, and a way to end it), inviting, accepting and changing what is shared."""

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from silson.access import Actor, Share
from silson.privacy import family
from silson.privacy.family_endpoints import INVITE_SENT
from silson.web.deps import Services
from silson.web.pages.common import check_csrf, now, page_actor, redirect, render
from silson.web.schemas import RowId

Csrf = Depends(check_csrf)
ShareForm = Annotated[list[Share], Form()]


def router(services: Services, invite_budget: Callable[[Actor], None]) -> APIRouter:
    pages = APIRouter()

    def customer(request: Request) -> Actor:
        return page_actor(services, request)

    Me = Annotated[Actor, Depends(customer)]

    def show(request: Request, me: Actor, pid: int, status: int = 200, **context: object) -> Response:
        with services.sessions.begin() as session:
            links = family.links(session, services.master, me, person_id=pid)
        return render(request, "family.html", status=status, pid=pid, links=links, share_label=family.SHARE_LABEL,
                      **context)  # fmt: skip

    @pages.get("/people/{pid}/family")
    def family_page(request: Request, pid: RowId, me: Me) -> Response:
        return show(request, me, pid)

    @pages.post("/people/{pid}/family", dependencies=[Csrf])
    def family_invite(request: Request, pid: RowId, me: Me, name: Annotated[str, Form(max_length=50)],
                      phone: Annotated[str, Form(max_length=20)]) -> Response:  # fmt: skip
        invite_budget(me)
        try:
            with services.sessions.begin() as session:
                family.invite_by_contact(session, services.master, me, inviter_id=pid, name=name, phone=phone,
                                         now=now())  # fmt: skip
        except ValueError as exc:
            return show(request, me, pid, status=422, error=str(exc).partition(": ")[2] or str(exc),
                        values={"name": name, "phone": phone})  # fmt: skip
        return show(request, me, pid, sent=INVITE_SENT)

    @pages.post("/family/{link_id}/accept", dependencies=[Csrf])
    def family_accept(request: Request, link_id: RowId, me: Me, shares: ShareForm = []) -> Response:  # noqa: B006
        with services.sessions.begin() as session:
            family.accept(session, me, link_id=link_id, master=services.master, shares=shares, now=now())
        return redirect(f"/people/{me.person_id}/family")

    @pages.post("/family/{link_id}/shares", dependencies=[Csrf])
    def family_shares(request: Request, link_id: RowId, me: Me, shares: ShareForm = []) -> Response:  # noqa: B006
        with services.sessions.begin() as session:
            family.set_shares(session, services.master, me, link_id=link_id, shares=shares, now=now())
        return redirect(f"/people/{me.person_id}/family")

    @pages.post("/family/{link_id}/end", dependencies=[Csrf])
    def family_end(request: Request, link_id: RowId, me: Me) -> Response:
        with services.sessions.begin() as session:
            family.end(session, services.master, me, link_id=link_id, now=now())
        return redirect(f"/people/{me.person_id}/family")

    return pages
