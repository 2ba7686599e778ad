"""People: registered with every personal datum sealed under their own data key; found by phone or
주민등록번호 through blind indexes; erased by destroying the data key (crypto-shredding)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from silson.access import STAFF, Actor, Share, may_view, require_read, require_view
from silson.audit import chain
from silson.auth import service as auth
from silson.errors import NotFound, SilsonError
from silson.privacy.crypto import MasterKey, blind_index, new_data_key, open_sealed, seal
from silson.store import keystore, repository
from silson.store.models import ErasureRow, PersonKeyRow, PersonRow


class PersonErased(SilsonError, LookupError):
    code = "person_erased"
    http_status = 410


class AccountClosing(SilsonError, PermissionError):
    """From the withdrawal request on, nothing new comes in for the person (imports, consents,
    claims and visits); cancelling the request before it is carried out lifts this."""

    code = "withdrawal_pending"
    http_status = 409


def require_open(session: Session, person_id: int) -> None:
    """AccountClosing once the person asked to withdraw (carried out or not)."""
    row = repository.withdrawal_of(session, person_id)
    if row is None:
        return
    if row.done_at is not None:
        raise AccountClosing("탈퇴한 계정입니다. 새로 이용하려면 다시 로그인해 가입해 주세요.")
    raise AccountClosing(f"탈퇴 처리 중인 계정입니다 ({row.due_on} 처리 예정). 새 자료·동의·청구는 받지 않습니다. "
                         "계속 이용하려면 회원 탈퇴 화면에서 탈퇴를 취소해 주세요.")  # fmt: skip


@dataclass(frozen=True, slots=True)
class PersonView:
    id: int
    name: str
    birth_date: date
    phone: str
    rrn: str | None


@dataclass(frozen=True, slots=True)
class Profile:
    """A person as someone else may see them: a family viewer gets the contact details only while
    the person shares them (Share.CONTACT)."""

    id: int
    name: str
    birth_date: date | None
    phone: str | None


def _context(person_id: int) -> bytes:
    return f"person:{person_id}".encode()


def register(
    session: Session, master: MasterKey, *, name: str, birth_date: date, phone: str, rrn: str | None, now: datetime,
    actor: str = "system",
) -> int:  # fmt: skip
    row = PersonRow(
        created_at=now, name_sealed=b"", birth_date_sealed=b"", phone_sealed=b"",
        phone_index=blind_index(master, "phone", phone),
        rrn_index=blind_index(master, "rrn", rrn) if rrn else None,
    )  # fmt: skip
    session.add(row)
    session.flush()
    key = new_data_key()
    session.add(PersonKeyRow(person_id=row.id, wrapped=master.wrap(key, _context(row.id))))
    row.name_sealed = seal(key, name, f"person.{row.id}.name")
    row.birth_date_sealed = seal(key, birth_date.isoformat(), f"person.{row.id}.birth_date")
    row.phone_sealed = seal(key, phone, f"person.{row.id}.phone")
    row.rrn_sealed = seal(key, rrn, f"person.{row.id}.rrn") if rrn else None
    chain.append(session, at=now, actor=actor, action="person.registered", object_type="person",
                 object_id=str(row.id), detail={})  # fmt: skip
    session.flush()
    return row.id


def find_by_phone(session: Session, master: MasterKey, phone: str) -> list[int]:
    index = blind_index(master, "phone", phone)
    return repository.people_with_phone_index(session, index)


def data_key(session: Session, master: MasterKey, person_id: int) -> bytes:
    """The person's data key, unwrapped (the one place that does it); an erased person has none."""
    key = data_key_or_none(session, master, person_id)
    if key is None:
        raise PersonErased(f"person {person_id} was erased")
    return key


def data_key_or_none(session: Session, master: MasterKey, person_id: int) -> bytes | None:
    """The person's data key, or None once they are erased (for work that then simply has nothing to do)."""
    key_row = session.get(PersonKeyRow, person_id)
    if key_row is None:
        return None
    return master.unwrap(key_row.wrapped, _context(person_id))


