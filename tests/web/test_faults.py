"""Faults (issue 19): the server process is killed (SIGKILL, no clean shutdown) while claims move,
files are imported and a person asks to withdraw; it is started again on the same files, the client
retries what got no answer, and nothing is half-written, lost or done twice.

The server is `silson serve` itself, in its own process on the embedded default, as a person runs it.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from silson import demo
from silson.access import Actor, Role
from silson.claims.service import actor_key
from tests.live import Process, silson_serve

SECRET = "fault-secret"
BIN = Path(sys.executable).parent


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Process]:
    running = silson_serve(tmp_path, env={"SILSON_DEMO_STAFF_SECRET": SECRET})
    running.start()
    try:
        yield running
    finally:
        running.stop()


def _headers(client: httpx.Client) -> tuple[dict[str, str], dict[str, str], int]:
    member = demo.FAMILY[0]
    body = {"name": str(member["name"]), "birth_date": str(member["birth_date"]), "phone": str(member["phone"])}
    rid = client.post("/api/auth/requests", json=body).json()["request_id"]
    assert client.post(f"/api/auth/requests/{rid}/approve").status_code == 204
    session = client.post("/api/auth/sessions", json={"request_id": rid}).json()
    staff = client.post("/api/auth/staff", json={"staff_id": "demo-reviewer", "secret": SECRET}).json()
    return ({"Authorization": f"Bearer {session['token']}"}, {"Authorization": f"Bearer {staff['token']}"},
            int(session["person_id"]))  # fmt: skip


def contracts_file(n: int) -> bytes:
    """The family's contract list with one more synthetic contract: a distinct file per n."""
    listed = json.loads((demo.EXAMPLES / "contracts.json").read_text(encoding="utf-8"))
    extra = json.loads(json.dumps(listed["contracts"][0]))
    extra["policy_no"] = f"FAULT-{n:04d}"
    listed["contracts"].append(extra)
    return json.dumps(listed, ensure_ascii=False).encode()


@dataclass
class Sent:
    """What the client sent and whether an answer came back (None: the connection died)."""

    kind: str
    key: str
    body: Any
    status: int | None = None


def _send(client: httpx.Client, sent: Sent, customer: dict[str, str], staff: dict[str, str], pid: int,
          claim_id: int) -> None:  # fmt: skip
    try:
        if sent.kind == "move":
            answer = client.post(f"/api/claims/{claim_id}/moves", headers=staff,
                                 json={"to": sent.body, "reason": "fault test", "idempotency_key": sent.key})  # fmt: skip
        elif sent.kind == "upload":
            answer = client.post(f"/api/people/{pid}/imports", headers=customer, data={"kind": "contracts_json"},
                                 files={"file": (f"{sent.key}.json", sent.body, "application/json")})  # fmt: skip
        else:
            answer = client.post(f"/api/people/{pid}/withdrawal", headers=customer, json=sent.body)
        sent.status = answer.status_code
    except httpx.HTTPError:
        sent.status = None


def _kill(stop: threading.Event, server: Process) -> None:
    stop.set()
    server.kill()


def test_killed_in_the_middle_nothing_is_half_written_lost_or_done_twice(server: Process, tmp_path: Path) -> None:
    rng = random.Random(19)
    with httpx.Client(base_url=server.url, timeout=10) as client:
        customer, staff, pid = _headers(client)
        claims = client.get("/api/claims", headers=staff, params={"person_id": pid}).json()
        claim = next(c for c in claims if c["state"] == "documents_received")
        assert client.post(f"/api/claims/{claim['id']}/moves", headers=staff,
                           json={"to": "in_review", "idempotency_key": "fault-start"}).status_code == 200  # fmt: skip
    plan: list[Sent] = []
    for i in range(60):  # in_review ⇄ ready, with a file import every fifth step
        plan.append(Sent("move", f"fault-{i}", "ready" if i % 2 == 0 else "in_review"))
        if i % 5 == 4:
            plan.append(Sent("upload", f"file-{i}", contracts_file(i)))
    member = demo.FAMILY[0]
    plan.append(Sent("withdraw", "withdrawal", {"name": str(member["name"]), "birth_date": str(member["birth_date"]),
                                                "phone": str(member["phone"])}))  # fmt: skip
    # three kills, each fired a few milliseconds into a request chosen at random: mid-transaction,
    # mid-answer or just after; the unanswered request is sent again with the same key
    kill_at = sorted(rng.sample(range(3, len(plan)), 3))
    position, kills = 0, 0
    while position < len(plan):
        stop = threading.Event()
        with httpx.Client(base_url=server.url, timeout=10) as client:
            while position < len(plan) and not stop.is_set():
                if kill_at and position == kill_at[0]:
                    kill_at.pop(0)
                    threading.Timer(rng.uniform(0.0, 0.05), _kill, (stop, server)).start()
                _send(client, plan[position], customer, staff, pid, claim["id"])
                if plan[position].status is None:
                    break  # the server is gone: retry this one once it is back
                assert plan[position].status in (200, 202), (plan[position].kind, plan[position].status)
                position += 1
        if stop.wait(5 if position < len(plan) else 0):
            assert server.process is not None
            server.process.wait(10)
            kills += 1
            server.start()
    assert kills == 3
    server.stop()

    db = sqlite3.connect(tmp_path / "silson.db")
    reviewer = Actor(Role.REVIEWER, staff_id="demo-reviewer")  # keys are stored scoped to their actor
    expected = [actor_key(reviewer, k) for k in ["fault-start"] + [s.key for s in plan if s.kind == "move"]]
    keys = [k for (k,) in db.execute("SELECT idempotency_key FROM claim_transition WHERE claim_id = ? ORDER BY id",
                                     (claim["id"],))]  # fmt: skip
    assert keys[-len(expected) :] == expected and len(set(keys)) == len(keys)  # each once, in order
    (state,) = db.execute("SELECT state FROM claim WHERE id = ?", (claim["id"],)).fetchone()
    assert state == "in_review"  # 60 moves from in_review, alternating: back where it started
    uploads = [s for s in plan if s.kind == "upload"]
    (imported,) = db.execute("SELECT count(*) FROM import_file WHERE person_id = ? AND kind LIKE 'contracts%'",
                             (pid,)).fetchone()  # fmt: skip
    assert imported <= 1 + len(uploads)  # the demo's own list, then each file at most once
    jobs = db.execute("SELECT state, count(*) FROM job WHERE kind = 'import.upload' GROUP BY state").fetchall()
    assert sum(n for _, n in jobs) == len(uploads) and {s for s, _ in jobs} <= {"done", "pending", "running"}
    half = db.execute("SELECT i.id FROM import_file i LEFT JOIN contract_record c ON c.import_id = i.id "
                      "WHERE i.kind LIKE 'contracts%' GROUP BY i.id HAVING count(c.id) = 0").fetchall()  # fmt: skip
    assert half == []  # no import without its rows
    (withdrawals,) = db.execute("SELECT count(*) FROM withdrawal WHERE person_id = ?", (pid,)).fetchone()
    assert withdrawals == 1
    db.close()
    verify = subprocess.run([str(BIN / "silson"), "audit", "verify"], capture_output=True, text=True,
                            env={**os.environ, "SILSON_HOME": str(tmp_path)})  # fmt: skip
    assert verify.returncode == 0, verify.stdout + verify.stderr
