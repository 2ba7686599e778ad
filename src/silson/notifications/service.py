"""What silson tells a customer about a claim, as one short Korean message with one action each:
documents are needed, the package went to the insurer, the insurer asked for more documents, notified a
delay (and whether its 지급예정일 is past the legal limit), paid a 가지급, paid (how much against what
silson expected), paid less, refused, is past its 지급기일 or 지급예정일, contests or closed the claim,
answered a 재청구·민원·분쟁조정 or let its day to answer pass; and a visit still unclaimed nears its
소멸시효. Only the topics the customer keeps on are sent (preferences.py). Handed to the notification
port in the caller's transaction (the sandbox adapter by
default); each event is told once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from silson.access import Actor, require_read
from silson.errors import NotFound
from silson.notifications import preferences
from silson.notifications.port import Message, NotificationPort
from silson.notifications.sandbox import SandboxNotifier
from silson.store.models import ClaimRow, NotificationRow

NOTIFIER: NotificationPort = SandboxNotifier()


def _tell(session: Session, *, claim_id: int, kind: str, text: str, action: tuple[str, str], key: str,
          now: datetime, port: NotificationPort | None) -> bool:  # fmt: skip
    claim = session.get(ClaimRow, claim_id)
    if claim is None:
        raise NotFound(f"no claim {claim_id}")
    return _send(session, Message(claim.person_id, claim_id, kind, text, action[0], action[1], key, now), port)


def _send(session: Session, message: Message, port: NotificationPort | None) -> bool:
    if not preferences.wants(session, person_id=message.person_id, kind=message.kind):
        return False
    return (port or NOTIFIER).send(session, message=message)


def _day(day: date) -> str:
    """A day as a notification says it.

    >>> _day(date(2026, 12, 4))
    '12월 4일'
    """
    return f"{day.month}월 {day.day}일"


def documents_needed(
    session: Session, *, claim_id: int, insurer: str, count: int, uploads: int, now: datetime,
    port: NotificationPort | None = None,
) -> bool:  # fmt: skip
    """A claim was opened and needs documents; `uploads` of them are the customer's to send."""
    text = f"{insurer} 청구에 서류 {count}건이 필요해요."
    text += f" 그중 {uploads}건은 직접 올려 주세요." if uploads else " 저희가 받아 올게요."
    return _tell(session, claim_id=claim_id, kind="documents_needed", text=text,
                 action=("서류 보기", f"/claims/{claim_id}/documents"), key=f"docs-needed:{claim_id}", now=now,
                 port=port)  # fmt: skip


def delay_notified(
    session: Session, *, claim_id: int, insurer: str, scheduled: date, key: str, now: datetime,
    port: NotificationPort | None = None,
) -> bool:  # fmt: skip
    # the insurer's reason stays sealed on the package (privacy/at_rest.py): a message is kept in clear
    # and leaves by text message, so it says where to read the reason, not the reason
    return _tell(session, claim_id=claim_id, kind="delay_notified",
                 text=f"{insurer}에서 지급이 늦어진다고 알려 왔어요. 지급예정일: {_day(scheduled)}. "
                      "사유는 청구 화면에서 볼 수 있어요.",
                 action=("청구 보기", f"/claims/{claim_id}"), key=key, now=now, port=port)  # fmt: skip


def delay_too_long(
    session: Session, *, claim_id: int, insurer: str, latest: date, key: str, now: datetime,
    port: NotificationPort | None = None,
) -> bool:  # fmt: skip
    return _tell(session, claim_id=claim_id, kind="delay_too_long",
                 text=f"{insurer}의 지급예정일이 약관 한도({_day(latest)})를 넘었어요. 이의를 제기할 수 있어요.",
                 action=("이의 제기 보기", f"/claims/{claim_id}"), key=key, now=now, port=port)  # fmt: skip


def prepaid(
    session: Session, *, claim_id: int, insurer: str, amount: int, key: str, now: datetime,
    port: NotificationPort | None = None,
) -> bool:  # fmt: skip
    return _tell(session, claim_id=claim_id, kind="prepaid",
                 text=f"{insurer}에서 가지급금 {amount:,}원을 먼저 지급했어요.",
                 action=("청구 보기", f"/claims/{claim_id}"), key=key, now=now, port=port)  # fmt: skip


