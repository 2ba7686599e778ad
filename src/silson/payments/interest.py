"""Late-payment interest (지연이자) on a claim paid after its 지급기일, per Hi1701 공통조항 제9조 and 부표1.

The insurer pays within 3 business days of receiving the documents (제9조①); paid later, even after a
notified 지급예정일, it adds interest from the day after the 지급기일 to the payment day (제9조④) at the
rates of 부표1 (`data/late-interest.yaml`, the 2016-04-01 table): the 보험계약대출이율, plus 4, 6 or 8
%p from interest day 31, 61 and 91, each day at its own tier. Each day earns outstanding × rate / 365;
a 가지급 (제9조③) stops interest on the part paid from the next day; each year's interest joins the
outstanding (연단위 복리). Sums are exact `Fraction`s, cut to whole won once at the end (원 미만 절사).
Background and worked examples: shared/domain/claims-and-documents.md §3; contract: claims-format.md §3.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import cache
from importlib import resources
from typing import Any

import yaml

from silson.errors import DataError, Defect, Invalid, SilsonError
from silson.payments.calendar import add_business_days, is_business_day

PAYMENT_BUSINESS_DAYS = 3  # 제9조① "접수한 날부터 3영업일 이내"
SCHEDULE_BUSINESS_DAYS = 30  # 제9조② 지급예정일 "접수한 날부터 30영업일 이내"
MAX_RATE_DECIMALS = 6


class InterestInputError(SilsonError, ValueError):
    """Input the computation cannot take; `field` names it (the CLI turns it into the flag)."""

    code = "interest_input"
    http_status = 422
    field: str

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class RateTableError(DataError):
    """The 부표 data file is malformed: tiers with a gap, an overlap or no open end."""


@dataclass(frozen=True)
class Tier:
    """Interest days `from_day`..`to_day` (both included; None = open) earn the loan rate + `add_percent`."""

    from_day: int
    to_day: int | None
    add_percent: Decimal  # 가산이율, percentage points
    reference: str


@dataclass(frozen=True)
class RateTable:
    """One version of 부표 "보험금을 지급할 때의 적립이율 계산"."""

    version: date  # the day this version took effect
    reference: str
    day_count: int  # the divisor of the daily interest (365)
    compound_every_days: int  # 연단위 복리: interest joins the outstanding every this many interest days
    tiers: tuple[Tier, ...]

    def add_on(self, *, k: int) -> Decimal:
        """The 가산이율 (%p) of interest day k (k = 1 the day after the 지급기일).

        >>> table = load_rate_table()
        >>> [str(table.add_on(k=k)) for k in (1, 30, 31, 60, 61, 90, 91, 400)]
        ['0', '0', '4.0', '4.0', '6.0', '6.0', '8.0', '8.0']
        """
        for tier in self.tiers:
            if k >= tier.from_day and (tier.to_day is None or k <= tier.to_day):
                return tier.add_percent
        raise Defect(f"interest day {k}: no tier (days count from 1)")


@dataclass(frozen=True)
class Advance:
    """가지급보험금 (제9조③): part of the payout paid before the balance."""

    amount: int
    paid_on: date


@dataclass(frozen=True)
class Period:
    """Consecutive interest days at one rate on one outstanding amount; `first` and `last` both included."""

    first: date
    last: date
    first_k: int  # the interest day number of `first`
    rate_percent: Decimal  # a year
    principal: Fraction  # outstanding: amount less advances paid, plus interest joined by 연단위 복리
    interest: Fraction

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


@dataclass(frozen=True)
class InterestResult:
    received: date
    due: date  # 지급기일: receipt day not counted (민법 제157조)
    due_receipt_day_counted: date  # the same if an insurer counts the receipt day (§3.2 convention B)
    latest_scheduled: date  # the latest 지급예정일 a notice may set without a 제9조② 1–6 reason
    paid: date
    amount: int
    advance: Advance | None
    loan_rate: Decimal  # 보험계약대출이율, percent a year
    table: RateTable
    days_late: int
    periods: tuple[Period, ...]
    interest_exact: Fraction

    @property
    def interest(self) -> int:
        return cut_below_won(amount=self.interest_exact)


def parse_rate_table(*, version: date, raw: Any) -> RateTable:
    """One version of the 부표 from its data; tiers must run from day 1 without gap or overlap to an open end."""
    where = f"late-interest.yaml: {version}"
    try:
        tiers = tuple(
            Tier(
                int(t["from_day"]),
                None if t["to_day"] is None else int(t["to_day"]),
                Decimal(str(t["add_percent"])),
                str(t["reference"]),
            )
            for t in raw["tiers"]
        )
        table = RateTable(version, str(raw["reference"]), int(raw["day_count"]), int(raw["compound_every_days"]), tiers)
    except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
        raise RateTableError(f"{where}: {exc!r}") from None
    expected = 1
    for tier in tiers:
        if tier.from_day != expected:
            raise RateTableError(f"{where}: tier from day {tier.from_day}, expected {expected} (gap or overlap)")
        if tier.to_day is None:
            if tier is not tiers[-1]:
                raise RateTableError(f"{where}: only the last tier may be open-ended")
            break
        if tier.to_day < tier.from_day:
            raise RateTableError(f"{where}: tier ends before it starts")
        expected = tier.to_day + 1
    if not tiers or tiers[-1].to_day is not None:
        raise RateTableError(f"{where}: the last tier must be open-ended (to_day: null)")
    if table.day_count <= 0 or table.compound_every_days <= 0:
        raise RateTableError(f"{where}: day_count and compound_every_days must be positive")
    return table


@cache
def _tables() -> tuple[RateTable, ...]:
    text = resources.files("silson.payments").joinpath("data/late-interest.yaml").read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    tables = []
    for key, value in raw["tables"].items():
        version = key if isinstance(key, date) else date.fromisoformat(str(key))
        tables.append(parse_rate_table(version=version, raw=value))
    return tuple(sorted(tables, key=lambda t: t.version))


def load_rate_table(*, version: date | None = None) -> RateTable:
    """The 부표 version in effect on `version` (default: the newest).

    >>> load_rate_table().version
    datetime.date(2016, 4, 1)
    """
    tables = _tables()
    if version is None:
        return tables[-1]
    eligible = [t for t in tables if t.version <= version]
    if not eligible:
        raise RateTableError(f"no 부표 version in effect on {version}")
    return eligible[-1]


def parse_percent(*, text: str) -> Decimal:
    """A yearly rate in percent, exact: "4.5" or "4.5%" → Decimal('4.5'); never a float.

    >>> parse_percent(text="4.5"), parse_percent(text="4.25%")
    (Decimal('4.5'), Decimal('4.25'))
    """
    cleaned = text.strip().removesuffix("%").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise Invalid(f"'{text}' is not a percentage like 4.5") from None
    if not value.is_finite() or value < 0 or value > 100:
        raise Invalid(f"'{text}': a percentage from 0 to 100")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_RATE_DECIMALS:
        raise Invalid(f"'{text}': at most {MAX_RATE_DECIMALS} decimals")
    return value


def due_date(*, received: date) -> date:
    """지급기일: the 3rd business day after the day the documents were received (제9조①; 민법 제157조).

    §3.5 example 1 (추석 2025) and example 2 (근로자의 날, 어린이날 and 대체공휴일 2025):

    >>> due_date(received=date(2025, 9, 30)), due_date(received=date(2025, 4, 30))
    (datetime.date(2025, 10, 10), datetime.date(2025, 5, 8))
    """
    return add_business_days(start=received, count=PAYMENT_BUSINESS_DAYS)


def due_date_receipt_day_counted(*, received: date) -> date:
    """The 지급기일 if an insurer counts the receipt day as the first of the 3 when it is a business day
    (§3.2 convention B, UNCONFIRMED which one insurers use): "possibly owed" from the day after.

    >>> due_date_receipt_day_counted(received=date(2025, 9, 30))
    datetime.date(2025, 10, 2)
    """
    counted = 1 if is_business_day(day=received) else 0
    return add_business_days(start=received, count=PAYMENT_BUSINESS_DAYS - counted)


def latest_scheduled_date(*, received: date) -> date:
    """The latest 지급예정일 a delay notice may set without a 제9조② 1–6 reason: 30 business days.

    >>> latest_scheduled_date(received=date(2025, 9, 30)), latest_scheduled_date(received=date(2025, 4, 30))
    (datetime.date(2025, 11, 18), datetime.date(2025, 6, 18))
    """
    return add_business_days(start=received, count=SCHEDULE_BUSINESS_DAYS)


def interest_days(*, due: date, paid: date) -> int:
    """제9조④ "그 다음날부터 지급일까지": the day after the 지급기일 to the payment day, both included.

    >>> interest_days(due=date(2025, 10, 10), paid=date(2025, 12, 15))
    66
    >>> interest_days(due=date(2025, 10, 10), paid=date(2025, 10, 10))
    0
    """
    return max(0, (paid - due).days)


def rate_for_day(*, k: int, loan_rate: Decimal, table: RateTable) -> Decimal:
    """The yearly rate (%) of interest day k: 보험계약대출이율 + the 부표's 가산이율 for that day.

    >>> table = load_rate_table()
    >>> [str(rate_for_day(k=k, loan_rate=Decimal("4.5"), table=table)) for k in (30, 31, 61, 91)]
    ['4.5', '8.5', '10.5', '12.5']
    """
    return loan_rate + table.add_on(k=k)


def day_interest(*, outstanding: Fraction, rate_percent: Decimal, day_count: int) -> Fraction:
    """One day's interest, exact: outstanding × rate / 365 (부표1; /365 in leap years too).

    >>> day_interest(outstanding=Fraction(1_000_000), rate_percent=Decimal("4.5"), day_count=365)
    Fraction(9000, 73)
    """
    return outstanding * Fraction(rate_percent) / 100 / day_count


def cut_below_won(*, amount: Fraction) -> int:
    """원 미만 절사: the exact interest cut down to whole won, once, at the end.

    §3.5 example 1: 1,000,000 × (4.5% × 30 + 8.5% × 30 + 10.5% × 6) / 365 = 12,410.96 → 12,410.

    >>> cut_below_won(amount=Fraction(1_000_000) * (Fraction("0.045") * 30 + Fraction("0.085") * 30
    ...     + Fraction("0.105") * 6) / 365)
    12410
    """
    return math.floor(amount)


def accrue(
    *, amount: int, due: date, paid: date, loan_rate: Decimal, table: RateTable, advance: Advance | None = None
) -> tuple[Period, ...]:
    """Every interest day from due + 1 to `paid`, grouped into periods of one rate and one outstanding.

    Outstanding on day d = amount − the advance if it was paid before d (it earns interest up to and
    including its own payment day) + the interest joined at each 365th interest day (연단위 복리).
    """
    periods: list[Period] = []
    joined = Fraction(0)  # interest of past years, now part of the outstanding
    this_year = Fraction(0)
    for k in range(1, interest_days(due=due, paid=paid) + 1):
        day = due + timedelta(days=k)
        principal = amount - (advance.amount if advance is not None and advance.paid_on < day else 0)
        outstanding = principal + joined
        rate = rate_for_day(k=k, loan_rate=loan_rate, table=table)
        earned = day_interest(outstanding=outstanding, rate_percent=rate, day_count=table.day_count)
        last = periods[-1] if periods else None
        if last is not None and last.rate_percent == rate and last.principal == outstanding:
            periods[-1] = Period(last.first, day, last.first_k, rate, outstanding, last.interest + earned)
        else:
            periods.append(Period(day, day, k, rate, outstanding, earned))
        this_year += earned
        if k % table.compound_every_days == 0:
            joined += this_year
            this_year = Fraction(0)
    return tuple(periods)


def late_payment_interest(
    *,
    received: date,
    paid: date,
    amount: int,
    loan_rate: Decimal,
    advance: Advance | None = None,
    table: RateTable | None = None,
) -> InterestResult:
    """The interest owed with a payout paid on `paid` for documents received on `received`.

    §3.5 example 2: received 2025-04-30, due 05-08; 2,400,000원 of which 1,000,000원 advanced on 05-20,
    the balance paid 06-10; (2,400,000 × 4.5% × 12 + 1,400,000 × (4.5% × 18 + 8.5% × 3)) / 365 = 7,635.62.

    >>> result = late_payment_interest(received=date(2025, 4, 30), paid=date(2025, 6, 10), amount=2_400_000,
    ...     loan_rate=Decimal("4.5"), advance=Advance(1_000_000, date(2025, 5, 20)))
    >>> result.due, result.days_late, result.interest
    (datetime.date(2025, 5, 8), 33, 7635)
    """
    if paid < received:
        raise InterestInputError("paid", f"{paid} is before the documents were received ({received})")
    if amount < 0:
        raise InterestInputError("amount", f"{amount} is negative")
    if loan_rate < 0:
        raise InterestInputError("loan_rate", f"{loan_rate} is negative")
    if advance is not None:
        if advance.amount < 0:
            raise InterestInputError("advance", f"{advance.amount} is negative")
        if advance.amount > amount:
            raise InterestInputError("advance", f"{advance.amount} is more than the amount ({amount})")
        if advance.paid_on < received:
            raise InterestInputError("advance_date", f"{advance.paid_on} is before the receipt ({received})")
        if advance.paid_on > paid:
            raise InterestInputError("advance_date", f"{advance.paid_on} is after the payment of the balance ({paid})")
    table = table or load_rate_table()
    due = due_date(received=received)
    periods = accrue(amount=amount, due=due, paid=paid, loan_rate=loan_rate, table=table, advance=advance)
    return InterestResult(
        received=received,
        due=due,
        due_receipt_day_counted=due_date_receipt_day_counted(received=received),
        latest_scheduled=latest_scheduled_date(received=received),
        paid=paid,
        amount=amount,
        advance=advance,
        loan_rate=loan_rate,
        table=table,
        days_late=interest_days(due=due, paid=paid),
        periods=periods,
        interest_exact=sum((p.interest for p in periods), Fraction(0)),
    )
