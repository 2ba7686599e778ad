"""The payments API and pages through the app, on SQLite and PostgreSQL: the customer sees the
shortfall with its reason and the interest, drafts the recourse and approves it (audited); reviewers
see the money at stake; strangers see nothing."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from silson.adapters.identity import SandboxIdentity
from silson.claims.lifecycle import Role
from silson.privacy.crypto import FileMasterKey
from silson.store.models import AuditRow
from silson.web.app import Services, create_app
from silson.web.pages.common import CSRF_COOKIE, SESSION_COOKIE
from tests.payments.conftest import AClaim, a_claim, pay
from tests.store.test_api import KIM, PARK, SECRET, sign_in, staff


def _world(sessions: sessionmaker[Session], master: FileMasterKey) -> tuple[TestClient, AClaim]:
    made = a_claim(sessions, master)
    pay(sessions, master, made, amount=35_000, paid_on=date(2025, 12, 15))
    services = Services(sessions, master, SandboxIdentity([KIM, PARK]), {"rev": (Role.REVIEWER, SECRET)})
    return TestClient(create_app(services, sign_in_rate="500/minute")), made


class TestReconciliationApi:
    def test_the_customer_sees_the_shortfall_its_reason_and_the_interest(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        client, made = _world(sessions, master)
        got = client.get(f"/api/claims/{made.claim}/reconciliation", headers=sign_in(client, KIM)).json()
        assert (got["expected_total"], got["paid_total"], got["underpaid_total"], got["interest_owed"],
                got["at_stake"], got["due_on"], got["days_late"]) == (
            40_000, 35_000, 5_000, 434, 5_434, "2025-10-10", 66)  # fmt: skip
        (line,) = got["lines"]
        assert (line["visit_date"], line["coverage"], line["expected"], line["paid"], line["difference"]) == (
            "2025-09-22", "disease_outpatient", 40_000, 35_000, 5_000)  # fmt: skip
        assert line["mistake"] == "other_institution_deductible" and "병원의 공제금액" in line["reason"]
        assert "가정한 이율" in got["rate_note"]

    def test_a_stranger_is_refused_and_a_claim_without_statement_is_404(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        client, made = _world(sessions, master)
        assert client.get(f"/api/claims/{made.claim}/reconciliation", headers=sign_in(client, PARK)).status_code == 403
        other = a_claim(sessions, master, name="이서연", phone="010-2")
        missing = client.get(f"/api/claims/{other.claim}/reconciliation", headers=staff(client, "rev"))
        assert (missing.status_code, missing.json()["code"]) == (404, "no_statement")

    def test_reviewers_see_the_money_at_stake_and_customers_do_not(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        client, made = _world(sessions, master)
        rows = client.get("/api/review/underpaid", headers=staff(client, "rev")).json()
        mine = [r for r in rows if r["claim_id"] == made.claim]
        assert [(r["kind"], r["underpaid"], r["interest"]) for r in mine] == [("underpaid", 5_000, 434)]
        # the 5,000 still short keeps earning from 2025-10-10 to today (more than the 62원 it had by 12-15)
        assert mine[0]["accruing"] > 62 and mine[0]["total"] == 5_434 + mine[0]["accruing"]
        assert client.get("/api/review/underpaid", headers=sign_in(client, KIM)).status_code == 403


class TestRecourseApi:
    def test_drafts_with_the_trace_and_deadlines_then_the_customer_approves_in_order(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        client, made = _world(sessions, master)
        kim = sign_in(client, KIM)
        drafted = client.post(f"/api/claims/{made.claim}/recourse", headers=kim)
        assert drafted.status_code == 201
        letters = {r["kind"]: r for r in drafted.json()}
        assert sorted(letters) == ["complaint", "mediation", "objection"]
        objection = letters["objection"]
        # 소멸시효: 3 years from the visit of 2025-09-22 (상법 제662조)
        assert (objection["state"], objection["at_stake"], objection["deadline"]) == ("drafted", 5_434, "2028-09-22")
        assert "현대해상 귀중" in objection["text"] and "김민준" in objection["text"]
        assert "차액 5,000원과 지연이자 434원의 지급을 청구합니다" in objection["text"]
        assert "차액 5,000원에 대한 지연이자는 지급기일(2025-10-10) 다음 날부터 실제 지급일까지" in objection["text"]
        assert "병원의 공제금액을 적용한 금액과 같음" in objection["text"] and "공제" in objection["text"]
        assert "30일" in letters["mediation"]["text"] and "소멸시효가 중단" in letters["mediation"]["text"]
        assert letters["complaint"]["send_after"] is not None
        assert [(r["kind"], r["offered"]) for r in drafted.json()] == [
            ("objection", True), ("complaint", False), ("mediation", False)]  # fmt: skip
        early = client.post(f"/api/claims/{made.claim}/recourse/{letters['complaint']['id']}/approve", headers=kim)
        assert (early.status_code, early.json()["code"]) == (409, "recourse_not_approvable")
        assert client.post(f"/api/claims/{made.claim}/recourse/{objection['id']}/approve",
                           headers=staff(client, "rev")).status_code == 403  # fmt: skip
        ok = client.post(f"/api/claims/{made.claim}/recourse/{objection['id']}/approve", headers=kim).json()
        assert ok["state"] == "approved" and ok["approved_at"] is not None
        listed = client.get(f"/api/claims/{made.claim}/recourse", headers=kim).json()
        assert [(r["kind"], r["state"]) for r in listed] == [
            ("objection", "approved"), ("complaint", "drafted"), ("mediation", "drafted")]  # fmt: skip
        with sessions.begin() as s:
            actions = s.scalars(select(AuditRow.action).where(AuditRow.object_id == str(made.claim))).all()
        ours = [a for a in actions if a.startswith(("claim.reconciled", "claim.recourse"))]
        assert ours == ["claim.reconciled", "claim.recourse_drafted", "claim.recourse_approved"]

    def test_nothing_owed_is_not_drafted(self, sessions: sessionmaker[Session], master: FileMasterKey) -> None:
        made = a_claim(sessions, master)
        pay(sessions, master, made, amount=40_000, paid_on=date(2025, 10, 10))
        client = TestClient(create_app(Services(sessions, master, SandboxIdentity([KIM]), {})))
        refused = client.post(f"/api/claims/{made.claim}/recourse", headers=sign_in(client, KIM))
        assert (refused.status_code, refused.json()["code"]) == (409, "nothing_owed")


class TestPages:
    def test_the_claim_page_section_shows_the_shortfall_and_the_approve_button_works(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        client, made = _world(sessions, master)
        client.cookies.set(SESSION_COOKIE, sign_in(client, KIM)["Authorization"].removeprefix("Bearer "))
        claim_page = client.get(f"/claims/{made.claim}").text
        assert f'hx-get="/claims/{made.claim}/reconciliation"' in claim_page
        section = client.get(f"/claims/{made.claim}/reconciliation", headers={"hx-request": "true"}).text
        assert 'id="rec-underpaid">5,000원' in section and 'id="rec-interest">434원 (66일 늦게 지급)' in section
        assert "병원의 공제금액을 적용한 금액과 같음" in section and "질병통원" in section
        assert 'id="rec-at-stake">5,434원' in section
        csrf = str(client.cookies.get(CSRF_COOKIE))
        assert (
            client.post(f"/claims/{made.claim}/recourse", data={"csrf": csrf}, follow_redirects=False).status_code
            == 303
        )
        section = client.get(f"/claims/{made.claim}/reconciliation", headers={"hx-request": "true"}).text
        assert 'id="approve-objection"' in section and "소멸시효 만료 2028-09-22" in section
        rid = section.split(f'action="/claims/{made.claim}/recourse/')[1].split("/approve")[0]
        client.post(f"/claims/{made.claim}/recourse/{rid}/approve", data={"csrf": csrf}, follow_redirects=False)
        section = client.get(f"/claims/{made.claim}/reconciliation").text
        assert 'recourse-objection" id="recourse-' in section and '<span class="state">승인함</span>' in section
        assert "승인하셨어요. 곧 보험사에 보내요." in section and 'id="approve-objection"' not in section
        assert 'id="approve-complaint"' not in section  # the 민원 waits for the insurer's answer or its deadline
        assert "진료일 2025-09-22 → 만료 2028-09-22" in section  # the limitation clock, running

    def test_the_review_queue_section_lists_the_total_at_stake(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        client, made = _world(sessions, master)
        client.cookies.set(SESSION_COOKIE, staff(client, "rev")["Authorization"].removeprefix("Bearer "))
        assert 'hx-get="/review/underpaid"' in client.get("/review").text
        assert f'hx-get="/review/claims/{made.claim}/reconciliation"' in client.get(f"/review/claims/{made.claim}").text
        full = client.get(f"/review/claims/{made.claim}/reconciliation").text
        assert 'id="rec-underpaid">5,000원' in full and f'href="/review/claims/{made.claim}"' in full
        assert 'id="draft-recourse"' not in full  # only the customer drafts and approves
        section = client.get("/review/underpaid", headers={"hx-request": "true"}).text
        assert f'href="/review/claims/{made.claim}">#{made.claim}' in section
        total = int(section.split('id="underpaid-total">')[1].split("원")[0].replace(",", ""))
        assert total > 5_434  # the shortfall, the 434원, and the interest the 5,000 has earned since 2025-10-10
