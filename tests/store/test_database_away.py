"""When the database goes away (issue 19): PostgreSQL dropping every connection (as a restart does) or
refusing new ones, SQLite busy past its wait. The person gets a clear 503 with Retry-After while it
lasts, nothing is written half, and the service recovers by itself once the database is back."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from silson.adapters.identity import SandboxIdentity
from silson.privacy.crypto import FileMasterKey
from silson.store import db
from silson.web.app import Services, create_app
from tests.store.conftest import NOW, PG_ADMIN
from tests.store.test_api import KIM, sign_in


def _client(sessions: sessionmaker[Session], master: FileMasterKey) -> tuple[TestClient, dict[str, str], int]:
    from silson.privacy import people

    with sessions.begin() as s:
        pid = people.register(s, master, name=KIM.name, birth_date=KIM.birth_date, phone=KIM.phone, rrn=None, now=NOW)
    client = TestClient(create_app(Services(sessions, master, SandboxIdentity([KIM]), {}), run_jobs=False))
    return client, sign_in(client, KIM), pid


def _grant(client: TestClient, headers: dict[str, str], pid: int, version: str) -> int:
    return client.put(
        f"/api/people/{pid}/consents/personalised", json={"version": version}, headers=headers
    ).status_code


def test_postgres_dropping_and_refusing_connections_is_a_503_then_recovers(
    engine: Engine, sessions: sessionmaker[Session], master: FileMasterKey
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("a server database's connections (SQLite has none to drop)")
    client, headers, pid = _client(sessions, master)
    assert _grant(client, headers, pid, "before") == 200
    name = engine.url.database
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        # a restart as the pool sees it: every connection it holds is cut
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
        assert _grant(client, headers, pid, "after-drop") == 200  # stale connections noticed and replaced
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
        try:
            away = client.put(f"/api/people/{pid}/consents/personalised", json={"version": "while-away"},
                              headers=headers)  # fmt: skip
            assert away.status_code == 503, away.text
            assert away.headers["Retry-After"] == "5" and away.json()["code"] == "database_unavailable"
        finally:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    assert _grant(client, headers, pid, "back") == 200
    versions = {c["version"] for c in client.get(f"/api/people/{pid}/consents", headers=headers).json()}
    assert "while-away" not in versions and "back" in versions


def test_sqlite_busy_past_its_wait_is_a_503_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, master: FileMasterKey
) -> None:
    monkeypatch.setattr(db, "BUSY_SECONDS", 0.5)
    engine = db.make_engine(f"sqlite:///{tmp_path / 'silson.db'}")
    db.migrate(engine)
    client, headers, pid = _client(db.session_factory(engine), master)
    holder = sqlite3.connect(tmp_path / "silson.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer (a long import) holds the lock
    try:
        busy = client.put(f"/api/people/{pid}/consents/personalised", json={"version": "busy"}, headers=headers)
        assert busy.status_code == 503, busy.text
        assert busy.headers["Retry-After"] == "5"
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert _grant(client, headers, pid, "free") == 200
    versions = {c["version"] for c in client.get(f"/api/people/{pid}/consents", headers=headers).json()}
    assert "busy" not in versions and "free" in versions


def test_a_defect_that_is_an_operational_error_stays_a_500(tmp_path: Path, master: FileMasterKey) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'silson.db'}")
    db.migrate(engine)
    client, headers, pid = _client(db.session_factory(engine), master)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE consent")  # no such table: our bug, not a busy database
    client = TestClient(client.app, raise_server_exceptions=False)
    answer = client.get(f"/api/people/{pid}/consents", headers=headers)
    assert answer.status_code == 500 and answer.json()["code"] == "internal_error"
