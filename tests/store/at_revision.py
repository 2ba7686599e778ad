"""Helpers for tests of data migrations and of what a copy of the database holds: a database of
either kind brought to an older revision (its master key beside it), and every value of every table
as bytes, as a copy of the database files would hold them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, inspect, text

from silson.store import keystore
from silson.store.db import make_engine
from tests.store.conftest import _postgres_url


def alembic_config(connection: object) -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("silson.store").joinpath("migrations")))
    config.attributes["connection"] = connection
    return config


@contextmanager
def engine_at(kind: str, revision: str, tmp_path: Path) -> Iterator[Engine]:
    """A fresh database ("sqlite" or "postgresql") migrated to `revision`, its master key beside it."""
    if kind == "sqlite":
        eng, urls = make_engine(f"sqlite:///{tmp_path / 'silson.db'}"), None
    else:
        urls = _postgres_url()
        eng = make_engine(next(urls), home=tmp_path)
    with eng.begin() as connection:
        command.upgrade(alembic_config(connection), revision)
    keystore.ensure(eng)
    try:
        yield eng
    finally:
        eng.dispose()
        if urls is not None:
            next(urls, None)


def every_value(engine: Engine) -> bytes:
    """Every value of every table, as a copy of the database would hold it."""
    out = []
    with engine.connect() as c:
        for table in inspect(c).get_table_names():
            for row in c.execute(text(f'SELECT * FROM "{table}"')):
                out += [bytes(v) if isinstance(v, bytes | memoryview) else str(v).encode() for v in row]
    return b"\n".join(out)
