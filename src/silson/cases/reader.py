"""Reads `silson-case/1` documents (shared/case-format.md) into domain values, or says exactly what
is wrong: the field path, and the problem. Unknown keys are errors except under `meta`.

Structure and types are checked by Pydantic models that mirror the format; the rules that span
fields (ids unique, discharge after admission, items within their totals, a prescription comes from
a pharmacy) are checked after, with the same kind of message.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from silson.domain import bounds
from silson.domain import model as m
from silson.errors import SilsonError
from silson.payments.reconcile import Paid
from silson.rules import kcd

CASE_FORMAT = "silson-case/1"

NonNegative = Annotated[int, Field(ge=0, le=bounds.MAX_WON, strict=True)]
# a day the engine can count from (limitation years, renewals) without leaving the calendar
Day = Annotated[dt.date, Field(ge=bounds.FIRST_DAY, le=bounds.LAST_DAY)]


class CaseError(SilsonError, ValueError):
    """The document is not a valid case; `field` is the path of the culprit."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PersonIn(_Strict):
    birth_date: Day | None = None
    nhis_status: m.NhisStatus = m.NhisStatus.INSURED


class CoverageIn(_Strict):
    limit: NonNegative | None = None
    outpatient_limit: NonNegative | None = None
    prescription_limit: NonNegative | None = None
    annual_limit: NonNegative | None = None
    annual_count: NonNegative | None = None
    annual_visits: NonNegative | None = None


class ContractIn(_Strict):
    id: str = Field(min_length=1)
    insurer: str
    product: str | None = None
    terms: str = Field(min_length=1)
    option: Literal["choice1", "standard", "choice2"] | None = None
    start: Day
    end: Day | None = None
    coverages: dict[m.CoverageKey, CoverageIn]


class InstitutionIn(_Strict):
    kind: m.InstitutionKind
    name: str | None = None
    code: str | None = None
    country: str = Field(default="KR", min_length=2, max_length=2)


class ItemIn(_Strict):
    category: m.ItemCategory
    amount: NonNegative
    covered: bool = False
    count: Annotated[int, Field(ge=1, le=100000, strict=True)] = 1


class EventIn(_Strict):
    id: str = Field(min_length=1)
    kind: m.EventKind
    date: dt.date  # bounded in _check_consistency: stored visits are read with this model too
    discharge: dt.date | None = None
    days: Annotated[int, Field(ge=1, le=36600, strict=True)] | None = None
    cause: m.Cause
    condition: str | None = None
    kcd: list[str] = Field(default_factory=list)
    institution: InstitutionIn
    covered_copay: NonNegative = 0
    covered_full: NonNegative = 0
    nhis_paid: NonNegative = 0
    noncovered: NonNegative = 0
    room_difference: NonNegative = 0
    items: list[ItemIn] = Field(default_factory=list)
    severe: bool = False
    nhis_copay_rate: Annotated[int, Field(ge=0, le=100, strict=True)] | None = None
    nhis_refundable: NonNegative = 0
    other_payer: m.OtherPayer | None = None


class PayoutIn(_Strict):
    event: str
    contract: str
    amount: NonNegative


class ExpectedIn(_Strict):
    payouts: list[PayoutIn] = Field(default_factory=list)
    total: NonNegative | None = None


class CaseIn(_Strict):
    format: Literal["silson-case/1"]
    id: str = Field(min_length=1)
    title: str = ""
    source: str = ""
    claim_date: Day
    person: PersonIn = Field(default_factory=PersonIn)
    contracts: list[ContractIn] = Field(min_length=1)
    events: list[EventIn]
    expected: ExpectedIn | None = None
    meta: dict[str, Any] | None = None


class PaidIn(_Strict):
    """One line of an insurer's payout statement: only `silson reconcile` reads the `paid` key."""

    event: str = Field(min_length=1)
    contract: str = Field(min_length=1)
    amount: NonNegative
    date: Day | None = None
    meta: dict[str, Any] | None = None


