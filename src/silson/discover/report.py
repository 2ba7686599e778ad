"""The discover report for people (a table per person) and for programs (`silson-discover/1`).

JSON layout (stable; documented in docs/discover.md): format, as_of, catalogue_version, persons[] with
name, resid (as the tax file gives it, usually masked), contracts[] (how each was mapped, and
whether that is certain), years[] (NHIS refund range per year), providers[] (one per provider-year,
soonest deadline first: paid, class, route, deadline range, status, estimates per contract
{low, typical, high, received}, total) and totals {low, typical, high}.
"""

from __future__ import annotations

from typing import Any

from silson.cases.result import pad
from silson.discover.estimate import Range
from silson.discover.service import DiscoverReport
from silson.domain.model import INSTITUTION_LABEL

DISCOVER_FORMAT = "silson-discover/1"
KIND_LABEL = {k.value: v for k, v in INSTITUTION_LABEL.items()} | {"unknown": "모름"}
STATUS_LABEL = {"open": "청구 가능", "partly lapsed": "일부 소멸시효", "lapsed": "소멸시효 지남"}
ROUTE_LABEL = {"실손24": "실손24 전자 발급", "agent": "현장 대리인 방문"}


def _range(r: Range) -> dict[str, int]:
    return {"low": r.low, "typical": r.typical, "high": r.high}


def to_json(report: DiscoverReport) -> dict[str, Any]:
    return {
        "format": DISCOVER_FORMAT,
        "as_of": report.as_of.isoformat(),
        "catalogue_version": report.catalogue_version,
        "persons": [
            {
                "name": p.name,
                "resid": p.resid,
                "contracts": [
                    {"key": c.key, "insurer": c.insurer, "policy_no": c.policy_no, "rule_set": c.rule_set,
                     "option": c.contract.option, "certain": c.certain, "reasons": list(c.reasons)}
                    for c in p.contracts
                ],
                "skipped_contracts": p.skipped_contracts,
                "years": [
                    {"year": n.year, "nhis_refund": {"low": n.low, "high": n.high},
                     "paid_from": n.paid_from.isoformat(), "note": n.note}
                    for n in p.refunds
                ],
                "providers": [
                    {
                        "year": y.year, "provider_id": y.provider_id, "name": y.provider_name, "class": y.kind,
                        "class_basis": y.kind_basis, "paid": y.spent, "route": y.route,
                        "deadline": {"from": y.deadline_from.isoformat(), "to": y.deadline_to.isoformat()},
                        "status": y.status,
                        "estimates": [
                            {"contract": k, **_range(v), "received": y.received.get(k, 0)}
                            for k, v in y.estimates.items()
                        ],
                        "total": _range(y.total),
                    }
                    for y in p.provider_years
                ],
                "totals": _range(p.total),
            }
            for p in report.persons
        ],
    }  # fmt: skip


def to_table(report: DiscoverReport) -> str:
    lines = [f"silson discover · 기준일 {report.as_of} · 약관 카탈로그 {report.catalogue_version}"]
    for p in report.persons:
        lines += ["", f"■ {p.name} ({p.resid})"]
        for c in p.contracts:
            flag = "" if c.certain else " (추정: 확인 필요)"
            lines.append(f"  계약 {c.key}: {c.rule_set} {c.contract.option or ''}{flag}")
        for s in p.skipped_contracts:
            lines.append(f"  제외 {s}")
        lines.append("")
        lines.append(
            f"  연도  {pad('의료기관', 14)}  {pad('구분', 16)}  {pad('지출', 10, True)}  "
            f"{pad('예상 지급액: 낮음 / 보통 / 높음', 36, True)}  {pad('이미 받음', 9, True)}  청구기한 · 서류"
        )
        for y in p.provider_years:
            received = sum(y.received.values())
            lines.append(
                f"  {y.year}  {pad(y.provider_name[:12], 14)}  {pad(KIND_LABEL.get(y.kind, y.kind), 16)}  "
                f"{y.spent:>10,}  "
                f"{y.total.low:>10,} / {y.total.typical:>10,} / {y.total.high:>10,}  {received:>9,}  "
                f"{y.deadline_from}~{y.deadline_to} {STATUS_LABEL[y.status]}  {ROUTE_LABEL[y.route]}"
            )
            for k, v in y.estimates.items():
                lines.append(f"        └ {k}: {v.low:,} / {v.typical:,} / {v.high:,}")
        for n in p.refunds:
            lines.append(f"  {n.year} 본인부담상한제 환급 예상 {n.low:,}~{n.high:,} ({n.paid_from}경 지급; {n.note})")
        t = p.total
        lines.append(f"  합계 예상 지급액: {t.low:,} / {t.typical:,} / {t.high:,}")
    return "\n".join(lines)
