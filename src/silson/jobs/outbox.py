"""Durable, idempotent jobs kept in the database (the outbox); the queue library only dispatches.

`enqueue` writes a job in the caller's transaction (same key twice = one job). A worker `claim`s
a job by taking a lease, then runs its handler and marks it done in one transaction: the work and
its completion commit together. If the worker dies mid-job, nothing of the work commits and the
lease runs out; the next worker takes the job again. So a crash loses no job and no job's effect
is committed twice (handlers must also be idempotent for effects outside the database).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from silson.discover.providers import ProviderDirectory
from silson.errors import Defect, SilsonError
from silson.privacy.crypto import MasterKey
from silson.rules.catalogue import Catalogue, load_catalogue
from silson.store import repository
from silson.store.models import JobRow


@dataclass(frozen=True)
class JobContext:
    """What handlers need beyond the database: the master key (to open a person's sealed data)."""

    master: MasterKey
    catalogue: Catalogue = field(default_factory=load_catalogue)
    directory: ProviderDirectory = field(default_factory=ProviderDirectory.load)
    #: insurer name → its port (claims/insurers); None: SILSON_INSURER_URL (claims/insurers/config.py)
    insurers: Callable[[str], Any] | None = None


Handler = Callable[[Session, dict[str, Any], datetime, "JobContext | None"], "dict[str, Any] | None"]
HANDLERS: dict[str, Handler] = {}
LEASE = timedelta(minutes=5)
KST = ZoneInfo("Asia/Seoul")


class Deferred(Exception):
    """A handler's way to say "not now, at this time"."""

    def __init__(self, until: datetime) -> None:
        super().__init__(f"deferred until {until.isoformat()}")
        self.until = until


def handler(kind: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        HANDLERS[kind] = fn
        return fn

    return register


def enqueue(session: Session, *, kind: str, key: str, payload: dict[str, Any], now: datetime) -> int:
    if kind not in HANDLERS:
        raise Defect(f"kind: no handler for job kind '{kind}'")
    existing = repository.job_by_key(session, key)
    if existing is not None:
        return existing.id
    row = JobRow(kind=kind, key=key, payload=json.dumps(payload, ensure_ascii=False), state="pending",
                 attempts=0, not_before=now)  # fmt: skip
    session.add(row)
    session.flush()
    return row.id


def claim(session: Session, now: datetime, lease: timedelta = LEASE) -> JobRow | None:
    """Take the next due job: pending, or running with a lease that has run out (its worker died)."""
    row = repository.next_due_job(session, now)
    if row is None:
        return None
    row.state, row.attempts, row.lease_until = "running", row.attempts + 1, now + lease
    session.flush()
    return row


def run(session: Session, job: JobRow, now: datetime, context: JobContext | None = None) -> str:
    """Run a claimed job's handler; the caller commits (work and completion together)."""
    try:
        result = HANDLERS[job.kind](session, json.loads(job.payload), now, context)
    except Deferred as later:
        job.state, job.not_before, job.lease_until = "pending", later.until, None
        return "deferred"
    job.state, job.done_at, job.lease_until = "done", now, None
    job.result = json.dumps(result, ensure_ascii=False) if result is not None else None
    session.flush()
    return "done"


MAX_ATTEMPTS = 5


def gives_up(exc: Exception, attempts: int) -> bool:
    """A job stops at once on bad data (ValueError: a file or a value the rules refuse, which no
    retry changes), and after MAX_ATTEMPTS on anything else."""
    return isinstance(exc, ValueError) or attempts >= MAX_ATTEMPTS


def error_line(exc: Exception) -> str:
    """What a job keeps of its error, in a clear column that staff read and the person's job page
    shows: the error's class, its code, and where it lies (the field, or the file and the place in
    it), never its wording. A refusal's wording may quote the refused file (a 주민등록번호, a name, an
    amount) and a library's error the values of a query; that is the person's data, not the job's.

    >>> from silson.adapters.contract_list import ContractListError
    >>> error_line(ContractListError("file", "contracts[0].insured_resid", "'850101-1234567' is not valid"))
    'ContractListError (invalid_input) file: contracts[0].insured_resid'
    >>> error_line(KeyError("850101-1234567"))
    'KeyError'
    """
    said = type(exc).__name__
    if not isinstance(exc, SilsonError):
        return said
    said += f" ({exc.code})"
    file, place = getattr(exc, "file", None), getattr(exc, "place", None)
    if isinstance(file, str) and isinstance(place, str):  # a file's refusal (adapters/hometax.py, contract_list.py)
        return f"{said} {file}: {place}" if place else f"{said} {file}"
    return f"{said} {exc.field}" if exc.field else said


def sweep(
    sessions: sessionmaker[Session], now: Callable[[], datetime], *, lease: timedelta = LEASE, limit: int = 100,
    context: JobContext | None = None,
) -> int:  # fmt: skip
    """Run every due job, each in its own transaction; returns how many finished. A job whose
    handler fails keeps its lease and is retried when the lease runs out; the error is recorded. A job
    that failed for bad data, or MAX_ATTEMPTS times, is marked failed and not retried."""
    finished = 0
    for _ in range(limit):
        with sessions.begin() as session:
            job = claim(session, now(), lease)
            if job is None:
                break
            job_id = job.id
        try:
            with sessions.begin() as session:
                job = session.get(JobRow, job_id, with_for_update=True)
                if job is None or job.state != "running":
                    continue
                if run(session, job, now(), context) == "done":
                    finished += 1
        except Exception as exc:
            with sessions.begin() as session:
                failed = session.get(JobRow, job_id)
                if failed is not None:
                    failed.last_error = error_line(exc)
                    if gives_up(exc, failed.attempts):
                        # bad data fails the same way every time: stop, and say why (the person
                        # can delete what they imported); a passing fault is retried a few times
                        failed.state, failed.done_at, failed.lease_until = "failed", now(), None
    return finished


def hometax_window_open(now: datetime) -> datetime | None:
    """홈택스 점검시간 00:00–06:00 KST: None when imports may run, else when they may."""
    local = now.astimezone(KST)
    if local.hour < 6:
        return local.replace(hour=6, minute=0, second=0, microsecond=0).astimezone(now.tzinfo)
    return None
