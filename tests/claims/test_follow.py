"""Following a package: the sandbox insurer (its own process) acknowledges and decides; each answer
moves the claim (audited), the statement is stored line by line, the 지급기일 is 3 영업일 after the
접수일, and a claim past it unpaid is marked overdue at the top of the review queue."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from silson.claims import follow, release, repository, review
from silson.claims.insurers.http import HttpInsurer
from silson.claims.insurers.port import Answer, Statement, StatementLine
from silson.claims.lifecycle import State
from silson.jobs import outbox
from silson.notifications import service as notify
from silson.payments import interest
from silson.payments import service as payments
from silson.privacy import at_rest, people
from silson.privacy.crypto import FileMasterKey
from silson.rules.catalogue import Catalogue
from silson.store import repository as store
from silson.store.models import AuditRow, ClaimPackageRow, ClaimRow, ClaimTransitionRow
from tests.claims.conftest import NOW
from tests.claims.test_release import DIRECTORY, REVIEWER, claim_with_visits, mark_all_received
from tests.sandbox.test_insurer import insurer as insurer


def released(sessions: sessionmaker[Session], master: FileMasterKey, catalogue: Catalogue) -> tuple[int, int]:
    claim = claim_with_visits(sessions, master, catalogue)
    mark_all_received(sessions, master, claim)
    with sessions.begin() as s:
        package = release.release(s, master, DIRECTORY, REVIEWER, claim_id=claim, idempotency_key="r", now=NOW).id
    return claim, package


def _reason(sessions: sessionmaker[Session], master: FileMasterKey, claim: int, move: ClaimTransitionRow) -> str:
    """A move's reason: sealed under the person's key at rest, opened with it."""
    with sessions.begin() as s:
        row = s.get(ClaimRow, claim)
        assert row is not None
        return at_rest.open_text(people.data_key(s, master, row.person_id), at_rest.TRANSITION_REASON,
                                 move.reason_sealed) or ""  # fmt: skip


def state_of(sessions: sessionmaker[Session], claim: int) -> str:
    with sessions.begin() as s:
        row = s.get(ClaimRow, claim)
        assert row is not None
        return row.state


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
class TestWithTheSandboxInsurer:
    def test_acknowledged_then_paid_in_full_with_the_statement_stored(
        self, sessions: sessionmaker[Session], master: FileMasterKey, catalogue: Catalogue, insurer: str
    ) -> None:
        claim, package = released(sessions, master, catalogue)
        port = HttpInsurer(insurer, timeout=5)
        context = outbox.JobContext(master, catalogue, insurers=lambda _name: port)
        assert outbox.sweep(sessions, lambda: NOW, context=context) == 1
        with sessions.begin() as s:
            row = s.get(ClaimPackageRow, package)
            assert row is not None and row.receipt_no is not None
            receipt, received, due = row.receipt_no, row.received_on, row.due_on
        assert state_of(sessions, claim) == State.ACKNOWLEDGED.value
        assert received == NOW.date() and due == interest.due_date(received=NOW.date())
        paid = httpx.post(f"{insurer}/packages/{receipt}/decide", json={"paid_on": "2026-11-25"}).json()
        with sessions.begin() as s:
            moved = follow.poll(s, master, catalogue, port_for=lambda _name: port, now=NOW + timedelta(days=2))
        assert moved == {claim: State.PAID}
        with sessions.begin() as s:
            lines = repository.lines_of_claim(s, claim)
            expected = follow.expected_total(s, master, catalogue, claim_id=claim, claim_date=NOW.date(), now=NOW)
        assert sum(x.paid for x in lines) == paid["total"] == expected > 0
        assert len(lines) == len(paid["lines"])
        with sessions.begin() as s:  # the statement was reconciled against the exact figures at once
            seen = payments.reconciliation_of(s, master, REVIEWER, claim_id=claim)
        assert (seen.expected_total, seen.paid_total, seen.underpaid_total) == (expected, expected, 0)
        with sessions.begin() as s:
            moves = len(store.transitions_of(s, claim))
        with sessions.begin() as s:  # asked again (followed until closed): nothing moves twice or is stored twice
            assert follow.poll(s, master, catalogue, port_for=lambda _name: port, now=NOW) == {claim: State.PAID}
            assert len(repository.lines_of_claim(s, claim)) == len(lines)
            assert len(store.transitions_of(s, claim)) == moves

    def test_the_insurer_asks_for_documents(
        self, sessions: sessionmaker[Session], master: FileMasterKey, catalogue: Catalogue, insurer: str
    ) -> None:
        httpx.put(f"{insurer}/config", json={"request_documents": ["ITEMIZED"]}).raise_for_status()
        claim, _package = released(sessions, master, catalogue)
        port = HttpInsurer(insurer, timeout=5)
        outbox.sweep(sessions, lambda: NOW, context=outbox.JobContext(master, catalogue, insurers=lambda _n: port))
        with sessions.begin() as s:
            follow.poll(s, master, catalogue, port_for=lambda _name: port, now=NOW)
            last = repository.last_transition(s, claim)
        assert state_of(sessions, claim) == State.MORE_DOCUMENTS_REQUESTED.value
        assert last is not None and "ITEMIZED" in _reason(sessions, master, claim, last)
        with sessions.begin() as s:  # a week later, still unpaid and no notice: the customer is told once
            for _ in range(2):
                follow.poll(s, master, catalogue, port_for=lambda _name: port, now=NOW + timedelta(days=7))
            told = [r.kind for r in notify.of_person(s, REVIEWER, person_id=s.get(ClaimRow, claim).person_id)]  # type: ignore[union-attr]
        assert told == ["overdue", "more_documents", "package_sent", "documents_needed"]


def answer(paid: list[int]) -> Answer:
    lines = tuple(StatementLine(i + 1, f"e{i}", "contract:1", "disease_outpatient", date(2025, 3, 2), 10_000, amount)
                  for i, amount in enumerate(paid))  # fmt: skip
    return Answer("decided", statement=Statement("ST-1", date(2026, 11, 25), lines))


class TestAnswers:
    def _sent(self, sessions: sessionmaker[Session], master: FileMasterKey, catalogue: Catalogue) -> tuple[int, int]:
        from silson.claims.insurers.port import Acknowledgement

        claim, package = released(sessions, master, catalogue)
        with sessions.begin() as s:
            row = s.get(ClaimPackageRow, package)
            assert row is not None
            follow.acknowledged(s, master, package=row, ack=Acknowledgement("SB1", date(2025, 9, 30), False), now=NOW)
        return claim, package

    def test_less_than_expected_is_partly_paid_and_nothing_is_denied(
        self, sessions: sessionmaker[Session], master: FileMasterKey, catalogue: Catalogue
    ) -> None:
        claim, package = self._sent(sessions, master, catalogue)
        with sessions.begin() as s:
            assert follow.apply(s, master, catalogue, package_id=package, answer=answer([1_000]), now=NOW) \
                is State.PARTLY_PAID  # fmt: skip
            last = repository.last_transition(s, claim)
        assert last is not None and "일부 지급: 1,000원" in _reason(sessions, master, claim, last)
        _claim2, package2 = self._sent(sessions, master, catalogue)
        with sessions.begin() as s:
            assert follow.apply(s, master, catalogue, package_id=package2, answer=answer([0]), now=NOW) \
                is State.REJECTED  # fmt: skip

    def test_the_due_date_counts_korean_business_days_and_overdue_claims_lead_the_queue(
        self, sessions: sessionmaker[Session], master: FileMasterKey, catalogue: Catalogue
    ) -> None:
        claim, package = self._sent(sessions, master, catalogue)  # 접수 2025-09-30, before 추석
        with sessions.begin() as s:
            row = s.get(ClaimPackageRow, package)
            assert row is not None and row.due_on == date(2025, 10, 10)  # claims-and-documents.md §3.5 example 1
            on_time = review.queue(s, master, REVIEWER, today=date(2025, 10, 10))
            late = review.queue(s, master, REVIEWER, today=date(2025, 10, 13))
        mine = [e for e in on_time if e.claim_id == claim]
        assert mine and mine[0].due == date(2025, 10, 10) and not mine[0].overdue
        assert late[0].claim_id == claim and late[0].overdue

    def test_every_move_is_audited(
        self, sessions: sessionmaker[Session], master: FileMasterKey, catalogue: Catalogue
    ) -> None:
        claim, package = self._sent(sessions, master, catalogue)
        with sessions.begin() as s:
            follow.apply(s, master, catalogue, package_id=package, answer=answer([1_000_000]), now=NOW)
            moves = [
                (t.from_state, t.to_state, t.actor)
                for t in s.scalars(
                    select(ClaimTransitionRow)
                    .where(ClaimTransitionRow.claim_id == claim)
                    .order_by(ClaimTransitionRow.id)
                )
            ]
            audited = s.scalars(select(AuditRow).where(AuditRow.action == "claim.moved",
                                                       AuditRow.object_id == str(claim))).all()  # fmt: skip
        assert moves[-3:] == [("ready", "submitted", "system:None"), ("submitted", "acknowledged", "system:None"),
                              ("acknowledged", "paid", "system:None")]  # fmt: skip
        assert len(audited) == len(moves)
