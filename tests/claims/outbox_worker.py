"""A claim-road worker as its own process, for the fault test: sweeps the outbox of one SQLite file
with the real clock and sends packages to the sandbox insurer over HTTP, until it is killed. Back-off
and lease are shortened so a test of 1,000 packages takes seconds, not hours; the code path is the
production one (outbox.sweep → claims.tasks.send → HttpInsurer).

    python -m tests.claims.outbox_worker DB_FILE MASTER_KEY_FILE INSURER_URL
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from silson.claims import tasks as claim_tasks
from silson.claims.insurers.http import HttpInsurer
from silson.jobs import outbox
from silson.jobs import tasks as _tasks  # noqa: F401  (registers the handlers)
from silson.privacy.crypto import FileMasterKey
from silson.store.db import make_engine, session_factory

LEASE = timedelta(seconds=1)


def main(db: str, key: str, url: str) -> None:
    claim_tasks.BACKOFF, claim_tasks.BACKOFF_CAP = timedelta(milliseconds=100), timedelta(seconds=1)
    claim_tasks.MAX_ATTEMPTS = 100
    sessions = session_factory(make_engine(f"sqlite:///{db}"))
    port = HttpInsurer(url, timeout=0.3)
    context = outbox.JobContext(FileMasterKey.load_or_create(Path(key)), insurers=lambda _name: port)
    while True:
        if outbox.sweep(sessions, lambda: datetime.now(UTC), lease=LEASE, limit=50, context=context) == 0:
            time.sleep(0.05)


if __name__ == "__main__":
    main(*sys.argv[1:4])
