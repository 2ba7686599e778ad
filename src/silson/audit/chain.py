"""The append-only audit log as a hash chain: each entry's hash covers its own content and the
previous entry's hash, so changing, removing or reordering any entry breaks every hash after it.
`verify` walks the chain (`silson audit verify`)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

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
    """Add an entry in the caller's transaction (the state change and its record commit together)."""
    last = repository.last_audit_entry(session)
    prev = last.hash if last is not None else GENESIS
    text = json.dumps(detail, ensure_ascii=False, sort_keys=True)
    row = AuditRow(
        at=at, actor=actor, action=action, object_type=object_type, object_id=object_id, detail=text, prev_hash=prev,
        hash=_digest(prev, at, actor, action, object_type, object_id, text),
    )  # fmt: skip
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True, slots=True)
class Verdict:
    entries: int
    broken_at: int | None  # id of the first entry that does not match
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify(session: Session) -> Verdict:
    prev = GENESIS
    count = 0
    for row in repository.audit_in_order(session):
        count += 1
        if row.prev_hash != prev:
            return Verdict(count, row.id, "previous hash does not match (an entry was removed or reordered)")
        if _digest(prev, row.at, row.actor, row.action, row.object_type, row.object_id, row.detail) != row.hash:
            return Verdict(count, row.id, "content does not match its hash (the entry was changed)")
        prev = row.hash
    return Verdict(count, None)
