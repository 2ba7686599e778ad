"""The JSON API: every endpoint typed; the OpenAPI document at /openapi.json is the contract.

Thin: parse, call one service function inside the request's transaction, answer. Errors are JSON
with a stable code, a message a person can act on, and the field at fault (see app.py)."""

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from silson.access import Actor, Forbidden, Share, require_read, require_view
from silson.adapters.contract_list import CoverageRow, ListedContract
from silson.adapters.identity import SandboxIdentity
from silson.audit.chain import verify
from silson.auth import service as auth
from silson.auth import sign_in
from silson.claims import events
from silson.claims import service as claims
from silson.claims.lifecycle import Role
from silson.discover import narrow
from silson.discover.report import to_json as discover_json
from silson.discover.stored import stored_report
from silson.errors import NotFound
from silson.privacy import at_rest, consent, imports, people, withdrawal
from silson.privacy import service as person_service
from silson.privacy.crypto import open_sealed
from silson.store import repository
from silson.store.models import ClaimRow, ContractRecordRow
from silson.web import upload
from silson.web.deps import Services, bearer_actor, session_dependency, with_family
from silson.web.schemas import (
    AuditEntryOut,
    AuditOut,
    ClaimDetailOut,
    ClaimOut,
    ConsentIn,
    ConsentOut,
    ContractIn,
    ContractOut,
    CorrectionIn,
    ErrorOut,
    FiguresOut,
    ImportOut,
    JobOut,
    MeOut,
    MoveIn,
    OptionalRowId,
    PersonOut,
    QueueEntryOut,
    RowId,
    SessionIn,
    SessionOut,
    SignInRequest,
    SignInStarted,
    SpendingOut,
    StaffSessionIn,
    VisitIn,
    VisitOut,
    WithdrawalIn,
    WithdrawalOut,
)

E403: dict[int | str, dict[str, Any]] = {403: {"model": ErrorOut}, 404: {"model": ErrorOut}, 422: {"model": ErrorOut}}


