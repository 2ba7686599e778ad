"""Imports into the store: consent first, one transaction per file, the same file twice changes nothing."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from silson.access import Actor
from silson.adapters.contract_list import read_contract_list
from silson.adapters.hometax import read_hometax
from silson.claims.lifecycle import Role
from silson.privacy import consent, imports, people
from silson.privacy.crypto import FileMasterKey
from silson.rules.catalogue import load_catalogue
from tests.conftest import ROOT
from tests.store.conftest import NOW

FAMILY = ROOT / "examples" / "family"


def test_import_needs_consent_and_happens_once(
    engine: Engine, sessions: sessionmaker[Session], master: FileMasterKey
) -> None:
    with sessions.begin() as s:
        pid = people.register(s, master, name="김민준", birth_date=date(1985, 4, 12), phone="010-1", rrn=None, now=NOW)
    me = Actor(Role.CUSTOMER, person_id=pid)
    tax = read_hometax(FAMILY / "hometax-2023-2025.xml")
    digest = imports.file_hash((FAMILY / "hometax-2023-2025.xml").read_bytes())
    with sessions.begin() as s, pytest.raises(consent.ConsentMissing):
        imports.import_hometax(s, master, me, person_id=pid, name="김민준", data=tax, digest=digest, now=NOW)
    with sessions.begin() as s:
        consent.grant(s, me, person_id=pid, purpose=consent.Purpose.DATA_IMPORT, version="v1", now=NOW)
        assert (
            imports.import_hometax(s, master, me, person_id=pid, name="김민준", data=tax, digest=digest, now=NOW) == 6
        )
    with sessions.begin() as s:
        assert (
            imports.import_hometax(s, master, me, person_id=pid, name="김민준", data=tax, digest=digest, now=NOW) == 0
        )
        listed = read_contract_list(FAMILY / "contracts.json")
        assert imports.import_contracts(s, master, load_catalogue(), me, person_id=pid, name="김민준", contracts=listed,
                                        digest="c1", now=NOW) == 1  # fmt: skip
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM spending")).scalar_one() == 6
        assert (
            conn.execute(text("SELECT sum(amount) FROM spending")).scalar_one()
            == 184000 + 96000 + 2350000 + 212000 + 118000 + 96000
        )
        assert conn.execute(text("SELECT rule_set FROM contract_record")).scalar_one() == "std-2015-09"
        dump = b"".join(bytes(r[0]) for r in conn.execute(text("SELECT provider_name_sealed FROM spending")))
    assert "연세가정의원".encode() not in dump
