"""The scalar engine over batch rows, one person at a time: each person's rows become a case
(through the case reader, so they are checked like any case) and are adjudicated whole. The
reference the columnar evaluator is measured against, and the path for what it does not cover."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from typing import Any

import polars as pl

from silson.batch.tables import DECISION_SCHEMA
from silson.cases.reader import CaseError, parse_case
from silson.rules.catalogue import Catalogue
from silson.rules.engine import adjudicate
from silson.rules.formula import InputError

EVENT_FIELDS = ("covered_copay", "covered_full", "noncovered", "room_difference", "nhis_paid", "nhis_refundable")


def case_of(person_id: str, events: list[dict[str, Any]], contracts: list[dict[str, Any]],
            claim_date: date, person: dict[str, Any] | None = None) -> dict[str, Any]:  # fmt: skip
    """One person's rows as a silson-case/1 document."""
    doc_events = []
    for e in events:
        event: dict[str, Any] = {
            "id": e["event_id"], "kind": e["kind"], "date": e["date"].isoformat(), "cause": e["cause"],
            "kcd": e["kcd"].split() if e["kcd"] else [],
            "institution": {"kind": e["institution_kind"], "country": e.get("country") or "KR"},
            **{f: e[f] for f in EVENT_FIELDS if e.get(f)},
        }  # fmt: skip
        for optional in ("discharge", "days", "condition", "nhis_copay_rate", "other_payer"):
            if e.get(optional) is not None:
                event[optional] = e[optional].isoformat() if optional == "discharge" else e[optional]
        if e.get("severe"):
            event["severe"] = True
        doc_events.append(event)
    doc_contracts = []
    for c in contracts:
        contract: dict[str, Any] = {
            "id": c["contract_id"], "insurer": c["insurer"], "terms": c["terms"], "start": c["start"].isoformat(),
            "coverages": json.loads(c["coverages"]),
        }  # fmt: skip
        for optional in ("product", "option"):
            if c.get(optional):
                contract[optional] = c[optional]
        if c.get("end") is not None:
            contract["end"] = c["end"].isoformat()
        doc_contracts.append(contract)
    doc: dict[str, Any] = {"format": "silson-case/1", "id": f"person-{person_id}", "claim_date": claim_date.isoformat(),
                           "contracts": doc_contracts, "events": doc_events}  # fmt: skip
    if person:
        doc["person"] = {"nhis_status": person.get("nhis_status") or "insured"}
        if person.get("birth_date") is not None:
            doc["person"]["birth_date"] = person["birth_date"].isoformat()
    return doc


def adjudicate_people(
    events: pl.DataFrame, contracts: pl.DataFrame, claim_date: date, catalogue: Catalogue,
    people: Iterable[str] | None = None, persons: pl.DataFrame | None = None,
) -> pl.DataFrame:  # fmt: skip
    """Decisions for the given people (all when None), in the engine's order within each person."""
    wanted = set(people) if people is not None else None
    by_person: dict[str, tuple[list[dict[str, Any]], list[dict[str, Any]]]] = {}
    for row in events.iter_rows(named=True):
        if wanted is None or row["person_id"] in wanted:
            by_person.setdefault(row["person_id"], ([], []))[0].append(row)
    for row in contracts.iter_rows(named=True):
        if wanted is None or row["person_id"] in wanted:
            by_person.setdefault(row["person_id"], ([], []))[1].append(row)
    about = {row["person_id"]: row for row in persons.iter_rows(named=True)} if persons is not None else {}
    out: dict[str, list[Any]] = {name: [] for name in DECISION_SCHEMA}

    def emit(person: str, event: str, contract: str, coverage: str | None, amount: int | None, reason: str,
             note: str | None = None) -> None:  # fmt: skip
        for name, value in zip(DECISION_SCHEMA, (person, event, contract, coverage, amount, None, reason, "scalar",
                                                 note), strict=True):  # fmt: skip
            out[name].append(value)

    for person, (person_events, person_contracts) in by_person.items():
        if not person_events or not person_contracts:
            continue
        try:
            case = parse_case(case_of(person, person_events, person_contracts, claim_date, about.get(person)))
            result = adjudicate(case=case, catalogue=catalogue)
        except (CaseError, InputError) as exc:
            for e in person_events:
                for c in person_contracts:
                    emit(person, e["event_id"], c["contract_id"], None, None, "input_error", str(exc))
            continue
        for d in result.decisions:
            emit(person, d.event, d.contract, d.coverage, d.amount, "scalar")
    return pl.DataFrame(out, schema=DECISION_SCHEMA)
