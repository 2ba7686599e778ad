"""Migration 0020 (#14): where a field agent said they checked in was stored in clear
(`agent_task.checkin_place`); the upgrade seals it under the person's key, on SQLite and on
PostgreSQL, a task of an erased person keeps nothing, and the downgrade opens it again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, text

from silson.agents.models import AgentTaskRow
from silson.agents.service import CHECKIN_PLACE
from silson.privacy import at_rest, people
from silson.privacy.crypto import FileMasterKey
from silson.store.db import migrate, session_factory
from tests.store.at_revision import alembic_config, engine_at, every_value
from tests.store.conftest import NOW

PLACE = "3층 원무과 창구, 보호자 동행"


@pytest.fixture(params=["sqlite", "postgresql"])
def old_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database at 0019, its master key beside it."""
    with engine_at(request.param, "0019", tmp_path) as eng:
        yield eng


def _checked_in(engine: Engine, person: int, task_id: int) -> None:
    with engine.begin() as c:
        if not c.execute(text("SELECT 1 FROM field_agent WHERE staff_id = 'agent-a'")).first():
            c.execute(text("INSERT INTO field_agent (staff_id, name, birth_date, phone, areas, active, registered_at) "
                           "VALUES ('agent-a', '정현장', '1980-02-02', '010-7000-0001', '서울 마포구', :y, :t)"),
                      {"y": True, "t": NOW})  # fmt: skip
        c.execute(text("INSERT INTO agent_task (id, person_id, area, agent_id, state, valid_until, created_at, created_by,"
                       " checked_in_at, checkin_place) VALUES (:i, :p, '서울 마포구', 'agent-a', 'checked_in',"
                       " '2027-01-31', :t, 'reviewer:r', :t, :w)"), {"i": task_id, "p": person, "t": NOW, "w": PLACE})  # fmt: skip


def test_0020_seals_where_the_agent_checked_in(old_engine: Engine, tmp_path: Path) -> None:
    master = FileMasterKey.load_or_create(tmp_path / "master.key")
    sessions = session_factory(old_engine)
    with sessions.begin() as s:
        kept, erased = (people.register(s, master, name=n, birth_date=NOW.date(), phone=p, rrn=None, now=NOW)
                        for n, p in (("김민준", "010-1111-2222"), ("이서연", "010-3333-4444")))  # fmt: skip
    _checked_in(old_engine, kept, 1)
    _checked_in(old_engine, erased, 2)
    with sessions.begin() as s:
        people.erase(s, erased, NOW)
    assert PLACE.encode() in every_value(old_engine)  # the old schema held it in clear

    migrate(old_engine)
    assert PLACE.encode() not in every_value(old_engine)
    with sessions.begin() as s:
        key = people.data_key(s, master, kept)
        task, gone = s.get(AgentTaskRow, 1), s.get(AgentTaskRow, 2)
        assert task is not None and gone is not None
        assert at_rest.open_text(key, CHECKIN_PLACE, task.checkin_place_sealed) == PLACE
        assert gone.checkin_place_sealed is not None and bytes(gone.checkin_place_sealed) == b""  # erased: none kept

    with old_engine.begin() as connection:  # and back: the place in clear again, for the kept person only
        command.downgrade(alembic_config(connection), "0019")
    with old_engine.connect() as c:
        rows = {int(i): p for i, p in c.execute(text("SELECT id, checkin_place FROM agent_task"))}
    assert rows == {1: PLACE, 2: ""}
