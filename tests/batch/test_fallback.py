"""Every refusal of the case reader has its columnar counterpart in `fallback.REFUSALS`.

For each way a row can be refused (a valid case, changed in one field), the case reader refuses it
naming that field, the columnar path sends the person whole to the scalar engine, and the rule that
matched names the same field. Refusals a table cannot express (items, duplicate ids inside one
case's JSON) are left out: the tables have no items, and ids are checked by evaluate.py.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from silson.batch import columnar, fallback
from silson.batch.evaluate import evaluate_book
from silson.cases.reader import CaseError, parse_case
from silson.rules.catalogue import Catalogue
from tests.batch.test_golden import tables

BASE: dict[str, Any] = {
    "format": "silson-case/1",
    "id": "p1",
    "claim_date": "2018-03-01",
    "contracts": [
        {
            "id": "c1",
            "insurer": "현대해상",
            "terms": "std-2015-09",
            "option": "choice2",
            "start": "2017-02-01",
            "coverages": {"disease_outpatient": {"outpatient_limit": 250000, "prescription_limit": 50000}},
        }
    ],
    "events": [
        {
            "id": "v1",
            "kind": "outpatient",
            "date": "2017-06-01",
            "cause": "disease",
            "kcd": ["J06.9"],
            "institution": {"kind": "clinic"},
            "covered_copay": 20000,
            "noncovered": 30000,
        }
    ],
}


def _event(**changes: Any) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        doc["events"][0].update(changes)

    return change


def _contract(**changes: Any) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        doc["contracts"][0].update(changes)

    return change


def _institution(**changes: Any) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        doc["events"][0]["institution"].update(changes)

    return change


#: (the field the reader names, the change that makes it refuse)
REFUSED: list[tuple[str, Callable[[dict[str, Any]], None]]] = [
    ("kind", _event(kind="dental")),
    ("cause", _event(cause="accident")),
    ("institution.kind", _institution(kind="spa")),
    ("kcd", _event(kcd=["XYZ"])),
    ("id", _event(id="")),
    ("date", _event(date="2018-03-02")),
    ("discharge", _event(kind="inpatient")),
    ("discharge", _event(kind="inpatient", discharge="2017-05-30")),
    ("days", _event(kind="inpatient", days=0)),
    ("discharge", _event(discharge="2017-06-02")),
    ("days", _event(days=2)),
    ("room_difference", _event(room_difference=10000)),
    ("institution.kind", _event(kind="prescription")),
    ("kind", _institution(kind="pharmacy")),
    ("nhis_copay_rate", _event(nhis_copay_rate=120)),
    ("institution.country", _institution(country="KOR")),
    ("contracts[0].id", _contract(id="")),
    ("contracts[0].insurer", _contract(insurer=None)),
    ("contracts[0].end", _contract(end="2016-01-01")),
]

#: fields the reader and the table name differently for the same row
SAME_ROW = {"room_difference": {"discharge"}, "days": {"days", "discharge"}, "kind": {"kind", "institution.kind"}}


def _changed(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    doc = copy.deepcopy(BASE)
    change(doc)
    return doc


def test_the_base_case_is_read_and_stays_columnar(catalogue: Catalogue) -> None:
    parse_case(copy.deepcopy(BASE))
    events, contracts, _ = tables(BASE)
    assert columnar.unreadable(events, contracts, date(2018, 3, 1)).height == 0


@pytest.mark.parametrize(("field", "change"), REFUSED, ids=[f"{f}-{i}" for i, (f, _) in enumerate(REFUSED)])
def test_each_reader_refusal_sends_the_person_to_the_scalar_engine(
    field: str, change: Callable[[dict[str, Any]], None], catalogue: Catalogue
) -> None:
    doc = _changed(change)
    with pytest.raises(CaseError) as refused:
        parse_case(json.loads(json.dumps(doc)))
    assert field.split(".")[-1] in refused.value.field, (field, refused.value.field)

    events, contracts, persons = tables(doc)
    claim = date.fromisoformat(doc["claim_date"])
    assert columnar.unreadable(events, contracts, claim)["person_id"].to_list() == ["p1"]
    ctx = fallback.context(events, claim)
    named = {r.field for r in fallback.matching(events, contracts, fallback.REFUSALS, ctx)}
    bare = field.removeprefix("contracts[0].")
    assert named & SAME_ROW.get(bare, {bare}), (field, named)
    # and the whole book path answers with the reader's refusal, naming the field
    decisions = evaluate_book(events, contracts, claim, catalogue, persons=persons).decisions
    assert set(decisions["reason"]) == {"input_error"}


def test_every_refusal_rule_is_exercised() -> None:
    covered: set[str] = set()
    for _, change in REFUSED:
        doc = _changed(change)
        events, contracts, _ = tables(doc)
        ctx = fallback.context(events, date.fromisoformat(doc["claim_date"]))
        covered |= {
            f"{r.table}:{r.field}:{r.why}" for r in fallback.matching(events, contracts, fallback.REFUSALS, ctx)
        }
    declared = {f"{r.table}:{r.field}:{r.why}" for r in fallback.REFUSALS}
    assert declared - covered == set()
