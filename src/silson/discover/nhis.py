"""본인부담상한제: the NHIS refund of 급여 copays above the year's cap for the person's income band,
paid from about August of the following year (shared/domain/nhis-caps.md). The caps table is data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

import yaml

MANWON = 10_000
#: 분위 (1–10) → index of the seven 구간 of the caps table.
DECILE_TO_BAND = {1: 0, 2: 1, 3: 1, 4: 2, 5: 2, 6: 3, 7: 3, 8: 4, 9: 5, 10: 6}


@cache
def caps_table() -> dict[str, Any]:
    text = resources.files("silson.discover").joinpath("data/nhis_caps.yaml").read_text(encoding="utf-8")
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded


@dataclass(frozen=True, slots=True)
class RefundEstimate:
    year: int
    low: int
    high: int
    caps: tuple[int, int]  # the caps (won) the range was computed with
    paid_from: date  # when NHIS pays it (about August of the following year)
    note: str


def refund(
    *, year: int, copay: int | None, paid_total: int, decile: int | None, nursing_120: bool = False
) -> RefundEstimate:
    """Refund range for one person-year. `copay` is the year's 급여 본인부담 when known; otherwise the
    year's whole spending bounds it from above (the tax data does not split 급여 from 비급여)."""
    rows = caps_table()["years"]
    paid_from = date(year + 1, 8, 1)
    if year not in rows:
        return RefundEstimate(year, 0, 0, (0, 0), paid_from, f"{year}년 상한액 자료 없음")
    row = rows[year]["nursing_120" if nursing_120 else "general"]
    if decile is not None:
        low_cap = high_cap = row[DECILE_TO_BAND[decile]] * MANWON
        band = f"{decile}분위"
    else:
        low_cap, high_cap = row[0] * MANWON, row[-1] * MANWON
        band = "분위 모름 (1분위~10분위 범위)"
    basis = copay if copay is not None else paid_total
    high = max(0, basis - low_cap)
    low = max(0, basis - high_cap) if copay is not None else 0
    provisional = " (잠정 상한액)" if rows[year]["provisional"] else ""
    what = "급여 본인부담" if copay is not None else "급여·비급여 합계 (급여 본인부담 모름: 상한)"
    kind = "요양병원 120일 초과 상한" if nursing_120 else "상한"
    note = f"{what} {basis:,}, {band}, {kind} {low_cap:,}~{high_cap:,}{provisional}"
    return RefundEstimate(year, low, high, (low_cap, high_cap), paid_from, note)
