"""Database engine and sessions. SQLite under the data folder is the embedded default
(`SILSON_HOME`, default ./var); `SILSON_DATABASE_URL` points at PostgreSQL in production.
The schema is created and upgraded by Alembic only (store/migrations)."""

from __future__ import annotations

import os
import weakref
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from silson.audit.anchor import ANCHORS_FILE, LOG, AnchorLog, watch
from silson.store import keystore

# where the files that belong beside a database live (audit anchors; for SQLite, the key store)
_homes: weakref.WeakKeyDictionary[Engine, Path] = weakref.WeakKeyDictionary()


BUSY_SECONDS = 20
#: SQLSTATE classes of a database that is away rather than a statement that is wrong: 08 connection
#: exception, 57 operator intervention (57P01 admin shutdown, 57P03 cannot connect now), 53 resources
_AWAY_SQLSTATE = ("08", "57", "53")


def database_away(exc: OperationalError) -> bool:
    """Whether the database is unreachable or busy for now (retrying later can succeed), as opposed
    to a defect such as a missing table, which is an OperationalError too.

    >>> database_away(OperationalError("INSERT", {}, Exception("database is locked")))
    True
    >>> database_away(OperationalError("SELECT x", {}, Exception("no such column: x")))
    False
    """
    if exc.connection_invalidated or exc.statement is None:  # dropped, or no connection to be had
        return True
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if isinstance(sqlstate, str):
        return sqlstate.startswith(_AWAY_SQLSTATE)
    text = str(exc.orig).lower()
    return "database is locked" in text or ("connection" in text and ("refused" in text or "closed" in text))


def silson_home() -> Path:
    return Path(os.environ.get("SILSON_HOME", "var"))


def database_url() -> str:
    url = os.environ.get("SILSON_DATABASE_URL")
    if url:
        return url
    home = silson_home()
    home.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{home / 'silson.db'}"


def make_engine(url: str | None = None, home: Path | None = None) -> Engine:
    """`home` holds the files kept beside the data and outside it (audit anchors): by default the
    SQLite file's folder, or SILSON_HOME for a server database."""
    url = url or database_url()
    # SQLite: a writer waits up to BUSY_SECONDS for another's lock (a large import) before giving up;
    # a server database: a connection the server dropped (a restart) is noticed and replaced
    options: dict[str, object] = (
        {"connect_args": {"timeout": BUSY_SECONDS}} if url.startswith("sqlite") else {"pool_pre_ping": True}
    )
    engine = create_engine(url, future=True, **options)
    sqlite_file = engine.url.database if engine.dialect.name == "sqlite" else None
    if home is not None:
        _homes[engine] = home
    elif sqlite_file and sqlite_file != ":memory:":
        _homes[engine] = Path(sqlite_file).resolve().parent
    else:
        _homes[engine] = silson_home()
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(conn, _record):  # type: ignore[no-untyped-def]
            cursor = conn.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        keystore.attach(engine, keystore_path(engine))
    return engine


def keystore_path(engine: Engine) -> Path:
    """The SQLite key store beside the data file (store/keystore.py)."""
    database = engine.url.database
    if not database or database == ":memory:":
        return Path(":memory:")
    return keystore.keystore_path(Path(database).resolve())


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration."""
    config = Config()
    config.set_main_option("script_location", str(resources.files("silson.store").joinpath("migrations")))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    keystore.ensure(engine)  # the keys' own store, and keys of older databases moved into it


def data_home(engine: Engine) -> Path:
    return _homes.get(engine) or silson_home()


def anchor_log(engine: Engine) -> AnchorLog:
    """The audit anchor file of this database: one per SQLite folder, one per server database."""
    name = ANCHORS_FILE if engine.dialect.name == "sqlite" else f"audit-anchors-{engine.url.database}.jsonl"
    return AnchorLog.at(data_home(engine), name)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    anchors = anchor_log(engine)
    sessions = sessionmaker(engine, expire_on_commit=False, info={LOG: anchors})
    watch(sessions, anchors)
    keystore.watch(sessions, engine)
    return sessions
