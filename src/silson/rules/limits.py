"""Coverage amounts the terms cap, read from the terms data for callers outside the engine (a
contract list that gives a part's yearly amount but not its per-visit amount)."""

from __future__ import annotations

from datetime import date

from silson.rules.catalogue import CatalogueError, RuleSet
from silson.rules.schema import PartLimits


def visit_limits(rules: RuleSet, day: date) -> dict[str, int]:
    """Part → the most the terms allow per visit (통원 1회당 보험가입금액 상한), for the parts whose
    terms cap it (4세대·5세대 `coverage.limits_max`); empty where the terms have no such parameter.

    >>> from silson.rules.catalogue import load_catalogue
    >>> visit_limits(load_catalogue().get("std-2021-07"), date(2024, 1, 1))
    {'covered': 200000, 'noncovered': 200000}
    >>> visit_limits(load_catalogue().get("std-2015-09"), date(2024, 1, 1))
    {}
    """
    try:
        limits: dict[str, PartLimits] = rules.typed("coverage.limits_max", day, dict)
    except CatalogueError:
        return {}
    return {part: terms.outpatient_limit for part, terms in limits.items() if terms.outpatient_limit is not None}
