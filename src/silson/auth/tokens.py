"""Session tokens: a random session id and its expiry, signed with a key derived from the master
key. The token proves which session it is; whether that session is still open is the server's
record (auth/service.py), so signing out or withdrawing ends it at once."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from silson.errors import SilsonError
from silson.privacy.crypto import MasterKey

LIFETIME = timedelta(hours=2)


class BadToken(SilsonError, PermissionError):
    code = "unauthenticated"
    http_status = 401


@dataclass(frozen=True, slots=True)
class Signed:
    session_id: str
    expires: datetime


def new_session_id() -> str:
    return secrets.token_urlsafe(24)


def issue(master: MasterKey, session_id: str, expires: datetime) -> str:
    body = {"sid": session_id, "exp": expires.timestamp()}
    raw = base64.urlsafe_b64encode(json.dumps(body, separators=(",", ":")).encode()).decode()
    sig = hmac.new(master.derive(b"session"), raw.encode(), hashlib.sha256).hexdigest()
    return f"{raw}.{sig}"


def read(master: MasterKey, token: str, now: datetime) -> Signed:
    """The session a token names, if its signature holds and it has not expired."""
    raw, _, sig = token.partition(".")
    good = hmac.new(master.derive(b"session"), raw.encode("utf-8", "replace"), hashlib.sha256).hexdigest()
    if not sig or not hmac.compare_digest(sig.encode("utf-8", "replace"), good.encode()):
        raise BadToken("로그인 정보가 올바르지 않습니다. 다시 로그인해 주세요.")
    try:
        body = json.loads(base64.urlsafe_b64decode(raw.encode()))
        session_id, expires = str(body["sid"]), float(body["exp"])
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise BadToken("로그인 정보가 올바르지 않습니다. 다시 로그인해 주세요.") from None
    if expires < now.timestamp():
        raise BadToken("로그인 시간이 지났습니다. 다시 로그인해 주세요.")
    return Signed(session_id, datetime.fromtimestamp(expires, tz=now.tzinfo))
