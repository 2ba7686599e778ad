"""The relay area's JSON shapes: a visit's route with its reason, a pick, a 실손24 result."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from silson.relay.route import VisitRoute


class RouteOut(BaseModel):
    subject: str = Field(description='"e<visit id>" or "spending:<id>" (a provider-year of the estimate)')
    institution: str
    days: str
    expected: int | None = Field(description="the engine's figure for it (원)")
    route: VisitRoute
    others: VisitRoute = Field(description="how the documents 실손24 does not carry come")
    reason: str
    source: str
    silson_route: VisitRoute = Field(description="silson's own choice")
    chosen_by: str | None = Field(description="who picked `route` when it is not silson's")
    possible: list[VisitRoute]
    refusals: dict[str, str] = Field(description="why a route is not possible")
    receipt_no: str | None = Field(description="the 접수번호 when it went through 실손24")


class RouteIn(BaseModel):
    subject: str = Field(max_length=100)
    route: VisitRoute


class RelayResultIn(BaseModel):
    subjects: list[str] = Field(max_length=200)
    channel: str = Field(max_length=20, description="app | web | naver | toss | call_center")
    submitted_on: date
    receipt_no: str = Field(max_length=60)
    idempotency_key: str = Field(min_length=1, max_length=100)


class RelayResultOut(BaseModel):
    id: int
    claim_id: int
    subjects: list[str]
    channel: str
    submitted_on: date
    receipt_no: str
    status: str
