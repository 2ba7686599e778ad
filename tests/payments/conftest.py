"""Payments' service tests run on the store's databases (SQLite and PostgreSQL). `a_claim` builds
김민준 with his 현대해상 Hi1701 (선택형Ⅱ) contract, a claim with one clinic visit, and the package the
insurer received; `pay` stores a statement for it the way the insurer port hands it over."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

import httpx
from sqlalchemy.orm import Session, sessionmaker

from silson.access import Actor
from silson.adapters.contract_list import read_contract_list
from silson.claims import events, follow, packages
from silson.claims import service as claims
from silson.claims.insurers.http import HttpInsurer
from silson.claims.insurers.port import Statement, StatementLine
from silson.claims.lifecycle import Role, State
from silson.payments import service
from silson.privacy import consent, imports, people
from silson.privacy.crypto import FileMasterKey
from silson.rules.catalogue import load_catalogue
from silson.store import repository
from silson.store.models import ClaimPackageRow, ClaimRow
from tests.conftest import ROOT
from tests.sandbox.test_insurer import insurer
from tests.store.conftest import NOW, engine, master, sessions

__all__ = ["NOW", "engine", "insurer", "master", "sessions"]

#: a 의원 visit, 질병 외래: 급여 20,000 + 비급여 30,000 (claims-and-documents.md §4.5): the engine owes
#: 50,000 − max(10,000, 2,000 + 6,000) = 40,000; with a 병원's 15,000 deductible it would be 35,000
CLINIC_VISIT = {"kind": "outpatient", "date": "2025-09-22", "cause": "disease", "kcd": ["J20.9"],
                "institution": {"kind": "clinic"}, "covered_copay": 20000, "noncovered": 30000}  # fmt: skip
RECEIVED = date(2025, 9, 30)  # a Tuesday before 추석 2025: 지급기일 2025-10-10 (§3.5 example 1)


@dataclass(frozen=True, slots=True)
class AClaim:
    person: int
    claim: int
    event: str
    contract: str
    package: int


def a_claim(sessions: sessionmaker[Session], master: FileMasterKey, *, name: str = "김민준",
            phone: str = "010-4821-7730", received: date | None = RECEIVED) -> AClaim:  # fmt: skip
    listed = [c for c in read_contract_list(ROOT / "examples" / "family" / "contracts.json")
              if c.insured_name == "김민준"]  # fmt: skip
    with sessions.begin() as s:
        pid = people.register(s, master, name=name, birth_date=date(1985, 4, 12), phone=phone, rrn=None, now=NOW)
        me = Actor(Role.CUSTOMER, person_id=pid)
        for purpose in (consent.Purpose.DATA_IMPORT, consent.Purpose.TRANSMISSION):
            consent.grant(s, me, person_id=pid, purpose=purpose, version="v1", now=NOW)
        imports.import_contracts(s, master, load_catalogue(), me, person_id=pid, name=name,
                                 contracts=[replace(c, insured_name=name) for c in listed], digest=f"c-{pid}",
                                 now=NOW)  # fmt: skip
    return claim_of(sessions, master, person=pid, received=received)


def claim_of(sessions: sessionmaker[Session], master: FileMasterKey, *, person: int,
             received: date | None = RECEIVED) -> AClaim:  # fmt: skip
    """A claim to 현대해상 for the person's one 현대해상 contract, with the §4.5 clinic visit and its package
    (with the insurer since `received`, or not yet sent when None)."""
    me = Actor(Role.CUSTOMER, person_id=person)
    with sessions.begin() as s:
        (contract,) = [c for c in repository.contracts_of(s, person) if c.insurer == "현대해상"]
        claim = claims.open_claim(s, me, person_id=person, insurer="현대해상",
                                  items=[claims.ItemIn("v", f"contract:{contract.id}", date(2025, 9, 22), 40_000)],
                                  now=NOW)  # fmt: skip
        visit = events.add(s, master, me, claim_id=claim, event=CLINIC_VISIT, now=NOW)
        package = ClaimPackageRow(claim_id=claim, insurer="현대해상", key=f"pkg-{claim}", state="sent", built_at=NOW,
                                  content_sealed=b"x", received_on=received, receipt_no=f"R-{claim}" if received else None,
                                  due_on=date(2025, 10, 10) if received else None)  # fmt: skip
        s.add(package)
        s.flush()
        return AClaim(person, claim, f"e{visit}", f"contract:{contract.id}", package.id)


def pay(sessions: sessionmaker[Session], master: FileMasterKey, made: AClaim, *, amount: int, paid_on: date,
        statement_no: str = "ST-1", at: datetime = NOW) -> int | None:  # fmt: skip
    statement = Statement(statement_no, paid_on, (
        StatementLine(1, made.event, made.contract, "disease_outpatient", date(2025, 9, 22), 10_000, amount),))  # fmt: skip
    with sessions.begin() as s:
        return service.receive_statement(s, master, load_catalogue(), package_id=made.package, statement=statement,
                                         now=at.astimezone(UTC))  # fmt: skip


def submitted(sessions: sessionmaker[Session], master: FileMasterKey, insurer: str, *, name: str = "김민준",
              phone: str = "010-4821-7730") -> AClaim:  # fmt: skip
    """`a_claim`'s visit walked to `submitted` as a reviewer releases it, its package sent to the sandbox
    insurer (its own process) through the insurer port and acknowledged: 접수번호, 접수일 2025-09-30."""
    return submit(sessions, master, insurer, a_claim(sessions, master, name=name, phone=phone, received=None))


def submit(sessions: sessionmaker[Session], master: FileMasterKey, insurer: str, made: AClaim) -> AClaim:
    """A claim not yet sent walked to `submitted` and its package sent to the sandbox insurer."""
    reviewer = Actor(Role.REVIEWER, staff_id="rev")
    with sessions.begin() as s:
        for to in (State.IN_REVIEW, State.READY):
            claims.move(
                s, master, reviewer, claim_id=made.claim, to=to, reason="시험", idempotency_key=f"t-{to}", now=NOW
            )
        claims.move(s, master, Actor(Role.SYSTEM), claim_id=made.claim, to=State.SUBMITTED, reason="발송",
                    idempotency_key="t-sent", now=NOW)  # fmt: skip
        claim = s.get(ClaimRow, made.claim)
        assert claim is not None
        built = packages.build(s, master, claim=claim, documents=[], claim_date=RECEIVED, now=NOW)
    ack = HttpInsurer(insurer).submit(package=built.content, idempotency_key=f"pkg-{made.claim:06d}-{made.person}")
    with sessions.begin() as s:
        row = s.get(ClaimPackageRow, made.package)
        assert row is not None
        follow.acknowledged(s, master, package=row, ack=ack, now=NOW)
    return made


def insurer_pays(sessions: sessionmaker[Session], master: FileMasterKey, insurer: str, made: AClaim, *,
                 paid_on: str, mistakes: list[str]) -> None:  # fmt: skip
    """The sandbox insurer decides (with the mistakes it is told to make) and silson follows its answer."""
    with sessions.begin() as s:
        package = s.get(ClaimPackageRow, made.package)
        assert package is not None and package.receipt_no is not None
        receipt = package.receipt_no
    httpx.post(
        f"{insurer}/packages/{receipt}/decide", json={"paid_on": paid_on, "mistakes": mistakes}
    ).raise_for_status()
    answer = HttpInsurer(insurer).answer(receipt_no=receipt)
    with sessions.begin() as s:
        follow.apply(s, master, load_catalogue(), package_id=made.package, answer=answer, now=NOW)
