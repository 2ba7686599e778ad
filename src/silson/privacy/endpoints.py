"""People's JSON API: who is signed in, a person's profile and spending, consents, contracts entered
by hand, imported files (upload, list, take back) and their jobs, and 탈퇴 (request, cancel). Family
sharing has its own (family_endpoints.py). Thin: parse, call one use case of privacy/ in the
request's transaction, answer."""

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from silson.access import Actor, Forbidden, Share, require_view
from silson.adapters.contract_list import CoverageRow, ListedContract
from silson.claims.lifecycle import Role
from silson.privacy import at_rest, consent, imports, people, withdrawal
from silson.privacy import service as person_service
from silson.privacy.crypto import open_sealed
from silson.store import repository
from silson.store.models import ContractRecordRow
from silson.web import upload
from silson.web.deps import Services, bearer_actor, session_dependency, with_family
from silson.web.schemas import (
    ConsentIn,
    ConsentOut,
    ContractIn,
    ContractOut,
    ErrorOut,
    ImportOut,
    JobOut,
    MeOut,
    PersonOut,
    RowId,
    SpendingOut,
    WithdrawalIn,
    WithdrawalOut,
)

E403: dict[int | str, dict[str, Any]] = {403: {"model": ErrorOut}, 404: {"model": ErrorOut}, 422: {"model": ErrorOut}}


def router(services: Services) -> APIRouter:
    api = APIRouter()
    db, actor = session_dependency(services), bearer_actor(services)
    DB = Annotated[Session, Depends(db, scope="function")]  # commit before the answer (deps.session_dependency)
    Me = Annotated[Actor, Depends(actor)]

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

    return api
