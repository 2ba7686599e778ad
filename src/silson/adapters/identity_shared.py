"""The identity sandbox with its state in a file, for `silson serve` with several worker processes.

A real 간편인증 provider keeps each request on its side: the request may be made through one of our
processes, approved on the phone, and finished through another. `SandboxIdentity` keeps its requests
in the memory of one process, so `SharedSandboxIdentity` keeps them in a small SQLite file beside
the data (`SILSON_HOME/sandbox-identity.db`, 0600): every worker process on the machine sees the same
requests, and a restart keeps them for their 5 minutes. A newcomer whose request was approved is an
account from then on, as in `SandboxIdentity`, for as long as the request is kept. It plays the
provider, so its file is the provider's, not silson's data: it is in no backup, and requests older
than a day are dropped with what they named.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from silson.adapters.identity import Identity, Outcome, SandboxIdentity, _digits

FILE = "sandbox-identity.db"
KEPT = timedelta(days=1)
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS request (id TEXT PRIMARY KEY, outcome TEXT NOT NULL, at TEXT NOT NULL, "
    "name TEXT NOT NULL, birth_date TEXT NOT NULL, phone TEXT NOT NULL)"
)


@dataclass
class SharedSandboxIdentity(SandboxIdentity):
    """`SandboxIdentity` whose requests live in `path`, shared by processes."""

    path: Path = Path(FILE)

    def __post_init__(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.path.exists():
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))  # names and phones: owner only
        with self._db() as db:
            db.execute(_SCHEMA)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        """One short write transaction (BEGIN IMMEDIATE: a read-then-write is not raced by another process)."""
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            db.execute("BEGIN IMMEDIATE")
            yield db
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        finally:
            db.close()

    def _everyone(self, db: sqlite3.Connection) -> list[Identity]:
        """The known accounts, and each newcomer by their first approved request (a phone is one account)."""
        everyone, phones = list(self.accounts), {_digits(a.phone) for a in self.accounts}
        approved = "SELECT name, birth_date, phone FROM request WHERE outcome = ? ORDER BY at, id"
        for name, born, phone in db.execute(approved, (Outcome.APPROVED.value,)):
            if _digits(phone) not in phones:
                everyone.append(Identity(name, date.fromisoformat(born), phone))
                phones.add(_digits(phone))
        return everyone

    def _row(self, db: sqlite3.Connection, request_id: str) -> tuple[Outcome, datetime, Identity]:
        row = db.execute(
            "SELECT outcome, at, name, birth_date, phone FROM request WHERE id = ?", (request_id,)
        ).fetchone()
        if row is None:
            raise KeyError(request_id)
        outcome, at, name, born, phone = row
        return Outcome(outcome), datetime.fromisoformat(at), Identity(name, date.fromisoformat(born), phone)

    def request(self, *, name: str, birth_date: date, phone: str, now: datetime) -> str:
        with self._db() as db:
            judge = SandboxIdentity(self._everyone(db), self.timeout)
            request_id = judge.request(name=name, birth_date=birth_date, phone=phone, now=now)
            outcome = judge.status(request_id, now)
            db.execute("DELETE FROM request WHERE at < ?", ((now - KEPT).isoformat(),))
            row = (request_id, outcome.value, now.isoformat(), name.strip(), birth_date.isoformat(), phone)
            db.execute("INSERT INTO request VALUES (?, ?, ?, ?, ?, ?)", row)
        return request_id

    def approve(self, request_id: str, now: datetime | None = None) -> None:
        with self._db() as db:
            outcome, at, _asked = self._row(db, request_id)
            if outcome is Outcome.PENDING and (now or datetime.now(at.tzinfo)) - at <= self.timeout:
                db.execute("UPDATE request SET outcome = ? WHERE id = ?", (Outcome.APPROVED.value, request_id))

    def status(self, request_id: str, now: datetime) -> Outcome:
        with self._db() as db:
            outcome, at, _asked = self._row(db, request_id)
        if outcome in (Outcome.PENDING, Outcome.APPROVED) and now - at > self.timeout:
            return Outcome.TIMED_OUT
        return outcome

    def verified(self, request_id: str, now: datetime) -> Identity | None:
        with self._db() as db:
            _outcome, _at, asked = self._row(db, request_id)
        return asked if self.status(request_id, now) is Outcome.APPROVED else None
