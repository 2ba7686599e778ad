"""The relay area's JSON API: a claim's routes per visit, the customer's own pick, and recording what
was sent through 실손24. Thin: parse, call one service function in the request's transaction, answer."""

import json
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from silson.access import Actor
from silson.relay import plan
from silson.relay import service as relay
from silson.relay.models import RelaySubmissionRow
from silson.relay.schemas import RelayResultIn, RelayResultOut, RouteIn, RouteOut
from silson.web.deps import Services, bearer_actor, session_dependency, with_family
from silson.web.schemas import ErrorOut, RowId

ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorOut} for code in (403, 404, 409, 422)}


def route_out(p: plan.VisitPlan) -> RouteOut:
    c = p.choice
    return RouteOut(subject=p.subject.ref, institution=p.subject.place, days=p.subject.days,
                    expected=p.subject.expected, route=c.route, others=c.others, reason=c.reason, source=c.source,
                    silson_route=p.silson.route, chosen_by=p.chosen_by, possible=sorted(p.silson.possible),
                    refusals={k.value: v for k, v in p.silson.refusals.items()},
                    receipt_no=p.sent.receipt_no if p.sent else None)  # fmt: skip


def result_out(row: RelaySubmissionRow) -> RelayResultOut:
    return RelayResultOut(id=row.id, claim_id=row.claim_id, subjects=json.loads(row.subjects), channel=row.channel,
                          submitted_on=row.submitted_on, receipt_no=row.receipt_no, status=row.status)  # fmt: skip


def router(services: Services) -> APIRouter:
    api = APIRouter(tags=["relay"])
    db, actor = session_dependency(services), bearer_actor(services)
    DB = Annotated[Session, Depends(db, scope="function")]  # commit before the answer is sent
    Me = Annotated[Actor, Depends(actor)]

    @api.get("/api/claims/{claim_id}/routes", response_model=list[RouteOut], responses=ERRORS)
    def routes(claim_id: RowId, me: Me, session: DB) -> list[RouteOut]:
        """How each visit's documents come (실손24, a field agent, the customer's upload) and why."""
        _claim, plans = relay.routes(session, services.master, services.directory, with_family(session, me),
                                     claim_id=claim_id, now=datetime.now(UTC))  # fmt: skip
        return [route_out(p) for p in plans]

    @api.put("/api/claims/{claim_id}/routes", response_model=RouteOut, responses=ERRORS)
    def choose(claim_id: RowId, body: RouteIn, me: Me, session: DB) -> RouteOut:
        """The customer's own route for one visit; an impossible one is 422 with the reason."""
        picked = relay.choose(session, services.master, services.directory, me, claim_id=claim_id,
                              subject=body.subject, to=body.route, now=datetime.now(UTC))  # fmt: skip
        return route_out(picked)

    @api.post("/api/claims/{claim_id}/silson24", response_model=RelayResultOut, status_code=201, responses=ERRORS)
    def record(claim_id: RowId, body: RelayResultIn, me: Me, session: DB) -> RelayResultOut:
        """What was sent through 실손24 (day, entry, 접수번호); a replayed key records nothing new."""
        row = relay.record(session, services.master, services.directory, me, claim_id=claim_id,
                           subjects=body.subjects, channel=body.channel, submitted_on=body.submitted_on,
                           receipt_no=body.receipt_no, key=body.idempotency_key, now=datetime.now(UTC))  # fmt: skip
        return result_out(row)

    return api
