"""The insurer port: what the claim road needs from an insurer, whatever the insurer's system is.
One implementation per outside system (http.py speaks the package protocol the sandbox insurer
serves); services depend on this interface only, never on which insurer it is."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol


class InsurerUnavailable(Exception):
    """The insurer did not answer in time or answered an error: try again later (the outbox retries)."""


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    receipt_no: str  # 접수번호
    received_on: date  # 접수일: the 3-business-day clock starts here (제9조①)
    duplicate: bool  # the insurer had this package already (same idempotency key)


@dataclass(frozen=True, slots=True)
class StatementLine:
    line_no: int
    event: str
    contract: str
    coverage: str | None  # 담보
    visit_date: date  # 진료일
    deductible: int  # 공제금액
    paid: int  # 지급액


@dataclass(frozen=True, slots=True)
class Statement:
    statement_no: str
    paid_on: date
    lines: tuple[StatementLine, ...]
    interest: int = 0  # 보험금지연이자 the insurer paid with it (§3.4; recorded apart from the lines)

    @property
    def total(self) -> int:
        return sum(line.paid for line in self.lines)


@dataclass(frozen=True, slots=True)
class Delay:
    """제9조②: payment by the 지급기일 is impossible; the insurer names the reason and a 지급예정일."""

    notified_on: date
    scheduled_on: date  # 지급예정일
    reason: str  # the concrete reason, as the insurer wrote it
    code: int | None  # 제9조② 1–6 when one of the listed reasons (소송, 분쟁조정, 수사, 해외, 조사 거부, 제3자 의견)


@dataclass(frozen=True, slots=True)
class Prepayment:
    """제9조③: 가지급보험금, up to half the insurer's estimate, paid during its investigation."""

    amount: int
    paid_on: date


@dataclass(frozen=True, slots=True)
class Answer:
    state: str  # received | documents_requested | delay_notified | prepaid | decided | denied | disputed | closed
    requested: tuple[str, ...] = ()
    statement: Statement | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    delay: Delay | None = None  # told before it decided (kept on the answer once told)
    prepayment: Prepayment | None = None
    dispute: str | None = None  # the insurer contests its decision (제9조⑦ 제3자 의견 …): the reason
    closed: str | None = None  # the insurer closed the claim (종결): the reason


class InsurerPort(Protocol):
    def submit(self, *, package: dict[str, Any], idempotency_key: str) -> Acknowledgement: ...

    def answer(self, *, receipt_no: str) -> Answer: ...
