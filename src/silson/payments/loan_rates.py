"""The 보험계약대출이율 each insurer's late-payment interest starts from, as dated data
(`data/loan-rates.yaml`). Every value is UNCONFIRMED and carries that flag to the people who see it:
the figure is silson's assumption, not the insurer's (claims-and-documents.md §3.3)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources

import yaml

from silson.errors import DataError

DEFAULT = "*"


class LoanRateError(DataError):
    """The loan-rate table is malformed or has no value for the day asked."""


@dataclass(frozen=True, slots=True)
class LoanRate:
    insurer: str  # the table's key that gave the value ("*" = the default)
    since: date
    percent: Decimal  # a year
    confirmed: bool
    reference: str

    @property
    def note(self) -> str:
        """How the figure is shown to a person."""
        flag = "확인된 이율" if self.confirmed else "가정한 이율(보험사 공시 미확인)"
        return f"보험계약대출이율 연 {self.percent}% — {flag}, {self.since}부터 · {self.reference}"


@cache
def _table() -> dict[str, tuple[LoanRate, ...]]:
    raw = yaml.safe_load(resources.files("silson.payments").joinpath("data/loan-rates.yaml").read_text("utf-8"))
    table: dict[str, tuple[LoanRate, ...]] = {}
    for insurer, values in raw["insurers"].items():
        rates = []
        for since, v in sorted(values.items()):
            if not isinstance(since, date) or not isinstance(v.get("value"), str):
                raise LoanRateError(f"insurers.{insurer}.{since}: a date key and a string value are required")
            rates.append(LoanRate(str(insurer), since, Decimal(v["value"]), bool(v["confirmed"]), str(v["reference"])))
        table[str(insurer)] = tuple(rates)
    if DEFAULT not in table:
        raise LoanRateError("insurers: the default '*' is required")
    return table


def loan_rate(*, insurer: str, on: date) -> LoanRate:
    """The rate in force on `on` for `insurer` (its own values, else the default's).

    >>> rate = loan_rate(insurer="현대해상", on=date(2026, 6, 1))
    >>> (str(rate.percent), rate.confirmed)
    ('4.5', False)
    """
    table = _table()
    rates = table.get(insurer) or table[DEFAULT]
    found = [r for r in rates if r.since <= on]
    if not found:
        raise LoanRateError(f"{insurer}: no 보험계약대출이율 on {on}")
    return found[-1]
