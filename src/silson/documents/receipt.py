"""Assembling `silson-receipt/1` (claims-format.md §1) from a form reading and its checks.

Field names and `kind` values are a contract with outside test suites: add, never rename. Every
output field gets a confidence; a field below REVIEW_BELOW, touched by a failed check, or missing
from a form that must carry it, is listed in `needs_review`. A field not on the document is null.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from silson.documents.checks import CheckResult
from silson.documents.forms import FieldRead, FormReading

FORMAT = "silson-receipt/1"
REVIEW_BELOW = 0.8

# Output path → the reading's field, for fields copied as read.
_DIRECT = {
    "provider.name": "provider_name",
    "provider.business_number": "business_number",
    "patient.name": "patient_name",
    "visit.date": "visit_date",
    "visit.discharge": "discharge",
    "amounts.nhis_paid": "nhis_paid",
    "amounts.covered_full": "covered_full",
    "amounts.room_difference": "room_difference",
    "amounts.total": "total",
    "amounts.patient_total": "patient_total",
    "amounts.paid": "paid",
    "payment.already_paid": "already_paid",
    "payment.to_pay": "to_pay",
    "payment.card": "card",
    "payment.cash_receipt": "cash_receipt",
    "payment.cash": "cash",
    "payment.cap_excess": "cap_excess",
    "payment.unpaid": "unpaid",
    "provider.institution_code": "institution_code",
    "visit.kcd": "kcd",
    "document.number": "number",
    "document.issued": "issued",
    "document.onset": "onset",
    "document.diagnosis": "diagnosis",
}
UNCHECKED_OCR_CAP = 0.75
# Amounts that the form's formulas hold; an OCR'd one that no formula confirmed goes to a person.
_CHECKED = ("amounts.covered_copay", "amounts.nhis_paid", "amounts.covered_full", "amounts.noncovered",
            "amounts.total", "amounts.patient_total", "amounts.paid")  # fmt: skip
_REQUIRED = (
    "provider.business_number",
    "visit.date",
    "amounts.covered_copay",
    "amounts.nhis_paid",
    "amounts.covered_full",
    "amounts.noncovered",
    "amounts.total",
    "amounts.patient_total",
    "amounts.paid",
)
# What each other kind must give (a prescription may lack its code when the patient asked: §7.6; a
# person then knows the claim needs it from elsewhere).
REQUIRED: dict[str, tuple[str, ...]] = {
    "hospital_receipt": _REQUIRED,
    "pharmacy_receipt": _REQUIRED,
    "itemised_bill": ("provider.institution_code", "visit.date", "amounts.covered_copay", "amounts.nhis_paid",
                      "amounts.covered_full", "amounts.noncovered", "amounts.total"),
    "prescription": ("visit.date", "visit.kcd", "document.number"),
    "certificate": ("visit.date", "visit.kcd"),
    "unknown": (),
}  # fmt: skip


def _derived(parts: list[tuple[int, FieldRead | None]]) -> FieldRead:
    """Σ sign × part, with the weakest part's confidence; None when a part is missing."""
    total = 0
    conf = 1.0
    for sign, part in parts:
        if part is None or not isinstance(part.value, int):
            return FieldRead(None, 0.0)
        total += sign * part.value
        conf = min(conf, part.conf)
    return FieldRead(total, conf)


def output_fields(reading: FormReading) -> dict[str, FieldRead]:
    """Every output path with its read value, before confidence is adjusted by the checks."""
    f = reading.fields
    out = {path: f.get(name, FieldRead(None, 0.0)) for path, name in _DIRECT.items()}
    room = f.get("room_difference")
    cap = f.get("cap_excess") or FieldRead(0, 1.0)
    if reading.layout in ("pharmacy", "itemised", "prescription", "certificate"):
        out["amounts.covered_copay"] = f.get("covered_copay", FieldRead(None, 0.0))
        out["amounts.noncovered"] = f.get("noncovered", FieldRead(None, 0.0))
    else:
        # covered_copay = ① − 상한액 초과금 (§7.3: the patient never paid the part 공단 settled in advance)
        out["amounts.covered_copay"] = _derived([(1, f.get("covered_copay")), (-1, cap)])
        noncovered = (
            [(1, f.get("noncovered_choice")), (1, f.get("noncovered_other"))]
            if reading.layout == "hospital-older"
            else [(1, f.get("noncovered"))]
        )
        # noncovered excludes 상급병실료 차액 (claims-format §1); unknown room difference → unknown noncovered
        out["amounts.noncovered"] = _derived([*noncovered, (-1, room)])
    return out


