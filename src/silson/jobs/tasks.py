"""Job handlers: what the workers do. Each is idempotent and works inside the job's transaction."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from silson.audit import chain
from silson.jobs.outbox import Deferred, handler, hometax_window_open
from silson.privacy import withdrawal


@handler("retention")
def retention(session: Session, payload: dict[str, Any], now: datetime) -> None:
    withdrawal.run_retention(session, now)


@handler("hometax.import")
def hometax_import(session: Session, payload: dict[str, Any], now: datetime) -> None:
    """Fetching from 홈택스 waits out its maintenance window (00:00–06:00 KST)."""
    opens = hometax_window_open(now)
    if opens is not None:
        raise Deferred(opens)
    chain.append(session, at=now, actor="worker", action="hometax.fetched", object_type="person",
                 object_id=str(payload["person_id"]), detail={})  # fmt: skip


@handler("test.record")
def record(session: Session, payload: dict[str, Any], now: datetime) -> None:
    """Appends one audit entry, pausing first while `hold` (a file) exists: lets a test kill a
    worker in the middle of a job."""
    hold = payload.get("hold")
    deadline = time.monotonic() + 60
    while hold and Path(hold).exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    chain.append(session, at=now, actor="worker", action="test.recorded", object_type="job",
                 object_id=str(payload["n"]), detail={})  # fmt: skip
