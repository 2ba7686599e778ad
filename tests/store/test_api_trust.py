"""Issue 14, the broken promises and the security holes, through the JSON API on SQLite and
PostgreSQL: each test is the one that would have caught its item."""

from __future__ import annotations

import re
from datetime import UTC, date, timedelta
from functools import partial
from importlib import resources
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from silson import demo
from silson.access import Actor
from silson.adapters.contract_list import read_contract_list
from silson.adapters.hometax import read_hometax
from silson.adapters.identity import Identity, SandboxIdentity
from silson.claims import events
from silson.claims import service as claim_service
from silson.claims import service as claims
from silson.claims.lifecycle import Role, State
from silson.claims.service import cancel_before_submission as cancel
from silson.discover.providers import ProviderDirectory
from silson.discover.report import to_json
from silson.discover.service import discover
from silson.discover.stored import stored_report
from silson.privacy import at_rest, consent, family, imports, people, withdrawal
from silson.privacy.crypto import FileMasterKey, seal
from silson.rules.catalogue import load_catalogue
from silson.store import keystore, repository
from silson.store.db import make_engine, migrate, session_factory
from silson.store.models import AuditRow, ClaimRow, FamilyLinkRow
from silson.web.app import Services, create_app
from silson.web.pages.common import CSRF_COOKIE, SEOUL, SESSION_COOKIE
from silson.web.runner import JobRunner
from tests.conftest import ROOT
from tests.store.conftest import NOW
from tests.store.test_api import KIM, LEE, PARK, SECRET, sign_in, staff

FAMILY = ROOT / "examples" / "family"
VISIT = {"kind": "outpatient", "date": "2025-08-11", "cause": "disease", "kcd": ["M54.5"],
         "institution": {"kind": "hospital"}, "covered_copay": 35000, "noncovered": 180000}  # fmt: skip
CONTRACT = {"insurer": "현대해상", "policy_no": "HI-9", "start": "2017-02-01", "product_code": "Hi1701",
            "option": "choice2", "coverages": [{"name": "질병통원의료비(외래)", "amount": 250000}]}  # fmt: skip

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


def _kim_with_the_family_files(sessions: sessionmaker[Session], master: FileMasterKey) -> int:
    """김민준 with the demo's two files imported, as `silson demo` seeds him."""
    tax, listed = FAMILY / "hometax-2023-2025.xml", FAMILY / "contracts.json"
    with sessions.begin() as s:
        pid = people.register(s, master, name=KIM.name, birth_date=KIM.birth_date, phone=KIM.phone, rrn=None, now=NOW)
        me = Actor(Role.CUSTOMER, person_id=pid)
        consent.grant(s, me, person_id=pid, purpose=consent.Purpose.DATA_IMPORT, version="v1", now=NOW)
        imports.import_hometax(s, master, me, person_id=pid, name=KIM.name, data=read_hometax(tax),
                               digest=imports.file_hash(tax.read_bytes()), now=NOW)  # fmt: skip
        imports.import_contracts(s, master, load_catalogue(), me, person_id=pid, name=KIM.name,
                                 contracts=read_contract_list(listed), digest=imports.file_hash(listed.read_bytes()),
                                 now=NOW)  # fmt: skip
    return pid


