"""Issue 14, the broken promises and the security holes, through the JSON API on SQLite and
PostgreSQL: each test is the one that would have caught its item."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from silson.adapters.identity import Identity, SandboxIdentity
from silson.claims.lifecycle import Role
from silson.privacy import people
from silson.privacy.crypto import FileMasterKey
from silson.web.app import Services, create_app
from tests.store.test_api import KIM, LEE, SECRET, sign_in

STRANGER = Identity("정하늘", date(1999, 12, 1), "010-6060-7070")  # the sandbox has never met her


def _client(sessions: sessionmaker[Session], master: FileMasterKey, *accounts: Identity, rate: str = "500/minute",
            **kwargs: object) -> TestClient:  # fmt: skip
    services = Services(sessions, master, SandboxIdentity(list(accounts)),
                        {"rev": (Role.REVIEWER, SECRET), "adm": (Role.ADMINISTRATOR, SECRET)})  # fmt: skip
    return TestClient(create_app(services, sign_in_rate=rate, **kwargs))  # type: ignore[arg-type]


class TestSignUp:
    def test_a_newcomer_the_sandbox_never_met_signs_up_on_first_sign_in(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        """`silson serve`'s sandbox knows only the demo family; anyone else signs up as promised."""
        client = _client(sessions, master, KIM, LEE)
        headers = sign_in(client, STRANGER)
        me = client.get("/api/me", headers=headers).json()
        assert me["role"] == "customer"
        person = client.get(f"/api/people/{me['person_id']}", headers=headers).json()
        assert (person["name"], person["birth_date"]) == (STRANGER.name, "1999-12-01")
        again = client.get("/api/me", headers=sign_in(client, STRANGER)).json()
        assert again["person_id"] == me["person_id"]  # the second sign-in finds her, not a second person
        with sessions.begin() as s:
            assert people.find_by_phone(s, master, STRANGER.phone) == [me["person_id"]]
