"""Payments use cases: each statement an insurer returns is reconciled at once against the engine's
exact figures for the claim's visits, with the late-payment interest owed (claims-and-documents.md
§3–4), and the result is stored for the customer's page and the review queue.

The case is the one `claims.events.figures` adjudicates (the person's stored contracts and the
claim's stored visits); the statement lines are those `claims.statements` stored. Services never
commit: the request or job that calls them owns the transaction."""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from silson.access import Actor, Forbidden, require_read
from silson.audit import chain
from silson.claims import events, statements
from silson.claims import repository as claim_repository
from silson.claims.insurers.port import Statement
from silson.claims.lifecycle import Role
from silson.errors import Invalid, NotFound, SilsonError
from silson.payments import repository, statement_pdf
from silson.payments.interest import Advance, due_date, late_payment_interest
from silson.payments.loan_rates import loan_rate
from silson.payments.models import InterestPaidRow, ReconciliationLineRow, ReconciliationRow, UnmatchedLineRow
from silson.payments.reconcile import Line, Status, reconcile
from silson.privacy import people
from silson.privacy.crypto import MasterKey, open_sealed, seal
from silson.rules.catalogue import Catalogue
from silson.rules.money import won
from silson.store.models import ClaimPackageRow, ClaimRow

SEAL_FIELD = "payment.reconciliation_line"
_LOG = logging.getLogger(__name__)
SYSTEM = Actor(Role.SYSTEM)
STAFF_VIEWERS = {Role.REVIEWER, Role.ADMINISTRATOR}

STATUS_LABEL = {Status.MATCHED: "일치", Status.UNDERPAID: "덜 지급", Status.OVERPAID: "더 지급"}


class NoStatement(SilsonError, LookupError):
    code = "no_statement"
    http_status = 404


@dataclass(frozen=True, slots=True)
class StepView:
    rule: str
    text: str


@dataclass(frozen=True, slots=True)
class LineView:
    event: str
    contract: str
    coverage: str | None
    visit_date: date
    expected: int
    paid: int
    statement_paid: int
    difference: int
    status: str
    mistake_code: str | None
    reason: str  # in Korean, for the customer
    trace: tuple[StepView, ...]


@dataclass(frozen=True, slots=True)
class ReconciliationView:
    id: int
    claim_id: int
    statement_no: str
    computed_at: datetime
    received_on: date | None
    due_on: date | None
    paid_on: date
    days_late: int
    expected_total: int
    paid_total: int
    underpaid_total: int
    overpaid_total: int
    interest_owed: int
    loan_rate: str
    rate_note: str
    lines: tuple[LineView, ...]
    interest_paid: int = 0  # 지연이자 the insurer paid with its statements

    @property
    def interest_due(self) -> int:
        """The 지연이자 still unpaid."""
        return max(self.interest_owed - self.interest_paid, 0)

    @property
    def at_stake(self) -> int:
        """What the customer may still ask for: the shortfall and the unpaid interest."""
        return self.underpaid_total + self.interest_due


person_key = people.data_key


def claim_row(session: Session, claim_id: int) -> ClaimRow:
    claim = session.get(ClaimRow, claim_id)
    if claim is None:
        raise NotFound(f"청구 #{claim_id}을(를) 찾을 수 없습니다.")
    return claim


def reason_of(line: Line) -> str:
    """The line's outcome in one Korean sentence, for the customer."""
    if line.status is Status.MATCHED:
        return "약관대로 지급되었습니다."
    if line.status is Status.OVERPAID:
        return f"약관상 금액보다 {won(-line.difference)}원 더 지급되었습니다 (나중에 환수될 수 있습니다)."
    if line.paid == 0:
        return "지급되지 않았습니다: 보험사에 부지급 사유와 근거(산정내역)를 요청해야 합니다."
    if line.likely_mistake is not None:
        return f"{won(line.difference)}원 덜 지급: 지급액이 {line.likely_mistake.text}."
    return f"{won(line.difference)}원 덜 지급: 알려진 실수와 맞지 않아 보험사에 산정내역을 요청해야 합니다."


def claim_date_of(claim: ClaimRow, packages: list[ClaimPackageRow]) -> date:
    received = [p.received_on for p in packages if p.received_on is not None]
    return min(received) if received else claim.created_at.date()


