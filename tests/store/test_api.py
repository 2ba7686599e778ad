"""The JSON API over the service core, on SQLite and PostgreSQL: sign-in through the identity port,
the right person, the wrong person and the wrong role for each endpoint, errors as JSON."""

from __future__ import annotations

import os
from datetime import date

import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from silson.access import Actor
from silson.adapters.identity import Identity, SandboxIdentity
from silson.claims import service as claims
from silson.claims.lifecycle import Role
from silson.privacy import family, people
from silson.privacy.crypto import FileMasterKey
from silson.web.app import Services, create_app
from tests.store.conftest import NOW

KIM = Identity("김민준", date(1985, 4, 12), "010-4821-7730")
LEE = Identity("이서연", date(1988, 9, 3), "010-3377-9182")
PARK = Identity("박지훈", date(1990, 1, 1), "010-1111-2222")
SECRET = "s3cret"


@pytest.fixture
def api(sessions: sessionmaker[Session], master: FileMasterKey) -> tuple[TestClient, dict[str, int]]:
    ids: dict[str, int] = {}
    with sessions.begin() as s:
        for who in (KIM, LEE, PARK):
            ids[who.name] = people.register(
                s, master, name=who.name, birth_date=who.birth_date, phone=who.phone, rrn=None, now=NOW
            )
        link = family.invite(
            s, Actor(Role.CUSTOMER, person_id=ids["김민준"]), inviter_id=ids["김민준"], member_id=ids["이서연"], now=NOW
        )
        family.accept(s, Actor(Role.CUSTOMER, person_id=ids["이서연"]), link_id=link, now=NOW)
        for name in list(ids):
            me = Actor(Role.CUSTOMER, person_id=ids[name])
            ids[f"claim:{name}"] = claims.open_claim(s, me, person_id=ids[name], insurer="현대해상",
                                                     items=[claims.ItemIn("v", "c", date(2026, 6, 1), 40000)], now=NOW)  # fmt: skip
    services = Services(sessions, master, SandboxIdentity([KIM, LEE, PARK]),
                        {"rev": (Role.REVIEWER, SECRET), "adm": (Role.ADMINISTRATOR, SECRET)})  # fmt: skip
    return TestClient(create_app(services)), ids


def sign_in(client: TestClient, who: Identity) -> dict[str, str]:
    rid = client.post(
        "/api/auth/requests", json={"name": who.name, "birth_date": who.birth_date.isoformat(), "phone": who.phone}
    ).json()["request_id"]
    assert client.post(f"/api/auth/requests/{rid}/approve").status_code == 204
    token = client.post("/api/auth/sessions", json={"request_id": rid}).json()["token"]
    return {"Authorization": f"Bearer {token}"}


def staff(client: TestClient, staff_id: str) -> dict[str, str]:
    token = client.post("/api/auth/staff", json={"staff_id": staff_id, "secret": SECRET}).json()["token"]
    return {"Authorization": f"Bearer {token}"}


def test_openapi_document_is_served(api: tuple[TestClient, dict[str, int]]) -> None:
    client, _ = api
    doc = client.get("/openapi.json").json()
    assert "/api/claims/{claim_id}/moves" in doc["paths"]


def test_customer_signs_in_and_reads_own_and_family_but_not_others(api: tuple[TestClient, dict[str, int]]) -> None:
    client, ids = api
    kim = sign_in(client, KIM)
    assert client.get(f"/api/people/{ids['김민준']}", headers=kim).json()["name"] == "김민준"
    assert client.get(f"/api/people/{ids['이서연']}", headers=kim).json()["name"] == "이서연"  # accepted family
    other = client.get(f"/api/people/{ids['박지훈']}", headers=kim)
    assert other.status_code == 403 and other.json()["code"] == "forbidden"
    mine = client.get("/api/claims", headers=kim).json()
    assert [c["person_id"] for c in mine] == [ids["김민준"]]
    assert client.get(f"/api/claims?person_id={ids['박지훈']}", headers=kim).status_code == 403


def test_sign_in_refused_until_approved_and_for_strangers(api: tuple[TestClient, dict[str, int]]) -> None:
    client, _ = api
    rid = client.post(
        "/api/auth/requests", json={"name": KIM.name, "birth_date": "1985-04-12", "phone": KIM.phone}
    ).json()["request_id"]
    waiting = client.post("/api/auth/sessions", json={"request_id": rid})
    assert waiting.status_code == 401 and "pending" in waiting.json()["message"]
    wrong = client.post(
        "/api/auth/requests", json={"name": "김민쥰", "birth_date": "1985-04-12", "phone": KIM.phone}
    ).json()["request_id"]
    client.post(f"/api/auth/requests/{wrong}/approve")
    assert (
        "본인 확인이 되지 않았습니다" in client.post("/api/auth/sessions", json={"request_id": wrong}).json()["message"]
    )