def _adjust(
    fields: dict[str, FieldRead], checks: list[CheckResult], reading: FormReading, *, exact_source: bool
) -> tuple[dict[str, float], list[str]]:
    """Confidence per output path, and the paths that need a person."""
    reverse: dict[str, list[str]] = {}
    for path, name in _DIRECT.items():
        reverse.setdefault(name, []).append(path)
    for name in ("covered_copay", "cap_excess"):
        reverse.setdefault(name, []).append("amounts.covered_copay")
    for name in ("noncovered", "noncovered_choice", "noncovered_other", "room_difference"):
        reverse.setdefault(name, []).append("amounts.noncovered")
    passed: dict[str, int] = {}
    failed: set[str] = set()
    for check in checks:
        for name in check.fields:
            for path in reverse.get(name, []):
                if check.ok:
                    passed[path] = passed.get(path, 0) + 1
                else:
                    failed.add(path)
    confidence: dict[str, float] = {}
    review: list[str] = []
    # the pharmacy form has no 전액본인부담 column: its 0 is not read, so no formula needs to vouch for it
    checked = [p for p in _CHECKED if not (reading.layout == "pharmacy" and p == "amounts.covered_full")]
    for path, read in fields.items():
        conf = read.conf if read.value is not None else 0.0
        if read.value is not None and path in passed and path not in failed:
            # the form's own arithmetic vouches for it, more so with each independent formula
            conf = 1.0 if exact_source else 1 - (1 - conf) * 0.25 ** passed[path]
        if path in failed:
            conf = min(conf, 0.5)
        elif not exact_source and path in checked and read.value is not None and not passed.get(path):
            # OCR'd and vouched for by no formula (its partners unread): two reads can share one mistake
            conf = min(conf, UNCHECKED_OCR_CAP)
        confidence[path] = round(conf, 3)
        needed = path in REQUIRED[reading.kind] or read.value is not None
        if needed and (conf < REVIEW_BELOW or path in failed):
            review.append(path)
    if reading.kind == "hospital_receipt" and (reading.visit_kind is None or reading.visit_kind_conf < REVIEW_BELOW):
        review.append("visit.kind")
    if reading.visit_kind is not None:
        confidence["visit.kind"] = round(reading.visit_kind_conf, 3)
    return confidence, review


def _items(
    reading: FormReading, checks: list[CheckResult], *, exact_source: bool
) -> tuple[list[dict[str, Any]], list[str]]:
    """An itemised bill's lines (the 상급병실료 차액 is `room_difference`, not an item), and the doubtful ones.

    A line is doubtful when a formula touching its cells failed, an amount is missing, or (OCR) its
    class came from a name read with low confidence.
    """
    failed = {name for c in checks if not c.ok for name in c.fields}
    out: list[dict[str, Any]] = []
    review: list[str] = []
    for index, line in enumerate(reading.items):
        if line.get("room"):
            continue
        path = f"items.{len(out)}"
        touched = any(name.startswith(f"line{index}.") for name in failed)
        if touched or line.get("amount") is None:
            review.append(f"{path}.amount")
        if not exact_source and not line.get("covered") and line.get("name_conf", 1.0) < REVIEW_BELOW:
            review.append(f"{path}.category")  # a 비급여 line's class rests on a name OCR was unsure of
        if not exact_source and line.get("count_derived"):
            review.append(f"{path}.count")  # the 횟수·일수 read disagree with 총액 ÷ 단가
        if not exact_source and line.get("code") is not None and line.get("code_conf", 1.0) < REVIEW_BELOW:
            review.append(f"{path}.code")
        out.append({key: line.get(key) for key in ("code", "name", "category", "amount", "covered", "count")})
    if reading.document.get("lines_dropped"):
        review.append("items")
    return out, review


def _item_confidence(reading: FormReading, checks: list[CheckResult], *, exact_source: bool) -> dict[str, float]:
    """Each line's amount and class confidence: 1.0 from a text layer; on OCR the weakest digit read,
    made sure by its row and column formulas holding, capped at 0.5 when one touching it failed."""
    failed = {name for c in checks if not c.ok for name in c.fields}
    found: dict[str, float] = {}
    kept = [(i, line) for i, line in enumerate(reading.items) if not line.get("room")]
    for place, (index, line) in enumerate(kept):
        if exact_source:
            amount, category = 1.0, 1.0
        else:
            amount = 1 - (1 - float(line.get("conf", 0.0))) * 0.0625  # its row and its column formulas
            category = float(line.get("name_conf", 0.0)) if not line.get("covered") else 1.0
        if any(name.startswith(f"line{index}.") for name in failed) or line.get("amount") is None:
            amount = min(amount, 0.5)
        found[f"items.{place}.amount"] = round(amount, 3)
        found[f"items.{place}.category"] = round(category, 3)
        if line.get("code") is not None:
            found[f"items.{place}.code"] = 1.0 if exact_source else round(float(line.get("code_conf", 0.0)), 3)
    return found


