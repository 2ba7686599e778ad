"""The outbox under faults, with every part real: 1,000 packages are sent by a worker that is its own
process and is killed (SIGKILL) again and again in the middle of its work, to the sandbox insurer (its
own process) that fails 12% of requests with 503 and answers 6% only after the client gave up. Every
package is received exactly once (the insurer's /counts), each claim is acknowledged with its own
접수번호, and the duplicates the faults caused were recognised by the idempotency key. Runs in CI with
the rest (about a minute on one core)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from silson.claims.lifecycle import State
from silson.privacy.crypto import FileMasterKey
from silson.store.models import ClaimPackageRow, ClaimRow, JobRow
from tests.claims.test_send import small_packages
from tests.sandbox.test_insurer import insurer as insurer

ROOT = Path(__file__).resolve().parents[2]
N = 1_000


def start_worker(db: Path, key: Path, url: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "tests.claims.outbox_worker", str(db), str(key), url], cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip


def left(sessions: sessionmaker[Session]) -> int:
    with sessions.begin() as s:
        return int(s.scalar(select(func.count()).select_from(JobRow).where(JobRow.state != "done")) or 0)


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_1000_packages_each_received_once_while_the_worker_is_killed(
    sessions: sessionmaker[Session], tmp_path: Path, insurer: str
) -> None:
    key = tmp_path / "master.key"
    master = FileMasterKey.load_or_create(key)
    ids = small_packages(sessions, master, N)
    db = Path(str(sessions.kw["bind"].url.database))
    httpx.put(f"{insurer}/config", json={"fail_rate": 0.12, "timeout_rate": 0.06, "slow_seconds": 0.5,
                                        "seed": 1000}).raise_for_status()  # fmt: skip
    started = time.monotonic()
    kills, at_kill = 0, []
    worker = start_worker(db, key, insurer)
    since = 0
    try:
        while left(sessions) and time.monotonic() - started < 240:
            time.sleep(0.3)
            done = N - left(sessions)
            if kills < 5 and done - since >= 120:  # killed mid-work; a new worker takes over (leases last 1 s)
                worker.send_signal(signal.SIGKILL)
                worker.wait(timeout=10)
                kills, since = kills + 1, done
                at_kill.append(done)
                worker = start_worker(db, key, insurer)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    counts = httpx.get(f"{insurer}/counts").json()
    with sessions.begin() as s:
        rows = [s.get(ClaimPackageRow, i) for i in ids]
        receipts = {r.receipt_no for r in rows if r is not None}
        states = {s.get(ClaimRow, r.claim_id).state for r in rows if r is not None}  # type: ignore[union-attr]
        retried = s.scalar(select(func.count()).select_from(JobRow).where(JobRow.attempts > 1))
    assert left(sessions) == 0, f"not finished in time ({N - left(sessions)} of {N})"
    assert kills == 5 and all(0 < d < N for d in at_kill)  # killed five times with work in flight
    assert counts["packages"] == N  # each package received exactly once …
    assert counts["deliveries"] > N  # … though the faults made some arrive more than once
    assert len(receipts) == N and None not in receipts and all(r and r.state == "sent" for r in rows)
    assert states == {State.ACKNOWLEDGED.value} and retried
    assert time.monotonic() - started < 240
