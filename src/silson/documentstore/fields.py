"""The fields of a reading a reviewer sees and may correct, and how a reviewed reading becomes a claim
visit in the case format (shared/case-format.md; claims-and-documents.md §7.3). Pure: no I/O.

A reading is a `silson-receipt/1` document (claims-format.md §1). Its value of a field is replaced
by the newest correction of that field; its doubtful fields are those it lists in `needs_review`
(and the institution class when only the provider's name suggests it) that no person has confirmed
or corrected yet.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from silson.discover.providers import UNKNOWN, ProviderClass
from silson.domain.model import INSTITUTION_LABEL, InstitutionKind, ItemCategory
from silson.errors import Invalid

FieldType = Literal["amount", "date", "text", "brn", "visit_kind", "institution", "kcd"]


@dataclass(frozen=True, slots=True)
class FieldSpec:
    path: str
    label: str  # Korean, as the form prints it
    type: FieldType


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("visit.kind", "진료 구분", "visit_kind"),
    FieldSpec("visit.date", "진료일 (진료기간 시작)", "date"),
    FieldSpec("visit.discharge", "퇴원일", "date"),
    FieldSpec("provider.name", "요양기관 상호", "text"),
    FieldSpec("provider.business_number", "사업자등록번호", "brn"),
    FieldSpec("institution.kind", "요양기관 종류", "institution"),
    FieldSpec("visit.kcd", "질병분류기호 (KCD)", "kcd"),
    FieldSpec("amounts.covered_copay", "급여 본인부담금", "amount"),
    FieldSpec("amounts.nhis_paid", "공단부담금", "amount"),
    FieldSpec("amounts.covered_full", "전액본인부담", "amount"),
    FieldSpec("amounts.noncovered", "비급여 (상급병실 차액 제외)", "amount"),
    FieldSpec("amounts.room_difference", "상급병실료 차액", "amount"),
    FieldSpec("amounts.total", "진료비 총액", "amount"),
    FieldSpec("amounts.patient_total", "환자부담 총액", "amount"),
    FieldSpec("amounts.paid", "납부한 금액", "amount"),
)
BY_PATH = {f.path: f for f in FIELDS}
VISIT_KINDS = {"outpatient": "외래", "inpatient": "입원", "prescription": "약국 처방조제"}
#: classes a name says without doubt; a "병원" may be a 종합병원 or a 상급종합병원, whose deductibles differ
SURE_BY_NAME = {"pharmacy", "clinic", "dental_clinic", "korean_medicine_clinic", "public_health"}
#: the amounts that go into a visit (the case format's event fields of the same names)
VISIT_AMOUNTS = ("covered_copay", "covered_full", "noncovered", "room_difference", "nhis_paid")
MAX_WON = 1_000_000_000  # as claims.events.MAX_RECEIPT_WON: no receipt comes near 10억원
_ITEM_CATEGORIES = {c.value for c in ItemCategory} - {ItemCategory.OTHER.value}
_KCD = re.compile(r"^[A-Z]\d{2}(\.\d{1,2})?$")


def raw_value(receipt: Mapping[str, Any], path: str) -> Any:
    """The reading's value at a dotted path (None when absent).

    >>> raw_value({"amounts": {"paid": 5000}}, "amounts.paid"), raw_value({}, "visit.date")
    (5000, None)
    """
    node: Any = receipt
    for part in path.split("."):
        if not isinstance(node, Mapping):
            return None
        node = node.get(part)
    return node


def institution_guess(receipt: Mapping[str, Any], provider: ProviderClass) -> tuple[str | None, bool]:
    """The institution class and whether it is sure: the provider data is; a name only for the
    unambiguous classes; a pharmacy receipt is a pharmacy's."""
    if receipt.get("kind") == "pharmacy_receipt":
        return InstitutionKind.PHARMACY.value, True
    if provider.kind == UNKNOWN:
        return None, False
    return provider.kind, provider.basis == "provider data" or provider.kind in SURE_BY_NAME


def read_values(receipt: Mapping[str, Any], provider: ProviderClass) -> dict[str, Any]:
    """Every reviewable field as the document was read (kind of visit inferred from the form)."""
    values = {f.path: raw_value(receipt, f.path) for f in FIELDS if f.path != "institution.kind"}
    values["institution.kind"] = institution_guess(receipt, provider)[0]
    if receipt.get("kind") == "pharmacy_receipt":
        values["visit.kind"] = "prescription"
    return values


