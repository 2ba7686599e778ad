"""Payments end to end in a real headless Chromium (phone-sized), with the sandbox insurer as its own
process: it pays 김민준's 의원 visit short (a 병원's deductible: 35,000 of 40,000) and late (66 days
after the 지급기일); he sees the shortfall with its reason and the interest, drafts and approves the
request, which the worker sends; a reviewer sees the claim in the underpaid view with the total at
stake; the insurer's corrected payment (the 5,000 and all the 지연이자) is reconciled and closes the
claim. Every page is saved as a screenshot."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from silson.claims.insurers.config import ENV
from silson.claims.insurers.port import Statement, StatementLine
from silson.jobs import outbox
from silson.payments import tasks
from silson.payments.interest import late_payment_interest
from silson.payments.loan_rates import loan_rate
from silson.payments.statement_pdf import write_statement_pdf
from silson.privacy import people
from silson.rules.catalogue import load_catalogue
from silson.web.app import create_app
from tests.live import in_thread, kept_environment
from tests.payments.conftest import claim_of, insurer_pays, submit
from tests.sandbox.test_insurer import insurer as insurer
from tests.web.conftest import STAFF_SECRET, Live, seeded_services
from tests.web.test_browser import KIM, _page, _shot, _sign_in

RECEIVED = date(2025, 9, 30)  # 지급기일 2025-10-10 (추석 2025, §3.5 example 1)


@pytest.fixture(scope="module")
def own_live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """A server of its own (the demo seeded in its own SILSON_HOME), so the claims added here do not
    change what the other browser tests see."""
    home = tmp_path_factory.mktemp("silson-payments")
    with kept_environment("SILSON_HOME"):
        services = seeded_services(home)
        with in_thread(create_app(services, sign_in_rate="200/minute")) as url:
            yield Live(url, services, home)


def _worker(live: Live) -> int:
    """What the huey consumer does every minute: run the due jobs of the outbox."""
    context = outbox.JobContext(live.services.master, load_catalogue())
    return outbox.sweep(live.services.sessions, lambda: datetime.now(UTC), context=context)


def _reload_until(page: Any, locator: Any, seconds: float = 20) -> None:
    """Reload until `locator` shows: the worker runs in its own thread of the web process too."""
    deadline = time.monotonic() + seconds
    while True:
        page.reload()
        page.locator("#reconciliation").wait_for()
        if locator.count() > 0 or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    locator.wait_for()


def _won(text: str) -> int:
    return int(text.split("원")[0].replace(",", ""))


def test_short_late_payment_is_shown_asked_for_and_corrected(
    own_live: Live, browser: Any, shots: Path, insurer: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV, insurer)
    sessions, master = own_live.services.sessions, own_live.services.master
    with sessions.begin() as s:
        (kim,) = people.find_by_phone(s, master, str(KIM["phone"]))
    made = submit(sessions, master, insurer, claim_of(sessions, master, person=kim, received=None))
    insurer_pays(sessions, master, insurer, made, paid_on="2025-12-15", mistakes=["other_institution_deductible"])

    page = _page(browser)
    _sign_in(page, own_live.url, str(KIM["name"]), "1985-04-12", str(KIM["phone"]))
    page.goto(f"{own_live.url}/claims/{made.claim}")
    section = page.locator("#reconciliation")
    section.wait_for()  # loaded into the claim page by htmx
    assert page.locator("#rec-underpaid").inner_text() == "5,000원"
    assert page.locator("#rec-interest").inner_text() == "434원 (66일 늦게 지급)"
    assert page.locator("#rec-at-stake").inner_text() == "5,434원"
    assert "오늘까지" in page.locator("#rec-accruing").inner_text()  # the 5,000 keeps earning interest
    row = page.locator("#reconciliation-lines tbody tr").first
    assert "5,000원 덜 지급: 지급액이 병원의 공제금액을 적용한 금액과 같음." in row.inner_text()
    assert "가정한 이율(보험사 공시 미확인)" in section.inner_text()  # the loan rate is shown as an assumption
    _shot(page, shots, "01-shortfall")

    page.get_by_role("button", name="이의 제기 초안 만들기").click()
    objection = page.locator("article.recourse-objection")
    objection.wait_for()
    objection.get_by_text("내용 보기").click()
    letter = objection.locator("pre.letter").inner_text()
    assert "차액 5,000원과 지연이자 434원의 지급을 청구합니다" in letter and "현대해상 귀중" in letter
    assert page.locator("#approve-complaint").count() == 0  # the 민원 waits for the insurer
    assert "진료일 2025-09-22 → 만료 2028-09-22" in page.locator("#rec-clocks").inner_text()
    _shot(page, shots, "02-drafted")
    page.locator("#approve-objection").click()
    objection.get_by_text("승인하셨어요. 곧 보험사에 보내요.").wait_for()
    _shot(page, shots, "03-approved")

    _worker(own_live)  # the request goes to the insurer (or the web process's own runner sent it already)
    _reload_until(page, objection.get_by_text("보험사 접수, 답변 기다림"))
    assert "보험사 접수번호 RQ00000001" in objection.inner_text()
    _shot(page, shots, "04-sent")

    reviewer = _page(browser)
    reviewer.goto(f"{own_live.url}/staff/sign-in")
    reviewer.get_by_label("직원 ID").fill("reviewer")
    reviewer.get_by_label("비밀번호").fill(STAFF_SECRET)
    reviewer.get_by_role("button", name="로그인").click()
    reviewer.wait_for_url(re.compile(r"/review$"))
    listed = reviewer.locator("#underpaid-list tbody tr", has_text=f"#{made.claim}")
    listed.wait_for()
    today = datetime.now(UTC).date()
    rate: Decimal = loan_rate(insurer="현대해상", on=today).percent
    accruing = late_payment_interest(received=RECEIVED, paid=today, amount=5_000, loan_rate=rate).interest
    assert f"{434 + accruing:,}원" in listed.inner_text() and f"{5_434 + accruing:,}원" in listed.inner_text()
    assert "재청구 보냄(답변 대기)" in listed.inner_text()
    assert _won(reviewer.locator("#underpaid-total").inner_text()) >= 5_434 + accruing
    _shot(reviewer, shots, "05-reviewer-underpaid")
    reviewer.context.close()

    # the insurer pays the 5,000 today with the 지연이자 of both payments
    httpx.post(f"{insurer}/recourse/RQ00000001/decide", json={"paid_on": today.isoformat()}).raise_for_status()
    with sessions.begin() as s:
        outbox.enqueue(s, kind=tasks.FOLLOW, key=f"follow-{time.time_ns()}", payload={}, now=datetime.now(UTC))
    _worker(own_live)
    owed = 434 + accruing
    _reload_until(page, page.locator("#rec-closed"))
    assert "청구가 종결되었어요" in page.locator("#rec-closed").inner_text()
    assert page.locator("#rec-underpaid").inner_text() == "0원"
    assert _won(page.locator("#rec-interest").inner_text()) == owed
    assert _won(page.locator("#rec-interest-paid").inner_text()) == owed
    assert page.locator("#rec-at-stake").count() == 0 and page.locator("#draft-recourse").count() == 0
    assert "해결됨: 나머지를 받았어요" in objection.inner_text()
    assert page.locator("article.recourse-complaint").count() == 0  # nothing left to complain about
    assert "재심사 결과 차액 5,000원과 지연이자" in objection.inner_text()
    assert "40,000원" in page.locator("#reconciliation-lines tbody tr").first.inner_text()
    assert "종결" in page.locator("main").inner_text()
    _shot(page, shots, "06-closed")
    page.context.close()


def test_a_reviewer_matches_a_statement_row_no_visit_fits(
    own_live: Live, browser: Any, shots: Path, tmp_path: Path
) -> None:
    sessions, master = own_live.services.sessions, own_live.services.master
    with sessions.begin() as s:
        (kim,) = people.find_by_phone(s, master, str(KIM["phone"]))
    made = claim_of(sessions, master, person=kim)  # with 현대해상 since 2025-09-30
    # the insurer's PDF puts the 2025-09-22 visit's 35,000 on 2025-09-23
    row = StatementLine(1, "?", "?", "disease_outpatient", date(2025, 9, 23), 15_000, 35_000)
    pdf = tmp_path / "statement.pdf"
    pdf.write_bytes(write_statement_pdf(insurer="현대해상", receipt_no=f"R-{made.claim}",
                                        statement=Statement("ST-PDF-1", date(2025, 12, 15), (row,))))  # fmt: skip

    page = _page(browser)
    page.goto(f"{own_live.url}/staff/sign-in")
    page.get_by_label("직원 ID").fill("reviewer")
    page.get_by_label("비밀번호").fill(STAFF_SECRET)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_url(re.compile(r"/review$"))
    page.goto(f"{own_live.url}/review/claims/{made.claim}/statement")
    page.get_by_label("보험사 지급내역서 (PDF)").set_input_files(str(pdf))
    page.get_by_role("button", name="올리고 대조하기").click()
    assert "진료와 맞춘 행 0개" in page.locator("#statement-matched").inner_text()
    assert "2025-09-23에 이 청구의 진료가 없습니다." in page.locator("#unmatched").inner_text()
    _shot(page, shots, "01-uploaded")

    page.locator("#to-match").click()
    card = page.locator("article.card", has_text="ST-PDF-1 · 1번 행")
    card.wait_for()
    assert "2025-09-22 · 외래" in card.get_by_label("진료").inner_text()
    _shot(page, shots, "02-to-match")
    card.get_by_role("button", name="이 진료로 맞추기").click()
    page.locator("#lines-done").wait_for()
    assert "reviewer" in page.locator("#lines-matched").inner_text()  # who matched it is kept
    _shot(page, shots, "03-matched")

    page.goto(f"{own_live.url}/review/claims/{made.claim}/reconciliation")
    assert page.locator("#rec-underpaid").inner_text() == "5,000원"
    assert page.locator("#rec-interest").inner_text() == "434원 (66일 늦게 지급)"
    _shot(page, shots, "04-reconciled")
    page.context.close()
