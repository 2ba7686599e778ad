"""Tables of the field-agent area: the contracted agents, their tasks (one per person and institution)
and each document a task asks for, with its fee and the photo the agent took.

What names the person's care is sealed with the person's key: the visit
dates, the institution's code and name (`details_sealed`: where a person was treated is health data),
the signed 동의서 and 위임장 PDFs, the ID copy, the signature, and what the reader read from a photo.
Only the area (시·구) stays plain, so an agent's tasks can be routed; they are grouped by institution
after opening their seals."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from silson.store.models import Base


class FieldAgentRow(Base):
    """A contracted field agent (현장 대리인): the staff id they sign in with and what the 위임장 names."""

    __tablename__ = "field_agent"

    staff_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    birth_date: Mapped[date] = mapped_column(Date)  # 위임받는 사람's 생년월일 on both forms
    phone: Mapped[str] = mapped_column(String(20))
    areas: Mapped[str] = mapped_column(String(200))  # the areas they cover, comma separated
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AgentTaskRow(Base):
    """One trip's worth of work: a person's visits at one institution and the documents to request.

    State: waiting_signature → assigned → checked_in → collected → done; or stopped (위임 철회,
    위임 기간 만료, 동의 철회) with its reason."""

    __tablename__ = "agent_task"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claim.id"), nullable=True)
    area: Mapped[str] = mapped_column(String(50))  # 시·구, for the agent's route
    details_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # institution, visits
    agent_id: Mapped[str] = mapped_column(ForeignKey("field_agent.staff_id"), index=True)
    poa_id: Mapped[int | None] = mapped_column(ForeignKey("power_of_attorney.id"), nullable=True)
    state: Mapped[str] = mapped_column(String(20), index=True)
    valid_until: Mapped[date] = mapped_column(Date)  # 위임 기간: the last day the 위임장 covers
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(120))
    signed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    checked_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    checkin_place_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # where, as the agent says
    collected_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    stopped_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    stop_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    consent_pdf_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # 별지 제9호의2
    poa_pdf_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # 별지 제9호의3
    id_copy_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # 환자 신분증 사본
    signature_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class TaskDocumentRow(Base):
    """A document a task asks the institution for; once issued: its fee (checked against the cap),
    the photo (a sealed `document` row of the person) and what the reader read from it."""

    __tablename__ = "agent_task_document"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("agent_task.id"), index=True)
    visit_ref: Mapped[str | None] = mapped_column(String(30), nullable=True)  # the claim visit ("e12")
    code: Mapped[str] = mapped_column(String(30))  # claims/data/documents.yaml code
    claim_document_id: Mapped[int | None] = mapped_column(ForeignKey("claim_document.id"), nullable=True)
    state: Mapped[str] = mapped_column(String(20))  # to_request | collected
    fee_item: Mapped[str | None] = mapped_column(String(40), nullable=True)
    pages: Mapped[int | None] = mapped_column(Integer, nullable=True)
    fee: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # 증명서 발급 수수료 paid, won
    fee_cap: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # the cap it was checked against
    fee_reference: Mapped[str | None] = mapped_column(String(300), nullable=True)
    fee_recorded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"), nullable=True)
    photo_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reading_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
