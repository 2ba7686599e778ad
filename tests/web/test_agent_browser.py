"""A field agent's day in a real headless Chromium (issue 18): three tasks at two institutions; the
person signs the 동의서 and 위임장 on their phone with their ID copy; the agent checks in, photographs
what each institution issues (read by a job: the page says it is being read, then shows the result), records the fees (one above the
보건복지부 cap is refused); midway the person withdraws their consent to document issuance, and the
task whose agent had not yet arrived stops at once: gone from the list, its page and papers refused,
no name shown. The review center then sees every task's state and cost. Phone-sized throughout; each
page is saved as a screenshot.

Its own server and data folder (the demo seeded afresh): withdrawing 김민준's consent must not reach
the other browser tests' shared server."""

from __future__ import annotations

import random
import re
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from silson.access import Actor, Role
from silson.agents import service
from silson.agents.service import Ask, Institution
from silson.demo import FAMILY
from silson.documents import synth
from silson.privacy import people
from silson.web.app import create_app
from tests.agents.conftest import id_copy_jpeg
from tests.live import in_thread, kept_environment
from tests.web.conftest import STAFF_SECRET, Live, seeded_services
from tests.web.test_browser import _page as _phone
from tests.web.test_browser import _shot, _sign_in, _sign_out

KIM, LEE = FAMILY
ADMIN = Actor(Role.ADMINISTRATOR, staff_id="admin")
REVIEWER = Actor(Role.REVIEWER, staff_id="reviewer")
CLINIC = Institution("4709197338", "연세가정의원", "서울 마포구")
PHARMACY = Institution("5594773470", "온누리약국", "서울 마포구")


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    home = tmp_path_factory.mktemp("agent-day")
    with kept_environment("SILSON_HOME"):
        services = seeded_services(home)
        services.staff["agent-jung"] = (Role.FIELD_AGENT, STAFF_SECRET)
        services.staff["agent-choi"] = (Role.FIELD_AGENT, STAFF_SECRET)
        with in_thread(create_app(services, sign_in_rate="200/minute")) as url:
            yield Live(url, services, home)


def _page(browser: Any) -> Any:
    """A phone-sized page; patient with a machine shared by many test runs (the OCR of a photo alone
    takes seconds)."""
    page = _phone(browser)
    page.set_default_timeout(60_000)
    return page


def _pid(live: Live, member: dict[str, object]) -> int:
    with live.services.sessions.begin() as s:
        return people.find_by_phone(s, live.services.master, str(member["phone"]))[0]


def _tasks(live: Live) -> tuple[int, int, int]:
    """The route choice's hand-off: 김민준 at the clinic (receipt and itemised bill) and the pharmacy,
    이서연 at the same clinic; all for agent 정현장. 이서연 signs here; 김민준 signs in the browser."""
    now = datetime.now(UTC)
    kim, lee = _pid(live, KIM), _pid(live, LEE)
    with live.services.sessions.begin() as s:
        for staff_id, name in (("agent-jung", "정현장"), ("agent-choi", "최대리")):
            service.register_agent(s, ADMIN, staff_id=staff_id, name=name, birth_date=date(1980, 2, 2),
                                   phone="010-7000-0001", areas="서울 마포구", now=now)  # fmt: skip
        ask = service.request_documents
        m = live.services.master
        kim_clinic = ask(s, m, REVIEWER, person_id=kim, institution=CLINIC, agent_id="agent-jung", now=now,
                         asks=[Ask("RECEIPT", date(2023, 2, 18)), Ask("ITEMIZED", date(2023, 2, 18))])  # fmt: skip
        kim_pharmacy = ask(s, m, REVIEWER, person_id=kim, institution=PHARMACY, agent_id="agent-jung", now=now,
                           asks=[Ask("PHARM_RECEIPT", date(2024, 12, 31))])  # fmt: skip
        lee_clinic = ask(s, m, REVIEWER, person_id=lee, institution=CLINIC, agent_id="agent-jung", now=now,
                         asks=[Ask("RECEIPT", date(2025, 3, 4))])  # fmt: skip
    with live.services.sessions.begin() as s:
        service.sign(s, m, Actor(Role.CUSTOMER, person_id=lee), task_id=lee_clinic,
                     signature_png=_drawn(), id_copy=id_copy_jpeg(), now=now)  # fmt: skip
    return kim_clinic, kim_pharmacy, lee_clinic


