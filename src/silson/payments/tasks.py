"""The payments jobs: send an approved recourse request to its insurer (exactly once, whatever
fails: the outbox retries under the request's idempotency key, waiting longer each time as the claim
road's sends do) and follow the insurers' answers to the requests they hold."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
from sqlalchemy.orm import Session

from silson.claims.insurers.port import InsurerUnavailable
from silson.claims.tasks import MAX_ATTEMPTS, backoff
from silson.jobs.outbox import Deferred, JobContext, handler
from silson.payments import recourse_port, sending
from silson.payments.recourse import SEND
from silson.privacy.people import PersonErased
from silson.store import repository as store

FOLLOW = "payment.recourse.follow"


def _port_for(context: JobContext) -> sending.PortFor:
    # the insurer service at SILSON_INSURER_URL, as the claim road's sends use by default
    return recourse_port.from_env()


@handler(SEND)
def send(session: Session, payload: dict[str, Any], now: datetime, context: JobContext | None) -> dict[str, Any]:
    if context is None:
        raise RuntimeError(f"{SEND} needs the master key (a JobContext)")
    recourse_id = int(payload["recourse"])
    try:
        row = sending.send(session, context.master, recourse_id=recourse_id, port_for=_port_for(context), now=now)
    except InsurerUnavailable as exc:
        job = store.job_by_key(session, str(payload.get("job", "")))
        attempts = job.attempts if job is not None else 1
        if attempts >= MAX_ATTEMPTS:
            sending.failed(session, recourse_id=recourse_id, error=f"{attempts}회째 실패: {exc}", now=now)
            return {"failed": str(exc)[:500]}
        raise Deferred(now + backoff(attempt=attempts)) from None
    except (PersonErased, sending.NotSendable) as exc:
        sending.failed(session, recourse_id=recourse_id, error=str(exc), now=now)
        return {"failed": str(exc)[:500]}
    except httpx.HTTPStatusError as exc:  # the insurer refused the request itself (4xx): retrying cannot help
        sending.failed(session, recourse_id=recourse_id, error=f"보험사가 요청을 받지 않았습니다: {exc}", now=now)
        return {"failed": str(exc)[:500]}
    return {"state": row.state, "request_no": row.insurer_ref}


@handler(FOLLOW)
def follow(session: Session, payload: dict[str, Any], now: datetime, context: JobContext | None) -> dict[str, Any]:
    """Ask the insurers about the requests they hold and apply their answers."""
    if context is None:
        raise RuntimeError(f"{FOLLOW} needs the master key (a JobContext)")
    done = sending.follow(session, context.master, context.catalogue, port_for=_port_for(context), now=now)
    return {"followed": {str(f.recourse_id): f.state for f in done}}
