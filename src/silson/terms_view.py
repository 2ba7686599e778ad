"""Text views of the terms catalogue for `silson terms list` and `silson terms show ID`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from silson.rules.catalogue import Catalogue, RuleSet


def _value(value: Any) -> str:
    if isinstance(value, list) and value and all(isinstance(v, Mapping) and "codes" in v for v in value):
        rows = []
        for rule in value:
            part = "전액" if rule["part"] == "all" else "비급여"
            text = f"{rule['label']} {', '.join(rule['codes'])} → {part} 면책"
            if rule.get("except_codes"):
                text += f" (단, {', '.join(rule['except_codes'])}는 비급여만 면책)"
            rows.append(f"\n        · {text} [{str(rule['clause']).replace('{section}', '[보장종목]')}]")
        return "".join(rows)
    if isinstance(value, bool):
        return "예" if value else "아니오"
    if isinstance(value, int):
        return f"{value:,}"
    return json.dumps(value, ensure_ascii=False, default=str)


def _ref(ref: str | Mapping[str, str]) -> str:
    if isinstance(ref, Mapping):
        return "; ".join(f"{k}: {v}" for k, v in ref.items()).replace("{section}", "[보장종목]")
    return ref.replace("{section}", "[보장종목]")


def render_rule_set_list(catalogue: Catalogue) -> str:
    lines = [f"약관 카탈로그 (버전 {catalogue.version})", ""]
    lines.append("표준약관")
    for rid in catalogue.standard_ids():
        r = catalogue.rule_sets[rid]
        until = f"{r.contracts_until} 전일" if r.contracts_until else ""
        options = ", ".join(f"{k}({v})" for k, v in r.options.items()) or "-"
        lines.append(f"  {rid:<14} {r.generation}세대  계약일 {r.contracts_from} ~ {until}  선택: {options}")
        lines.append(f"  {'':<14} {r.title}")
    lines.append("")
    lines.append("상품")
    for pid in catalogue.product_ids():
        p = catalogue.rule_sets[pid]
        overrides = ", ".join(p.overrides) or "없음 (표준약관과 동일)"
        lines.append(f"  {pid:<14} {p.insurer or ''} {p.title}  기준 {p.base}  변경 항목: {overrides}")
    return "\n".join(lines)


def render_rule_set(catalogue: Catalogue, rules: RuleSet) -> str:
    until = f"{rules.contracts_until} 전일" if rules.contracts_until else ""
    lines = [
        f"{rules.id}: {rules.title}",
        f"  구분: {'상품' if rules.kind == 'product' else '표준약관'}"
        + (f" (기준 약관 {rules.base}, 보험사 {rules.insurer})" if rules.base else ""),
        f"  세대: {rules.generation}세대 · 산식: {rules.formulas} · 인용 표기: {rules.citation}",
        f"  적용 계약일: {rules.contracts_from} ~ {until}",
        f"  공제 유형: {', '.join(f'{k}({v})' for k, v in rules.options.items()) or '-'}",
        f"  카탈로그 버전: {catalogue.version}",
        *(f"  불확실한 계약일: {w.start} ~ {w.end} 전일 — {w.why}" for w in rules.uncertain),
        "  출처:",
        *(f"    - {s}" for s in rules.sources),
        "",
        "항목 (값 · 적용 기간 · 근거 조항)",
    ]
    for key in sorted(rules.parameters):
        p = rules.parameters[key]
        marker = " [상품 변경]" if key in rules.overrides else ""
        basis = " (계약일 기준)" if p.by == "contract_start" else ""
        lines.append(f"■ {key}: {p.label}{basis}{marker}")
        for v in p.values:
            end = v.end.isoformat() if v.end else "계속"
            lines.append(f"    {v.start} ~ {end}: {_value(v.value)}")
            lines.append(f"      근거: {_ref(v.ref)}")
    return "\n".join(lines)
