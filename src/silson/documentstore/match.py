"""Which visit of the claim a read document belongs to: provider, date and amount, suggested to the
reviewer (who attaches it or makes a new visit). Pure: no I/O.

A receipt shows one visit (외래: one date per receipt, §7.3); a stored visit carries the provider's
name and the amounts a receipt gives. Evidence adds up: the same date counts most (a day apart still
counts a little: the 진료기간 of an admission or a receipt issued after midnight), then the same
amounts (what the patient paid, amount by amount), then the provider's name. A suggestion needs the
date or both the amounts and the provider; otherwise there is none and the reviewer makes a new visit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

_AMOUNTS = ("covered_copay", "covered_full", "noncovered")


@dataclass(frozen=True, slots=True)
class Match:
    event_id: int
    score: int  # 0..100
    reasons: tuple[str, ...]  # Korean, for the reviewer


def _name(text: object) -> str:
    return "".join(str(text or "").split())


def _score(values: Mapping[str, Any], visit: Mapping[str, Any]) -> tuple[int, list[str], bool]:
    score, reasons, anchored = 0, [], False
    read_day, visit_day = values.get("visit.date"), visit.get("date")
    if read_day and visit_day:
        gap = abs((date.fromisoformat(read_day) - date.fromisoformat(visit_day)).days)
        if gap == 0:
            score, anchored = score + 50, True
            reasons.append("진료일 같음")
        elif gap == 1:
            score += 15
            reasons.append("진료일 하루 차이")
    same = [
        a for a in _AMOUNTS if values.get(f"amounts.{a}") is not None and values.get(f"amounts.{a}") == visit.get(a, 0)
    ]
    read_total = sum(v for a in _AMOUNTS if isinstance(v := values.get(f"amounts.{a}"), int))
    visit_total = sum(int(visit.get(a, 0) or 0) for a in _AMOUNTS)
    if read_total and read_total == visit_total:
        score += 25
        reasons.append("본인부담 합계 같음")
    elif same:
        score += 8 * len(same)
        reasons.append(f"금액 {len(same)}개 같음")
    name_read, name_visit = _name(values.get("provider.name")), _name((visit.get("institution") or {}).get("name"))
    if name_read and name_visit and (name_read == name_visit or name_read in name_visit or name_visit in name_read):
        score += 20
        reasons.append("요양기관 이름 같음")
        anchored = anchored or read_total == visit_total
    if values.get("visit.kind") and values.get("visit.kind") == visit.get("kind"):
        score += 5
    return min(score, 100), reasons, anchored


def suggest(values: Mapping[str, Any], visits: Sequence[tuple[int, Mapping[str, Any]]]) -> list[Match]:
    """The claim's visits that the reviewed values point at, best first (empty: make a new visit).

    >>> v = {"visit.date": "2025-05-12", "provider.name": "연세가정의원", "amounts.covered_copay": 9500,
    ...      "amounts.covered_full": 0, "amounts.noncovered": 60000, "visit.kind": "outpatient"}
    >>> near = {"date": "2025-05-12", "kind": "outpatient", "covered_copay": 9000, "noncovered": 60000,
    ...         "institution": {"kind": "clinic", "name": "연세가정의원"}}
    >>> other = {"date": "2025-03-02", "kind": "outpatient", "covered_copay": 3000,
    ...          "institution": {"kind": "clinic"}}
    >>> [(m.event_id, m.score) for m in suggest(v, [(7, other), (8, near)])]
    [(8, 91)]
    """
    found = []
    for event_id, visit in visits:
        try:
            score, reasons, anchored = _score(values, visit)
        except (TypeError, ValueError):  # a value that is not a date: nothing to say about this visit
            continue
        if anchored and score >= 50:
            found.append(Match(event_id, score, tuple(reasons)))
    return sorted(found, key=lambda m: (-m.score, m.event_id))
