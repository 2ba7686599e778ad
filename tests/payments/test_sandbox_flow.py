"""The sandbox insurer (its own process) pays short and late; its statement, stored through the
payments service, is reconciled at once: the customer sees the shortfall with its reason and the
interest, approves the drafted request, and the insurer's corrected payment closes the gap."""

from __future__ import annotations

from datetime import date

import httpx
from sqlalchemy.orm import Session, sessionmaker

from silson.access import Actor
from silson.claims import follow, packages
from silson.claims.insurers.http import HttpInsurer
from silson.claims.insurers.port import Statement, StatementLine
from silson.claims.lifecycle import Role
from silson.payments import recourse, service
from silson.payments.interest import due_date
from silson.privacy.crypto import FileMasterKey
from silson.rules.catalogue import load_catalogue
from silson.store.models import ClaimPackageRow, ClaimRow
from tests.payments.conftest import NOW, a_claim, submitted


def test_short_and_late_then_approved_then_corrected(
    sessions: sessionmaker[Session], master: FileMasterKey, insurer: str
) -> None:
    made = a_claim(sessions, master, received=None)
    with sessions.begin() as s:
        claim = s.get(ClaimRow, made.claim)
        assert claim is not None
        built = packages.build(s, master, claim=claim, documents=[], claim_date=date(2025, 9, 30), now=NOW)
    port = HttpInsurer(insurer)
    ack = port.submit(package=built.content, idempotency_key=f"pkg-flow-{made.claim:06d}")
    with sessions.begin() as s:
        row = s.get(ClaimPackageRow, made.package)
        assert row is not None
        row.receipt_no, row.received_on = ack.receipt_no, ack.received_on
        row.due_on = due_date(received=ack.received_on)
    httpx.put(f"{insurer}/config", json={"mistakes": ["other_institution_deductible"]})
    httpx.post(f"{insurer}/packages/{ack.receipt_no}/decide", json={"paid_on": "2025-12-15"})
    statement = port.answer(receipt_no=ack.receipt_no).statement
    assert statement is not None and statement.total == 35_000
    with sessions.begin() as s:
        service.receive_statement(s, master, load_catalogue(), package_id=made.package, statement=statement, now=NOW)
    kim = Actor(Role.CUSTOMER, person_id=made.person)
    with sessions.begin() as s:
        seen = service.reconciliation_of(s, master, kim, claim_id=made.claim)
        assert (seen.underpaid_total, seen.interest_owed, seen.due_on) == (5_000, 434, date(2025, 10, 10))
        assert seen.lines[0].reason == "5,000원 덜 지급: 지급액이 병원의 공제금액을 적용한 금액과 같음."
        letters = recourse.draft(s, master, kim, claim_id=made.claim, now=NOW)
        objection = next(x for x in letters if x.kind == "objection")
        assert recourse.approve(s, master, kim, claim_id=made.claim, recourse_id=objection.id, now=NOW).state == (
            "approved"
        )
    # the insurer pays the rest (and the interest is still owed on both amounts paid late)
    corrected = Statement("ST-FIX", date(2025, 12, 22), (
        StatementLine(1, made.event, made.contract, "disease_outpatient", date(2025, 9, 22), 10_000, 5_000),))  # fmt: skip
    with sessions.begin() as s:
        service.receive_statement(s, master, load_catalogue(), package_id=made.package, statement=corrected, now=NOW)
        after = service.reconciliation_of(s, master, kim, claim_id=made.claim)
    # 35,000원 paid 66 days late (434원) + 5,000원 paid 73 days late: 5,000 × (4.5% × 30 + 8.5% × 30 + 10.5% × 13)/365
    # = 72.18 → 72원
    assert [(x.paid, x.difference, x.status) for x in after.lines] == [(40_000, 0, "matched")]
    assert (after.underpaid_total, after.interest_owed, after.days_late) == (0, 506, 73)


def test_the_interest_paid_with_the_statement_is_counted_and_nothing_more_is_asked(
    sessions: sessionmaker[Session], master: FileMasterKey, insurer: str
) -> None:
    made = submitted(sessions, master, insurer)
    with sessions.begin() as s:
        package = s.get(ClaimPackageRow, made.package)
        assert package is not None and package.receipt_no is not None
        receipt = package.receipt_no
    # paid in full on 2025-12-15, 66 days after the 지급기일 of 2025-10-10, with its 지연이자:
    # 40,000 × (4.5% × 30 + 8.5% × 30 + 10.5% × 6) / 365 = 496.44 → 496원
    decided = httpx.post(f"{insurer}/packages/{receipt}/decide", json={"paid_on": "2025-12-15", "interest": 496})
    assert decided.json()["interest"] == 496
    answer = HttpInsurer(insurer).answer(receipt_no=receipt)
    assert answer.statement is not None and answer.statement.interest == 496
    with sessions.begin() as s:
        follow.apply(s, master, load_catalogue(), package_id=made.package, answer=answer, now=NOW)
    kim = Actor(Role.CUSTOMER, person_id=made.person)
    with sessions.begin() as s:
        seen = service.reconciliation_of(s, master, kim, claim_id=made.claim)
        claim = s.get(ClaimRow, made.claim)
        assert claim is not None and claim.state == "paid"
    assert (seen.days_late, seen.interest_owed, seen.interest_paid, seen.interest_due, seen.at_stake) == (
        66, 496, 496, 0, 0)  # fmt: skip
