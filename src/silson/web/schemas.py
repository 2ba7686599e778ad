"""The API's request and response models: the OpenAPI document is built from these."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import Path, Query
from pydantic import BaseModel, Field

from silson.access import Share
from silson.claims.events import AMOUNT_FIELDS, MAX_RECEIPT_WON
from silson.claims.lifecycle import State
from silson.privacy.consent import Purpose

RowId = Annotated[int, Path(ge=1, le=2**31 - 1, description="a row id")]
OptionalRowId = Annotated[int | None, Query(ge=1, le=2**31 - 1)]


class ErrorOut(BaseModel):
    """A refusal: `message` is for the person (Korean, with what to do next); `code` and `field` are
    for programs and stay stable; `detail` is the technical wording, when there is one."""

    code: str
    message: str
    field: str | None = None
    detail: str | None = None


class SignInRequest(BaseModel):
    name: str = Field(min_length=1, max_length=50)
    birth_date: date
    phone: str = Field(min_length=9, max_length=20)


class SignInStarted(BaseModel):
    request_id: str


class SessionIn(BaseModel):
    request_id: str


class StaffSessionIn(BaseModel):
    staff_id: str
    secret: str


class SessionOut(BaseModel):
    token: str
    role: str
    person_id: int | None


class PersonOut(BaseModel):
    id: int
    name: str
    birth_date: date | None = Field(description="null to family the person does not share contact details with")
    phone: str | None = Field(description="null to family the person does not share contact details with")


class SpendingOut(BaseModel):
    year: int
    provider_id: str
    provider_name: str
    amount: int


class CoverageRowIn(BaseModel):
    name: str = Field(min_length=1, max_length=100, description="담보명, e.g. 질병입원의료비")
    amount: int = Field(ge=0, description="보장금액 (won)")
    code: str = ""


class ContractIn(BaseModel):
    insurer: str = Field(min_length=1, max_length=100)
    policy_no: str = Field(min_length=1, max_length=50)
    start: date
    end: date | None = None
    product_code: str | None = None
    option: Literal["choice1", "standard", "choice2"] | None = None
    insurer_kind: Literal["nonlife", "life"] | None = None
    coverages: list[CoverageRowIn] = Field(min_length=1)


class ContractOut(BaseModel):
    id: int
    rule_set: str
    mapping_certain: bool


class ClaimOut(BaseModel):
    id: int
    person_id: int
    insurer: str
    state: str


class MoveIn(BaseModel):
    to: State
    reason: str = Field(default="", max_length=500)
    idempotency_key: str = Field(min_length=1, max_length=100)


class AuditOut(BaseModel):
    entries: int
    intact: bool
    broken_at: int | None


class MeOut(BaseModel):
    role: str
    person_id: int | None
    staff_id: str | None
    family: list[int] = Field(description="people this customer may view (accepted family invitations)")
    withdrawal_due: date | None = Field(None, description="탈퇴 처리 중: the day the withdrawal is carried out")


class ConsentOut(BaseModel):
    purpose: Purpose
    version: str | None
    granted_at: datetime | None
    active: bool


class ConsentIn(BaseModel):
    version: str = Field(min_length=1, max_length=20, description="the version of the consent text shown")


class JobOut(BaseModel):
    id: int
    kind: str
    state: Literal["pending", "running", "done", "failed"]
    attempts: int
    result: dict[str, Any] | None
    error: str | None


class ImportOut(BaseModel):
    """One imported file; DELETE /api/people/{id}/imports/{import_id} takes it back."""

    id: int
    kind: str
    imported_at: datetime


class InviteIn(BaseModel):
    name: str = Field(min_length=1, max_length=50, description="the family member's name")
    phone: str = Field(min_length=9, max_length=20, description="the family member's phone number")


class InviteSentOut(BaseModel):
    message: str = Field(description="the same answer whether or not the name and phone are a customer's")


class FamilyLinkOut(BaseModel):
    """An invitation or link as this side sees it (privacy/family.py)."""

    id: int
    direction: Literal["sent", "received"]
    status: Literal["invited", "accepted", "declined", "ended"]
    other_name: str = Field(description="sent: the name typed (the member's once accepted); received: the inviter")
    other_phone_hint: str = Field(description="the other side's phone, only its last four digits shown")
    other_id: int | None = Field(description="the member once accepted (sent), the inviter (received)")
    shares: list[Share] = Field(description="what the member shares beyond spending and estimates")
    created_at: datetime
    ended_at: datetime | None


class SharesIn(BaseModel):
    shares: list[Share] = Field(
        default_factory=list, max_length=3, description="diagnoses (claims, visits, KCD), contact (birth date, phone)"
    )


class WithdrawalIn(BaseModel):
    name: str = Field(min_length=1, max_length=50)
    birth_date: date
    phone: str = Field(min_length=9, max_length=20)


class WithdrawalOut(BaseModel):
    due_on: date


class InstitutionIn(BaseModel):
    kind: str = Field(description="institution class, e.g. clinic, hospital, pharmacy (case format)")
    name: str | None = Field(default=None, max_length=100)


Day = date
Won = Annotated[int, Field(ge=0, le=10**12)]
ReceiptWon = Annotated[int, Field(ge=0, le=MAX_RECEIPT_WON, description="원; at most 10억원 (beyond any real receipt)")]


class VisitIn(BaseModel):
    """One visit in the case format's event shape (shared/case-format.md)."""

    kind: Literal["outpatient", "inpatient", "prescription"]
    date: Day
    discharge: Day | None = None
    cause: Literal["disease", "injury"]
    kcd: list[Annotated[str, Field(max_length=10)]] = Field(default_factory=list, max_length=10)
    institution: InstitutionIn
    covered_copay: ReceiptWon = 0
    covered_full: ReceiptWon = 0
    noncovered: ReceiptWon = 0
    room_difference: ReceiptWon = 0
    nhis_paid: ReceiptWon = 0