def _json(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


def build(
    reading: FormReading, checks: list[CheckResult], *, exact_source: bool, meta: dict[str, Any]
) -> dict[str, Any]:
    """The `silson-receipt/1` document."""
    fields = output_fields(reading)
    confidence, review = _adjust(fields, checks, reading, exact_source=exact_source)

    def get(path: str) -> object:
        return _json(fields[path].value)

    amounts = {
        name: get(f"amounts.{name}")
        for name in (
            "covered_copay",
            "nhis_paid",
            "covered_full",
            "noncovered",
            "room_difference",
            "total",
            "patient_total",
            "paid",
        )
    }
    if reading.kind == "unknown":
        review = ["kind"]
    items, item_review = _items(reading, checks, exact_source=exact_source)
    review += item_review
    if reading.kind == "itemised_bill":
        room = fields["amounts.room_difference"]
        amounts["noncovered"] = _derived([(1, reading.fields.get("noncovered")), (-1, room)]).value
    kcd = fields["visit.kcd"].value
    internal = ("drugs_conf", "lines_dropped")  # the reader's notes to itself, not document fields
    if reading.kind == "certificate":
        sure = reading.document.get("type") != "unknown"
        confidence["document.type"] = 1.0 if exact_source and sure else 0.95 if sure else 0.0
        if not sure:
            review.append("document.type")  # the title could not be read: which certificate is it?
    if reading.document.get("drugs"):
        confidence["document.drugs"] = 1.0 if exact_source else round(float(reading.document["drugs_conf"]), 3)
        if confidence["document.drugs"] < REVIEW_BELOW:
            review.append("document.drugs")
    document = {
        **{k: v for k, v in reading.document.items() if k not in internal},
        **{k.split(".", 1)[1]: get(k) for k in fields if k.startswith("document.") and fields[k].value is not None},
    }
    return {
        "format": FORMAT,
        "kind": reading.kind,
        "provider": {
            "name": get("provider.name"),
            "business_number": get("provider.business_number"),
            "institution_code": get("provider.institution_code"),  # on the 세부산정내역 and 처방전, not receipts (§7.3)
        },
        "patient": {"name": get("patient.name")},
        "visit": {
            "kind": reading.visit_kind,
            "date": get("visit.date"),
            "discharge": get("visit.discharge"),
            "kcd": kcd.split(",") if isinstance(kcd, str) else None,  # not on receipts (§7.3): 처방전, 진단서, 확인서
        },
        "amounts": amounts,
        "payment": {
            name: get(f"payment.{name}")
            for name in ("already_paid", "to_pay", "card", "cash_receipt", "cash", "cap_excess", "unpaid")
        },
        "items": items,
        **({"document": document} if document else {}),
        "confidence": {
            **{k: v for k, v in sorted(confidence.items()) if k not in fields or fields[k].value is not None},
            **_item_confidence(reading, checks, exact_source=exact_source),
        },
        "checks": [
            {"rule": c.rule, "ok": c.ok, "fields": list(c.fields), **({"detail": c.detail} if c.detail else {})}
            for c in checks
        ],
        "needs_review": sorted(set(review)),
        "meta": meta,
    }


_LABELS = {
    "covered_copay": "급여 본인부담금",
    "nhis_paid": "공단부담금",
    "covered_full": "전액본인부담",
    "noncovered": "비급여",
    "room_difference": "상급병실료 차액",
    "total": "진료비 총액",
    "patient_total": "환자부담 총액",
    "paid": "납부한 금액",
}
_DOCUMENT_LABELS = {"type": "종류", "number": "교부번호", "diagnosis": "진단명", "onset": "발병일", "issued": "발행일"}
_KINDS = {
    "hospital_receipt": "진료비 계산서ㆍ영수증",
    "pharmacy_receipt": "약제비 계산서ㆍ영수증",
    "itemised_bill": "진료비 세부산정내역",
    "prescription": "처방전",
    "certificate": "진단서ㆍ확인서",
    "unknown": "알 수 없는 문서",
}


def to_text(receipt: dict[str, Any]) -> str:
    """A readable Korean summary of a receipt, for the terminal."""
    lines = [f"{_KINDS[receipt['kind']]} ({receipt['kind']})"]
    provider, visit = receipt["provider"], receipt["visit"]
    number = provider["business_number"] or "-"
    code = f", 요양기관기호 {provider['institution_code']}" if provider.get("institution_code") else ""
    lines.append(f"  요양기관: {provider['name'] or '-'} (사업자등록번호 {number}{code})")
    lines.append(f"  진료일: {visit['date'] or '-'}  구분: {visit['kind'] or '-'}")
    if visit.get("kcd"):
        lines.append(f"  질병분류기호: {', '.join(visit['kcd'])}")
    for key, label in _DOCUMENT_LABELS.items():
        if receipt.get("document", {}).get(key) is not None:
            lines.append(f"  {label}: {receipt['document'][key]}")
    for key, label in _LABELS.items():
        value = receipt["amounts"][key]
        if value is None and receipt["kind"] in ("prescription", "certificate"):
            continue
        conf = receipt["confidence"].get(f"amounts.{key}")
        shown = "-" if value is None else f"{value:,}원"
        lines.append(f"  {label:<10} {shown:>12}" + (f"  (확신도 {conf:.2f})" if conf is not None else ""))
    for item in receipt["items"]:
        covered = "급여" if item["covered"] else "비급여"
        amount = "-" if item["amount"] is None else f"{item['amount']:,}원"
        lines.append(
            f"  · {item['code'] or '-'} {item['name']} ({covered}, {item['category']}) {amount} × {item['count']}"
        )
    for check in receipt["checks"]:
        detail = f": {check['detail']}" if "detail" in check else ""
        lines.append(f"  {'✓' if check['ok'] else '✗'} {check['rule']}{detail}")
    if receipt["needs_review"]:
        lines.append("  사람 확인 필요: " + ", ".join(receipt["needs_review"]))
    return "\n".join(lines)


_GRID = (
    ("covered_copay", "본인부담금"),
    ("nhis_paid", "공단부담금"),
    ("covered_full", "전액본인부담"),
    ("noncovered", "비급여"),
)


def attach_bill(
    receipt: dict[str, Any],
    reading: FormReading,
    bill: FormReading,
    bill_checks: list[CheckResult],
    *,
    exact_source: bool,
) -> None:
    """Put an itemised bill read from the same file onto its receipt: the lines as `items`, the exact
    상급병실료 차액 (the receipt only has a proxy, §7.3), the 요양기관기호, and the check that the bill's 합계
    row equals the receipt's ①–④ (§7.5: reconcile line sums with the receipt's columns)."""
    f, b = reading.fields, bill.fields

    def receipt_value(name: str) -> object:
        if name == "noncovered" and reading.layout == "hospital-older":
            parts = [f.get("noncovered_choice"), f.get("noncovered_other")]
            values = [p.value for p in parts if p is not None]
            return sum(v for v in values if isinstance(v, int)) if len(values) == 2 else None
        read = f.get(name)
        return read.value if read is not None else None

    differ = [label for name, label in _GRID if receipt_value(name) != (b.get(name) or FieldRead(None, 0.0)).value]
    agree = not differ
    rule = "세부산정내역 합계 = 영수증 합계 (본인부담금, 공단부담금, 전액본인부담, 비급여)"
    checks = [
        *bill_checks,
        CheckResult(rule, agree, tuple(n for n, _ in _GRID), "" if agree else "differ: " + ", ".join(differ)),
    ]
    items, review = _items(bill, bill_checks, exact_source=exact_source)
    review += [f"amounts.{n}" for n, label in _GRID if label in differ]
    review += [f"items.{i}.amount" for i in range(len(items)) if not agree]
    room = b.get("room_difference")
    if agree and room is not None and isinstance(room.value, int) and isinstance(receipt_value("noncovered"), int):
        noncovered = receipt_value("noncovered")
        assert isinstance(noncovered, int)
        receipt["amounts"]["room_difference"] = room.value
        receipt["amounts"]["noncovered"] = noncovered - room.value
        for path in ("amounts.room_difference", "amounts.noncovered"):
            receipt["confidence"][path] = round(
                min(receipt["confidence"].get(path, 1.0), room.conf) if not exact_source else 1.0, 3
            )
            if receipt["confidence"][path] >= REVIEW_BELOW and path in receipt["needs_review"]:
                receipt["needs_review"].remove(path)
    code = b.get("institution_code")
    if receipt["provider"]["institution_code"] is None and code is not None and code.value is not None:
        receipt["provider"]["institution_code"] = code.value
    receipt["items"] = items
    receipt["confidence"].update(_item_confidence(bill, bill_checks, exact_source=exact_source))
    receipt["checks"] += [
        {"rule": c.rule, "ok": c.ok, "fields": list(c.fields), **({"detail": c.detail} if c.detail else {})}
        for c in checks
    ]
    receipt["needs_review"] = sorted(set(receipt["needs_review"]) | set(review))
