"""PostgreSQL restarted under load (issue 19), for real: a throwaway cluster of the test's own (initdb
into a temporary folder, a port in 55440–55449; never the shared server on 5432), `silson serve` on
it, readers and writers (claim moves, file imports) from several clients, and the cluster restarted
in the middle, once with `pg_ctl restart -m fast` and once with `-m immediate` (a crash: recovery from
the WAL). While it lasts a request gets a 503 with a Korean message and Retry-After, never a 500;
the service comes back by itself; each client retries its writes under the same idempotency key;
and afterwards nothing is half-written, lost or done twice, and `silson audit verify` passes.

PostgreSQL's server binaries are found under /usr/lib/postgresql/*/bin (Debian's postgresql); as
root (CI) the cluster runs as the `postgres` user. Without the binaries the test is skipped.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from silson import demo
from silson.access import Actor, Role
from silson.claims.service import actor_key
from tests.live import BIN, Process, silson_serve
from tests.web.test_faults import contracts_file

SECRET = "restart-secret"
PORTS = range(55440, 55450)
AWAY = "database_unavailable"


def _pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]))
    return found[-1].parent if found else None


def _port() -> int:
    for port in PORTS:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError(f"no free port in {PORTS.start}–{PORTS.stop - 1} for the test's own PostgreSQL")


@dataclass
class Cluster:
    """A PostgreSQL cluster of this test's own, in a temporary folder."""

    bin: Path
    folder: Path
    port: int = field(default_factory=_port)

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def run(self, *command: str) -> None:
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        done = subprocess.run([*as_postgres, *command], capture_output=True, text=True, timeout=120, check=False,
                              cwd=self.folder)  # fmt: skip
        assert done.returncode == 0, f"{command[0]}: {done.stdout}{done.stderr}"

    def pg_ctl(self, *args: str) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        self.run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "log"), "-o", options,
                 "-w", "-t", "60", *args)  # fmt: skip

    def create(self) -> str:
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self.run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                 "--no-locale", "--no-sync")  # fmt: skip
        self.pg_ctl("start")
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{self.port}/postgres", autocommit=True) as admin:
            admin.execute("CREATE DATABASE silson")
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/silson"

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.pg_ctl("stop", "-m", "immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    found = _pg_bin()
    if found is None:
        pytest.skip("PostgreSQL's server binaries are not under /usr/lib/postgresql/*/bin")
    own = Cluster(found, Path(tempfile.mkdtemp(prefix="silson-pg-")))
    try:
        yield own
    finally:
        own.remove()


@dataclass
class Tally:
    """What the clients saw: answers by status, the 503s' bodies and headers, anything else."""

    statuses: Counter[int] = field(default_factory=Counter)
    away: list[tuple[dict[str, Any], str | None]] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def saw(self, answer: httpx.Response | None, what: str) -> bool:
        """Record an answer; True when it is a success, False when the request must be sent again."""
        with self.lock:
            if answer is None:
                self.statuses[0] += 1
                self.wrong.append(f"{what}: no answer")
                return False
            self.statuses[answer.status_code] += 1
            if answer.status_code == 503:
                self.away.append((answer.json(), answer.headers.get("retry-after")))
                return False
            if answer.status_code not in (200, 202):
                self.wrong.append(f"{what}: {answer.status_code} {answer.text[:300]}")
                return False
            return True


def _send(client: httpx.Client, method: str, path: str, **kwargs: Any) -> httpx.Response | None:
    try:
        return client.request(method, path, **kwargs)
    except httpx.HTTPError:
        return None


def test_postgres_restarted_under_load_answers_503_then_recovers_with_nothing_lost(
    cluster: Cluster, tmp_path: Path
) -> None:
    url = cluster.create()
    server = silson_serve(tmp_path, env={"SILSON_DATABASE_URL": url, "SILSON_DEMO_STAFF_SECRET": SECRET})
    server.start(seconds=120)
    try:
        customer, staff, pid, claim_id = _people(server)
        tally, stop = Tally(), threading.Event()
        moves: list[str] = []  # the keys of the moves that were answered 200, in order
        uploads: list[int] = []  # the files whose import was accepted (202)

        def read(paths: tuple[str, ...]) -> None:
            with httpx.Client(base_url=server.url, timeout=60, headers=customer) as client:
                while not stop.is_set():
                    for path in paths:
                        tally.saw(_send(client, "GET", path), f"GET {path}")
                    time.sleep(0.05)

        def move() -> None:
            with httpx.Client(base_url=server.url, timeout=60, headers=staff) as client:
                n = 0
                while not stop.is_set():
                    to = "ready" if n % 2 == 0 else "in_review"
                    body = {"to": to, "reason": "restart", "idempotency_key": f"r-{n}"}
                    # the same key until it is answered: a move whose commit's answer was lost is not made twice
                    while not tally.saw(_send(client, "POST", f"/api/claims/{claim_id}/moves", json=body), "move"):
                        time.sleep(0.2)
                    moves.append(body["idempotency_key"])
                    n += 1
                    time.sleep(0.1)

        def upload() -> None:
            with httpx.Client(base_url=server.url, timeout=60, headers=customer) as client:
                n = 0
                while not stop.wait(1.0):  # each file changes the estimate's inputs: it is computed again
                    files = {"file": (f"restart-{n}.json", contracts_file(n), "application/json")}
                    while not tally.saw(_send(client, "POST", f"/api/people/{pid}/imports", files=files,
                                              data={"kind": "contracts_json"}), "upload"):  # fmt: skip
                        time.sleep(0.3)
                    uploads.append(n)
                    n += 1

        claim_paths = ("/api/claims", f"/api/claims/{claim_id}")
        estimate_paths = (f"/api/people/{pid}/estimate", "/api/claims")
        clients = [threading.Thread(target=read, args=(claim_paths,)) for _ in range(2)]
        clients += [threading.Thread(target=read, args=(estimate_paths,)), threading.Thread(target=move),
                    threading.Thread(target=upload)]  # fmt: skip
        for t in clients:
            t.start()
        try:
            time.sleep(2)
            cluster.pg_ctl("restart", "-m", "fast")
            time.sleep(3)
            cluster.pg_ctl("restart", "-m", "immediate")  # no checkpoint: crash recovery replays the WAL
            time.sleep(3)
        finally:
            stop.set()
            for t in clients:
                t.join(90)

        # back by itself: the same server answers every read, and the jobs the uploads queued all finish
        with httpx.Client(base_url=server.url, timeout=60, headers=customer) as client:
            for path in (*estimate_paths, *claim_paths):
                assert client.get(path).status_code == 200, path
        _wait_for_jobs(url)
    finally:
        server.stop()

    assert tally.wrong == [], tally.wrong[:5]  # no 500, no dropped connection, nothing but 200, 202 and 503
    assert tally.away, f"no request met the restarts (answers: {dict(tally.statuses)})"
    for body, retry_after in tally.away:
        assert (body["code"], retry_after) == (AWAY, "5")
        assert body["message"].startswith("데이터베이스가 잠시 응답하지 않아"), body
    assert len(moves) >= 4 and len(uploads) >= 2, (moves, uploads)
    _nothing_half_written_lost_or_done_twice(url, pid, claim_id, moves, uploads)
    verify = subprocess.run([str(BIN / "silson"), "audit", "verify"], capture_output=True, text=True, check=False,
                            env={**os.environ, "SILSON_HOME": str(tmp_path), "SILSON_DATABASE_URL": url})  # fmt: skip
    assert verify.returncode == 0, verify.stdout + verify.stderr


def _people(server: Process) -> tuple[dict[str, str], dict[str, str], int, int]:
    """김민준 signed in, a reviewer signed in, and one of his claims put in review."""
    member = demo.FAMILY[0]
    with httpx.Client(base_url=server.url, timeout=30) as client:
        body = {"name": str(member["name"]), "birth_date": str(member["birth_date"]), "phone": str(member["phone"])}
        rid = client.post("/api/auth/requests", json=body).json()["request_id"]
        assert client.post(f"/api/auth/requests/{rid}/approve").status_code == 204
        session = client.post("/api/auth/sessions", json={"request_id": rid}).json()
        reviewer = client.post("/api/auth/staff", json={"staff_id": "demo-reviewer", "secret": SECRET}).json()
        customer = {"Authorization": f"Bearer {session['token']}"}
        staff = {"Authorization": f"Bearer {reviewer['token']}"}
        pid = int(session["person_id"])
        claims = client.get("/api/claims", headers=staff, params={"person_id": pid}).json()
        claim = next(c for c in claims if c["state"] == "documents_received")
        start = {"to": "in_review", "idempotency_key": "r-start"}
        assert client.post(f"/api/claims/{claim['id']}/moves", headers=staff, json=start).status_code == 200
    return customer, staff, pid, int(claim["id"])


def _plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _wait_for_jobs(url: str, seconds: float = 20) -> None:
    """Until no import is pending (one the restart cut off while running keeps its lease)."""
    deadline = time.monotonic() + seconds
    with psycopg.connect(_plain(url), autocommit=True) as db:
        while time.monotonic() < deadline:
            due = db.execute("SELECT count(*) FROM job WHERE kind = 'import.upload' AND state = 'pending'").fetchone()
            if due == (0,):
                return
            time.sleep(0.5)


def _nothing_half_written_lost_or_done_twice(url: str, pid: int, claim_id: int, moves: list[str],
                                              uploads: list[int]) -> None:  # fmt: skip
    reviewer = Actor(Role.REVIEWER, staff_id="demo-reviewer")  # keys are stored scoped to their actor
    with psycopg.connect(_plain(url)) as db:
        keys = [k for (k,) in db.execute("SELECT idempotency_key FROM claim_transition WHERE claim_id = %s "
                                         "ORDER BY id", (claim_id,))]  # fmt: skip
        expected = [actor_key(reviewer, k) for k in ["r-start", *moves]]
        since = keys[keys.index(expected[0]) :]
        assert since == expected  # every answered move there once, in order; none made twice
        (state,) = db.execute("SELECT state FROM claim WHERE id = %s", (claim_id,)).fetchone() or ("",)
        assert state == ("in_review" if len(moves) % 2 == 0 else "ready")  # alternating from in_review
        jobs = dict(db.execute("SELECT state, count(*) FROM job WHERE kind = 'import.upload' GROUP BY state"))
        # each accepted file queued once; a job cut off by the restart waits for its lease, never lost
        assert sum(jobs.values()) == len(uploads) and set(jobs) <= {"done", "pending", "running"}, jobs
        (imported,) = db.execute("SELECT count(*) FROM import_file WHERE person_id = %s AND kind LIKE 'contracts%%'",
                                 (pid,)).fetchone() or (0,)  # fmt: skip
        assert imported == 1 + jobs.get("done", 0)  # the demo's own list, then each file imported once
        half = db.execute("SELECT i.id FROM import_file i LEFT JOIN contract_record c ON c.import_id = i.id "
                          "WHERE i.kind LIKE 'contracts%%' GROUP BY i.id HAVING count(c.id) = 0").fetchall()  # fmt: skip
        assert half == []  # no import without its rows
