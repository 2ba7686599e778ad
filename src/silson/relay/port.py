"""The 실손24 relay as a port. 실손24 publishes no interface for third parties (claims-and-documents.md
§5.7), so today people send through its app, site or the Naver/Toss entries and silson records the
result (relay.service.record); the port is there so that a real interface is one adapter away. The
sandbox adapter (sandbox.py) answers as the relay would on this machine."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol


class RelayStatus(StrEnum):
    """The stages silson can know (§5.4: no official list; anything finer is the insurer's)."""

    SUBMITTED = "submitted_to_relay"
    DELIVERED = "delivered_to_insurer"


@dataclass(frozen=True, slots=True)
class RelayVisit:
    institution_id: str  # 요양기관기호 or 사업자등록번호
    first: date
    last: date


@dataclass(frozen=True, slots=True)
class RelayClaim:
    """What the relay asks of a claimant (§5.2 Claim data): the insurer, the visits, who claims."""

    key: str  # idempotency: the same key twice is one claim
    insurer: str
    claimant: str  # 나의 청구 | 나의 자녀 청구 | 부모·제3자 청구 (§5.3)
    visits: tuple[RelayVisit, ...]


@dataclass(frozen=True, slots=True)
class RelayAnswer:
    accepted: bool
    receipt_no: str | None  # 접수번호
    status: RelayStatus | None
    reason: str | None  # why it was refused, in Korean


class RelayPort(Protocol):
    def submit(self, claim: RelayClaim, *, now: datetime) -> RelayAnswer:
        """Hand the claim to the relay; the same key again answers as the first time."""
        ...

    def status(self, receipt_no: str, *, now: datetime) -> RelayStatus:
        """Where a submitted claim stands."""
        ...
