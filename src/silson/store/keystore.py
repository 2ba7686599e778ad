"""The key store: every person's wrapped data key and the erasure ledger, kept apart from the data.

Erasing a person deletes their wrapped key (crypto-shredding), so the key must not linger in any
copy of the files. On SQLite the key store is a file of its own beside the database
(`silson-keys.db` for `silson.db`), ATTACHed to every connection as the schema `keystore`, so a
person and their key are still written in one transaction and the ORM reads keys as before. It
runs with `secure_delete=ON` (a deleted key's bytes are overwritten with zeros in its page) and,
after each erasure commits, `wal_checkpoint(TRUNCATE)` (the write-ahead log, which still holds the
page as it was, is folded in and cut to zero bytes). `silson backup` copies the data file only,
never this one (store/backup.py).

On PostgreSQL the key store is the schema `keystore` of the same database. That keeps the keys out
of the data's tables and lets `pg_dump --exclude-schema=keystore` back up the data alone, but it
does not separate them physically: a deleted key stays in a dead tuple until VACUUM reuses its
space, in the server's WAL and its archives (point-in-time recovery), on replicas, and in any dump
taken without the exclusion. Real separation there is a second database or a KMS holding the keys.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, event, inspect, text
from sqlalchemy.orm import Session, sessionmaker

from silson.store.models import KeyBase

SCHEMA = "keystore"
ERASED = "silson.keystore_erased"  # session.info: this transaction erased someone
log = logging.getLogger(__name__)


def keystore_path(database_file: Path) -> Path:
    """`silson.db` → `silson-keys.db`, in the same folder (SILSON_HOME by default)."""
    return database_file.with_name(f"{database_file.stem}-keys.db")


def attach(engine: Engine, path: Path) -> None:
    """Every SQLite connection of `engine` sees the key store as the schema `keystore`."""

    @event.listens_for(engine, "connect")
    def _attach(conn: Any, _record: Any) -> None:
        cursor = conn.cursor()
        cursor.execute(f"ATTACH DATABASE ? AS {SCHEMA}", (str(path),))
        cursor.execute(f"PRAGMA {SCHEMA}.secure_delete=ON")
        cursor.execute(f"PRAGMA {SCHEMA}.journal_mode=WAL")
        cursor.close()


def ensure(engine: Engine) -> int:
    """Create the key store's tables and move keys still held with the data (databases from before
    the key store) into it; answers how many keys moved. Keys of people in the erasure ledger are
    never moved back (an old backup restored still holds them)."""
    with engine.begin() as conn:
        if conn.dialect.name != "sqlite":
            conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}"))
        KeyBase.metadata.create_all(conn)
        moved = _move_keys_out(conn)
    if moved is not None:
        checkpoint(engine, schema="main")
        checkpoint(engine)
    return moved or 0


def _move_keys_out(conn: Connection) -> int | None:
    if not inspect(conn).has_table("person_key"):  # the data's own schema (main / public)
        return None
    data = "main" if conn.dialect.name == "sqlite" else conn.dialect.default_schema_name
    if conn.dialect.name == "sqlite":
        conn.execute(text("PRAGMA main.secure_delete=ON"))  # the dropped table's pages are zeroed
    moved = conn.execute(
        text(
            f"INSERT INTO {SCHEMA}.person_key (person_id, wrapped) SELECT k.person_id, k.wrapped "
            f"FROM {data}.person_key k WHERE k.person_id NOT IN (SELECT person_id FROM {SCHEMA}.erasure) "
            f"AND k.person_id NOT IN (SELECT person_id FROM {SCHEMA}.person_key)"
        )
    ).rowcount
    conn.execute(text(f"DROP TABLE {data}.person_key"))
    return int(moved)


def note_erasure(session: Session) -> None:
    """Called by the erasure use case: once this transaction commits, the key store is checkpointed."""
    session.info[ERASED] = True


def checkpoint(engine: Engine, schema: str = SCHEMA) -> bool:
    """Fold the SQLite write-ahead log into the file and truncate it to zero bytes; True when done.
    It waits for readers (the busy handler), so it is retried briefly."""
    if engine.dialect.name != "sqlite":
        return True
    for _attempt in range(20):
        with engine.connect() as conn:
            busy = conn.exec_driver_sql(f"PRAGMA {schema}.wal_checkpoint(TRUNCATE)").one()[0]
        if not busy:
            return True
        time.sleep(0.05)
    log.warning("the %s write-ahead log could not be truncated: readers kept it busy", schema)
    return False


def watch(sessions: sessionmaker[Session], engine: Engine) -> None:
    @event.listens_for(sessions, "after_commit")
    def _after(session: Session) -> None:
        if session.info.pop(ERASED, False):
            checkpoint(engine)

    @event.listens_for(sessions, "after_rollback")
    def _forget(session: Session) -> None:
        session.info.pop(ERASED, None)