def scheduled_passed(
    session: Session, *, claim_id: int, insurer: str, scheduled: date, now: datetime,
    port: NotificationPort | None = None,
) -> bool:  # fmt: skip
    return _tell(session, claim_id=claim_id, kind="scheduled_passed",
                 text=f"{insurer}의 지급예정일({_day(scheduled)})이 지났어요. 지연이자를 받을 수 있어요.",
                 action=("청구 보기", f"/claims/{claim_id}"), key=f"scheduled-passed:{claim_id}:{scheduled}",
                 now=now, port=port)  # fmt: skip


def disputed(
    session: Session, *, claim_id: int, insurer: str, by_insurer: bool, key: str, now: datetime,
    port: NotificationPort | None = None,
) -> bool:  # fmt: skip
    text = f"{insurer}에서 결정에 이의를 제기했어요." if by_insurer else f"{insurer} 청구에 이의 제기를 시작했어요."
    return _tell(session, claim_id=claim_id, kind="disputed", text=text,
                 action=("청구 보기", f"/claims/{claim_id}"), key=key, now=now, port=port)  # fmt: skip


def closed(
    session: Session, *, claim_id: int, insurer: str, key: str, now: datetime, port: NotificationPort | None = None
) -> bool:
    return _tell(session, claim_id=claim_id, kind="closed", text=f"{insurer} 청구가 종결됐어요.",
                 action=("청구 보기", f"/claims/{claim_id}"), key=key, now=now, port=port)  # fmt: skip


def deadline_approaching(
    session: Session, *, person_id: int, spending_id: int, provider: str, year: int, deadline: date, stage: str,
    now: datetime, port: NotificationPort | None = None,
) -> bool:  # fmt: skip
    """A provider-year with money still owed and no claim nears its 소멸시효 (`stage`: first | last)."""
    left = (deadline - now.date()).days
    text = f"{year}년 {provider} 진료비 청구 기한이 {left}일 남았어요 ({_day(deadline)})."
    message = Message(person_id, None, "deadline_approaching", text, "청구하기", f"/people/{person_id}/claims/new",
                      f"deadline:{person_id}:{spending_id}:{deadline.isoformat()}:{stage}", now)  # fmt: skip
    return _send(session, message, port)


def package_sent(
    session: Session, *, claim_id: int, insurer: str, receipt_no: str, due: date, now: datetime,
    port: NotificationPort | None = None,
) -> bool:  # fmt: skip
    return _tell(session, claim_id=claim_id, kind="package_sent",
                 text=f"{insurer}에 청구가 접수됐어요 ({receipt_no}). {_day(due)}까지 지급돼야 해요.",
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
                 text=f"{insurer}의 지급기일({_day(due)})이 지났어요. 지연이자를 받을 수 있어요.",
                 action=("청구 보기", f"/claims/{claim_id}"), key=f"overdue:{claim_id}:{due.isoformat()}", now=now,
                 port=port)  # fmt: skip


def recourse_answered(
    session: Session, *, claim_id: int, insurer: str, step: str, still_owed: int, key: str, now: datetime,
    port: NotificationPort | None = None,
) -> bool:  # fmt: skip
    """The insurer answered a 재청구·민원·분쟁조정 (`step`, its Korean name): settled, or money still owed
    and the next step is the customer's to take."""
    if still_owed == 0:
        text = f"{insurer}에서 {step}에 답했어요. 덜 받은 보험금과 이자를 모두 받았어요."
    else:
        text = f"{insurer}에서 {step}에 답했지만 아직 {still_owed:,}원을 덜 받았어요. 다음 단계를 확인해 주세요."
    return _tell(session, claim_id=claim_id, kind="recourse_answered", text=text,
                 action=("대사 결과 보기", f"/claims/{claim_id}/reconciliation"), key=key, now=now,
                 port=port)  # fmt: skip


def recourse_unanswered(
    session: Session, *, claim_id: int, insurer: str, step: str, due: date, key: str, now: datetime,
    port: NotificationPort | None = None,
) -> bool:  # fmt: skip
    """The insurer let the answer's due day pass: the next step (민원, then 분쟁조정) is open."""
    return _tell(session, claim_id=claim_id, kind="recourse_unanswered",
                 text=f"{insurer}에서 {step}에 답할 날({_day(due)})이 지났어요. 다음 단계를 확인해 주세요.",
                 action=("대사 결과 보기", f"/claims/{claim_id}/reconciliation"), key=key, now=now,
                 port=port)  # fmt: skip


def of_person(session: Session, actor: Actor, *, person_id: int) -> Sequence[NotificationRow]:
    """The person's messages, newest first (what the sandbox adapter kept)."""
    require_read(actor, person_id)
    query = select(NotificationRow).where(NotificationRow.person_id == person_id)
    return session.scalars(query.order_by(NotificationRow.id.desc())).all()
