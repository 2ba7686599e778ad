"""The relay's JSON API: routes with their reasons, a pick (an impossible one 422 naming the field),
a 실손24 result (201, replay-safe), and another person's claim answered 404."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from silson.adapters.identity import SandboxIdentity
from silson.privacy import people
from silson.privacy.crypto import FileMasterKey
from silson.store import repository
from silson.web.app import Services, create_app
from tests.claims.conftest import NOW
from tests.relay.test_pages import CHOI, HAN
from tests.relay.test_service import HOSPITAL, UNLINKED, claim_with_visits, outpatient
from tests.store.test_api import sign_in


def test_routes_pick_and_result_over_the_api(sessions: sessionmaker[Session], master: FileMasterKey) -> None:
    _pid, cid = claim_with_visits(
        sessions, master, outpatient("2025-08-11", HOSPITAL), outpatient("2025-08-12", UNLINKED)
    )
    with sessions.begin() as s:
        people.register(s, master, name=HAN.name, birth_date=HAN.birth_date, phone=HAN.phone, rrn=None, now=NOW)
        linked, unlinked = (f"e{e.id}" for e in repository.events_of_claim(s, cid))
    client = TestClient(create_app(Services(sessions, master, SandboxIdentity([CHOI, HAN]), {}), run_jobs=False))
    me, other = sign_in(client, CHOI), sign_in(client, HAN)

    routes = {r["subject"]: r for r in client.get(f"/api/claims/{cid}/routes", headers=me).json()}
    assert routes[linked]["route"] == "silson24" and routes[linked]["silson_route"] == "silson24"
    assert "2025-01-23부터 실손24에 연결" in routes[linked]["reason"] and routes[linked]["source"]
    assert "silson24" not in routes[unlinked]["possible"] and "새봄의원" in routes[unlinked]["refusals"]["silson24"]

    refused = client.put(f"/api/claims/{cid}/routes", headers=me, json={"subject": unlinked, "route": "silson24"})
    assert refused.status_code == 422 and refused.json()["field"] == "route"
    picked = client.put(f"/api/claims/{cid}/routes", headers=me, json={"subject": unlinked, "route": "upload"})
    assert picked.status_code == 200 and picked.json()["chosen_by"].startswith("customer:")

    body = {"subjects": [linked], "channel": "app", "submitted_on": date(2026, 11, 20).isoformat(),
            "receipt_no": "S24-7781", "idempotency_key": "r1"}  # fmt: skip
    first = client.post(f"/api/claims/{cid}/silson24", headers=me, json=body)
    again = client.post(f"/api/claims/{cid}/silson24", headers=me, json=body)
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert first.json()["status"] == "submitted_to_relay"
    assert client.get(f"/api/claims/{cid}/routes", headers=me).json()[0]["receipt_no"] == "S24-7781"

    assert client.get(f"/api/claims/{cid}/routes", headers=other).status_code == 404
    assert (
        client.put(f"/api/claims/{cid}/routes", headers=other, json={"subject": linked, "route": "upload"}).status_code
        == 404
    )
    assert (
        client.post(f"/api/claims/{cid}/silson24", headers=other, json=body | {"idempotency_key": "x"}).status_code
        == 404
    )
