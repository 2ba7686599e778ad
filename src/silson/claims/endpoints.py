"""Claims' JSON API: the claim road (what may be claimed from the estimate, opening claims from it,
recording a 친권자, the documents, release and the packages) and the lifecycle (list, detail, moves,
visits and their corrections, a claim's audit entries, the review queue). Thin: parse, call one
service function in the request's transaction, answer."""

import json
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from silson.access import Actor, require_read
from silson.claims import checklist, events, release, representation, start
from silson.claims import service as claim_service
from silson.claims.lifecycle import Role
from silson.claims.schemas import (
    CandidateOut,
    DocumentNeedOut,
    GuardianIn,
    MarkIn,
    NotificationChoiceIn,
    NotificationOut,
    NotificationTopicOut,
    PackageOut,
    ReleaseIn,
    StartedOut,
    StartIn,
)
from silson.errors import Invalid, NotFound
from silson.notifications import preferences
from silson.notifications import service as notify
from silson.privacy import at_rest, people
from silson.privacy.crypto import MasterKey
from silson.store import repository
from silson.store.models import ClaimDocumentRow, ClaimPackageRow, ClaimRow
from silson.web.deps import Services, bearer_actor, session_dependency, with_family
from silson.web.schemas import (
    AuditEntryOut,
    ClaimDetailOut,
    ClaimOut,
    CorrectionIn,
    ErrorOut,
    FiguresOut,
    MoveIn,
    OptionalRowId,
    QueueEntryOut,
    RowId,
    VisitIn,
    VisitOut,
)

E403: dict[int | str, dict[str, Any]] = {403: {"model": ErrorOut}, 404: {"model": ErrorOut}, 422: {"model": ErrorOut}}
ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorOut} for code in (403, 404, 409, 422)}


def candidate_out(c: start.Candidate) -> CandidateOut:
    return CandidateOut(provider_year=c.spending_id, year=c.year, provider_name=c.provider_name, route=c.route,
                        insurer=c.insurer, contract=c.contract_ref, expected=c.expected, received=c.received,
                        status=c.status, code=c.code, reason=c.reason, prior_claim=c.prior_claim)  # fmt: skip


def document_out(row: ClaimDocumentRow) -> DocumentNeedOut:
    return DocumentNeedOut(id=row.id, subject=row.subject, contract=row.contract_ref, code=row.code,
                           name=checklist.load_table().name(row.code), route=row.route, state=row.state,
                           rules=json.loads(row.rules))  # fmt: skip


def package_out(session: Session, master: MasterKey, row: ClaimPackageRow) -> PackageOut:
    """A package as the API and the pages show it; the insurer's delay reason opened under the person's key."""
    claim = session.get(ClaimRow, row.claim_id)
    key = people.data_key_or_none(session, master, claim.person_id) if claim is not None else None
    return PackageOut(id=row.id, claim_id=row.claim_id, insurer=row.insurer, state=row.state, built_at=row.built_at,
                      sent_at=row.sent_at, receipt_no=row.receipt_no, received_on=row.received_on, due_on=row.due_on,
                      last_error=row.last_error, latest_on=row.latest_on, scheduled_on=row.scheduled_on,
                      delay_reason=at_rest.open_text(key, at_rest.DELAY_REASON, row.delay_reason_sealed),
                      delay_code=row.delay_code, prepaid_amount=row.prepaid_amount,
                      prepaid_on=row.prepaid_on)  # fmt: skip


