"""Backup and restore of the data, never of the keys (`silson backup DEST`, `silson restore SRC`).

A backup is the data file alone, copied with SQLite's online backup API (consistent while the
service runs); the key store (store/keystore.py) is left out on purpose, so erasing a person later
makes their rows in every backup undecryptable. Restoring puts the backup's data back (the service
stopped), brings its schema up to date, and then re-applies every erasure in the key store's ledger:
people erased since the backup was taken are marked erased again, and keys of people the backup
does not hold are dropped (they were registered after it; their data is not in it). The restore is
recorded in the audit log, and the audit anchors restart from the backup's head with a signed
reset line, so `silson audit verify` still holds.

On PostgreSQL use `pg_dump --exclude-schema=keystore` and `pg_restore`, then
`silson restore --erasures-only` for the same re-application.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from silson.audit import chain
from silson.errors import SilsonError
from silson.privacy import people
from silson.store import keystore, repository
from silson.store.db import anchor_log, migrate, session_factory


class BackupError(SilsonError, ValueError):
    code = "backup_failed"
    http_status = 400


def _data_file(engine: Engine) -> Path:
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        raise BackupError(
            "database: silson backup copies the embedded SQLite file; on PostgreSQL use "
            "pg_dump --exclude-schema=keystore, and after pg_restore run silson restore --erasures-only"
        )
    return Path(database)


def backup(engine: Engine, dest: Path) -> int:
    """Copy the data (not the key store) to `dest`, a new file; answers its size in bytes."""
    source = _data_file(engine)
    if dest.exists():
        raise BackupError(f"dest: {dest} exists; a backup never overwrites")
    dest.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(dest) as out:  # plain: no key store attached
        src.backup(out)
        out.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    src.close()
    out.close()
    return dest.stat().st_size


@dataclass(frozen=True, slots=True)
class Restored:
    erased_again: list[int]  # person ids the backup still showed as present
    keys_dropped: int  # keys of people the backup does not hold


def restore(engine: Engine, src: Path | None, now: datetime) -> Restored:
    """Replace the data with the backup at `src` (None: the data was restored by other means, only
    re-apply the erasures). The service must be stopped."""
    if src is not None:
        target = _data_file(engine)
        if not src.is_file():
            raise BackupError(f"src: {src} is not a file")
        with sqlite3.connect(f"file:{src}?mode=ro", uri=True) as backup_db:
            try:
                tables = {r[0] for r in backup_db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            except sqlite3.DatabaseError:
                raise BackupError(f"src: {src} is not a silson backup") from None
            if not {"person", "audit_entry", "alembic_version"} <= tables:
                raise BackupError(f"src: {src} is not a silson backup")
            engine.dispose()
            with sqlite3.connect(target) as live:
                backup_db.backup(live)
            live.close()
        backup_db.close()
        anchor_log(engine).reset(f"restored {src.name}")
    migrate(engine)  # an older backup's schema is brought up to date; keys it still holds are not taken back
    sessions = session_factory(engine)
    with sessions.begin() as session:
        again = people.reapply_erasures(session, now, actor="restore")
        orphans = repository.orphan_keys(session)
        for key in orphans:
            session.delete(key)
        keystore.note_erasure(session)
        chain.append(session, at=now, actor="restore", action="backup.restored", object_type="store",
                     object_id=src.name if src else "-",
                     detail={"erased_again": len(again), "keys_dropped": len(orphans)})  # fmt: skip
    with sessions.begin() as session:
        chain.checkpoint(session)
    return Restored(again, len(orphans))
