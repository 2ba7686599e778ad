"""The notification port: how a short message reaches a customer (KakaoTalk 알림톡 style). One
implementation per outside system; the sandbox adapter (sandbox.py) keeps what would be sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session


@dataclass(frozen=True, slots=True)
class Message:
    person_id: int
    claim_id: int | None
    kind: str
    text: str  # Korean, short, one thing happened
    action_label: str  # the one action offered ("서류 보기")
    action_url: str
    key: str  # the event it tells of: the same event is told once
    at: datetime


class NotificationPort(Protocol):
    def send(self, session: Session, *, message: Message) -> bool:
        """Hand the message over; False when this event was told already."""
        ...