def router(services: Services) -> APIRouter:
    road = APIRouter(tags=["claims"])  # the claim road
    api = APIRouter()  # the lifecycle and the review queue, untagged as they always were

    db, actor = session_dependency(services), bearer_actor(services)

    # scope="function": commit before the answer is sent (deps.session_dependency)
    DB = Annotated[Session, Depends(db, scope="function")]
    Me = Annotated[Actor, Depends(actor)]

    @road.get("/api/people/{person_id}/claimable", response_model=list[CandidateOut], responses=ERRORS)
    def claimable(person_id: RowId, me: Me, session: DB) -> list[CandidateOut]:
        """Every provider-year and contract of the estimate, and whether it may be claimed now (with why not)."""
        now = datetime.now(UTC)
        found = start.candidates(session, services.master, services.catalogue, services.directory, me,
                                 person_id=person_id, today=now.date(), now=now)  # fmt: skip
        return [candidate_out(c) for c in found]

    @road.post("/api/people/{person_id}/claims", response_model=StartedOut, status_code=201, responses=ERRORS)
    def open_from_estimate(person_id: RowId, body: StartIn, me: Me, session: DB) -> StartedOut:
        """Open one claim per insurer from the estimate: the picked provider-years, or everything still
        claimable. Items already claimed or paid are refused with the reason; replays change nothing."""
        if body.provider_years is None and not body.everything:
            raise Invalid(field="provider_years", message="청구할 항목을 고르거나 everything을 true로 보내 주세요.")
        now = datetime.now(UTC)
        done = start.start(session, services.master, services.catalogue, services.directory, me, person_id=person_id,
                           spending_ids=None if body.everything else body.provider_years,
                           reclaim_reason=body.reclaim_reason, idempotency_key=body.idempotency_key,
                           today=now.date(), now=now)  # fmt: skip
        rows = [session.get(ClaimRow, cid) for cid in done.claims]
        return StartedOut(claims=[claim_service.claim_out(r) for r in rows if r is not None],
                          refused=[candidate_out(c) for c in done.refused],
                          flagged=[candidate_out(c) for c in done.flagged])  # fmt: skip

    @road.put("/api/people/{person_id}/guardians", status_code=204, responses=ERRORS)
    def record_guardian(person_id: RowId, body: GuardianIn, me: Me, session: DB) -> None:
        """Staff: `guardian_id` is 친권자 of this minor (seen on a 가족관계증명서); they may claim for the child."""
        representation.record_guardian(session, services.master, me, guardian_id=body.guardian_id,
                                       ward_id=person_id, now=datetime.now(UTC))  # fmt: skip

    @road.get("/api/claims/{claim_id}/documents", response_model=list[DocumentNeedOut], responses=ERRORS)
    def documents(claim_id: RowId, me: Me, session: DB) -> list[DocumentNeedOut]:
        """The documents the claim needs (claims/data/documents.yaml), each with its route and state."""
        claim_service.claim_of(session, me, claim_id)
        rows = checklist.checklist(session, services.master, services.directory, with_family(session, me),
                                   claim_id=claim_id, now=datetime.now(UTC))  # fmt: skip
        return [document_out(r) for r in rows]

    @road.patch("/api/claims/{claim_id}/documents/{document_id}", response_model=DocumentNeedOut, responses=ERRORS)
    def mark_document(claim_id: RowId, document_id: RowId, body: MarkIn, me: Me, session: DB) -> DocumentNeedOut:
        """A reviewer marks a document received or not needed (with a reason); audited."""
        row = session.get(ClaimDocumentRow, document_id)
        if row is None or row.claim_id != claim_id:
            raise NotFound(f"청구 #{claim_id}에 서류 #{document_id}이(가) 없습니다.")
        marked = checklist.mark(session, services.master, me, document_id=document_id,
                                state=checklist.DocState(body.state), reason=body.reason,
                                now=datetime.now(UTC))  # fmt: skip
        return document_out(marked)

    @road.get("/api/people/{person_id}/notifications", response_model=list[NotificationOut], responses=ERRORS)
    def notifications(person_id: RowId, me: Me, session: DB) -> list[NotificationOut]:
        """The messages silson would have sent the person (sandbox notification adapter), newest first."""
        return [NotificationOut(id=r.id, claim_id=r.claim_id, kind=r.kind, text=r.text, action_label=r.action_label,
                                action_url=r.action_url, at=r.at)
                for r in notify.of_person(session, with_family(session, me), person_id=person_id)]  # fmt: skip

    def topics(chosen: dict[str, bool]) -> list[NotificationTopicOut]:
        return [NotificationTopicOut(topic=t, label=label, kinds=sorted(kinds), enabled=chosen[t])
                for t, (label, kinds) in preferences.TOPICS.items()]  # fmt: skip

    @road.get("/api/people/{person_id}/notification-preferences", response_model=list[NotificationTopicOut],
             responses=ERRORS)  # fmt: skip
    def notification_preferences(person_id: RowId, me: Me, session: DB) -> list[NotificationTopicOut]:
        """Which kinds of notification the person receives (every topic on until turned off)."""
        return topics(preferences.of_person(session, with_family(session, me), person_id=person_id))

    @road.put("/api/people/{person_id}/notification-preferences", response_model=list[NotificationTopicOut],
             responses=ERRORS)  # fmt: skip
    def choose_notifications(person_id: RowId, body: NotificationChoiceIn, me: Me,
                             session: DB) -> list[NotificationTopicOut]:  # fmt: skip
        """The person turns topics on or off (only they may); 422 naming an unknown topic; audited."""
        return topics(preferences.choose(session, me, person_id=person_id, enabled=body.enabled, now=datetime.now(UTC)))

    @road.post("/api/claims/{claim_id}/release", response_model=PackageOut, status_code=201, responses=ERRORS)
    def release_claim(claim_id: RowId, body: ReleaseIn, me: Me, session: DB) -> PackageOut:
        """A reviewer releases the claim: its package (visits, person, contracts, checklist, 청구서·위임장·표지
        PDFs) is built and queued to be sent to the insurer. 409 naming the documents still missing."""
        row = release.release(session, services.master, services.directory, me, claim_id=claim_id,
                              idempotency_key=body.idempotency_key, now=datetime.now(UTC))  # fmt: skip
        return package_out(session, services.master, row)

    @road.get("/api/review/packages/failed", response_model=list[PackageOut], responses=ERRORS)
    def failed_packages(me: Me, session: DB) -> list[PackageOut]:
        """Staff list: packages that could not be sent after every retry, each with its last error."""
        return [package_out(session, services.master, r) for r in release.staff_list(session, me)]

    @road.post("/api/review/packages/{package_id}/resend", response_model=PackageOut, responses=ERRORS)
    def resend_package(package_id: RowId, me: Me, session: DB) -> PackageOut:
        """Staff put a failed package back in the outbox (same idempotency key: filed once)."""
        resent = release.resend(session, me, package_id=package_id, now=datetime.now(UTC))
        return package_out(session, services.master, resent)

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
        claim_service.move(session, services.master, with_family(session, me), claim_id=claim_id, to=body.to,
                           reason=body.reason, idempotency_key=body.idempotency_key, now=datetime.now(UTC))  # fmt: skip
        row = session.get(ClaimRow, claim_id)
        assert row is not None
        return ClaimOut(id=row.id, person_id=row.person_id, insurer=row.insurer, state=row.state)

    @api.get("/api/claims/{claim_id}", response_model=ClaimDetailOut, responses=E403)
    def claim_detail(claim_id: RowId, me: Me, session: DB) -> ClaimDetailOut:
        """A claim with its visits, the engine's figures and trace, its moves, and what may come next."""
        return claim_service.claim_detail(session, services, me, claim_id, datetime.now(UTC))

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
        claim_service.claim_of(session, me, claim_id)
        if visit_id not in {v.id for v in events.of_claim(session, services.master, me, claim_id)}:
            raise NotFound(f"claim {claim_id} has no visit {visit_id}")
        now = datetime.now(UTC)
        amounts = {str(k): v for k, v in body.amounts.items()}
        events.correct(session, services.master, me, event_id=visit_id, amounts=amounts, reason=body.reason,
                       expected_revision=body.expected_revision, now=now)  # fmt: skip
        return claim_service.figures(session, services, me, claim_id, now.date(), now)

    @api.get("/api/claims/{claim_id}/audit", response_model=list[AuditEntryOut], responses=E403)
    def claim_audit(claim_id: RowId, me: Me, session: DB) -> list[AuditEntryOut]:
        return claim_service.claim_audit(session, services.master, me, claim_id)

    @api.get("/api/review/queue", response_model=list[QueueEntryOut], responses=E403)
    def review_queue(me: Me, session: DB) -> list[QueueEntryOut]:
        """Open claims by state, those whose limitation runs out soonest first."""
        return claim_service.queue(session, services, me, datetime.now(UTC).date())

    api.include_router(road)
    return api
