"""The estimate's JSON API: what a person's stored spending may be owed (silson-discover/1), the
same use case as the estimate page and `silson discover`. Thin: parse, call discover/stored.py in
the request's transaction, answer."""

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from silson.access import Actor
from silson.discover import narrow
from silson.discover.report import to_json as discover_json
from silson.discover.stored import stored_report
from silson.web.deps import Services, bearer_actor, session_dependency, with_family
from silson.web.schemas import ErrorOut, RowId


def router(services: Services) -> APIRouter:
    api = APIRouter()
    db, actor = session_dependency(services), bearer_actor(services)
    DB = Annotated[Session, Depends(db, scope="function")]  # commit before the answer (deps.session_dependency)
    Me = Annotated[Actor, Depends(actor)]

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

    return api
