"""The document store's job: read an uploaded document (OCR takes seconds; never on the request)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from silson.discover.providers import ProviderDirectory
from silson.documentstore import service
from silson.jobs.outbox import JobContext, handler


@handler(service.READ_JOB)
def read_document(
    session: Session, payload: dict[str, Any], now: datetime, context: JobContext | None
) -> dict[str, Any]:
    if context is None:
        raise RuntimeError("document.read needs the master key (a JobContext)")
    return service.read(
        session, context.master, ProviderDirectory.load(), document_id=int(payload["document"]), now=now
    )
