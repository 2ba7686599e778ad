"""Statement rows a reviewer matches: the rows of an uploaded statement PDF that fit no single visit of
the claim (another 진료일, an unknown 담보, two visits that day) are kept, shown in the review console
with the claim's visits and contracts to choose from, and once a reviewer matches one (who and when,
audited) it is stored as a statement line and the claim reconciled at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from silson.access import Actor, Forbidden
from silson.audit import chain
from silson.cases.result import COVERAGE_LABEL, KIND_LABEL
from silson.claims import events
from silson.claims.insurers.port import Statement, StatementLine
from silson.domain.model import Contract
from silson.errors import Conflict, Invalid, NotFound
from silson.payments import repository
from silson.payments.models import UnmatchedLineRow
from silson.payments.service import MATCHED, STAFF_VIEWERS, SYSTEM, claim_date_of, claim_row, receive_statement
from silson.privacy.crypto import MasterKey
from silson.rules.catalogue import Catalogue


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True, slots=True)
class ToMatch:
    """The claim's rows waiting for a reviewer (and those matched), with what they may be matched to."""

    rows: tuple[UnmatchedLineRow, ...]
    visits: tuple[Choice, ...]
    contracts: tuple[Choice, ...]


def _covers(contract: Contract) -> str:
    return ", ".join(COVERAGE_LABEL.get(k.value, k.value) for k in contract.coverages)


def _require_staff(actor: Actor) -> None:
    if actor.role not in STAFF_VIEWERS:
        raise Forbidden("statement rows are matched by the review center's staff")


def _figures(
    session: Session, master: MasterKey, catalogue: Catalogue, *, claim_id: int, now: datetime
) -> events.ClaimFigures:
    claim = claim_row(session, claim_id)
    packages = list(repository.packages_of_claim(session, claim_id))
    return events.figures(session, master, catalogue, SYSTEM, claim_id=claim_id,
                          claim_date=claim_date_of(claim, packages), now=now)  # fmt: skip


def to_match(session: Session, master: MasterKey, catalogue: Catalogue, actor: Actor, *, claim_id: int,
             now: datetime) -> ToMatch:  # fmt: skip
    _require_staff(actor)
    claim = claim_row(session, claim_id)
    found = _figures(session, master, catalogue, claim_id=claim_id, now=now)
    visits = tuple(Choice(e.id, f"{e.date} · {KIND_LABEL[e.kind.value]} · {e.institution.name or '(기관명 없음)'}")
                   for e in sorted(found.case.events, key=lambda e: (e.date, e.id)))  # fmt: skip
    contracts = tuple(Choice(c.id, f"{c.insurer} {c.product or c.terms} ({_covers(c)})")
                      for c in found.case.contracts if c.insurer == claim.insurer)  # fmt: skip
    return ToMatch(tuple(repository.unmatched_of_claim(session, claim_id)), visits, contracts)


def match(
    session: Session, master: MasterKey, catalogue: Catalogue, actor: Actor, *, claim_id: int, line_id: int,
    event: str, contract: str, now: datetime,
) -> int | None:  # fmt: skip
    """A reviewer matches a kept row to a visit and a contract of the claim's insurer: stored as a
    statement line and reconciled at once (returns the reconciliation's id). The same match again is a
    no-op; another match of a row already matched is refused (409)."""
    _require_staff(actor)
    row = session.get(UnmatchedLineRow, line_id, with_for_update=True)
    if row is None or row.claim_id != claim_id:
        raise NotFound(f"청구 #{claim_id}에 맞출 행 #{line_id}이(가) 없습니다.")
    if row.state == MATCHED:
        if (row.event_ref, row.contract_ref) == (event, contract):
            return None
        raise Conflict(f"행 {row.line_no}은(는) 이미 {row.matched_by}이(가) 다른 진료에 맞췄습니다.")
    claim = claim_row(session, claim_id)
    found = _figures(session, master, catalogue, claim_id=claim_id, now=now)
    if event not in {e.id for e in found.case.events}:
        raise Invalid(f"'{event}'은(는) 이 청구의 진료가 아닙니다.", field="event")
    if contract not in {c.id for c in found.case.contracts if c.insurer == claim.insurer}:
        raise Invalid(f"'{contract}'은(는) {claim.insurer}의 이 사람 계약이 아닙니다.", field="contract")
    line = StatementLine(row.line_no, event, contract, row.coverage, row.visit_date, row.deductible, row.paid)
    row.state, row.event_ref, row.contract_ref = MATCHED, event, contract
    row.matched_by, row.matched_at = actor.label, now
    session.flush()
    chain.append(session, at=now, actor=actor.label, action="claim.statement_line_matched", object_type="claim",
                 object_id=str(claim_id), detail={"statement": row.statement_no, "line": row.line_no, "event": event,
                                                  "contract": contract, "paid": row.paid})  # fmt: skip
    return receive_statement(session, master, catalogue, package_id=row.package_id,
                             statement=Statement(row.statement_no, row.paid_on, (line,)), now=now)  # fmt: skip
