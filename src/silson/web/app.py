"""The JSON API (FastAPI; the OpenAPI document at /openapi.json is the contract) and a landing page.

Thin: parse, call one service function inside one transaction, render. Errors are JSON with a
stable code, a message a person can act on, and the field at fault."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Header, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session, sessionmaker

from silson.access import Actor, Forbidden, require_read
from silson.adapters.contract_list import CoverageRow, ListedContract
from silson.adapters.identity import IdentityProvider, Outcome, SandboxIdentity
from silson.audit.chain import verify
from silson.claims import service as claims
from silson.claims.lifecycle import Role, State, TransitionError
from silson.discover.providers import ProviderDirectory
from silson.discover.report import to_json as discover_json
from silson.discover.stored import stored_report
from silson.privacy import family, imports, people
from silson.privacy.consent import ConsentMissing
from silson.privacy.crypto import MasterKey, open_sealed
from silson.rules.catalogue import Catalogue, load_catalogue
from silson.store import repository
from silson.store.models import ClaimRow, ContractRecordRow, PersonKeyRow
from silson.web import tokens


@dataclass
class Services:
    sessions: sessionmaker[Session]
    master: MasterKey
    identity: IdentityProvider
    staff: dict[str, tuple[Role, str]]  # staff id → (role, shared secret) for the demo operator
    catalogue: Catalogue = field(default_factory=load_catalogue)
    directory: ProviderDirectory = field(default_factory=ProviderDirectory.load)


RowId = Annotated[int, Path(ge=1, le=2**31 - 1, description="a row id")]
OptionalRowId = Annotated[int | None, Query(ge=1, le=2**31 - 1)]


class ErrorOut(BaseModel):
    code: str
    message: str
    field: str | None = None


class SignInRequest(BaseModel):
    name: str = Field(min_length=1, max_length=50)
    birth_date: date
    phone: str = Field(min_length=9, max_length=20)


class SignInStarted(BaseModel):
    request_id: str


class SessionIn(BaseModel):
    request_id: str


class StaffSessionIn(BaseModel):
    staff_id: str
    secret: str


class SessionOut(BaseModel):
    token: str
    role: str
    person_id: int | None


class PersonOut(BaseModel):
    id: int
    name: str
    birth_date: date
    phone: str


class SpendingOut(BaseModel):
    year: int
    provider_id: str
    provider_name: str
    amount: int


class CoverageRowIn(BaseModel):
    name: str = Field(min_length=1, max_length=100, description="담보명, e.g. 질병입원의료비")
    amount: int = Field(ge=0, description="보장금액 (won)")
    code: str = ""


class ContractIn(BaseModel):
    insurer: str = Field(min_length=1, max_length=100)
    policy_no: str = Field(min_length=1, max_length=50)
    start: date
    end: date | None = None
    product_code: str | None = None
    option: Literal["choice1", "standard", "choice2"] | None = None
    insurer_kind: Literal["nonlife", "life"] | None = None
    coverages: list[CoverageRowIn] = Field(min_length=1)


class ContractOut(BaseModel):
    id: int
    rule_set: str
    mapping_certain: bool


class ClaimOut(BaseModel):
    id: int
    person_id: int
    insurer: str
    state: str


class MoveIn(BaseModel):
    to: State
    reason: str = Field(default="", max_length=500)
    idempotency_key: str = Field(min_length=1, max_length=100)


class AuditOut(BaseModel):
    entries: int
    intact: bool
    broken_at: int | None


def _error(status: int, code: str, message: str, field: str | None = None) -> JSONResponse:
    return JSONResponse(status_code=status, content=ErrorOut(code=code, message=message, field=field).model_dump())


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "Cache-Control": "no-store",
}


class RateLimited(PermissionError):
    code = "rate_limited"
    http_status = 429


def create_app(services: Services, sign_in_rate: str = "10/minute") -> FastAPI:
    app = FastAPI(title="silson", version="0.1.0", description="실손의료보험 청구 도우미 API")
    limiter = MovingWindowRateLimiter(MemoryStorage())
    sign_in_limit = parse(sign_in_rate)

    def sign_in_budget(request: Request) -> None:
        """Sign-in and identity requests per client address: guessing and SMS flooding are slowed."""
        client = request.client.host if request.client else "unknown"
        if not limiter.hit(sign_in_limit, "sign-in", client):
            raise RateLimited(f"too many sign-in attempts; try again in a minute ({sign_in_rate})")

    SignInBudget = Depends(sign_in_budget)

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Any:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    def db() -> Iterator[Session]:
        with services.sessions.begin() as session:
            yield session

    def actor(authorization: Annotated[str | None, Header()] = None) -> Actor:
        if not authorization or not authorization.startswith("Bearer "):
            raise tokens.BadToken("sign in first (Authorization: Bearer …)")
        return tokens.read(services.master, authorization.removeprefix("Bearer "), datetime.now(UTC))

    DB = Annotated[Session, Depends(db)]
    Me = Annotated[Actor, Depends(actor)]

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"] if p not in ("body", "query", "path"))
        return _error(422, "invalid_input", first["msg"], field or None)

    @app.exception_handler(ValueError)
    async def refused(_: Request, exc: ValueError) -> JSONResponse:
        field, _sep, message = str(exc).partition(": ")
        return _error(422, "invalid_input", message or field, field if message else None)

    for kind in (Forbidden, tokens.BadToken, TransitionError, people.PersonErased, ConsentMissing, RateLimited):

        @app.exception_handler(kind)
        async def known(_: Request, exc: Exception) -> JSONResponse:
            return _error(getattr(exc, "http_status", 400), getattr(exc, "code", "error"), str(exc))

    @app.exception_handler(LookupError)
    async def missing(_: Request, exc: LookupError) -> JSONResponse:
        return _error(404, "not_found", str(exc))

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home() -> str:
        return (
            "<!doctype html><html lang='ko'><meta name='viewport' content='width=device-width'>"
            "<title>silson</title><h1>silson · 실손 보험금 찾기</h1>"
            "<p>API 문서: <a href='/docs'>/docs</a> · 명세: <a href='/openapi.json'>/openapi.json</a></p></html>"
        )

    @app.post("/api/auth/requests", response_model=SignInStarted, dependencies=[SignInBudget],
              responses={422: {"model": ErrorOut}, 429: {"model": ErrorOut}})  # fmt: skip
    def start_sign_in(body: SignInRequest) -> SignInStarted:
        rid = services.identity.request(
            name=body.name, birth_date=body.birth_date, phone=body.phone, now=datetime.now(UTC)
        )
        return SignInStarted(request_id=rid)

    @app.post("/api/auth/sessions", response_model=SessionOut, dependencies=[SignInBudget],
              responses={401: {"model": ErrorOut}, 429: {"model": ErrorOut}})  # fmt: skip
    def finish_sign_in(body: SessionIn, session: DB) -> SessionOut:
        now = datetime.now(UTC)
        try:
            outcome = services.identity.status(body.request_id, now)
        except KeyError:
            raise tokens.BadToken("no such sign-in request") from None
        proven = services.identity.verified(body.request_id, now)
        if outcome is not Outcome.APPROVED or proven is None:
            raise tokens.BadToken(f"identity check not approved: {outcome.value}")
        for pid in people.find_by_phone(session, services.master, proven.phone):
            view = people.read(session, services.master, Actor(Role.CUSTOMER, person_id=pid), pid, now)
            if (view.name, view.birth_date) == (proven.name, proven.birth_date):
                who = Actor(Role.CUSTOMER, person_id=pid)
                return SessionOut(token=tokens.issue(services.master, who, now), role="customer", person_id=pid)
        raise tokens.BadToken("identity approved, but no customer of this service matches it")

    if isinstance(services.identity, SandboxIdentity):
        sandbox = services.identity

        @app.post("/api/auth/requests/{request_id}/approve", status_code=204, tags=["sandbox"])
        def sandbox_approve(request_id: str) -> None:
            """Sandbox only: plays the person approving the request in their app."""
            try:
                sandbox.approve(request_id)
            except KeyError:
                raise LookupError(f"no sign-in request {request_id}") from None

    @app.post("/api/auth/staff", response_model=SessionOut, dependencies=[SignInBudget],
              responses={401: {"model": ErrorOut}, 429: {"model": ErrorOut}})  # fmt: skip
    def staff_sign_in(body: StaffSessionIn) -> SessionOut:
        role, secret = services.staff.get(body.staff_id, (None, None))
        if role is None or secret is None or not _same(secret, body.secret):
            raise tokens.BadToken("unknown staff id or wrong secret")
        who = Actor(role, staff_id=body.staff_id)
        return SessionOut(token=tokens.issue(services.master, who, datetime.now(UTC)), role=role.value, person_id=None)

    @app.get("/api/people/{person_id}", response_model=PersonOut, responses={403: {"model": ErrorOut}})
    def person(person_id: RowId, me: Me, session: DB) -> PersonOut:
        view = people.read(session, services.master, _with_family(session, me), person_id, datetime.now(UTC))
        return PersonOut(id=view.id, name=view.name, birth_date=view.birth_date, phone=view.phone)

    @app.get("/api/people/{person_id}/spending", response_model=list[SpendingOut], responses={403: {"model": ErrorOut}})
    def spending(person_id: RowId, me: Me, session: DB) -> list[SpendingOut]:
        require_read(_with_family(session, me), person_id)
        key_row = session.get(PersonKeyRow, person_id)
        if key_row is None:
            raise people.PersonErased(f"person {person_id} was erased")
        key = services.master.unwrap(key_row.wrapped, f"person:{person_id}".encode())
        rows = repository.spending_of(session, person_id)
        return [
            SpendingOut(year=r.year, provider_id=r.provider_id, amount=r.amount,
                        provider_name=open_sealed(key, r.provider_name_sealed, "spending.provider_name"))
            for r in rows
        ]  # fmt: skip

    @app.get("/api/people/{person_id}/estimate", responses={403: {"model": ErrorOut}})
    def estimate(person_id: RowId, me: Me, session: DB, as_of: date | None = None) -> dict[str, Any]:
        """What the person's stored spending may be owed, per provider and year (silson-discover/1)."""
        now = datetime.now(UTC)
        viewer = _with_family(session, me)
        report = stored_report(session, services.master, services.catalogue, services.directory, viewer,
                               person_id=person_id, as_of=as_of or now.date(), now=now)  # fmt: skip
        return discover_json(report)

    @app.post("/api/people/{person_id}/contracts", response_model=ContractOut, status_code=201,
              responses={403: {"model": ErrorOut}, 409: {"model": ErrorOut}, 422: {"model": ErrorOut}})  # fmt: skip
    def enter_contract(person_id: RowId, body: ContractIn, me: Me, session: DB) -> ContractOut:
        """A 실손 contract entered by hand; mapped to its rule set like an imported one."""
        listed = ListedContract(
            insurer=body.insurer, policy_no=body.policy_no, insured_name="", insured_resid="", start=body.start,
            rows=[CoverageRow(r.code, r.name, r.amount) for r in body.coverages], product_code=body.product_code,
            insurer_kind=body.insurer_kind, end=body.end, option=body.option,
        )  # fmt: skip
        cid = imports.enter_contract(session, services.master, services.catalogue, me, person_id=person_id,
                                     contract=listed, now=datetime.now(UTC))  # fmt: skip
        row = session.get(ContractRecordRow, cid)
        assert row is not None
        return ContractOut(id=row.id, rule_set=row.rule_set, mapping_certain=row.mapping_certain)

    @app.get("/api/claims", response_model=list[ClaimOut])
    def claim_list(me: Me, session: DB, person_id: OptionalRowId = None) -> list[ClaimOut]:
        target = person_id
        if me.role in (Role.CUSTOMER, Role.FAMILY_VIEWER):
            target = person_id or me.person_id
            require_read(_with_family(session, me), target or -1)
        rows = repository.claims_of(session, target)
        return [ClaimOut(id=c.id, person_id=c.person_id, insurer=c.insurer, state=c.state) for c in rows]

    @app.post(
        "/api/claims/{claim_id}/moves",
        response_model=ClaimOut,
        responses={403: {"model": ErrorOut}, 409: {"model": ErrorOut}},
    )
    def move_claim(claim_id: RowId, body: MoveIn, me: Me, session: DB) -> ClaimOut:
        claims.move(session, me, claim_id=claim_id, to=body.to, reason=body.reason,
                    idempotency_key=body.idempotency_key, now=datetime.now(UTC))  # fmt: skip
        row = session.get(ClaimRow, claim_id)
        assert row is not None
        return ClaimOut(id=row.id, person_id=row.person_id, insurer=row.insurer, state=row.state)

    @app.get("/api/audit/verify", response_model=AuditOut, responses={403: {"model": ErrorOut}})
    def audit(me: Me, session: DB) -> AuditOut:
        if me.role is not Role.ADMINISTRATOR:
            raise Forbidden("only an administrator verifies the audit log")
        verdict = verify(session)
        return AuditOut(entries=verdict.entries, intact=verdict.ok, broken_at=verdict.broken_at)

    return app


def _with_family(session: Session, me: Actor) -> Actor:
    """A customer also sees the family members who accepted their invitation."""
    if me.role is Role.CUSTOMER and me.person_id is not None:
        views = family.viewer(session, me.person_id).views
        return Actor(me.role, person_id=me.person_id, staff_id=me.staff_id, views=views)
    return me


def _same(a: str, b: str) -> bool:
    import hmac

    return hmac.compare_digest(a.encode(), b.encode())
