"""The batch tables' edge checks: an id twice for one person is refused, naming it; the same id for
two people is not (ids are per person, as in the case format)."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from silson.batch.tables import TableError, conform_contracts, conform_events

VISIT = {"kind": "outpatient", "date": date(2024, 1, 2), "cause": "disease", "kcd": "J06.9",
         "institution_kind": "clinic", "covered_copay": 10_000, "covered_full": 0, "noncovered": 0}  # fmt: skip


def test_an_event_id_twice_for_one_person_is_refused() -> None:
    events = pl.DataFrame([{"person_id": p, "event_id": e, **VISIT} for p, e in [("a", "1"), ("b", "2"), ("a", "1")]])
    with pytest.raises(TableError, match=r"events\.event_id: '1' appears twice for person a"):
        conform_events(events)


def test_the_same_event_id_for_two_people_is_fine() -> None:
    events = pl.DataFrame([{"person_id": p, "event_id": "1", **VISIT} for p in ("a", "b", "c")])
    assert conform_events(events).height == 3


def test_a_contract_id_twice_for_one_person_is_refused() -> None:
    row = {"insurer": "가", "terms": "std-2017-04", "start": date(2020, 1, 1), "coverages": "{}"}
    contracts = pl.DataFrame(
        [{"person_id": "a", "contract_id": "c", **row}, {"person_id": "a", "contract_id": "c", **row}]
    )
    with pytest.raises(TableError, match=r"contracts\.contract_id: 'c' appears twice for person a"):
        conform_contracts(contracts)
