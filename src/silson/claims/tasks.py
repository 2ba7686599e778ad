"""The claim road's jobs: send a package to its insurer (exactly once, whatever fails), follow what
the insurers answer, and the daily round of timers (claims/reminders.py).

Sending is safe to repeat: the package goes under its own idempotency key, so the insurer files it
once however often it arrives (a timeout after the insurer stored it, a worker that died between the
send and the commit that marks it sent). A send that fails waits longer each time (BACKOFF doubling up
to an hour); after MAX_ATTEMPTS the package is marked failed and listed for staff with its error."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from silson.audit import chain
from silson.claims import follow, packages, reminders
from silson.claims.insurers import config
from silson.claims.insurers.port import InsurerPort, InsurerUnavailable
from silson.discover.providers import ProviderDirectory
from silson.jobs.outbox import Deferred, JobContext, handler
from silson.privacy.people import PersonErased
from silson.store import repository as store
from silson.store.models import ClaimPackageRow, ClaimRow

SEND = "claim.send"
FOLLOW = "claim.follow"
TIMERS = "claim.timers"
MAX_ATTEMPTS = 8
BACKOFF = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)


def backoff(*, attempt: int) -> timedelta:
    """The wait after the `attempt`-th failed send: 30 s, 1 min, 2 min, … at most an hour.

    >>> [int(backoff(attempt=n).total_seconds()) for n in (1, 2, 3, 9)]
    [30, 60, 120, 3600]
    """
    wait: timedelta = BACKOFF * 2 ** (attempt - 1)
    return min(wait, BACKOFF_CAP)


def _port_for(context: JobContext) -> Any:
    return context.insurers or config.from_env()


def _fail(session: Session, package: ClaimPackageRow, error: str, now: datetime) -> dict[str, Any]:
    package.state, package.last_error = "failed", error[:2000]
    chain.append(session, at=now, actor="worker", action="claim.package_failed", object_type="claim",
                 object_id=str(package.claim_id), detail={"package": package.id, "error": error[:500]})  # fmt: skip
    session.flush()
    return {"failed": error[:500]}


@handler(SEND)
def send(session: Session, payload: dict[str, Any], now: datetime, context: JobContext | None) -> dict[str, Any]:
    if context is None:
        raise RuntimeError(f"{SEND} needs the master key (a JobContext)")
    package = session.get(ClaimPackageRow, int(payload["package"]), with_for_update=True)
    if package is None:
        return {"skipped": "no package"}
    if package.state != "queued":  # sent (or given up) already
        return {"state": package.state, "receipt_no": package.receipt_no}
    try:
        content = packages.content_of(session, context.master, package)
    except PersonErased:
        return _fail(session, package, "고객 정보가 삭제되어 보낼 수 없습니다.", now)
    claim = session.get(ClaimRow, package.claim_id)
    try:  # withdrawn since the release: nothing leaves
        packages.transmission_consent(session, claim.person_id if claim else -1)
    except packages.NoConsent as exc:
        return _fail(session, package, str(exc), now)
    try:
        port: InsurerPort = _port_for(context)(package.insurer)
        ack = port.submit(package=content, idempotency_key=package.key)
    except InsurerUnavailable as exc:
        job = store.job_by_key(session, str(payload["job"]))
        attempts = job.attempts if job is not None else MAX_ATTEMPTS
        error = f"{attempts}회째 실패: {exc}"
        if attempts >= MAX_ATTEMPTS:
            return _fail(session, package, error, now)
        package.last_error = error[:2000]
        session.flush()
        raise Deferred(now + backoff(attempt=attempts)) from None
    except Exception as exc:  # the insurer refused the package itself (4xx): retrying cannot help
        return _fail(session, package, f"보험사가 묶음을 받지 않았습니다: {type(exc).__name__}: {exc}", now)
    follow.acknowledged(session, context.master, package=package, ack=ack, now=now)
    return {"receipt_no": ack.receipt_no, "duplicate": ack.duplicate}


@handler(FOLLOW)
def follow_up(session: Session, payload: dict[str, Any], now: datetime, context: JobContext | None) -> dict[str, Any]:
    """Ask the insurers about every package they have and apply their answers."""
    if context is None:
        raise RuntimeError(f"{FOLLOW} needs the master key (a JobContext)")
    moved = follow.poll(session, context.master, context.catalogue, port_for=_port_for(context), now=now)
    return {"moved": {str(k): v.value for k, v in moved.items()}}


@handler(TIMERS)
def timers_round(session: Session, payload: dict[str, Any], now: datetime, context: JobContext | None) -> Any:
    """Once a day: passed 지급기일 and 지급예정일, and unclaimed visits nearing their 소멸시효 (claims/reminders.py)."""
    if context is None:
        raise RuntimeError(f"{TIMERS} needs the master key (a JobContext)")
    done = reminders.run(session, context.master, context.catalogue, ProviderDirectory.load(), now=now)
    return {"late_checked": done.late, "reminded": done.reminded}
