"""Job handlers: what the workers do. Each is idempotent and works inside the job's transaction."""

from __future__ import annotations

import base64
import time
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from silson.access import Actor, Role
from silson.adapters.contract_check import check_against_terms
from silson.adapters.contract_list import parse_contract_list
from silson.adapters.hometax import parse_xml
from silson.audit import chain
from silson.claims import service as claims
from silson.discover import stored
from silson.jobs import outbox
from silson.jobs.outbox import Deferred, JobContext, handler, hometax_window_open
from silson.privacy import imports, people, withdrawal
from silson.privacy.crypto import open_sealed, seal

UPLOAD_FIELD = "upload"


@handler("retention")
def retention(session: Session, payload: dict[str, Any], now: datetime, context: JobContext | None) -> None:
    if context is None:
        raise RuntimeError("retention needs the master key (a JobContext)")  # a cancelled claim's reason is sealed
    cancel = partial(claims.cancel_before_submission, master=context.master)
    withdrawal.run_retention(session, now, cancel_claims=cancel)


@handler("hometax.import")
def hometax_import(session: Session, payload: dict[str, Any], now: datetime, context: JobContext | None) -> None:
    """Fetching from 홈택스 waits out its maintenance window (00:00–06:00 KST)."""
    opens = hometax_window_open(now)
    if opens is not None:
        raise Deferred(opens)
    chain.append(session, at=now, actor="worker", action="hometax.fetched", object_type="person",
                 object_id=str(payload["person_id"]), detail={})  # fmt: skip


def seal_upload(data_key: bytes, content: bytes) -> str:
    """An uploaded file as it waits in a job's payload: sealed with the person's key."""
    return base64.b64encode(seal(data_key, base64.b64encode(content).decode(), UPLOAD_FIELD)).decode()


@handler("import.upload")
def import_upload(
    session: Session, payload: dict[str, Any], now: datetime, context: JobContext | None
) -> dict[str, Any]:
    """A file the customer uploaded (checked at the upload): its rows into the store. The import is
    idempotent by file hash, so a retried job adds nothing twice."""
    if context is None:
        raise RuntimeError("import.upload needs the master key (a JobContext)")
    person_id = int(payload["person_id"])
    key = people.data_key_or_none(session, context.master, person_id)
    if key is None:  # erased while the job waited: the upload goes with the person
        return {"rows": 0, "skipped": "person erased"}
    content = base64.b64decode(open_sealed(key, base64.b64decode(payload["file"]), UPLOAD_FIELD))
    me = Actor(Role.CUSTOMER, person_id=person_id)
    name = people.read(session, context.master, me, person_id, now).name
    digest = imports.file_hash(content)
    if payload["kind"] == "hometax":
        data = parse_xml(content, "upload")
        added = imports.import_hometax(session, context.master, me, person_id=person_id, name=name, data=data,
                                       digest=digest, now=now)  # fmt: skip
    else:
        listed = parse_contract_list(content.decode("utf-8"), "upload", csv=payload["kind"] == "contracts_csv")
        check_against_terms(listed, context.catalogue, "upload")
        added = imports.import_contracts(session, context.master, context.catalogue, me, person_id=person_id,
                                         name=name, contracts=listed, digest=digest, now=now)  # fmt: skip
    if added:  # the estimate changed: computed by a job of its own, not on the person's next request
        outbox.enqueue(session, kind="estimate.compute", key=f"estimate:{person_id}:{digest}",
                       payload={"person_id": person_id}, now=now)  # fmt: skip
    return {"rows": added}


@handler("estimate.compute")
def estimate_compute(
    session: Session, payload: dict[str, Any], now: datetime, context: JobContext | None
) -> dict[str, Any]:
    """A person's estimate, computed and stored after an import. Its own job so that the engine's
    second or so runs while nothing holds a write lock (the import's transaction has committed; this
    one only reads until it stores the report)."""
    if context is None:
        raise RuntimeError("estimate.compute needs the master key (a JobContext)")
    person_id = int(payload["person_id"])
    if people.data_key_or_none(session, context.master, person_id) is None:
        return {"skipped": "person erased"}
    stored.warm(session, context.master, context.catalogue, context.directory, person_id=person_id, now=now)
    return {"person_id": person_id}


@handler("test.record")
def record(session: Session, payload: dict[str, Any], now: datetime, context: JobContext | None) -> None:
    """Appends one audit entry, pausing first while `hold` (a file) exists: lets a test kill a
    worker in the middle of a job."""
    hold = payload.get("hold")
    deadline = time.monotonic() + 60
    while hold and Path(hold).exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    chain.append(session, at=now, actor="worker", action="test.recorded", object_type="job",
                 object_id=str(payload["n"]), detail={})  # fmt: skip


from silson.agents import tasks as _agents  # noqa: E402, F401  (registers the stop sweep of agents' tasks)
from silson.claims import tasks as _claims  # noqa: E402, F401  (registers the claim road's handlers)
from silson.documentstore import tasks as _documents  # noqa: E402, F401  (registers the document reading job)
from silson.payments import tasks as _payments  # noqa: E402, F401  (registers the recourse send and follow jobs)
