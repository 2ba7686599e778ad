"""The stored estimate: one person's discover report, computed once per change of its inputs.

The report is sealed with the person's key like every other personal datum (erasing the person makes
it noise); `inputs` is a digest of what it was computed from, so a changed import, contract, payout
received, catalogue or engine simply does not match and the report is computed again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from silson.store.models import Base


class StoredEstimateRow(Base):
    __tablename__ = "stored_estimate"

    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True)
    inputs: Mapped[str] = mapped_column(String(64))  # sha256 of the inputs, the engine and the day
    report_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    compute_ms: Mapped[int] = mapped_column(Integer)  # what a miss cost, for the load bench and the logs
