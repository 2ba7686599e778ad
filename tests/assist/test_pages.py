"""Assisted mode through the app: call-center staff are refused a person's claim pages until the
person's request is recorded, then record a 실손24 result for them, which the person sees as 대리
처리 by that staff member; a request that does not cover the action is refused on the page."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from silson.access import Role
from silson.adapters.identity import SandboxIdentity
from silson.privacy.crypto import FileMasterKey
from silson.store import repository
from silson.web.app import Services, create_app
from silson.web.pages.common import CSRF_COOKIE, SESSION_COOKIE
from tests.claims.conftest import NOW
from tests.relay.test_pages import CHOI
from tests.relay.test_service import HOSPITAL, claim_with_visits, outpatient
from tests.store.test_api import sign_in

SECRET = "call-secret"
TODAY = datetime.now(UTC).astimezone(ZoneInfo("Asia/Seoul")).date()  # the pages' own clock: a request is recent


def app(sessions: sessionmaker[Session], master: FileMasterKey) -> TestClient:
    staff = {"call-kim": (Role.ASSISTANT, SECRET), "rev": (Role.REVIEWER, SECRET)}
    return TestClient(create_app(Services(sessions, master, SandboxIdentity([CHOI]), staff), run_jobs=False))


def signed_in(client: TestClient, token: str) -> TestClient:
    client.cookies.set(SESSION_COOKIE, token)
    client.get("/")  # the CSRF cookie
    return client


def post(client: TestClient, url: str, data: dict[str, object]) -> object:
    return client.post(url, data={**data, "csrf": client.cookies.get(CSRF_COOKIE)}, follow_redirects=False)


def request_form(covers: list[str]) -> dict[str, object]:
    return {"name": CHOI.name, "birth_date": CHOI.birth_date.isoformat(), "phone": CHOI.phone, "channel": "visit",
            "requested_on": TODAY.isoformat(), "covers": covers, "consent": "signed_form", "note": ""}  # fmt: skip


def test_staff_record_a_silson24_result_for_the_person_only_under_a_request(
    sessions: sessionmaker[Session], master: FileMasterKey
) -> None:
    pid, cid = claim_with_visits(sessions, master, outpatient("2025-08-11", HOSPITAL))
    with sessions.begin() as s:
        ref = f"e{repository.events_of_claim(s, cid)[0].id}"
    staff = app(sessions, master)
    token = staff.post("/api/auth/staff", json={"staff_id": "call-kim", "secret": SECRET}).json()["token"]
    staff = signed_in(staff, token)
    assert staff.get(f"/assist/claims/{cid}/silson24").status_code == 403
    assert staff.get(f"/assist/people/{pid}").status_code == 403

    # a request that covers only the claim: the 실손24 result is refused, the guide may be read
    assert post(staff, "/assist/requests", request_form(["claim.open"])).status_code == 303  # type: ignore[attr-defined]
    guide = staff.get(f"/assist/claims/{cid}/silson24")
    assert guide.status_code == 200 and "튼튼병원" in guide.text and "진료일 2025-08-11" in guide.text
    form = {"subjects": ref, "channel": "call_center", "submitted_on": NOW.date().isoformat(), "receipt_no": "C-5512",
            "key": "a1"}  # fmt: skip
    refused = post(staff, f"/assist/claims/{cid}/silson24", form)
    assert refused.status_code == 403 and "실손24 접수 결과 기록" in refused.text  # type: ignore[attr-defined]

    assert post(staff, "/assist/requests", request_form(["relay.record"])).status_code == 303  # type: ignore[attr-defined]
    assert post(staff, f"/assist/claims/{cid}/silson24", form).status_code == 303  # type: ignore[attr-defined]
    after = staff.get(f"/assist/claims/{cid}/silson24").text
    assert re.search(r"접수번호 <strong>C-5512</strong> · 기록: 상담원 call-kim \(대리 처리\)", after)

    person = app(sessions, master)
    person = signed_in(person, sign_in(person, CHOI)["Authorization"].removeprefix("Bearer "))
    mine = person.get(f"/people/{pid}/assisted").text
    assert "상담원 call-kim</strong> · 청구 #" in mine and "실손24로 보낸 결과(접수번호 C-5512)를 기록했어요" in mine
    assert "방문" in mine and "서면 동의서 서명" in mine
    panel = person.get(f"/claims/{cid}/assisted", headers={"hx-request": "true"}).text
    assert "상담원 call-kim" in panel and "C-5512" in panel


def test_a_reviewer_is_not_the_call_center(sessions: sessionmaker[Session], master: FileMasterKey) -> None:
    client = app(sessions, master)
    token = client.post("/api/auth/staff", json={"staff_id": "rev", "secret": SECRET}).json()["token"]
    client = signed_in(client, token)
    assert client.get("/assist", follow_redirects=False).headers["location"] == "/staff/sign-in"
    refused = post(client, "/assist/requests", request_form(["claim.open"]))
    assert refused.status_code == 303 and refused.headers["location"] == "/staff/sign-in"  # type: ignore[attr-defined]


def test_the_large_text_home_offers_one_next_action(sessions: sessionmaker[Session], master: FileMasterKey) -> None:
    pid, cid = claim_with_visits(sessions, master, outpatient("2025-08-11", HOSPITAL))
    with sessions.begin() as s:
        ref = f"e{repository.events_of_claim(s, cid)[0].id}"
    person = app(sessions, master)
    person = signed_in(person, sign_in(person, CHOI)["Authorization"].removeprefix("Bearer "))
    assert post(person, f"/people/{pid}/display", {"large": "on", "back": "/me"}).headers["location"] == "/me"  # type: ignore[attr-defined]
    assert person.get("/me", follow_redirects=False).headers["location"] == f"/people/{pid}/simple"

    home = person.get(f"/people/{pid}/simple").text
    assert '<body class="large"' in home and home.count('id="next-action"') == 1
    assert f'href="/claims/{cid}/silson24" id="next-action">실손24로 보내기' in home
    form = {"subjects": ref, "channel": "app", "submitted_on": TODAY.isoformat(), "receipt_no": "A-9001", "key": "k"}
    assert post(person, f"/claims/{cid}/silson24", form).status_code == 303  # type: ignore[attr-defined]
    # 실손24 carried the receipt and the bill; the document with the code is still the person's to upload
    home = person.get(f"/people/{pid}/simple").text
    assert f'href="/claims/{cid}/uploads" id="next-action">서류 사진 올리기' in home

    assert post(person, f"/people/{pid}/display", {"large": "off"}).status_code == 303  # type: ignore[attr-defined]
    assert person.get("/me", follow_redirects=False).headers["location"] == f"/people/{pid}"
    assert post(person, f"/people/{pid + 1}/display", {"large": "on"}).status_code == 403  # type: ignore[attr-defined]
