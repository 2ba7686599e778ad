"""What silson tells a customer about a claim, as one short Korean message with one action each:
the package went to the insurer, the insurer asked for more documents, paid (how much against what
silson expected), paid less, refused, is past its 지급기일. Handed to the notification port in the
caller's transaction (the sandbox adapter by default)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from silson.access import Actor, require_read
from silson.notifications.port import Message, NotificationPort
from silson.notifications.sandbox import SandboxNotifier
from silson.store.models import ClaimRow, NotificationRow

NOTIFIER: NotificationPort = SandboxNotifier()


def _tell(session: Session, *, claim_id: int, kind: str, text: str, action: tuple[str, str], key: str,
          now: datetime, port: NotificationPort | None) -> bool:  # fmt: skip
    claim = session.get(ClaimRow, claim_id)
    if claim is None:
        raise LookupError(f"no claim {claim_id}")
    message = Message(claim.person_id, claim_id, kind, text, action[0], action[1], key, now)
    return (port or NOTIFIER).send(session, message=message)


def package_sent(
    session: Session, *, claim_id: int, insurer: str, receipt_no: str, due: date, now: datetime,
    port: NotificationPort | None = None,
) -> bool:  # fmt: skip
    return _tell(session, claim_id=claim_id, kind="package_sent",
                 text=f"{insurer}에 청구가 접수됐어요 ({receipt_no}). {due.month}월 {due.day}일까지 지급돼야 해요.",
                 action=("청구 보기", f"/claims/{claim_id}"), key=f"sent:{receipt_no}:{claim_id}", now=now,
                 port=port)  # fmt: skip


def more_documents(
    session: Session, *, claim_id: int, insurer: str, requested: Sequence[str], key: str, now: datetime,
    port: NotificationPort | None = None,
) -> bool:  # fmt: skip
    return _tell(session, claim_id=claim_id, kind="more_documents",
                 text=f"{insurer}에서 서류를 더 요청했어요 ({len(requested)}건).",
                 action=("서류 보기", f"/claims/{claim_id}/documents"), key=key, now=now, port=port)  # fmt: skip


def decided(
    session: Session, *, claim_id: int, insurer: str, paid: int, expected: int, key: str, now: datetime,
    port: NotificationPort | None = None,
) -> bool:  # fmt: skip
    if paid == 0:
        kind, text = "denied", f"{insurer}에서 보험금을 지급하지 않기로 했어요."
        action = ("이유 보기", f"/claims/{claim_id}")
    elif paid < expected:
        kind, text = "partly_paid", f"{insurer}에서 {paid:,}원을 지급했어요. 예상보다 {expected - paid:,}원 적어요."
        action = ("차이 보기", f"/claims/{claim_id}")
    else:
        kind, text = "paid", f"{insurer}에서 {paid:,}원을 지급했어요 (예상 {expected:,}원)."
        action = ("지급 내역 보기", f"/claims/{claim_id}")
    return _tell(session, claim_id=claim_id, kind=kind, text=text, action=action, key=key, now=now, port=port)


def overdue(
    session: Session, *, claim_id: int, insurer: str, due: date, now: datetime, port: NotificationPort | None = None
) -> bool:
    return _tell(session, claim_id=claim_id, kind="overdue",
                 text=f"{insurer}의 지급기일({due.month}월 {due.day}일)이 지났어요. 지연이자를 받을 수 있어요.",
                 action=("청구 보기", f"/claims/{claim_id}"), key=f"overdue:{claim_id}:{due.isoformat()}", now=now,
                 port=port)  # fmt: skip


def of_person(session: Session, actor: Actor, *, person_id: int) -> Sequence[NotificationRow]:
    """The person's messages, newest first (what the sandbox adapter kept)."""
    require_read(actor, person_id)
    query = select(NotificationRow).where(NotificationRow.person_id == person_id)
    return session.scalars(query.order_by(NotificationRow.id.desc())).all()
