"""The claim road's pages tried as an attacker: another customer's package papers, settings and the
review center's forms are refused, the owner and staff get what is theirs, and nothing changes on a
refusal (pages through the app, signed in by cookie as a browser is)."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from silson.access import Role
from silson.adapters.identity import Identity, SandboxIdentity
from silson.claims import events, release
from silson.notifications import preferences
from silson.privacy.crypto import FileMasterKey
from silson.rules.catalogue import Catalogue
from silson.web.app import Services, create_app
from silson.web.pages.common import CSRF_COOKIE, SESSION_COOKIE
from tests.claims.conftest import NOW, person_with_estimate
from tests.claims.test_release import DIRECTORY, REVIEWER, claim_with_visits, mark_all_received
from tests.store.test_api import sign_in

OWNER = Identity("박서연", date(1985, 4, 12), "010-4821-7730")
OTHER = Identity("이민호", date(1979, 2, 3), "010-7000-1234")
SECRET = "rev-secret"


def client(sessions: sessionmaker[Session], master: FileMasterKey, who: Identity | None) -> TestClient:
    app = TestClient(create_app(Services(sessions, master, SandboxIdentity([OWNER, OTHER]),
                                         {"rev": (Role.REVIEWER, SECRET)}), run_jobs=False))  # fmt: skip
    if who is None:
        token = app.post("/api/auth/staff", json={"staff_id": "rev", "secret": SECRET}).json()["token"]
    else:
        token = sign_in(app, who)["Authorization"].removeprefix("Bearer ")
    app.cookies.set(SESSION_COOKIE, token)
    app.get("/")  # the CSRF cookie
    return app


def post(app: TestClient, url: str, data: dict[str, object]) -> int:
    return app.post(url, data={**data, "csrf": app.cookies.get(CSRF_COOKIE)}, follow_redirects=False).status_code


def test_package_papers_and_review_forms_refuse_everyone_but_the_owner_and_staff(
    sessions: sessionmaker[Session], master: FileMasterKey, catalogue: Catalogue
) -> None:
    claim = claim_with_visits(sessions, master, catalogue)
    person_with_estimate(sessions, master, name=OTHER.name, born=OTHER.birth_date, phone=OTHER.phone)
    mark_all_received(sessions, master, claim)
    with sessions.begin() as s:
        package = release.release(s, master, DIRECTORY, REVIEWER, claim_id=claim, idempotency_key="r", now=NOW).id
        visits = len(events.of_claim(s, master, REVIEWER, claim))
    paper = f"/claims/{claim}/packages/{package}/claim_form.pdf"
    owner, other, staff = (client(sessions, master, w) for w in (OWNER, OTHER, None))

    mine = owner.get(paper)
    assert mine.status_code == 200 and mine.content.startswith(b"%PDF") and mine.headers["cache-control"] == "no-store"
    assert staff.get(paper).status_code == 200
    assert other.get(paper).status_code in (403, 404)  # another customer's claim: nothing of it
    assert owner.get(f"/claims/{claim}/packages/{package + 1}/claim_form.pdf").status_code == 404
    assert owner.get(f"/claims/{claim}/packages/{package}/secret.pdf").status_code == 404

    visit = {"day": "2025-05-02", "kind": "outpatient", "institution_kind": "clinic", "institution_name": "가짜의원",
             "covered_copay": "10000"}  # fmt: skip
    assert post(owner, f"/review/claims/{claim}/visits", visit) == 303  # to the staff sign-in: not a reviewer
    assert post(owner, f"/review/claims/{claim}/follow", {}) == 303
    assert owner.get(f"/review/claims/{claim}/visits").status_code in (303, 405)
    assert post(staff, f"/review/claims/{claim}/visits", {**visit, "covered_copay": "12,x"}) == 422  # names the field
    assert post(staff, f"/review/claims/{claim}/visits", {**visit, "institution_kind": "spa"}) == 422
    with sessions.begin() as s:
        assert len(events.of_claim(s, master, REVIEWER, claim)) == visits  # nothing added by the refusals
    assert post(staff, f"/review/claims/{claim}/visits", {**visit, "cause": "burn"}) == 422  # disease or injury
    assert post(staff, f"/review/claims/{claim}/visits", {**visit, "cause": "injury", "kcd": "S93.4"}) == 303
    with sessions.begin() as s:
        added = events.of_claim(s, master, REVIEWER, claim)[-1]
        assert len(events.of_claim(s, master, REVIEWER, claim)) == visits + 1
        assert added.data["cause"] == "injury"  # an injury visit is paid under the injury coverages


def test_only_the_person_sees_and_sets_their_notification_choices(
    sessions: sessionmaker[Session], master: FileMasterKey
) -> None:
    pid = person_with_estimate(sessions, master, name=OWNER.name, born=OWNER.birth_date, phone=OWNER.phone)
    person_with_estimate(sessions, master, name=OTHER.name, born=OTHER.birth_date, phone=OTHER.phone)
    owner, other = client(sessions, master, OWNER), client(sessions, master, OTHER)
    url = f"/people/{pid}/notifications/settings"
    assert other.get(url).status_code == 403
    assert post(other, url, {"topic": ["documents"]}) == 403
    assert post(owner, url, {"topic": ["documents", "progress", "late", "deadline", "closing"]}) == 200
    page = owner.get(url).text
    assert 'id="topic-payment" name="topic" value="payment">' in page  # unchecked now
    with sessions.begin() as s:
        assert preferences.wants(s, person_id=pid, kind="paid") is False
        assert preferences.wants(s, person_id=pid, kind="overdue") is True
    assert owner.post(url, data={"topic": ["payment"]}, follow_redirects=False).status_code == 403  # no CSRF token


def test_the_api_reads_and_sets_the_choices_for_the_person_only(
    sessions: sessionmaker[Session], master: FileMasterKey
) -> None:
    pid = person_with_estimate(sessions, master, name=OWNER.name, born=OWNER.birth_date, phone=OWNER.phone)
    person_with_estimate(sessions, master, name=OTHER.name, born=OTHER.birth_date, phone=OTHER.phone)
    app = TestClient(create_app(Services(sessions, master, SandboxIdentity([OWNER, OTHER]), {}), run_jobs=False))
    mine, theirs = sign_in(app, OWNER), sign_in(app, OTHER)
    url = f"/api/people/{pid}/notification-preferences"
    got = app.put(url, json={"enabled": {"payment": False}}, headers=mine)
    assert got.status_code == 200
    assert {t["topic"]: t["enabled"] for t in got.json()}["payment"] is False
    assert "partly_paid" in next(t["kinds"] for t in got.json() if t["topic"] == "payment")
    assert app.get(url, headers=theirs).status_code == 403
    assert app.put(url, json={"enabled": {"payment": True}}, headers=theirs).status_code == 403
    bad = app.put(url, json={"enabled": {"sms": True}}, headers=mine)
    assert bad.status_code == 422 and "topics.sms" in bad.text
    assert app.put(url, json={"enabled": {}, "also": 1}, headers=mine).status_code == 422
    assert {t["topic"]: t["enabled"] for t in app.get(url, headers=mine).json()}["payment"] is False
