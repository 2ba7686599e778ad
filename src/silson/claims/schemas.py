"""The claim road's JSON shapes (API input and output), next to the endpoints that use them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from silson.web.schemas import ClaimOut

Id = Annotated[int, Field(ge=1, le=2**31 - 1)]


class StartIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    provider_years: list[Id] | None = Field(
        default=None, max_length=500, description="the estimate's provider-years to claim; omit for everything"
    )
    everything: bool = Field(default=False, description="everything still claimable (provider_years omitted)")
    reclaim_reason: str | None = Field(default=None, max_length=500, description="why a denied item is filed again")
    idempotency_key: str = Field(min_length=1, max_length=100)


class CandidateOut(BaseModel):
    provider_year: int
    year: int
    provider_name: str
    route: str
    insurer: str
    contract: str
    expected: int
    received: int
    status: str  # ok | flagged | refused
    code: str | None
    reason: str | None
    prior_claim: int | None


class StartedOut(BaseModel):
    claims: list[ClaimOut]
    refused: list[CandidateOut]
    flagged: list[CandidateOut]


class GuardianIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    guardian_id: Id


class DocumentNeedOut(BaseModel):
    id: int
    subject: str  # "claim" | "e<visit id>" | "spending:<provider-year id>"
    contract: str
    code: str
    name: str
    route: str  # silson24 | agent | upload | silson
    state: str  # needed | received | not_needed
    rules: list[dict[str, str]]  # the rule rows that ask for it, each with its source


class MarkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state: str = Field(pattern="^(needed|received|not_needed)$")
    reason: str = Field(default="", max_length=500)


class ReleaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    idempotency_key: str = Field(min_length=1, max_length=100)


class PackageOut(BaseModel):
    id: int
    claim_id: int
    insurer: str
    state: str  # queued | sent | decided | failed
    built_at: datetime
    sent_at: datetime | None
    receipt_no: str | None  # 접수번호
    received_on: date | None  # 접수일
    due_on: date | None  # 지급기일 (접수일 + 3 영업일)
    last_error: str | None
    latest_on: date | None = None  # the latest 지급예정일 without a listed reason (접수일 + 30 영업일)
    scheduled_on: date | None = None  # 지급예정일 the insurer notified (제9조②)
    delay_reason: str | None = None
    delay_code: int | None = None  # 제9조② 1–6, None: no listed reason
    prepaid_amount: int | None = None  # 가지급보험금 (제9조③)
    prepaid_on: date | None = None


class NotificationOut(BaseModel):
    id: int
    claim_id: int | None
    kind: str  # documents_needed | package_sent | more_documents | delay_notified | prepaid | paid | … (TOPICS)
    text: str
    action_label: str
    action_url: str
    at: datetime


class NotificationTopicOut(BaseModel):
    topic: str  # documents | progress | payment | late | deadline | closing
    label: str  # Korean, as the settings page shows it
    kinds: list[str]  # the message kinds it covers
    enabled: bool


class NotificationChoiceIn(BaseModel):
    """Topics to turn on or off; topics not named keep their setting."""

    model_config = ConfigDict(extra="forbid")
    enabled: dict[str, bool] = Field(max_length=20)
