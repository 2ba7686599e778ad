"""Who is acting, and may they act on this object: object-level authorisation for every service call.

A customer acts on their own person; a family viewer (an accepted invite) may read another person's
spending and estimates but never file or change their claims; staff act by role."""

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


class Forbidden(SilsonError, PermissionError):
    code = "forbidden"
    http_status = 403


@dataclass(frozen=True, slots=True)
class Actor:
    role: Role
    person_id: int | None = None  # the customer this actor is (customers and family viewers)
    staff_id: str | None = None
    views: frozenset[int] = frozenset()  # people whose data a family viewer may read

    @property
    def label(self) -> str:
        return f"{self.role.value}:{self.staff_id or self.person_id}"


STAFF = {Role.REVIEWER, Role.FIELD_AGENT, Role.ADMINISTRATOR, Role.SYSTEM}


def may_read_person(actor: Actor, person_id: int) -> bool:
    if actor.role in STAFF:
        return True
    return actor.person_id == person_id or person_id in actor.views


def require_read(actor: Actor, person_id: int) -> None:
    if not may_read_person(actor, person_id):
        raise Forbidden(f"{actor.label} may not read person {person_id}")


def require_act(actor: Actor, person_id: int) -> None:
    """Filing or changing a person's claims: the person themself, or staff. Never a family viewer."""
    if actor.role in STAFF:
        return
    if actor.role in (Role.CUSTOMER, Role.ASSISTANT) and actor.person_id == person_id:
        return  # an assistant carries a person only once assist.service found their live request
    raise Forbidden(f"{actor.label} may not act for person {person_id}")
