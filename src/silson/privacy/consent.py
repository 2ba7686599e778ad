"""Consent to each purpose (versioned), and powers of attorney (위임장) that depend on it.

Purposes: data import (홈택스·계약 조회), document issuance by an agent, transmission to insurers,
personalised services. Withdrawing a consent stops what depends on it: withdrawing document issuance
revokes the powers of attorney whose agent has not set out yet."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy.orm import Session

from silson.access import Actor, require_act
from silson.audit import chain
from silson.errors import NotFound, SilsonError
from silson.privacy import at_rest, people
from silson.privacy.crypto import MasterKey
from silson.store import repository
from silson.store.models import ConsentRow, PowerOfAttorneyRow


class Purpose(StrEnum):
    DATA_IMPORT = "data_import"
    DOCUMENT_ISSUANCE = "document_issuance"
    TRANSMISSION = "transmission"
    PERSONALISED = "personalised"


class ConsentMissing(SilsonError, PermissionError):
    code = "consent_missing"
    http_status = 409


def active(session: Session, person_id: int, purpose: Purpose) -> ConsentRow | None:
    return repository.active_consent(session, person_id, purpose.value)


def require(session: Session, person_id: int, purpose: Purpose) -> None:
    if active(session, person_id, purpose) is None:
        raise ConsentMissing(f"person {person_id} has not consented to {purpose.value}")


def grant(session: Session, actor: Actor, *, person_id: int, purpose: Purpose, version: str, now: datetime) -> int:
    """Record consent; consenting again to a newer text replaces the older consent."""
    require_act(actor, person_id)
    repository.require_person(session, person_id)
    people.require_open(session, person_id)
    current = active(session, person_id, purpose)
    if current is not None and current.version == version:
        return current.id
    if current is not None:
        current.withdrawn_at = now
    row = ConsentRow(person_id=person_id, purpose=purpose.value, version=version, granted_at=now)
    session.add(row)
    session.flush()
    chain.append(session, at=now, actor=actor.label, action="consent.granted", object_type="person",
                 object_id=str(person_id), detail={"purpose": purpose.value, "version": version})  # fmt: skip
    return row.id


def withdraw(session: Session, actor: Actor, *, person_id: int, purpose: Purpose, now: datetime) -> None:
    require_act(actor, person_id)
    current = active(session, person_id, purpose)
    if current is None:
        return
    current.withdrawn_at = now
    revoked = 0
    if purpose is Purpose.DOCUMENT_ISSUANCE:
        for poa in open_powers(session, person_id):
            if poa.started_at is None:
                poa.revoked_at = now
                revoked += 1
    chain.append(session, at=now, actor=actor.label, action="consent.withdrawn", object_type="person",
                 object_id=str(person_id), detail={"purpose": purpose.value, "powers_revoked": revoked})  # fmt: skip
    session.flush()


def open_powers(session: Session, person_id: int) -> list[PowerOfAttorneyRow]:
    return repository.open_powers(session, person_id)


def issue_power_of_attorney(
    session: Session, master: MasterKey, actor: Actor, *, person_id: int, institution_id: str, agent_id: str,
    now: datetime,
) -> int:  # fmt: skip
    """위임장 for one institution request; needs consent to document issuance. The institution (where the
    person is treated) is sealed under the person's key, in the row and in the audit entry."""
    require_act(actor, person_id)
    require(session, person_id, Purpose.DOCUMENT_ISSUANCE)
    key = people.data_key(session, master, person_id)
    sealed = at_rest.seal_text(key, at_rest.POA_INSTITUTION, institution_id)
    row = PowerOfAttorneyRow(person_id=person_id, agent_id=agent_id, issued_at=now, institution_sealed=sealed)
    session.add(row)
    session.flush()
    detail = at_rest.seal_detail(key, "person", str(person_id), {"poa": row.id, "institution": institution_id,
                                                                  "agent": agent_id})  # fmt: skip
    chain.append(session, at=now, actor=actor.label, action="poa.issued", object_type="person",
                 object_id=str(person_id), detail=detail)  # fmt: skip
    return row.id


def agent_sets_out(session: Session, poa_id: int, now: datetime) -> None:
    row = session.get(PowerOfAttorneyRow, poa_id)
    if row is None or row.revoked_at is not None:
        raise ConsentMissing(f"power of attorney {poa_id} is not in force")
    row.started_at = row.started_at or now
    session.flush()


def revoke_power_of_attorney(session: Session, actor: Actor, *, poa_id: int, now: datetime) -> None:
    """The person withdraws one 위임장 (민법 제128조: a 위임 may be ended at any time): it ends at
    once, whether or not the agent has set out. Again changes nothing."""
    row = session.get(PowerOfAttorneyRow, poa_id)
    if row is None:
        raise NotFound(f"no power of attorney {poa_id}")
    require_act(actor, row.person_id)
    if row.revoked_at is not None:
        return
    row.revoked_at = now
    session.flush()
    # the institution stays sealed on the row: the entry names the 위임장 only
    detail = {"poa": poa_id, "agent": row.agent_id, "under_way": row.started_at is not None}
    chain.append(session, at=now, actor=actor.label, action="poa.revoked", object_type="person",
                 object_id=str(row.person_id), detail=detail)  # fmt: skip
