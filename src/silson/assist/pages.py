"""Assisted mode's pages (issue 18). For call-center staff: record a person's request for help, then,
under it, open claims from their estimate, choose routes and record 실손24 results for them. For the
person: which actions were taken for them and by whom (on the claim page too), ending a request,
and the large-text mode with one action per screen."""

import json
from datetime import UTC, date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from silson.access import Actor, Role
from silson.assist import service as assist
from silson.assist.models import AssistRequestRow
from silson.assist.present import plain, who_label
from silson.claims import checklist, start
from silson.claims import repository as claims_repository
from silson.claims.lifecycle import BEFORE_SUBMISSION, State
from silson.errors import SilsonError
from silson.privacy import people
from silson.relay import (
    pages as relay_pages,  # its staff sign-in check, looked up when called (the pages import each other via web.pages)
)
from silson.relay import service as relay
from silson.store import repository
from silson.web.deps import Services
from silson.web.pages.common import check_csrf, env, now, page_actor, redirect, render
from silson.web.schemas import RowId

Csrf = Depends(check_csrf)
SEOUL = ZoneInfo("Asia/Seoul")


def kst_time(at: datetime | None) -> str:
    """An instant in Korean time (SQLite hands it back without its zone; it was stored in UTC).

    >>> kst_time(datetime(2026, 12, 1, 5, 30))
    '2026-12-01 14:30'
    """
    if at is None:
        return "-"
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(SEOUL).strftime("%Y-%m-%d %H:%M")


env.filters["kst_time"] = kst_time
env.globals.update(
    who_label=who_label, ASSIST_SCOPES=assist.SCOPES, ASSIST_CHANNELS=assist.CHANNELS, ASSIST_CONSENTS=assist.CONSENTS
)


def _next_step(session: Session, services: Services, me: Actor, pid: int) -> tuple[str, str, str]:
    """The one thing to do now, for the large-text home: (title, what it does, where)."""
    for claim in reversed(repository.claims_of(session, pid)):
        try:
            found = relay.guide(session, services.master, services.directory, me, claim_id=claim.id, now=now())
        except SilsonError:
            continue
        if found.pending:
            return ("실손24로 보내기", f"청구 #{claim.id} ({claim.insurer})의 병원 서류를 실손24로 보낼 수 있어요.",
                    f"/claims/{claim.id}/silson24")  # fmt: skip
    for claim in reversed(repository.claims_of(session, pid)):
        mine = [d for d in claims_repository.documents_of(session, claim.id)
                if d.route == checklist.Route.UPLOAD.value and d.state == checklist.DocState.NEEDED.value]  # fmt: skip
        if mine and State(claim.state) in BEFORE_SUBMISSION:
            return ("서류 사진 올리기", f"청구 #{claim.id} ({claim.insurer})에 올려 주실 서류가 {len(mine)}건 있어요.",
                    f"/claims/{claim.id}/uploads")  # fmt: skip
    try:
        found_any = [c for c in start.candidates(session, services.master, services.catalogue, services.directory, me,
                                                 person_id=pid, today=now().date(), now=now())
                     if c.status != "refused"]  # fmt: skip
    except SilsonError:
        found_any = []
    if found_any:
        total = sum(c.expected for c in found_any)
        return "보험금 청구하기", f"받을 수 있는 보험금이 약 {total:,}원 있어요.", f"/people/{pid}/claims/new"
    return "내 청구 보기", "진행 중인 청구를 볼 수 있어요.", f"/people/{pid}/claims"


