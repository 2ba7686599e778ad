"""Migration 0018 (#14): a database from before it holds people's free text and a 위임장's institution in
clear; the upgrade seals each under its person's key, on SQLite and on PostgreSQL, and a row of an
erased person keeps nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text

from silson.privacy import at_rest, people
from silson.privacy.crypto import FileMasterKey
from silson.store.db import migrate, session_factory
from silson.store.models import ClaimItemRow, ClaimTransitionRow, PowerOfAttorneyRow
from tests.store.at_revision import engine_at, every_value
from tests.store.conftest import NOW

REASON = "고객 통화: 서류를 다시 보내기로 함"
RECLAIM = "세부내역서를 새로 받음"
NOTE = "2023년 실손 수령 1,550,400원"
INSTITUTION = "2118700620"


@pytest.fixture(params=["sqlite", "postgresql"])
def old_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database at 0017, its master key beside it."""
    with engine_at(request.param, "0017", tmp_path) as eng:
        yield eng


def _claim_of(engine: Engine, person: int, claim_id: int) -> None:
    with engine.begin() as c:
        c.execute(text("INSERT INTO claim (id, person_id, insurer, state, created_at, updated_at) "
                       "VALUES (:i, :p, '현대해상', 'in_review', :t, :t)"), {"i": claim_id, "p": person, "t": NOW})  # fmt: skip
        c.execute(text("INSERT INTO claim_transition (claim_id, from_state, to_state, actor, reason, idempotency_key, at)"
                       " VALUES (:c, 'draft', 'in_review', 'reviewer:r', :r, :k, :t)"),
                  {"c": claim_id, "r": REASON, "k": f"k{claim_id}", "t": NOW})  # fmt: skip
        c.execute(text("INSERT INTO claim_item (claim_id, event_ref, contract_ref, event_date, amount, note, reclaim_of,"
                       " reclaim_reason) VALUES (:c, 'spending:1', 'contract:1', '2025-01-01', 1000, :n, 1, :w)"),
                  {"c": claim_id, "n": NOTE, "w": RECLAIM})  # fmt: skip
        c.execute(text("INSERT INTO power_of_attorney (person_id, institution_id, agent_id, issued_at) "
                       "VALUES (:p, :i, 'a1', :t)"), {"p": person, "i": INSTITUTION, "t": NOW})  # fmt: skip


def test_0018_seals_what_was_stored_in_clear(old_engine: Engine, tmp_path: Path) -> None:
    master = FileMasterKey.load_or_create(tmp_path / "master.key")
    sessions = session_factory(old_engine)
    with sessions.begin() as s:
        kept, erased = (people.register(s, master, name=n, birth_date=NOW.date(), phone=p, rrn=None, now=NOW)
                        for n, p in (("김민준", "010-1111-2222"), ("이서연", "010-3333-4444")))  # fmt: skip
    _claim_of(old_engine, kept, 1)
    _claim_of(old_engine, erased, 2)
    with sessions.begin() as s:
        people.erase(s, erased, NOW)
    assert REASON.encode() in every_value(old_engine)  # the old schema held it in clear

    migrate(old_engine)
    copy = every_value(old_engine)
    for secret in (REASON, RECLAIM, NOTE, INSTITUTION):
        assert secret.encode() not in copy, f"{secret!r} is still in clear"
    with sessions.begin() as s:
        key = people.data_key(s, master, kept)
        move = s.scalars(select(ClaimTransitionRow).where(ClaimTransitionRow.claim_id == 1)).one()
        item = s.scalars(select(ClaimItemRow).where(ClaimItemRow.claim_id == 1)).one()
        poa = s.scalars(select(PowerOfAttorneyRow).where(PowerOfAttorneyRow.person_id == kept)).one()
        assert at_rest.open_text(key, at_rest.TRANSITION_REASON, move.reason_sealed) == REASON
        assert at_rest.open_text(key, at_rest.RECLAIM_REASON, item.reclaim_reason_sealed) == RECLAIM
        assert at_rest.open_text(key, at_rest.ITEM_NOTE, item.note_sealed) == NOTE
        assert at_rest.open_text(key, at_rest.POA_INSTITUTION, poa.institution_sealed) == INSTITUTION
        gone = s.scalars(select(ClaimTransitionRow).where(ClaimTransitionRow.claim_id == 2)).one()
        assert bytes(gone.reason_sealed) == b""  # erased before the upgrade: nothing was kept
