"""Family sharing's JSON API: invite by name and phone, list, accept, share more or less, end.
Thin: parse, call one use case of privacy/family.py in the request's transaction, answer."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from silson.access import Actor
from silson.privacy import family
from silson.web.deps import Services, bearer_actor, session_dependency
from silson.web.schemas import ErrorOut, FamilyLinkOut, InviteIn, InviteSentOut, RowId, SharesIn

ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorOut} for code in (403, 404, 409, 422)}
INVITE_SENT = (
    "초대를 보냈습니다. 가입한 분이라면 로그인해서 가족 화면에서 수락할 수 있어요. "
    "아직 가입하지 않았다면 먼저 가입하도록 알려 주세요. 가입하면 이 초대가 보입니다."
)


def link_out(view: family.LinkView) -> FamilyLinkOut:
    return FamilyLinkOut(id=view.id, direction=view.direction, status=view.status,  # type: ignore[arg-type]
                         other_name=view.other_name, other_phone_hint=view.other_phone_hint, other_id=view.other_id,
                         shares=sorted(view.shares), created_at=view.created_at, ended_at=view.ended_at)  # fmt: skip


def _one(session: Session, services: Services, me: Actor, link_id: int) -> FamilyLinkOut:
    assert me.person_id is not None
    for view in family.links(session, services.master, me, person_id=me.person_id):
        if view.id == link_id:
            return link_out(view)
    raise family.LinkNotFound(f"초대 #{link_id}을(를) 찾을 수 없어요.")


def router(services: Services, invite_budget: Callable[[Actor], None]) -> APIRouter:
    api = APIRouter(tags=["family"])
    db, actor = session_dependency(services), bearer_actor(services)
    DB = Annotated[Session, Depends(db, scope="function")]  # commit before the answer (deps.session_dependency)
    Me = Annotated[Actor, Depends(actor)]

    @api.get("/api/people/{person_id}/family", response_model=list[FamilyLinkOut], responses=ERRORS)
    def family_list(person_id: RowId, me: Me, session: DB) -> list[FamilyLinkOut]:
        """Invitations sent and received, with who is on the other side."""
        return [link_out(v) for v in family.links(session, services.master, me, person_id=person_id)]

    @api.post("/api/people/{person_id}/family", response_model=InviteSentOut, status_code=202,
              responses={**ERRORS, 429: {"model": ErrorOut}})  # fmt: skip
    def family_invite(person_id: RowId, body: InviteIn, me: Me, session: DB) -> InviteSentOut:
        """Invite a family member (they accept; then you see their spending and estimates). The answer
        is the same whether or not the name and phone are a customer's; rate-limited."""
        invite_budget(me)
        family.invite_by_contact(session, services.master, me, inviter_id=person_id, name=body.name, phone=body.phone,
                                 now=datetime.now(UTC))  # fmt: skip
        return InviteSentOut(message=INVITE_SENT)

    @api.post("/api/family/{link_id}/accept", response_model=FamilyLinkOut, responses=ERRORS)
    def family_accept(link_id: RowId, me: Me, session: DB, body: SharesIn | None = None) -> FamilyLinkOut:
        """The invited person accepts; `shares` adds diagnoses and/or contact details to what is shown."""
        family.accept(session, me, link_id=link_id, master=services.master, shares=body.shares if body else (),
                      now=datetime.now(UTC))  # fmt: skip
        return _one(session, services, me, link_id)

    @api.put("/api/family/{link_id}/shares", response_model=FamilyLinkOut, responses=ERRORS)
    def family_shares(link_id: RowId, body: SharesIn, me: Me, session: DB) -> FamilyLinkOut:
        """The member changes what the viewer sees beyond spending and estimates."""
        family.set_shares(session, services.master, me, link_id=link_id, shares=body.shares, now=datetime.now(UTC))
        return _one(session, services, me, link_id)

    @api.delete("/api/family/{link_id}", status_code=204, responses=ERRORS)
    def family_end(link_id: RowId, me: Me, session: DB) -> None:
        """Either side ends the link, or the invitation, at any time; the view ends at once."""
        family.end(session, services.master, me, link_id=link_id, now=datetime.now(UTC))

    return api
