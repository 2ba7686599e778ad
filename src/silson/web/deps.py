"""What every route needs: the services, a transaction per request, and who is asking."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Header
from sqlalchemy.orm import Session, sessionmaker

from silson.access import Actor, Role
from silson.adapters.identity import IdentityProvider
from silson.auth import service as auth
from silson.auth import tokens
from silson.discover.providers import ProviderDirectory
from silson.privacy.crypto import MasterKey
from silson.privacy.family import with_family as with_family  # re-exported: the routes import it from here
from silson.rules.catalogue import Catalogue, load_catalogue


@dataclass
class Services:
    sessions: sessionmaker[Session]
    master: MasterKey
    identity: IdentityProvider
    staff: dict[str, tuple[Role, str]]  # staff id → (role, shared secret) for the demo operator
    catalogue: Catalogue = field(default_factory=load_catalogue)
    directory: ProviderDirectory = field(default_factory=ProviderDirectory.load)


def transaction(services: Services) -> Iterator[Session]:
    with services.sessions.begin() as session:
        yield session


def session_dependency(services: Services) -> Callable[[], Iterator[Session]]:
    """The API's request transaction. Use it as `Depends(..., scope="function")`: the transaction then
    commits when the endpoint returns, before the response is sent (FastAPI's default "request"
    scope commits after it, so a client could read stale data)."""

    def db() -> Iterator[Session]:
        with services.sessions.begin() as session:
            yield session

    return db


def bearer_actor(services: Services) -> Callable[..., Actor]:
    """Who an API request's `Authorization: Bearer` token signs in (401 without one)."""

    def actor(authorization: Annotated[str | None, Header()] = None) -> Actor:
        if not authorization or not authorization.startswith("Bearer "):
            raise tokens.BadToken("sign in first (Authorization: Bearer …)")
        return actor_from_token(services, authorization.removeprefix("Bearer "))

    return actor


def actor_from_token(services: Services, token: str | None) -> Actor:
    """Who the token signs in, if its session is still open (a short read of the session record)."""
    if not token:
        raise tokens.BadToken("로그인해 주세요.")
    with services.sessions.begin() as session:
        return auth.actor_of(session, services.master, token=token, now=datetime.now(UTC))
