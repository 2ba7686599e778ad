"""A payout statement is stored line by line, once: the same statement again adds nothing."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from silson.access import Actor
from silson.claims import repository, service, statements
from silson.claims.insurers.port import Statement, StatementLine
from silson.claims.lifecycle import Role
from silson.privacy import people
from silson.privacy.crypto import FileMasterKey
from silson.store.models import ClaimPackageRow
from tests.claims.conftest import NOW


def test_statement_lines_are_stored_once_with_every_field(
    sessions: sessionmaker[Session], master: FileMasterKey
) -> None:
    with sessions.begin() as s:
        pid = people.register(s, master, name="김민준", birth_date=date(1985, 4, 12), phone="010-1", rrn=None, now=NOW)
        claim = service.open_claim(s, Actor(Role.CUSTOMER, person_id=pid), person_id=pid, insurer="현대해상",
                                   items=[service.ItemIn("e1", "contract:1", date(2026, 6, 1), 40_000)], now=NOW)  # fmt: skip
        row = ClaimPackageRow(claim_id=claim, insurer="현대해상", key="pkg-1", state="sent", built_at=NOW,
                              content_sealed=b"x")  # fmt: skip
        s.add(row)
        s.flush()
        statement = Statement("ST-1", date(2026, 6, 10), (
            StatementLine(1, "e1", "contract:1", "disease_outpatient", date(2026, 6, 1), 10_000, 30_000),
            StatementLine(2, "e2", "contract:1", "disease_outpatient", date(2026, 6, 2), 10_000, 0),
        ))  # fmt: skip
        assert statements.record(s, package_id=row.id, statement=statement) == 2
        assert statements.record(s, package_id=row.id, statement=statement) == 0
        lines = repository.lines_of_claim(s, claim)
    assert [(x.event_ref, x.deductible, x.paid, x.paid_on) for x in lines] == [
        ("e1", 10_000, 30_000, date(2026, 6, 10)), ("e2", 10_000, 0, date(2026, 6, 10))]  # fmt: skip
    assert [p.amount for p in statements.paid_lines(lines)] == [30_000, 0]
