"""The customer's pages of the relay (issue 18) through the app: the routes of a claim's visits with
their reasons, picking another (an impossible pick refused with the reason, on the page), the 실손24
guide and the form that records what was sent. Another person's claim answers as a missing one."""

from __future__ import annotations

import re
from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from silson.access import Role
from silson.adapters.identity import Identity, SandboxIdentity
from silson.privacy import people
from silson.privacy.crypto import FileMasterKey
from silson.relay import plan
from silson.store import repository
from silson.store.models import ClaimRow
from silson.web.app import Services, create_app
from silson.web.pages.common import CSRF_COOKIE, SESSION_COOKIE
from tests.claims.conftest import NOW
from tests.relay.test_service import DIRECTORY, HOSPITAL, UNLINKED, claim_with_visits, outpatient
from tests.store.test_api import sign_in

CHOI = Identity("최유나", date(1979, 2, 3), "010-2222-3434")
HAN = Identity("한지우", date(1992, 5, 5), "010-7777-8888")


def client_for(sessions: sessionmaker[Session], master: FileMasterKey, who: Identity) -> TestClient:
    client = TestClient(create_app(Services(sessions, master, SandboxIdentity([CHOI, HAN]), {"rev": (Role.REVIEWER,
                                                                                                      "x")}),
                                   run_jobs=False))  # fmt: skip
    token = sign_in(client, who)["Authorization"].removeprefix("Bearer ")
    client.cookies.set(SESSION_COOKIE, token)
    client.get("/")  # the CSRF cookie
    return client


def post(client: TestClient, url: str, data: dict[str, object]) -> object:
    return client.post(url, data={**data, "csrf": client.cookies.get(CSRF_COOKIE)}, follow_redirects=False)


def test_routes_guide_and_record_through_the_pages(sessions: sessionmaker[Session], master: FileMasterKey) -> None:
    _pid, cid = claim_with_visits(
        sessions, master, outpatient("2025-08-11", HOSPITAL), outpatient("2025-08-12", UNLINKED)
    )
    with sessions.begin() as s:
        people.register(s, master, name=HAN.name, birth_date=HAN.birth_date, phone=HAN.phone, rrn=None, now=NOW)
        linked, unlinked = (f"e{e.id}" for e in repository.events_of_claim(s, cid))
    client = client_for(sessions, master, CHOI)

    page = client.get(f"/claims/{cid}/routes").text
    assert "튼튼병원" in page and "2025-01-23부터 실손24에 연결되어 2025-08-11 진료의" in page
    assert "실손24: 안 돼요 — 새봄의원은(는) 실손24 연결 목록에 없어요" in page

    refused = post(client, f"/claims/{cid}/routes", {"subject": unlinked, "to": "silson24"})
    assert refused.status_code == 422  # type: ignore[attr-defined]
    assert "새봄의원은(는) 실손24 연결 목록에 없어요" in refused.text  # type: ignore[attr-defined]

    guide = client.get(f"/claims/{cid}/silson24").text
    assert '보험사 <strong id="guide-insurer">현대해상</strong>' in guide
    assert "튼튼병원" in guide and "진료일 2025-08-11" in guide and "새봄의원" not in guide
    bad = post(client, f"/claims/{cid}/silson24", {"subjects": linked, "channel": "toss",
                                                   "submitted_on": NOW.date().isoformat(), "receipt_no": "접수!",
                                                   "key": "f1"})  # fmt: skip
    assert bad.status_code == 422 and "접수번호는 실손24 화면에 나온" in bad.text  # type: ignore[attr-defined]
    good = post(client, f"/claims/{cid}/silson24", {"subjects": linked, "channel": "toss",
                                                    "submitted_on": NOW.date().isoformat(), "receipt_no": "T-88120",
                                                    "key": "f2"})  # fmt: skip
    assert good.status_code == 303  # type: ignore[attr-defined]
    after = client.get(f"/claims/{cid}/silson24").text
    assert re.search(r"토스 앱의 실손24 · 접수번호 <strong>T-88120</strong> · 기록: 본인", after)
    assert 'id="guide-done"' in after
    with sessions.begin() as s:
        sent = {p.subject.ref: p.sent for p in plan.plan(s, master, DIRECTORY, s.get(ClaimRow, cid), now=NOW)}
    assert sent[linked] is not None and sent[linked].receipt_no == "T-88120" and sent[unlinked] is None


def test_another_persons_claim_pages_are_missing(sessions: sessionmaker[Session], master: FileMasterKey) -> None:
    _pid, cid = claim_with_visits(sessions, master, outpatient("2025-08-11", HOSPITAL))
    with sessions.begin() as s:
        people.register(s, master, name=HAN.name, birth_date=HAN.birth_date, phone=HAN.phone, rrn=None, now=NOW)
        ref = f"e{repository.events_of_claim(s, cid)[0].id}"
    han = client_for(sessions, master, HAN)
    assert han.get(f"/claims/{cid}/routes").status_code == 404
    assert han.get(f"/claims/{cid}/silson24").status_code == 404
    assert post(han, f"/claims/{cid}/routes", {"subject": ref, "to": "upload"}).status_code == 404  # type: ignore[attr-defined]
    sent = post(han, f"/claims/{cid}/silson24", {"subjects": ref, "channel": "app", "submitted_on": "2026-11-20",
                                                 "receipt_no": "A-1234", "key": "k"})  # fmt: skip
    assert sent.status_code == 404  # type: ignore[attr-defined]
    # and a staff member who is not the call center has no assisted pages
    assert han.get("/assist", follow_redirects=False).headers["location"] == "/staff/sign-in"
