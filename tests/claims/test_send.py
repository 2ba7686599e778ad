"""Sending through the durable outbox to the sandbox insurer as its own process: with the insurer
failing (503) or answering too late at random and the worker dying between the send and the commit
that marks it sent, every package is received exactly once (the insurer's /counts); retries back off;
a package that keeps failing lands on the staff list with its error."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from silson.access import Actor
from silson.claims import release, service
from silson.claims import tasks as claim_tasks
from silson.claims.insurers.http import HttpInsurer
from silson.claims.insurers.port import Acknowledgement, InsurerPort
from silson.claims.lifecycle import Role, State
from silson.jobs import outbox
from silson.privacy import consent, people
from silson.privacy.crypto import FileMasterKey
from silson.store.models import ClaimPackageRow, ClaimRow, JobRow
from tests.claims.conftest import NOW
from tests.sandbox.test_insurer import insurer as insurer

REVIEWER = Actor(Role.REVIEWER, staff_id="rev-1")


class WorkerDied(BaseException):
    """The worker process ends between the insurer's answer and the commit (nothing of it commits)."""


class Crashing:
    """The real port, but the worker dies right after a share of the sends reached the insurer."""

    def __init__(self, inner: InsurerPort, *, rate: float, seed: int) -> None:
        self.inner, self.rate, self.rng, self.deaths = inner, rate, random.Random(seed), 0

    def submit(self, *, package: dict[str, Any], idempotency_key: str) -> Acknowledgement:
        ack = self.inner.submit(package=package, idempotency_key=idempotency_key)
        if self.rng.random() < self.rate:
            self.deaths += 1
            raise WorkerDied()
        return ack

    def answer(self, *, receipt_no: str) -> Any:
        return self.inner.answer(receipt_no=receipt_no)


def small_packages(sessions: sessionmaker[Session], master: FileMasterKey, n: int) -> list[int]:
    """n claims ready to send, each with a small package queued in the outbox."""
    with sessions.begin() as s:
        pid = people.register(s, master, name="김민준", birth_date=date(1985, 4, 12), phone="010-1", rrn=None, now=NOW)
        me = Actor(Role.CUSTOMER, person_id=pid)
        consent.grant(s, me, person_id=pid, purpose=consent.Purpose.TRANSMISSION, version="2026-01", now=NOW)
        ids = []
        for i in range(n):
            cid = service.open_claim(s, me, person_id=pid, insurer="현대해상",
                                     items=[service.ItemIn(f"e{i}", "contract:1", date(2026, 6, 1), 10_000)], now=NOW)  # fmt: skip
            claim = s.get(ClaimRow, cid)
            assert claim is not None
            claim.state = State.READY.value  # the reviewer's review, skipped for the test
            content = {"format": "silson-package/1", "claim": cid, "insurer": "현대해상", "claim_date": "2026-11-23",
                       "person": {"name": "김민준"}, "documents": []}  # fmt: skip
            ids.append(release.queue_package(s, master, claim=claim, key=f"pkg-test-{i:04d}", content=content,
                                             now=NOW).id)  # fmt: skip
    return ids


def drain(sessions: sessionmaker[Session], context: outbox.JobContext, clock: list[datetime], *, rounds: int) -> int:
    """Sweep until no job is left; each round the clock moves past leases and back-offs. Returns deaths."""
    deaths = 0
    for _ in range(rounds):
        try:
            outbox.sweep(sessions, lambda: clock[0], context=context, limit=10_000)
        except WorkerDied:
            deaths += 1
            continue  # a new worker starts; the dead one's job waits for its lease to run out
        finally:
            clock[0] += timedelta(minutes=10)
        with sessions.begin() as s:
            left = s.scalars(select(JobRow).where(JobRow.state != "done")).first()
        if left is None:
            break
    return deaths


def ports(port: InsurerPort) -> Callable[[str], InsurerPort]:
    return lambda _insurer: port


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
class TestSendUnderFaults:
    def test_each_of_200_packages_is_received_exactly_once(
        self,
        sessions: sessionmaker[Session],
        master: FileMasterKey,
        insurer: str,
    ) -> None:
        n = 200
        ids = small_packages(sessions, master, n)
        httpx.put(f"{insurer}/config", json={"fail_rate": 0.15, "timeout_rate": 0.08, "slow_seconds": 0.6,
                                            "seed": 15}).raise_for_status()  # fmt: skip
        port = Crashing(HttpInsurer(insurer, timeout=0.25), rate=0.05, seed=15)
        context = outbox.JobContext(master, insurers=ports(port))
        started = time.monotonic()
        deaths = drain(sessions, context, [NOW], rounds=60)
        counts = httpx.get(f"{insurer}/counts").json()
        with sessions.begin() as s:
            rows = [s.get(ClaimPackageRow, i) for i in ids]
            states = {s.get(ClaimRow, r.claim_id).state for r in rows if r}  # type: ignore[union-attr]
            receipts = {r.receipt_no for r in rows if r}
            sent = [r for r in rows if r and r.state == "sent"]
        assert deaths > 0 and port.deaths == deaths  # workers did die between send and mark
        assert counts["packages"] == n  # each received once …
        assert counts["deliveries"] > n  # … though some arrived more than once (timeouts, dead workers)
        assert len(sent) == n and len(receipts) == n and None not in receipts
        assert states == {State.ACKNOWLEDGED.value}
        assert all(r.due_on is not None and r.due_on > r.received_on for r in sent)  # type: ignore[operator]
        assert time.monotonic() - started < 60

    def test_a_package_that_keeps_failing_goes_to_the_staff_list_with_its_error(
        self, sessions: sessionmaker[Session], master: FileMasterKey, insurer: str,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:  # fmt: skip
        monkeypatch.setattr(claim_tasks, "MAX_ATTEMPTS", 3)
        ids = small_packages(sessions, master, 1)
        httpx.put(f"{insurer}/config", json={"fail_rate": 1.0}).raise_for_status()
        context = outbox.JobContext(master, insurers=ports(HttpInsurer(insurer, timeout=2)))
        clock = [NOW]
        outbox.sweep(sessions, lambda: clock[0], context=context)
        with sessions.begin() as s:
            job = s.scalars(select(JobRow).where(JobRow.kind == claim_tasks.SEND)).one()
            waits = job.not_before.replace(tzinfo=None) - clock[0].replace(tzinfo=None)  # SQLite keeps no zone
        assert (job.state, waits) == ("pending", timedelta(seconds=30))  # backs off before trying again
        drain(sessions, context, clock, rounds=10)
        with sessions.begin() as s:
            listed = release.staff_list(s, REVIEWER)
            assert [p.id for p in listed] == ids
            assert listed[0].last_error is not None and "3회째 실패" in listed[0].last_error
            assert "503" in listed[0].last_error
        assert httpx.get(f"{insurer}/counts").json()["packages"] == 0