def doubtful(receipt: Mapping[str, Any], provider: ProviderClass) -> list[str]:
    """The reviewable fields the reading is unsure of, in form order."""
    listed = set(receipt.get("needs_review") or [])
    if receipt.get("kind") in ("hospital_receipt", "pharmacy_receipt", "itemised_bill"):
        sure = institution_guess(receipt, provider)[1]
        if not sure:
            listed.add("institution.kind")
        if receipt.get("kind") == "pharmacy_receipt":
            listed.discard("visit.kind")
    if "kind" in listed:  # an unknown document: a person says what its visit is
        listed |= {"visit.kind", "visit.date", "institution.kind"}
    return [f.path for f in FIELDS if f.path in listed]


def parse_value(path: str, text: str) -> Any:
    """A reviewer's entry for a field as its type: Invalid names the field.

    >>> parse_value("amounts.noncovered", "60,000"), parse_value("visit.date", "2025-05-12")
    (60000, '2025-05-12')
    >>> parse_value("visit.kcd", "m54.5, J06.9")
    ['M54.5', 'J06.9']
    >>> parse_value("amounts.paid", "-3")
    Traceback (most recent call last):
    ...
    silson.errors.Invalid: amounts.paid: 금액은 0 이상의 원 단위 숫자로 적어 주세요 ('-3')
    """
    spec = BY_PATH.get(path)
    if spec is None:
        raise Invalid(field="field", message=f"'{path}'은(는) 고칠 수 있는 항목이 아니에요.")
    clean = text.strip()
    if spec.type == "amount":
        digits = clean.replace(",", "").removesuffix("원").strip()
        if not digits.isascii() or not digits.isdigit() or len(digits) > 12:
            raise Invalid(field=path, message=f"금액은 0 이상의 원 단위 숫자로 적어 주세요 ({text!r})")
        if int(digits) > MAX_WON:
            raise Invalid(
                field=path, message=f"{int(digits):,}원은 영수증 한 장의 금액으로 너무 커요 (최대 {MAX_WON:,}원)."
            )
        return int(digits)
    if spec.type == "date":
        if not clean and path == "visit.discharge":
            return None
        try:
            day = date.fromisoformat(clean)
        except ValueError:
            raise Invalid(field=path, message=f"날짜는 2025-05-12처럼 적어 주세요 ({text!r})") from None
        if not date(1900, 1, 1) <= day <= date(2100, 12, 31):
            raise Invalid(field=path, message=f"{day}는 받을 수 있는 날짜가 아니에요.")
        return day.isoformat()
    if spec.type == "brn":
        digits = clean.replace("-", "")
        if not (digits.isascii() and digits.isdigit() and len(digits) == 10):
            raise Invalid(field=path, message=f"사업자등록번호는 숫자 10자리예요 ({text!r})")
        return digits
    if spec.type == "visit_kind":
        if clean not in VISIT_KINDS:
            raise Invalid(field=path, message="외래·입원·약국 처방조제 중 하나를 골라 주세요.")
        return clean
    if spec.type == "institution":
        if clean not in {k.value for k in InstitutionKind}:
            raise Invalid(field=path, message="요양기관 종류를 목록에서 골라 주세요.")
        return clean
    if spec.type == "kcd":
        codes = [c.strip().upper() for c in clean.split(",") if c.strip()]
        for code in codes:
            if not _KCD.match(code):
                raise Invalid(field=path, message=f"'{code}'은(는) 질병분류기호(예: J06.9)가 아니에요.")
        return codes
    if len(clean) > 100 or any(not ch.isprintable() for ch in clean):
        raise Invalid(field=path, message="100자 이내의 글자로 적어 주세요.")
    return clean or None


def shown(path: str, value: Any) -> str:
    """A value as a reviewer reads it (the form field's initial text).

    >>> shown("amounts.total", 92000), shown("visit.kcd", ["J06.9"]), shown("visit.discharge", None)
    ('92,000', 'J06.9', '')
    """
    if value is None:
        return ""
    spec = BY_PATH[path]
    if spec.type == "amount" and isinstance(value, int):
        return f"{value:,}"
    if spec.type == "kcd" and isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def label_of(path: str, value: Any) -> str:
    """A value for the customer or the audit page, in words."""
    spec = BY_PATH[path]
    if spec.type == "visit_kind" and isinstance(value, str):
        return VISIT_KINDS.get(value, value)
    if spec.type == "institution" and isinstance(value, str):
        try:
            return INSTITUTION_LABEL[InstitutionKind(value)]
        except ValueError:
            return value
    if spec.type == "amount" and isinstance(value, int):
        return f"{value:,}원"
    return shown(path, value) or "-"


