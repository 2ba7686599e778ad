"""Who is acting, and may they act on this object: object-level authorisation for every service call.

A customer acts on their own person; a family viewer (an accepted invite) sees another person's
spending and estimates, and more only as that person shares it (`Share`), and never files, changes or
starts anything for them; staff act by role."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from silson.errors import SilsonError


class Role(StrEnum):
    """Who acts: the roles every service call is authorised by."""

    CUSTOMER = "customer"
    FAMILY_VIEWER = "family_viewer"
    REVIEWER = "reviewer"
    FIELD_AGENT = "field_agent"
    ADMINISTRATOR = "administrator"
    SYSTEM = "system"  # insurer and relay adapters reporting what happened
    ASSISTANT = "assistant"  # call center: acts for one person only under their recorded request (silson.assist)


class Share(StrEnum):
    """What an accepted family link shows the viewer. SPENDING comes with every link (의료비와 예상
    보험금, as the invitation says); the others only while the member grants them."""

    SPENDING = "spending"  # 의료비 내역과 예상 보험금
    DIAGNOSES = "diagnoses"  # 청구와 진료 내역, 진단명 (KCD)
    CONTACT = "contact"  # 생년월일과 휴대폰 번호


class Forbidden(SilsonError, PermissionError):
    code = "forbidden"
    http_status = 403


@dataclass(frozen=True, slots=True)
class Actor:
    role: Role
    person_id: int | None = None  # the customer this actor is (customers and family viewers)
    staff_id: str | None = None
    views: frozenset[int] = frozenset()  # people whose spending and estimates a family viewer sees
    shares: frozenset[tuple[int, Share]] = frozenset()  # what more each of them shares (DIAGNOSES, CONTACT)

    @property
    def label(self) -> str:
        return f"{self.role.value}:{self.staff_id or self.person_id}"


STAFF = {Role.REVIEWER, Role.FIELD_AGENT, Role.ADMINISTRATOR, Role.SYSTEM}
#: staff who read and act for any person; a field agent reaches a person only through the tasks
#: assigned to them (silson.agents: the names, visit dates and papers of a task in force), never here
OFFICE = frozenset(STAFF - {Role.FIELD_AGENT})


def may_view(actor: Actor, person_id: int, share: Share) -> bool:
    """The person themself and staff see everything; a family viewer sees what the link shares."""
    if actor.role in OFFICE or actor.person_id == person_id:
        return True
    if person_id not in actor.views:
        return False
    return share is Share.SPENDING or (person_id, share) in actor.shares


def require_view(actor: Actor, person_id: int, share: Share) -> None:
    if not may_view(actor, person_id, share):
        raise Forbidden(f"{actor.label} may not see {share.value} of person {person_id}")


def may_read_person(actor: Actor, person_id: int) -> bool:
    """The person's records (claims, visits with their diagnoses, payments, notifications): a family
    viewer only while the member shares DIAGNOSES."""
    return may_view(actor, person_id, Share.DIAGNOSES)


def require_read(actor: Actor, person_id: int) -> None:
    if not may_read_person(actor, person_id):
        raise Forbidden(f"{actor.label} may not read person {person_id}")


def require_act(actor: Actor, person_id: int) -> None:
    """Filing or changing a person's claims: the person themself, or staff. Never a family viewer."""
    if actor.role in OFFICE:
        return
    if actor.role in (Role.CUSTOMER, Role.ASSISTANT) and actor.person_id == person_id:
        return  # an assistant carries a person only once assist.service found their live request
    raise Forbidden(f"{actor.label} may not act for person {person_id}")
