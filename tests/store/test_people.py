"""People: sealed personal data, blind-index look-ups, reads by staff audited, erasure by key."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from silson.access import Actor, Forbidden
from silson.audit.chain import verify
from silson.claims.lifecycle import Role
from silson.privacy import people
from silson.privacy.crypto import FileMasterKey
from tests.store.conftest import NOW

PII = {"name": "김민준", "phone": "010-1234-5678", "rrn": "850412-1234567"}


def _register(sessions: sessionmaker[Session], master: FileMasterKey) -> int:
    with sessions.begin() as s:
        return people.register(s, master, name=PII["name"], birth_date=date(1985, 4, 12), phone=PII["phone"],
                               rrn=PII["rrn"], now=NOW)  # fmt: skip


def _raw_dump(engine: Engine) -> bytes:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM person")).all() + conn.execute(text("SELECT * FROM audit_entry")).all()
    return b"".join(bytes(v) if isinstance(v, bytes | memoryview) else str(v).encode() for r in rows for v in r)


class TestSealedData:
    def test_no_personal_datum_reaches_the_database_in_plaintext(
        self, engine: Engine, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        _register(sessions, master)
        dump = _raw_dump(engine)
        for value in [*PII.values(), "01012345678", "8504121234567", "1985-04-12"]:
            assert value.encode() not in dump, value

    def test_owner_reads_their_data_back(self, sessions: sessionmaker[Session], master: FileMasterKey) -> None:
        pid = _register(sessions, master)
        with sessions.begin() as s:
            view = people.read(s, master, Actor(Role.CUSTOMER, person_id=pid), pid, NOW)
        assert (view.name, view.phone, view.rrn, view.birth_date) == (
            PII["name"],
            PII["phone"],
            PII["rrn"],
            date(1985, 4, 12),
        )

    def test_find_by_phone_whatever_the_formatting(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        pid = _register(sessions, master)
        with sessions.begin() as s:
            assert people.find_by_phone(s, master, "01012345678") == [pid]
            assert people.find_by_phone(s, master, "010-9999-0000") == []


class TestAccess:
    def test_staff_read_is_audited_and_own_read_is_not(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        pid = _register(sessions, master)
        with sessions.begin() as s:
            people.read(s, master, Actor(Role.CUSTOMER, person_id=pid), pid, NOW)
            people.read(s, master, Actor(Role.REVIEWER, staff_id="rev-1"), pid, NOW)
        with sessions() as s:
            actions = [r[0] for r in s.execute(text("SELECT action FROM audit_entry ORDER BY id"))]
            assert actions == ["person.registered", "person.read"]
            assert verify(s).ok

    def test_family_viewer_reads_the_member_who_accepted(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        pid = _register(sessions, master)
        with sessions.begin() as s:
            seen = people.profile(s, master, Actor(Role.FAMILY_VIEWER, person_id=999, views=frozenset({pid})), pid, NOW)
            assert (seen.name, seen.birth_date, seen.phone) == (PII["name"], None, None)  # contact: only if shared

    @pytest.mark.parametrize(
        "actor",
        [Actor(Role.CUSTOMER, person_id=12345), Actor(Role.FAMILY_VIEWER, person_id=12345, views=frozenset({777}))],
        ids=["another customer", "family viewer of someone else"],
    )
    def test_wrong_person_is_refused(
        self, sessions: sessionmaker[Session], master: FileMasterKey, actor: Actor
    ) -> None:
        pid = _register(sessions, master)
        with sessions.begin() as s, pytest.raises(Forbidden):
            people.read(s, master, actor, pid, NOW)


class TestErasure:
    def test_erasing_destroys_the_key_and_the_data_stays_unreadable(
        self, engine: Engine, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        pid = _register(sessions, master)
        with engine.connect() as conn:
            sealed_before = bytes(conn.execute(text("SELECT name_sealed FROM person")).scalar_one())
        with sessions.begin() as s:
            people.erase(s, pid, NOW)
        with sessions.begin() as s, pytest.raises(people.PersonErased):
            people.read(s, master, Actor(Role.ADMINISTRATOR, staff_id="a"), pid, NOW)
        with sessions() as s:
            assert people.find_by_phone(s, master, PII["phone"]) == []
            assert verify(s).ok
        # a backup taken before erasure still holds the sealed bytes, and no key opens them any more
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM keystore.person_key")).scalar_one() == 0
        assert sealed_before and PII["name"].encode() not in sealed_before
