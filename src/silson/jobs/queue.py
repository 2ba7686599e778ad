"""Dispatch with huey: embedded on SQLite (a file under SILSON_HOME) by default, on Redis in
production (SILSON_REDIS_URL). Huey carries "there is work" messages and the schedule (retention
every night at 03:00 KST); the jobs themselves, their state and their leases live in the database
outbox, because huey hands a message to one worker and forgets it: a worker killed mid-task would
lose it. On start, and every minute, the consumer sweeps the outbox for due and abandoned jobs.

Why huey: it runs embedded with SQLite and in production with Redis, with periodic tasks built in,
and is small and maintained; the outbox gives the durability it does not promise."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from huey import Huey, RedisHuey, SqliteHuey, crontab
from sqlalchemy.orm import Session, sessionmaker

from silson.jobs import outbox, tasks  # noqa: F401  (registers the handlers)
from silson.privacy.crypto import FileMasterKey
from silson.store.db import make_engine, migrate, session_factory, silson_home


def make_huey() -> Huey:
    redis = os.environ.get("SILSON_REDIS_URL")
    if redis:
        return RedisHuey("silson", url=redis)
    home = silson_home()
    home.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("silson", filename=str(home / "queue.db"))


huey = make_huey()
_sessions: sessionmaker[Session] | None = None


def _session_factory() -> sessionmaker[Session]:
    global _sessions
    if _sessions is None:
        engine = make_engine()
        migrate(engine)
        _sessions = session_factory(engine)
    return _sessions


def lease() -> timedelta:
    return timedelta(seconds=float(os.environ.get("SILSON_JOB_LEASE_SECONDS", "300")))


def sweep(now: datetime | None = None, limit: int = 100) -> int:
    """Run every due job, each in its own transaction; returns how many finished."""
    context = outbox.JobContext(FileMasterKey.load_or_create(silson_home() / "master.key"))
    return outbox.sweep(_session_factory(), lambda: now or datetime.now(UTC), lease=lease(), limit=limit,
                        context=context)  # fmt: skip


@huey.task()
def dispatch() -> int:
    return sweep()


@huey.on_startup()
def sweep_on_start() -> None:
    sweep()


@huey.periodic_task(crontab(minute="*"))
def sweep_every_minute() -> int:
    return sweep()


@huey.periodic_task(crontab(minute="0", hour="18"))  # 03:00 KST = 18:00 UTC
def nightly_retention() -> None:
    sessions = _session_factory()
    now = datetime.now(UTC)
    with sessions.begin() as session:
        outbox.enqueue(session, kind="retention", key=f"retention-{now.date().isoformat()}", payload={}, now=now)
    sweep()


@huey.periodic_task(crontab(minute="*/5"))
def stop_agent_tasks() -> None:
    """Agents' tasks whose 위임장 ended are recorded as stopped (agents/tasks.py)."""
    now = datetime.now(UTC)
    with _session_factory().begin() as session:
        outbox.enqueue(session, kind="agent_task.sweep", key=f"agent_task.sweep-{now:%Y-%m-%dT%H:%M}", payload={},
                       now=now)  # fmt: skip
    sweep()


@huey.periodic_task(crontab(minute="*/15"))
def follow_insurers() -> None:
    """Ask the insurers about the packages they hold and apply their answers (claims/tasks.py)."""
    sessions = _session_factory()
    now = datetime.now(UTC)
    with sessions.begin() as session:
        outbox.enqueue(session, kind="claim.follow", key=f"claim.follow-{now:%Y-%m-%dT%H:%M}", payload={}, now=now)
    sweep()


@huey.periodic_task(crontab(minute="7,37"))
def follow_recourse() -> None:
    """Ask the insurers about the recourse requests they hold (payments/tasks.py)."""
    sessions = _session_factory()
    now = datetime.now(UTC)
    with sessions.begin() as session:
        outbox.enqueue(session, kind="payment.recourse.follow", key=f"payment.recourse.follow-{now:%Y-%m-%dT%H:%M}",
                       payload={}, now=now)  # fmt: skip
    sweep()


@huey.periodic_task(crontab(minute="30", hour="0"))  # 09:30 KST = 00:30 UTC
def claim_timers() -> None:
    """Passed 지급기일·지급예정일 and visits nearing their 소멸시효, told once a day (claims/reminders.py)."""
    now = datetime.now(UTC)
    with _session_factory().begin() as session:
        outbox.enqueue(session, kind="claim.timers", key=f"claim.timers-{now.date().isoformat()}", payload={}, now=now)
    sweep()
