"""Issue 14: every refusal the JSON API gives a person is Korean and says what to do next, with the
machine-readable `code` and `field` unchanged and the technical wording, if any, in `detail` (one
mapping with the pages: web/messages.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from silson.access import Actor
from silson.adapters.identity import SandboxIdentity
from silson.claims.lifecycle import Role
from silson.privacy import consent, people
from silson.privacy.crypto import FileMasterKey
from silson.store.db import make_engine, migrate, session_factory
from silson.web.app import Services, create_app
from silson.web.messages import is_korean
from tests.store.conftest import NOW
from tests.store.test_api import KIM, LEE, SECRET, sign_in, staff

NEXT_STEP = ("주세요", "확인", "다시")  # every message says what to do next


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[TestClient, sessionmaker[Session], FileMasterKey, dict[str, int]]]:
    engine = make_engine(f"sqlite:///{tmp_path / 'silson.db'}")
    migrate(engine)
    sessions, master = session_factory(engine), FileMasterKey.load_or_create(tmp_path / "master.key")
    ids = {}
    with sessions.begin() as s:
        for who in (KIM, LEE):
            ids[who.name] = people.register(s, master, name=who.name, birth_date=who.birth_date, phone=who.phone,
                                            rrn=None, now=NOW)  # fmt: skip
    services = Services(sessions, master, SandboxIdentity([KIM, LEE]), {"rev": (Role.REVIEWER, SECRET)})
    with TestClient(create_app(services, sign_in_rate="6/minute", run_jobs=False)) as client:
        yield client, sessions, master, ids
    engine.dispose()


def korean(answer: httpx.Response, status: int, code: str, *, field: str | None = None, english: bool = False) -> None:
    body = answer.json()
    assert answer.status_code == status, body
    assert set(body) == {"code", "message", "field", "detail"}, body
    assert body["code"] == code and body["field"] == field, body
    assert is_korean(body["message"]) and any(w in body["message"] for w in NEXT_STEP), body
    if english:  # the technical wording is kept, beside the message, not in it
        assert body["detail"] and not is_korean(body["detail"]), body


class TestRefusalsAreKorean:
    def test_401_403_404_405(
        self, world: tuple[TestClient, sessionmaker[Session], FileMasterKey, dict[str, int]]
    ) -> None:
        client, _sessions, _master, ids = world
        korean(client.get("/api/me"), 401, "unauthenticated", english=True)
        korean(client.get("/api/me", headers={"Authorization": "Bearer forged"}), 401, "unauthenticated")
        kim = sign_in(client, KIM)
        korean(client.get(f"/api/people/{ids[LEE.name]}/spending", headers=kim), 403, "forbidden", english=True)
        korean(client.get("/api/claims/999999", headers=kim), 404, "not_found")
        korean(client.get("/api/nowhere", headers=kim), 404, "not_found", english=True)  # no bare {"detail"}
        korean(client.delete("/api/me", headers=kim), 405, "http_error", english=True)

    def test_409_410_and_consent(
        self, world: tuple[TestClient, sessionmaker[Session], FileMasterKey, dict[str, int]]
    ) -> None:
        client, sessions, _master, ids = world
        kim, kim_id = sign_in(client, KIM), ids[KIM.name]
        upload = {"kind": (None, "hometax"), "file": ("a.xml", b"<x/>", "text/xml")}
        korean(client.post(f"/api/people/{kim_id}/imports", headers=kim, files=upload), 409, "consent_missing")
        body = {"name": KIM.name, "birth_date": KIM.birth_date.isoformat(), "phone": KIM.phone, "confirm": True}
        assert client.post(f"/api/people/{kim_id}/withdrawal", headers=kim, json=body).status_code == 202
        korean(
            client.put(f"/api/people/{kim_id}/consents/data_import", headers=kim, json={"version": "2026-01"}),
            409,
            "withdrawal_pending",
        )
        with sessions.begin() as s:
            people.erase(s, ids[LEE.name], NOW)
        korean(client.get(f"/api/people/{ids[LEE.name]}", headers=staff(client, "rev")), 410, "person_erased")

    def test_413_and_422(self, world: tuple[TestClient, sessionmaker[Session], FileMasterKey, dict[str, int]]) -> None:
        client, sessions, _master, ids = world
        kim, kim_id = sign_in(client, KIM), ids[KIM.name]
        with sessions.begin() as s:
            me = Actor(Role.CUSTOMER, person_id=kim_id)
            consent.grant(s, me, person_id=kim_id, purpose=consent.Purpose.DATA_IMPORT, version="2026-01", now=NOW)
        big = {"kind": (None, "hometax"), "file": ("a.xml", b"<" * (11 * 1024 * 1024), "text/xml")}
        korean(client.post(f"/api/people/{kim_id}/imports", headers=kim, files=big), 413, "too_large")
        korean(client.post("/api/auth/requests", json={"name": KIM.name, "phone": KIM.phone}), 422, "invalid_input",
               field="birth_date", english=True)  # fmt: skip
        odd = {"kind": (None, "hometax"), "file": ("a.xml", b"not xml at all", "text/xml")}
        korean(client.post(f"/api/people/{kim_id}/imports", headers=kim, files=odd), 422, "invalid_file", field="file",
               english=True)  # fmt: skip

    def test_sign_in_failures_and_429(
        self, world: tuple[TestClient, sessionmaker[Session], FileMasterKey, dict[str, int]]
    ) -> None:
        client, _sessions, _master, _ids = world
        korean(client.post("/api/auth/sessions", json={"request_id": "nobody"}), 401, "unauthenticated")
        korean(client.post("/api/auth/staff", json={"staff_id": "rev", "secret": "wrong"}), 401, "unauthenticated")
        answers = [client.post("/api/auth/staff", json={"staff_id": "x", "secret": "y"}) for _ in range(6)]
        korean(answers[-1], 429, "rate_limited")

    def test_invite_refusals(
        self, world: tuple[TestClient, sessionmaker[Session], FileMasterKey, dict[str, int]]
    ) -> None:
        client, _sessions, _master, ids = world
        kim, kim_id = sign_in(client, KIM), ids[KIM.name]
        myself = client.post(f"/api/people/{kim_id}/family", headers=kim, json={"name": KIM.name, "phone": KIM.phone})
        korean(myself, 422, myself.json()["code"], field=myself.json()["field"])
        korean(client.post(f"/api/people/{ids[LEE.name]}/family", headers=kim, json={"name": "가", "phone": "010-5555-6666"}),
               403, "forbidden", english=True)  # fmt: skip
        korean(client.post("/api/family/999999/accept", headers=kim), 404, "not_found")