def with_advance(amount: int, advance: Advance | None, *, received: date, paid: date) -> tuple[int, Advance | None]:
    """The 가지급 (제9조③) a package's first statement settles: it earns interest only up to its own day
    (claims-and-documents.md §3.5 example 2). A statement that pays at least the advance is read as the
    whole payout with the advance inside it (the 지급내역서 lists the total and deducts the 가지급);
    one that pays less is the balance alone, so the payout is the two together. An advance dated
    outside [receipt, payment] cannot have been part of this payment and is left out.

    >>> with_advance(2_400_000, Advance(1_000_000, date(2025, 5, 20)), received=date(2025, 4, 30),
    ...              paid=date(2025, 6, 10))
    (2400000, Advance(amount=1000000, paid_on=datetime.date(2025, 5, 20)))
    >>> with_advance(600_000, Advance(1_000_000, date(2025, 5, 20)), received=date(2025, 4, 30),
    ...              paid=date(2025, 6, 10))[0]
    1600000
    """
    if advance is None or not received <= advance.paid_on <= paid:
        return amount, None
    return (amount if amount >= advance.amount else amount + advance.amount), advance


def reconcile_claim(
    session: Session, master: MasterKey, catalogue: Catalogue, *, claim_id: int, package_id: int | None,
    statement_no: str, now: datetime,
) -> int:  # fmt: skip
    """Reconcile every statement line stored for the claim against the engine's figures; the run
    becomes the claim's current one. Interest: each statement's amount, paid after the 지급기일 of its
    package's receipt, owes 지연이자 at the insurer's (assumed) loan rate. Returns the run's id."""
    claim = claim_row(session, claim_id)
    packages = list(repository.packages_of_claim(session, claim_id))
    stored = list(claim_repository.lines_of_claim(session, claim_id))
    if not stored:
        raise NoStatement(f"청구 #{claim_id}에 저장된 지급내역서가 없습니다.")
    claim_date = claim_date_of(claim, packages)
    found = events.figures(session, master, catalogue, SYSTEM, claim_id=claim_id, claim_date=claim_date, now=now)
    result = reconcile(case=found.case, paid=statements.paid_lines(stored), catalogue=catalogue)
    insurer_of = {c.id: c.insurer for c in found.case.contracts}
    visit_day = {e.id: e.date for e in found.case.events}
    mine = [line for line in result.lines if insurer_of[line.contract] == claim.insurer]

    received = {p.id: p.received_on for p in packages}
    advances = {p.id: Advance(p.prepaid_amount, p.prepaid_on) for p in packages
                if p.prepaid_amount and p.prepaid_on is not None}  # fmt: skip
    by_statement: dict[tuple[int, str, date], int] = defaultdict(int)
    for row in stored:
        by_statement[(row.package_id, row.statement_no, row.paid_on)] += row.paid
    latest_paid = max(row.paid_on for row in stored)
    rate = loan_rate(insurer=claim.insurer, on=latest_paid)
    interest, days_late, due_on = 0, 0, None
    for (pkg, _no, paid_on), amount in sorted(by_statement.items(), key=lambda kv: kv[0][2]):
        got = received.get(pkg)
        if got is None or amount == 0 or paid_on < got:
            continue
        amount, advance = with_advance(amount, advances.pop(pkg, None), received=got, paid=paid_on)
        owed = late_payment_interest(received=got, paid=paid_on, amount=amount, loan_rate=rate.percent,
                                     advance=advance)  # fmt: skip
        interest += owed.interest
        days_late = max(days_late, owed.days_late)
        due_on = owed.due if due_on is None else min(due_on, owed.due)
    first_receipt = min((r for r in received.values() if r is not None), default=None)
    if due_on is None and first_receipt is not None:
        due_on = due_date(received=first_receipt)

    interest_paid = repository.interest_paid_of_claim(session, claim_id)
    repository.retire_current(session, claim_id)
    run = ReconciliationRow(
        claim_id=claim_id, package_id=package_id, statement_no=statement_no, current=True, computed_at=now,
        claim_date=claim_date, received_on=first_receipt, due_on=due_on, paid_on=latest_paid, days_late=days_late,
        expected_total=sum(x.expected for x in mine), paid_total=sum(x.statement_paid for x in mine),
        underpaid_total=sum(x.difference for x in mine if x.difference > 0),
        overpaid_total=sum(-x.difference for x in mine if x.difference < 0), interest_owed=interest,
        interest_paid=interest_paid, loan_rate=str(rate.percent), rate_note=rate.note,
    )  # fmt: skip
    session.add(run)
    session.flush()
    key = person_key(session, master, claim.person_id)
    for line in mine:
        detail = {"reason": reason_of(line), "trace": [{"rule": s.rule, "text": s.text} for s in line.reasons]}
        session.add(ReconciliationLineRow(
            reconciliation_id=run.id, claim_id=claim_id, event_ref=line.event, contract_ref=line.contract,
            coverage=line.coverage, visit_date=visit_day[line.event], expected=line.expected, paid=line.paid,
            statement_paid=line.statement_paid, difference=line.difference, status=line.status.value,
            mistake_code=line.likely_mistake.code if line.likely_mistake else None,
            detail_sealed=seal(key, json.dumps(detail, ensure_ascii=False), SEAL_FIELD),
        ))  # fmt: skip
    session.flush()
    chain.append(session, at=now, actor=SYSTEM.label, action="claim.reconciled", object_type="claim",
                 object_id=str(claim_id), detail={"reconciliation": run.id, "statement": statement_no,
                                                  "underpaid": run.underpaid_total, "interest": interest,
                                                  "interest_paid": interest_paid})  # fmt: skip
    return run.id


