"""The field agents' jobs. `agent_task.read`: read an agent's photo of an issued document (OCR takes
seconds: never on the agent's request; agents/photos.py). `agent_task.sweep`: record the stop of every
task whose 위임장 ended (withdrawn consent, a lapsed 위임 기간), destroying its sealed papers and
auditing it, even when no agent or staff member opens a page. Every read already refuses a stopped
task; the sweep makes the record timely."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from silson.agents import photos, service
from silson.jobs.outbox import JobContext, handler

SWEEP = "agent_task.sweep"


@handler(SWEEP)
def sweep(session: Session, payload: dict[str, Any], now: datetime, context: JobContext | None) -> dict[str, Any]:
    return {"stopped": service.sweep(session, now)}


@handler(photos.READ_JOB)
def read_photo(session: Session, payload: dict[str, Any], now: datetime, context: JobContext | None) -> dict[str, Any]:
    if context is None:
        raise RuntimeError("agent_task.read needs the master key (a JobContext)")
    return photos.read(session, context.master, context.directory, task_document_id=int(payload["task_document"]),
                       sha256=str(payload["sha256"]), agent=str(payload["agent"]), now=now)  # fmt: skip
