"""How each visit's documents come (issue 18), for the customer and for call-center staff acting at
the person's request: the route of every visit with its reason and source, picking another, the
step-by-step 실손24 guide for the visits that go that way, and recording what was sent."""

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from silson.access import Actor, Role
from silson.assist import service as assist
from silson.assist.present import plain, who_label
from silson.errors import SilsonError
from silson.relay import route
from silson.relay import service as relay
from silson.web.deps import Services, with_family
from silson.web.pages.common import (
    check_csrf,
    now,
    page_actor,
    redirect,
    render,
    role_actor,
)
from silson.web.schemas import RowId

Csrf = Depends(check_csrf)
#: what a person opens to send a claim through 실손24 (claims-and-documents.md §5.2 Channels; [S2] Q10)
ENTRIES = (
    ("실손24 앱", "앱 장터에서 '실손24'를 받아 설치하고 본인 인증으로 로그인해요."),
    ("실손24 누리집", "silson24.or.kr 에 접속해 로그인해요."),
    ("네이버·토스", "네이버 앱 또는 토스 앱에서 '실손24'를 검색해 들어가요 (2025-11-28부터)."),
    ("실손24 콜센터", "앱이 어려우면 ☎1811-3000 으로 전화해 도움을 받아요."),
)


def assistant_actor(services: Services, request: Request) -> Actor:
    """A signed-in call-center staff member (the staff sign-in page otherwise)."""
    return role_actor(services, request, Role.ASSISTANT)


def routes_context(session: Session, services: Services, actor: Actor, cid: int) -> dict[str, Any]:
    claim, plans = relay.routes(session, services.master, services.directory, actor, claim_id=cid, now=now())
    return {"claim": plain(claim), "plans": plans, "ROUTE_NAME": route.ROUTE_NAME, "who": who_label,
            "pending": [p for p in plans if p.choice.route is route.VisitRoute.SILSON24 and not p.sent]}  # fmt: skip


def guide_context(session: Session, services: Services, actor: Actor, cid: int) -> dict[str, Any]:
    found = relay.guide(session, services.master, services.directory, actor, claim_id=cid, now=now())
    sent = [plain(r) for r in found.sent]
    return {"guide": found, "sent": sent, "claim": plain(found.claim), "entries": ENTRIES, "channels": relay.CHANNELS,
            "who": who_label, "today": relay._today(now()).isoformat()}  # fmt: skip


