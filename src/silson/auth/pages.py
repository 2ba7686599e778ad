"""Signing in and out: customers through the identity port (간편인증), staff with their id."""

from collections.abc import Callable
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from silson.access import STAFF, Actor, Role
from silson.adapters.identity import Outcome, SandboxIdentity
from silson.auth import service as auth
from silson.auth import sign_in, tokens
from silson.web.deps import Services, actor_from_token
from silson.web.pages.common import SESSION_COOKIE, check_csrf, now, redirect, render, set_session

Csrf = Depends(check_csrf)


def start_page(actor: Actor) -> str:
    """Where staff land: a field agent on their tasks, the call center on assisted mode, the review
    center on its queue."""
    if actor.role is Role.ASSISTANT:
        return "/assist"
    return "/agent" if actor.role is Role.FIELD_AGENT else "/review"


def router(services: Services, sign_in_budget: Callable[[Request], None]) -> APIRouter:
    pages = APIRouter()
    Budget = Depends(sign_in_budget)
    sandbox = services.identity if isinstance(services.identity, SandboxIdentity) else None

    @pages.get("/")
    def home(request: Request) -> Response:
        try:
            actor = actor_from_token(services, request.cookies.get(SESSION_COOKIE))
        except tokens.BadToken:
            return render(request, "home.html")
        return redirect(start_page(actor) if actor.role in STAFF or actor.role is Role.ASSISTANT else "/me")

    @pages.get("/sign-in")
    def sign_in_form(request: Request) -> Response:
        return render(request, "sign_in.html", values={})

    @pages.post("/sign-in", dependencies=[Csrf, Budget])
    def sign_in_start(
        request: Request, name: Annotated[str, Form(max_length=50)], birth_date: Annotated[str, Form(max_length=10)],
        phone: Annotated[str, Form(max_length=20)],
    ) -> Response:  # fmt: skip
        values = {"name": name, "birth_date": birth_date, "phone": phone}
        try:
            born = date.fromisoformat(birth_date)
            if not name.strip() or len("".join(c for c in phone if c.isdigit())) < 9:
                raise ValueError
        except ValueError:
            return render(request, "sign_in.html", status=422, values=values,
                          error="이름, 생년월일(YYYY-MM-DD), 휴대폰 번호를 확인해 주세요.")  # fmt: skip
        rid = services.identity.request(name=name.strip(), birth_date=born, phone=phone, now=now())
        return render(request, "sign_in_wait.html", request_id=rid, sandbox=sandbox is not None)

    @pages.post("/sign-in/approve", dependencies=[Csrf])
    def sandbox_approve(request: Request, request_id: Annotated[str, Form(max_length=100)]) -> Response:
        """Sandbox only: plays the person approving the request in their phone's app."""
        if sandbox is None:
            return render(
                request, "error.html", status=404, title="찾을 수 없어요", message="no sandbox", code="not_found"
            )
        try:
            sandbox.approve(request_id)
        except KeyError:
            return redirect("/sign-in")
        return render(request, "sign_in_wait.html", request_id=request_id, sandbox=True, approved=True)

    @pages.post("/sign-in/finish", dependencies=[Csrf, Budget])
    def sign_in_finish(request: Request, request_id: Annotated[str, Form(max_length=100)]) -> Response:
        with services.sessions.begin() as session:
            try:
                _who, token = sign_in.finish(session, services.master, services.identity, request_id=request_id,
                                             now=now())  # fmt: skip
            except tokens.BadToken as exc:
                try:
                    pending = services.identity.status(request_id, now()) is Outcome.PENDING
                except KeyError:
                    pending = False
                return render(request, "sign_in_wait.html", status=401, request_id=request_id,
                              sandbox=sandbox is not None and pending, error=str(exc))  # fmt: skip
        return set_session(redirect("/me"), request, token)

    @pages.get("/staff/sign-in")
    def staff_form(request: Request) -> Response:
        return render(request, "staff_sign_in.html")

    @pages.post("/staff/sign-in", dependencies=[Csrf, Budget])
    def staff_sign_in(
        request: Request, staff_id: Annotated[str, Form(max_length=100)], secret: Annotated[str, Form(max_length=200)]
    ) -> Response:
        try:
            with services.sessions.begin() as session:
                who, token = sign_in.staff(session, services.master, services.staff, staff_id=staff_id, secret=secret,
                                           now=now())  # fmt: skip
        except tokens.BadToken:
            return render(request, "staff_sign_in.html", status=401, error="직원 ID 또는 비밀번호가 맞지 않습니다.")
        return set_session(redirect(start_page(who)), request, token)

    @pages.post("/sign-out", dependencies=[Csrf])
    def sign_out(request: Request) -> Response:
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            with services.sessions.begin() as session:
                auth.end(session, services.master, token=token, now=now())
        response = redirect("/")
        response.delete_cookie(SESSION_COOKIE)
        return response

    return pages
