"""Writes an adjudication as `silson-result/1` (shared/case-format.md) and as a table for people.

The JSON keeps the format's keys and adds `bases` (which rule set, catalogue version and dates
decided each contract) and, on an undecided pair, `needs`: what a person must supply.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from silson.domain.model import Case
from silson.rules.decision import Adjudication

RESULT_FORMAT = "silson-result/1"

COVERAGE_LABEL = {
    "injury_inpatient": "상해입원",
    "injury_outpatient": "상해통원",
    "disease_inpatient": "질병입원",
    "disease_outpatient": "질병통원",
}
KIND_LABEL = {"outpatient": "외래", "inpatient": "입원", "prescription": "처방조제"}


def to_json(result: Adjudication) -> dict[str, Any]:
    payouts = []
    for d in result.decisions:
        entry: dict[str, Any] = {
            "event": d.event,
            "contract": d.contract,
            "coverage": d.coverage,
            "amount": d.amount,
            "trace": [{"rule": s.rule, "text": s.text} for s in d.trace],
        }
        if d.needs:
            entry["needs"] = list(d.needs)
        payouts.append(entry)
    return {
        "format": RESULT_FORMAT,
        "case": result.case,
        "claim_date": result.claim_date,
        "payouts": payouts,
        "total": result.total,
        "bases": [
            {
                "contract": b.contract,
                "rule_set": b.rule_set,
                "standard_terms": b.standard_terms,
                "option": b.option,
                "contract_start": b.contract_start,
                "catalogue_version": b.catalogue_version,
                "mapping": b.mapping,
            }
            for b in result.bases
        ],
    }


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int, right: bool = False) -> str:
    gap = " " * max(0, width - _width(text))
    return gap + text if right else text + gap


def to_table(case: Case, result: Adjudication) -> str:
    """A readable report: one row per (event, contract) pair, then each pair's trace."""
    events = {e.id: e for e in case.events}
    insurers = {c.id: c.insurer for c in case.contracts}
    header = ["사고", "일자", "구분", "계약", "보장", "본인부담", "지급액"]
    rows = []
    for d in result.decisions:
        e = events[d.event]
        rows.append(
            [
                d.event,
                e.date.isoformat(),
                KIND_LABEL[e.kind.value],
                f"{d.contract} ({insurers[d.contract]})",
                COVERAGE_LABEL.get(d.coverage or "", d.coverage or "-"),
                f"{e.paid_total:,}",
                ("판단 불가" if d.needs else f"{d.amount:,}"),
            ]
        )
    rows.append(["합계", "", "", "", "", "", f"{result.total:,}"])
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    numeric = {5, 6}
    lines = [f"사건 {result.case} · 청구일 {result.claim_date}", ""]
    for r in [header, *rows]:
        lines.append("  ".join(pad(c, widths[i], i in numeric) for i, c in enumerate(r)).rstrip())
        if r is header:
            lines.append("  ".join("-" * w for w in widths))
    lines.append("")
    lines.append("산출 근거")
    for d in result.decisions:
        if not d.trace:
            continue
        lines.append(f"■ {d.event} × {d.contract}: {d.amount:,}원")
        for step in d.trace:
            lines.append(f"  - [{step.rule}] {step.text}")
        if d.needs:
            lines.append(f"  ! 판단 불가: 필요한 정보 {', '.join(d.needs)}")
    lines.append("")
    for b in result.bases:
        lines.append(
            f"계약 {b.contract}: 약관 {b.rule_set}"
            + (f" (기준 {b.standard_terms})" if b.standard_terms != b.rule_set else "")
            + f", 선택 {b.option or '-'}, 계약일 {b.contract_start}, 카탈로그 {b.catalogue_version}"
        )
    return "\n".join(lines)
