"""The document route of each provider-year of discover's estimate (issue 18), decided by the same
`relay.route.choose` as a claim's visits, so the estimate page, `silson discover` and the claim's
route page give one route and one reason. A provider-year is a subject from 1 January of its year to
the last day of care it can hold (the year's end, or `as_of` if sooner); its payout is the
estimate's typical figure (after the NHIS refund and what was already received); its documents are
those of the rule table's provider-year rules (claims/data/documents.yaml, the industry default:
the insurer is not chosen yet)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Protocol

import yaml

from silson.relay import route

#: discover's values for a route (its JSON and CLI kept "실손24" and "agent"; "upload" is new)
DISCOVER_VALUE = {route.VisitRoute.SILSON24: "실손24", route.VisitRoute.AGENT: "agent",
                  route.VisitRoute.UPLOAD: "upload"}  # fmt: skip


class Typical(Protocol):
    @property
    def typical(self) -> int: ...


class ProviderYearLike(Protocol):
    """What a provider-year of the estimate offers (discover.service.ProviderYear)."""

    @property
    def year(self) -> int: ...
    @property
    def provider_id(self) -> str: ...
    @property
    def provider_name(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def total(self) -> Typical: ...
    @property
    def status(self) -> str: ...  # "open" | "partly lapsed" | "lapsed"


@dataclass(frozen=True, slots=True)
class EstimateRoute:
    value: str  # discover's value: "실손24" | "agent" | "upload"
    reason: str  # Korean, for the customer (route.choose's reason)
    source: str


@cache
def provider_year_codes() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(documents 실손24 carries, documents it does not) of the default provider-year rules.

    >>> provider_year_codes()
    (('RECEIPT', 'ITEMIZED'), ())
    """
    text = resources.files("silson.claims").joinpath("data/documents.yaml").read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    codes = [c for rule in raw["rules"] if rule["scope"] == "provider_year" and rule["insurer"] == "*"
             for c in rule["requires"] if raw["documents"][c]["from"] == "provider"]  # fmt: skip
    codes = list(dict.fromkeys(codes))
    return (tuple(c for c in codes if raw["documents"][c].get("silson24")),
            tuple(c for c in codes if not raw["documents"][c].get("silson24")))  # fmt: skip


def subject_of(item: ProviderYearLike, *, as_of: date, ref: str = "") -> route.Subject:
    relay_codes, other_codes = provider_year_codes()
    last = min(date(item.year, 12, 31), as_of)
    return route.Subject(ref or f"{item.provider_id}:{item.year}", date(item.year, 1, 1), last, item.provider_id,
                         item.provider_name, item.kind, item.total.typical, relay_codes, other_codes)  # fmt: skip


def routes(
    items: Sequence[ProviderYearLike], *, as_of: date, participation: route.Participation | None = None,
    costs: route.Costs | None = None,
) -> list[EstimateRoute]:  # fmt: skip
    """One route per provider-year, in the order given. Provider-years of one institution outside
    실손24 with something to claim share an agent's trip (as a claim's visits do)."""
    participation = participation or route.load_participation()
    costs = costs or route.load_costs(on=as_of)
    subjects = [subject_of(p, as_of=as_of, ref=str(i)) for i, p in enumerate(items)]
    # a lapsed year can no longer be claimed: no trip is made for it, so it adds nothing to another's
    along = {s.ref: s for s in route.with_along([s for s, p in zip(subjects, items, strict=True)
                                                 if p.status != "lapsed"], participation, costs)}  # fmt: skip
    out = []
    for subject in (along.get(s.ref, s) for s in subjects):
        choice = route.choose(subject, participation=participation, costs=costs)
        out.append(EstimateRoute(DISCOVER_VALUE[choice.route], choice.reason, choice.source))
    return out