def _record_interest(session: Session, *, claim_id: int, statement: Statement, amount: int) -> bool:
    """Keep the 지연이자 paid with a statement, once per statement. Returns whether it was new."""
    if amount <= 0 or repository.interest_paid_row(session, claim_id, statement.statement_no) is not None:
        return False
    session.add(InterestPaidRow(claim_id=claim_id, statement_no=statement.statement_no, paid_on=statement.paid_on,
                                amount=amount))  # fmt: skip
    session.flush()
    return True


def receive_statement(
    session: Session, master: MasterKey, catalogue: Catalogue, *, package_id: int, statement: Statement, now: datetime,
    interest: int = 0,
) -> int | None:  # fmt: skip
    """Store an insurer's statement line by line (with the 지연이자 it paid, if any) and reconcile the
    claim at once. The same statement again stores nothing and reconciles nothing (returns None); a
    statement that cannot be reconciled (it names a visit the claim no longer has, the person was
    erased) is stored and left for `reconcile_pending` to report (returns None)."""
    if interest < 0:
        raise Invalid(field="interest", message=f"{interest} is negative")
    package = session.get(ClaimPackageRow, package_id)
    if package is None:
        raise NotFound(f"no package {package_id}")
    added = statements.record(session, package_id=package_id, statement=statement)
    new_interest = _record_interest(session, claim_id=package.claim_id, statement=statement, amount=interest)
    if not added and not new_interest:
        return None
    try:
        with session.begin_nested():  # the statement is kept even when its reconciliation cannot run
            return reconcile_claim(session, master, catalogue, claim_id=package.claim_id, package_id=package_id,
                                   statement_no=statement.statement_no, now=now)  # fmt: skip
    except (people.PersonErased, ValueError) as exc:
        _LOG.warning("claim %s: statement %s stored, not reconciled: %s", package.claim_id, statement.statement_no, exc)
        return None


@dataclass(frozen=True, slots=True)
class Pending:
    runs: tuple[int, ...]
    failed: tuple[tuple[int, str], ...]  # (claim, why): the person was erased, or the case cannot be decided


def reconcile_pending(session: Session, master: MasterKey, catalogue: Catalogue, *, now: datetime) -> Pending:
    """Reconcile every stored statement no run has covered yet (stored by `claims.statements.record`
    directly, not through `receive_statement`): for a job, or after a batch import. One claim that
    cannot be reconciled is reported and does not stop the others."""
    runs, failed = [], []
    for claim_id, package_id, statement_no in repository.statements_not_reconciled(session):
        try:
            with session.begin_nested():
                runs.append(reconcile_claim(session, master, catalogue, claim_id=claim_id, package_id=package_id,
                                            statement_no=statement_no, now=now))  # fmt: skip
        except (people.PersonErased, ValueError) as exc:
            failed.append((claim_id, str(exc)))
    return Pending(tuple(runs), tuple(failed))


