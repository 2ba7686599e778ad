"""Who may open a claim for a person (claims-and-documents.md §2.3): the person themself, the review
center's staff, or a 친권자 for a minor child they represent. A family viewer may look, never claim.

A guardianship is recorded by staff on a 가족관계증명서 and carries the day the child turns 19
(민법 제4조), so the check needs no sealed birth date and ends by itself."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy.orm import Session

from silson.access import OFFICE, Actor, Forbidden
from silson.audit import chain
from silson.claims import repository
from silson.claims.lifecycle import Role
from silson.errors import Invalid
from silson.privacy import people
from silson.privacy.crypto import MasterKey
from silson.store.models import GuardianshipRow

ADULT_AGE = 19  # 민법 제4조


class Claimant(StrEnum):
    SELF = "self"  # 본인
    GUARDIAN = "guardian"  # 친권자
    STAFF = "staff"  # the review center, under the person's 위임장
    ASSISTED = "assisted"  # call-center staff at the person's recorded request (대리 처리, silson.assist)


def birthday(born: date, years: int) -> date:
    """The day a person born on `born` turns `years` (29 February → 28 February).

    >>> birthday(date(2012, 2, 29), 19)
    datetime.date(2031, 2, 28)
    """
    try:
        return born.replace(year=born.year + years)
    except ValueError:
        return born.replace(year=born.year + years, day=28)


def claimant(session: Session, actor: Actor, *, person_id: int, today: date) -> Claimant:
    """How `actor` may claim for the person; Forbidden when they may not (a family viewer never)."""
    if actor.role in OFFICE:  # a field agent fetches documents, never opens claims
        return Claimant.STAFF
    if actor.role is Role.CUSTOMER and actor.person_id == person_id:
        return Claimant.SELF
    if actor.role is Role.ASSISTANT and actor.person_id == person_id:
        return Claimant.ASSISTED  # assist.service set person_id only after finding the live request
    if actor.role is Role.CUSTOMER and actor.person_id is not None:
        link = repository.guardianship(session, actor.person_id, person_id)
        if link is not None and link.ended_at is None and today < link.until:
            return Claimant.GUARDIAN
    raise Forbidden("가족은 청구 내역을 볼 수만 있어요. 청구는 본인이나 미성년 자녀의 친권자만 할 수 있어요.")


def record_guardian(
    session: Session, master: MasterKey, actor: Actor, *, guardian_id: int, ward_id: int, now: datetime
) -> int:
    """Staff record that `guardian_id` is 친권자 of the minor `ward_id` (on a 가족관계증명서)."""
    if actor.role not in (Role.REVIEWER, Role.ADMINISTRATOR):
        raise Forbidden("친권 관계는 심사센터 직원이 가족관계증명서를 보고 등록합니다.")
    if guardian_id == ward_id:
        raise Invalid(field="ward_id", message="본인을 자녀로 등록할 수 없어요.")
    system = Actor(Role.SYSTEM)
    people.read(session, master, system, guardian_id, now)
    born = people.read(session, master, system, ward_id, now).birth_date
    until = birthday(born, ADULT_AGE)
    if now.date() >= until:
        raise Invalid(field="ward_id", message="성년(만 19세)인 가족은 직접 청구하거나 위임장으로 청구해야 해요.")
    row = repository.guardianship(session, guardian_id, ward_id)
    if row is None:
        row = GuardianshipRow(guardian_id=guardian_id, ward_id=ward_id, until=until, recorded_by=actor.label,
                              recorded_at=now)  # fmt: skip
        session.add(row)
    else:
        row.until, row.ended_at = until, None
    session.flush()
    chain.append(session, at=now, actor=actor.label, action="guardianship.recorded", object_type="person",
                 object_id=str(ward_id), detail={"guardian": guardian_id, "until": until.isoformat()})  # fmt: skip
    return row.id
