"""Family sharing: a customer invites a family member by name and phone; once the member accepts, the
inviter sees the member's spending and estimates (의료비와 예상 보험금, what the invitation promises),
and diagnoses or contact details only while the member shares them. The viewer never files, changes
or starts anything for the member (내보험다보여 shows only one's own contracts, so only one's own
claims can be filed). Either side ends the link at any time, and the view ends with it.

Who may invite whom: a customer, for themself, whose account is open, at most `MAX_OPEN` open
invitations or links at once, never themself. The invitation waits under the phone's blind index with
the name the inviter typed sealed under the inviter's key; it is matched when a customer with that
phone and name opens their family page. Sending it looks the same whether or not the name and phone
are a customer's, so the form cannot be used to find out who is one."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from silson.access import Actor, Forbidden, Role, Share, require_act
from silson.audit import chain
from silson.errors import Invalid, SilsonError
from silson.privacy import people
from silson.privacy.crypto import CryptoError, MasterKey, blind_index, open_sealed, seal
from silson.store import repository
from silson.store.models import FamilyLinkRow, PersonRow

MAX_OPEN = 10  # open invitations and links one person may have sent at once
OPEN = ("invited", "accepted")
#: what a member may share beyond spending and estimates, with the words the pages use
SHARE_LABEL = {
    Share.DIAGNOSES: "청구와 진료 내역 (진단명 포함)",
    Share.CONTACT: "생년월일과 휴대폰 번호",
}
INVITEE_FIELD = "family.invitee_name"


class TooManyInvitations(SilsonError, PermissionError):
    code = "too_many_invitations"
    http_status = 409


class LinkClosed(SilsonError, PermissionError):
    code = "family_link_closed"
    http_status = 409


class LinkNotFound(SilsonError, LookupError):
    """An invitation that does not exist and one that is not the actor's are answered alike."""

    code = "not_found"
    http_status = 404


@dataclass(frozen=True, slots=True)
class LinkView:
    """One invitation or link as one side sees it."""

    id: int
    direction: str  # sent | received
    status: str  # invited | accepted | declined | ended
    other_name: str  # sent: the name typed; received: the inviter's name
    other_phone_hint: str  # the other's phone, all but its last four digits hidden
    other_id: int | None  # the member once accepted (sent), the inviter (received)
    shares: frozenset[Share]
    created_at: datetime
    ended_at: datetime | None


def _shares(row: FamilyLinkRow) -> frozenset[Share]:
    return frozenset(Share(s) for s in row.shares.split(",") if s)


def _as_customer(actor: Actor, person_id: int) -> None:
    """Invitations are the person's own business: staff and other customers are refused alike."""
    require_act(actor, person_id)
    if actor.role is not Role.CUSTOMER:
        raise Forbidden("가족 초대와 연결은 본인만 할 수 있어요.")


def _open_sent(session: Session, inviter_id: int) -> list[FamilyLinkRow]:
    query = select(FamilyLinkRow).where(FamilyLinkRow.inviter_id == inviter_id, FamilyLinkRow.status.in_(OPEN))
    return list(session.scalars(query))


def invite(session: Session, actor: Actor, *, inviter_id: int, member_id: int, now: datetime) -> int:
    """An invitation to a known person (the demo and tests); customers invite by name and phone."""
    _as_customer(actor, inviter_id)
    repository.require_person(session, inviter_id)
    repository.require_person(session, member_id)
    if inviter_id == member_id:
        raise Invalid(field="member_id", message="one cannot invite oneself")
    row = FamilyLinkRow(inviter_id=inviter_id, member_id=member_id, status="invited", created_at=now, shares="")
    session.add(row)
    session.flush()
    chain.append(session, at=now, actor=actor.label, action="family.invited", object_type="person",
                 object_id=str(inviter_id), detail={"link": row.id})  # fmt: skip
    return row.id


def invite_by_contact(
    session: Session, master: MasterKey, actor: Actor, *, inviter_id: int, name: str, phone: str, now: datetime
) -> int:
    """Invite whoever has this name and phone. Nothing is looked up: the invitation waits for them."""
    _as_customer(actor, inviter_id)
    people.require_open(session, inviter_id)
    name, digits = name.strip(), "".join(ch for ch in phone if ch.isdigit())
    if not name:
        raise Invalid("초대할 가족의 이름을 적어 주세요.", field="name")
    if not 9 <= len(digits) <= 11:
        raise Invalid("휴대폰 번호를 숫자 10~11자리로 적어 주세요.", field="phone")
    index = blind_index(master, "phone", digits)
    me = session.get(PersonRow, inviter_id)
    if me is not None and me.phone_index == index:
        raise Invalid("본인은 초대할 수 없어요. 가족의 휴대폰 번호를 적어 주세요.", field="phone")
    sent = _open_sent(session, inviter_id)
    key = people.data_key(session, master, inviter_id)
    for row in sent:  # the same person invited again: the open invitation stands, no second one
        if row.invitee_index == index and _typed_name(key, row) == name:
            return row.id
    if len(sent) >= MAX_OPEN:
        raise TooManyInvitations(f"가족 초대와 연결은 한 번에 {MAX_OPEN}개까지예요. "
                                 "필요 없는 초대를 먼저 취소해 주세요.")  # fmt: skip
    row = FamilyLinkRow(inviter_id=inviter_id, member_id=None, invitee_index=index, status="invited", created_at=now,
                        shares="", invitee_sealed=seal(key, f"{name}\n{digits}", INVITEE_FIELD))  # fmt: skip
    session.add(row)
    session.flush()
    chain.append(session, at=now, actor=actor.label, action="family.invited", object_type="person",
                 object_id=str(inviter_id), detail={"link": row.id})  # fmt: skip
    return row.id