def test_family_member_can_view_but_never_move_a_claim(api: tuple[TestClient, dict[str, int]]) -> None:
    client, ids = api
    kim = sign_in(client, KIM)
    moved = client.post(
        f"/api/claims/{ids['claim:이서연']}/moves", headers=kim, json={"to": "cancelled", "idempotency_key": "k"}
    )
    assert moved.status_code == 404  # she shares no claims with him: to him they do not exist (issue 14)


def test_customer_cancels_own_draft_and_replay_is_harmless(api: tuple[TestClient, dict[str, int]]) -> None:
    client, ids = api
    kim = sign_in(client, KIM)
    body = {"to": "cancelled", "reason": "필요 없음", "idempotency_key": "cancel-1"}
    first = client.post(f"/api/claims/{ids['claim:김민준']}/moves", headers=kim, json=body)
    again = client.post(f"/api/claims/{ids['claim:김민준']}/moves", headers=kim, json=body)
    assert first.json()["state"] == again.json()["state"] == "cancelled"


def test_reviewer_moves_and_the_lifecycle_refuses_a_jump(api: tuple[TestClient, dict[str, int]]) -> None:
    client, ids = api
    rev = staff(client, "rev")
    ok = client.post(
        f"/api/claims/{ids['claim:박지훈']}/moves", headers=rev, json={"to": "in_review", "idempotency_key": "r1"}
    )
    assert ok.status_code == 200 and ok.json()["state"] == "in_review"
    jump = client.post(
        f"/api/claims/{ids['claim:박지훈']}/moves", headers=rev, json={"to": "paid", "idempotency_key": "r2"}
    )
    assert jump.status_code == 409 and jump.json()["code"] == "claim_transition_not_allowed"


def test_errors_name_the_field(api: tuple[TestClient, dict[str, int]]) -> None:
    client, ids = api
    rev = staff(client, "rev")
    bad = client.post(
        f"/api/claims/{ids['claim:박지훈']}/moves", headers=rev, json={"to": "teleported", "idempotency_key": "x"}
    )
    assert bad.status_code == 422 and bad.json()["field"] == "to"
    missing = client.post("/api/auth/requests", json={"name": "x", "phone": "010-0000-0000"})
    assert missing.status_code == 422 and missing.json()["field"] == "birth_date"


def test_no_or_bad_token_and_wrong_secret(api: tuple[TestClient, dict[str, int]]) -> None:
    client, _ = api
    assert client.get("/api/claims").status_code == 401
    assert (
        client.get("/api/claims", headers={"Authorization": "Bearer forged.token"}).json()["code"] == "unauthenticated"
    )
    assert client.post("/api/auth/staff", json={"staff_id": "rev", "secret": "nope"}).status_code == 401


def test_only_an_administrator_verifies_the_audit_log(api: tuple[TestClient, dict[str, int]]) -> None:
    client, _ = api
    assert client.get("/api/audit/verify", headers=staff(client, "rev")).status_code == 403
    verdict = client.get("/api/audit/verify", headers=staff(client, "adm")).json()
    assert verdict["intact"] is True and verdict["entries"] > 5


def test_family_estimate_from_stored_data(sessions: sessionmaker[Session], master: FileMasterKey) -> None:
    from silson.adapters.contract_list import read_contract_list
    from silson.adapters.hometax import read_hometax
    from silson.privacy import consent, imports
    from silson.rules.catalogue import load_catalogue
    from tests.conftest import ROOT

    fam = ROOT / "examples" / "family"
    with sessions.begin() as s:
        kim = people.register(s, master, name=KIM.name, birth_date=KIM.birth_date, phone=KIM.phone, rrn=None, now=NOW)
        lee = people.register(s, master, name=LEE.name, birth_date=LEE.birth_date, phone=LEE.phone, rrn=None, now=NOW)
        me = Actor(Role.CUSTOMER, person_id=lee)
        consent.grant(s, me, person_id=lee, purpose=consent.Purpose.DATA_IMPORT, version="v1", now=NOW)
        imports.import_hometax(
            s,
            master,
            me,
            person_id=lee,
            name=LEE.name,
            data=read_hometax(fam / "hometax-2023-2025.xml"),
            digest="h",
            now=NOW,
        )
        imports.import_contracts(s, master, load_catalogue(), me, person_id=lee, name=LEE.name,
                                 contracts=read_contract_list(fam / "contracts.json"), digest="c", now=NOW)  # fmt: skip
        link = family.invite(s, Actor(Role.CUSTOMER, person_id=kim), inviter_id=kim, member_id=lee, now=NOW)
    client = TestClient(create_app(Services(sessions, master, SandboxIdentity([KIM, LEE]), {})))
    kim_headers = sign_in(client, KIM)
    assert client.get(f"/api/people/{lee}/estimate?as_of=2026-11-23", headers=kim_headers).status_code == 403
    with sessions.begin() as s:
        family.accept(s, Actor(Role.CUSTOMER, person_id=lee), link_id=link, now=NOW)
    doc = client.get(f"/api/people/{lee}/estimate?as_of=2026-11-23", headers=kim_headers).json()
    (person,) = doc["persons"]
    assert person["name"] == "이서연" and person["contracts"][0]["rule_set"] == "std-2021-07"
    assert {p["name"] for p in person["providers"]} == {"튼튼병원", "미소치과의원", "해맑은한의원"}
    assert person["totals"]["high"] > 0


