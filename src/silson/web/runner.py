"""Runs the job outbox inside the web process (the embedded default): a thread that sweeps due jobs
every half second, so an upload's import finishes while the page shows its progress; with `periodic`
(`silson serve`) it also queues the periodic jobs of `jobs/schedule.py` (following insurers, timers,
retention) as huey's crontab would. With Redis and `make worker`, the huey consumer does the same work
and this can be off (create_app(run_jobs=False))."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

from silson.jobs import outbox, schedule
from silson.jobs import tasks as _tasks  # noqa: F401  (registers the handlers)
from silson.web.deps import Services

INTERVAL_SECONDS = 0.5
log = logging.getLogger(__name__)


class JobRunner:
    def __init__(self, services: Services, *, periodic: bool = False) -> None:
        self._services = services
        self._periodic = periodic
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._context = outbox.JobContext(services.master, services.catalogue, directory=services.directory)

    def run_once(self) -> int:
        return outbox.sweep(self._services.sessions, lambda: datetime.now(UTC), context=self._context)

    def enqueue_due(self) -> list[str]:
        """Queue this period's run of every periodic job (once per period, however often asked)."""
        with self._services.sessions.begin() as session:
            return schedule.enqueue_due(session, datetime.now(UTC))

    def _loop(self) -> None:
        while not self._stop.wait(INTERVAL_SECONDS):
            try:
                if self._periodic:
                    self.enqueue_due()
                self.run_once()
            except Exception:
                log.exception("job sweep failed")

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="silson-jobs", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