def router(services: Services) -> APIRouter:
    pages = APIRouter()

    def customer(request: Request) -> Actor:
        return page_actor(services, request)

    def assistant(request: Request) -> Actor:
        return relay_pages.assistant_actor(services, request)

    Me = Annotated[Actor, Depends(customer)]
    Staff = Annotated[Actor, Depends(assistant)]

    # ---- the person ----

    @pages.get("/people/{pid}/assisted")
    def my_assisted(request: Request, pid: RowId, me: Me) -> Response:
        with services.sessions.begin() as session:
            requests = [plain(r) for r in assist.requests_of(session, me, person_id=pid)]
            actions = [plain(r) for r in assist.actions_of(session, me, person_id=pid)]
        return render(request, "assist_mine.html", pid=pid, requests=requests, actions=actions, today=now().date(),
                      covers=_covers)  # fmt: skip

    @pages.post("/people/{pid}/assisted/{rid}/end", dependencies=[Csrf])
    def end_request(request: Request, pid: RowId, rid: RowId, me: Me) -> Response:
        with services.sessions.begin() as session:
            assist.end_request(session, me, person_id=pid, request_id=rid, now=now())
        return redirect(f"/people/{pid}/assisted")

    @pages.get("/claims/{cid}/assisted")
    def claim_assisted(request: Request, cid: RowId, me: Me) -> Response:
        with services.sessions.begin() as session:
            claim = relay.claim_for(session, me, cid)
            mine = me.person_id == claim.person_id
            actions = (
                [plain(r) for r in assist.actions_of(session, me, person_id=claim.person_id, claim_id=cid)]
                if mine
                else []
            )
        return render(request, "assist_claim_panel.html", actions=actions, pid=claim.person_id, cid=cid)

    @pages.post("/people/{pid}/display", dependencies=[Csrf])
    def my_display(request: Request, pid: RowId, me: Me, large: Annotated[str, Form(pattern="^(on|off)$")],
                   back: Annotated[str, Form(max_length=200)] = "") -> Response:  # fmt: skip
        with services.sessions.begin() as session:
            assist.set_large_text(session, me, person_id=pid, on=large == "on", now=now())
        return redirect(back if back.startswith("/") and not back.startswith("//") else f"/people/{pid}/simple")

    @pages.get("/people/{pid}/simple")
    def simple_home(request: Request, pid: RowId, me: Me) -> Response:
        with services.sessions.begin() as session:
            name = people.read(session, services.master, me, pid, now()).name
            title, what, where = _next_step(session, services, me, pid)
        return render(request, "assist_simple.html", pid=pid, name=name, title=title, what=what, where=where)

    # ---- call-center staff ----

    def console(request: Request, staff: Actor, *, status: int = 200, error: str | None = None,
                values: dict[str, Any] | None = None) -> Response:  # fmt: skip
        with services.sessions.begin() as session:
            rows = []
            for r in assist.live_requests(session, staff, now=now()):
                actor = Actor(Role.ASSISTANT, person_id=r.person_id, staff_id=staff.staff_id)
                rows.append((plain(r), people.read(session, services.master, actor, r.person_id, now()).name))
        return render(request, "assist_console.html", status=status, rows=rows, error=error, values=values or {},
                      today=relay._today(now()).isoformat(), covers=_covers)  # fmt: skip

    @pages.get("/assist")
    def staff_console(request: Request, staff: Staff) -> Response:
        return console(request, staff)

    @pages.post("/assist/requests", dependencies=[Csrf])
    async def staff_record(request: Request, staff: Staff) -> Response:
        raw = await request.form()

        def text(name: str, limit: int) -> str:
            value = raw.get(name)
            return value[:limit] if isinstance(value, str) else ""

        values = {
            k: text(k, 600) for k in ("name", "birth_date", "phone", "channel", "requested_on", "consent", "note")
        }
        values["covers"] = [v for v in raw.getlist("covers") if isinstance(v, str)][:10]  # type: ignore[assignment]
        try:
            born = date.fromisoformat(values["birth_date"])
            asked = date.fromisoformat(values["requested_on"])
        except ValueError:
            return console(
                request, staff, status=422, values=values, error="생년월일과 요청일을 YYYY-MM-DD로 적어 주세요."
            )
        try:
            with services.sessions.begin() as session:
                row = assist.record_request(session, services.master, staff, name=values["name"][:50], birth_date=born,
                                            phone=values["phone"][:20], channel=values["channel"], requested_on=asked,
                                            covers=values["covers"], consent=values["consent"], note=values["note"],
                                            now=now())  # fmt: skip
                pid = row.person_id
        except SilsonError as exc:
            if exc.http_status not in (404, 409, 422):
                raise
            message = str(exc).partition(": ")[2] if exc.field else str(exc)
            return console(request, staff, status=exc.http_status, values=values, error=message)
        return redirect(f"/assist/people/{pid}")

    def person_page(
        request: Request, staff: Actor, pid: int, *, status: int = 200, error: str | None = None
    ) -> Response:
        with services.sessions.begin() as session:
            actor, _request = assist.viewing(session, staff, person_id=pid, now=now())
            name = people.read(session, services.master, actor, pid, now()).name
            live = [plain(r) for r in assist.requests_of(session, Actor(Role.SYSTEM), person_id=pid)
                    if r.ended_at is None and r.expires_on >= relay._today(now())]  # fmt: skip
            may_open = any("claim.open" in _covers(r) for r in live)
            found = start.candidates(session, services.master, services.catalogue, services.directory, actor,
                                     person_id=pid, today=now().date(), now=now()) if may_open else []  # fmt: skip
            claims = [plain(c) for c in repository.claims_of(session, pid)]
            actions = [plain(r) for r in assist.actions_of(session, Actor(Role.SYSTEM), person_id=pid)]
            large = assist.large_text(session, pid)
        return render(request, "assist_person.html", status=status, pid=pid, name=name, live=live, covers=_covers,
                      open_items=[c for c in found if c.status != "refused"], claims=claims, actions=actions,
                      large=large, error=error, may_open=may_open)  # fmt: skip

    @pages.get("/assist/people/{pid}")
    def staff_person(request: Request, pid: RowId, staff: Staff) -> Response:
        return person_page(request, staff, pid)

    @pages.post("/assist/people/{pid}/claims", dependencies=[Csrf])
    async def staff_open(request: Request, pid: RowId, staff: Staff) -> Response:
        raw = await request.form()
        picks = [int(v) for v in raw.getlist("py") if isinstance(v, str) and v.isdigit() and len(v) < 10]
        key = raw.get("key")
        if not picks:
            return person_page(request, staff, pid, status=422, error="청구할 항목을 하나 이상 골라 주세요.")
        try:
            with services.sessions.begin() as session:
                assist.open_claims(session, services.master, services.catalogue, services.directory, staff,
                                   person_id=pid, spending_ids=picks, key=key if isinstance(key, str) else "none",
                                   now=now())  # fmt: skip
        except (start.NothingToClaim, ValueError) as exc:
            if isinstance(exc, SilsonError) and exc.http_status == 403:
                raise
            return person_page(request, staff, pid, status=409, error=str(exc).partition(": ")[2] or str(exc))
        return redirect(f"/assist/people/{pid}")

    @pages.post("/assist/people/{pid}/display", dependencies=[Csrf])
    def staff_display(request: Request, pid: RowId, staff: Staff,
                      large: Annotated[str, Form(pattern="^(on|off)$")]) -> Response:  # fmt: skip
        with services.sessions.begin() as session:
            assist.set_large_text(session, staff, person_id=pid, on=large == "on", now=now())
        return redirect(f"/assist/people/{pid}")

    return pages


def _covers(row: AssistRequestRow | Any) -> list[str]:
    return [str(s) for s in json.loads(row.covers)]
