"""제증명수수료 caps as dated data, and the check an agent's recorded fee must pass.

The caps are 보건복지부's (의료법 제45조의3; claims-and-documents.md §6.4), kept in
`agents/data/fee_caps.yaml` keyed by the day each value starts applying, each with its reference.
The one loader of that table: the agents' fee check and the relay's worth-the-trip test both read it.
Pure: the day of issue comes in as an argument."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

import yaml

from silson.errors import DataError, Invalid


class FeeTableError(DataError):
    pass


class FeeAboveCap(Invalid):
    """A fee above the 보건복지부 cap for its item on the day of issue: refused, nothing recorded."""

    code = "fee_above_cap"


@dataclass(frozen=True, slots=True)
class Tier:
    upto: int | None  # last page this per-page price applies to (None: every page after)
    cap: int  # won per page


@dataclass(frozen=True, slots=True)
class Value:
    start: date
    tiers: tuple[Tier, ...]  # a per-copy cap is one open tier
    reference: str
    confirmed: bool


@dataclass(frozen=True, slots=True)
class Item:
    id: str
    name: str
    per_page: bool
    values: tuple[Value, ...]  # sorted by start

    def value_on(self, day: date) -> Value:
        applying = [v for v in self.values if v.start <= day]
        if not applying:
            raise Invalid(f"{self.name}: no 보건복지부 cap known for {day.isoformat()}", field="issued_on")
        return applying[-1]


@dataclass(frozen=True, slots=True)
class Cap:
    item: str
    name: str
    amount: int  # won: the most the provider may charge for this issue
    reference: str
    confirmed: bool


@dataclass(frozen=True, slots=True)
class FeeTable:
    source: str
    items: dict[str, Item]
    defaults: dict[str, str]  # checklist document code → fee item

    def item(self, item_id: str) -> Item:
        try:
            return self.items[item_id]
        except KeyError:
            raise Invalid(f"unknown certificate item {item_id!r}", field="fee_item") from None

    def default_for(self, code: str) -> str:
        return self.defaults.get(code, "certificate_copy")


def tiered(tiers: tuple[Tier, ...], pages: int) -> int:
    """The cap for `pages` pages under per-page tiers (진료기록사본: 1–5매 1,000원, 6매부터 100원).

    >>> record = (Tier(5, 1000), Tier(None, 100))
    >>> tiered(record, 3), tiered(record, 5), tiered(record, 12)
    (3000, 5000, 5700)
    """
    total, done = 0, 0
    for tier in tiers:
        last = pages if tier.upto is None else min(pages, tier.upto)
        if last > done:
            total += (last - done) * tier.cap
            done = last
    return total


def cap(table: FeeTable, *, item: str, issued_on: date, pages: int = 1) -> Cap:
    """The cap for one issued document: per copy, or for `pages` pages of a per-page item."""
    found = table.item(item)
    if pages < 1 or pages > 10_000:
        raise Invalid("장수는 1 이상이어야 합니다", field="pages")
    value = found.value_on(issued_on)
    amount = tiered(value.tiers, pages) if found.per_page else value.tiers[0].cap
    return Cap(found.id, found.name, amount, value.reference, value.confirmed)


def check(table: FeeTable, *, item: str, issued_on: date, pages: int, amount: int) -> Cap:
    """The cap the fee passed; FeeAboveCap (naming the cap and its source) when it is above."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0 or amount > 10_000_000:
        raise Invalid("수수료는 0 이상의 원 단위 금액이어야 합니다", field="amount")
    limit = cap(table, item=item, issued_on=issued_on, pages=pages)
    if amount > limit.amount:
        raise FeeAboveCap(f"{limit.name} 수수료 {amount:,}원은 보건복지부 상한 {limit.amount:,}원을 넘습니다 "
                          f"({limit.reference})", field="amount")  # fmt: skip
    return limit


def _tiers(raw: dict[str, Any], where: str) -> tuple[Tier, ...]:
    if "tiers" in raw:
        tiers = tuple(Tier(t["upto"], int(t["cap"])) for t in raw["tiers"])
        if tiers[-1].upto is not None:
            raise FeeTableError(f"{where}: the last tier must be open (upto: null)")
        return tiers
    return (Tier(None, int(raw["cap"])),)


def parse(raw: Any) -> FeeTable:
    """The cap table, checked: every value dated, referenced and non-negative; defaults name items."""
    items = {}
    for item_id, body in raw["items"].items():
        values = []
        for start, value in sorted(body["values"].items()):
            where = f"fee_caps.yaml {item_id} {start}"
            if not isinstance(start, date) or not value.get("reference"):
                raise FeeTableError(f"{where}: each value needs a start date and a reference")
            tiers = _tiers(value, where)
            if any(t.cap < 0 for t in tiers):
                raise FeeTableError(f"{where}: a cap is never negative")
            values.append(Value(start, tiers, str(value["reference"]), bool(value.get("confirmed", True))))
        items[item_id] = Item(item_id, str(body["name"]), body.get("per") == "page", tuple(values))
    defaults = dict(raw.get("defaults") or {})
    unknown = [v for v in defaults.values() if v not in items]
    if unknown:
        raise FeeTableError(f"fee_caps.yaml defaults: unknown item {unknown[0]}")
    return FeeTable(str(raw["source"]), items, defaults)


@cache
def load() -> FeeTable:
    text = resources.files("silson.agents").joinpath("data/fee_caps.yaml").read_text(encoding="utf-8")
    return parse(yaml.safe_load(text))