class VisitOut(BaseModel):
    id: int
    revision: int
    event: dict[str, Any]


AmountField = Literal["covered_copay", "covered_full", "noncovered", "room_difference", "nhis_paid", "nhis_refundable"]
assert set(AmountField.__args__) == set(AMOUNT_FIELDS)  # type: ignore[attr-defined]


class CorrectionIn(BaseModel):
    amounts: dict[AmountField, Won] = Field(min_length=1)
    reason: str = Field(min_length=1, max_length=500)
    expected_revision: int = Field(ge=1, le=2**31 - 1)


class StepOut(BaseModel):
    rule: str
    text: str


class PayoutOut(BaseModel):
    event: str
    contract: str
    insurer: str
    coverage: str | None
    amount: int
    trace: list[StepOut]
    needs: list[str] = Field(default_factory=list)


class FiguresOut(BaseModel):
    claim_date: date
    insurer_total: int = Field(description="what the claim's insurer owes for its visits (won)")
    total: int = Field(description="what all the person's contracts owe for these visits (won)")
    payouts: list[PayoutOut]


class TransitionOut(BaseModel):
    from_state: str
    to_state: str
    actor: str
    reason: str
    at: datetime


class AuditEntryOut(BaseModel):
    id: int
    at: datetime
    actor: str
    action: str
    detail: dict[str, Any]


class DocumentOut(BaseModel):
    id: int
    kind: str
    received_at: datetime


class ClaimDetailOut(BaseModel):
    claim: ClaimOut
    visits: list[VisitOut]
    figures: FiguresOut | None
    figures_error: str | None = None
    transitions: list[TransitionOut]
    next_states: list[State]
    documents: list[DocumentOut]


class QueueEntryOut(BaseModel):
    claim_id: int
    person_id: int
    insurer: str
    state: State
    visits: int
    deadline: date | None
    days_left: int | None
    due: date | None = None  # 지급기일 (접수일 + 3 영업일)
    overdue: bool = False  # past the 지급기일, not paid, no notice
    next_label: str | None = None  # the nearest timer of §3.7 (소멸시효, 지급기일, 지급예정일 …)
    next_day: date | None = None
    next_late: bool = False  # that day passed with nothing done
    documents_waiting: int = 0  # uploads read and waiting for a reviewer's look