_PAID = TypeAdapter(list[PaidIn])


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _first_error(exc: ValidationError, under: tuple[str, ...] = ()) -> CaseError:
    err = exc.errors(include_url=False)[0]
    loc = under + tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith(("function-", "lax-"))))
    kind = err["type"]
    if kind == "extra_forbidden":
        return CaseError(_path(loc), "unknown key (typos must not pass silently)")
    if kind == "missing":
        return CaseError(_path(loc), "required")
    value = err.get("input")
    shown = None
    if isinstance(value, str | int | float | bool):
        shown = bounds.shown(json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else f'"{value}"')
    message = err["msg"] + (f" (got {shown})" if shown is not None else "")
    return CaseError(_path(loc), message)


def _check_consistency(doc: CaseIn) -> None:
    seen: set[str] = set()
    for i, c in enumerate(doc.contracts):
        if c.id in seen:
            raise CaseError(f"contracts[{i}].id", f"'{c.id}' is used twice")
        seen.add(c.id)
        if c.end is not None and c.end < c.start:
            raise CaseError(f"contracts[{i}].end", f"{c.end} is before start {c.start}")
        if not c.coverages:
            raise CaseError(f"contracts[{i}].coverages", "a contract needs at least one coverage")
    seen = set()
    for i, e in enumerate(doc.events):
        at = f"events[{i}]"
        if e.id in seen:
            raise CaseError(f"{at}.id", f"'{e.id}' is used twice")
        seen.add(e.id)
        for j, code in enumerate(e.kcd):
            if not kcd.is_valid(code):
                raise CaseError(f"{at}.kcd[{j}]", f"'{code}' is not a KCD code (e.g. J06.9)")
        for name in ("date", "discharge"):
            value = getattr(e, name)
            if value is not None and not bounds.FIRST_DAY <= value <= bounds.LAST_DAY:
                raise CaseError(f"{at}.{name}", f"{value} is outside {bounds.FIRST_DAY} – {bounds.LAST_DAY}")
        if e.date > doc.claim_date:
            raise CaseError(f"{at}.date", f"{e.date} is after claim_date {doc.claim_date}")
        if e.kind is m.EventKind.INPATIENT:
            if e.discharge is None and e.days is None:
                raise CaseError(f"{at}.discharge", "an admission needs discharge or days")
            if e.discharge is not None and e.discharge < e.date:
                raise CaseError(f"{at}.discharge", f"{e.discharge} is before admission {e.date}")
        else:
            for name in ("discharge", "days", "room_difference"):
                if getattr(e, name):
                    raise CaseError(f"{at}.{name}", f"only an inpatient event has {name}")
        dispenser = e.institution.kind in (m.InstitutionKind.PHARMACY, m.InstitutionKind.RARE_DRUG_CENTER)
        if e.kind is m.EventKind.PRESCRIPTION and not dispenser:
            raise CaseError(f"{at}.institution.kind", "a prescription is dispensed by a pharmacy or rare_drug_center")
        if e.kind is not m.EventKind.PRESCRIPTION and dispenser:
            raise CaseError(f"{at}.kind", f"an event at a {e.institution.kind.value} is a prescription")
        covered_items = sum(it.amount for it in e.items if it.covered)
        noncovered_items = sum(it.amount for it in e.items if not it.covered)
        if noncovered_items > e.noncovered:
            raise CaseError(f"{at}.items", f"비급여 items total {noncovered_items:,} > noncovered {e.noncovered:,}")
        if covered_items > e.covered_copay + e.covered_full:
            raise CaseError(
                f"{at}.items",
                f"급여 items total {covered_items:,} > covered {e.covered_copay + e.covered_full:,}",
            )
        if e.nhis_refundable > e.covered_copay + e.covered_full:
            raise CaseError(f"{at}.nhis_refundable", "is more than the 급여 본인부담 it is part of")