def view(session: Session, master: MasterKey, run: ReconciliationRow) -> ReconciliationView:
    claim = claim_row(session, run.claim_id)
    key = person_key(session, master, claim.person_id)
    lines = []
    for r in repository.lines_of(session, run.id):
        detail = json.loads(open_sealed(key, r.detail_sealed, SEAL_FIELD))
        lines.append(LineView(
            event=r.event_ref, contract=r.contract_ref, coverage=r.coverage, visit_date=r.visit_date,
            expected=r.expected, paid=r.paid, statement_paid=r.statement_paid, difference=r.difference,
            status=r.status, mistake_code=r.mistake_code, reason=detail["reason"],
            trace=tuple(StepView(s["rule"], s["text"]) for s in detail["trace"]),
        ))  # fmt: skip
    return ReconciliationView(
        id=run.id, claim_id=run.claim_id, statement_no=run.statement_no, computed_at=run.computed_at,
        received_on=run.received_on, due_on=run.due_on, paid_on=run.paid_on, days_late=run.days_late,
        expected_total=run.expected_total, paid_total=run.paid_total, underpaid_total=run.underpaid_total,
        overpaid_total=run.overpaid_total, interest_owed=run.interest_owed, loan_rate=run.loan_rate,
        rate_note=run.rate_note, lines=tuple(lines), interest_paid=run.interest_paid,
    )  # fmt: skip


def reconciliation_of(session: Session, master: MasterKey, actor: Actor, *, claim_id: int) -> ReconciliationView:
    """The claim's current reconciliation, for the person (or family allowed to read) and staff."""
    claim = claim_row(session, claim_id)
    require_read(actor, claim.person_id)
    run = repository.current_of_claim(session, claim_id)
    if run is None:
        raise NoStatement(f"청구 #{claim_id}는 아직 보험사 지급내역서가 없습니다.")
    return view(session, master, run)


@dataclass(frozen=True, slots=True)
class AtStake:
    claim_id: int
    insurer: str
    state: str
    kind: str  # underpaid | late | unpaid_overdue
    underpaid: int
    interest: int
    due_on: date | None
    days_late: int
    recourse: tuple[str, str] | None = None  # (kind, state) of the claim's latest recourse step
    accruing: int = 0  # 지연이자 on the shortfall, still unpaid, from the 지급기일 to today

    @property
    def total(self) -> int:
        return self.underpaid + self.interest + self.accruing


def shortfall_interest(*, received_on: date | None, underpaid: int, insurer: str, today: date) -> int:
    """The 지연이자 the unpaid shortfall has earned from the 지급기일 to `today` (제9조④: interest runs
    until the payment day, so it grows while the shortfall stays unpaid).

    >>> shortfall_interest(received_on=date(2025, 9, 30), underpaid=5_000, insurer="현대해상",
    ...                    today=date(2025, 12, 15))
    62
    """
    if received_on is None or underpaid <= 0 or today <= received_on:
        return 0
    rate = loan_rate(insurer=insurer, on=today)
    return late_payment_interest(received=received_on, paid=today, amount=underpaid, loan_rate=rate.percent).interest