class TestEstimateIsDiscover:
    def test_the_api_estimate_equals_silson_discover_on_the_same_files(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        """The 실손 already received (B201Y) comes off, as in `silson discover`: 226,000 / 1,550,400."""
        pid = _kim_with_the_family_files(sessions, master)
        client = _client(sessions, master, KIM)
        got = client.get(f"/api/people/{pid}/estimate?as_of=2026-11-23", headers=sign_in(client, KIM)).json()
        cli = to_json(discover(hometax=read_hometax(FAMILY / "hometax-2023-2025.xml"),
                               contracts=read_contract_list(FAMILY / "contracts.json"), catalogue=load_catalogue(),
                               directory=ProviderDirectory.load(), as_of=date(2026, 11, 23)))  # fmt: skip
        (person,) = got["persons"]
        (expected,) = [p for p in cli["persons"] if p["name"] == KIM.name]
        assert person["totals"] == expected["totals"]  # 226,000 / 1,550,400 when this was written
        assert any(e["received"] for p in person["providers"] for e in p["estimates"])
        assert [(p["year"], p["name"], p["total"], sum(e["received"] for e in p["estimates"]))
                for p in person["providers"]] == [
            (p["year"], p["name"], p["total"], sum(e["received"] for e in p["estimates"])) for p in expected["providers"]
        ]  # fmt: skip
        assert person["years"] == expected["years"]

    def test_the_page_shows_the_same_total_and_the_nhis_refund(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        pid = _kim_with_the_family_files(sessions, master)
        client = _client(sessions, master, KIM)
        token = sign_in(client, KIM)["Authorization"].removeprefix("Bearer ")
        client.cookies.set(SESSION_COOKIE, token)
        page = client.get(f"/people/{pid}/estimate", headers={"hx-request": "true"}).text
        api = client.get(f"/api/people/{pid}/estimate", headers={"Authorization": f"Bearer {token}"}).json()
        assert f'id="total-typical">{api["persons"][0]["totals"]["typical"]:,}원' in page
        assert "본인부담상한제 환급 예상" in page and "2023년: 0원 ~ 1,760,000원" in page


def _page_session(client: TestClient, headers: dict[str, str]) -> str:
    """Signs the test client's browser in with the API token; returns the page's CSRF token."""
    client.cookies.set(SESSION_COOKIE, headers["Authorization"].removeprefix("Bearer "))
    client.get("/sign-in")
    return str(client.cookies.get(CSRF_COOKIE))


class TestSignOutEndsTheSession:
    def test_delete_session_ends_the_token_on_the_server(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        client = _client(sessions, master, KIM, LEE)
        kim, lee = sign_in(client, KIM), sign_in(client, LEE)
        assert client.delete("/api/auth/session", headers=kim).status_code == 204
        gone = client.get("/api/me", headers=kim)
        assert gone.status_code == 401 and gone.json()["code"] == "unauthenticated"
        assert client.delete("/api/auth/session", headers=kim).status_code == 401
        assert client.get("/api/me", headers=lee).status_code == 200  # her session is her own

    def test_the_page_sign_out_ends_it_too(self, sessions: sessionmaker[Session], master: FileMasterKey) -> None:
        client = _client(sessions, master, KIM)
        kim = sign_in(client, KIM)
        csrf = _page_session(client, kim)
        out = client.post("/sign-out", data={"csrf": csrf}, follow_redirects=False)
        assert out.status_code == 303
        assert client.get("/api/me", headers=kim).status_code == 401  # the old cookie's token is dead

    def test_erasure_ends_every_session_of_the_person(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        client = _client(sessions, master, KIM, LEE)
        phone, laptop, lee = sign_in(client, KIM), sign_in(client, KIM), sign_in(client, LEE)
        pid = client.get("/api/me", headers=phone).json()["person_id"]
        with sessions.begin() as s:
            people.erase(s, pid, NOW)
        assert [client.get("/api/me", headers=h).status_code for h in (phone, laptop, lee)] == [401, 401, 200]


class TestWithdrawalFreezesTheAccount:
    def test_from_the_request_nothing_new_comes_in_until_cancelled(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        pid = _kim_with_the_family_files(sessions, master)
        with sessions.begin() as s:
            claim = claims.open_claim(s, Actor(Role.CUSTOMER, person_id=pid), person_id=pid, insurer="현대해상",
                                      items=[claims.ItemIn("v", "c", date(2025, 8, 11), 1000)], now=NOW)  # fmt: skip
        client = _client(sessions, master, KIM)
        kim = sign_in(client, KIM)
        asked = client.post(f"/api/people/{pid}/withdrawal", headers=kim,
                            json={"name": KIM.name, "birth_date": "1985-04-12", "phone": KIM.phone})  # fmt: skip
        due = asked.json()["due_on"]
        assert client.get("/api/me", headers=kim).json()["withdrawal_due"] == due
        refused = [
            client.post(f"/api/people/{pid}/imports", headers=kim, data={"kind": "contracts_json"},
                        files={"file": ("c.json", (FAMILY / "contracts.json").read_bytes())}),
            client.put(f"/api/people/{pid}/consents/transmission", headers=kim, json={"version": "2026-02"}),
            client.post(f"/api/people/{pid}/contracts", headers=kim, json=CONTRACT),
            client.post(f"/api/claims/{claim}/visits", headers=kim, json=VISIT),
        ]  # fmt: skip
        assert [(r.status_code, r.json()["code"]) for r in refused] == [(409, "withdrawal_pending")] * 4
        assert all("탈퇴 처리 중" in r.json()["message"] for r in refused)

        _page_session(client, kim)
        page = client.get(f"/people/{pid}/consent").text
        assert f"탈퇴 처리 중 ({due} 처리 예정)" in page and "탈퇴 취소" in page

        assert client.delete(f"/api/people/{pid}/withdrawal", headers=kim).status_code == 204
        assert client.get("/api/me", headers=kim).json()["withdrawal_due"] is None
        again = client.put(f"/api/people/{pid}/consents/transmission", headers=kim, json={"version": "2026-02"})
        assert again.status_code == 200
        assert "탈퇴 처리 중" not in client.get(f"/people/{pid}/consent").text

    def test_once_carried_out_every_session_is_dead_and_sign_in_starts_afresh(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        pid = _kim_with_the_family_files(sessions, master)
        client = _client(sessions, master, KIM)
        phone, laptop = sign_in(client, KIM), sign_in(client, KIM)
        body = {"name": KIM.name, "birth_date": "1985-04-12", "phone": KIM.phone}
        assert client.post(f"/api/people/{pid}/withdrawal", headers=phone, json=body).status_code == 202
        with sessions.begin() as s:
            done = withdrawal.run_retention(s, NOW + timedelta(days=8), cancel_claims=partial(cancel, master=master))
            assert done["withdrawals_done"] == 1
        assert [client.get("/api/me", headers=h).status_code for h in (phone, laptop)] == [401, 401]
        fresh = sign_in(client, KIM)
        me = client.get("/api/me", headers=fresh).json()
        assert me["person_id"] != pid and me["withdrawal_due"] is None
        assert client.get(f"/api/people/{me['person_id']}/spending", headers=fresh).json() == []
        assert not any(c["active"] for c in client.get(f"/api/people/{me['person_id']}/consents", headers=fresh).json())
        assert client.get(f"/api/people/{pid}", headers=fresh).status_code == 403


class TestIdempotencyKeys:
    def test_someone_elses_key_replays_nothing_and_shows_nothing(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        with sessions.begin() as s:
            ids = {who.name: people.register(s, master, name=who.name, birth_date=who.birth_date, phone=who.phone,
                                             rrn=None, now=NOW) for who in (KIM, PARK)}  # fmt: skip
            claim = claims.open_claim(s, Actor(Role.CUSTOMER, person_id=ids[KIM.name]), person_id=ids[KIM.name],
                                      insurer="현대해상", items=[claims.ItemIn("v", "c", date(2025, 8, 11), 1000)],
                                      now=NOW)  # fmt: skip
        client = _client(sessions, master, KIM, PARK)
        kim, park, rev = sign_in(client, KIM), sign_in(client, PARK), staff(client, "rev")
        body = {"to": "cancelled", "reason": "필요 없음", "idempotency_key": "cancel-1"}
        assert client.post(f"/api/claims/{claim}/moves", headers=kim, json=body).json()["state"] == "cancelled"
        stolen = client.post(f"/api/claims/{claim}/moves", headers=park, json=body)
        assert stolen.status_code in (403, 404) and "person_id" not in stolen.json()
        # a reviewer's request with the customer's key is the reviewer's own move, judged on its own
        own = client.post(f"/api/claims/{claim}/moves", headers=rev, json={**body, "to": "in_review"})
        assert own.status_code == 409 and own.json()["code"] == "claim_transition_not_allowed"
        replay = client.post(f"/api/claims/{claim}/moves", headers=kim, json=body)
        assert replay.status_code == 200 and replay.json()["state"] == "cancelled"  # the owner's replay is harmless

    def test_the_claim_pages_keys_are_random(self, sessions: sessionmaker[Session], master: FileMasterKey) -> None:
        with sessions.begin() as s:
            pid = people.register(s, master, name=KIM.name, birth_date=KIM.birth_date, phone=KIM.phone, rrn=None,
                                  now=NOW)  # fmt: skip
            claim = claims.open_claim(s, Actor(Role.CUSTOMER, person_id=pid), person_id=pid, insurer="현대해상",
                                      items=[claims.ItemIn("v", "c", date(2025, 8, 11), 1000)], now=NOW)  # fmt: skip
        client = _client(sessions, master, KIM)
        _page_session(client, sign_in(client, KIM))
        keys = [re.findall(r'name="key" value="([^"]+)"', client.get(f"/claims/{claim}").text) for _ in range(2)]
        assert keys[0] and keys[1] and set(keys[0]).isdisjoint(keys[1])
        assert all(len(k) >= 20 and str(claim) not in k.split("-") for k in keys[0])


class TestVisitsAreCheckedAtTheEdge:
    def test_impossible_visits_are_refused_naming_the_field(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        with sessions.begin() as s:
            pid = people.register(s, master, name=KIM.name, birth_date=KIM.birth_date, phone=KIM.phone, rrn=None,
                                  now=NOW)  # fmt: skip
            claim = claims.open_claim(s, Actor(Role.CUSTOMER, person_id=pid), person_id=pid, insurer="현대해상",
                                      items=[claims.ItemIn("v", "c", date(2025, 8, 11), 1000)], now=NOW)  # fmt: skip
        client = _client(sessions, master, KIM)
        kim, rev = sign_in(client, KIM), staff(client, "rev")
        url = f"/api/claims/{claim}/visits"
        for who in (kim, rev):
            for bad, field in [({"date": "9999-12-31"}, "event.date"), ({"date": "1980-01-01"}, "event.date"),
                               ({"kind": "inpatient", "date": "2025-08-01", "discharge": "2025-07-01"},
                                "event.discharge")]:  # fmt: skip
                refused = client.post(url, headers=who, json={**VISIT, **bad})
                assert (refused.status_code, refused.json()["field"]) == (422, field), bad
        huge = client.post(url, headers=kim, json={**VISIT, "noncovered": 10**10})
        assert huge.status_code == 422 and huge.json()["field"] == "noncovered"
        assert client.post(url, headers=kim, json=VISIT).status_code == 201

    def test_a_customer_adds_visits_only_before_submission(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        with sessions.begin() as s:
            pid = people.register(s, master, name=KIM.name, birth_date=KIM.birth_date, phone=KIM.phone, rrn=None,
                                  now=NOW)  # fmt: skip
            claim = claims.open_claim(s, Actor(Role.CUSTOMER, person_id=pid), person_id=pid, insurer="현대해상",
                                      items=[claims.ItemIn("v", "c", date(2025, 8, 11), 1000)], now=NOW)  # fmt: skip
            reviewer = Actor(Role.REVIEWER, staff_id="rev")
            for i, to in enumerate([State.IN_REVIEW, State.READY, State.SUBMITTED]):
                claims.move(s, master, reviewer, claim_id=claim, to=to, reason="t", idempotency_key=f"k{i}", now=NOW)
        client = _client(sessions, master, KIM)
        late = client.post(f"/api/claims/{claim}/visits", headers=sign_in(client, KIM), json=VISIT)
        assert late.status_code == 409 and "접수된 청구" in late.json()["message"]

    def test_one_bad_stored_visit_never_breaks_the_review_queue(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        with sessions.begin() as s:
            ids = [people.register(s, master, name=who.name, birth_date=who.birth_date, phone=who.phone, rrn=None,
                                   now=NOW) for who in (KIM, LEE)]  # fmt: skip
            made = [claims.open_claim(s, Actor(Role.CUSTOMER, person_id=p), person_id=p, insurer="현대해상",
                                      items=[claims.ItemIn("v", "c", date(2025, 8, 11), 1000)], now=NOW)
                    for p in ids]  # fmt: skip
            far = NOW.replace(year=9999, month=12, day=31)  # a record from before the checks, dated 9999-12-31
            events.add(s, master, Actor(Role.REVIEWER, staff_id="rev"), claim_id=made[0],
                       event={**VISIT, "date": "9999-12-31"}, now=far)  # fmt: skip
            events.add(s, master, Actor(Role.REVIEWER, staff_id="rev"), claim_id=made[1], event=VISIT, now=NOW)
        client = _client(sessions, master)
        queue = client.get("/api/review/queue", headers=staff(client, "rev"))
        assert queue.status_code == 200
        by_claim = {e["claim_id"]: e["deadline"] for e in queue.json()}
        assert by_claim == {made[0]: None, made[1]: "2028-08-11"}


class TestSignInFlow:
    def _request(self, client: TestClient, who: Identity) -> str:
        body = {"name": who.name, "birth_date": who.birth_date.isoformat(), "phone": who.phone}
        return str(client.post("/api/auth/requests", json=body).json()["request_id"])

    def test_an_approved_request_gives_one_token_only(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        client = _client(sessions, master, KIM)
        rid = self._request(client, KIM)
        client.post(f"/api/auth/requests/{rid}/approve")
        assert client.post("/api/auth/sessions", json={"request_id": rid}).status_code == 200
        again = client.post("/api/auth/sessions", json={"request_id": rid})
        assert again.status_code == 401 and again.json()["code"] == "sign_in_used"

    def test_the_request_is_good_for_five_minutes_approved_or_not(self) -> None:
        sandbox = SandboxIdentity([KIM])
        late = sandbox.request(name=KIM.name, birth_date=KIM.birth_date, phone=KIM.phone, now=NOW)
        sandbox.approve(late, NOW + timedelta(minutes=6))
        assert sandbox.status(late, NOW + timedelta(minutes=6)).value == "timed_out"
        slow = sandbox.request(name=KIM.name, birth_date=KIM.birth_date, phone=KIM.phone, now=NOW)
        sandbox.approve(slow, NOW + timedelta(minutes=1))
        assert sandbox.verified(slow, NOW + timedelta(minutes=4)) == KIM
        assert sandbox.verified(slow, NOW + timedelta(minutes=6)) is None

    def test_whose_details_these_are_is_not_told_to_an_anonymous_caller(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        client = _client(sessions, master, KIM, LEE)
        answers = []
        for who in (Identity(LEE.name, LEE.birth_date, KIM.phone),  # someone_else
                    Identity(KIM.name, KIM.birth_date, "010-9999-0000"),  # number_mismatch
                    Identity("김민쥰", KIM.birth_date, KIM.phone)):  # wrong_details  # fmt: skip
            rid = self._request(client, who)
            assert client.post(f"/api/auth/requests/{rid}/approve").status_code == 204
            got = client.post("/api/auth/sessions", json={"request_id": rid})
            answers.append((got.status_code, got.json()))
        assert answers[0] == answers[1] == answers[2] and answers[0][0] == 401
        assert "본인 확인이 되지 않았습니다" in answers[0][1]["message"]

    def test_the_family_invite_is_rate_limited(self, sessions: sessionmaker[Session], master: FileMasterKey) -> None:
        client = _client(sessions, master, KIM, invite_rate="3/hour")
        kim = sign_in(client, KIM)
        pid = client.get("/api/me", headers=kim).json()["person_id"]
        codes = [client.post(f"/api/people/{pid}/family", headers=kim, json={"name": f"가{i}", "phone": f"010-0000-000{i}"})
                 .status_code for i in range(4)]  # fmt: skip
        assert codes == [202, 202, 202, 429]

    def test_forwarded_for_counts_only_from_a_configured_proxy(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        body = {"name": KIM.name, "birth_date": "1985-04-12", "phone": KIM.phone}
        direct = _client(sessions, master, KIM, rate="2/minute", trusted_proxies=())
        forged = [direct.post("/api/auth/requests", json=body, headers={"X-Forwarded-For": f"10.0.0.{i}"}).status_code
                  for i in range(3)]  # fmt: skip
        assert forged == [200, 200, 429]  # a forged header buys no new budget
        proxied = _client(sessions, master, KIM, rate="2/minute", trusted_proxies=("testclient",))
        behind = [proxied.post("/api/auth/requests", json=body, headers={"X-Forwarded-For": f"10.0.0.{i}"}).status_code
                  for i in range(3)]  # fmt: skip
        assert behind == [200, 200, 200]  # behind our proxy, each client has its own budget

    def test_a_missing_claim_and_someone_elses_are_answered_alike(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        with sessions.begin() as s:
            lee = people.register(s, master, name=LEE.name, birth_date=LEE.birth_date, phone=LEE.phone, rrn=None,
                                  now=NOW)  # fmt: skip
            theirs = claims.open_claim(s, Actor(Role.CUSTOMER, person_id=lee), person_id=lee, insurer="현대해상",
                                       items=[claims.ItemIn("v", "c", date(2025, 8, 11), 1000)], now=NOW)  # fmt: skip
        client = _client(sessions, master, KIM, LEE)
        kim = sign_in(client, KIM)
        missing, other = client.get("/api/claims/999999", headers=kim), client.get(f"/api/claims/{theirs}", headers=kim)
        assert missing.status_code == other.status_code == 404
        assert {missing.json()["code"], other.json()["code"]} == {"not_found"}
        _page_session(client, kim)
        assert client.get("/claims/999999").status_code == client.get(f"/claims/{theirs}").status_code == 404


def _family_client(sessions: sessionmaker[Session], master: FileMasterKey) -> tuple[TestClient, int, int, int]:
    """김민준 with the demo's files and a claim with a diagnosed visit; 이서연 and 박지훈 signed up."""
    kim = _kim_with_the_family_files(sessions, master)
    with sessions.begin() as s:
        lee = people.register(s, master, name=LEE.name, birth_date=LEE.birth_date, phone=LEE.phone, rrn=None, now=NOW)
        people.register(s, master, name=PARK.name, birth_date=PARK.birth_date, phone=PARK.phone, rrn=None, now=NOW)
        me = Actor(Role.CUSTOMER, person_id=kim)
        claim = claims.open_claim(s, me, person_id=kim, insurer="현대해상",
                                  items=[claims.ItemIn("v", "c", date(2025, 8, 11), 1000)], now=NOW)  # fmt: skip
        events.add(s, master, me, claim_id=claim, event=VISIT, now=NOW)
    return _client(sessions, master, KIM, LEE, PARK, invite_rate="100/hour"), kim, lee, claim


def _invite(client: TestClient, inviter: dict[str, str], inviter_id: int, who: Identity) -> int:
    sent = client.post(f"/api/people/{inviter_id}/family", headers=inviter, json={"name": who.name, "phone": who.phone})
    assert sent.status_code == 202
    (link,) = [x for x in client.get(f"/api/people/{inviter_id}/family", headers=inviter).json()
               if x["other_name"] == who.name and x["status"] == "invited"]  # fmt: skip
    return int(link["id"])


class TestFamilySharing:
    def test_the_invitation_says_who_invites_and_tells_the_inviter_nothing(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        client, kim_id, lee_id, _claim = _family_client(sessions, master)
        kim, lee = sign_in(client, KIM), sign_in(client, LEE)
        url = f"/api/people/{lee_id}/family"
        to_kim = client.post(url, headers=lee, json={"name": KIM.name, "phone": KIM.phone})
        to_nobody = client.post(url, headers=lee, json={"name": "없는사람", "phone": "010-4444-0000"})
        wrong_name = client.post(url, headers=lee, json={"name": "김민쥰", "phone": KIM.phone})
        assert to_kim.json() == to_nobody.json() == wrong_name.json() and to_kim.status_code == 202
        # the inviter's list looks the same for a customer and for nobody: no way to learn who is one
        sent = client.get(url, headers=lee).json()
        assert [(x["other_name"], x["status"], x["other_id"]) for x in sent] == [
            (KIM.name, "invited", None), ("없는사람", "invited", None), ("김민쥰", "invited", None)]  # fmt: skip
        (received,) = client.get(f"/api/people/{kim_id}/family", headers=kim).json()
        assert (received["direction"], received["other_name"]) == ("received", LEE.name)  # who invites
        assert received["other_phone_hint"] == "···-" + LEE.phone[-4:]  # and enough to recognise her
        park = sign_in(client, PARK)
        park_id = client.get("/api/me", headers=park).json()["person_id"]
        assert client.get(f"/api/people/{park_id}/family", headers=park).json() == []
        assert client.post(f"/api/family/{received['id']}/accept", headers=park).status_code == 404  # not his

    def test_a_viewer_sees_spending_and_estimates_and_nothing_else(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        client, kim_id, lee_id, claim = _family_client(sessions, master)
        kim, lee = sign_in(client, KIM), sign_in(client, LEE)
        link = _invite(client, lee, lee_id, KIM)
        accepted = client.post(f"/api/family/{link}/accept", headers=kim)
        assert accepted.status_code == 200 and accepted.json()["shares"] == []
        person = client.get(f"/api/people/{kim_id}", headers=lee).json()
        assert (person["name"], person["birth_date"], person["phone"]) == (KIM.name, None, None)
        assert len(client.get(f"/api/people/{kim_id}/spending", headers=lee).json()) > 0
        assert client.get(f"/api/people/{kim_id}/estimate", headers=lee).json()["persons"][0]["totals"]["typical"] > 0
        # no diagnoses: no claims, visits or anything about them; and never an action
        refused = {
            "claims list": client.get(f"/api/claims?person_id={kim_id}", headers=lee),
            "claim": client.get(f"/api/claims/{claim}", headers=lee),
            "documents": client.get(f"/api/claims/{claim}/documents", headers=lee),
            "reconciliation": client.get(f"/api/claims/{claim}/reconciliation", headers=lee),
            "notifications": client.get(f"/api/people/{kim_id}/notifications", headers=lee),
            "claimable": client.get(f"/api/people/{kim_id}/claimable", headers=lee),
            "start a claim": client.post(f"/api/people/{kim_id}/claims", headers=lee,
                                         json={"everything": True, "idempotency_key": "s1"}),
            "move": client.post(f"/api/claims/{claim}/moves", headers=lee,
                                json={"to": "cancelled", "idempotency_key": "x1"}),
            "visit": client.post(f"/api/claims/{claim}/visits", headers=lee, json=VISIT),
            "contract": client.post(f"/api/people/{kim_id}/contracts", headers=lee, json=CONTRACT),
            "import": client.post(f"/api/people/{kim_id}/imports", headers=lee, data={"kind": "contracts_json"},
                                  files={"file": ("c.json", (FAMILY / "contracts.json").read_bytes())}),
            "consent": client.put(f"/api/people/{kim_id}/consents/transmission", headers=lee, json={"version": "v"}),
            "consents": client.get(f"/api/people/{kim_id}/consents", headers=lee),
            "his family": client.get(f"/api/people/{kim_id}/family", headers=lee),
            "invite for him": client.post(f"/api/people/{kim_id}/family", headers=lee,
                                          json={"name": PARK.name, "phone": PARK.phone}),
            "withdraw him": client.post(f"/api/people/{kim_id}/withdrawal", headers=lee,
                                        json={"name": KIM.name, "birth_date": "1985-04-12", "phone": KIM.phone}),
        }  # fmt: skip
        assert {k: r.status_code for k, r in refused.items() if r.status_code not in (403, 404)} == {}
        assert client.get(f"/api/claims/{claim}", headers=kim).status_code == 200  # still his

    def test_the_member_shares_diagnoses_and_contact_and_takes_them_back(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        client, kim_id, lee_id, claim = _family_client(sessions, master)
        kim, lee = sign_in(client, KIM), sign_in(client, LEE)
        link = _invite(client, lee, lee_id, KIM)
        client.post(f"/api/family/{link}/accept", headers=kim, json={"shares": ["diagnoses", "contact"]})
        assert client.get(f"/api/people/{kim_id}", headers=lee).json()["phone"] == KIM.phone
        seen = client.get(f"/api/claims/{claim}", headers=lee)
        assert seen.status_code == 200 and seen.json()["visits"][0]["event"]["kcd"] == ["M54.5"]
        assert seen.json()["next_states"] == []  # view only, even with everything shared
        assert client.post(f"/api/claims/{claim}/moves", headers=lee,
                           json={"to": "cancelled", "idempotency_key": "x2"}).status_code == 403  # fmt: skip
        assert client.put(f"/api/family/{link}/shares", headers=lee, json={"shares": ["contact"]}).status_code == 404
        narrowed = client.put(f"/api/family/{link}/shares", headers=kim, json={"shares": ["contact"]})
        assert narrowed.json()["shares"] == ["contact"]
        assert client.get(f"/api/claims/{claim}", headers=lee).status_code == 404
        assert client.get(f"/api/people/{kim_id}", headers=lee).json()["phone"] == KIM.phone
        assert client.put(f"/api/family/{link}/shares", headers=kim, json={"shares": ["everything"]}).status_code == 422

    def test_either_side_ends_the_link_at_any_time(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        client, kim_id, lee_id, _claim = _family_client(sessions, master)
        kim, lee, park = sign_in(client, KIM), sign_in(client, LEE), sign_in(client, PARK)
        park_id = client.get("/api/me", headers=park).json()["person_id"]
        by_member = _invite(client, lee, lee_id, KIM)
        client.post(f"/api/family/{by_member}/accept", headers=kim)
        assert client.delete(f"/api/family/{by_member}", headers=park).status_code == 404  # not his link
        assert client.delete(f"/api/family/{by_member}", headers=kim).status_code == 204  # the member ends it
        assert client.get(f"/api/people/{kim_id}/spending", headers=lee).status_code == 403  # at once
        assert client.delete(f"/api/family/{by_member}", headers=kim).status_code == 204  # again: nothing changes
        assert client.post(f"/api/family/{by_member}/accept", headers=kim).status_code == 409  # ended stays ended
        by_viewer = _invite(client, park, park_id, KIM)
        client.post(f"/api/family/{by_viewer}/accept", headers=kim)
        assert client.get(f"/api/people/{kim_id}/spending", headers=park).status_code == 200
        assert client.delete(f"/api/family/{by_viewer}", headers=park).status_code == 204  # the viewer ends it
        assert client.get(f"/api/people/{kim_id}/spending", headers=park).status_code == 403
        declined = _invite(client, lee, lee_id, KIM)
        assert client.delete(f"/api/family/{declined}", headers=kim).status_code == 204
        statuses = {x["id"]: x["status"] for x in client.get(f"/api/people/{kim_id}/family", headers=kim).json()}
        assert statuses == {by_member: "ended", by_viewer: "ended", declined: "declined"}
        with sessions.begin() as s:
            trail = [a.action for a in s.scalars(select(AuditRow).where(AuditRow.action.like("family.%")))]
        assert trail.count("family.ended") == 3 and trail.count("family.accepted") == 2

    def test_who_may_invite_whom(self, sessions: sessionmaker[Session], master: FileMasterKey) -> None:
        client, _kim_id, lee_id, _claim = _family_client(sessions, master)
        kim, lee, rev = sign_in(client, KIM), sign_in(client, LEE), staff(client, "rev")
        url = f"/api/people/{lee_id}/family"
        body = {"name": KIM.name, "phone": KIM.phone}
        assert client.post(url, headers=rev, json=body).status_code == 403  # staff do not invite for people
        assert client.post(url, headers=kim, json=body).status_code == 403  # nor one customer for another
        myself = client.post(url, headers=lee, json={"name": LEE.name, "phone": LEE.phone})
        assert myself.status_code == 422 and "본인은 초대할 수 없어요" in myself.json()["message"]
        first, second = _invite(client, lee, lee_id, KIM), _invite(client, lee, lee_id, KIM)
        assert first == second  # the same person twice: one invitation
        for i in range(9):
            client.post(url, headers=lee, json={"name": f"가족{i}", "phone": f"010-7000-00{i:02d}"})
        too_many = client.post(url, headers=lee, json={"name": "열하나", "phone": "010-7000-0099"})
        assert too_many.status_code == 409 and "10개까지" in too_many.json()["message"]
        client.post(f"/api/people/{lee_id}/withdrawal", headers=lee,
                    json={"name": LEE.name, "birth_date": LEE.birth_date.isoformat(), "phone": LEE.phone})  # fmt: skip
        client.delete(f"/api/family/{first}", headers=lee)
        closing = client.post(url, headers=lee, json={"name": PARK.name, "phone": PARK.phone})
        assert closing.status_code == 409 and closing.json()["code"] == "withdrawal_pending"

    def test_withdrawal_and_erasure_end_every_link(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        client, kim_id, lee_id, _claim = _family_client(sessions, master)
        kim, lee = sign_in(client, KIM), sign_in(client, LEE)
        client.post(f"/api/family/{_invite(client, lee, lee_id, KIM)}/accept", headers=kim)
        client.post(f"/api/family/{_invite(client, kim, kim_id, LEE)}/accept", headers=lee)
        with sessions.begin() as s:
            people.erase(s, lee_id, NOW)
        with sessions.begin() as s:
            assert family.viewer(s, kim_id).views == frozenset()
            assert family.viewer(s, lee_id).views == frozenset()
            rows = s.scalars(select(FamilyLinkRow)).all()
            assert {r.status for r in rows} == {"ended"} and {r.ended_by for r in rows} == {"system:erasure"}

    def test_the_family_page_names_the_inviter_and_ends_the_link(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        client, kim_id, lee_id, _claim = _family_client(sessions, master)
        lee = sign_in(client, LEE)
        link = _invite(client, lee, lee_id, KIM)
        kim = sign_in(client, KIM)
        csrf = _page_session(client, kim)
        page = client.get(f"/people/{kim_id}/family").text
        assert f"<strong>{LEE.name}</strong>님" in page and "보고 싶어 해요" in page and "초대 수락" in page
        accepted = client.post(f"/family/{link}/accept", data={"csrf": csrf, "shares": "contact"},
                               follow_redirects=False)  # fmt: skip
        assert accepted.status_code == 303
        assert client.get(f"/api/people/{kim_id}", headers=lee).json()["phone"] == KIM.phone
        assert client.post(f"/family/{link}/end", data={"csrf": "forged"}).status_code == 403  # CSRF holds
        assert client.post(f"/family/{link}/end", data={"csrf": csrf}, follow_redirects=False).status_code == 303
        assert client.get(f"/api/people/{kim_id}/spending", headers=lee).status_code == 403
        assert "연결이 끝났어요" in client.get(f"/people/{kim_id}/family").text


class TestNothingPersonalAtRest:
    """Issue 14: the 사업자등록번호 of each spending row and a correction's amounts and reason were in
    clear. The raw files must hold none of the demo family's personal strings."""

    def _secrets(self, reason: str) -> list[str]:
        data = read_hometax(FAMILY / "hometax-2023-2025.xml")
        found = set(demo.pii_lines()) | {reason}
        for m in data.medical:
            found |= {m.provider_id, m.provider_name}
        return sorted(found)

    def test_the_demo_database_files_hold_no_personal_string(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("SILSON_HOME", str(tmp_path))
        monkeypatch.delenv("SILSON_DATABASE_URL", raising=False)
        demo.seed()
        engine = make_engine(f"sqlite:///{tmp_path / 'silson.db'}")
        sessions = session_factory(engine)
        master = FileMasterKey.load_or_create(tmp_path / "master.key")
        reason = "세부내역서 확인: 도수치료 1회분만 해당"
        with sessions.begin() as s:
            claim = repository.claims_of(s, None)[1]
            (visit, *_) = events.of_claim(s, master, Actor(Role.REVIEWER, staff_id="r"), claim.id)
            events.correct(s, master, Actor(Role.REVIEWER, staff_id="r"), event_id=visit.id,
                           amounts={"noncovered": 80000}, reason=reason, expected_revision=visit.revision,
                           now=NOW)  # fmt: skip
        with sessions.begin() as s:  # what staff read is the correction as written
            rev = Actor(Role.REVIEWER, staff_id="r")
            services = Services(sessions, master, SandboxIdentity([]), {})
            trail = claim_service.claim_audit(s, master, rev, claim.id)
            (corrected,) = [a.detail for a in trail if a.action == "claim.event_corrected"]
            assert corrected["reason"] == reason and corrected["changed"] == {"noncovered": [180000, 80000]}
            assert {r.provider_id for r in stored_report(s, master, services.catalogue, services.directory, rev,
                    person_id=claim.person_id, as_of=NOW.date(), now=NOW).persons[0].provider_years} >= {
                    "1018210117"}  # fmt: skip
        engine.dispose()
        raw = b"".join(f.read_bytes() for f in sorted(tmp_path.glob("silson*.db*")))
        assert len(raw) > 100_000
        for secret in self._secrets(reason):
            for encoded in {secret.encode("utf-8"), secret.encode("utf-16-le")}:
                assert encoded not in raw, f"{secret!r} is in the raw files"
        assert b'"changed"' not in raw  # the correction's detail is one sealed blob

    def test_migration_0016_seals_the_numbers_already_stored(self, tmp_path: Path) -> None:
        """A database from before 0016 holds 사업자등록번호 in clear; the upgrade seals each under its
        person's key and zeroes the old table's pages."""
        master = FileMasterKey.load_or_create(tmp_path / "master.key")
        engine = make_engine(f"sqlite:///{tmp_path / 'silson.db'}")
        config = Config()
        config.set_main_option("script_location", str(resources.files("silson.store").joinpath("migrations")))
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0015")
        keystore.ensure(engine)
        sessions = session_factory(engine)
        with sessions.begin() as s:
            pid = people.register(s, master, name=KIM.name, birth_date=KIM.birth_date, phone=KIM.phone, rrn=None,
                                  now=NOW)  # fmt: skip
            key = people.data_key(s, master, pid)
            name = seal(key, "연세가정의원", "spending.provider_name")
        with engine.begin() as c:
            c.execute(text("INSERT INTO import_file (id, person_id, kind, file_hash, imported_at) "
                           "VALUES (1, :p, 'hometax', 'x', '2026-11-23 09:00:00')"), {"p": pid})  # fmt: skip
            c.execute(text("INSERT INTO spending (person_id, import_id, year, provider_id, provider_name_sealed, amount)"
                           " VALUES (:p, 1, 2024, '1018210117', :n, 184000)"), {"p": pid, "n": name})  # fmt: skip
        migrate(engine)
        with sessions.begin() as s:
            (row,) = repository.spending_of(s, pid)
            assert at_rest.open_provider(people.data_key(s, master, pid), row) == "1018210117"
        keystore.checkpoint(engine, schema="main")
        engine.dispose()
        assert b"1018210117" not in (tmp_path / "silson.db").read_bytes()


ENGLISH = re.compile(r"\b(not found|may not|forbidden|error|invalid|field required|string should|traceback|"
                     r"value error|unprocessable|internal server)\b", re.IGNORECASE)  # fmt: skip
RAW_IDS = re.compile(r"std-\d{4}-\d{2}|gen1-(life|nonlife)|silson-contracts/1|contract:\d|spending:\d|"
                     r"disease_(out|in)patient|claim\.[a-z_]+|person:\d")  # fmt: skip


def _main_text(html: str) -> str:
    """What a person reads in the page's main part (tags, scripts and attributes left out)."""
    main = html.split('<main id="main"', 1)[-1].split("</main>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


class TestWhatPeopleSee:
    def _kim(self, sessions: sessionmaker[Session], master: FileMasterKey) -> tuple[TestClient, int, str]:
        client, _kim_id, _lee, claim = _family_client(sessions, master)
        csrf = _page_session(client, sign_in(client, KIM))
        return client, claim, csrf

    def test_refusals_are_pages_in_korean_with_the_next_step(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        client, claim, csrf = self._kim(sessions, master)
        with sessions.begin() as s:
            other = people.register(s, master, name="남", birth_date=date(1970, 1, 1), phone="010-1111-2222", rrn=None,
                                    now=NOW)  # fmt: skip
        answers = {
            "unknown page": client.get("/nowhere/at/all"),
            "someone else's import": client.get(f"/people/{other}/import"),
            "a claim that is not there": client.get("/claims/999999"),
            "a visit that is not there": client.get(f"/claims/{claim}/visits/999999"),
            "a bad form": client.post(f"/people/{other}/family", data={"csrf": csrf, "name": "가" * 60, "phone": "1"}),
            "a forged form": client.post(f"/claims/{claim}/moves", data={"csrf": "x", "to": "cancelled", "key": "k"}),
            "a wrong method": client.delete("/sign-in"),
        }
        for what, page in answers.items():
            assert page.headers["content-type"].startswith("text/html"), what
            text = _main_text(page.text)
            assert page.status_code in (403, 404, 405, 422), what
            assert "이렇게 해 보세요" in text and not ENGLISH.search(text), (what, text)
        assert "이름은 50자까지 적을 수 있어요" in _main_text(answers["a bad form"].text)
        assert "새로 고친 뒤" in _main_text(answers["a forged form"].text)
        api = client.get("/api/nowhere")
        assert api.headers["content-type"] == "application/json" and api.status_code == 404

    def test_a_failure_of_ours_is_the_sites_500_page(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        services = Services(sessions, master, SandboxIdentity([]), {})
        app = create_app(services, run_jobs=False)

        @app.get("/boom")
        def boom() -> None:
            raise RuntimeError("a defect with a secret detail")

        page = TestClient(app, raise_server_exceptions=False).get("/boom")
        assert page.status_code == 500 and "일시적인 오류" in page.text and "secret detail" not in page.text

    def test_docs_work_under_the_csp_and_there_is_a_favicon(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        client = _client(sessions, master)
        docs = client.get("/docs")
        assert docs.status_code == 200 and "script-src" not in docs.headers["content-security-policy"]
        assert "default-src 'self'" in docs.headers["content-security-policy"]
        sources = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
        assert sources and all(s.startswith("/") for s in sources)  # nothing from another site
        assert "<script>" not in docs.text  # no inline script: the CSP would block it
        for src in sources:
            assert client.get(src).status_code == 200, src
        icon = client.get("/favicon.ico")
        assert (
            icon.status_code == 200
            and icon.headers["content-type"] == "image/x-icon"
            and icon.content[:4] == b"\0\0\1\0"
        )

    def test_the_estimate_names_the_generation_and_times_are_korean(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        client, claim, csrf = self._kim(sessions, master)
        with sessions.begin() as s:
            pid = s.get(ClaimRow, claim).person_id
        panel = client.get(f"/people/{pid}/estimate", headers={"hx-request": "true"}).text
        assert "2세대 실손 · 2015년 9월 표준약관" in panel and not RAW_IDS.search(panel)
        zero = [li for li in panel.split("<li>") if "예상 0원" in li]
        assert zero and all('class="urgent"' not in li for li in zero)  # a 0원 line is never shown as urgent
        asked = client.post(f"/claims/{claim}/moves", data={"csrf": csrf, "to": "cancelled", "key": "c1"})
        assert asked.status_code == 422 and "취소할게요" in _main_text(asked.text)  # asked first
        with sessions.begin() as s:
            assert s.get(ClaimRow, claim).state == "draft"
        done = client.post(
            f"/claims/{claim}/moves", data={"csrf": csrf, "to": "cancelled", "key": "c2", "confirm": "yes"}
        )
        assert done.status_code == 200 and "취소" in _main_text(done.text)
        with sessions.begin() as s:
            moved_at = s.scalars(select(AuditRow.at).where(AuditRow.action == "claim.moved")).one()
        kst_time = (moved_at.replace(tzinfo=UTC) if moved_at.tzinfo is None else moved_at).astimezone(SEOUL)
        assert kst_time.strftime("%Y-%m-%d %H:%M") in done.text  # the move's time as read in Seoul

    def test_the_reviewers_audit_list_is_korean(self, sessions: sessionmaker[Session], master: FileMasterKey) -> None:
        client, claim, _csrf = self._kim(sessions, master)
        with sessions.begin() as s:
            (visit,) = events.of_claim(s, master, Actor(Role.REVIEWER, staff_id="rev"), claim)
            events.correct(s, master, Actor(Role.REVIEWER, staff_id="rev"), event_id=visit.id,
                           amounts={"noncovered": 80000}, reason="세부내역서 확인", expected_revision=1,
                           now=NOW)  # fmt: skip
        client.cookies.clear()
        _page_session(client, staff(client, "rev"))
        page = client.get(f"/review/claims/{claim}").text
        audit = page.split('id="audit"', 1)[1].split("</ol>", 1)[0]
        assert "금액 정정: 진료 #" in audit and "비급여 180,000원 → 80,000원 · 사유: 세부내역서 확인" in audit
        assert not RAW_IDS.search(audit) and "{" not in audit

    def test_an_htmx_swap_that_fails_says_so_in_place(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        client, claim, _csrf = self._kim(sessions, master)
        client.cookies.clear()
        csrf = _page_session(client, staff(client, "rev"))
        with sessions.begin() as s:
            (visit,) = events.of_claim(s, master, Actor(Role.REVIEWER, staff_id="rev"), claim)
        form = {"csrf": csrf, "reason": "세부내역서", "covered_copay": "35000", "covered_full": "0",
                "noncovered": "90000", "revision": "1"}  # fmt: skip
        htmx = {"hx-request": "true"}
        first = client.post(f"/review/claims/{claim}/visits/{visit.id}", data=form, headers=htmx)
        assert first.status_code == 200
        stale = client.post(f"/review/claims/{claim}/visits/{visit.id}", data={**form, "noncovered": "70000"},
                            headers=htmx)  # fmt: skip
        assert stale.status_code == 422 and 'id="claim-error"' in stale.text  # the claim's part, with its message
        assert "그사이 다른 사람이 내용을 바꿨어요" in stale.text and "meanwhile" not in stale.text
        gone = client.get("/review/claims/999999", headers=htmx)
        assert gone.status_code == 404 and gone.headers["hx-retarget"] == "#htmx-error"
        assert "<html" not in gone.text and "찾을 수 없습니다" in gone.text  # a line in place, not a page in a page
        page = client.get(f"/review/claims/{claim}").text
        assert '"responseHandling"' in page and 'id="htmx-error"' in page  # htmx swaps 4xx answers in

    def test_the_customer_sees_why_an_amount_was_corrected_and_what_a_job_brought(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        client, claim, csrf = self._kim(sessions, master)
        with sessions.begin() as s:
            (visit,) = events.of_claim(s, master, Actor(Role.REVIEWER, staff_id="rev"), claim)
            events.correct(s, master, Actor(Role.REVIEWER, staff_id="rev"), event_id=visit.id,
                           amounts={"noncovered": 80000}, reason="세부내역서: 도수치료 1회분만", expected_revision=1,
                           now=NOW)  # fmt: skip
        page = _main_text(client.get(f"/claims/{claim}/visits/{visit.id}").text)
        assert "심사센터가 고친 금액" in page and "비급여 180,000원 → 80,000원" in page
        assert "사유: 세부내역서: 도수치료 1회분만" in page
        with sessions.begin() as s:
            pid = s.get(ClaimRow, claim).person_id
        again = client.post(f"/people/{pid}/import", data={"csrf": csrf, "kind": "hometax"},
                            files={"file": ("h.xml", (FAMILY / "hometax-2023-2025.xml").read_bytes())})  # fmt: skip
        job = re.search(r"/jobs/(\d+)", str(again.url))
        assert job is not None
        JobRunner(Services(sessions, master, SandboxIdentity([]), {})).run_once()
        status = _main_text(client.get(f"/jobs/{job.group(1)}").text)
        assert "완료" in status and "새로 가져온 내역이 없어요" in status  # the same file again brings nothing

    def test_a_newcomer_sees_the_next_step_and_no_empty_chart(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        client = _client(sessions, master)
        headers = sign_in(client, STRANGER)
        pid = client.get("/api/me", headers=headers).json()["person_id"]
        csrf = _page_session(client, headers)
        first = client.get(f"/people/{pid}/estimate", headers={"hx-request": "true"}).text
        assert 'id="step-consent"' in first and 'id="step-import"' not in first and "<svg" not in first
        client.post(f"/people/{pid}/consent/data_import", data={"csrf": csrf, "action": "grant"})
        then = client.get(f"/people/{pid}/estimate", headers={"hx-request": "true"}).text
        assert 'id="step-import"' in then and "자료 조회 동의 완료" in then and "<svg" not in then
