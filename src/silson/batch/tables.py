"""The batch tables: events and contracts in, decisions out (Parquet files or Polars frames).

Events are the case format's events flattened (no itemised lines: rules that need items need the
case format); contracts carry their coverages as the case format's JSON object. Missing columns
and wrong types are refused naming the column; optional columns may be left out."""

from __future__ import annotations

import polars as pl
import pyarrow as pa

from silson.domain.model import CoverageKey
from silson.errors import Invalid

EVENT_COLUMNS: dict[str, pl.DataType] = {
    "person_id": pl.String(),
    "event_id": pl.String(),
    "kind": pl.String(),  # outpatient | inpatient | prescription
    "date": pl.Date(),
    "cause": pl.String(),  # disease | injury
    "kcd": pl.String(),  # KCD codes, space-separated, main code first ("" when none)
    "institution_kind": pl.String(),
    "covered_copay": pl.Int64(),
    "covered_full": pl.Int64(),
    "noncovered": pl.Int64(),
}
EVENT_OPTIONAL: dict[str, tuple[pl.DataType, object]] = {
    "discharge": (pl.Date(), None),
    "days": (pl.Int64(), None),
    "condition": (pl.String(), None),
    "country": (pl.String(), "KR"),
    "room_difference": (pl.Int64(), 0),
    "nhis_paid": (pl.Int64(), 0),
    "nhis_refundable": (pl.Int64(), 0),
    "nhis_copay_rate": (pl.Int64(), None),
    "other_payer": (pl.String(), None),
    "severe": (pl.Boolean(), False),
}
CONTRACT_COLUMNS: dict[str, pl.DataType] = {
    "person_id": pl.String(),
    "contract_id": pl.String(),
    "insurer": pl.String(),
    "terms": pl.String(),
    "start": pl.Date(),
    "coverages": pl.String(),  # JSON: {"disease_outpatient": {"outpatient_limit": 250000, …}, …}
}
CONTRACT_OPTIONAL: dict[str, tuple[pl.DataType, object]] = {
    "product": (pl.String(), None),
    "option": (pl.String(), None),
    "end": (pl.Date(), None),
}
PERSON_COLUMNS: dict[str, pl.DataType] = {"person_id": pl.String()}
PERSON_OPTIONAL: dict[str, tuple[pl.DataType, object]] = {
    "nhis_status": (pl.String(), "insured"),  # insured | none (국민건강보험 미적용)
    "birth_date": (pl.Date(), None),
}
REASONS = {
    "paid": "paid in full as computed",
    "visit_limit": "cut to the per-visit (per-prescription) amount",
    "shared": "cut by multiple-policy sharing",
    "deductible": "nothing left after the deductible",
    "excluded": "excluded by the terms (KCD, institution, items …)",
    "merged": "counted with another visit of the same day: paid on that one",
    "not_bought": "the coverage is not part of the contract",
    "before_start": "treated before the contract date",
    "limitation": "past the limitation period",
    "nothing": "no cost to pay",
    "scalar": "computed by the scalar engine (see its trace with silson adjudicate)",
    "input_error": "the person's rows were refused: see note",
}
#: the texts of a decision that come from a closed set, as Enums: their values are checked where
#: they are made, and a decision carries a small integer for each until it is written
COVERAGE = pl.Enum([key.value for key in CoverageKey])
REASON = pl.Enum(list(REASONS))
ENGINE = pl.Enum(["columnar", "scalar"])
DECISION_SCHEMA: dict[str, pl.DataType] = {
    "person_id": pl.String(),
    "event_id": pl.String(),
    "contract_id": pl.String(),
    "coverage": COVERAGE,
    "amount": pl.Int64(),  # won; null when the person's input was refused (see reason, note)
    "deductible": pl.Int64(),  # 공제금액 of the paying unit, in won (cut down), where the formula ran
    "reason": REASON,  # a reason code (REASONS)
    "engine": ENGINE,
    "note": pl.String(),
}

#: the decisions as written (Arrow): the ids of people and contracts, and the closed texts, as
#: dictionaries (each value once per chunk, the rows by number), the event ids as Polars has them
_IDS = pa.dictionary(pa.int32(), pa.large_string())
_CLOSED = pa.dictionary(pa.uint8(), pa.large_string(), ordered=True)
DECISION_TABLE = pa.schema([
    ("person_id", _IDS), ("event_id", pa.string_view()), ("contract_id", _IDS), ("coverage", _CLOSED),
    ("amount", pa.int64()), ("deductible", pa.int64()), ("reason", _CLOSED), ("engine", _CLOSED),
    ("note", pa.large_string()),
])  # fmt: skip


class TableError(Invalid):
    """A batch table is not usable; names the table and the column (422; exit 2)."""

    code = "invalid_table"


