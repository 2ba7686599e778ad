"""The periodic jobs, as data: what runs how often, and the key that makes each run happen once.

`make worker` runs them from huey's crontab (`jobs/queue.py`); `silson serve` on its own (the embedded
default) runs them from its job runner's loop (`web/runner.py`), so that a person who only ran
`make run` still has insurers followed and timers told. Both enqueue through the outbox under the same
keys — the start of the period the run belongs to — so a period's job is queued once whoever asks
first, and asking again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from silson.jobs import outbox

_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Periodic:
    kind: str  # the outbox job it queues
    every: timedelta
    offset: timedelta = timedelta(0)  # from the start of the UTC day (or hour) the period begins at
    daily_key: bool = False  # keyed by the day (the nightly jobs), else by the minute the period starts

    def period_start(self, now: datetime) -> datetime:
        """The start of the period `now` falls in.

        >>> follow = Periodic("claim.follow", timedelta(minutes=15))
        >>> follow.period_start(datetime(2026, 12, 1, 9, 44, 59, tzinfo=UTC)).isoformat()
        '2026-12-01T09:30:00+00:00'
        >>> timers = Periodic("claim.timers", timedelta(days=1), timedelta(minutes=30), daily_key=True)
        >>> timers.period_start(datetime(2026, 12, 1, 0, 10, tzinfo=UTC)).isoformat()  # before 00:30: yesterday's
        '2026-11-30T00:30:00+00:00'
        """
        since = now.astimezone(UTC) - _EPOCH - self.offset
        return _EPOCH + self.offset + self.every * (since // self.every)

    def key(self, now: datetime) -> str:
        start = self.period_start(now)
        return f"{self.kind}-{start.date().isoformat()}" if self.daily_key else f"{self.kind}-{start:%Y-%m-%dT%H:%M}"


#: the same times as jobs/queue.py's crontab (UTC): retention 03:00 KST, timers 09:30 KST
SCHEDULE = (
    Periodic("retention", timedelta(days=1), timedelta(hours=18), daily_key=True),
    Periodic("agent_task.sweep", timedelta(minutes=5)),
    Periodic("claim.follow", timedelta(minutes=15)),
    Periodic("payment.recourse.follow", timedelta(minutes=30), timedelta(minutes=7)),
    Periodic("claim.timers", timedelta(days=1), timedelta(minutes=30), daily_key=True),
)


def enqueue_due(session: Session, now: datetime) -> list[str]:
    """Queue each periodic job for the period `now` is in (a no-op for one already queued); returns
    the keys of the periods' jobs."""
    keys = []
    for periodic in SCHEDULE:
        key = periodic.key(now)
        outbox.enqueue(session, kind=periodic.kind, key=key, payload={}, now=now)
        keys.append(key)
    return keys