def _drawn() -> bytes:
    from tests.agents.conftest import signature_png

    return signature_png()


def _receipt(tmp: Path, layout: synth.Layout, patient: str, provider: str, day: date, variant: synth.Variant) -> Path:
    rng = random.Random(11)
    spec = synth.random_spec(rng, layout)
    spec.patient, spec.provider, spec.visit_date, spec.issued = patient, provider, day, day
    data, suffix = synth.render(spec, variant, rng)
    path = tmp / f"{patient}-{provider}-{layout}{suffix}"
    path.write_bytes(data)
    return path


def _staff_sign_in(page: Any, base: str, staff_id: str) -> None:
    page.goto(f"{base}/staff/sign-in")
    page.get_by_label("직원 ID").fill(staff_id)
    page.get_by_label("비밀번호").fill(STAFF_SECRET)
    page.get_by_role("button", name="로그인").click()


def _draw_signature(page: Any) -> None:
    box = page.locator("#signature-pad").bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] * 0.7)
    page.mouse.down()
    for i in range(1, 12):
        page.mouse.move(box["x"] + 20 + i * 25, box["y"] + box["height"] * (0.3 if i % 2 else 0.7), steps=3)
    page.mouse.up()


def _pdf_text(page: Any, url: str) -> str:
    answer = page.request.get(url)
    assert answer.status == 200 and answer.headers["content-type"] == "application/pdf"
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=answer.body(), capture_output=True, check=True)
    return done.stdout.decode("utf-8")


def _photograph(page: Any, doc: Any, photo: Path, shots: Path | None = None) -> str:
    """Photograph one issued document: the page says it is being read (a job reads it, not the request)
    and shows what the reader said when the job is done, in place; what the reader said."""
    doc_id = str(doc.get_attribute("id"))
    doc.locator("input[type=file]").set_input_files(str(photo))
    doc.get_by_role("button", name="사진 올리고 읽기").click()
    page.wait_for_load_state()
    mine = page.locator(f"#{doc_id}")
    reading = mine.locator(".reading")
    if shots is not None:  # a phone photo: its OCR takes seconds, so the page is back long before it is read
        assert "사진을 읽고 있어요" in reading.inner_text()
        assert reading.get_attribute("role") == "status"
        _shot(page, shots, "05a-agent-photo-being-read")
    return str(mine.locator(".read-result").inner_text(timeout=90_000))


def _fee(page: Any, doc_id: str, item: str, amount: str) -> None:
    doc = page.locator(f"#{doc_id}")
    doc.locator("select").select_option(item)
    doc.get_by_label("낸 수수료 (원)").fill(amount)
    doc.get_by_role("button", name="수수료 기록").click()
    page.wait_for_load_state()


