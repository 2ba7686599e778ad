"""The audit log's JSON API: an administrator verifies the hash chain end to end. (A claim's own
audit entries are the claims area's: `GET /api/claims/{id}/audit`.)"""

from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from silson.access import Actor, Forbidden
from silson.audit.chain import verify
from silson.claims.lifecycle import Role
from silson.web.deps import Services, bearer_actor, session_dependency
from silson.web.schemas import AuditOut, ErrorOut


def router(services: Services) -> APIRouter:
    api = APIRouter()
    db, actor = session_dependency(services), bearer_actor(services)
    DB = Annotated[Session, Depends(db, scope="function")]  # commit before the answer (deps.session_dependency)
    Me = Annotated[Actor, Depends(actor)]

    @api.get("/api/audit/verify", response_model=AuditOut, responses={403: {"model": ErrorOut}})
    def audit(me: Me, session: DB) -> AuditOut:
        if me.role is not Role.ADMINISTRATOR:
            raise Forbidden("only an administrator verifies the audit log")
        verdict = verify(session)
        return AuditOut(entries=verdict.entries, intact=verdict.ok, broken_at=verdict.broken_at)

    return api
