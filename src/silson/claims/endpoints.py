"""The claim road's JSON API: what may be claimed from the estimate, opening claims from it, and
recording a 친권자. Thin: parse, call one service function in the request's transaction, answer."""

import json
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from silson.access import Actor
from silson.claims import checklist, release, representation, start
from silson.claims import service as claim_service
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
from silson.store.models import ClaimDocumentRow, ClaimPackageRow, ClaimRow
from silson.web.deps import Services, bearer_actor, session_dependency, with_family
from silson.web.schemas import ErrorOut, RowId

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
    api = APIRouter(tags=["claims"])

    db, actor = session_dependency(services), bearer_actor(services)

    # scope="function": commit before the answer is sent (deps.session_dependency)
    DB = Annotated[Session, Depends(db, scope="function")]
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

    @api.put("/api/people/{person_id}/guardians", status_code=204, responses=ERRORS)
    def record_guardian(person_id: RowId, body: GuardianIn, me: Me, session: DB) -> None:
        """Staff: `guardian_id` is 친권자 of this minor (seen on a 가족관계증명서); they may claim for the child."""
        representation.record_guardian(session, services.master, me, guardian_id=body.guardian_id,
                                       ward_id=person_id, now=datetime.now(UTC))  # fmt: skip

    @api.get("/api/claims/{claim_id}/documents", response_model=list[DocumentNeedOut], responses=ERRORS)
    def documents(claim_id: RowId, me: Me, session: DB) -> list[DocumentNeedOut]:
        """The documents the claim needs (claims/data/documents.yaml), each with its route and state."""
        claim_service.claim_of(session, me, claim_id)
        rows = checklist.checklist(session, services.master, services.directory, with_family(session, me),
                                   claim_id=claim_id, now=datetime.now(UTC))  # fmt: skip
        return [document_out(r) for r in rows]

    @api.patch("/api/claims/{claim_id}/documents/{document_id}", response_model=DocumentNeedOut, responses=ERRORS)
    def mark_document(claim_id: RowId, document_id: RowId, body: MarkIn, me: Me, session: DB) -> DocumentNeedOut:
        """A reviewer marks a document received or not needed (with a reason); audited."""
        row = session.get(ClaimDocumentRow, document_id)
        if row is None or row.claim_id != claim_id:
            raise NotFound(f"청구 #{claim_id}에 서류 #{document_id}이(가) 없습니다.")
        marked = checklist.mark(session, me, document_id=document_id, state=checklist.DocState(body.state),
                                reason=body.reason, now=datetime.now(UTC))  # fmt: skip
        return document_out(marked)

    @api.get("/api/people/{person_id}/notifications", response_model=list[NotificationOut], responses=ERRORS)
    def notifications(person_id: RowId, me: Me, session: DB) -> list[NotificationOut]:
        """The messages silson would have sent the person (sandbox notification adapter), newest first."""
        return [NotificationOut(id=r.id, claim_id=r.claim_id, kind=r.kind, text=r.text, action_label=r.action_label,
                                action_url=r.action_url, at=r.at)
                for r in notify.of_person(session, with_family(session, me), person_id=person_id)]  # fmt: skip

    def topics(chosen: dict[str, bool]) -> list[NotificationTopicOut]:
        return [NotificationTopicOut(topic=t, label=label, kinds=sorted(kinds), enabled=chosen[t])
                for t, (label, kinds) in preferences.TOPICS.items()]  # fmt: skip

    @api.get("/api/people/{person_id}/notification-preferences", response_model=list[NotificationTopicOut],
             responses=ERRORS)  # fmt: skip
    def notification_preferences(person_id: RowId, me: Me, session: DB) -> list[NotificationTopicOut]:
        """Which kinds of notification the person receives (every topic on until turned off)."""
        return topics(preferences.of_person(session, with_family(session, me), person_id=person_id))

    @api.put("/api/people/{person_id}/notification-preferences", response_model=list[NotificationTopicOut],
             responses=ERRORS)  # fmt: skip
    def choose_notifications(person_id: RowId, body: NotificationChoiceIn, me: Me,
                             session: DB) -> list[NotificationTopicOut]:  # fmt: skip
        """The person turns topics on or off (only they may); 422 naming an unknown topic; audited."""
        return topics(preferences.choose(session, me, person_id=person_id, enabled=body.enabled, now=datetime.now(UTC)))

    @api.post("/api/claims/{claim_id}/release", response_model=PackageOut, status_code=201, responses=ERRORS)
    def release_claim(claim_id: RowId, body: ReleaseIn, me: Me, session: DB) -> PackageOut:
        """A reviewer releases the claim: its package (visits, person, contracts, checklist, 청구서·위임장·표지
        PDFs) is built and queued to be sent to the insurer. 409 naming the documents still missing."""
        row = release.release(session, services.master, services.directory, me, claim_id=claim_id,
                              idempotency_key=body.idempotency_key, now=datetime.now(UTC))  # fmt: skip
        return package_out(session, services.master, row)

    @api.get("/api/review/packages/failed", response_model=list[PackageOut], responses=ERRORS)
    def failed_packages(me: Me, session: DB) -> list[PackageOut]:
        """Staff list: packages that could not be sent after every retry, each with its last error."""
        return [package_out(session, services.master, r) for r in release.staff_list(session, me)]

    @api.post("/api/review/packages/{package_id}/resend", response_model=PackageOut, responses=ERRORS)
    def resend_package(package_id: RowId, me: Me, session: DB) -> PackageOut:
        """Staff put a failed package back in the outbox (same idempotency key: filed once)."""
        resent = release.resend(session, me, package_id=package_id, now=datetime.now(UTC))
        return package_out(session, services.master, resent)

    return api