def _collect(page: Any, doc: Any, photo: Path, item: str, amount: str) -> str:
    doc_id = str(doc.get_attribute("id"))
    read = _photograph(page, doc, photo)
    _fee(page, doc_id, item, amount)
    return read


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed")
def test_an_agents_day(day: Live, browser: Any, shots: Path, tmp_path: Path) -> None:
    kim_clinic, kim_pharmacy, lee_clinic = _tasks(day)
    base = day.url

    # 김민준 signs both his papers on his phone: a drawn signature and a photo of his ID card
    person = _page(browser)
    _sign_in(person, base, str(KIM["name"]), KIM["birth_date"].isoformat(), str(KIM["phone"]))  # type: ignore[attr-defined]
    person.get_by_role("link", name="서류 위임").click()
    assert "서명 대기" in person.locator(f"#ptask-{kim_clinic}").inner_text()
    _shot(person, shots, "01-person-tasks")
    id_photo = tmp_path / "id.jpg"
    id_photo.write_bytes(id_copy_jpeg())
    for tid in (kim_clinic, kim_pharmacy):
        person.locator(f"#ptask-{tid}").get_by_role("link", name="동의서·위임장 서명하기").click()
        if tid == kim_clinic:  # sending without a signature is refused, naming it
            person.get_by_label(re.compile("신분증 사진")).set_input_files(str(id_photo))
            person.get_by_role("button", name="서명하고 맡기기").click()
            assert "signature" in person.locator("#error").inner_text()
        _draw_signature(person)
        person.get_by_label(re.compile("신분증 사진")).set_input_files(str(id_photo))
        if tid == kim_clinic:
            _shot(person, shots, "02-person-signs")
        person.get_by_role("button", name="서명하고 맡기기").click()
        person.wait_for_url(re.compile(r"/agent-tasks$"))
        assert "배정됨" in person.locator(f"#ptask-{tid}").inner_text()

    # the agent's morning: three tasks at two institutions, grouped by area and institution
    agent = _page(browser)
    _staff_sign_in(agent, base, "agent-jung")
    agent.wait_for_url(re.compile(r"/agent$"))
    text = agent.locator("main").inner_text()
    assert "서울 마포구" in text and text.index("연세가정의원") < text.index("온누리약국")
    clinic_tasks = agent.locator("h3.institution", has_text="연세가정의원").locator("xpath=following-sibling::ul[1]")
    assert clinic_tasks.locator("li.task").count() == 2
    for forbidden in ("원", "예상", "보험금"):  # no amounts, estimates or payouts anywhere on the list
        assert forbidden not in agent.locator("ul.tasks").first.inner_text().replace("연세가정의원", "")
    _shot(agent, shots, "03-agent-tasks")

    # 김민준 at the clinic: the papers carry his name, the visit and the form's title
    agent.locator(f"#task-{kim_clinic} a").click()
    assert agent.locator("#person-name").inner_text() == "김민준"
    assert agent.locator("#visit-days").inner_text() == "2023-02-18"
    main = agent.locator("main").inner_text()
    assert "이서연" not in main and "2024-12-31" not in main and "보험금" not in main  # nothing of other tasks
    poa = _pdf_text(agent, f"{base}/agent/tasks/{kim_clinic}/papers/poa")
    assert "별지 제9호의3서식" in poa and "김민준" in poa and "2023-02-18" in poa and "정현장" in poa
    consent_text = _pdf_text(agent, f"{base}/agent/tasks/{kim_clinic}/papers/consent")
    assert "진료기록 열람 및 사본발급 동의서" in consent_text and "별지 제9호의2서식" in consent_text
    assert agent.request.get(f"{base}/agent/tasks/{kim_clinic}/papers/id_copy").body() == id_copy_jpeg()
    agent.get_by_label("지금 있는 곳").fill("1층 원무과 창구")
    agent.get_by_role("button", name="기관 도착 확인").click()
    assert "기관 도착" in agent.locator("#task-state").inner_text()
    assert "1층 원무과 창구" in agent.locator("#checked-in").inner_text()
    _shot(agent, shots, "04-agent-checked-in")

    docs = agent.locator("ul.documents > li")
    photo = _receipt(tmp_path, "hospital-older", "김민준", "연세가정의원", date(2023, 2, 18), "photo")
    read = _photograph(agent, docs.nth(0), photo, shots)
    assert "진료비 계산서·영수증" in read and "2023-02-18" in read and "다릅니다" not in read
    _shot(agent, shots, "05-agent-photo-read")
    _fee(agent, str(docs.nth(0).get_attribute("id")), "receipt", "0")
    # the itemised bill: a 일반진단서 price is above its cap and refused; the free first copy is recorded
    bill = _receipt(tmp_path, "hospital-2024", "김민준", "연세가정의원", date(2023, 2, 18), "scan")
    bill_id = str(docs.nth(1).get_attribute("id"))
    read = _photograph(agent, docs.nth(1), bill)  # the counter handed over a receipt, not the itemised bill
    assert "요청한 서류가 아닌 것 같아요" in read
    _fee(agent, bill_id, "general_diagnosis", "25000")
    assert "보건복지부 상한 20,000원을 넘습니다" in agent.locator("#error").inner_text()
    _shot(agent, shots, "06-agent-fee-refused")
    doc = agent.locator("ul.documents > li").nth(1)
    doc.locator("select").select_option("treatment_confirm")
    doc.get_by_label("낸 수수료 (원)").fill("3,000")
    doc.get_by_role("button", name="수수료 기록").click()
    assert agent.locator("#fees-total").inner_text() == "3,000원"
    agent.get_by_role("button", name="작업 완료").click()
    agent.wait_for_url(re.compile(r"/agent$"))

    # midway, 김민준 withdraws his consent to document issuance: the pharmacy trip stops at once
    person.get_by_role("link", name="동의 관리").click()
    person.get_by_role("button", name="서류 발급 위임 동의 철회").click()
    person.get_by_role("link", name="서류 위임").click()
    assert "중단" in person.locator(f"#ptask-{kim_pharmacy}").inner_text()
    _shot(person, shots, "07-person-withdrew")

    agent.reload()
    main = agent.locator("main").inner_text()
    assert "온누리약국" not in main and "김민준" not in main
    assert f"작업 #{kim_pharmacy}" in agent.locator("#stopped").inner_text()
    _shot(agent, shots, "08-agent-task-stopped")
    answer = agent.goto(f"{base}/agent/tasks/{kim_pharmacy}")
    assert answer is not None and answer.status == 410
    stopped_page = agent.locator("main").inner_text()
    assert "더 진행할 수 없어요" in stopped_page and "김민준" not in stopped_page and "2024-12-31" not in stopped_page
    _shot(agent, shots, "09-agent-stopped-page")
    assert agent.request.get(f"{base}/agent/tasks/{kim_pharmacy}/papers/poa").status == 410
    # and another agent never sees this agent's tasks
    other = _page(browser)
    _staff_sign_in(other, base, "agent-choi")
    other.wait_for_url(re.compile(r"/agent$"))
    assert "진행 중인 작업이 없어요" in other.locator("main").inner_text()
    assert other.goto(f"{base}/agent/tasks/{lee_clinic}").status == 404  # type: ignore[union-attr]
    assert other.goto(f"{base}/review").url.endswith("/staff/sign-in")  # type: ignore[union-attr]

    # 이서연 at the same clinic
    agent.goto(f"{base}/agent")
    agent.locator(f"#task-{lee_clinic} a").click()
    assert agent.locator("#person-name").inner_text() == "이서연"
    agent.get_by_label("지금 있는 곳").fill("1층 원무과 창구")
    agent.get_by_role("button", name="기관 도착 확인").click()
    receipt = _receipt(tmp_path, "hospital-2024", "이서연", "연세가정의원", date(2025, 3, 4), "scan")
    read = _collect(agent, agent.locator("ul.documents > li").nth(0), receipt, "receipt", "0")
    assert "2025-03-04" in read
    agent.get_by_role("button", name="작업 완료").click()
    agent.wait_for_url(re.compile(r"/agent$"))
    assert "진행 중인 작업이 없어요" in agent.locator("main").inner_text()
    _shot(agent, shots, "10-agent-day-done")

    # the review center sees each task's state and cost
    staff = _page(browser)
    _staff_sign_in(staff, base, "reviewer")
    staff.goto(f"{base}/staff/tasks")
    assert "완료" in staff.locator(f"#staff-task-{kim_clinic}").inner_text()
    assert "3,000원" in staff.locator(f"#staff-task-{kim_clinic}").inner_text()
    assert "중단" in staff.locator(f"#staff-task-{kim_pharmacy}").inner_text()
    assert "완료" in staff.locator(f"#staff-task-{lee_clinic}").inner_text()
    assert staff.locator("#cost-total").inner_text() == "3,000원"
    _shot(staff, shots, "11-staff-tasks")
    _sign_out(person)
