"""The disk fills up during an import (issue 19): SILSON_HOME on a small tmpfs of its own, filled to the
last byte. The upload is answered 503 (nothing stored), a job that meets a full disk changes nothing
and stays due, and once space is freed the same file imports exactly once with the audit chain intact.

Mounting a tmpfs needs root (CI runs as root); elsewhere the test skips, saying so."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from silson.access import Actor, Role
from silson.adapters.identity import SandboxIdentity
from silson.audit.chain import verify
from silson.demo import EXAMPLES
from silson.jobs import outbox
from silson.privacy import consent, people
from silson.privacy.crypto import FileMasterKey
from silson.store import db
from silson.web.app import Services, create_app
from tests.store.conftest import NOW
from tests.store.test_api import KIM, sign_in


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(disk)], capture_output=True,
                             text=True)  # fmt: skip
    if mounted.returncode != 0:
        if os.environ.get("CI"):
            raise AssertionError(f"cannot mount a tmpfs in CI: {mounted.stderr}")
        pytest.skip(f"cannot mount a tmpfs here (needs root): {mounted.stderr.strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def _fill(disk: Path, engine: Engine) -> Path:
    """Write until the disk refuses another byte; returns the filler file (delete it to free space).
    The write-ahead log is emptied first, so that the next write needs room it cannot reuse."""
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (65536, 1):  # large blocks, then the last bytes one by one
            try:
                while os.write(fd, b"\0" * size):
                    pass
            except OSError:
                pass
    finally:
        os.close(fd)
    return filler


def _now() -> datetime:
    return datetime.now(UTC)  # the jobs were queued by the API at the real time


def test_a_full_disk_during_an_import_loses_nothing_and_doubles_nothing(small_disk: Path) -> None:
    engine = db.make_engine(f"sqlite:///{small_disk / 'silson.db'}")
    db.migrate(engine)
    sessions = db.session_factory(engine)
    master = FileMasterKey.load_or_create(small_disk / "master.key")
    with sessions.begin() as s:
        pid = people.register(s, master, name=KIM.name, birth_date=KIM.birth_date, phone=KIM.phone, rrn=None, now=NOW)
        consent.grant(s, Actor(Role.CUSTOMER, person_id=pid), person_id=pid, purpose=consent.Purpose.DATA_IMPORT,
                      version="v1", now=NOW)  # fmt: skip
    services = Services(sessions, master, SandboxIdentity([KIM]), {})
    client = TestClient(create_app(services, run_jobs=False))
    headers = sign_in(client, KIM)
    content = (EXAMPLES / "hometax-2023-2025.xml").read_bytes()

    def upload() -> int:
        return client.post(f"/api/people/{pid}/imports", headers=headers, data={"kind": "hometax"},
                           files={"file": ("hometax.xml", content, "application/xml")}).status_code  # fmt: skip

    filler = _fill(small_disk, engine)
    full = client.post(f"/api/people/{pid}/imports", headers=headers, data={"kind": "hometax"},
                       files={"file": ("hometax.xml", content, "application/xml")})  # fmt: skip
    assert full.status_code == 503, full.text
    assert full.headers["Retry-After"] == "5"
    filler.unlink()
    assert upload() == 202  # the person tries again once there is room: the job waits
    filler = _fill(small_disk, engine)
    with pytest.raises(Exception, match="full"):
        outbox.sweep(sessions, _now, context=outbox.JobContext(master))
    filler.unlink()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT state FROM job WHERE kind = 'import.upload'")).scalar_one() == "pending"
        assert conn.execute(text("SELECT count(*) FROM spending")).scalar_one() == 0
    assert outbox.sweep(sessions, _now, context=outbox.JobContext(master)) >= 1
    assert upload() == 202  # the same file again: the same job, nothing imported twice
    outbox.sweep(sessions, _now, context=outbox.JobContext(master))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM import_file")).scalar_one() == 1
        assert conn.execute(text("SELECT count(*) FROM spending")).scalar_one() == 6
    with sessions() as s:
        assert verify(s).ok
    engine.dispose()
