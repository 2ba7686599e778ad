"""Tables of the relay area: the route a customer picked for a visit instead of silson's (one row per
claim and subject; the audit log keeps every change), and each claim sent through 실손24, by the
person in the app (recorded afterwards) or through the relay port."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from silson.store.models import Base


class RouteChoiceRow(Base):
    """The customer's (or, for them, assisted staff's) own route for one subject of a claim."""

    __tablename__ = "relay_route_choice"
    __table_args__ = (UniqueConstraint("claim_id", "subject"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id"), index=True)
    subject: Mapped[str] = mapped_column(String(100))  # "e<visit id>" | "spending:<id>"
    route: Mapped[str] = mapped_column(String(20))  # silson24 | agent | upload
    chosen_by: Mapped[str] = mapped_column(String(100))  # actor label
    chosen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RelaySubmissionRow(Base):
    """A claim sent through 실손24 (§5.2): which subjects, when, by which entry, and its 접수번호."""

    __tablename__ = "relay_submission"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id"), index=True)
    subjects: Mapped[str] = mapped_column(Text)  # JSON list of subject refs
    channel: Mapped[str] = mapped_column(String(20))  # app | web | naver | toss | port
    submitted_on: Mapped[date] = mapped_column(Date)
    receipt_no: Mapped[str] = mapped_column(String(40))  # 접수번호 as 실손24 showed it
    status: Mapped[str] = mapped_column(String(30))  # submitted_to_relay | delivered_to_insurer (§5.4)
    key: Mapped[str] = mapped_column(String(64), unique=True)  # idempotency (actor-scoped hash)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