def _typed_name(key: bytes | None, row: FamilyLinkRow) -> str | None:
    if key is None or row.invitee_sealed is None:
        return None
    try:
        return open_sealed(key, row.invitee_sealed, INVITEE_FIELD).split("\n", 1)[0]
    except CryptoError:
        return None


def _typed_phone(key: bytes | None, row: FamilyLinkRow) -> str:
    if key is None or row.invitee_sealed is None:
        return ""
    return open_sealed(key, row.invitee_sealed, INVITEE_FIELD).partition("\n")[2]


def _profile(session: Session, master: MasterKey, person_id: int) -> tuple[str, str] | None:
    """Name and phone, opened for the other side of a link (the inviter chose to be known by
    inviting; the member by accepting). None once the person is erased."""
    row = session.get(PersonRow, person_id)
    key = people.data_key_or_none(session, master, person_id)
    if row is None or key is None:
        return None
    return (open_sealed(key, row.name_sealed, f"person.{person_id}.name"),
            open_sealed(key, row.phone_sealed, f"person.{person_id}.phone"))  # fmt: skip


def _hint(phone: str) -> str:
    digits = "".join(ch for ch in phone if ch.isdigit())
    return f"···-{digits[-4:]}" if len(digits) >= 4 else ""


def _received_for(session: Session, master: MasterKey, person_id: int) -> list[FamilyLinkRow]:
    """Links sent to this person: bound to them, or waiting under their phone with their name."""
    me = session.get(PersonRow, person_id)
    mine = _profile(session, master, person_id)
    if me is None or mine is None:
        return []
    query = select(FamilyLinkRow).where(
        or_(FamilyLinkRow.member_id == person_id,
            (FamilyLinkRow.member_id.is_(None)) & (FamilyLinkRow.invitee_index == me.phone_index)),
        FamilyLinkRow.inviter_id != person_id,
    )  # fmt: skip
    found = []
    for row in session.scalars(query.order_by(FamilyLinkRow.id)):
        if row.member_id is None:
            key = people.data_key_or_none(session, master, row.inviter_id)
            if row.status != "invited" or _typed_name(key, row) != mine[0]:
                continue
        found.append(row)
    return found


def links(session: Session, master: MasterKey, actor: Actor, *, person_id: int) -> list[LinkView]:
    """Every invitation the person sent or received, newest last, with the other side named."""
    _as_customer(actor, person_id)
    out = []
    own_key = people.data_key_or_none(session, master, person_id)
    sent = select(FamilyLinkRow).where(FamilyLinkRow.inviter_id == person_id).order_by(FamilyLinkRow.id)
    for row in session.scalars(sent):
        profile = _profile(session, master, row.member_id) if row.member_id and row.status == "accepted" else None
        name = profile[0] if profile else (_typed_name(own_key, row) or "가족")
        phone = profile[1] if profile else _typed_phone(own_key, row)
        out.append(LinkView(row.id, "sent", _status(row), name, _hint(phone),
                            row.member_id if row.status == "accepted" else None, _shares(row), row.created_at,
                            row.ended_at))  # fmt: skip
    for row in _received_for(session, master, person_id):
        inviter = _profile(session, master, row.inviter_id) or ("탈퇴한 회원", "")
        out.append(LinkView(row.id, "received", _status(row), inviter[0], _hint(inviter[1]), row.inviter_id,
                            _shares(row), row.created_at, row.ended_at))  # fmt: skip
    return sorted(out, key=lambda v: v.id)


def _status(row: FamilyLinkRow) -> str:
    return "ended" if row.status == "revoked" else row.status


def _received_link(session: Session, master: MasterKey | None, actor: Actor, link_id: int) -> FamilyLinkRow:
    """The invitation if it is the actor's to answer; any other is not found (alike)."""
    if actor.role is Role.CUSTOMER and actor.person_id is not None:
        if master is None:  # a link made to a known person (`invite`): bound to them already
            row = session.get(FamilyLinkRow, link_id)
            if row is not None and row.member_id == actor.person_id:
                return row
        else:
            for row in _received_for(session, master, actor.person_id):
                if row.id == link_id:
                    return row
    raise LinkNotFound(f"초대 #{link_id}을(를) 찾을 수 없어요.")


