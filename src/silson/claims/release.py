"""A reviewer releases a claim: its package is built (claims/packages.py), sealed, stored and put in
the outbox to be sent (claims/tasks.py), all in the caller's transaction. Refused while a required
document of the checklist is missing (named in Korean), or while a package of the claim is still
on its way or with the insurer. The claim is walked to `ready` (each move audited); the send moves
it on. Packages that kept failing are the staff list (`failed`), each with its error."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from silson.access import Actor, Forbidden
from silson.audit import chain
from silson.claims import checklist, packages, repository, service
from silson.claims import tasks as claim_tasks
from silson.claims.lifecycle import Role, State
from silson.discover.providers import ProviderDirectory
from silson.documentstore.guard import blocking_reasons
from silson.errors import NotFound, SilsonError
from silson.jobs import outbox
from silson.privacy.crypto import MasterKey
from silson.store.models import ClaimPackageRow, ClaimRow

RELEASERS = {Role.REVIEWER, Role.ADMINISTRATOR}
#: from each state before submission, the moves a reviewer makes to `ready`
TO_READY: dict[State, tuple[State, ...]] = {
    State.DRAFT: (State.IN_REVIEW, State.READY),
    State.DOCUMENTS_REQUESTED: (State.DOCUMENTS_RECEIVED, State.IN_REVIEW, State.READY),
    State.DOCUMENTS_RECEIVED: (State.IN_REVIEW, State.READY),
    State.IN_REVIEW: (State.READY,),
    State.READY: (),
    State.MORE_DOCUMENTS_REQUESTED: (),  # the insurer asked for more: the new package answers it
}


class AlreadyReleased(SilsonError, ValueError):
    code = "package_already_released"
    http_status = 409


class NotReleasable(SilsonError, ValueError):
    code = "claim_not_releasable"
    http_status = 409


def release(
    session: Session, master: MasterKey, directory: ProviderDirectory, actor: Actor, *, claim_id: int,
    idempotency_key: str, now: datetime,
) -> ClaimPackageRow:  # fmt: skip
    """Build the claim's package and queue it to be sent; the same key again returns the same package."""
    if actor.role not in RELEASERS:
        raise Forbidden("묶음 발송은 심사센터 심사자가 합니다.")
    claim = session.get(ClaimRow, claim_id, with_for_update=True)
    if claim is None:
        raise NotFound(f"청구 #{claim_id}을(를) 찾을 수 없습니다.")
    key = "pkg-" + hashlib.sha256(f"{claim_id}\n{service.actor_key(actor, idempotency_key)}".encode()).hexdigest()[:40]
    done = repository.package_by_key(session, key)
    if done is not None:
        return done
    live = [p for p in repository.packages_of(session, claim_id) if p.state in ("queued", "sent")]
    if live and State(claim.state) is not State.MORE_DOCUMENTS_REQUESTED:
        raise AlreadyReleased(f"청구 #{claim_id}의 묶음 #{live[-1].id}이(가) 이미 {claim.insurer}에 가 있어요.")
    state = State(claim.state)
    if state not in TO_READY:
        raise NotReleasable(f"청구 #{claim_id}은(는) 지금 상태({state.value})에서 보낼 수 없어요.")
    rows = checklist.checklist(session, master, directory, Actor(Role.SYSTEM), claim_id=claim_id, now=now)
    missing = packages.missing_names(rows)
    if missing:
        raise packages.MissingDocuments(
            f"필수 서류가 아직 없어 보낼 수 없어요: {', '.join(missing)}. "
            "받았으면 '받음', 필요 없으면 사유와 함께 '필요 없음'으로 표시해 주세요."
        )
    unreviewed = blocking_reasons(session, claim_id)
    if unreviewed:
        raise NotReleasable("올린 서류를 사람이 확인하기 전에는 보낼 수 없어요: " + "; ".join(unreviewed) + ".")
    built = packages.build(session, master, claim=claim, documents=rows, claim_date=now.date(), now=now)
    for target in TO_READY[state]:
        service.move(session, master, actor, claim_id=claim_id, to=target, reason="묶음 발송 준비",
                     idempotency_key=f"{key}:{target.value}", now=now)  # fmt: skip
    row = queue_package(session, master, claim=claim, key=key, content=built.content, now=now)
    chain.append(session, at=now, actor=actor.label, action="claim.released", object_type="claim",
                 object_id=str(claim_id), detail={"package": row.id, "insurer": claim.insurer,
                                                  "visits": len(built.papers.visits)})  # fmt: skip
    return row


def queue_package(
    session: Session, master: MasterKey, *, claim: ClaimRow, key: str, content: dict[str, Any], now: datetime
) -> ClaimPackageRow:
    """Store a built package sealed and put its send in the outbox (job key = the package's key)."""
    row = ClaimPackageRow(claim_id=claim.id, insurer=claim.insurer, key=key, state="queued", built_at=now,
                          content_sealed=packages.seal_content(session, master, person_id=claim.person_id,
                                                               content=content))  # fmt: skip
    session.add(row)
    session.flush()
    job_key = f"{claim_tasks.SEND}:{key}"
    outbox.enqueue(session, kind=claim_tasks.SEND, key=job_key, payload={"package": row.id, "job": job_key}, now=now)
    return row


def staff_list(session: Session, actor: Actor) -> Sequence[ClaimPackageRow]:
    """Packages that could not be sent after every retry, each with its last error."""
    if actor.role not in RELEASERS:
        raise Forbidden("발송 실패 목록은 심사센터 직원만 봅니다.")
    return repository.packages_in_state(session, "failed")


def resend(session: Session, actor: Actor, *, package_id: int, now: datetime) -> ClaimPackageRow:
    """Staff put a failed package back in the outbox (same idempotency key: still filed only once)."""
    if actor.role not in RELEASERS:
        raise Forbidden("재발송은 심사센터 직원이 합니다.")
    row = session.get(ClaimPackageRow, package_id, with_for_update=True)
    if row is None:
        raise NotFound(f"묶음 #{package_id}을(를) 찾을 수 없습니다.")
    if row.state != "failed":
        return row
    row.state = "queued"
    job_key = f"{claim_tasks.SEND}:{row.key}:again:{now.isoformat()}"
    outbox.enqueue(session, kind=claim_tasks.SEND, key=job_key, payload={"package": row.id, "job": job_key}, now=now)
    chain.append(session, at=now, actor=actor.label, action="claim.package_resent", object_type="claim",
                 object_id=str(row.claim_id), detail={"package": row.id})  # fmt: skip
    session.flush()
    return row
