"""Structured e-documents (`silson-edocument/1`): what 실손24 relays, read exactly.

실손24 carries the four documents a provider must already issue (진료비 영수증, 세부내역서, 처방전,
약제비 영수증; domain notes §5.2) straight from the provider's EMR, so there is nothing to recognise:
the fields are taken as sent, with confidence 1.0, and the form's arithmetic is still checked (a
relay can carry an inconsistent receipt). The shape is documented in docs/documents.md.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from silson.documents import items as item_classes
from silson.documents.checks import verify
from silson.documents.errors import DocumentRefused
from silson.documents.forms import FieldRead, FormReading
from silson.documents.receipt import build

FORMAT = "silson-edocument/1"

Amount = int


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Provider(_Strict):
    name: str
    business_number: str = Field(pattern=r"^\d{10}$")
    institution_code: str | None = Field(default=None, pattern=r"^\d{8}$")


class Patient(_Strict):
    name: str


class Visit(_Strict):
    kind: Literal["outpatient", "inpatient", "prescription"]
    start: date
    end: date | None = None
    kcd: list[str] = []


class Payment(_Strict):
    card: Amount = Field(ge=0, default=0)
    cash_receipt: Amount = Field(ge=0, default=0)
    cash: Amount = Field(ge=0, default=0)


class Amounts(_Strict):
    covered_copay: Amount = Field(ge=0)  # 본인부담금 ① (before 상한액 초과금)
    nhis_paid: Amount = Field(ge=0)  # 공단부담금 ② (약국: 보험자부담금)
    covered_full: Amount = Field(ge=0, default=0)  # 전액본인부담 ③
    noncovered: Amount = Field(ge=0)  # 비급여 ④, 상급병실료 차액 included as on the form
    room_difference: Amount = Field(ge=0, default=0)  # 상급병실료 차액 (part of noncovered)
    cap_excess: Amount = Field(ge=0, default=0)  # 상한액 초과금 ⑤
    total: Amount = Field(ge=0)  # 진료비 총액 ⑥ (약국: 약제비총액)
    patient_total: Amount = Field(ge=0)  # 환자부담 총액 ⑧ (약국: 총수납금액)
    already_paid: Amount = Field(ge=0, default=0)  # 이미 납부한 금액 ⑨
    paid: Payment


class Item(_Strict):
    code: str | None = None
    name: str
    category: str | None = None
    amount: Amount = Field(ge=0)
    covered: bool
    count: int = Field(ge=1, default=1)


class EDocument(_Strict):
    format: Literal["silson-edocument/1"]
    document: Literal["hospital_receipt", "pharmacy_receipt", "itemised_bill", "prescription"]
    issued: date
    provider: Provider
    patient: Patient
    visit: Visit
    amounts: Amounts | None = None
    items: list[Item] = []
    meta: dict[str, Any] = {}


def _exact(value: object) -> FieldRead:
    return FieldRead(value if isinstance(value, int | str | date) else None, 1.0)


def read(data: bytes) -> dict[str, Any]:
    """A `silson-edocument/1` file as `silson-receipt/1`; refuses anything else with the field at fault."""
    try:
        raw = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DocumentRefused(f"not valid JSON ({exc})") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise DocumentRefused(f'JSON without "format": "{FORMAT}"')
    try:
        doc = EDocument.model_validate(raw, strict=False)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise DocumentRefused(f"e-document field {where}: {first['msg']}") from None
    layout = "pharmacy" if doc.document == "pharmacy_receipt" else "hospital-2024"
    reading = FormReading(kind=doc.document, layout=layout, visit_kind=doc.visit.kind, visit_kind_conf=1.0)
    f = reading.fields
    f["provider_name"] = _exact(doc.provider.name)
    f["business_number"] = _exact(doc.provider.business_number)
    f["patient_name"] = _exact(doc.patient.name)
    f["visit_date"] = _exact(doc.visit.start)
    f["discharge"] = _exact(doc.visit.end if doc.visit.kind == "inpatient" else None)
    if doc.amounts is not None:
        a = doc.amounts
        for name in ("covered_copay", "nhis_paid", "covered_full", "noncovered", "room_difference", "cap_excess",
                     "total", "patient_total", "already_paid"):  # fmt: skip
            f[name] = _exact(getattr(a, name))
        f["to_pay"] = _exact(a.patient_total - a.already_paid)
        f["card"], f["cash_receipt"], f["cash"] = _exact(a.paid.card), _exact(a.paid.cash_receipt), _exact(a.paid.cash)
        f["paid"] = _exact(a.paid.card + a.paid.cash_receipt + a.paid.cash)
    checks = verify(reading, exact_source=True)
    meta = {"reader": "silson-documents/1", "file_type": "edocument", "source": "edocument", "layout": layout}
    receipt = build(reading, checks, exact_source=True, meta={**meta, "relay": doc.meta})
    receipt["visit"]["kcd"] = doc.visit.kcd or None
    receipt["provider"]["institution_code"] = doc.provider.institution_code
    # a relayed line without a class gets one from its code and name, as a read bill's line does
    receipt["items"] = [
        {**item.model_dump(), "category": item.category or item_classes.classify(item.code, item.name)[0]}
        for item in doc.items
    ]
    return receipt