def _to_domain(doc: CaseIn) -> m.Case:
    contracts = tuple(
        m.Contract(
            id=c.id,
            insurer=c.insurer,
            terms=c.terms,
            start=c.start,
            end=c.end,
            product=c.product,
            option=c.option,
            coverages={k: m.Coverage(key=k, **v.model_dump()) for k, v in c.coverages.items()},
        )
        for c in doc.contracts
    )
    events = tuple(
        m.MedicalEvent(
            id=e.id,
            kind=e.kind,
            date=e.date,
            cause=e.cause,
            kcd=tuple(code.strip().upper() for code in e.kcd),
            institution=m.Institution(
                kind=e.institution.kind,
                name=e.institution.name,
                code=e.institution.code,
                country=e.institution.country.upper(),
            ),
            covered_copay=e.covered_copay,
            covered_full=e.covered_full,
            noncovered=e.noncovered,
            room_difference=e.room_difference,
            nhis_paid=e.nhis_paid,
            nhis_refundable=e.nhis_refundable,
            discharge=e.discharge,
            days=e.days,
            condition=e.condition,
            items=tuple(m.Item(it.category, it.amount, it.covered, it.count) for it in e.items),
            severe=e.severe,
            nhis_copay_rate=e.nhis_copay_rate,
            other_payer=e.other_payer,
            position=i,
        )
        for i, e in enumerate(doc.events)
    )
    person = m.Person(birth_date=doc.person.birth_date, nhis_status=doc.person.nhis_status)
    return m.Case(doc.id, doc.claim_date, contracts, events, person, doc.title, doc.source)


def parse_case(raw: Any) -> m.Case:
    """A parsed JSON value → a Case, or CaseError naming the field and the problem."""
    if not isinstance(raw, dict):
        raise CaseError("", "a case is a JSON object")
    if raw.get("format") != CASE_FORMAT:
        raise CaseError("format", f'expected "{CASE_FORMAT}" (got {json.dumps(raw.get("format"))})')
    try:
        doc = CaseIn.model_validate(raw)
    except ValidationError as exc:
        raise _first_error(exc) from None
    _check_consistency(doc)
    return _to_domain(doc)


def parse_paid(raw: Any, case: m.Case) -> tuple[Paid, ...]:
    """The `paid` value of a reconciliation case → statement lines naming the case's own events and
    contracts, or CaseError naming the entry and field (e.g. `paid[1].event: unknown event 'v9'`)."""
    if not isinstance(raw, list):
        raise CaseError("paid", "a list of {event, contract, amount[, date]} entries")
    try:
        entries = _PAID.validate_python(raw)
    except ValidationError as exc:
        raise _first_error(exc, ("paid",)) from None
    events = {e.id for e in case.events}
    contracts = {c.id for c in case.contracts}
    for i, p in enumerate(entries):
        if p.event not in events:
            raise CaseError(f"paid[{i}].event", f"unknown event '{p.event}'")
        if p.contract not in contracts:
            raise CaseError(f"paid[{i}].contract", f"unknown contract '{p.contract}'")
    return tuple(Paid(p.event, p.contract, p.amount, p.date) for p in entries)


def parse_reconciliation(raw: Any) -> tuple[m.Case, tuple[Paid, ...]]:
    """A case with one more top-level key, `paid` (claims-format.md §2) → the case and its statement
    lines. Every other key is read exactly as `parse_case` reads it."""
    if not isinstance(raw, dict):
        raise CaseError("", "a case is a JSON object")
    if "paid" not in raw:
        raise CaseError("paid", "required: what the insurers paid, one entry per (event, contract)")
    case = parse_case({k: v for k, v in raw.items() if k != "paid"})
    return case, parse_paid(raw["paid"], case)


def _load(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CaseError("", f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CaseError("", f"{path}: cannot read: {exc}") from None
    try:
        raw = bounds.loads(text)
    except json.JSONDecodeError as exc:
        raise CaseError("", f"{path}: not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except bounds.BoundsError as exc:
        raise CaseError("", f"{path}: {exc}") from None
    return raw


def read_case(path: Path) -> m.Case:
    """Read and parse a case file; every failure is a CaseError with a message a person can act on."""
    return parse_case(_load(path))


def read_reconciliation(path: Path) -> tuple[m.Case, tuple[Paid, ...]]:
    """Read a case file with its `paid` statement lines (for `silson reconcile` only)."""
    return parse_reconciliation(_load(path))
