"""Sign-in's JSON API: a customer's identity request and its finish, the staff sign-in, sign-out
(the session ends on the server), and in the sandbox the person's approval. Thin: parse, call one
use case of auth/sign_in.py or auth/service.py in the request's transaction, answer."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request
from sqlalchemy.orm import Session

from silson.access import Actor
from silson.adapters.identity import SandboxIdentity
from silson.auth import service as auth
from silson.auth import sign_in
from silson.errors import NotFound
from silson.web.deps import Services, bearer_actor, session_dependency
from silson.web.schemas import ErrorOut, SessionIn, SessionOut, SignInRequest, SignInStarted, StaffSessionIn


def router(services: Services, sign_in_budget: Callable[[Request], None]) -> APIRouter:
    api = APIRouter()
    SignInBudget = Depends(sign_in_budget)
    db, actor = session_dependency(services), bearer_actor(services)
    DB = Annotated[Session, Depends(db, scope="function")]  # commit before the answer (deps.session_dependency)
    Me = Annotated[Actor, Depends(actor)]

    @api.post("/api/auth/requests", response_model=SignInStarted, dependencies=[SignInBudget],
              responses={422: {"model": ErrorOut}, 429: {"model": ErrorOut}})  # fmt: skip
    def start_sign_in(body: SignInRequest) -> SignInStarted:
        rid = services.identity.request(
            name=body.name, birth_date=body.birth_date, phone=body.phone, now=datetime.now(UTC)
        )
        return SignInStarted(request_id=rid)

    @api.post("/api/auth/sessions", response_model=SessionOut, dependencies=[SignInBudget],
              responses={401: {"model": ErrorOut}, 429: {"model": ErrorOut}})  # fmt: skip
    def finish_sign_in(body: SessionIn, session: DB) -> SessionOut:
        who, token = sign_in.finish(session, services.master, services.identity, request_id=body.request_id,
                                    now=datetime.now(UTC))  # fmt: skip
        return SessionOut(token=token, role="customer", person_id=who.person_id)

    if isinstance(services.identity, SandboxIdentity):
        sandbox = services.identity

        @api.post("/api/auth/requests/{request_id}/approve", status_code=204, tags=["sandbox"])
        def sandbox_approve(request_id: str) -> None:
            """Sandbox only: plays the person approving the request in their app."""
            try:
                sandbox.approve(request_id)
            except KeyError:
                raise NotFound(f"no sign-in request {request_id}") from None

    @api.post("/api/auth/staff", response_model=SessionOut, dependencies=[SignInBudget],
              responses={401: {"model": ErrorOut}, 429: {"model": ErrorOut}})  # fmt: skip
    def staff_sign_in(body: StaffSessionIn, session: DB) -> SessionOut:
        who, token = sign_in.staff(session, services.master, services.staff, staff_id=body.staff_id, secret=body.secret,
                                   now=datetime.now(UTC))  # fmt: skip
        return SessionOut(token=token, role=who.role.value, person_id=None)

    @api.delete("/api/auth/session", status_code=204, responses={401: {"model": ErrorOut}})
    def sign_out(me: Me, session: DB, authorization: Annotated[str, Header()]) -> None:
        """Sign out: this token's session ends on the server at once."""
        auth.end(session, services.master, token=authorization.removeprefix("Bearer "), now=datetime.now(UTC))

    return api
