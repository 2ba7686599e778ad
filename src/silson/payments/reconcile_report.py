"""Writes a reconciliation as `silson-reconciliation/1` (shared/claims-format.md §2) and as a table
for people.

The JSON keeps the contract's keys (`event`, `contract`, `expected`, `paid`, `difference`, `status`,
`reasons`; `underpaid_total`, `overpaid_total`) and adds: `statement_paid` (the statement's own figure
for the pair, before matching per unit), `moved_from` / `moved_to` (payments moved onto a unit's first
event), `likely_mistake` and `also_possible` (known mistakes whose figure is the paid amount),
`paid_dates`, `coverage`, `needs`, and the totals `expected_total`, `paid_total`.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from silson.cases.result import COVERAGE_LABEL, KIND_LABEL, pad
from silson.domain.model import Case
from silson.payments.reconcile import FoundMistake, Line, Reconciliation, Status

RECONCILIATION_FORMAT = "silson-reconciliation/1"

STATUS_LABEL = {Status.UNDERPAID: "과소 지급", Status.OVERPAID: "과다 지급", Status.MATCHED: "일치"}


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _mistake(found: FoundMistake) -> dict[str, Any]:
    return {"code": found.code, "text": found.text, "would_pay": found.would_pay}


def _line(line: Line) -> dict[str, Any]:
    out: dict[str, Any] = {
        "event": line.event,
        "contract": line.contract,
        "coverage": line.coverage,
        "expected": line.expected,
        "paid": line.paid,
        "difference": line.difference,
        "status": line.status.value,
        "statement_paid": line.statement_paid,
        "reasons": [{"rule": s.rule, "text": s.text} for s in line.reasons],
    }
    if line.moved_from:
        out["moved_from"] = [{"event": e, "amount": a} for e, a in line.moved_from]
    if line.moved_to is not None:
        out["moved_to"] = line.moved_to
    if line.paid_dates:
        out["paid_dates"] = [d.isoformat() for d in line.paid_dates]
    if line.needs:
        out["needs"] = list(line.needs)
    if line.likely_mistake is not None:
        out["likely_mistake"] = _mistake(line.likely_mistake)
    if line.also_possible:
        out["also_possible"] = [_mistake(m) for m in line.also_possible]
    return out


def to_json(result: Reconciliation) -> dict[str, Any]:
    return {
        "format": RECONCILIATION_FORMAT,
        "case": result.case,
        "claim_date": result.claim_date,
        "lines": [_line(line) for line in result.lines],
        "underpaid_total": result.underpaid_total,
        "overpaid_total": result.overpaid_total,
        "expected_total": result.expected_total,
        "paid_total": result.paid_total,
    }


def to_table(case: Case, result: Reconciliation) -> str:
    """One row per pair (정산 지급액, 실제 지급액, 차이, 판정), then why each unequal pair differs."""
    events = {e.id: e for e in case.events}
    insurers = {c.id: c.insurer for c in case.contracts}
    header = ["사고", "일자", "구분", "계약", "보장", "산정액", "지급액", "차이", "판정"]
    rows = []
    for line in result.lines:
        e = events[line.event]
        paid = f"{line.paid:,}" + ("*" if line.paid != line.statement_paid else "")
        rows.append(
            [
                line.event,
                e.date.isoformat(),
                KIND_LABEL[e.kind.value],
                f"{line.contract} ({insurers[line.contract]})",
                COVERAGE_LABEL.get(line.coverage or "", line.coverage or "-"),
                "판단 불가" if line.needs else f"{line.expected:,}",
                paid,
                f"{line.difference:,}",
                STATUS_LABEL[line.status],
            ]
        )
    rows.append(["합계", "", "", "", "", f"{result.expected_total:,}", f"{result.paid_total:,}", "", ""])
    widths = [max(width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    numeric = {5, 6, 7}
    out = [f"지급 대조 {result.case} · 청구일 {result.claim_date}", ""]
    for r in [header, *rows]:
        out.append("  ".join(pad(c, widths[i], i in numeric) for i, c in enumerate(r)).rstrip())
        if r is header:
            out.append("  ".join("-" * w for w in widths))
    out.append("")
    out.append(f"과소 지급 합계 {result.underpaid_total:,}원 · 과다 지급 합계 {result.overpaid_total:,}원")
    if any(line.paid != line.statement_paid for line in result.lines):
        out.append("* 한 단위로 보는 사고의 지급액을 단위의 첫 사고로 옮겨 대조한 금액")
    unequal = [line for line in result.lines if line.status is not Status.MATCHED or line.moved_from or line.moved_to]
    if unequal:
        out.append("")
        out.append("차이와 근거")
        for line in unequal:
            verdict = STATUS_LABEL[line.status] + (f" {abs(line.difference):,}원" if line.difference else "")
            out.append(f"■ {line.event} × {line.contract}: 산정 {line.expected:,}원, 지급 {line.paid:,}원 → {verdict}")
            if line.likely_mistake is not None:
                m = line.likely_mistake
                out.append(f"  ▶ 추정 원인: {m.text} ({m.code}, {m.would_pay:,}원)")
            for other in line.also_possible:
                out.append(f"  ▷ 다른 가능성: {other.text} ({other.code}, {other.would_pay:,}원)")
            for step in line.reasons:
                out.append(f"  - [{step.rule}] {step.text}")
    return "\n".join(out)
