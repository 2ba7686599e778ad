"""Nothing uncertain reaches an insurer without a person's look (issue 17): the release of a claim's
package asks here whether an uploaded document still holds it back. Only queries; no I/O beyond them."""

from __future__ import annotations

from sqlalchemy.orm import Session

from silson.documentstore import repository


def blocking_reasons(session: Session, claim_id: int) -> list[str]:
    """Why the claim cannot go to the insurer yet for its documents (empty: nothing holds it)."""
    reasons = []
    for row in repository.blocking(session, claim_id):
        if row.state == "queued":
            reasons.append(f"서류 #{row.document_id}을(를) 아직 읽는 중이에요")
        else:
            reasons.append(f"서류 #{row.document_id}에 확인하지 않은 항목이 {row.open_doubts}개 있어요")
    return reasons
