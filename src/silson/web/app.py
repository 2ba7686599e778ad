"""The web service: each area's JSON API (`<area>/endpoints.py`) and pages (`<area>/pages.py`)
registered on one app, with what they share: error shapes, security headers, rate limits on
sign-in, and the background job runner.

Errors are JSON with a stable code, a message a person can act on, and the field at fault."""

from __future__ import annotations

import ipaddress
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from silson.access import Actor, Forbidden
from silson.adapters.contract_list import ContractListError
from silson.adapters.hometax import HometaxError
from silson.audit import chain
from silson.audit import endpoints as audit_endpoints
from silson.auth import endpoints as auth_endpoints
from silson.auth import tokens
from silson.claims import endpoints as claim_endpoints
from silson.claims.events import NotEditable, StaleRevision
from silson.claims.lifecycle import TransitionError
from silson.claims.start import NothingToClaim
from silson.discover import endpoints as estimate_endpoints
from silson.errors import SilsonError
from silson.payments import endpoints as payment_endpoints
from silson.payments import pages as payment_pages
from silson.privacy import endpoints as people_endpoints
from silson.privacy import family_endpoints, family_pages, people
from silson.privacy.consent import ConsentMissing
from silson.privacy.withdrawal import AlreadyCarriedOut, VerificationFailed
from silson.relay import endpoints as relay_endpoints
from silson.store import db
from silson.web import messages, pages, site
from silson.web.deps import Services
from silson.web.pages.common import CsrfRefused, SignInNeeded
from silson.web.runner import JobRunner
from silson.web.schemas import ErrorOut
from silson.web.upload import TooLarge

__all__ = ["Services", "create_app"]

STATIC = Path(__file__).parent / "static"
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "Cache-Control": "no-store",
}
_LOG = logging.getLogger(__name__)
KNOWN = (Forbidden, tokens.BadToken, TransitionError, people.PersonErased, ConsentMissing, StaleRevision,
         VerificationFailed, people.AccountClosing, AlreadyCarriedOut, NotEditable, NothingToClaim)  # fmt: skip


class RateLimited(SilsonError, PermissionError):
    code = "rate_limited"
    http_status = 429


def _error(status: int, code: str, message: str, field: str | None = None) -> JSONResponse:
    """The JSON API's refusal: `message` in Korean with what to do next (web/messages.py, the same
    mapping as the pages), `code` and `field` as stable as ever, the technical wording, if any, in
    `detail`."""
    shown, detail = messages.for_customer(status, code, message, field)
    out = ErrorOut(code=code, message=shown, field=field, detail=detail)
    return JSONResponse(status_code=status, content=out.model_dump())


def trusted_proxies_from_env() -> tuple[str, ...]:
    """SILSON_TRUSTED_PROXIES: comma-separated addresses or networks of the reverse proxies whose
    X-Forwarded-For is believed; none by default (the connecting address is the client)."""
    return tuple(p.strip() for p in os.environ.get("SILSON_TRUSTED_PROXIES", "").split(",") if p.strip())


def _is_trusted(host: str, proxies: tuple[str, ...]) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host in proxies
    for proxy in proxies:
        try:
            if address in ipaddress.ip_network(proxy, strict=False):
                return True
        except ValueError:
            continue
    return False


def client_address(request: Request, proxies: tuple[str, ...]) -> str:
    """The address that counts for rate limits: the peer, or, when the peer is a trusted proxy, the
    nearest address in X-Forwarded-For that is not one of ours (the ones left of it are the caller's
    to forge)."""
    host = request.client.host if request.client else "unknown"
    if not _is_trusted(host, proxies):
        return host
    hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, proxies):
            return hop
    return host