def accept(
    session: Session, actor: Actor, *, link_id: int, now: datetime, master: MasterKey | None = None,
    shares: Iterable[Share] = (),
) -> None:  # fmt: skip
    """The invited person accepts (and may share more at once); accepting twice changes nothing."""
    row = _received_link(session, master, actor, link_id)
    assert actor.person_id is not None
    if row.status == "accepted":
        return
    if row.status != "invited":
        raise LinkClosed("이미 끝난 초대예요. 다시 연결하려면 새로 초대를 받아 주세요.")
    people.require_open(session, actor.person_id)
    row.member_id, row.status = actor.person_id, "accepted"
    row.shares = _encode(shares)
    chain.append(session, at=now, actor=actor.label, action="family.accepted", object_type="person",
                 object_id=str(actor.person_id), detail={"link": row.id, "shares": row.shares})  # fmt: skip
    session.flush()


def _encode(shares: Iterable[Share]) -> str:
    chosen = {Share(s) for s in shares}
    if Share.SPENDING in chosen:
        chosen.discard(Share.SPENDING)  # comes with every link
    return ",".join(sorted(s.value for s in chosen))


def set_shares(session: Session, master: MasterKey, actor: Actor, *, link_id: int, shares: Iterable[Share],
               now: datetime) -> None:  # fmt: skip
    """The member decides what more the viewer sees; from the next page the viewer loads."""
    row = _received_link(session, master, actor, link_id)
    if row.status not in OPEN:
        raise LinkClosed("끝난 연결이에요.")
    new = _encode(shares)
    if new == row.shares:
        return
    row.shares = new
    chain.append(session, at=now, actor=actor.label, action="family.shares_changed", object_type="person",
                 object_id=str(actor.person_id), detail={"link": row.id, "shares": new})  # fmt: skip
    session.flush()


def end(session: Session, master: MasterKey, actor: Actor, *, link_id: int, now: datetime) -> None:
    """Either side ends the link (or an invitation not yet accepted) at any time; ending an ended
    link changes nothing. The viewer's view ends with the transaction."""
    row = session.get(FamilyLinkRow, link_id)
    if row is not None and actor.role is Role.CUSTOMER and row.inviter_id == actor.person_id:
        side = "inviter"
    else:
        row = _received_link(session, master, actor, link_id)
        side = "member"
    if row.status not in OPEN:
        return
    if side == "member":
        row.member_id = actor.person_id  # a declined invitation stays on the member's list too
    row.status = "declined" if side == "member" and row.status == "invited" else "ended"
    row.ended_at, row.ended_by = now, actor.label
    chain.append(session, at=now, actor=actor.label, action="family.ended", object_type="person",
                 object_id=str(actor.person_id), detail={"link": row.id, "by": side})  # fmt: skip
    session.flush()


def end_all(session: Session, *, person_id: int, now: datetime, actor: str) -> int:
    """Withdrawal and erasure: every open link of the person, sent or received, ends."""
    query = select(FamilyLinkRow).where(
        or_(FamilyLinkRow.inviter_id == person_id, FamilyLinkRow.member_id == person_id),
        FamilyLinkRow.status.in_(OPEN),
    )
    ended = 0
    for row in session.scalars(query):
        row.status, row.ended_at, row.ended_by = "ended", now, actor
        ended += 1
    if ended:
        chain.append(session, at=now, actor=actor, action="family.ended_all", object_type="person",
                     object_id=str(person_id), detail={"links": ended})  # fmt: skip
    session.flush()
    return ended


def viewer(session: Session, person_id: int) -> Actor:
    """The actor a signed-in customer is when looking at family: what each accepted member shares."""
    query = select(FamilyLinkRow).where(FamilyLinkRow.inviter_id == person_id, FamilyLinkRow.status == "accepted")
    views: set[int] = set()
    shares: set[tuple[int, Share]] = set()
    for row in session.scalars(query):
        if row.member_id is None:
            continue
        views.add(row.member_id)
        shares.update((row.member_id, s) for s in _shares(row))
    return Actor(Role.FAMILY_VIEWER, person_id=person_id, views=frozenset(views), shares=frozenset(shares))


def with_family(session: Session, me: Actor) -> Actor:
    """A customer also sees the family members who accepted their invitation, as far as each shares."""
    if me.role is Role.CUSTOMER and me.person_id is not None:
        seen = viewer(session, me.person_id)
        return Actor(me.role, person_id=me.person_id, staff_id=me.staff_id, views=seen.views, shares=seen.shares)
    return me
