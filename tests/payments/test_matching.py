"""Statement PDF rows no visit fits are kept for a reviewer (not dropped): the review console lists
them with the claim's visits and contracts, a reviewer's match is stored as a statement line with who
made it (audited) and the claim is reconciled at once; customers, other claims' rows and a second,
different match are refused."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from silson.access import Actor, Forbidden
from silson.adapters.identity import SandboxIdentity
from silson.claims.insurers.port import Statement, StatementLine
from silson.claims.lifecycle import Role
from silson.errors import Conflict, Invalid, NotFound
from silson.payments import matching, service
from silson.payments.statement_pdf import write_statement_pdf
from silson.privacy.crypto import FileMasterKey
from silson.rules.catalogue import load_catalogue
from silson.store.models import AuditRow
from silson.web.app import Services, create_app
from silson.web.pages.common import CSRF_COOKIE, SESSION_COOKIE
from tests.payments.conftest import NOW, AClaim, a_claim
from tests.store.test_api import KIM, SECRET, sign_in, staff

REVIEWER = Actor(Role.REVIEWER, staff_id="rev")


def _upload(sessions: sessionmaker[Session], master: FileMasterKey, made: AClaim) -> service.PdfOutcome:
    """The insurer's PDF puts the 35,000 of the 2025-09-22 visit on 2025-09-23, and a 치과 row."""
    lines = (StatementLine(1, "?", "?", "disease_outpatient", date(2025, 9, 23), 15_000, 35_000),
             StatementLine(2, "?", "?", "치과", date(2025, 9, 22), 0, 7_000))  # fmt: skip
    pdf = write_statement_pdf(insurer="현대해상", receipt_no="R-1",
                              statement=Statement("ST-PDF", date(2025, 12, 15), lines))  # fmt: skip
    with sessions.begin() as s:
        return service.receive_statement_pdf(s, master, load_catalogue(), REVIEWER, claim_id=made.claim, data=pdf,
                                             now=NOW)  # fmt: skip


def _rows(sessions: sessionmaker[Session], master: FileMasterKey, made: AClaim) -> matching.ToMatch:
    with sessions.begin() as s:
        found = matching.to_match(s, master, load_catalogue(), REVIEWER, claim_id=made.claim, now=NOW)
        for row in found.rows:
            s.expunge(row)
        return found


