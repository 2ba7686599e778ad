"""Every query of the document store. Services call these; nothing here commits."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from silson.documentstore.models import DocumentFileRow, DocumentReviewRow


def by_hash(session: Session, person_id: int, file_hash: str) -> DocumentFileRow | None:
    query = select(DocumentFileRow).where(DocumentFileRow.person_id == person_id,
                                          DocumentFileRow.file_hash == file_hash)  # fmt: skip
    return session.scalars(query).first()


def of_claim(session: Session, claim_id: int) -> Sequence[DocumentFileRow]:
    query = select(DocumentFileRow).where(DocumentFileRow.claim_id == claim_id)
    return session.scalars(query.order_by(DocumentFileRow.document_id)).all()


def reviews_of(session: Session, document_id: int) -> Sequence[DocumentReviewRow]:
    query = select(DocumentReviewRow).where(DocumentReviewRow.document_id == document_id)
    return session.scalars(query.order_by(DocumentReviewRow.id)).all()


def blocking(session: Session, claim_id: int) -> Sequence[DocumentFileRow]:
    """The claim's documents that must have a person's look before anything goes to the insurer:
    still being read, or read with doubtful fields nobody has looked at."""
    query = select(DocumentFileRow).where(
        DocumentFileRow.claim_id == claim_id,
        (DocumentFileRow.state == "queued") | ((DocumentFileRow.state == "read") & (DocumentFileRow.open_doubts > 0)),
    )
    return session.scalars(query.order_by(DocumentFileRow.document_id)).all()


def waiting_by_claim(session: Session, claim_ids: Sequence[int]) -> dict[int, int]:
    """Per claim, the documents read and waiting for a reviewer: doubtful fields nobody has looked at,
    or not yet put on a visit (the review queue flags them)."""
    if not claim_ids:
        return {}
    query = (
        select(DocumentFileRow.claim_id, func.count())
        .where(DocumentFileRow.claim_id.in_(claim_ids), DocumentFileRow.state == "read",
               (DocumentFileRow.open_doubts > 0) | DocumentFileRow.event_id.is_(None))
        .group_by(DocumentFileRow.claim_id)
    )  # fmt: skip
    return {claim: count for claim, count in session.execute(query)}


def attached_to(session: Session, event_id: int) -> Sequence[DocumentFileRow]:
    query = select(DocumentFileRow).where(DocumentFileRow.event_id == event_id)
    return session.scalars(query.order_by(DocumentFileRow.document_id)).all()
