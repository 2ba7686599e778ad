"""Family: a customer invites a family member; once the member accepts, the inviter may view the
member's spending and estimates, and never file or change the member's claims (the FAQ's rule:
내보험다보여 shows only one's own contracts, so only one's own claims can be filed)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from silson.access import Actor, Forbidden, Role, require_act
from silson.audit import chain
from silson.store import repository
from silson.store.models import FamilyLinkRow


def invite(session: Session, actor: Actor, *, inviter_id: int, member_id: int, now: datetime) -> int:
    require_act(actor, inviter_id)
    repository.require_person(session, inviter_id)
    repository.require_person(session, member_id)
    if inviter_id == member_id:
        raise ValueError("member_id: one cannot invite oneself")
    row = FamilyLinkRow(inviter_id=inviter_id, member_id=member_id, status="invited", created_at=now)
    session.add(row)
    session.flush()
    chain.append(session, at=now, actor=actor.label, action="family.invited", object_type="person",
                 object_id=str(member_id), detail={"inviter": inviter_id})  # fmt: skip
    return row.id


def accept(session: Session, actor: Actor, *, link_id: int, now: datetime) -> None:
    row = session.get(FamilyLinkRow, link_id)
    if row is None:
        raise LookupError(f"no invitation {link_id}")
    if actor.role is not Role.CUSTOMER or actor.person_id != row.member_id:
        raise Forbidden("only the invited member accepts an invitation")
    row.status = "accepted"
    chain.append(session, at=now, actor=actor.label, action="family.accepted", object_type="person",
                 object_id=str(row.member_id), detail={"inviter": row.inviter_id})  # fmt: skip
    session.flush()


def viewer(session: Session, person_id: int) -> Actor:
    """The actor a signed-in customer is when looking at family: view rights over accepted members."""
    members = repository.accepted_members(session, person_id)
    return Actor(Role.FAMILY_VIEWER, person_id=person_id, views=frozenset(members))
