"""Tables of the notifications area: which kinds of message each customer chooses to receive (a
topic not chosen either way is on: the defaults are in notifications/preferences.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from silson.store.models import Base


class NotificationPreferenceRow(Base):
    __tablename__ = "notification_preference"

    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True)
    topic: Mapped[str] = mapped_column(String(40), primary_key=True)  # notifications.preferences.TOPICS
    enabled: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
