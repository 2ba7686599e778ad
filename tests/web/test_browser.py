"""End to end in a real headless Chromium: a customer from sign-in through import to the estimate
page and a family view, and a reviewer through one claim. Each page is saved as a screenshot; each
step asserts what a person would see. Phone-sized (360 px wide) throughout."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from silson.demo import EXAMPLES, FAMILY
from tests.web.conftest import PARK, STAFF_SECRET, Live

PHONE = {"width": 360, "height": 780}
KIM = FAMILY[0]


def _page(browser: Any) -> Any:
    context = browser.new_context(viewport=PHONE, locale="ko-KR")
    context.set_default_timeout(15_000)
    return context.new_page()


def _fits(page: Any) -> None:
    """Nothing wider than the phone: no sideways scrolling of the page itself."""
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def _labelled(page: Any) -> None:
    """Every visible form control has a label a screen reader announces."""
    unlabelled = page.evaluate(
        """[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
            .filter(e => e.labels.length === 0 && !e.getAttribute('aria-label')).map(e => e.name)"""
    )
    assert unlabelled == []


def _shot(page: Any, folder: Path, name: str) -> None:
    _fits(page)
    _labelled(page)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def _sign_in(page: Any, base: str, name: str, birth: str, phone: str, folder: Path | None = None) -> None:
    page.goto(f"{base}/sign-in")
    page.get_by_label("이름").fill(name)
    page.get_by_label("생년월일").fill(birth)
    page.get_by_label("휴대폰 번호").fill(phone)
    if folder:
        _shot(page, folder, "01-sign-in")
    page.get_by_role("button", name="인증 요청").click()
    page.get_by_role("heading", name="휴대폰에서 인증을 승인해 주세요").wait_for()
    if folder:
        _shot(page, folder, "02-sign-in-wait")
    page.get_by_role("button", name="샌드박스: 앱에서 승인하기").click()
    page.get_by_role("button", name="인증 완료").click()
    page.wait_for_url(re.compile(r"/people/\d+$"))


def _sign_out(page: Any) -> None:
    page.get_by_role("button", name="로그아웃").click()
    page.wait_for_url(re.compile(r"/$"))


def _upload(page: Any, label: str, file: Path, button: str) -> str:
    page.get_by_role("link", name="가져오기", exact=True).click()
    page.get_by_label(label).set_input_files(str(file))
    page.get_by_role("button", name=button).click()
    page.wait_for_url(re.compile(r"/jobs/\d+$"))
    return str(page.locator("#job-done").inner_text())  # waits for the progress to reach 완료


def test_customer_signs_up_imports_sees_estimate_and_family(live: Live, browser: Any, shots: Path,
                                                            tmp_path: Path) -> None:  # fmt: skip
    page = _page(browser)
    page.goto(live.url)
    _shot(page, shots, "00-home")
    page.keyboard.press("Tab")  # the first stop is the skip link, and it leads to the content
    assert page.evaluate("document.activeElement.textContent") == "본문으로 건너뛰기"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    _sign_in(page, live.url, PARK.name, "1990-01-01", PARK.phone, shots)
    page.locator("#step-consent").wait_for()  # signed up, nothing imported: the next step is consent (issue 14)
    assert page.locator("svg.chart").count() == 0  # and no empty chart
    _shot(page, shots, "03-estimate-empty")

    page.get_by_role("link", name="가져오기", exact=True).click()
    page.get_by_text("자료 조회에 동의해야 가져올 수 있어요").wait_for()
    page.get_by_role("link", name="동의 관리").first.click()
    page.get_by_role("button", name=re.compile("자료 조회에 동의")).click()
    page.get_by_role("button", name="자료 조회 동의 철회").wait_for()
    _shot(page, shots, "04-consent")

    # the family's example files, made out to 박지훈 (the tax office file and the contract list)
    tax = tmp_path / "hometax.xml"
    tax.write_text((EXAMPLES / "hometax-2023-2025.xml").read_text(encoding="utf-8").replace("김민준", PARK.name))
    contracts = tmp_path / "contracts.json"
    listed = json.loads((EXAMPLES / "contracts.json").read_text(encoding="utf-8"))
    listed["contracts"][0]["insured"]["name"] = PARK.name
    contracts.write_text(json.dumps(listed, ensure_ascii=False), encoding="utf-8")

    page.get_by_role("link", name="가져오기", exact=True).click()
    _shot(page, shots, "05-import")
    bad = tmp_path / "broken.xml"
    bad.write_text("<root><doc>", encoding="utf-8")
    page.get_by_label("간소화 파일").set_input_files(str(bad))
    page.get_by_role("button", name="의료비 내역 올리기").click()
    assert "broken" in page.locator("#import-error").inner_text() or page.locator("#import-error").is_visible()
    _shot(page, shots, "06-import-refused")

    assert "6건" in _upload(page, "간소화 파일", tax, "의료비 내역 올리기")  # 2023: 3, 2024: 2, 2025: 1
    _shot(page, shots, "07-import-done")
    assert "1건" in _upload(page, "계약 목록 파일", contracts, "계약 목록 올리기")

    page.get_by_role("link", name="받을 보험금 보기").click()
    total = page.locator("#total-typical")
    total.wait_for()
    assert re.fullmatch(r"[\d,]+원", total.inner_text()) and total.inner_text() != "0원"
    assert page.locator("svg.chart").count() == 2
    assert page.get_by_role("heading", name="청구 기한이 가까운 순서").is_visible()
    # on a phone each table row is a card: every value inside the screen, not pushed past its right edge
    outside = page.evaluate("""() => [...document.querySelectorAll('table.cards-on-phone td')]
        .filter(td => td.getBoundingClientRect().right > window.innerWidth + 1).map(td => td.dataset.label)""")
    assert outside == []
    assert page.locator("table.cards-on-phone td[data-label='병원·약국']").first.inner_text().strip() != ""
    _shot(page, shots, "08-estimate")

    page.get_by_role("link", name="가족", exact=True).click()
    page.get_by_label("가족 이름").fill(str(KIM["name"]))
    page.get_by_label("가족 휴대폰 번호").fill(str(KIM["phone"]))
    page.get_by_role("button", name="초대 보내기").click()
    page.get_by_text("수락 기다리는 중").wait_for()
    _shot(page, shots, "09-family-invited")
    _sign_out(page)

    _sign_in(page, live.url, str(KIM["name"]), "1985-04-12", str(KIM["phone"]))
    page.get_by_role("link", name="가족", exact=True).click()
    page.locator("#received li", has_text=PARK.name).get_by_role("button", name="초대 수락").click()
    page.locator("#received li", has_text=PARK.name).filter(has_text="보고 있어요").wait_for()  # he sees who
    page.get_by_role("link", name="청구", exact=True).click()
    page.get_by_role("link", name=re.compile("청구 #1")).click()
    _shot(page, shots, "10-claim")
    page.get_by_role("link", name=re.compile("2024-06-02")).click()
    page.get_by_role("heading", name=re.compile("이렇게 계산했어요")).wait_for()
    assert page.locator("cite").count() >= 2  # every step names its clause
    assert re.fullmatch(r"[\d,]+원", page.locator("#visit-total").inner_text())
    _shot(page, shots, "11-visit-trace")
    _sign_out(page)

    _sign_in(page, live.url, PARK.name, "1990-01-01", PARK.phone)
    page.get_by_role("link", name="가족", exact=True).click()
    page.get_by_role("link", name=f"{KIM['name']}님의 보험금 보기").click()
    page.get_by_text("가족 보기").wait_for()
    page.locator("#total-typical").wait_for()
    _shot(page, shots, "12-family-view")
    page.goto(f"{live.url}/claims/1")
    assert page.get_by_role("button", name="청구 취소").count() == 0  # view only: no claim actions
    page.context.close()


def test_reviewer_corrects_a_visit_and_moves_the_claim(live: Live, browser: Any, shots: Path) -> None:
    page = _page(browser)
    page.goto(f"{live.url}/staff/sign-in")
    page.get_by_label("직원 ID").fill("reviewer")
    page.get_by_label("비밀번호").fill(STAFF_SECRET)
    _shot(page, shots, "01-staff-sign-in")
    page.get_by_role("button", name="로그인").click()
    page.wait_for_url(re.compile(r"/review$"))
    first = page.locator("#queue tbody tr").first
    assert "서류 받음" in first.inner_text()  # documents received come first
    _shot(page, shots, "02-queue")

    first.get_by_role("link").click()
    page.get_by_role("heading", name="엔진 계산").wait_for()
    before = page.locator("#insurer-total").inner_text()
    _shot(page, shots, "03-claim")

    form = page.locator("form.visit").first
    form.get_by_label("비급여 (원)").fill("80000")
    form.get_by_label("정정 사유").fill("세부내역서: 비급여 도수치료 1회분만 해당")
    form.get_by_role("button", name="금액 정정하고 다시 계산").click()
    page.wait_for_function("before => document.querySelector('#insurer-total').textContent !== before", arg=before)
    after = page.locator("#insurer-total").inner_text()
    assert int(after.replace(",", "").removesuffix("원")) < int(before.replace(",", "").removesuffix("원"))
    assert "금액 정정: 진료 #" in page.locator("#audit").inner_text()  # the audit list speaks Korean (issue 14)
    assert "정정 1회" in page.locator("form.visit legend").first.inner_text()
    _shot(page, shots, "04-corrected")

    page.get_by_label("메모").fill("서류 확인 시작")
    page.get_by_role("button", name="심사 중(으)로").click()
    page.locator("#claim-state", has_text="심사 중").wait_for()
    assert "단계 변경: 서류 받음 → 심사 중" in page.locator("#audit").inner_text()
    _shot(page, shots, "05-moved")
    page.context.close()
