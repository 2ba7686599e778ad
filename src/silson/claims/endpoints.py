"""The claim road's JSON API: what may be claimed from the estimate, opening claims from it, and
recording a 친권자. Thin: parse, call one service function in the request's transaction, answer."""

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header
from sqlalchemy.orm import Session

from silson.access import Actor
from silson.auth import tokens
from silson.claims import representation, start
from silson.claims.schemas import CandidateOut, GuardianIn, StartedOut, StartIn
from silson.store.models import ClaimRow
from silson.web import present
from silson.web.deps import Services, actor_from_token
from silson.web.schemas import ErrorOut, RowId

ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorOut} for code in (403, 404, 409, 422)}


def candidate_out(c: start.Candidate) -> CandidateOut:
    return CandidateOut(provider_year=c.spending_id, year=c.year, provider_name=c.provider_name, route=c.route,
                        insurer=c.insurer, contract=c.contract_ref, expected=c.expected, received=c.received,
                        status=c.status, code=c.code, reason=c.reason, prior_claim=c.prior_claim)  # fmt: skip


def router(services: Services) -> APIRouter:
    api = APIRouter(tags=["claims"])

    def db() -> Iterator[Session]:
        with services.sessions.begin() as session:
            yield session

    def actor(authorization: Annotated[str | None, Header()] = None) -> Actor:
        if not authorization or not authorization.startswith("Bearer "):
            raise tokens.BadToken("sign in first (Authorization: Bearer …)")
        return actor_from_token(services, authorization.removeprefix("Bearer "))

    DB = Annotated[Session, Depends(db)]
    Me = Annotated[Actor, Depends(actor)]

    @api.get("/api/people/{person_id}/claimable", response_model=list[CandidateOut], responses=ERRORS)
    def claimable(person_id: RowId, me: Me, session: DB) -> list[CandidateOut]:
        """Every provider-year and contract of the estimate, and whether it may be claimed now (with why not)."""
        now = datetime.now(UTC)
        found = start.candidates(session, services.master, services.catalogue, services.directory, me,
                                 person_id=person_id, today=now.date(), now=now)  # fmt: skip
        return [candidate_out(c) for c in found]

    @api.post("/api/people/{person_id}/claims", response_model=StartedOut, status_code=201, responses=ERRORS)
    def open_from_estimate(person_id: RowId, body: StartIn, me: Me, session: DB) -> StartedOut:
        """Open one claim per insurer from the estimate: the picked provider-years, or everything still
        claimable. Items already claimed or paid are refused with the reason; replays change nothing."""
        if body.provider_years is None and not body.everything:
            raise ValueError("provider_years: 청구할 항목을 고르거나 everything을 true로 보내 주세요.")
        now = datetime.now(UTC)
        done = start.start(session, services.master, services.catalogue, services.directory, me, person_id=person_id,
                           spending_ids=None if body.everything else body.provider_years,
                           reclaim_reason=body.reclaim_reason, idempotency_key=body.idempotency_key,
                           today=now.date(), now=now)  # fmt: skip
        rows = [session.get(ClaimRow, cid) for cid in done.claims]
        return StartedOut(claims=[present.claim_out(r) for r in rows if r is not None],
                          refused=[candidate_out(c) for c in done.refused],
                          flagged=[candidate_out(c) for c in done.flagged])  # fmt: skip

    @api.put("/api/people/{person_id}/guardians", status_code=204, responses=ERRORS)
    def record_guardian(person_id: RowId, body: GuardianIn, me: Me, session: DB) -> None:
        """Staff: `guardian_id` is 친권자 of this minor (seen on a 가족관계증명서); they may claim for the child."""
        representation.record_guardian(session, services.master, me, guardian_id=body.guardian_id,
                                       ward_id=person_id, now=datetime.now(UTC))  # fmt: skip

    return api
