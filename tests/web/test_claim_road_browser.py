"""The claim's whole road in a real headless Chromium, phone-sized: a customer opens two claims from the
estimate; a reviewer enters each visit from its receipt, marks the documents received and releases the
package; the web process's job runner sends it to the sandbox insurer (its own process, over HTTP),
which acknowledges it, pays the first in full and, after a delay notice, the second short; the customer
sees every state and every notification, and turns one kind off. The papers are read back with
`pdftotext` for the person's name, the visits and the amounts. Screenshots go to
var/test-output/screenshots/<test>/."""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from silson.web.app import create_app
from tests.claims.conftest import person_with_estimate
from tests.live import in_thread, kept_environment, sandbox_insurer
from tests.web.conftest import PARK, STAFF_SECRET, Live, seeded_services
from tests.web.test_browser import _page, _shot, _sign_in

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def insurer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The sandbox insurer as its own process (`silson sandbox-insurer`)."""
    with sandbox_insurer(tmp_path_factory.mktemp("insurer")) as url:
        yield url


@pytest.fixture(scope="module")
def road(tmp_path_factory: pytest.TempPathFactory, insurer: str) -> Iterator[Live]:
    """A live silson (demo seeded) whose job runner sends packages to the sandbox insurer, and 박지훈 with
    the family example's tax data and contract made out to him (signed up, data imported)."""
    home = tmp_path_factory.mktemp("road-home")
    with kept_environment("SILSON_HOME", "SILSON_INSURER_URL"):
        os.environ["SILSON_INSURER_URL"] = insurer
        services = seeded_services(home)
        person_with_estimate(services.sessions, services.master, name=PARK.name, born=PARK.birth_date,
                             phone=PARK.phone)  # fmt: skip
        with in_thread(create_app(services, sign_in_rate="200/minute")) as url:
            yield Live(url, services, home)


def won(text: str) -> int:
    return int(re.sub(r"[^\d]", "", text))


