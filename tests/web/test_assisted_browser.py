"""Assisted mode end to end in a real headless Chromium (issue 18): a call-center staff member is
refused a person's pages before any request, records the person's request and the consent it rests
on, opens a claim for them from their estimate and picks how one visit's documents come; the person
then signs in, sees the claim, who opened it and what was done for them, and turns on large text
(one action per screen). Phone-sized throughout; every page is saved as a screenshot."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from silson.access import Role
from silson.demo import FAMILY
from silson.privacy import people
from tests.web.conftest import STAFF_SECRET, Live
from tests.web.test_browser import _page, _shot, _sign_in, _sign_out

LEE = FAMILY[1]  # 이서연: the demo's second member (김민준's claims are the reviewer test's)
STAFF_ID = "call-park"


def _lee_id(live: Live) -> int:
    with live.services.sessions.begin() as s:
        return people.find_by_phone(s, live.services.master, str(LEE["phone"]))[0]


def test_staff_open_a_claim_at_the_persons_request_and_the_person_sees_who(live: Live, browser: Any,
                                                                          shots: Path) -> None:  # fmt: skip
    live.services.staff[STAFF_ID] = (Role.ASSISTANT, STAFF_SECRET)
    pid = _lee_id(live)
    page = _page(browser)
    page.goto(f"{live.url}/staff/sign-in")
    page.get_by_label("직원 ID").fill(STAFF_ID)
    page.get_by_label("비밀번호").fill(STAFF_SECRET)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_url(re.compile(r"/assist$"))
    _shot(page, shots, "01-console")

    # before any request: the person's page is refused, and says why
    refused = page.goto(f"{live.url}/assist/people/{pid}")
    assert refused is not None and refused.status == 403
    assert "도움 요청 기록이 없어요" in page.locator("main").inner_text()
    _shot(page, shots, "02-refused-without-request")

    # the request, with one fact wrong: nobody is found, and nothing says which fact
    page.goto(f"{live.url}/assist")
    page.get_by_label("회원 이름").fill(str(LEE["name"]))
    page.get_by_label("생년월일").fill(LEE["birth_date"].isoformat())  # type: ignore[union-attr]
    page.get_by_label("휴대폰 번호").fill("010-0000-0000")
    page.get_by_role("button", name="요청 기록하기").click()
    assert page.locator("#assist-error").inner_text() == "이름·생년월일·휴대폰 번호가 모두 맞는 회원을 찾을 수 없어요."
    page.get_by_label("휴대폰 번호").fill(str(LEE["phone"]))
    page.get_by_label("요청 경로").select_option("phone")
    page.get_by_label("동의 확인 방법").select_option("recorded_call")
    page.get_by_label("메모 (회원 열쇠로 암호화)").fill("병원 서류 받는 법을 모르심")
    _shot(page, shots, "03-request-form")
    page.get_by_role("button", name="요청 기록하기").click()
    page.wait_for_url(re.compile(rf"/assist/people/{pid}$"))
    assert "이서연님 대리 처리" in page.locator("h1").inner_text()
    assert "전화" in page.locator("#assist-live-requests").inner_text()

    # open a claim for her from her estimate: 2025 at 튼튼병원 (linked to 실손24 from 2025-01-23, so the year's
    # early visits are out of its reach, and the payout is worth an agent's trip)
    page.get_by_label(re.compile("2025년 튼튼병원")).check()
    _shot(page, shots, "04-person")
    page.get_by_role("button", name="회원 대신 청구 열기").click()
    page.wait_for_url(re.compile(rf"/assist/people/{pid}$"))
    done = page.locator("#assist-done").inner_text()
    claim_id = int(re.search(rf"상담원 {STAFF_ID} · 청구 #(\d+) \(삼성화재\)을\(를\) 열었어요", done).group(1))  # type: ignore[union-attr]
    assert f"청구 #{claim_id} · 삼성화재 · 작성 중" in page.locator("#assist-claims").inner_text()
    _shot(page, shots, "05-claim-opened")

    # the visit's route: silson's choice with its reason; staff pick the upload for her instead
    page.goto(f"{live.url}/assist/claims/{claim_id}/routes")
    visit = page.locator(".route").first
    assert visit.locator(".chosen .state").inner_text() == "현장 대리인"
    assert (
        "튼튼병원은(는) 2025-01-23부터 실손24에 연결되어, 2025-01-01~2025-12-31 진료 기간의 서류는"
        in visit.inner_text()
    )
    assert "현장 대리인이 위임장을 들고 서류를 받아 와요" in visit.inner_text()
    _shot(page, shots, "06-routes")
    visit.get_by_role("button", name=re.compile("직접 올리기\\(으\\)로 바꾸기")).click()
    page.wait_for_url(re.compile(rf"/assist/claims/{claim_id}/routes$"))
    chosen = page.locator(".route").first.inner_text()
    assert "직접 올리기" in chosen and "상담원 call-park (대리 처리)이(가) 고름 · silson 추천: 현장 대리인" in chosen
    _shot(page, shots, "06b-route-picked")
    _sign_out(page)

    # the person signs in and sees the claim and who did it
    person = _page(browser)
    _sign_in(person, live.url, str(LEE["name"]), LEE["birth_date"].isoformat(), str(LEE["phone"]))  # type: ignore[union-attr]
    person.goto(f"{live.url}/people/{pid}/claims")
    person.get_by_role("link", name=re.compile(rf"청구 #{claim_id} ")).click()
    person.wait_for_url(re.compile(rf"/claims/{claim_id}$"))
    assisted = person.locator("#assisted-actions")
    assisted.wait_for()
    text = assisted.inner_text()
    assert f"상담원 {STAFF_ID}" in text and f"청구 #{claim_id}" in text and "열었어요" in text
    person.locator("#routes").wait_for()
    assert "튼튼병원 · 2025-01-01~2025-12-31" in person.locator("#routes").inner_text()
    assert "'직접 올리기'(으)로 골랐어요" in text
    _shot(person, shots, "07-person-claim")
    person.get_by_role("link", name="대리 처리", exact=True).click()
    person.wait_for_url(re.compile(rf"/people/{pid}/assisted$"))
    mine = person.locator("#assist-requests").inner_text()
    assert "전화" in mine and f"상담원 {STAFF_ID}" in mine and "청구 열기" in mine
    _shot(person, shots, "08-person-assisted")

    # large text, one action per screen
    person.get_by_role("button", name="큰 글씨").click()
    person.goto(f"{live.url}/me")
    person.wait_for_url(re.compile(rf"/people/{pid}/simple$"))
    assert person.evaluate("getComputedStyle(document.body).fontSize") == "20.8px"
    assert person.locator("#next-action").count() == 1
    _shot(person, shots, "09-large-text")
    person.get_by_role("button", name="보통 글씨로 보기").click()
    person.wait_for_url(re.compile(rf"/people/{pid}$"))
    assert person.evaluate("getComputedStyle(document.body).fontSize") == "16px"