def router(services: Services) -> APIRouter:
    pages = APIRouter()

    def customer(request: Request) -> Actor:
        return page_actor(services, request)

    def assistant(request: Request) -> Actor:
        return assistant_actor(services, request)

    Me = Annotated[Actor, Depends(customer)]
    Staff = Annotated[Actor, Depends(assistant)]

    def show_routes(request: Request, actor: Actor, cid: int, *, base: str, status: int = 200,
                    error: str | None = None) -> Response:  # fmt: skip
        with services.sessions.begin() as session:
            context = routes_context(session, services, actor, cid)
        fragment = request.headers.get("hx-request") == "true" and status == 200
        return render(request, "relay_routes_panel.html" if fragment else "relay_routes.html", status=status,
                      base=base, error=error, **context)  # fmt: skip

    def show_guide(request: Request, actor: Actor, cid: int, *, base: str, status: int = 200,
                   error: str | None = None, values: dict[str, Any] | None = None) -> Response:  # fmt: skip
        with services.sessions.begin() as session:
            context = guide_context(session, services, actor, cid)
        return render(request, "relay_guide.html", status=status, base=base, error=error, values=values or {},
                      **context)  # fmt: skip

    def viewer(session: Session, staff: Actor, cid: int) -> Actor:
        return assist.viewing(session, staff, person_id=assist.claim_person(session, cid), now=now())[0]

    # ---- the customer ----

    @pages.get("/claims/{cid}/routes")
    def my_routes(request: Request, cid: RowId, me: Me) -> Response:
        with services.sessions.begin() as session:
            actor = with_family(session, me)
        return show_routes(request, actor, cid, base=f"/claims/{cid}")

    @pages.post("/claims/{cid}/routes", dependencies=[Csrf])
    def my_choice(request: Request, cid: RowId, me: Me, subject: Annotated[str, Form(max_length=100)],
                  to: Annotated[route.VisitRoute, Form()]) -> Response:  # fmt: skip
        try:
            with services.sessions.begin() as session:
                relay.choose(session, services.master, services.directory, me, claim_id=cid, subject=subject, to=to,
                             now=now())  # fmt: skip
        except route.Impossible as exc:
            return show_routes(request, me, cid, base=f"/claims/{cid}", status=422, error=str(exc).partition(": ")[2])
        return redirect(f"/claims/{cid}/routes")

    @pages.get("/claims/{cid}/silson24")
    def my_guide(request: Request, cid: RowId, me: Me) -> Response:
        return show_guide(request, me, cid, base=f"/claims/{cid}")

    def _record(request: Request, actor: Actor, cid: int, base: str, form: dict[str, Any], record: Callable[..., Any]
                ) -> Response:  # fmt: skip
        values = {k: v for k, v in form.items() if k != "subjects"} | {"subjects": form["subjects"]}
        try:
            submitted_on = date.fromisoformat(form["submitted_on"])
        except ValueError:
            return show_guide(request, actor, cid, base=base, status=422, values=values,
                              error="보낸 날짜를 YYYY-MM-DD로 적어 주세요.")  # fmt: skip
        try:
            with services.sessions.begin() as session:
                record(session, claim_id=cid, subjects=form["subjects"], channel=form["channel"],
                       submitted_on=submitted_on, receipt_no=form["receipt_no"], key=form["key"],
                       now=now())  # fmt: skip
        except SilsonError as exc:
            if exc.http_status not in (409, 422):
                raise
            message = str(exc).partition(": ")[2] if exc.field else str(exc)
            return show_guide(request, actor, cid, base=base, status=exc.http_status, values=values, error=message)
        return redirect(f"{base}/silson24")

    @pages.post("/claims/{cid}/silson24", dependencies=[Csrf])
    async def my_record(request: Request, cid: RowId, me: Me) -> Response:
        form = await _form(request)

        def record(session: Session, **kw: Any) -> None:
            relay.record(session, services.master, services.directory, me, **kw)

        return _record(request, me, cid, f"/claims/{cid}", form, record)

    # ---- call-center staff at the person's request ----

    @pages.get("/assist/claims/{cid}/routes")
    def staff_routes(request: Request, cid: RowId, staff: Staff) -> Response:
        with services.sessions.begin() as session:
            actor = viewer(session, staff, cid)
        return show_routes(request, actor, cid, base=f"/assist/claims/{cid}")

    @pages.post("/assist/claims/{cid}/routes", dependencies=[Csrf])
    def staff_choice(request: Request, cid: RowId, staff: Staff, subject: Annotated[str, Form(max_length=100)],
                     to: Annotated[route.VisitRoute, Form()]) -> Response:  # fmt: skip
        try:
            with services.sessions.begin() as session:
                assist.choose_route(session, services.master, services.directory, staff, claim_id=cid,
                                    subject=subject, to=to, now=now())  # fmt: skip
        except route.Impossible as exc:
            with services.sessions.begin() as session:
                actor = viewer(session, staff, cid)
            return show_routes(request, actor, cid, base=f"/assist/claims/{cid}", status=422,
                               error=str(exc).partition(": ")[2])  # fmt: skip
        return redirect(f"/assist/claims/{cid}/routes")

    @pages.get("/assist/claims/{cid}/silson24")
    def staff_guide(request: Request, cid: RowId, staff: Staff) -> Response:
        with services.sessions.begin() as session:
            actor = viewer(session, staff, cid)
        return show_guide(request, actor, cid, base=f"/assist/claims/{cid}")

    @pages.post("/assist/claims/{cid}/silson24", dependencies=[Csrf])
    async def staff_record(request: Request, cid: RowId, staff: Staff) -> Response:
        form = await _form(request)
        with services.sessions.begin() as session:
            actor = viewer(session, staff, cid)

        def record(session: Session, **kw: Any) -> None:
            assist.record_relay(session, services.master, services.directory, staff, **kw)

        return _record(request, actor, cid, f"/assist/claims/{cid}", form, record)

    return pages


async def _form(request: Request) -> dict[str, Any]:
    """The 실손24 result form: its fields as text (bounded), the visits as a list."""
    raw = await request.form()

    def text(name: str, limit: int) -> str:
        value = raw.get(name)
        return value[:limit] if isinstance(value, str) else ""

    subjects = [v[:100] for v in raw.getlist("subjects") if isinstance(v, str)][:200]
    return {"subjects": subjects, "channel": text("channel", 20), "submitted_on": text("submitted_on", 10),
            "receipt_no": text("receipt_no", 60), "key": text("key", 100) or "none"}  # fmt: skip