def _conform(frame: pl.DataFrame, table: str, required: dict[str, pl.DataType],
             optional: dict[str, tuple[pl.DataType, object]]) -> pl.DataFrame:  # fmt: skip
    columns = []
    for name, dtype in required.items():
        if name not in frame.columns:
            raise TableError(f"{table}.{name}: missing column (required: {', '.join(required)})")
        columns.append(_cast(frame, table, name, dtype))
    for name, (dtype, default) in optional.items():
        if name in frame.columns:
            columns.append(_cast(frame, table, name, dtype).fill_null(default) if default is not None else
                           _cast(frame, table, name, dtype))  # fmt: skip
        else:
            columns.append(pl.lit(default, dtype=dtype).alias(name))
    return frame.select(columns)


def _cast(frame: pl.DataFrame, table: str, name: str, dtype: pl.DataType) -> pl.Expr:
    have = frame.schema[name]
    if have == dtype:
        return pl.col(name)
    if have == pl.Null():  # a column with no value at all takes any type
        return pl.col(name).cast(dtype)
    if dtype == pl.Int64() and have.is_integer():
        return pl.col(name).cast(pl.Int64)
    if dtype == pl.String() and have.is_integer():
        return pl.col(name).cast(pl.String)
    raise TableError(f"{table}.{name}: expected {dtype}, found {have}")


def _refuse_twice(frame: pl.DataFrame, table: str, name: str) -> None:
    """An id must be unique per person (one hash pass; the offending row is looked up only on failure)."""
    # distinct hashes prove distinct ids, and counting them is far cheaper than marking duplicates
    hashed = pl.col(name).hash(seed=1) ^ pl.col("person_id").hash(seed=2)
    if frame.height == 0 or frame.select(hashed.n_unique()).item() == frame.height:
        return
    twice = frame.select(pl.struct("person_id", name).is_duplicated().alias("twice"))["twice"]
    if twice.any():
        row = frame.filter(twice).row(0, named=True)
        raise TableError(f"{table}.{name}: '{row[name]}' appears twice for person {row['person_id']}")


def conform_events(frame: pl.DataFrame) -> pl.DataFrame:
    events = _conform(frame, "events", EVENT_COLUMNS, EVENT_OPTIONAL)
    amounts = ("covered_copay", "covered_full", "noncovered", "room_difference", "nhis_paid", "nhis_refundable")
    negative = events.select((pl.col(name) < 0).any() for name in amounts).row(0)  # one pass for all
    for name, found in zip(amounts, negative, strict=True):
        if found:
            row = events.filter(pl.col(name) < 0).row(0, named=True)
            raise TableError(f"events.{name}: negative amount {row[name]} (person {row['person_id']}, "
                             f"event {row['event_id']})")  # fmt: skip
    for name in ("person_id", "event_id", "kind", "date", "cause", "institution_kind"):
        if events[name].null_count():
            raise TableError(f"events.{name}: {events[name].null_count()} empty value(s)")
    _refuse_twice(events, "events", "event_id")
    return events.with_columns(pl.col("kcd").fill_null(""))


def conform_contracts(frame: pl.DataFrame) -> pl.DataFrame:
    contracts = _conform(frame, "contracts", CONTRACT_COLUMNS, CONTRACT_OPTIONAL)
    for name in ("person_id", "contract_id", "terms", "start", "coverages"):
        if contracts[name].null_count():
            raise TableError(f"contracts.{name}: {contracts[name].null_count()} empty value(s)")
    _refuse_twice(contracts, "contracts", "contract_id")
    return contracts


def conform_persons(frame: pl.DataFrame | None) -> pl.DataFrame:
    """The optional persons table; people not in it are insured by the NHIS."""
    if frame is None:
        return pl.DataFrame(schema={"person_id": pl.String, "nhis_status": pl.String, "birth_date": pl.Date})
    persons = _conform(frame, "persons", PERSON_COLUMNS, PERSON_OPTIONAL)
    bad = persons.filter(~pl.col("nhis_status").is_in(["insured", "none"]))
    if bad.height:
        raise TableError(f"persons.nhis_status: '{bad['nhis_status'][0]}' (person {bad['person_id'][0]}) is not "
                         "insured or none")  # fmt: skip
    return persons


def noncovered_paid_most(amount: pl.Expr, c_pay: pl.Expr, n_pay: pl.Expr) -> pl.Expr:
    """Whether a 4th-generation pair is reported under its 비급여 coverage: the engine names the part
    that paid most of the final figure (engine._report), each part's share of `amount` cut to whole
    won, 급여 on a tie."""
    owed = c_pay + n_pay

    def share(part: pl.Expr) -> pl.Expr:
        return pl.when(owed > 0).then(part * amount // owed).otherwise(0)

    return (amount > 0) & (share(n_pay) > share(c_pay))