class NotAVisit(Invalid):
    """The reviewed reading lacks what a visit needs (named field)."""


#: documents that show a visit's date, kind, institution and amounts; the others (세부산정내역서,
#: 처방전, 진단서) add to a visit only what they carry beyond a receipt: items and the diagnosis
RECEIPTS = {"hospital_receipt", "pharmacy_receipt"}
ADDS_TO_VISIT = ("kcd", "items")


def for_visit(kind: str | None, event: dict[str, Any]) -> dict[str, Any]:
    """What a document of this kind changes on a visit it is attached to.

    >>> for_visit("itemised_bill", {"kind": "outpatient", "date": "2025-05-12", "noncovered": 0,
    ...                             "items": [{"category": "mri", "amount": 300000}]})
    {'items': [{'category': 'mri', 'amount': 300000}]}
    """
    if kind in RECEIPTS:
        return event
    return {k: v for k, v in event.items() if k in ADDS_TO_VISIT}


def to_event(values: Mapping[str, Any], *, cause: str, items: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A reviewed receipt as a case-format event (without its id): claims-and-documents.md §7.3.

    covered_copay is ① − 상한액 초과금 and noncovered excludes 상급병실료 차액, as the reader gives them.
    A pharmacy receipt is a `prescription` visit at a `pharmacy`.

    >>> v = {"visit.kind": "outpatient", "visit.date": "2025-05-12", "institution.kind": "clinic",
    ...      "provider.name": "연세가정의원", "amounts.covered_copay": 9500, "amounts.noncovered": 60000}
    >>> e = to_event(v, cause="disease")
    >>> e["institution"], e["covered_copay"], e["noncovered"], "covered_full" in e
    ({'kind': 'clinic', 'name': '연세가정의원'}, 9500, 60000, False)
    """
    kind = values.get("visit.kind")
    if kind not in VISIT_KINDS:
        raise NotAVisit("visit.kind: 진료 구분(외래·입원·약국)을 먼저 정해 주세요.")
    if not values.get("visit.date"):
        raise NotAVisit("visit.date: 진료일을 먼저 적어 주세요.")
    institution = values.get("institution.kind")
    if not institution:
        raise NotAVisit("institution.kind: 요양기관 종류를 먼저 골라 주세요.")
    event: dict[str, Any] = {"kind": kind, "date": values["visit.date"], "cause": cause,
                             "institution": {"kind": institution}}  # fmt: skip
    if values.get("provider.name"):
        event["institution"]["name"] = values["provider.name"]
    if kind == "inpatient" and values.get("visit.discharge"):
        event["discharge"] = values["visit.discharge"]
    if values.get("visit.kcd"):
        event["kcd"] = list(values["visit.kcd"])
    for name in VISIT_AMOUNTS:  # an amount the document does not show is left as the visit has it
        amount = values.get(f"amounts.{name}")
        if isinstance(amount, int):
            event[name] = amount
    if items:
        event["items"] = items
    return event


def visit_items(receipt: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The 비급여 items of an itemised bill that a rule needs to see on its own (도수치료, 주사, MRI …),
    in the case format's item shape; covered lines and unclassified ones stay in the totals.

    >>> visit_items({"items": [{"category": "manual_therapy", "amount": 100000, "covered": False, "count": 1},
    ...                        {"category": None, "amount": 5000, "covered": True}]})
    [{'category': 'manual_therapy', 'amount': 100000, 'covered': False, 'count': 1}]
    """
    out = []
    for item in receipt.get("items") or []:
        category, amount = item.get("category"), item.get("amount")
        if category not in _ITEM_CATEGORIES or not isinstance(amount, int) or item.get("covered"):
            continue
        count = item.get("count") if isinstance(item.get("count"), int) and item.get("count", 0) >= 1 else 1
        out.append({"category": category, "amount": amount, "covered": False, "count": count})
    return out
