"""Every endpoint added for the pages, on SQLite and PostgreSQL: the right person, the wrong person,
the wrong role, bad input (JSON errors naming the field), and what each one changes."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from silson.access import Actor
from silson.adapters.contract_list import read_contract_list
from silson.adapters.identity import Identity, SandboxIdentity
from silson.claims import events
from silson.claims import service as claims
from silson.claims.lifecycle import Role, State
from silson.privacy import consent, family, imports, people
from silson.privacy.crypto import FileMasterKey
from silson.rules.catalogue import load_catalogue
from silson.web.app import Services, create_app
from silson.web.runner import JobRunner
from tests.conftest import ROOT
from tests.store.conftest import NOW
from tests.store.test_api import KIM, LEE, PARK, SECRET, sign_in, staff

FAMILY = ROOT / "examples" / "family"
NEWCOMER = Identity("최유나", date(1995, 5, 5), "010-7777-8888")
VISIT = {"kind": "outpatient", "date": "2025-08-11", "cause": "disease", "kcd": ["M54.5"],
         "institution": {"kind": "hospital"}, "covered_copay": 35000, "noncovered": 180000}  # fmt: skip

World = tuple[TestClient, dict[str, int], Services]


@pytest.fixture
def world(sessions: sessionmaker[Session], master: FileMasterKey) -> World:
    """김민준 (consented, contracts imported, one claim with one visit), 이서연 (accepted 김민준's
    invitation: 김민준 views her), 박지훈 (a stranger to both)."""
    ids: dict[str, int] = {}
    with sessions.begin() as s:
        for who in (KIM, LEE, PARK):
            ids[who.name] = people.register(s, master, name=who.name, birth_date=who.birth_date, phone=who.phone,
                                            rrn=None, now=NOW)  # fmt: skip
        kim = Actor(Role.CUSTOMER, person_id=ids[KIM.name])
        consent.grant(s, kim, person_id=ids[KIM.name], purpose=consent.Purpose.DATA_IMPORT, version="v1", now=NOW)
        imports.import_contracts(s, master, load_catalogue(), kim, person_id=ids[KIM.name], name=KIM.name,
                                 contracts=read_contract_list(FAMILY / "contracts.json"), digest="c", now=NOW)  # fmt: skip
        claim = claims.open_claim(s, kim, person_id=ids[KIM.name], insurer="현대해상",
                                  items=[claims.ItemIn("v", "c", date(2025, 8, 11), 215000)], now=NOW)  # fmt: skip
        ids["claim"] = claim
        ids["visit"] = events.add(s, master, kim, claim_id=claim, event=VISIT, now=NOW)
        link = family.invite(s, kim, inviter_id=ids[KIM.name], member_id=ids[LEE.name], now=NOW)
        family.accept(s, Actor(Role.CUSTOMER, person_id=ids[LEE.name]), link_id=link, now=NOW)
    services = Services(sessions, master, SandboxIdentity([KIM, LEE, PARK, NEWCOMER]),
                        {"rev": (Role.REVIEWER, SECRET), "adm": (Role.ADMINISTRATOR, SECRET)})  # fmt: skip
    return TestClient(create_app(services, sign_in_rate="500/minute")), ids, services


def test_me_and_first_sign_in_signs_up(world: World) -> None:
    client, ids, _ = world
    kim = sign_in(client, KIM)
    assert client.get("/api/me", headers=kim).json() == {"role": "customer", "person_id": ids[KIM.name],
                                                         "staff_id": None, "family": [ids[LEE.name]],
                                                         "withdrawal_due": None}  # fmt: skip
    new = sign_in(client, NEWCOMER)  # verified by the identity port, unknown to the service: signs up
    me = client.get("/api/me", headers=new).json()
    assert me["person_id"] not in ids.values()
    assert client.get(f"/api/people/{me['person_id']}", headers=new).json()["name"] == NEWCOMER.name
    assert [c["active"] for c in client.get(f"/api/people/{me['person_id']}/consents", headers=new).json()] == [
        False, False, False, False]  # fmt: skip
    assert client.get("/api/me").status_code == 401


def test_consents_granted_and_withdrawn_only_by_the_person(world: World) -> None:
    client, ids, _ = world
    lee, kim = sign_in(client, LEE), sign_in(client, KIM)
    url = f"/api/people/{ids[LEE.name]}/consents"
    granted = client.put(f"{url}/transmission", headers=lee, json={"version": "2026-01"}).json()
    assert [c["purpose"] for c in granted if c["active"]] == ["transmission"]
    assert client.put(f"{url}/transmission", headers=kim, json={"version": "2026-01"}).status_code == 403  # family
    assert client.get(url, headers=kim).status_code == 403
    assert client.put(f"{url}/nonsense", headers=lee, json={"version": "1"}).json()["field"] == "purpose"
    assert client.put(f"{url}/transmission", headers=lee, json={}).json()["field"] == "version"
    withdrawn = client.delete(f"{url}/transmission", headers=lee).json()
    assert not any(c["active"] for c in withdrawn)


def test_upload_is_checked_at_once_then_imported_by_a_job(world: World) -> None:
    client, ids, services = world
    kim, lee = sign_in(client, KIM), sign_in(client, LEE)
    url = f"/api/people/{ids[KIM.name]}/imports"
    xml = (FAMILY / "hometax-2023-2025.xml").read_bytes()
    broken = client.post(url, headers=kim, data={"kind": "hometax"}, files={"file": ("x.xml", b"<root><doc>")})
    assert broken.status_code == 422 and broken.json()["code"] == "invalid_file" and broken.json()["field"] == "file"
    wrong_kind = client.post(url, headers=kim, data={"kind": "spreadsheet"}, files={"file": ("x.xml", xml)})
    assert wrong_kind.status_code == 422 and wrong_kind.json()["field"] == "kind"
    assert client.post(url, headers=lee, data={"kind": "hometax"}, files={"file": ("x", xml)}).status_code == 403
    no_consent = client.post(f"/api/people/{ids[LEE.name]}/imports", headers=lee, data={"kind": "hometax"},
                             files={"file": ("x.xml", xml)})  # fmt: skip
    assert no_consent.status_code == 409 and no_consent.json()["code"] == "consent_missing"

    job = client.post(url, headers=kim, data={"kind": "hometax"}, files={"file": ("h.xml", xml)})
    assert job.status_code == 202 and job.json()["state"] == "pending"
    assert client.get(f"/api/jobs/{job.json()['id']}", headers=lee).status_code == 403  # not her job
    assert JobRunner(services).run_once() == 2  # the import, then the estimate it changed (stored sealed)
    done = client.get(f"/api/jobs/{job.json()['id']}", headers=kim).json()
    assert done["state"] == "done" and done["result"] == {"rows": 6}
    again = client.post(url, headers=kim, data={"kind": "hometax"}, files={"file": ("h.xml", xml)})
    assert again.json()["id"] == job.json()["id"]  # the same file is one job
    spending = client.get(f"/api/people/{ids[KIM.name]}/spending", headers=kim).json()
    assert len(spending) == 6 and {s["provider_name"] for s in spending} >= {"연세가정의원", "서울중앙병원"}
    assert client.get("/api/jobs/999999", headers=kim).status_code == 404


def test_family_invite_accept_and_list(world: World) -> None:
    client, ids, _ = world
    park, kim = sign_in(client, PARK), sign_in(client, KIM)
    url = f"/api/people/{ids[PARK.name]}/family"
    sent = client.post(url, headers=park, json={"name": KIM.name, "phone": KIM.phone})
    nobody = client.post(url, headers=park, json={"name": "없는사람", "phone": "010-0000-0000"})
    assert (sent.status_code, sent.json()) == (nobody.status_code, nobody.json()) == (202, sent.json())  # alike
    (link,) = [x for x in client.get(url, headers=park).json() if x["other_name"] == KIM.name]
    assert link["direction"] == "sent"
    assert client.post(url, headers=kim, json={"name": KIM.name, "phone": KIM.phone}).status_code == 403
    assert client.get(f"/api/people/{ids[PARK.name]}", headers=park).status_code == 200
    assert client.get(f"/api/people/{ids[KIM.name]}", headers=park).status_code == 403  # not accepted yet
    assert client.post(f"/api/family/{link['id']}/accept", headers=park).status_code == 404  # not hers to
    accepted = client.post(f"/api/family/{link['id']}/accept", headers=kim).json()
    assert accepted["status"] == "accepted" and accepted["direction"] == "received"
    assert client.get(f"/api/people/{ids[KIM.name]}", headers=park).status_code == 200
    assert [x["status"] for x in client.get(url, headers=park).json()] == ["accepted", "invited"]  # 없는사람 waits


def test_withdrawal_only_by_the_person_with_matching_details(world: World) -> None:
    client, ids, _ = world
    kim, lee = sign_in(client, KIM), sign_in(client, LEE)
    url = f"/api/people/{ids[KIM.name]}/withdrawal"
    body = {"name": KIM.name, "birth_date": KIM.birth_date.isoformat(), "phone": KIM.phone}
    assert client.post(url, headers=lee, json=body).status_code == 403
    wrong = client.post(url, headers=kim, json={**body, "phone": "010-0000-0000"})
    assert wrong.status_code == 403 and wrong.json()["code"] == "verification_failed"
    due = client.post(url, headers=kim, json=body)
    assert due.status_code == 202 and date.fromisoformat(due.json()["due_on"]) > NOW.date()


def test_claim_detail_visits_and_trace_for_owner_family_and_staff(world: World) -> None:
    client, ids, _ = world
    kim, lee, park, rev = sign_in(client, KIM), sign_in(client, LEE), sign_in(client, PARK), staff(client, "rev")
    url = f"/api/claims/{ids['claim']}"
    mine = client.get(url, headers=kim).json()
    assert [v["id"] for v in mine["visits"]] == [ids["visit"]] and mine["visits"][0]["event"]["kcd"] == ["M54.5"]
    payout = mine["figures"]["payouts"][0]
    assert payout["insurer"] == "현대해상" and payout["amount"] > 0
    assert all(step["rule"] for step in payout["trace"]), payout  # every step names its clause
    assert mine["figures"]["insurer_total"] == payout["amount"]
    assert set(mine["next_states"]) == {"documents_requested", "cancelled"} and mine["documents"] == []
    assert client.get(url, headers=park).status_code == 404  # someone else's claim: as if there were none
    assert client.get(url, headers=rev).json()["next_states"] == ["documents_requested", "in_review", "cancelled"]
    assert client.get(f"/api/claims/{ids['claim']}/audit", headers=kim).status_code == 403
    trail = client.get(f"/api/claims/{ids['claim']}/audit", headers=rev).json()
    assert [a["action"] for a in trail] == ["claim.opened", "claim.event_added"]
    # 이서연 is viewed by 김민준, not the other way round
    assert client.get(url, headers=lee).status_code == 404


def test_visits_added_by_owner_and_corrected_by_reviewer(world: World) -> None:
    client, ids, _ = world
    kim, park, rev = sign_in(client, KIM), sign_in(client, PARK), staff(client, "rev")
    visits = f"/api/claims/{ids['claim']}/visits"
    pharmacy = {**VISIT, "kind": "prescription", "institution": {"kind": "pharmacy"}, "covered_copay": 9800,
                "noncovered": 0}  # fmt: skip
    added = client.post(visits, headers=kim, json=pharmacy)
    assert added.status_code == 201 and added.json()["revision"] == 1
    assert client.post(visits, headers=park, json=pharmacy).status_code == 403
    bad = client.post(visits, headers=kim, json={**pharmacy, "kind": "surgery"})
    assert bad.status_code == 422 and bad.json()["field"] == "kind"
    negative = client.post(visits, headers=kim, json={**pharmacy, "noncovered": -1})
    assert negative.status_code == 422 and negative.json()["field"] == "noncovered"

    before = client.get(f"/api/claims/{ids['claim']}", headers=rev).json()["figures"]["insurer_total"]
    fix = {"amounts": {"noncovered": 80000}, "reason": "세부내역서 확인", "expected_revision": 1}
    one = f"{visits}/{ids['visit']}"
    assert client.patch(one, headers=kim, json=fix).status_code == 403  # the customer cannot rewrite evidence
    after = client.patch(one, headers=rev, json=fix)
    assert after.status_code == 200 and after.json()["insurer_total"] < before
    assert client.patch(one, headers=rev, json=fix).status_code == 200  # the same correction again: no change
    stale = client.patch(one, headers=rev, json={**fix, "amounts": {"noncovered": 1}})
    assert stale.status_code == 409 and stale.json()["code"] == "stale_revision"
    unknown = client.patch(one, headers=rev, json={**fix, "amounts": {"date": 1}})
    assert unknown.status_code == 422 and unknown.json()["field"].startswith("amounts")
    assert client.patch(f"{visits}/999999", headers=rev, json=fix).status_code == 404
    trail = client.get(f"/api/claims/{ids['claim']}/audit", headers=rev).json()
    corrected = [a for a in trail if a["action"] == "claim.event_corrected"]
    assert len(corrected) == 1 and corrected[0]["detail"]["changed"] == {"noncovered": [180000, 80000]}


def test_review_queue_is_for_staff_in_work_order(
    world: World, sessions: sessionmaker[Session], master: FileMasterKey
) -> None:
    client, ids, _ = world
    rev, kim = staff(client, "rev"), sign_in(client, KIM)
    assert client.get("/api/review/queue", headers=kim).status_code == 403
    reviewer = Actor(Role.REVIEWER, staff_id="rev")
    with sessions.begin() as s:
        for i, to in enumerate([State.DOCUMENTS_REQUESTED, State.DOCUMENTS_RECEIVED]):
            claims.move(s, master, reviewer, claim_id=ids["claim"], to=to, reason="", idempotency_key=f"k{i}", now=NOW)
        other = claims.open_claim(s, reviewer, person_id=ids[PARK.name], insurer="삼성화재",
                                  items=[claims.ItemIn("v", "c", date(2026, 1, 2), 1)], now=NOW)  # fmt: skip
    queue = client.get("/api/review/queue", headers=rev).json()
    assert [(q["claim_id"], q["state"]) for q in queue] == [(ids["claim"], "documents_received"), (other, "draft")]
    assert queue[0]["deadline"] == "2028-08-11" and queue[0]["visits"] == 1
