"""Session tokens: the actor, signed with a key derived from the master key, with an expiry.
Stateless; a KMS-held master key rotates them all at once."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime, timedelta

from silson.access import Actor
from silson.claims.lifecycle import Role
from silson.privacy.crypto import MasterKey

LIFETIME = timedelta(hours=2)


class BadToken(PermissionError):
    code = "unauthenticated"
    http_status = 401


def issue(master: MasterKey, actor: Actor, now: datetime) -> str:
    body = {"role": actor.role.value, "person": actor.person_id, "staff": actor.staff_id,
            "exp": (now + LIFETIME).timestamp()}  # fmt: skip
    raw = base64.urlsafe_b64encode(json.dumps(body, separators=(",", ":")).encode()).decode()
    sig = hmac.new(master.derive(b"session"), raw.encode(), hashlib.sha256).hexdigest()
    return f"{raw}.{sig}"


def read(master: MasterKey, token: str, now: datetime) -> Actor:
    raw, _, sig = token.partition(".")
    good = hmac.new(master.derive(b"session"), raw.encode(), hashlib.sha256).hexdigest()
    if not sig or not hmac.compare_digest(sig, good):
        raise BadToken("the session token is not valid")
    body = json.loads(base64.urlsafe_b64decode(raw.encode()))
    if body["exp"] < now.timestamp():
        raise BadToken("the session has expired; sign in again")
    return Actor(Role(body["role"]), person_id=body["person"], staff_id=body["staff"])
