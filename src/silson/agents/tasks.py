"""The field agents' job: record the stop of every task whose 위임장 ended (withdrawn consent, a
lapsed 위임 기간), destroying its sealed papers and auditing it, even when no agent or staff member
opens a page. Every read already refuses a stopped task; this makes the record timely."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from silson.agents import service
from silson.jobs.outbox import JobContext, handler

SWEEP = "agent_task.sweep"


@handler(SWEEP)
def sweep(session: Session, payload: dict[str, Any], now: datetime, context: JobContext | None) -> dict[str, Any]:
    return {"stopped": service.sweep(session, now)}