def underpaid_and_overdue(session: Session, actor: Actor, *, today: date) -> list[AtStake]:
    """Claims where money is at stake: paid short or late (from the current reconciliation), or past
    their 지급기일 with nothing paid (interest to today on the claimed amount), largest first."""
    if actor.role not in STAFF_VIEWERS:
        raise Forbidden("the underpaid list is for the review center's staff")
    found = []
    for run, claim in repository.current_with_money_at_stake(session):
        kind = "underpaid" if run.underpaid_total > 0 else "late"
        due = max(run.interest_owed - run.interest_paid, 0)
        accruing = shortfall_interest(received_on=run.received_on, underpaid=run.underpaid_total,
                                      insurer=claim.insurer, today=today)  # fmt: skip
        found.append(AtStake(claim.id, claim.insurer, claim.state, kind, run.underpaid_total, due, run.due_on,
                             run.days_late, repository.recourse_step(session, claim.id), accruing))  # fmt: skip
    for package, claim in repository.unpaid_past_due(session, today):
        assert package.received_on is not None and package.due_on is not None
        amount = repository.claimed_total(session, claim.id)
        rate = loan_rate(insurer=claim.insurer, on=today)
        owed = late_payment_interest(received=package.received_on, paid=today, amount=amount, loan_rate=rate.percent)
        found.append(AtStake(claim.id, claim.insurer, claim.state, "unpaid_overdue", amount, owed.interest,
                             package.due_on, owed.days_late, repository.recourse_step(session, claim.id)))  # fmt: skip
    return sorted(found, key=lambda a: (-a.total, a.claim_id))


OPEN, MATCHED = "open", "matched"  # an unmatched statement row waits for a reviewer, then is matched


def keep_unmatched(
    session: Session, *, claim_id: int, package_id: int, statement_no: str, paid_on: date,
    unmatched: Sequence[statement_pdf.Unmatched], now: datetime,
) -> int:  # fmt: skip
    """Store the rows no visit fits, once per (statement, row), for a reviewer to match
    (payments/matching.py). Returns how many were new."""
    added = 0
    for u in unmatched:
        if repository.unmatched_line(session, claim_id, statement_no, u.line.line_no) is not None:
            continue
        session.add(UnmatchedLineRow(
            claim_id=claim_id, package_id=package_id, statement_no=statement_no, paid_on=paid_on,
            line_no=u.line.line_no, coverage_label=u.line.coverage_label, coverage=u.line.coverage,
            visit_date=u.line.visit_date, deductible=u.line.deductible, paid=u.line.paid, why=u.why, state=OPEN,
            created_at=now,
        ))  # fmt: skip
        added += 1
    session.flush()
    return added


@dataclass(frozen=True, slots=True)
class PdfOutcome:
    reconciliation_id: int | None  # None: nothing new matched (or the statement was stored before)
    matched: Statement
    unmatched: tuple[statement_pdf.Unmatched, ...]


def receive_statement_pdf(
    session: Session, master: MasterKey, catalogue: Catalogue, actor: Actor, *, claim_id: int, data: bytes,
    now: datetime,
) -> PdfOutcome:  # fmt: skip
    """A reviewer uploads the insurer's statement as a PDF: its rows are read, matched to the claim's
    visits by 진료일 and 담보, the matched ones stored and reconciled at once; the others come back
    for the reviewer to match."""
    if actor.role not in STAFF_VIEWERS:
        raise Forbidden("a statement PDF is uploaded by the review center's staff")
    claim = claim_row(session, claim_id)
    packages = [p for p in repository.packages_of_claim(session, claim_id) if p.receipt_no]
    if not packages:
        raise NoStatement(f"청구 #{claim_id}는 보험사에 접수된 적이 없어 지급내역서를 붙일 수 없습니다.")
    read = statement_pdf.read_statement_pdf(data=data)
    found = events.figures(session, master, catalogue, SYSTEM, claim_id=claim_id,
                           claim_date=claim_date_of(claim, packages), now=now)  # fmt: skip
    matching = statement_pdf.match_lines(read=read, case=found.case, insurer=claim.insurer)
    run = None
    if matching.statement.lines or matching.statement.interest:
        run = receive_statement(session, master, catalogue, package_id=packages[-1].id, statement=matching.statement,
                                now=now, interest=matching.statement.interest)  # fmt: skip
    keep_unmatched(session, claim_id=claim_id, package_id=packages[-1].id, statement_no=read.statement_no,
                   paid_on=read.paid_on, unmatched=matching.unmatched, now=now)  # fmt: skip
    detail = {"statement": read.statement_no, "matched": len(matching.statement.lines),
              "unmatched": [u.line.line_no for u in matching.unmatched]}  # fmt: skip
    chain.append(session, at=now, actor=actor.label, action="claim.statement_pdf", object_type="claim",
                 object_id=str(claim_id), detail=detail)  # fmt: skip
    return PdfOutcome(run, matching.statement, matching.unmatched)
