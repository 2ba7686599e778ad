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

    @property
    def total(self) -> int:
        return sum(line.paid for line in self.lines)


@dataclass(frozen=True, slots=True)
class Answer:
    state: str  # received | documents_requested | decided
    requested: tuple[str, ...] = ()
    statement: Statement | None = None
    raw: dict[str, Any] = field(default_factory=dict)


class InsurerPort(Protocol):
    def submit(self, *, package: dict[str, Any], idempotency_key: str) -> Acknowledgement: ...

    def answer(self, *, receipt_no: str) -> Answer: ...
