"""Each stored statement is reconciled at once: the claim's visits adjudicated against the person's
contracts, the lines stored with the reason, and the 지연이자 owed when the payment came late."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from silson.access import Actor
from silson.claims import repository, statements
from silson.claims.insurers.port import Statement, StatementLine
from silson.claims.lifecycle import Role
from silson.payments import service
from silson.privacy import people
from silson.privacy.crypto import FileMasterKey
from silson.rules.catalogue import load_catalogue
from silson.store.models import ClaimPackageRow
from tests.payments.conftest import NOW, a_claim, pay


def _view(sessions: sessionmaker[Session], master: FileMasterKey, claim: int) -> service.ReconciliationView:
    with sessions.begin() as s:
        return service.reconciliation_of(s, master, Actor(Role.REVIEWER, staff_id="rev"), claim_id=claim)


class TestReceiveStatement:
    def test_a_short_late_payment_names_the_hospital_deductible_and_owes_interest(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        made = a_claim(sessions, master)
        assert pay(sessions, master, made, amount=35_000, paid_on=date(2025, 12, 15)) is not None
        got = _view(sessions, master, made.claim)
        (line,) = got.lines
        assert (line.expected, line.paid, line.difference, line.status) == (40_000, 35_000, 5_000, "underpaid")
        assert line.mistake_code == "other_institution_deductible"
        assert line.reason == "5,000원 덜 지급: 지급액이 병원의 공제금액을 적용한 금액과 같음."
        assert line.visit_date == date(2025, 9, 22) and line.coverage == "disease_outpatient"
        assert any("공제" in step.text for step in line.trace)
        # received Tue 2025-09-30 → 지급기일 2025-10-10; paid 12-15: 66 days on 35,000원 at 4.5% (assumed):
        # 35,000 × (4.5% × 30 + 8.5% × 30 + 10.5% × 6) / 365 = 434.38
        assert (got.due_on, got.days_late, got.interest_owed) == (date(2025, 10, 10), 66, 434)
        assert (got.expected_total, got.paid_total, got.underpaid_total, got.at_stake) == (40_000, 35_000, 5_000, 5_434)
        assert got.loan_rate == "4.5" and "가정한 이율" in got.rate_note

    def test_a_full_payment_on_the_due_date_matches_and_owes_nothing(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        made = a_claim(sessions, master)
        pay(sessions, master, made, amount=40_000, paid_on=date(2025, 10, 10))
        got = _view(sessions, master, made.claim)
        assert [(x.difference, x.status, x.reason) for x in got.lines] == [(0, "matched", "약관대로 지급되었습니다.")]
        assert (got.days_late, got.interest_owed, got.at_stake) == (0, 0, 0)

    def test_the_same_statement_again_is_not_reconciled_twice(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        made = a_claim(sessions, master)
        first = pay(sessions, master, made, amount=35_000, paid_on=date(2025, 10, 2))
        assert pay(sessions, master, made, amount=35_000, paid_on=date(2025, 10, 2)) is None
        assert _view(sessions, master, made.claim).id == first

    def test_a_corrected_payment_closes_the_shortfall_and_adds_its_own_interest(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        made = a_claim(sessions, master)
        pay(sessions, master, made, amount=35_000, paid_on=date(2025, 10, 10))
        pay(sessions, master, made, amount=5_000, paid_on=date(2025, 12, 15), statement_no="ST-2")
        got = _view(sessions, master, made.claim)
        assert [(x.paid, x.difference) for x in got.lines] == [(40_000, 0)]
        # the 5,000원 was due on 2025-10-10 too: 5,000 × 0.1241096 = 62.05 → 62원
        assert (got.statement_no, got.underpaid_total, got.interest_owed) == ("ST-2", 0, 62)

    def test_a_prepayment_earns_interest_only_up_to_its_own_day(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        made = a_claim(sessions, master)
        with sessions.begin() as s:
            package = s.get(ClaimPackageRow, made.package)
            assert package is not None
            package.prepaid_amount, package.prepaid_on = 20_000, date(2025, 10, 20)  # 가지급 (제9조③)
        pay(sessions, master, made, amount=40_000, paid_on=date(2025, 12, 15))
        got = _view(sessions, master, made.claim)
        # due 10-10; days 10-11…10-20 on 40,000 at 4.5%: 40,000 × 0.045 × 10 / 365 = 49.31;
        # days 10-21…12-15 on the 20,000 balance: 20,000 × (4.5% × 20 + 8.5% × 30 + 10.5% × 6) / 365 = 223.56;
        # 272.87 → 272원 (without the 가지급: 40,000 × 4.53% / 365 = 496)
        assert (got.days_late, got.interest_owed, got.underpaid_total) == (66, 272, 0)

    def test_an_unpaid_line_asks_for_the_grounds(self, sessions: sessionmaker[Session], master: FileMasterKey) -> None:
        made = a_claim(sessions, master)
        pay(sessions, master, made, amount=0, paid_on=date(2025, 10, 8))
        (line,) = _view(sessions, master, made.claim).lines
        assert (line.difference, line.mistake_code) == (40_000, None)
        assert line.reason == "지급되지 않았습니다: 보험사에 부지급 사유와 근거(산정내역)를 요청해야 합니다."


class TestUnderpaidAndOverdue:
    def test_lists_short_late_and_unpaid_past_due_claims_largest_first(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        short = a_claim(sessions, master)
        pay(sessions, master, short, amount=35_000, paid_on=date(2025, 12, 15))
        fine = a_claim(sessions, master, name="이서연", phone="010-2")
        pay(sessions, master, fine, amount=40_000, paid_on=date(2025, 10, 2))
        waiting = a_claim(sessions, master, name="박지훈", phone="010-3")
        with sessions.begin() as s:
            found = service.underpaid_and_overdue(s, Actor(Role.REVIEWER, staff_id="rev"), today=date(2025, 12, 15))
        # unpaid since 10-10: 40,000 × 0.1241096 = 496.44 → 496원 of interest to 12-15; the 5,000 still short
        # has earned 5,000 × (0.045×30 + 0.085×30 + 0.105×6)/365 = 62.05 → 62원 by then
        assert [(a.claim_id, a.kind, a.underpaid, a.interest, a.accruing, a.total) for a in found] == [
            (waiting.claim, "unpaid_overdue", 40_000, 496, 0, 40_496),
            (short.claim, "underpaid", 5_000, 434, 62, 5_496)]  # fmt: skip


class TestReconcilePending:
    def test_a_statement_stored_without_reconciling_is_reconciled_once(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        made = a_claim(sessions, master)
        statement = Statement("ST-RAW", date(2025, 10, 2), (
            StatementLine(1, made.event, made.contract, "disease_outpatient", date(2025, 9, 22), 15_000, 35_000),))  # fmt: skip
        with sessions.begin() as s:
            statements.record(s, package_id=made.package, statement=statement)
        with sessions.begin() as s:
            first = service.reconcile_pending(s, master, load_catalogue(), now=NOW)
            again = service.reconcile_pending(s, master, load_catalogue(), now=NOW)
        assert (len(first.runs), first.failed, again.runs) == (1, (), ())
        got = _view(sessions, master, made.claim)
        assert (got.statement_no, got.underpaid_total, got.interest_owed) == ("ST-RAW", 5_000, 0)

    def test_an_erased_person_is_reported_and_the_others_still_reconcile(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        gone, kept = a_claim(sessions, master), a_claim(sessions, master, name="이서연", phone="010-2")
        with sessions.begin() as s:
            for made in (gone, kept):
                statements.record(s, package_id=made.package, statement=Statement("ST-RAW", date(2025, 10, 2), (
                    StatementLine(1, made.event, made.contract, "disease_outpatient", date(2025, 9, 22), 0, 40_000),)))  # fmt: skip
            people.erase(s, gone.person, NOW)
        with sessions.begin() as s:
            done = service.reconcile_pending(s, master, load_catalogue(), now=NOW)
        assert (len(done.runs), [c for c, _why in done.failed]) == (1, [gone.claim])
        assert _view(sessions, master, kept.claim).underpaid_total == 0


class TestStatementNamingAnUnknownVisit:
    def test_is_stored_and_reported_not_reconciled(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        made = a_claim(sessions, master)
        odd = Statement("ST-ODD", date(2025, 10, 2), (
            StatementLine(1, "e999999", made.contract, "disease_outpatient", date(2025, 9, 22), 0, 40_000),))  # fmt: skip
        with sessions.begin() as s:
            assert service.receive_statement(s, master, load_catalogue(), package_id=made.package, statement=odd,
                                             now=NOW) is None  # fmt: skip
        with sessions.begin() as s:
            assert [r.statement_no for r in repository.lines_of_claim(s, made.claim)] == ["ST-ODD"]
            done = service.reconcile_pending(s, master, load_catalogue(), now=NOW)
        assert done.runs == () and done.failed == ((made.claim, "paid[0].event: unknown event 'e999999'"),)
