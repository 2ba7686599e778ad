"""A payout statement uploaded as a PDF (the sandbox insurer's layout) is read into its lines, matched
to the claim's visits by 진료일 and 담보, reconciled at once; rows that fit no visit come back for a
reviewer to match."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from silson.access import Actor
from silson.adapters.identity import SandboxIdentity
from silson.claims.insurers.port import Statement, StatementLine
from silson.claims.lifecycle import Role
from silson.payments import service
from silson.payments.statement_pdf import (
    PdfLine,
    StatementUnreadable,
    read_statement_pdf,
    write_statement_pdf,
)
from silson.privacy.crypto import FileMasterKey
from silson.rules.catalogue import load_catalogue
from silson.web.app import Services, create_app
from silson.web.pages.common import CSRF_COOKIE, SESSION_COOKIE
from tests.payments.conftest import NOW, a_claim
from tests.store.test_api import KIM, SECRET, sign_in, staff

REVIEWER = Actor(Role.REVIEWER, staff_id="rev")


def _pdf(*rows: tuple[str, date, int, int], interest: int = 0) -> bytes:
    lines = tuple(StatementLine(i, "?", "?", cov, day, ded, paid) for i, (cov, day, ded, paid) in enumerate(rows, 1))
    return write_statement_pdf(
        insurer="현대해상", receipt_no="R-1", statement=Statement("ST-PDF", date(2025, 12, 15), lines, interest)
    )


class TestReadStatementPdf:
    def test_every_row_is_read_with_its_coverage_date_deductible_and_amount(self) -> None:
        read = read_statement_pdf(data=_pdf(("disease_outpatient", date(2025, 9, 22), 10_000, 35_000),
                                            ("injury_inpatient", date(2025, 9, 23), 0, 1_234_567)))  # fmt: skip
        assert (read.statement_no, read.paid_on) == ("ST-PDF", date(2025, 12, 15))
        assert read.lines == (
            PdfLine(1, "질병통원", "disease_outpatient", date(2025, 9, 22), 10_000, 35_000),
            PdfLine(2, "상해입원", "injury_inpatient", date(2025, 9, 23), 0, 1_234_567),
        )

    def test_the_interest_paid_with_it_is_read_and_counted(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        data = _pdf(("disease_outpatient", date(2025, 9, 22), 10_000, 40_000), interest=496)
        assert read_statement_pdf(data=data).interest == 496
        assert read_statement_pdf(data=_pdf(("disease_outpatient", date(2025, 9, 22), 10_000, 40_000))).interest == 0
        made = a_claim(sessions, master)
        with sessions.begin() as s:
            service.receive_statement_pdf(
                s, master, load_catalogue(), REVIEWER, claim_id=made.claim, data=data, now=NOW
            )
            rec = service.reconciliation_of(s, master, REVIEWER, claim_id=made.claim)
        # 66 days late on 40,000: 496원 owed, and paid with the statement
        assert (rec.interest_owed, rec.interest_paid, rec.at_stake) == (496, 496, 0)

    def test_a_file_that_is_not_a_statement_is_refused(self) -> None:
        with pytest.raises(StatementUnreadable):
            read_statement_pdf(data=b"%PDF-1.4 not really")


class TestReceiveStatementPdf:
    def test_the_matched_row_is_reconciled_and_the_others_are_left_for_a_reviewer(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        made = a_claim(sessions, master)
        data = _pdf(("disease_outpatient", date(2025, 9, 22), 15_000, 35_000),
                    ("disease_outpatient", date(2025, 9, 29), 10_000, 12_000),
                    ("치아", date(2025, 9, 22), 0, 5_000))  # fmt: skip
        with sessions.begin() as s:
            done = service.receive_statement_pdf(s, master, load_catalogue(), REVIEWER, claim_id=made.claim, data=data,
                                                 now=NOW)  # fmt: skip
        assert [(x.event, x.contract, x.paid) for x in done.matched.lines] == [(made.event, made.contract, 35_000)]
        assert [(u.line.line_no, u.why) for u in done.unmatched] == [
            (2, "2025-09-29에 이 청구의 진료가 없습니다."), (3, "담보 '치아'을(를) 알 수 없습니다.")]  # fmt: skip
        with sessions.begin() as s:
            rec = service.reconciliation_of(s, master, REVIEWER, claim_id=made.claim)
        assert (rec.statement_no, rec.underpaid_total, rec.interest_owed) == ("ST-PDF", 5_000, 434)
        assert rec.lines[0].mistake_code == "other_institution_deductible"

    def test_only_staff_upload_and_a_full_but_late_payment_owes_interest(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        made = a_claim(sessions, master)
        client = TestClient(create_app(Services(sessions, master, SandboxIdentity([KIM]),
                                                {"rev": (Role.REVIEWER, SECRET)})))  # fmt: skip
        url = f"/api/claims/{made.claim}/statements/pdf"
        body = _pdf(("disease_outpatient", date(2025, 9, 22), 10_000, 40_000))
        pdf = {"Content-Type": "application/pdf"}
        assert client.post(url, content=body, headers={**sign_in(client, KIM), **pdf}).status_code == 403
        got = client.post(url, content=body, headers={**staff(client, "rev"), **pdf})
        assert got.status_code == 200
        out = got.json()
        assert (out["reconciled"], [m["paid"] for m in out["matched"]], out["unmatched"]) == (True, [40_000], [])
        rec = client.get(f"/api/claims/{made.claim}/reconciliation", headers=staff(client, "rev")).json()
        # paid in full, but 66 days after the 지급기일: 40,000 × 0.1241096 = 496.44 → 496원
        assert (rec["underpaid_total"], rec["interest_owed"], rec["days_late"]) == (0, 496, 66)


class TestStatementPage:
    def test_a_reviewer_uploads_the_pdf_and_sees_the_rows_left_to_match(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        made = a_claim(sessions, master)
        client = TestClient(create_app(Services(sessions, master, SandboxIdentity([KIM]),
                                                {"rev": (Role.REVIEWER, SECRET)})))  # fmt: skip
        client.cookies.set(SESSION_COOKIE, staff(client, "rev")["Authorization"].removeprefix("Bearer "))
        assert f'href="/review/claims/{made.claim}/statement"' in client.get(f"/review/claims/{made.claim}").text
        form = client.get(f"/review/claims/{made.claim}/statement")
        assert form.status_code == 200
        csrf = str(client.cookies.get(CSRF_COOKIE))
        data = _pdf(("disease_outpatient", date(2025, 9, 22), 15_000, 35_000),
                    ("disease_outpatient", date(2025, 9, 29), 10_000, 12_000))  # fmt: skip
        page = client.post(f"/review/claims/{made.claim}/statement", data={"csrf": csrf},
                           files={"file": ("statement.pdf", data, "application/pdf")}).text  # fmt: skip
        assert "진료와 맞춘 행 1개 — 대조를 마쳤습니다" in page
        assert "2025-09-29에 이 청구의 진료가 없습니다." in page and "12,000원" in page
        bad = client.post(f"/review/claims/{made.claim}/statement", data={"csrf": csrf},
                          files={"file": ("x.pdf", b"not a pdf", "application/pdf")})  # fmt: skip
        assert bad.status_code == 422 and "PDF를 읽을 수 없습니다" in bad.text
