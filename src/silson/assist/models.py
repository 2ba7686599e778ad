"""Tables of assisted mode: a person's request for help (how it came, what it covers, the consent it
rests on), each action staff took under it, and the person's display preference (large text)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from silson.store.models import Base


class AssistRequestRow(Base):
    """A person asked the call center to act for them: staff may act only under a live one."""

    __tablename__ = "assist_request"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    staff_id: Mapped[str] = mapped_column(String(100))  # who took the request
    channel: Mapped[str] = mapped_column(String(20))  # phone | visit | letter
    requested_on: Mapped[date] = mapped_column(Date)
    covers: Mapped[str] = mapped_column(Text)  # JSON list of scopes (assist.service.SCOPES)
    consent: Mapped[str] = mapped_column(String(40))  # how the consent was given (assist.service.CONSENTS)
    consent_version: Mapped[str] = mapped_column(String(20))
    note_sealed: Mapped[bytes] = mapped_column(LargeBinary)  # staff's note, sealed: it may name an illness
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_on: Mapped[date] = mapped_column(Date)  # the last day it holds
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    ended_by: Mapped[str | None] = mapped_column(String(100), nullable=True)


class AssistActionRow(Base):
    """One thing staff did for the person under a request (대리 처리), shown to the person."""

    __tablename__ = "assist_action"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("assist_request.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    staff_id: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))  # a scope of SCOPES
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claim.id"), nullable=True, index=True)
    summary: Mapped[str] = mapped_column(Text)  # Korean, no health data ("청구 #12 (현대해상)을 열었어요")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DisplayPreferenceRow(Base):
    """How the person's pages look: large text and one action per screen, or the usual pages."""

    __tablename__ = "display_preference"

    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True)
    large_text: Mapped[bool] = mapped_column(Boolean)
    set_by: Mapped[str] = mapped_column(String(100))
    set_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
