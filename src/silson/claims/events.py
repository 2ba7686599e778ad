"""The visits a claim is made of, and the engine's figures for them.

A visit is stored in the case format's event shape (shared/case-format.md), sealed with the person's
data key. The figures are never stored: they are the engine's answer over the person's stored
contracts and the claim's visits, so a reviewer's correction of an amount changes them at once.
Corrections are the reviewer's (the documents are the evidence), counted and audited field by field."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from silson.access import Actor, Forbidden, require_act, require_read
from silson.audit import chain
from silson.cases.reader import CaseError, EventIn, parse_case
from silson.claims.lifecycle import BEFORE_SUBMISSION, Role, State
from silson.domain.model import Case
from silson.errors import Invalid, NotFound, SilsonError
from silson.privacy import at_rest, people
from silson.privacy.crypto import MasterKey, open_sealed, seal
from silson.rules import kcd
from silson.rules.catalogue import Catalogue
from silson.rules.decision import Adjudication
from silson.rules.engine import adjudicate
from silson.store import repository
from silson.store.models import ClaimEventRow, ClaimRow

#: the amounts a reviewer may correct from the documents (원)
AMOUNT_FIELDS = ("covered_copay", "covered_full", "noncovered", "room_difference", "nhis_paid", "nhis_refundable")
CORRECTORS = {Role.REVIEWER, Role.ADMINISTRATOR}
#: the most one amount of one visit may be: 10억원. No real receipt comes near it (a long stay in intensive
#: care with surgery runs to a few hundred million won before NHIS pays its share); anything above is a typo
#: or an attack, and is refused before it can reach the engine.
MAX_RECEIPT_WON = 1_000_000_000
SEAL_FIELD = "claim.event"


class NotEditable(SilsonError, PermissionError):
    code = "claim_not_editable"
    http_status = 409


@dataclass(frozen=True, slots=True)
class StoredEvent:
    id: int
    revision: int
    data: dict[str, Any]  # the case-format event, its id being "e<row id>"


@dataclass(frozen=True, slots=True)
class ClaimFigures:
    case: Case
    result: Adjudication
    insurer: str

    @property
    def own_total(self) -> int:
        """What the claim's insurer owes for the claim's visits."""
        insurers = {c.id: c.insurer for c in self.case.contracts}
        return sum(d.amount for d in self.result.decisions if insurers[d.contract] == self.insurer)


_key = people.data_key


def _claim(session: Session, claim_id: int) -> ClaimRow:
    claim = session.get(ClaimRow, claim_id)
    if claim is None:
        raise NotFound(f"no claim {claim_id}")
    return claim


def check_visit(data: dict[str, Any], *, born: date, today: date) -> None:
    """A visit that could be real: on or after the person's birth, not after today (its discharge
    neither, nor before admission), every amount within MAX_RECEIPT_WON. ValueError names the field."""
    for j, code in enumerate(data.get("kcd") or []):
        if not kcd.is_valid(code):  # stored, a bad code would break every later correction
            raise Invalid(field=f"event.kcd[{j}]", message=f"'{code}'은(는) 질병코드(KCD, 예: J06.9)가 아닙니다.")
    day = date.fromisoformat(data["date"])
    if day < born:
        raise Invalid(field="event.date", message=f"진료일({day})이 생년월일({born})보다 앞섭니다.")
    if day > today:
        raise Invalid(field="event.date", message=f"진료일({day})이 오늘({today}) 이후입니다.")
    if data.get("discharge"):
        out = date.fromisoformat(data["discharge"])
        if out < day or out > today:
            raise Invalid(
                field="event.discharge", message=f"퇴원일({out})은 입원일({day})과 오늘({today}) 사이여야 합니다."
            )
    for field in AMOUNT_FIELDS:
        amount = data.get(field, 0)
        if isinstance(amount, int) and amount > MAX_RECEIPT_WON:
            raise Invalid(field=f"event.{field}", message=f"{amount:,}원은 영수증 한 장의 금액으로 너무 큽니다 "
                             f"(최대 {MAX_RECEIPT_WON:,}원).")  # fmt: skip


def validated(event: dict[str, Any]) -> dict[str, Any]:
    """The event as the case format reads it (ValueError naming the field), in its JSON form."""
    try:
        parsed = EventIn.model_validate({**event, "id": event.get("id") or "e"})
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise Invalid(field=f"event.{where}", message=f"{err['msg']}") from None
    return parsed.model_dump(mode="json", exclude_defaults=True, exclude={"id"})


def add(
    session: Session, master: MasterKey, actor: Actor, *, claim_id: int, event: dict[str, Any], now: datetime
) -> int:
    claim = _claim(session, claim_id)
    require_act(actor, claim.person_id)
    people.require_open(session, claim.person_id)
    if actor.role is Role.CUSTOMER and State(claim.state) not in BEFORE_SUBMISSION:
        raise NotEditable("보험사에 접수된 청구에는 진료 내역을 더할 수 없습니다. 새 청구를 만들어 주세요.")
    data = validated(event)
    born = people.read(session, master, Actor(Role.SYSTEM), claim.person_id, now).birth_date
    check_visit(data, born=born, today=now.date())
    sealed = seal(_key(session, master, claim.person_id), json.dumps(data), SEAL_FIELD)
    row = ClaimEventRow(claim_id=claim_id, revision=1, updated_at=now, event_sealed=sealed)
    session.add(row)
    session.flush()
    chain.append(session, at=now, actor=actor.label, action="claim.event_added", object_type="claim",
                 object_id=str(claim_id), detail={"event": row.id})  # fmt: skip
    return row.id


def of_claim(session: Session, master: MasterKey, actor: Actor, claim_id: int) -> list[StoredEvent]:
    claim = _claim(session, claim_id)
    require_read(actor, claim.person_id)
    key = _key(session, master, claim.person_id)
    return [
        StoredEvent(r.id, r.revision, {"id": f"e{r.id}", **json.loads(open_sealed(key, r.event_sealed, SEAL_FIELD))})
        for r in repository.events_of_claim(session, claim_id)
    ]


def correct(
    session: Session, master: MasterKey, actor: Actor, *, event_id: int, amounts: dict[str, int], reason: str,
    expected_revision: int, now: datetime,
) -> int:  # fmt: skip
    """Correct a visit's amounts from the documents; returns the new revision. `expected_revision`
    guards against two reviewers overwriting each other; the same correction twice changes nothing."""
    if actor.role not in CORRECTORS:
        raise Forbidden("only a reviewer corrects a visit's amounts")
    if not reason.strip():
        raise Invalid(field="reason", message="say why the amounts change (e.g. the itemised bill shows …)")
    unknown = sorted(set(amounts) - set(AMOUNT_FIELDS))
    if unknown:
        raise Invalid(field=f"amounts.{unknown[0]}", message=f"not a correctable amount ({', '.join(AMOUNT_FIELDS)})")
    row = session.get(ClaimEventRow, event_id, with_for_update=True)
    if row is None:
        raise NotFound(f"no visit {event_id}")
    claim = _claim(session, row.claim_id)
    key = _key(session, master, claim.person_id)
    data = json.loads(open_sealed(key, row.event_sealed, SEAL_FIELD))
    changed = {f: [data.get(f, 0), v] for f, v in amounts.items() if data.get(f, 0) != v}
    if not changed:
        return row.revision
    if row.revision != expected_revision:
        raise StaleRevision(f"the visit was changed meanwhile (revision {row.revision}); reload and try again")
    for field, amount in amounts.items():
        if amount > MAX_RECEIPT_WON:
            raise Invalid(field=f"amounts.{field}", message=f"{amount:,}원은 영수증 한 장의 금액으로 너무 큽니다 "
                             f"(최대 {MAX_RECEIPT_WON:,}원).")  # fmt: skip
    new = validated({**data, **amounts})
    row.event_sealed = seal(key, json.dumps(new), SEAL_FIELD)
    row.revision += 1
    row.updated_at = now
    # the amounts and the free-text reason are the person's: sealed, the chain hashes the sealed form
    sealed = at_rest.seal_detail(key, "claim", str(claim.id), {"event": event_id, "changed": changed, "reason": reason})
    chain.append(session, at=now, actor=actor.label, action="claim.event_corrected", object_type="claim",
                 object_id=str(claim.id), detail=sealed)  # fmt: skip
    session.flush()
    return row.revision


class StaleRevision(SilsonError, ValueError):
    code = "stale_revision"
    http_status = 409


def figures(
    session: Session, master: MasterKey, catalogue: Catalogue, actor: Actor, *, claim_id: int, claim_date: date,
    now: datetime,
) -> ClaimFigures:  # fmt: skip
    """The engine over the person's stored contracts and the claim's visits."""
    claim = _claim(session, claim_id)
    visits = of_claim(session, master, actor, claim_id)
    person = people.read(session, master, actor, claim.person_id, now)
    contracts = []
    for c in repository.contracts_of(session, claim.person_id):
        coverages = {k: {f: v for f, v in cov.items() if f != "key"} for k, cov in json.loads(c.coverages_json).items()}
        contracts.append({"id": f"contract:{c.id}", "insurer": c.insurer, "terms": c.rule_set, "option": c.option,
                          "start": c.start.isoformat(), "end": c.end.isoformat() if c.end else None,
                          "coverages": coverages})  # fmt: skip
    if not contracts:
        raise Invalid(field="contracts", message="the person has no 실손 contract on file to adjudicate against")
    raw = {"format": "silson-case/1", "id": f"claim-{claim_id}", "claim_date": claim_date.isoformat(),
           "person": {"birth_date": person.birth_date.isoformat()}, "contracts": contracts,
           "events": [v.data for v in visits]}  # fmt: skip
    try:
        case = parse_case(raw)
    except CaseError as exc:
        raise Invalid(exc.message, field=exc.field) from None
    return ClaimFigures(case, adjudicate(case=case, catalogue=catalogue), claim.insurer)