class TestKept:
    def test_rows_no_visit_fits_are_kept_once_with_the_choices(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        made = a_claim(sessions, master)
        done = _upload(sessions, master, made)
        assert (done.reconciliation_id, len(done.unmatched)) == (None, 2)
        _upload(sessions, master, made)  # the same PDF again keeps nothing twice
        found = _rows(sessions, master, made)
        assert [(r.line_no, r.coverage_label, r.visit_date, r.paid, r.state) for r in found.rows] == [
            (1, "질병통원", date(2025, 9, 23), 35_000, "open"), (2, "치과", date(2025, 9, 22), 7_000, "open")]  # fmt: skip
        assert "2025-09-23에 이 청구의 진료가 없습니다" in found.rows[0].why
        assert [c.value for c in found.visits] == [made.event]
        assert found.visits[0].label.startswith("2025-09-22 · 외래")
        assert [c.value for c in found.contracts] == [made.contract]


class TestMatch:
    def test_the_reviewers_match_is_stored_audited_and_reconciled(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        made = a_claim(sessions, master)
        _upload(sessions, master, made)
        first = _rows(sessions, master, made).rows[0]
        with sessions.begin() as s:
            run = matching.match(s, master, load_catalogue(), REVIEWER, claim_id=made.claim, line_id=first.id,
                                 event=made.event, contract=made.contract, now=NOW)  # fmt: skip
        assert run is not None
        with sessions.begin() as s:
            seen = service.reconciliation_of(s, master, REVIEWER, claim_id=made.claim)
            audit = s.scalars(select(AuditRow).where(AuditRow.action == "claim.statement_line_matched")).one()
            assert (audit.actor, audit.object_id) == (REVIEWER.label, str(made.claim))
        # 35,000 of 40,000 paid 66 days after the 지급기일 (2025-10-10): 5,000 short, 434원 of interest
        assert [(x.expected, x.paid, x.difference) for x in seen.lines] == [(40_000, 35_000, 5_000)]
        assert (seen.statement_no, seen.interest_owed) == ("ST-PDF", 434)
        matched = _rows(sessions, master, made).rows[0]
        assert (matched.state, matched.event_ref, matched.matched_by) == ("matched", made.event, REVIEWER.label)
        with sessions.begin() as s:  # the same match again: nothing new
            assert matching.match(s, master, load_catalogue(), REVIEWER, claim_id=made.claim, line_id=first.id,
                                  event=made.event, contract=made.contract, now=NOW) is None  # fmt: skip

    def test_refusals(self, sessions: sessionmaker[Session], master: FileMasterKey) -> None:
        made = a_claim(sessions, master)
        other = a_claim(sessions, master, name="이서연", phone="010-2222-3333")
        _upload(sessions, master, made)
        row = _rows(sessions, master, made).rows[1]
        catalogue = load_catalogue()
        customer = Actor(Role.CUSTOMER, person_id=made.person)
        with pytest.raises(Forbidden), sessions.begin() as s:
            matching.match(s, master, catalogue, customer, claim_id=made.claim, line_id=row.id, event=made.event,
                           contract=made.contract, now=NOW)  # fmt: skip
        with pytest.raises(NotFound), sessions.begin() as s:  # a row of this claim under another claim's id
            matching.match(s, master, catalogue, REVIEWER, claim_id=other.claim, line_id=row.id, event=other.event,
                           contract=other.contract, now=NOW)  # fmt: skip
        with pytest.raises(Invalid, match="event: 'e999999'"), sessions.begin() as s:
            matching.match(s, master, catalogue, REVIEWER, claim_id=made.claim, line_id=row.id, event="e999999",
                           contract=made.contract, now=NOW)  # fmt: skip
        with pytest.raises(Invalid, match="contract: "), sessions.begin() as s:  # another person's contract
            matching.match(s, master, catalogue, REVIEWER, claim_id=made.claim, line_id=row.id, event=made.event,
                           contract=other.contract, now=NOW)  # fmt: skip
        with sessions.begin() as s:
            matching.match(s, master, catalogue, REVIEWER, claim_id=made.claim, line_id=row.id, event=made.event,
                           contract=made.contract, now=NOW)  # fmt: skip
        with pytest.raises(Conflict), sessions.begin() as s:
            matching.match(s, master, catalogue, REVIEWER, claim_id=made.claim, line_id=row.id, event=made.event,
                           contract="contract:0", now=NOW)  # fmt: skip


class TestPage:
    def test_a_reviewer_matches_on_the_page_and_the_api_lists_it(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        made = a_claim(sessions, master)
        _upload(sessions, master, made)
        services = Services(sessions, master, SandboxIdentity([KIM]), {"rev": (Role.REVIEWER, SECRET)})
        client = TestClient(create_app(services, sign_in_rate="500/minute"))
        bearer = staff(client, "rev")
        client.cookies.set(SESSION_COOKIE, bearer["Authorization"].removeprefix("Bearer "))
        section = client.get(f"/review/claims/{made.claim}/reconciliation").text
        assert 'id="rec-waiting">맞출 지급 행 2건' in section
        page = client.get(f"/review/claims/{made.claim}/statement-lines").text
        first = _rows(sessions, master, made).rows[0]
        assert f'id="line-{first.id}"' in page and "2025-09-23에 이 청구의 진료가 없습니다" in page
        csrf = str(client.cookies.get(CSRF_COOKIE))
        sent = client.post(f"/review/claims/{made.claim}/statement-lines/{first.id}/match",
                           data={"csrf": csrf, "event": made.event, "contract": made.contract},
                           follow_redirects=False)  # fmt: skip
        assert sent.status_code == 303
        page = client.get(sent.headers["location"]).text
        assert (
            'id="lines-done"' in page
            and "→ 2025-09-22 · 외래 · (기관명 없음) · 현대해상" in page
            and "— reviewer:rev" in page
        )
        listed = client.get(f"/api/claims/{made.claim}/statement-lines", headers=bearer).json()
        assert [(x["line_no"], x["state"]) for x in listed["lines"]] == [(1, "matched"), (2, "open")]
        bad = client.post(f"/api/claims/{made.claim}/statement-lines/{listed['lines'][1]['id']}/match",
                          json={"event": "e0", "contract": made.contract}, headers=bearer)  # fmt: skip
        assert (bad.status_code, bad.json()["code"]) == (422, "invalid_input")
        kim = sign_in(client, KIM)  # the customer of this very claim: matching is the review center's
        assert client.get(f"/api/claims/{made.claim}/statement-lines", headers=kim).status_code == 403
        assert client.post(f"/api/claims/{made.claim}/statement-lines/{listed['lines'][1]['id']}/match",
                           json={"event": made.event, "contract": made.contract}, headers=kim).status_code == 403  # fmt: skip
        assert client.get("/api/claims/999999/statement-lines", headers=bearer).status_code == 404
        reconciled = client.get(f"/api/claims/{made.claim}/reconciliation", headers=bearer).json()
        assert (reconciled["underpaid_total"], reconciled["interest_owed"]) == (5_000, 434)