def profile(session: Session, master: MasterKey, actor: Actor, person_id: int, now: datetime) -> Profile:
    """What the actor may see of a person: their name with their spending; birth date and phone to
    the person, staff, and family the person shares them with. A read by staff is audited."""
    require_view(actor, person_id, Share.SPENDING)
    view = _open(session, master, person_id)
    if actor.role in STAFF:
        chain.append(session, at=now, actor=actor.label, action="person.read", object_type="person",
                     object_id=str(person_id), detail={})  # fmt: skip
    if may_view(actor, person_id, Share.CONTACT):
        return Profile(view.id, view.name, view.birth_date, view.phone)
    return Profile(view.id, view.name, None, None)


def read(session: Session, master: MasterKey, actor: Actor, person_id: int, now: datetime) -> PersonView:
    """Open a person's data; a read by staff is itself recorded in the audit log."""
    require_read(actor, person_id)
    view = _open(session, master, person_id)
    if actor.person_id != person_id:
        chain.append(session, at=now, actor=actor.label, action="person.read", object_type="person",
                     object_id=str(person_id), detail={})  # fmt: skip
    return view


def _open(session: Session, master: MasterKey, person_id: int) -> PersonView:
    row = session.get(PersonRow, person_id)
    key_row = session.get(PersonKeyRow, person_id)
    if row is None:
        raise NotFound(f"no person {person_id}")
    if key_row is None:
        raise PersonErased(f"person {person_id} was erased")
    key = data_key(session, master, person_id)
    return PersonView(
        person_id,
        open_sealed(key, row.name_sealed, f"person.{person_id}.name"),
        date.fromisoformat(open_sealed(key, row.birth_date_sealed, f"person.{person_id}.birth_date")),
        open_sealed(key, row.phone_sealed, f"person.{person_id}.phone"),
        open_sealed(key, row.rrn_sealed, f"person.{person_id}.rrn") if row.rrn_sealed else None,
    )


def erase(session: Session, person_id: int, now: datetime, actor: str = "system") -> None:
    """Destroy the person's data key: every sealed datum of theirs, in every copy, is now noise."""
    key_row = session.get(PersonKeyRow, person_id)
    row = session.get(PersonRow, person_id)
    if row is None:
        raise NotFound(f"no person {person_id}")
    if key_row is not None:
        session.delete(key_row)
    if session.get(ErasureRow, person_id) is None:
        session.add(ErasureRow(person_id=person_id, erased_at=now))  # the ledger a restore re-applies
    keystore.note_erasure(session)  # the key store's log is truncated once this commits
    _mark_erased(session, row, now)
    chain.append(session, at=now, actor=actor, action="person.erased", object_type="person",
                 object_id=str(person_id), detail={})  # fmt: skip
    session.flush()


def _mark_erased(session: Session, row: PersonRow, now: datetime) -> None:
    from silson.privacy import family  # family builds on people

    auth.end_all(session, person_id=row.id, now=now)
    family.end_all(session, person_id=row.id, now=now, actor="system:erasure")
    row.erased_at = now
    row.phone_index = "erased"
    row.rrn_index = None


def reapply_erasures(session: Session, now: datetime, actor: str = "system") -> list[int]:
    """After a restore: everyone in the erasure ledger whom the restored data still shows as not
    erased is marked erased again (their key is already gone from the key store). A person id the
    restored data reused for someone registered after the erasure is left alone."""
    again = []
    for entry in repository.erasure_ledger(session):
        row = session.get(PersonRow, entry.person_id)
        if row is None or row.erased_at is not None or _utc(row.created_at) > _utc(entry.erased_at):
            continue
        _mark_erased(session, row, entry.erased_at)
        chain.append(session, at=now, actor=actor, action="person.erased_again", object_type="person",
                     object_id=str(row.id), detail={"erased_at": _utc(entry.erased_at).isoformat()})  # fmt: skip
        again.append(row.id)
    session.flush()
    return again


def _utc(at: datetime) -> datetime:
    """SQLite hands instants back without their zone; they were stored in UTC."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