def test_customer_enters_a_contract_by_hand(
    api: tuple[TestClient, dict[str, int]], sessions: sessionmaker[Session]
) -> None:
    from silson.privacy import consent

    client, ids = api
    kim = sign_in(client, KIM)
    body = {"insurer": "현대해상", "policy_no": "HI-9", "start": "2017-02-01", "product_code": "Hi1701", "option": "choice2",
            "coverages": [{"name": "질병입원의료비", "amount": 50000000}, {"name": "질병통원의료비(외래)", "amount": 250000},
                          {"name": "질병통원의료비(처방조제)", "amount": 50000}]}  # fmt: skip
    refused = client.post(f"/api/people/{ids['김민준']}/contracts", headers=kim, json=body)
    assert refused.status_code == 409 and refused.json()["code"] == "consent_missing"
    with sessions.begin() as s:
        consent.grant(s, Actor(Role.CUSTOMER, person_id=ids["김민준"]), person_id=ids["김민준"],
                      purpose=consent.Purpose.DATA_IMPORT, version="v1", now=NOW)  # fmt: skip
    made = client.post(f"/api/people/{ids['김민준']}/contracts", headers=kim, json=body)
    assert made.status_code == 201 and made.json() == {
        "id": made.json()["id"],
        "rule_set": "std-2015-09",
        "mapping_certain": True,
    }
    again = client.post(f"/api/people/{ids['김민준']}/contracts", headers=kim, json=body)
    assert again.json()["id"] == made.json()["id"]  # the same contract twice is one
    other = client.post(f"/api/people/{ids['박지훈']}/contracts", headers=kim, json=body)
    assert other.status_code == 403
    not_silson = client.post(f"/api/people/{ids['김민준']}/contracts", headers=kim,
                             json={**body, "policy_no": "X", "coverages": [{"name": "암진단비", "amount": 1}]})  # fmt: skip
    assert not_silson.status_code == 422 and not_silson.json()["field"] == "coverages"


def test_security_headers_on_every_response(api: tuple[TestClient, dict[str, int]]) -> None:
    client, _ = api
    for response in (client.get("/"), client.get("/api/claims")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_sign_in_is_rate_limited(sessions: sessionmaker[Session], master: FileMasterKey) -> None:
    client = TestClient(create_app(Services(sessions, master, SandboxIdentity([KIM]), {}), sign_in_rate="3/minute"))
    body = {"name": KIM.name, "birth_date": "1985-04-12", "phone": KIM.phone}
    codes = [client.post("/api/auth/requests", json=body).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = client.post("/api/auth/staff", json={"staff_id": "x", "secret": "y"})
    assert limited.status_code == 429 and limited.json()["code"] == "rate_limited"


def test_ids_beyond_the_database_range_are_input_errors(api: tuple[TestClient, dict[str, int]]) -> None:
    """schemathesis found ids past 64 bits reaching SQLite as a server error; they are 422 now."""
    client, _ = api
    adm = staff(client, "adm")
    assert client.get(f"/api/people/{2**70}", headers=adm).status_code == 422
    assert client.get(f"/api/claims?person_id={2**70}", headers=adm).json()["field"] == "person_id"


def test_two_server_processes_sharing_redis_share_one_sign_in_budget(
    sessions: sessionmaker[Session], master: FileMasterKey
) -> None:
    """Several workers in production (README): with SILSON_RATE_LIMITS on Redis, a client cannot
    multiply its budget by the number of processes. Two apps stand for two processes."""
    url = os.environ.get("SILSON_TEST_REDIS", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).flushdb()
    except redis.exceptions.ConnectionError as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"Redis not reachable at {url}: {exc}")
    services = Services(sessions, master, SandboxIdentity([KIM]), {})
    first, second = (TestClient(create_app(services, sign_in_rate="3/minute", rate_limits=url)) for _ in range(2))
    body = {"name": KIM.name, "birth_date": "1985-04-12", "phone": KIM.phone}
    codes = [client.post("/api/auth/requests", json=body).status_code for client in (first, second, first, second)]
    assert codes == [200, 200, 200, 429]
