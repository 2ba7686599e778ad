"""Signed-in sessions: started on sign-in, looked up on every request, ended on sign-out, and all of
a person's ended when they withdraw or are erased. The token (tokens.py) is a signed session id;
this record decides whether it still works. Services never commit: the request owns the transaction."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy.orm import Session

from silson.access import STAFF, Actor, Role
from silson.auth import tokens
from silson.privacy.crypto import MasterKey
from silson.store import repository
from silson.store.models import AuthSessionRow, PersonKeyRow, PersonRow


class SignInUsed(tokens.BadToken):
    code = "sign_in_used"


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def start(
    session: Session, master: MasterKey, *, actor: Actor, now: datetime, sign_in_request: str | None = None
) -> str:
    """A new session for the actor; its token. A customer's identity request gives one session only."""
    request_hash = _hash(f"sign-in:{sign_in_request}") if sign_in_request is not None else None
    if request_hash is not None and repository.session_of_sign_in(session, request_hash) is not None:
        raise SignInUsed("이미 사용한 본인 확인 요청입니다. 처음부터 다시 로그인해 주세요.")
    session_id = tokens.new_session_id()
    expires = now + tokens.LIFETIME
    session.add(AuthSessionRow(id_hash=_hash(session_id), role=actor.role.value, person_id=actor.person_id,
                               staff_id=actor.staff_id, sign_in_request_hash=request_hash, started_at=now,
                               expires_at=expires))  # fmt: skip
    session.flush()
    return tokens.issue(master, session_id, expires)


def actor_of(session: Session, master: MasterKey, *, token: str, now: datetime) -> Actor:
    """Who a token signs in, if its session is still open (and its person still a customer)."""
    signed = tokens.read(master, token, now)
    row = repository.auth_session(session, _hash(signed.session_id))
    if row is None or row.ended_at is not None:
        raise tokens.BadToken("로그아웃되었습니다. 다시 로그인해 주세요.")
    actor = Actor(Role(row.role), person_id=row.person_id, staff_id=row.staff_id)
    if actor.role not in STAFF and row.person_id is not None:
        person = session.get(PersonRow, row.person_id)
        if person is None or person.withdrawn_at is not None or session.get(PersonKeyRow, row.person_id) is None:
            raise tokens.BadToken("탈퇴한 계정입니다. 다시 가입하려면 새로 로그인해 주세요.")
    return actor


def end(session: Session, master: MasterKey, *, token: str, now: datetime) -> None:
    """Sign-out: the token's session ends (a token already invalid ends nothing, and says nothing)."""
    try:
        signed = tokens.read(master, token, now)
    except tokens.BadToken:
        return
    row = repository.auth_session(session, _hash(signed.session_id))
    if row is not None and row.ended_at is None:
        row.ended_at = now
        session.flush()


def end_all(session: Session, *, person_id: int, now: datetime) -> int:
    """Every open session of the person ends (withdrawal, erasure); returns how many."""
    ended = repository.end_sessions_of(session, person_id, now)
    session.flush()
    return ended
