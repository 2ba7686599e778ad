"""Several worker processes (issue 19): `silson serve --workers 2` on PostgreSQL with the rate limits in
Redis, as production runs. A sign-in is asked on one process and approved on the other; a sign-out on
one is refused on the other at once; the sign-in budget counts the requests of both. Each client
keeps one connection, so each talks to one process; the X-Silson-Worker header names the process
that answered every response, and shows the two are different processes.

PostgreSQL (a database of its own on 127.0.0.1:5432) and Redis (127.0.0.1:6379) are the shared
services .ci/run starts; outside CI a machine without them skips the test."""

from __future__ import annotations

import ipaddress
import os
import secrets
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import redis

from silson import demo
from silson.web.serve import WORKER_HEADER
from tests.live import BIN, Process, silson_serve
from tests.store.conftest import PG_ADMIN

REDIS = os.environ.get("SILSON_TEST_REDIS_WORKERS", "redis://127.0.0.1:6379/14")
SECRET = "workers-secret"


def _reachable() -> None:
    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=2).ping()
        psycopg.connect(PG_ADMIN, connect_timeout=3).close()
    except (redis.exceptions.ConnectionError, psycopg.OperationalError) as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL or Redis not reachable: {exc}")


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Process]:
    _reachable()
    name = f"silson_workers_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"
    env = {"SILSON_DATABASE_URL": url, "SILSON_RATE_LIMITS": REDIS, "SILSON_DEMO_STAFF_SECRET": SECRET,
           "SILSON_TRUSTED_PROXIES": "127.0.0.1"}  # fmt: skip
    server = silson_serve(tmp_path_factory.mktemp("workers"), env=env, args=["--workers", "2"])
    try:
        server.start(seconds=150)
        yield server
    finally:
        server.stop()
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Pinned:
    """A client whose one kept-alive connection is served by one worker process, checked each time."""

    client: httpx.Client
    worker: str

    def send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        answer = self.client.request(method, path, **kwargs)
        assert answer.headers[WORKER_HEADER] == self.worker, "the connection moved to another process"
        return answer


@contextmanager
def two_processes(url: str, address: str) -> Iterator[tuple[Pinned, Pinned]]:
    """Two clients on two different worker processes (new connections until one lands on the other),
    both seen as coming from `address` (X-Forwarded-For through a trusted proxy: a budget of its own)."""
    with ExitStack() as stack:
        headers = {"X-Forwarded-For": address}
        first = stack.enter_context(httpx.Client(base_url=url, timeout=30, headers=headers))
        seen = first.get("/healthz").headers[WORKER_HEADER]
        for _ in range(200):
            other = stack.enter_context(httpx.Client(base_url=url, timeout=30, headers=headers))
            worker = other.get("/healthz").headers[WORKER_HEADER]
            if worker != seen:
                yield Pinned(first, seen), Pinned(other, worker)
                return
        raise AssertionError("200 new connections all reached the same worker process")


@pytest.fixture
def address() -> str:
    """A client address of this test's own (documentation range), so its budget is its own in Redis."""
    return str(ipaddress.IPv6Address("2001:db8::") + secrets.randbits(64))


def _who(member: dict[str, object]) -> dict[str, str]:
    return {"name": str(member["name"]), "birth_date": str(member["birth_date"]), "phone": str(member["phone"])}


class TestTwoWorkerProcesses:
    def test_sign_in_across_processes_and_sign_out_on_one_is_refused_on_the_other(
        self, two_workers: Process, address: str
    ) -> None:
        with two_processes(two_workers.url, address) as (one, other):
            rid = one.send("POST", "/api/auth/requests", json=_who(demo.FAMILY[0])).json()["request_id"]
            assert other.send("POST", f"/api/auth/requests/{rid}/approve").status_code == 204  # the phone's tap
            signed = one.send("POST", "/api/auth/sessions", json={"request_id": rid})
            assert signed.status_code == 200, signed.text
            bearer = {"Authorization": f"Bearer {signed.json()['token']}"}
            assert other.send("GET", "/api/claims", headers=bearer).status_code == 200

            assert one.send("DELETE", "/api/auth/session", headers=bearer).status_code == 204
            refused = other.send("GET", "/api/claims", headers=bearer)
            assert refused.status_code == 401
            assert refused.json()["message"] == "로그아웃되었습니다. 다시 로그인해 주세요."

    def test_the_sign_in_budget_counts_the_requests_of_both_processes(self, two_workers: Process, address: str) -> None:
        with two_processes(two_workers.url, address) as (one, other):
            body = _who(demo.FAMILY[1])
            # `silson serve` allows 10 sign-in requests a minute per client address: 5 + 5, then refused on both
            codes = [client.send("POST", "/api/auth/requests", json=body).status_code for client in [one, other] * 5]
            assert codes == [200] * 10
            for client in (one, other):
                refused = client.send("POST", "/api/auth/requests", json=body)
                assert refused.status_code == 429
                assert refused.json()["message"].startswith("로그인 시도가 너무 많습니다.")


@pytest.mark.parametrize(
    ("database", "rate_limits", "said"),
    [
        (None, REDIS, "여러 프로세스는 PostgreSQL에서만 실행할 수 있습니다"),  # SQLite: no SKIP LOCKED for the jobs
        ("postgresql+psycopg://postgres@127.0.0.1:1/none", None, "SILSON_RATE_LIMITS를 Redis로 지정해 주세요"),
    ],
)
def test_several_workers_are_refused_on_what_one_process_only_can_use(
    tmp_path: Path, database: str | None, rate_limits: str | None, said: str
) -> None:
    """SQLite, or counters kept in each process (a client would get the budget once per process)."""
    env = {**os.environ, "SILSON_HOME": str(tmp_path)}
    for name, value in (("SILSON_DATABASE_URL", database), ("SILSON_RATE_LIMITS", rate_limits)):
        env.pop(name, None)
        if value is not None:
            env[name] = value
    done = subprocess.run([str(BIN / "silson"), "serve", "--workers", "2", "--port", "1"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert done.returncode != 0
    assert said in done.stderr
    assert list(tmp_path.iterdir()) == []  # refused before anything was seeded
