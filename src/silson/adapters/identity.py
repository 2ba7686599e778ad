"""Identity verification port (간편인증: the person approves a request in a messenger wallet app).

`IdentityProvider` is the port; `SandboxIdentity` behaves like such a flow on this machine for
development and tests: a request is made with name, birth date and phone; the person approves it,
or it times out; and it fails for the reasons the service FAQ lists (wrong details, someone else's
details, a phone number other than the account's, a renamed person whose carrier record is old).
Details that match no account and clash with none belong to a person the sandbox has not met yet:
like anyone with the messenger app, they can approve, and once approved they are an account (so a
newcomer signs up on `silson serve`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Protocol


class Outcome(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    TIMED_OUT = "timed_out"
    WRONG_DETAILS = "wrong_details"  # 입력한 개인정보가 올바르지 않음 (오타 등)
    SOMEONE_ELSE = "someone_else"  # 가족·친구 등 다른 사람의 정보
    NUMBER_MISMATCH = "number_mismatch"  # 계정에 등록된 번호와 다른 번호
    RENAMED = "renamed"  # 개명 후 통신사 정보가 예전 이름


@dataclass(frozen=True, slots=True)
class Identity:
    name: str
    birth_date: date
    phone: str
    former_names: tuple[str, ...] = ()


class IdentityProvider(Protocol):
    def request(self, *, name: str, birth_date: date, phone: str, now: datetime) -> str: ...

    def status(self, request_id: str, now: datetime) -> Outcome: ...

    def verified(self, request_id: str, now: datetime) -> Identity | None:
        """The identity an approved request proved; None until (or unless) it is approved."""
        ...


def _digits(phone: str) -> str:
    return "".join(ch for ch in phone if ch.isdigit())


@dataclass
class SandboxIdentity:
    """Known identities by their messenger account; `approve` plays the person tapping 'approve'."""

    accounts: list[Identity]
    timeout: timedelta = timedelta(minutes=5)
    _requests: dict[str, tuple[Outcome, datetime]] = field(default_factory=dict)
    _asked: dict[str, Identity] = field(default_factory=dict)

    def _judge(self, name: str, birth_date: date, phone: str) -> Outcome:
        by_phone = [a for a in self.accounts if _digits(a.phone) == _digits(phone)]
        by_person = [a for a in self.accounts if a.name == name and a.birth_date == birth_date]
        if by_phone:
            account = by_phone[0]
            if account.name == name and account.birth_date == birth_date:
                return Outcome.PENDING
            if name in account.former_names and account.birth_date == birth_date:
                return Outcome.RENAMED
            if by_person:
                return Outcome.SOMEONE_ELSE
            return Outcome.WRONG_DETAILS
        if by_person:
            return Outcome.NUMBER_MISMATCH
        return Outcome.PENDING  # a newcomer: their details clash with no account

    def request(self, *, name: str, birth_date: date, phone: str, now: datetime) -> str:
        request_id = secrets.token_hex(8)
        self._requests[request_id] = (self._judge(name.strip(), birth_date, phone), now)
        self._asked[request_id] = Identity(name.strip(), birth_date, phone)
        return request_id

    def approve(self, request_id: str, now: datetime | None = None) -> None:
        outcome, at = self._requests[request_id]
        if outcome is Outcome.PENDING and (now or datetime.now(at.tzinfo)) - at <= self.timeout:
            self._requests[request_id] = (Outcome.APPROVED, at)
            asked = self._asked[request_id]
            if not any(_digits(a.phone) == _digits(asked.phone) for a in self.accounts):
                self.accounts.append(asked)

    def status(self, request_id: str, now: datetime) -> Outcome:
        outcome, at = self._requests[request_id]
        if outcome in (Outcome.PENDING, Outcome.APPROVED) and now - at > self.timeout:
            return Outcome.TIMED_OUT  # the request, approved or not, is good for `timeout` from when it was made
        return outcome

    def verified(self, request_id: str, now: datetime) -> Identity | None:
        return self._asked[request_id] if self.status(request_id, now) is Outcome.APPROVED else None
