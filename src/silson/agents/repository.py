"""Every query of the field-agent area."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from silson.agents.models import AgentTaskRow, FieldAgentRow, TaskDocumentRow
from silson.store.models import ClaimDocumentRow


def tasks_of_person(session: Session, person_id: int, states: Sequence[str]) -> Sequence[AgentTaskRow]:
    query = select(AgentTaskRow).where(AgentTaskRow.person_id == person_id, AgentTaskRow.state.in_(states))
    return session.scalars(query.order_by(AgentTaskRow.id)).all()


def tasks_in(session: Session, states: Sequence[str], *, agent_id: str | None = None) -> Sequence[AgentTaskRow]:
    query = select(AgentTaskRow).where(AgentTaskRow.state.in_(states))
    if agent_id is not None:
        query = query.where(AgentTaskRow.agent_id == agent_id)
    return session.scalars(query.order_by(AgentTaskRow.id)).all()


def documents_of_task(session: Session, task_id: int) -> Sequence[TaskDocumentRow]:
    query = select(TaskDocumentRow).where(TaskDocumentRow.task_id == task_id)
    return session.scalars(query.order_by(TaskDocumentRow.id)).all()


def agent_needs(session: Session, claim_id: int, route: str, state: str) -> Sequence[ClaimDocumentRow]:
    query = select(ClaimDocumentRow).where(
        ClaimDocumentRow.claim_id == claim_id, ClaimDocumentRow.route == route, ClaimDocumentRow.state == state
    )
    return session.scalars(query.order_by(ClaimDocumentRow.id)).all()


def agents(session: Session) -> Sequence[FieldAgentRow]:
    query = select(FieldAgentRow).where(FieldAgentRow.active.is_(True))
    return session.scalars(query.order_by(FieldAgentRow.staff_id)).all()
