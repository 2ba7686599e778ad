"""Database engine and sessions. SQLite under the data folder is the embedded default
(`SILSON_HOME`, default ./var); `SILSON_DATABASE_URL` points at PostgreSQL in production.
The schema is created and upgraded by Alembic only (store/migrations)."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


def silson_home() -> Path:
    return Path(os.environ.get("SILSON_HOME", "var"))


def database_url() -> str:
    url = os.environ.get("SILSON_DATABASE_URL")
    if url:
        return url
    home = silson_home()
    home.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{home / 'silson.db'}"


def make_engine(url: str | None = None) -> Engine:
    engine = create_engine(url or database_url(), future=True)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(conn, _record):  # type: ignore[no-untyped-def]
            cursor = conn.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

    return engine


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration."""
    config = Config()
    config.set_main_option("script_location", str(resources.files("silson.store").joinpath("migrations")))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