def open_claim(page: Any, base: str, pick: int) -> int:
    """The customer opens a claim for the `pick`-th provider-year still claimable; returns its id."""
    page.goto(f"{base}/people/{_pid(page)}/claims/new")
    boxes = page.locator("input[name=py]")
    for i in range(boxes.count()):
        if i != pick:
            boxes.nth(i).uncheck()
    page.get_by_role("button", name="고른 항목 청구하기").click()
    page.wait_for_url(re.compile(r"/claims/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


def _pid(page: Any) -> str:
    return str(page.locator("nav a", has_text="청구").first.get_attribute("href")).split("/")[2]


def review_and_release(page: Any, base: str, claim: int, visit: dict[str, str], folder: Path, tag: str) -> str:
    """The reviewer enters the visit from its receipt, marks every document received and releases the
    package; returns the insurer's 접수번호 once the job runner has sent it."""
    page.goto(f"{base}/review/claims/{claim}/documents")
    form = page.locator("#add-visit form")
    form.get_by_label("진료일").fill(visit["day"])
    form.get_by_label("기관 종류").select_option(visit["institution_kind"])
    form.get_by_label("기관 이름").fill(visit["institution"])
    form.get_by_label("질병코드 (KCD)").fill(visit["kcd"])
    form.get_by_label("급여 본인부담금 (원)").fill(visit["covered_copay"])
    form.get_by_label("비급여 (원)").fill(visit["noncovered"])
    _shot(page, folder, f"{tag}-1-visit-entered")
    form.get_by_role("button", name="진료 넣기").click()
    page.locator("#add-visit summary", has_text="지금 1건").wait_for()
    page.get_by_role("button", name="보험사로 보내기").click()  # refused: documents still missing
    assert "필수 서류가 아직 없어" in page.locator(".error[role=alert]").first.inner_text()
    received = page.get_by_role("button", name=re.compile(r"^.+ 받음 \("))
    while received.count():
        received.first.click()
        page.wait_for_load_state()
    assert "필요한 서류를 모두 받았어요" in page.locator("#documents-left").inner_text()
    _shot(page, folder, f"{tag}-2-documents-received")
    page.get_by_role("button", name="보험사로 보내기").click()
    sent = page.locator("#packages li", has_text="접수번호")
    deadline = time.monotonic() + 20
    while not sent.count() and time.monotonic() < deadline:  # the job runner sends within a second
        time.sleep(0.3)
        page.reload()
    text = sent.first.inner_text()
    assert "보험사 접수" in text and "지급기일" in text
    _shot(page, folder, f"{tag}-3-sent")
    found = re.search(r"접수번호 (SB\d+)", text)
    assert found is not None
    return found.group(1)


def pdf_text(page: Any, url: str, tmp: Path, name: str) -> str:
    response = page.request.get(url)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    path = tmp / f"{name}.pdf"
    path.write_bytes(response.body())
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip


def test_the_whole_road_from_the_estimate_to_the_money(
    road: Live, insurer: str, browser: Any, shots: Path, tmp_path: Path
) -> None:
    base = road.url
    customer = _page(browser)
    _sign_in(customer, base, PARK.name, "1990-01-01", PARK.phone)
    customer.locator("#total-typical").wait_for()
    customer.get_by_role("link", name="청구하기").click()
    customer.get_by_role("heading", name=re.compile("보험금 청구하기")).wait_for()
    _shot(customer, shots, "01-pick")
    first = open_claim(customer, base, 0)
    assert customer.locator("#claim-state").inner_text() == "작성 중"
    _shot(customer, shots, "02-claim-opened")
    second = open_claim(customer, base, 0)  # the first pick is on a live claim now: the next one
    assert second != first
    customer.get_by_role("link", name="알림", exact=True).click()
    told = customer.locator("#notifications").inner_text()
    assert told.count("현대해상 청구에 서류") == 2 and "건이 필요해요" in told
    _shot(customer, shots, "03-documents-needed")

    staff = _page(browser)
    staff.goto(f"{base}/staff/sign-in")
    staff.get_by_label("직원 ID").fill("reviewer")
    staff.get_by_label("비밀번호").fill(STAFF_SECRET)
    staff.get_by_role("button", name="로그인").click()
    staff.wait_for_url(re.compile(r"/review$"))
    visit = {"day": "2025-06-10", "institution_kind": "clinic", "institution": "연세가정의원", "kcd": "J06.9",
             "covered_copay": "30000", "noncovered": "50000"}  # fmt: skip
    paid_full = review_and_release(staff, base, first, visit, shots, "04")
    visit2 = {**visit, "day": "2025-07-21", "institution": "밝은정형외과의원", "kcd": "M54.5",
              "covered_copay": "30000", "noncovered": "0"}  # fmt: skip
    paid_short = review_and_release(staff, base, second, visit2, shots, "05")
    staff.goto(f"{base}/review")
    staff.get_by_role("link", name="기한 순서로 보기").click()
    staff.wait_for_url(re.compile(r"order=deadline"))
    rows = staff.locator("#queue tbody tr")
    assert "다음 기한" in staff.locator("#queue thead").inner_text() and rows.count() >= 2
    assert staff.locator("#unclaimed-soon, #unclaimed-none").count() == 1  # unclaimed visits near their 소멸시효
    _shot(staff, shots, "05-4-queue-by-deadline")

    customer.goto(f"{base}/claims/{first}")
    assert customer.locator("#claim-state").inner_text() == "보험사 확인"
    expected_first = won(customer.locator("#claim-total").inner_text())
    assert expected_first > 0
    _shot(customer, shots, "06-acknowledged")
    customer.get_by_role("link", name="필요한 서류와 보낸 묶음 보기").click()
    package = customer.locator("#packages li").first
    assert "접수번호" in package.inner_text()
    form = pdf_text(customer, base + str(package.get_by_role("link", name="청구서").get_attribute("href")), tmp_path,
                    "form")  # fmt: skip
    for expected in ("보험금 청구서", PARK.name, "2025-06-10", "연세가정의원", "J06.9", "30,000원", "50,000원",
                     "80,000원", "현대해상"):  # fmt: skip
        assert expected in form, expected
    cover = pdf_text(customer, base + str(package.get_by_role("link", name="표지").get_attribute("href")), tmp_path,
                     "cover")  # fmt: skip
    assert all(x in cover for x in ("청구 표지", PARK.name, "2025-06-10", "80,000원"))
    agreed = pdf_text(customer, base + str(package.get_by_role("link", name="동의서").get_attribute("href")),
                      tmp_path, "consent")  # fmt: skip
    assert "개인(신용)정보 처리 동의서" in agreed and PARK.name in agreed and "전자 동의" in agreed
    proxy = pdf_text(customer, base + str(package.get_by_role("link", name="위임장").get_attribute("href")),
                     tmp_path, "poa")  # fmt: skip
    assert "위임장" in proxy and PARK.name in proxy and "2025-06-10" in proxy

    # the insurer pays the first in full; the second it delays (no listed reason, 40 business days), then pays short
    today = datetime.now(UTC).date().isoformat()
    httpx.post(f"{insurer}/packages/{paid_full}/decide", json={"paid_on": today}).raise_for_status()
    httpx.post(f"{insurer}/packages/{paid_short}/delay", json={
        "notified_on": today, "scheduled_on": "2027-03-31", "reason": "의료자문 필요"}).raise_for_status()  # fmt: skip
    for claim in (first, second):
        staff.goto(f"{base}/review/claims/{claim}/documents")
        staff.get_by_role("button", name="보험사에 지금 확인").click()
        staff.wait_for_load_state()
    customer.goto(f"{base}/claims/{first}")
    assert customer.locator("#claim-state").inner_text() == "지급 완료"
    _shot(customer, shots, "07-paid")
    customer.goto(f"{base}/claims/{second}")
    assert customer.locator("#claim-state").inner_text() == "지급 지연 안내"
    expected_second = won(customer.locator("#claim-total").inner_text())
    customer.get_by_role("link", name="필요한 서류와 보낸 묶음 보기").click()
    scheduled = customer.locator("#packages .scheduled").inner_text()
    assert "2027-03-31" in scheduled and "의료자문 필요" in scheduled and "초과" in scheduled  # past 30 영업일
    _shot(customer, shots, "08-delay-notified")

    httpx.post(f"{insurer}/packages/{paid_short}/decide", json={
        "paid_on": today, "mistakes": ["other_institution_deductible"]}).raise_for_status()  # fmt: skip
    staff.goto(f"{base}/review/claims/{second}/documents")
    staff.get_by_role("button", name="보험사에 지금 확인").click()
    staff.wait_for_load_state()
    customer.goto(f"{base}/claims/{second}")
    assert customer.locator("#claim-state").inner_text() == "일부 지급"
    _shot(customer, shots, "09-partly-paid")

    customer.get_by_role("link", name="알림", exact=True).click()
    told = customer.locator("#notifications").inner_text()
    assert f"{expected_first:,}원을 지급했어요 (예상 {expected_first:,}원)" in told
    short = re.search(r"현대해상에서 ([\d,]+)원을 지급했어요. 예상보다 ([\d,]+)원 적어요", told)
    assert short is not None and won(short.group(1)) + won(short.group(2)) == expected_second
    assert "지급이 늦어진다고" in told and "약관 한도" in told and told.count("청구가 접수됐어요") == 2
    _shot(customer, shots, "10-notifications")

    # the customer turns payment notices off, and disputes the short payment (이의 제기)
    customer.get_by_role("link", name="받을 알림 고르기").click()
    customer.get_by_label("보험금 지급·가지급·부지급").uncheck()
    customer.get_by_role("button", name="저장").click()
    customer.locator("#settings-saved").wait_for()
    assert not customer.get_by_label("보험금 지급·가지급·부지급").is_checked()
    _shot(customer, shots, "11-settings")
    customer.goto(f"{base}/claims/{second}")
    customer.get_by_role("button", name="이의 제기하기").click()
    customer.locator("#claim-state", has_text="이의 제기 중").wait_for()
    _shot(customer, shots, "12-disputed")
    customer.context.close()
    staff.context.close()
