"""Tables of the document store: each uploaded file's intake and reading, and every look a person
took at a doubtful field. The file itself is the `document` row's sealed content (store/models.py),
so a withdrawal destroys it with the person's other documents; the reading (names, providers,
amounts) and each correction's values and reason are sealed with the person's key too."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from silson.store.models import Base


class DocumentFileRow(Base):
    """One uploaded file: where it belongs (person, claim, the visit it was attached to), its keyed
    hash (the same file twice is one document), and how its reading went."""

    __tablename__ = "document_file"
    __table_args__ = (UniqueConstraint("person_id", "file_hash", name="uq_document_file_once"),)

    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id"), index=True)
    file_hash: Mapped[str] = mapped_column(String(64))  # HMAC-SHA256 under a master-derived key
    file_type: Mapped[str] = mapped_column(String(20))  # png | jpeg | tiff | pdf | edocument
    size: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20), index=True)  # queued | read | failed | set_aside
    kind: Mapped[str | None] = mapped_column(String(40), nullable=True)  # silson-receipt/1 kind, once read
    reading_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # the first reading, kept as read
    error: Mapped[str | None] = mapped_column(Text, nullable=True)  # why it could not be read
    open_doubts: Mapped[int] = mapped_column(Integer, default=0)  # doubtful fields nobody has looked at yet
    uploaded_by: Mapped[str] = mapped_column(String(100))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("claim_event.id"), nullable=True, index=True)
    attached_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    attached_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class DocumentReviewRow(Base):
    """A person's look at one field of a reading: confirmed as read, or corrected (the value before
    and after and the reason, sealed). Append-only: the newest entry of a field is its value."""

    __tablename__ = "document_review"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document_file.document_id"), index=True)
    field: Mapped[str] = mapped_column(String(60))  # a reviewable path, e.g. amounts.noncovered
    action: Mapped[str] = mapped_column(String(10))  # confirm | correct
    value_sealed: Mapped[bytes] = mapped_column(LargeBinary)  # JSON {"from", "to", "reason"}
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
