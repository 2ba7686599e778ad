"""Durable jobs: idempotent enqueue, leases, deferral out of the 홈택스 maintenance window (SQLite
and PostgreSQL), and a worker killed mid-job whose job completes exactly once after restart."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from silson.adapters.identity import SandboxIdentity
from silson.errors import Defect
from silson.jobs import outbox, schedule
from silson.jobs import tasks as _tasks  # noqa: F401  (registers the handlers)
from silson.privacy.crypto import FileMasterKey
from silson.store.db import make_engine, migrate, session_factory
from silson.web.deps import Services
from silson.web.runner import JobRunner
from tests.conftest import ROOT
from tests.store.conftest import NOW

KST_0200 = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)  # 02:00 KST on 11-24


class TestOutbox:
    def test_same_key_is_one_job(self, sessions: sessionmaker[Session]) -> None:
        with sessions.begin() as s:
            a = outbox.enqueue(s, kind="retention", key="r-1", payload={}, now=NOW)
            b = outbox.enqueue(s, kind="retention", key="r-1", payload={}, now=NOW)
        assert a == b

    def test_unknown_kind_is_refused_as_our_defect(self, sessions: sessionmaker[Session]) -> None:
        # job kinds come from our code, never from a person: an unknown one is a bug (500), not a 422
        with sessions.begin() as s, pytest.raises(Defect, match="no handler"):
            outbox.enqueue(s, kind="nope", key="x", payload={}, now=NOW)

    def test_claimed_job_is_not_claimed_again_until_its_lease_runs_out(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        with sessions.begin() as s:
            outbox.enqueue(s, kind="retention", key="r-1", payload={}, now=NOW)
        with sessions.begin() as s:
            assert outbox.claim(s, NOW, timedelta(minutes=5)) is not None
        with sessions.begin() as s:
            assert outbox.claim(s, NOW + timedelta(minutes=1)) is None
        with sessions.begin() as s:
            again = outbox.claim(s, NOW + timedelta(minutes=6))
            assert again is not None and again.attempts == 2
            # retention cancels claims, whose reasons it seals: it runs with the master key (#14)
            assert outbox.run(s, again, NOW + timedelta(minutes=6), outbox.JobContext(master)) == "done"
        with sessions.begin() as s:
            assert outbox.claim(s, NOW + timedelta(hours=1)) is None

    def test_hometax_import_waits_for_six_in_the_morning(self, sessions: sessionmaker[Session]) -> None:
        with sessions.begin() as s:
            outbox.enqueue(s, kind="hometax.import", key="h-1", payload={"person_id": 1}, now=KST_0200)
        with sessions.begin() as s:
            job = outbox.claim(s, KST_0200)
            assert job is not None and outbox.run(s, job, KST_0200) == "deferred"
        with sessions.begin() as s:
            assert outbox.claim(s, KST_0200 + timedelta(hours=3, minutes=59)) is None
        six = KST_0200 + timedelta(hours=4)
        with sessions.begin() as s:
            job = outbox.claim(s, six)
            assert job is not None and outbox.run(s, job, six) == "done"


def _count(url: str, sql: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(sql)).scalar_one())
    finally:
        engine.dispose()


def _wait(predicate, seconds: float) -> bool:  # type: ignore[no-untyped-def]
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def _rows(url: str, sql: str) -> list[tuple[object, ...]]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql))]
    finally:
        engine.dispose()


def test_a_worker_killed_mid_job_leaves_it_to_be_done_exactly_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'silson.db'}"
    engine = make_engine(url)
    migrate(engine)
    hold = tmp_path / "hold"
    hold.write_text("wait")
    with session_factory(engine).begin() as s:
        outbox.enqueue(s, kind="test.record", key="once", payload={"n": 1, "hold": str(hold)}, now=datetime.now(UTC))
    engine.dispose()
    env = {**os.environ, "SILSON_HOME": str(tmp_path), "SILSON_JOB_LEASE_SECONDS": "2"}
    env.pop("SILSON_DATABASE_URL", None)
    env.pop("SILSON_REDIS_URL", None)
    consumer = [sys.executable, "-m", "huey.bin.huey_consumer", "silson.jobs.queue.huey", "-w", "1"]

    first = subprocess.Popen(consumer, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert _wait(
            lambda: _count(url, "SELECT count(*) FROM job WHERE kind = 'test.record' AND state = 'running'") == 1, 90
        )
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    assert _count(url, "SELECT count(*) FROM audit_entry WHERE action = 'test.recorded'") == 0
    hold.unlink()
    time.sleep(2.5)  # the dead worker's lease runs out

    log = tmp_path / "second-worker.log"
    with open(log, "wb") as out:
        second = subprocess.Popen(consumer, cwd=ROOT, env=env, stdout=out, stderr=out)
    try:
        # only this job: the consumer's own periodic jobs (agents' stops every 5 minutes, following
        # insurers every 15) may have run too when the test spans the turn of such a period
        done = _wait(
            lambda: _count(url, "SELECT count(*) FROM job WHERE kind = 'test.record' AND state = 'done'") == 1, 90
        )
        jobs = _rows(url, "SELECT state, attempts, last_error FROM job")
        assert done, (jobs, log.read_text(errors="replace")[-3000:])  # what the worker said, should it hang
    finally:
        second.terminate()
        second.wait(10)
    assert _count(url, "SELECT count(*) FROM audit_entry WHERE action = 'test.recorded'") == 1
    assert _count(url, "SELECT attempts FROM job") == 2


def test_the_embedded_runner_queues_each_periodic_job_once_per_period(tmp_path: Path) -> None:
    """`silson serve` alone follows insurers and tells timers as `make worker`'s crontab would: each
    periodic job is queued once for its period, under the key huey's crontab uses, however often the
    runner's loop asks."""
    engine = make_engine(f"sqlite:///{tmp_path / 'silson.db'}")
    migrate(engine)
    services = Services(session_factory(engine), FileMasterKey(secrets.token_bytes(32)), SandboxIdentity([]), {})
    runner = JobRunner(services, periodic=True)
    first, again = runner.enqueue_due(), runner.enqueue_due()
    assert first == again and len(first) == len(schedule.SCHEDULE)
    now = datetime.now(UTC)
    assert f"claim.follow-{schedule.SCHEDULE[2].period_start(now):%Y-%m-%dT%H:%M}" in first
    assert _count(f"sqlite:///{tmp_path / 'silson.db'}", "SELECT count(*) FROM job WHERE state = 'pending'") == 5
    assert runner.run_once() == 5  # each periodic job runs (nothing to follow, retain or tell yet)
    engine.dispose()
