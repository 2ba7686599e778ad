"""The append-only audit log as a hash chain: each entry's hash covers its own content and the
previous entry's hash, so changing, removing or reordering any entry breaks every hash after it.
`verify` walks the chain (`silson audit verify`) and then checks it against the signed anchors kept
outside the database (anchor.py), which catch a deleted tail or a chain rewritten from scratch."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from silson.audit import anchor
from silson.audit.anchor import AnchorLog, AnchorTampered
from silson.store import repository
from silson.store.models import AuditRow

GENESIS = "0" * 64


def _utc(at: datetime) -> str:
    """One spelling of an instant whatever the database hands back (SQLite drops the zone)."""
    return (at.astimezone(UTC) if at.tzinfo is not None else at).replace(tzinfo=None).isoformat()


def _digest(prev: str, at: datetime, actor: str, action: str, object_type: str, object_id: str, detail: str) -> str:
    payload = json.dumps(
        [prev, _utc(at), actor, action, object_type, object_id, detail], ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def append(
    session: Session, *, at: datetime, actor: str, action: str, object_type: str, object_id: str, detail: dict[str, Any]
) -> AuditRow:
    """Add an entry in the caller's transaction (the state change and its record commit together).
    Appends are serialised until their transaction ends, so that two writers never both extend the
    same head (found by tests/web/test_faults.py: a request and a job appending at once forked it)."""
    _hold_the_head(session)
    last = repository.last_audit_entry(session)
    prev = last.hash if last is not None else GENESIS
    text = json.dumps(detail, ensure_ascii=False, sort_keys=True)
    row = AuditRow(
        at=at, actor=actor, action=action, object_type=object_type, object_id=object_id, detail=text, prev_hash=prev,
        hash=_digest(prev, at, actor, action, object_type, object_id, text),
    )  # fmt: skip
    session.add(row)
    session.flush()
    anchor.note_head(session, row.id, row.hash)
    return row


def _hold_the_head(session: Session) -> None:
    """SQLite: take the database's write lock now (an UPDATE, even of no row, does), before the head
    is read. PostgreSQL: a transaction-scoped advisory lock that every append takes."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        session.execute(text("UPDATE audit_entry SET id = id WHERE 0"))
    elif dialect == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(7723001)"))


@dataclass(frozen=True, slots=True)
class Verdict:
    entries: int
    broken_at: int | None  # id of the first entry that does not match (None: the chain is whole)
    reason: str = ""  # empty when everything matched
    anchors: int = 0  # anchors checked against the chain

    @property
    def ok(self) -> bool:
        return not self.reason


def anchors_of(session: Session) -> AnchorLog | None:
    """The anchor file of the session's database (store.db.session_factory sets it)."""
    found = session.info.get(anchor.LOG)
    return found if isinstance(found, AnchorLog) else None


def verify(session: Session, anchors: AnchorLog | None = None) -> Verdict:
    """Walk the chain, then hold it against every anchor (those of the session's database unless
    `anchors` is given)."""
    log = anchors or anchors_of(session)
    try:
        signed = sorted(log.read(), key=lambda a: a.entry) if log is not None else []
    except AnchorTampered as exc:
        return Verdict(0, None, f"anchor file: {exc}")
    prev = GENESIS
    count = 0
    last_id = 0
    pending = iter(signed)
    due = next(pending, None)
    for row in repository.audit_in_order(session):
        count += 1
        if row.prev_hash != prev:
            return Verdict(count, row.id, "previous hash does not match (an entry was removed or reordered)")
        if _digest(prev, row.at, row.actor, row.action, row.object_type, row.object_id, row.detail) != row.hash:
            return Verdict(count, row.id, "content does not match its hash (the entry was changed)")
        while due is not None and due.entry <= row.id:
            if due.entry != row.id or due.hash != row.hash:
                return Verdict(count, due.entry, f"entry {due.entry} is not the one anchored at {due.at} "
                               f"(anchor line {due.line}): the chain was rewritten")  # fmt: skip
            due = next(pending, None)
        prev = row.hash
        last_id = row.id
    if due is not None:
        return Verdict(count, due.entry, f"the chain ends at entry {last_id} but entry {due.entry} was anchored at "
                       f"{due.at} (anchor line {due.line}): entries were deleted from the end")  # fmt: skip
    return Verdict(count, None, anchors=len(signed))


def checkpoint(session: Session) -> int | None:
    """Anchor the head as the database holds it now, flushed to disk (service stop, CLI end)."""
    log = anchors_of(session)
    last = repository.last_audit_entry(session)
    if log is None or last is None:
        return None
    log.write(entry=last.id, digest=last.hash, durable=True)
    return last.id
