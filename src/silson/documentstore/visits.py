"""A reviewed document's values onto a claim visit: the hook between the document store and the
claim's visits (claims/events.py keeps them sealed, in the case format's event shape).

The document says the visit's kind, date (and discharge), institution, the amounts and the 비급여
items; the visit keeps what a receipt does not say (the cause, a KCD from another document, an
NHIS refund) unless the reviewer gives it. The visit is validated as the case format reads it and
checked as a visit that could be real, its revision counted, and the change audited by field name
(the values stay sealed in the visit)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from silson.access import Actor, Forbidden, Role
from silson.audit import chain
from silson.claims import events
from silson.errors import Invalid, NotFound
from silson.privacy import people
from silson.privacy.crypto import MasterKey, open_sealed, seal
from silson.store.models import ClaimEventRow, ClaimRow

#: the event fields a document decides
FROM_DOCUMENT = ("kind", "date", "discharge", "institution", "covered_copay", "covered_full", "noncovered",
                 "room_difference", "nhis_paid", "items", "kcd")  # fmt: skip
APPLIERS = {Role.REVIEWER, Role.ADMINISTRATOR}


def merged(current: dict[str, Any], update: dict[str, Any], *, cause: str | None = None) -> dict[str, Any]:
    """The visit after the document: its fields replaced, the rest kept.

    >>> merged({"kind": "outpatient", "date": "2025-05-01", "cause": "injury", "kcd": ["S93.4"],
    ...         "institution": {"kind": "clinic"}, "noncovered": 5000},
    ...        {"kind": "outpatient", "date": "2025-05-02", "cause": "disease",
    ...         "institution": {"kind": "hospital", "name": "바른병원"}, "noncovered": 0})
    ... # doctest: +NORMALIZE_WHITESPACE
    {'kind': 'outpatient', 'date': '2025-05-02', 'cause': 'injury', 'kcd': ['S93.4'],
     'institution': {'kind': 'hospital', 'name': '바른병원'}, 'noncovered': 0}
    """
    out = {k: v for k, v in current.items() if k != "id"}
    for name in FROM_DOCUMENT:
        if name in update:
            out[name] = update[name]
    if update.get("kind", out.get("kind")) != "inpatient":
        out.pop("discharge", None)  # only an admission has one
    if cause is not None:
        out["cause"] = cause
    return out


def apply(
    session: Session, master: MasterKey, actor: Actor, *, event_id: int, document_id: int, update: dict[str, Any],
    now: datetime, cause: str | None = None,
) -> int:  # fmt: skip
    """Put a reviewed document's values on a visit; returns its revision (unchanged when nothing changed)."""
    if actor.role not in APPLIERS:
        raise Forbidden("진료 내역은 심사센터 심사자가 서류로 고칩니다.")
    row = session.get(ClaimEventRow, event_id, with_for_update=True)
    if row is None:
        raise NotFound(f"진료 e{event_id}을(를) 찾을 수 없어요.")
    claim = session.get(ClaimRow, row.claim_id)
    assert claim is not None
    key = people.data_key(session, master, claim.person_id)
    current = json.loads(open_sealed(key, row.event_sealed, events.SEAL_FIELD))
    new = merged(current, update, cause=cause)
    try:
        data = events.validated(new)
        born = people.read(session, master, Actor(Role.SYSTEM), claim.person_id, now).birth_date
        events.check_visit(data, born=born, today=now.date())
    except ValueError as exc:
        raise Invalid(str(exc)) from None
    changed = sorted(k for k in set(data) | set(current) if data.get(k) != current.get(k))
    if not changed:
        return row.revision
    row.event_sealed = seal(key, json.dumps(data), events.SEAL_FIELD)
    row.revision += 1
    row.updated_at = now
    chain.append(session, at=now, actor=actor.label, action="claim.event_corrected", object_type="claim",
                 object_id=str(claim.id), detail={"event": event_id, "fields": changed,
                                                  "from_document": document_id})  # fmt: skip
    session.flush()
    return row.revision
