"""The discover report for people (a table per person) and for programs (`silson-discover/1`).

JSON layout (stable; documented in docs/discover.md): format, as_of, catalogue_version, persons[] with
name, resid (as the tax file gives it, usually masked), contracts[] (how each was mapped, and
whether that is certain), years[] (NHIS refund range per year), providers[] (one per provider-year,
soonest deadline first: paid, class, route, deadline range, status, estimates per contract
{low, likely_low, typical, likely_high, high, received}, total, visits, assumptions), totals and
would_narrow (what the person could give to narrow the range).
"""

from __future__ import annotations

from typing import Any

from silson.cases.result import pad
from silson.discover.estimate import Range
from silson.discover.service import DiscoverReport, PersonReport
from silson.domain.model import INSTITUTION_LABEL

DISCOVER_FORMAT = "silson-discover/1"
KIND_LABEL = {k.value: v for k, v in INSTITUTION_LABEL.items()} | {"unknown": "모름"}
STATUS_LABEL = {"open": "청구 가능", "partly lapsed": "일부 소멸시효", "lapsed": "소멸시효 지남"}
ROUTE_LABEL = {"실손24": "실손24 전자 발급", "agent": "현장 대리인 방문", "upload": "직접 올리기"}


def _range(r: Range) -> dict[str, int]:
    return {"low": r.low, "likely_low": r.likely_low, "typical": r.typical, "likely_high": r.likely_high,
            "high": r.high}  # fmt: skip


def narrowing(p: PersonReport, decile_known: bool) -> list[str]:
    """What the person could give to narrow the range, most useful first."""
    out = []
    counted = [y for y in p.provider_years if y.visits is None and y.total.likely_high > y.total.likely_low]
    if counted:
        widest = max(counted, key=lambda y: y.total.likely_high - y.total.likely_low)
        out.append(f"방문 횟수: 예) {widest.year}년 {widest.provider_name} 방문 횟수 "
                   f"(--visits {widest.provider_id}:{widest.year}=N)")  # fmt: skip
    out.append("영수증·진료비 세부내역서: 급여·비급여가 나뉘어 있어 추정 대신 정확히 계산")
    if not decile_known:
        out.append("건강보험료 소득 분위 (--band): 본인부담상한제 환급 범위가 좁아짐")
    return out


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
                        "class_basis": y.kind_basis, "paid": y.spent, "route": y.route, "route_reason": y.route_reason,
                        "deadline": {"from": y.deadline_from.isoformat(), "to": y.deadline_to.isoformat()},
                        "status": y.status,
                        "estimates": [
                            {"contract": k, **_range(v), "received": y.received.get(k, 0)}
                            for k, v in y.estimates.items()
                        ],
                        "total": _range(y.total),
                        "visits": y.visits,
                        "assumptions": y.basis,
                    }
                    for y in p.provider_years
                ],
                "totals": _range(p.total),
                "would_narrow": narrowing(p, report.decile is not None),
            }
            for p in report.persons
        ],
    }  # fmt: skip


def _likely(r: Range) -> str:
    return f"{r.typical:,} ({r.likely_low:,}~{r.likely_high:,})"


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
            f"{pad('예상 지급액 (가능성 높은 범위)', 36, True)}  {pad('이미 받음', 9, True)}  청구기한 · 서류"
        )
        for y in p.provider_years:
            received = sum(y.received.values())
            lines.append(
                f"  {y.year}  {pad(y.provider_name[:12], 14)}  {pad(KIND_LABEL.get(y.kind, y.kind), 16)}  "
                f"{y.spent:>10,}  "
                f"{_likely(y.total):>36}  {received:>9,}  "
                f"{y.deadline_from}~{y.deadline_to} {STATUS_LABEL[y.status]}  {ROUTE_LABEL[y.route]}"
            )
            for k, v in y.estimates.items():
                lines.append(f"        └ {k}: {_likely(v)} · 최소·최대 {v.low:,}~{v.high:,}")
            visits = f"방문 {y.visits}회 (입력)" if y.visits else "방문 횟수 추정"
            lines.append(f"        가정: {visits}; {y.basis}")
        for n in p.refunds:
            lines.append(f"  {n.year} 본인부담상한제 환급 예상 {n.low:,}~{n.high:,} ({n.paid_from}경 지급; {n.note})")
        t = p.total
        lines.append(f"  합계 예상 지급액: {_likely(t)} · 최소·최대 {t.low:,}~{t.high:,}")
        lines.append("  범위를 좁히려면: " + "; ".join(narrowing(p, report.decile is not None)))
    return "\n".join(lines)
