"""The sandbox notification adapter: stores each message (once per event key) in the caller's
transaction, to be shown on the customer's page instead of being sent."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from silson.notifications.port import Message
from silson.store.models import NotificationRow


class SandboxNotifier:
    def send(self, session: Session, *, message: Message) -> bool:
        if session.scalars(select(NotificationRow.id).where(NotificationRow.key == message.key)).first() is not None:
            return False
        m = message
        row = NotificationRow(person_id=m.person_id, claim_id=m.claim_id, kind=m.kind, text=m.text,
                              action_label=m.action_label, action_url=m.action_url, key=m.key, at=m.at)  # fmt: skip
        session.add(row)
        session.flush()
        return True
