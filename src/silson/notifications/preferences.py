"""Which notifications a customer receives: one switch per topic, each on until the customer turns
it off (the 알림톡 a claim cannot do without, such as a refusal, are topics too: the customer decides).
The deadline reminders also need the 맞춤 안내 consent (privacy.consent.Purpose.PERSONALISED)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from silson.access import Actor, require_act, require_read
from silson.audit import chain
from silson.errors import Defect, Invalid
from silson.notifications.models import NotificationPreferenceRow

#: topic → (label, the message kinds it covers)
TOPICS: dict[str, tuple[str, frozenset[str]]] = {
    "documents": ("청구에 서류가 필요할 때", frozenset({"documents_needed", "more_documents"})),
    "progress": ("보험사 접수와 지연 안내", frozenset({"package_sent", "delay_notified", "delay_too_long"})),
    "payment": ("보험금 지급·가지급·부지급", frozenset({"prepaid", "paid", "partly_paid", "denied"})),
    "late": ("지급기일·지급예정일이 지났을 때", frozenset({"overdue", "scheduled_passed"})),
    "deadline": ("청구 기한(소멸시효)이 다가올 때", frozenset({"deadline_approaching"})),
    "closing": ("이의 제기와 종결", frozenset({"disputed", "closed", "recourse_answered", "recourse_unanswered"})),
}
TOPIC_OF = {kind: topic for topic, (_label, kinds) in TOPICS.items() for kind in kinds}


def topic_of(kind: str) -> str:
    """The preference topic a notification kind belongs to.

    >>> topic_of("partly_paid")
    'payment'
    """
    try:
        return TOPIC_OF[kind]
    except KeyError:
        raise Defect(f"kind: '{kind}' belongs to no notification topic") from None


def of_person(session: Session, actor: Actor, *, person_id: int) -> dict[str, bool]:
    """Every topic with its switch (on unless turned off)."""
    require_read(actor, person_id)
    query = select(NotificationPreferenceRow).where(NotificationPreferenceRow.person_id == person_id)
    chosen = {r.topic: r.enabled for r in session.scalars(query)}
    return {topic: chosen.get(topic, True) for topic in TOPICS}


def wants(session: Session, *, person_id: int, kind: str) -> bool:
    row = session.get(NotificationPreferenceRow, (person_id, topic_of(kind)))
    return row is None or row.enabled


def choose(
    session: Session, actor: Actor, *, person_id: int, enabled: Mapping[str, bool], now: datetime
) -> dict[str, bool]:
    """The customer's own choice (a family viewer never chooses for them); audited; unchanged topics
    are not touched. Unknown topics are refused naming the field."""
    require_act(actor, person_id)
    unknown = sorted(set(enabled) - set(TOPICS))
    if unknown:
        raise Invalid("알 수 없는 알림 종류예요.", field=f"topics.{unknown[0]}")
    before = of_person(session, actor, person_id=person_id)
    changed = {t: on for t, on in enabled.items() if before[t] != on}
    for topic, on in changed.items():
        row = session.get(NotificationPreferenceRow, (person_id, topic), with_for_update=True)
        if row is None:
            session.add(NotificationPreferenceRow(person_id=person_id, topic=topic, enabled=on, updated_at=now))
        else:
            row.enabled, row.updated_at = on, now
    if changed:
        chain.append(session, at=now, actor=actor.label, action="notification.preferences", object_type="person",
                     object_id=str(person_id), detail={"changed": changed})  # fmt: skip
        session.flush()
    return {**before, **changed}
