"""The agent, person and staff pages over HTTP (FastAPI's TestClient, SQLite): each role reaches only
its own pages; an agent's request for another agent's task, a staff page, the review queue or the
claims API is refused; a stopped task answers 410 without the person's name; a fee above the cap
answers 422 on the task page with nothing recorded."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from silson.access import Actor, Role
from silson.adapters.identity import SandboxIdentity
from silson.agents import service
from silson.agents.models import AgentTaskRow, TaskDocumentRow
from silson.auth import service as auth
from silson.privacy.crypto import FileMasterKey
from silson.store.db import make_engine, migrate, session_factory
from silson.web.app import Services, create_app
from silson.web.pages.common import CSRF_COOKIE, SESSION_COOKIE
from tests.agents.conftest import AGENT_A, AGENT_B, NOW, REVIEWER, World, tasks_signed, world


@dataclass
class Site:
    client: TestClient
    services: Services
    world: World
    tasks: list[int]

    def as_(self, actor: Actor) -> TestClient:
        with self.services.sessions.begin() as s:
            token = auth.start(s, self.services.master, actor=actor, now=NOW.now(NOW.tzinfo))
        self.client.cookies.clear()
        self.client.cookies.set(SESSION_COOKIE, token)
        self.client.cookies.set(CSRF_COOKIE, "csrf-token")
        return self.client


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    engine = make_engine(f"sqlite:///{tmp_path / 'silson.db'}")
    migrate(engine)
    services = Services(sessions=session_factory(engine), master=FileMasterKey(secrets.token_bytes(32)),
                        identity=SandboxIdentity([]), staff={})  # fmt: skip
    w = world(services.sessions, services.master)
    ids = tasks_signed(services.sessions, services.master, w)
    with services.sessions.begin() as s:  # the pages run on the real clock: the 위임 runs a month from today
        for task in s.scalars(select(AgentTaskRow)):
            task.valid_until = date.today() + timedelta(days=30)
    with TestClient(create_app(services, run_jobs=False), follow_redirects=False) as client:
        yield Site(client, services, w, ids)
    engine.dispose()


class TestWhoReachesWhat:
    def test_the_agent_sees_their_task_and_its_papers(self, site: Site) -> None:
        client = site.as_(AGENT_A)
        page = client.get(f"/agent/tasks/{site.tasks[0]}")
        assert page.status_code == 200 and "김민준" in page.text and "2024-06-20" in page.text
        assert page.headers["cache-control"] == "no-store"  # nothing of it stays on the agent's phone
        assert "15,000" not in page.text and "예상" not in page.text.split("<main")[1].split("</main>")[0]
        pdf = client.get(f"/agent/tasks/{site.tasks[0]}/papers/poa")
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        assert pdf.headers["cache-control"] == "no-store"

    def test_another_agent_gets_nothing(self, site: Site) -> None:
        client = site.as_(AGENT_B)
        for url in (f"/agent/tasks/{site.tasks[0]}", f"/agent/tasks/{site.tasks[0]}/papers/poa"):
            answer = client.get(url)
            assert answer.status_code == 404 and "김민준" not in answer.text
        assert "진행 중인 작업이 없어요" in client.get("/agent").text

    @pytest.mark.parametrize("url", ["/review", "/staff/tasks", "/review/claims/1"])
    def test_an_agent_is_sent_away_from_the_review_centers_pages(self, site: Site, url: str) -> None:
        answer = site.as_(AGENT_A).get(url)
        assert answer.status_code == 303 and answer.headers["location"] == "/staff/sign-in"

    @pytest.mark.parametrize("url", ["/api/claims", "/api/review/queue", "/api/claims/1", "/api/people/1"])
    def test_the_api_refuses_an_agent(self, site: Site, url: str) -> None:
        with site.services.sessions.begin() as s:
            token = auth.start(s, site.services.master, actor=AGENT_A, now=NOW.now(NOW.tzinfo))
        answer = site.client.get(url, headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code in (403, 404) and "김민준" not in answer.text

    def test_a_customer_is_sent_away_from_agent_pages(self, site: Site) -> None:
        client = site.as_(Actor(Role.CUSTOMER, person_id=site.world.kim))
        assert client.get("/agent").status_code == 303
        assert client.get(f"/agent/tasks/{site.tasks[0]}/papers/poa").status_code == 303

    def test_staff_see_the_tasks_and_open_the_signed_papers(self, site: Site) -> None:
        client = site.as_(REVIEWER)
        page = client.get("/staff/tasks")
        assert page.status_code == 200 and "연세가정의원" in page.text and "온누리약국" in page.text
        assert client.get(f"/staff/tasks/{site.tasks[0]}/papers/consent").content.startswith(b"%PDF-")


class TestAtTheCounter:
    def test_a_fee_above_the_cap_answers_422_and_records_nothing(self, site: Site) -> None:
        client = site.as_(AGENT_A)
        tid = site.tasks[0]
        assert (
            client.post(f"/agent/tasks/{tid}/check-in", data={"csrf": "csrf-token", "place": "원무과"}).status_code
            == 303
        )
        with site.services.sessions.begin() as s:
            did = s.scalars(select(TaskDocumentRow.id).where(TaskDocumentRow.task_id == tid)).first()
        answer = client.post(f"/agent/tasks/{tid}/documents/{did}/fee",
                             data={"csrf": "csrf-token", "item": "general_diagnosis", "pages": "1", "amount": "25,000"})  # fmt: skip
        assert answer.status_code == 422 and "보건복지부 상한 20,000원을 넘습니다" in answer.text
        with site.services.sessions.begin() as s:
            row = s.get(TaskDocumentRow, did)
            assert row is not None and row.fee is None

    def test_a_form_without_its_csrf_token_is_refused(self, site: Site) -> None:
        answer = site.as_(AGENT_A).post(f"/agent/tasks/{site.tasks[0]}/check-in", data={"place": "원무과"})
        assert answer.status_code == 403

    def test_after_the_person_withdraws_the_task_answers_410_without_their_name(self, site: Site) -> None:
        person = site.as_(Actor(Role.CUSTOMER, person_id=site.world.kim))
        assert person.post(f"/people/{site.world.kim}/agent-tasks/{site.tasks[0]}/revoke",
                           data={"csrf": "csrf-token"}).status_code == 303  # fmt: skip
        client = site.as_(AGENT_A)
        page = client.get(f"/agent/tasks/{site.tasks[0]}")
        assert page.status_code == 410 and "김민준" not in page.text and "위임 철회" in page.text
        assert client.get(f"/agent/tasks/{site.tasks[0]}/papers/poa").status_code == 410
        listing = client.get("/agent").text
        assert "연세가정의원" not in listing and f"작업 #{site.tasks[0]}" in listing

    def test_another_person_cannot_withdraw_or_sign(self, site: Site) -> None:
        lee = site.as_(Actor(Role.CUSTOMER, person_id=site.world.lee))
        assert lee.post(f"/people/{site.world.lee}/agent-tasks/{site.tasks[0]}/revoke",
                        data={"csrf": "csrf-token"}).status_code == 404  # fmt: skip
        assert lee.get(f"/people/{site.world.kim}/agent-tasks").status_code == 403
        with site.services.sessions.begin() as s:
            task = s.get(AgentTaskRow, site.tasks[0])
            assert task is not None and service.stop_reason(s, task, date.today()) is None


class TestRegistering:
    def test_an_administrator_registers_an_agent_and_a_reviewer_may_not(self, site: Site) -> None:
        form = {"csrf": "csrf-token", "staff_id": "agent-c", "name": "한현장", "birth_date": "1979-05-05",
                "phone": "010-7000-0003", "areas": "서울 서대문구"}  # fmt: skip
        refused = site.as_(REVIEWER).post("/staff/agents", data=form)
        assert refused.status_code == 403
        admin = site.as_(Actor(Role.ADMINISTRATOR, staff_id="admin-1"))
        assert "현장 대리인 등록" in admin.get("/staff/tasks").text
        assert admin.post("/staff/agents", data={**form, "birth_date": "05/05/1979"}).status_code == 422
        assert admin.post("/staff/agents", data=form).status_code == 303
        assert "한현장 (agent-c · 서울 서대문구)" in admin.get("/staff/tasks").text
