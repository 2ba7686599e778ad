"""Signing in, the use case: a customer proven by the identity port (간편인증) is found by phone, name
and birth date, or signs up on this first sign-in; staff sign in with their id and secret. Either way
the answer is the actor and a new session's token. Services never commit: the request does."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.orm import Session

from silson.access import Actor, Role
from silson.adapters.identity import IdentityProvider, Outcome
from silson.auth import service as sessions
from silson.auth import tokens
from silson.privacy import people
from silson.privacy.crypto import MasterKey

NOT_VERIFIED = "본인 확인이 되지 않았습니다. 이름·생년월일·휴대폰 번호를 확인하고 처음부터 다시 시도해 주세요."
STAFF_REFUSED = "직원 ID 또는 비밀번호가 맞지 않습니다."


def finish(
    session: Session, master: MasterKey, identity: IdentityProvider, *, request_id: str, now: datetime
) -> tuple[Actor, str]:
    """The identity check's outcome → the customer it proves (signed up on first sign-in) and a token."""
    try:
        outcome = identity.status(request_id, now)
    except KeyError:
        raise tokens.BadToken(NOT_VERIFIED) from None
    proven = identity.verified(request_id, now)
    if outcome is Outcome.PENDING:
        raise tokens.BadToken("아직 승인되지 않았습니다 (pending). 휴대폰 앱에서 승인한 뒤 다시 눌러 주세요.")
    if outcome is Outcome.TIMED_OUT:
        raise tokens.BadToken("본인 확인 시간(5분)이 지났습니다 (timed_out). 처음부터 다시 로그인해 주세요.")
    if outcome is not Outcome.APPROVED or proven is None:
        # wrong details, someone else's, another number, a renamed person: one answer, so an anonymous
        # caller learns nothing about whose details belong to an account
        raise tokens.BadToken(NOT_VERIFIED)
    for pid in people.find_by_phone(session, master, proven.phone):  # withdrawn people are gone
        view = people.read(session, master, Actor(Role.CUSTOMER, person_id=pid), pid, now)
        if (view.name, view.birth_date) == (proven.name, proven.birth_date):
            who = Actor(Role.CUSTOMER, person_id=pid)
            return who, sessions.start(session, master, actor=who, now=now, sign_in_request=request_id)
    # a verified identity no customer matches signs up: the person exists from now, with no consent yet
    pid = people.register(session, master, name=proven.name, birth_date=proven.birth_date, phone=proven.phone,
                          rrn=None, now=now, actor="identity")  # fmt: skip
    who = Actor(Role.CUSTOMER, person_id=pid)
    return who, sessions.start(session, master, actor=who, now=now, sign_in_request=request_id)


def staff(
    session: Session, master: MasterKey, known: Mapping[str, tuple[Role, str]], *, staff_id: str, secret: str,
    now: datetime,
) -> tuple[Actor, str]:  # fmt: skip
    """A member of staff by id and shared secret (compared in constant time)."""
    role, expected = known.get(staff_id, (None, None))
    if (
        role is None
        or expected is None
        or not hmac.compare_digest(expected.encode(), secret.encode("utf-8", "replace"))
    ):
        raise tokens.BadToken(STAFF_REFUSED)
    who = Actor(role, staff_id=staff_id)
    return who, sessions.start(session, master, actor=who, now=now)