def create_app(
    services: Services, sign_in_rate: str = "10/minute", run_jobs: bool = True, *,
    trusted_proxies: tuple[str, ...] | None = None, invite_rate: str = "10/hour", rate_limits: str | None = None,
    periodic_jobs: bool = False,
) -> FastAPI:  # fmt: skip
    """`run_jobs` runs the job outbox in this process (the embedded default); with a separate
    worker (`make worker`) it can be off. `trusted_proxies` defaults to SILSON_TRUSTED_PROXIES.
    `rate_limits` is where the rate-limit counters live (SILSON_RATE_LIMITS, default `memory://`, this
    process only); several server processes share one, e.g. `redis://127.0.0.1:6379/0`, so that a
    client cannot multiply its budget by the number of processes. `periodic_jobs` has the in-process
    runner also queue the periodic jobs (`jobs/schedule.py`), as `silson serve` does."""
    proxies = trusted_proxies_from_env() if trusted_proxies is None else trusted_proxies
    runner = JobRunner(services, periodic=periodic_jobs) if run_jobs else None

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if runner:
            runner.start()
        try:
            yield
        finally:
            if runner:
                runner.stop()
            with services.sessions.begin() as session:
                chain.checkpoint(session)  # the head as it stands when the service stops, on disk

    # /docs comes from site.py, served from the package under the CSP
    app = FastAPI(title="silson", version="0.2.0", description="실손의료보험 청구 도우미 API", lifespan=lifespan,
                  docs_url=None, redoc_url=None)  # fmt: skip
    limiter = MovingWindowRateLimiter(
        storage_from_string(rate_limits or os.environ.get("SILSON_RATE_LIMITS", "memory://"))
    )
    sign_in_limit = parse(sign_in_rate)

    def sign_in_budget(request: Request) -> None:
        """Sign-in and identity requests per client address: guessing and SMS flooding are slowed."""
        client = client_address(request, proxies)
        if not limiter.hit(sign_in_limit, "sign-in", client):
            raise RateLimited(f"로그인 시도가 너무 많습니다. 1분 뒤에 다시 시도해 주세요 ({sign_in_rate}).")

    invite_limit = parse(invite_rate)

    def invite_budget(actor: Actor) -> None:
        """Family invitations per inviter: the form is no way to test many names and phones."""
        if not limiter.hit(invite_limit, "invite", actor.label):
            raise RateLimited(f"가족 초대를 너무 많이 보냈습니다. 잠시 후 다시 시도해 주세요 ({invite_rate}).")

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Any:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    def wants_page(request: Request) -> bool:
        return not request.url.path.startswith("/api/")

    def answer(request: Request, status: int, code: str, message: str, field: str | None = None) -> Response:
        if wants_page(request):
            return pages.error_page(request, status, code, message, field)
        return _error(status, code, message, field)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"] if p not in ("body", "query", "path"))
        if wants_page(request):  # a person at a form: what is wrong with which field, in Korean
            said = messages.validation(first["type"], field or None, first.get("ctx"))
            return pages.error_page(request, 422, "invalid_input", said, field or None)
        said = messages.validation(first["type"], field or None, first.get("ctx"))
        technical = f"{field}: {first['msg']}" if field else str(first["msg"])
        out = ErrorOut(code="invalid_input", message=said, field=field or None, detail=technical)
        return JSONResponse(status_code=422, content=out.model_dump())

    @app.exception_handler(StarletteHTTPException)
    async def unreadable_body(request: Request, exc: StarletteHTTPException) -> Response:
        """FastAPI answers a body it cannot parse (JSON nested 100,000 deep, say) with a bare 400."""
        if exc.status_code == 400 and exc.detail == "There was an error parsing the body":
            message = "요청 본문을 읽을 수 없습니다: JSON 형식이 틀렸거나 너무 깊게 중첩되었습니다."
            return answer(request, 422, "invalid_body", message, "body")
        if exc.status_code >= 400:  # an unknown address or method: a page in the site's style, or Korean JSON
            response = answer(request, exc.status_code, "not_found" if exc.status_code == 404 else "http_error",
                              str(exc.detail))  # fmt: skip
            response.headers.update(exc.headers or {})
            return response
        return await http_exception_handler(request, exc)

    @app.exception_handler(Exception)
    async def failed(request: Request, exc: Exception) -> Response:
        """A defect of ours: logged with its traceback; the person gets the site's 500 page."""
        _LOG.error("unhandled %s at %s", type(exc).__name__, request.url.path, exc_info=exc)
        return answer(request, 500, "internal_error", "일시적인 오류입니다. 잠시 후 다시 시도해 주세요.")

    @app.exception_handler(OperationalError)
    async def database_away(request: Request, exc: OperationalError) -> Response:
        """The database is restarting, unreachable or (SQLite) busy past its wait: the request's
        transaction did not commit; the person is asked to try again in a moment (503, Retry-After).
        Any other OperationalError (a missing table, say) is a defect and answered as one (500)."""
        if not db.database_away(exc):
            _LOG.error("database error at %s", request.url.path, exc_info=exc)
            return answer(request, 500, "internal_error", "일시적인 오류입니다. 잠시 후 다시 시도해 주세요.")
        _LOG.warning("database away at %s: %s", request.url.path, exc.orig)
        said = "데이터베이스가 잠시 응답하지 않아 요청을 처리하지 못했습니다. 몇 초 뒤에 다시 시도해 주세요."
        response = answer(request, 503, "database_unavailable", said)
        response.headers["Retry-After"] = "5"
        return response

    @app.exception_handler(HometaxError)
    @app.exception_handler(ContractListError)
    async def bad_file(request: Request, exc: ValueError) -> Response:
        return answer(request, 422, "invalid_file", str(exc), "file")

    @app.exception_handler(SilsonError)
    async def silson_error(request: Request, exc: SilsonError) -> Response:
        """Every error silson raises on purpose answers with its own status, code and field."""
        if exc.http_status >= 500:  # data shipped with silson is wrong: a defect, logged as one
            _LOG.error("%s at %s", exc.code, request.url.path, exc_info=exc)
        message, field = str(exc), exc.field
        if field and message.startswith(f"{field}: "):
            message = message[len(field) + 2 :]
        return answer(request, exc.http_status, exc.code, message, field)

    @app.exception_handler(ValueError)
    async def refused(request: Request, exc: ValueError) -> Response:
        if isinstance(exc, KNOWN):
            return await known(request, exc)
        # a ValueError that is not a SilsonError comes from a library or a bug of ours (every input
        # refusal is an Invalid naming its field): a 500 with its traceback, never a 422 that hides it
        _LOG.error("unclassified ValueError at %s", request.url.path, exc_info=exc)
        return answer(request, 500, "internal_error", "일시적인 오류입니다. 잠시 후 다시 시도해 주세요.")

    async def known(request: Request, exc: Exception) -> Response:
        return answer(request, getattr(exc, "http_status", 400), getattr(exc, "code", "error"), str(exc))

    for kind in (*KNOWN, RateLimited, CsrfRefused, TooLarge):
        app.add_exception_handler(kind, known)
    app.add_exception_handler(SignInNeeded, pages.sign_in_needed)

    @app.exception_handler(LookupError)
    async def missing(request: Request, exc: LookupError) -> Response:
        if isinstance(exc, people.PersonErased):
            return await known(request, exc)
        # every missing object silson names is a NotFound (a SilsonError, answered above): any other
        # LookupError (KeyError, IndexError, a library's) is a look-up inside our code that failed
        _LOG.error("unclassified %s at %s", type(exc).__name__, request.url.path, exc_info=exc)
        return answer(request, 500, "internal_error", "일시적인 오류입니다. 잠시 후 다시 시도해 주세요.")

    app.include_router(auth_endpoints.router(services, sign_in_budget))
    app.include_router(people_endpoints.router(services))
    app.include_router(estimate_endpoints.router(services))
    app.include_router(audit_endpoints.router(services))
    app.include_router(claim_endpoints.router(services))
    app.include_router(relay_endpoints.router(services))
    app.include_router(payment_endpoints.router(services))
    app.include_router(payment_pages.router(services))
    app.include_router(family_endpoints.router(services, invite_budget))
    app.include_router(family_pages.router(services, invite_budget), include_in_schema=False)
    app.include_router(pages.router(services, sign_in_budget, invite_budget))
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    site.mount(app)

    @app.get("/healthz", response_class=HTMLResponse, include_in_schema=False)
    def healthz() -> str:
        return "ok"

    return app