def router(
    services: Services, sign_in_budget: Callable[[Request], None], invite_budget: Callable[[Actor], None]
) -> APIRouter:
    api = APIRouter()
    SignInBudget = Depends(sign_in_budget)

    db, actor = session_dependency(services), bearer_actor(services)

    # scope="function": the transaction commits when the endpoint returns, before the response is
    # sent (FastAPI's default "request" scope commits after it, so a client could read stale data)
    DB = Annotated[Session, Depends(db, scope="function")]
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

    @api.get("/api/people/{person_id}", response_model=PersonOut, responses={403: {"model": ErrorOut}})
    def person(person_id: RowId, me: Me, session: DB) -> PersonOut:
        """The person; family sees the name, and the birth date and phone only while they are shared."""
        view = people.profile(session, services.master, with_family(session, me), person_id, datetime.now(UTC))
        return PersonOut(id=view.id, name=view.name, birth_date=view.birth_date, phone=view.phone)

    @api.get("/api/people/{person_id}/spending", response_model=list[SpendingOut], responses={403: {"model": ErrorOut}})
    def spending(person_id: RowId, me: Me, session: DB) -> list[SpendingOut]:
        require_view(with_family(session, me), person_id, Share.SPENDING)
        key = people.data_key(session, services.master, person_id)
        rows = repository.spending_of(session, person_id)
        return [
            SpendingOut(year=r.year, provider_id=at_rest.open_provider(key, r), amount=r.amount,
                        provider_name=open_sealed(key, r.provider_name_sealed, "spending.provider_name"))
            for r in rows
        ]  # fmt: skip

    @api.get("/api/people/{person_id}/estimate", responses={403: {"model": ErrorOut}, 422: {"model": ErrorOut}})
    def estimate(
        person_id: RowId, me: Me, session: DB, as_of: date | None = None,
        visits: Annotated[list[str] | None, Query(max_length=40)] = None,
        band: Annotated[int | None, Query(ge=1, le=10)] = None,
    ) -> dict[str, Any]:  # fmt: skip
        """What the person's stored spending may be owed, per provider and year (silson-discover/1).
        What narrows the likely range may be told, as on the page: visit counts ("PROVIDER:YEAR=N",
        repeated) and the income band (1–10); such a look is computed at once and not stored."""
        told = narrow.told_visits(visits or [])
        now = datetime.now(UTC)
        viewer = with_family(session, me)
        report = stored_report(session, services.master, services.catalogue, services.directory, viewer,
                               person_id=person_id, as_of=as_of or now.date(), now=now, decile=band,
                               visits=told or None)  # fmt: skip
        return discover_json(report)

    @api.post("/api/people/{person_id}/contracts", response_model=ContractOut, status_code=201,
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

    @api.get("/api/claims", response_model=list[ClaimOut])
    def claim_list(me: Me, session: DB, person_id: OptionalRowId = None) -> list[ClaimOut]:
        target = person_id
        if me.role in (Role.CUSTOMER, Role.FAMILY_VIEWER, Role.FIELD_AGENT):  # an agent: refused below
            target = person_id or me.person_id
            require_read(with_family(session, me), target or -1)
        rows = repository.claims_of(session, target)
        return [ClaimOut(id=c.id, person_id=c.person_id, insurer=c.insurer, state=c.state) for c in rows]

    @api.post(
        "/api/claims/{claim_id}/moves",
        response_model=ClaimOut,
        responses={403: {"model": ErrorOut}, 409: {"model": ErrorOut}},
    )
    def move_claim(claim_id: RowId, body: MoveIn, me: Me, session: DB) -> ClaimOut:
        claims.move(session, services.master, with_family(session, me), claim_id=claim_id, to=body.to,
                    reason=body.reason, idempotency_key=body.idempotency_key, now=datetime.now(UTC))  # fmt: skip
        row = session.get(ClaimRow, claim_id)
        assert row is not None
        return ClaimOut(id=row.id, person_id=row.person_id, insurer=row.insurer, state=row.state)

    @api.get("/api/audit/verify", response_model=AuditOut, responses={403: {"model": ErrorOut}})
    def audit(me: Me, session: DB) -> AuditOut:
        if me.role is not Role.ADMINISTRATOR:
            raise Forbidden("only an administrator verifies the audit log")
        verdict = verify(session)
        return AuditOut(entries=verdict.entries, intact=verdict.ok, broken_at=verdict.broken_at)

    @api.get("/api/me", response_model=MeOut, responses=E403)
    def whoami(me: Me, session: DB) -> MeOut:
        return person_service.me(session, me)

    @api.get("/api/people/{person_id}/consents", response_model=list[ConsentOut], responses=E403)
    def consent_list(person_id: RowId, me: Me, session: DB) -> list[ConsentOut]:
        return person_service.consents(session, me, person_id)

    @api.put("/api/people/{person_id}/consents/{purpose}", response_model=list[ConsentOut], responses=E403)
    def consent_grant(
        person_id: RowId, purpose: consent.Purpose, body: ConsentIn, me: Me, session: DB
    ) -> list[ConsentOut]:
        consent.grant(session, me, person_id=person_id, purpose=purpose, version=body.version, now=datetime.now(UTC))
        return person_service.consents(session, me, person_id)

    @api.delete("/api/people/{person_id}/consents/{purpose}", response_model=list[ConsentOut], responses=E403)
    def consent_withdraw(person_id: RowId, purpose: consent.Purpose, me: Me, session: DB) -> list[ConsentOut]:
        """Withdrawing a consent stops what depends on it (e.g. agents not yet under way)."""
        consent.withdraw(session, me, person_id=person_id, purpose=purpose, now=datetime.now(UTC))
        return person_service.consents(session, me, person_id)

    @api.post("/api/people/{person_id}/imports", response_model=JobOut, status_code=202,
              responses={**E403, 409: {"model": ErrorOut}, 413: {"model": ErrorOut}},
              openapi_extra=upload.OPENAPI_BODY)  # fmt: skip
    async def import_upload(person_id: RowId, me: Me, request: Request) -> JobOut:
        """Checks the file now (a bad file is refused with its problem), then imports it in the
        background: poll the returned job. Multipart fields: kind (hometax | contracts_json |
        contracts_csv), file, password (of a PDF, optional)."""
        # `me` is resolved before the body is read; the body is counted as it arrives and parsed,
        # checked and stored in a worker thread, so the event loop never waits on a file or the pool
        form = await upload.read_upload(request, person_service.MAX_UPLOAD)

        def enqueue() -> JobOut:
            with services.sessions.begin() as session:
                job_id = person_service.upload(session, services, me, person_id=person_id, kind=form.kind,
                                        content=form.file, password=form.password, now=datetime.now(UTC))  # fmt: skip
                out = person_service.job(session, me, job_id)
            return out  # committed before the answer

        return await run_in_threadpool(enqueue)

    @api.get("/api/people/{person_id}/imports", response_model=list[ImportOut], responses=E403)
    def import_list(person_id: RowId, me: Me, session: DB) -> list[ImportOut]:
        rows = imports.imported(session, me, person_id=person_id)
        return [ImportOut(id=r.id, kind=r.kind, imported_at=r.imported_at) for r in rows]

    @api.delete("/api/people/{person_id}/imports/{import_id}", status_code=204, responses=E403)
    def import_delete(person_id: RowId, import_id: RowId, me: Me, session: DB) -> None:
        """Take back an imported file: everything it brought in is deleted (audited)."""
        imports.delete_import(session, me, person_id=person_id, import_id=import_id, now=datetime.now(UTC))

    @api.get("/api/jobs/{job_id}", response_model=JobOut, responses=E403)
    def job_status(job_id: RowId, me: Me, session: DB) -> JobOut:
        return person_service.job(session, me, job_id)

    @api.post("/api/people/{person_id}/withdrawal", response_model=WithdrawalOut, status_code=202,
              responses={**E403, 401: {"model": ErrorOut}})  # fmt: skip
    def withdraw(person_id: RowId, body: WithdrawalIn, me: Me, session: DB) -> WithdrawalOut:
        """탈퇴: verified again by name, birth date and phone; carried out within 5 business days."""
        if me.role is not Role.CUSTOMER or me.person_id != person_id:
            raise Forbidden("only the person themself asks to withdraw")
        due = withdrawal.request(session, services.master, person_id=person_id, name=body.name,
                                 birth_date=body.birth_date, phone=body.phone, now=datetime.now(UTC))  # fmt: skip
        return WithdrawalOut(due_on=due)

    @api.delete("/api/people/{person_id}/withdrawal", status_code=204, responses={**E403, 409: {"model": ErrorOut}})
    def cancel_withdrawal(person_id: RowId, me: Me, session: DB) -> None:
        """탈퇴 취소: before it is carried out, the person keeps their account."""
        withdrawal.cancel(session, me, person_id=person_id, now=datetime.now(UTC))

    @api.get("/api/claims/{claim_id}", response_model=ClaimDetailOut, responses=E403)
    def claim_detail(claim_id: RowId, me: Me, session: DB) -> ClaimDetailOut:
        """A claim with its visits, the engine's figures and trace, its moves, and what may come next."""
        return claims.claim_detail(session, services, me, claim_id, datetime.now(UTC))

    @api.post("/api/claims/{claim_id}/visits", response_model=VisitOut, status_code=201, responses=E403)
    def add_visit(claim_id: RowId, body: VisitIn, me: Me, session: DB) -> VisitOut:
        now = datetime.now(UTC)
        event_id = events.add(session, services.master, me, claim_id=claim_id,
                              event=body.model_dump(mode="json", exclude_none=True), now=now)  # fmt: skip
        visit = next(v for v in events.of_claim(session, services.master, me, claim_id) if v.id == event_id)
        return VisitOut(id=visit.id, revision=visit.revision, event=visit.data)

    @api.patch("/api/claims/{claim_id}/visits/{visit_id}", response_model=FiguresOut,
               responses={**E403, 409: {"model": ErrorOut}})  # fmt: skip
    def correct_visit(claim_id: RowId, visit_id: RowId, body: CorrectionIn, me: Me, session: DB) -> FiguresOut:
        """A reviewer corrects a visit's amounts from the documents; answers the new figures."""
        claims.claim_of(session, me, claim_id)
        if visit_id not in {v.id for v in events.of_claim(session, services.master, me, claim_id)}:
            raise NotFound(f"claim {claim_id} has no visit {visit_id}")
        now = datetime.now(UTC)
        amounts = {str(k): v for k, v in body.amounts.items()}
        events.correct(session, services.master, me, event_id=visit_id, amounts=amounts, reason=body.reason,
                       expected_revision=body.expected_revision, now=now)  # fmt: skip
        return claims.figures(session, services, me, claim_id, now.date(), now)

    @api.get("/api/claims/{claim_id}/audit", response_model=list[AuditEntryOut], responses=E403)
    def claim_audit(claim_id: RowId, me: Me, session: DB) -> list[AuditEntryOut]:
        return claims.claim_audit(session, services.master, me, claim_id)

    @api.get("/api/review/queue", response_model=list[QueueEntryOut], responses=E403)
    def review_queue(me: Me, session: DB) -> list[QueueEntryOut]:
        """Open claims by state, those whose limitation runs out soonest first."""
        return claims.queue(session, services, me, datetime.now(UTC).date())

    return api
