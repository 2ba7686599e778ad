"""A database per test, on SQLite and on PostgreSQL (its own database, dropped afterwards).

PostgreSQL listens on 127.0.0.1:5432 with trust auth on our machines and in CI (.ci/run starts it).
Outside CI a machine without it skips those tests; in CI its absence fails them."""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from silson.privacy.crypto import FileMasterKey
from silson.store.db import make_engine, migrate, session_factory

PG_ADMIN = os.environ.get("SILSON_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def _postgres_url() -> Iterator[str]:
    name = f"silson_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN}: {exc}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'silson.db'}")
        migrate(eng)
        yield eng
        eng.dispose()
        return
    urls = _postgres_url()
    url = next(urls)
    eng = make_engine(url, home=tmp_path)  # its audit anchors beside the test, not in ./var
    migrate(eng)
    try:
        yield eng
    finally:
        eng.dispose()
        next(urls, None)


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)


@pytest.fixture
def master() -> FileMasterKey:
    return FileMasterKey(secrets.token_bytes(32))


NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
