"""The claim road's tests run on the store's databases (SQLite and PostgreSQL) and build a person
with the family example's tax data and contract list, as the demo does."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from silson.access import Actor
from silson.adapters.contract_list import read_contract_list
from silson.adapters.hometax import parse_xml
from silson.claims.lifecycle import Role
from silson.demo import EXAMPLES
from silson.privacy import consent, imports, people
from silson.privacy.crypto import FileMasterKey
from silson.rules.catalogue import load_catalogue
from tests.store.conftest import NOW, engine, master, sessions

__all__ = ["NOW", "engine", "master", "sessions"]


def person_with_estimate(
    sessions: sessionmaker[Session], master: FileMasterKey, *, name: str = "김민준", born: date = date(1985, 4, 12),
    phone: str = "010-4821-7730", hometax: str | None = None,
) -> int:  # fmt: skip
    """A customer with the family example's 2023–2025 spending, B201Y and 현대해상 contract, made out to `name`."""
    xml = hometax or (EXAMPLES / "hometax-2023-2025.xml").read_text(encoding="utf-8")
    data = parse_xml(xml.replace("김민준", name).encode(), "example")
    listed = read_contract_list(Path(EXAMPLES / "contracts.json"))
    listed = [c for c in listed if c.insured_name == "김민준"]
    with sessions.begin() as s:
        pid = people.register(s, master, name=name, birth_date=born, phone=phone, rrn=None, now=NOW)
        me = Actor(Role.CUSTOMER, person_id=pid)
        for purpose in consent.Purpose:
            consent.grant(s, me, person_id=pid, purpose=purpose, version="2026-01", now=NOW)
        imports.import_hometax(s, master, me, person_id=pid, name=name, data=data, digest=f"h-{pid}", now=NOW)
        listed = [replace(c, insured_name=name) for c in listed]
        imports.import_contracts(s, master, load_catalogue(), me, person_id=pid, name=name, contracts=listed,
                                 digest=f"c-{pid}", now=NOW)  # fmt: skip
    return pid
