"""The stored estimate (issue 19): computed once per change of its inputs, sealed, and never wrong.

Each test counts the engine's discover runs (`report_person`) to tell a stored answer from a fresh one,
and compares the stored answer with a fresh computation: a cache that answers fast but differently
would be worse than none."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from silson.access import Actor, Role
from silson.adapters.contract_list import read_contract_list
from silson.adapters.hometax import read_hometax
from silson.discover import cache, stored
from silson.discover.models import StoredEstimateRow
from silson.discover.providers import ProviderDirectory
from silson.discover.report import to_json
from silson.discover.service import DiscoverReport
from silson.jobs import outbox, tasks
from silson.jobs.outbox import JobContext
from silson.privacy import consent, imports, people
from silson.privacy.crypto import FileMasterKey
from silson.rules.catalogue import Catalogue, load_catalogue
from tests.conftest import ROOT
from tests.store.conftest import NOW

FAMILY = ROOT / "examples" / "family"
AS_OF = date(2026, 11, 23)
CATALOGUE = load_catalogue()
DIRECTORY = ProviderDirectory.load()


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """How many times the engine's discover ran (one entry per run); the process's table of reports
    just computed starts empty (each test has its own database, but person ids repeat)."""
    cache._RECENT.clear()
    counted: list[int] = []
    real = stored.report_person  # type: ignore[attr-defined]

    def counting(**kwargs: object) -> object:
        counted.append(1)
        return real(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(stored, "report_person", counting)
    yield counted


def _person(sessions: sessionmaker[Session], master: FileMasterKey) -> int:
    with sessions.begin() as s:
        pid = people.register(s, master, name="김민준", birth_date=date(1985, 4, 12), phone="010-2", rrn=None, now=NOW)
        me = Actor(Role.CUSTOMER, person_id=pid)
        consent.grant(s, me, person_id=pid, purpose=consent.Purpose.DATA_IMPORT, version="v1", now=NOW)
        tax_path = FAMILY / "hometax-2023-2025.xml"
        imports.import_hometax(s, master, me, person_id=pid, name="김민준", data=read_hometax(tax_path),
                               digest=imports.file_hash(tax_path.read_bytes()), now=NOW)  # fmt: skip
        imports.import_contracts(s, master, CATALOGUE, me, person_id=pid, name="김민준",
                                 contracts=read_contract_list(FAMILY / "contracts.json"), digest="c1", now=NOW)  # fmt: skip
    return pid


def _report(sessions: sessionmaker[Session], master: FileMasterKey, pid: int, *, as_of: date = AS_OF,
            catalogue: Catalogue = CATALOGUE) -> DiscoverReport:  # fmt: skip
    with sessions.begin() as s:
        return stored.stored_report(s, master, catalogue, DIRECTORY, Actor(Role.CUSTOMER, person_id=pid),
                                    person_id=pid, as_of=as_of, now=NOW)  # fmt: skip


def test_the_second_look_is_the_stored_report_and_equals_a_fresh_one(
    sessions: sessionmaker[Session], master: FileMasterKey, runs: list[int]
) -> None:
    pid = _person(sessions, master)
    first = _report(sessions, master, pid)
    again = _report(sessions, master, pid)
    assert len(runs) == 1
    assert to_json(again) == to_json(first)
    assert first.persons[0].total.high > 0  # the demo customer is owed something: not an empty report


def test_new_spending_another_day_or_other_terms_compute_it_again(
    sessions: sessionmaker[Session], master: FileMasterKey, runs: list[int]
) -> None:
    pid = _person(sessions, master)
    before = _report(sessions, master, pid)
    _report(sessions, master, pid, as_of=AS_OF + timedelta(days=1))
    assert len(runs) == 2  # the day is an input: deadlines and statuses move with it
    with sessions.begin() as s:
        s.execute(text("UPDATE spending SET amount = amount + 500000 WHERE person_id = :p AND year = 2025"), {"p": pid})
    after = _report(sessions, master, pid)
    assert len(runs) == 3
    assert after.persons[0].total.high > before.persons[0].total.high
    renamed = Catalogue(CATALOGUE.rule_sets, version=CATALOGUE.version + "-next")
    _report(sessions, master, pid, catalogue=renamed)
    assert len(runs) == 4


def test_the_stored_report_is_sealed_and_a_tampered_one_is_computed_again(
    engine: Engine, sessions: sessionmaker[Session], master: FileMasterKey, runs: list[int]
) -> None:
    pid = _person(sessions, master)
    expected = to_json(_report(sessions, master, pid))
    with engine.connect() as conn:
        blob = bytes(conn.execute(text("SELECT report_sealed FROM stored_estimate")).scalar_one())
    assert "김민준".encode() not in blob and "연세가정의원".encode() not in blob
    with sessions.begin() as s:
        row = s.get(StoredEstimateRow, pid)
        assert row is not None
        row.report_sealed = row.report_sealed[:-1] + bytes([row.report_sealed[-1] ^ 1])
    cache._RECENT.clear()  # as in another process, which has not computed it
    assert to_json(_report(sessions, master, pid)) == expected
    assert len(runs) == 2


def test_requests_that_compute_it_at_once_all_answer_the_same(
    engine: Engine, sessions: sessionmaker[Session], master: FileMasterKey, runs: list[int]
) -> None:
    """Four requests for a report nobody has stored yet: one computes it while the others wait for its
    result, each stores it (one upsert, no key conflict), all answer the same, and one row remains."""
    pid = _person(sessions, master)
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: to_json(_report(sessions, master, pid)), range(4)))
    assert all(a == answers[0] for a in answers)
    assert len(runs) == 1
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM stored_estimate")).scalar_one() == 1


def test_an_erased_persons_stored_report_cannot_be_opened(
    sessions: sessionmaker[Session], master: FileMasterKey
) -> None:
    pid = _person(sessions, master)
    _report(sessions, master, pid)
    with sessions.begin() as s:
        key = people.data_key(s, master, pid)
        row = s.get(StoredEstimateRow, pid)
        assert row is not None and cache.stored(s, key, pid, row.inputs) is not None
        people.erase(s, pid, NOW)
    with sessions() as s:
        row = s.get(StoredEstimateRow, pid)
        assert row is not None
        assert people.data_key_or_none(s, master, pid) is None  # the only key that opens it is gone


def test_an_import_job_computes_the_estimate_so_the_next_look_runs_no_engine(
    sessions: sessionmaker[Session], master: FileMasterKey, runs: list[int]
) -> None:
    with sessions.begin() as s:
        pid = people.register(s, master, name="김민준", birth_date=date(1985, 4, 12), phone="010-3", rrn=None, now=NOW)
        consent.grant(s, Actor(Role.CUSTOMER, person_id=pid), person_id=pid, purpose=consent.Purpose.DATA_IMPORT,
                      version="v1", now=NOW)  # fmt: skip
        key = people.data_key(s, master, pid)
    context = JobContext(master, CATALOGUE, directory=DIRECTORY)
    for kind, name in (("contracts", "contracts.json"), ("hometax", "hometax-2023-2025.xml")):
        payload = {"person_id": pid, "kind": kind, "file": tasks.seal_upload(key, (FAMILY / name).read_bytes())}
        with sessions.begin() as s:
            outbox.enqueue(s, kind="import.upload", key=f"import:{name}", payload=payload, now=NOW)
        assert outbox.sweep(sessions, lambda: NOW, context=context) == 2  # the import, then its estimate
    assert len(runs) == 2  # each import that added rows computed the estimate of that moment
    report = _report(sessions, master, pid, as_of=NOW.date())
    assert len(runs) == 2 and report.persons[0].total.high > 0


def test_the_operators_routes_data_is_part_of_the_digest(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A participation file or trip cost the operator changes is a new digest, as a release is."""
    cache.code_digest.cache_clear()
    before = cache.code_digest()
    seen = {before}
    try:
        monkeypatch.setenv("SILSON_AGENT_TRIP_WON", "25000")
        cache.code_digest.cache_clear()
        seen.add(cache.code_digest())
        listed = tmp_path / "participation.yaml"
        listed.write_text("[]\n", encoding="utf-8")
        monkeypatch.setenv("SILSON_RELAY_PARTICIPATION", str(listed))
        cache.code_digest.cache_clear()
        seen.add(cache.code_digest())
        listed.write_text("- {institution: '1234567890'}\n", encoding="utf-8")
        cache.code_digest.cache_clear()
        seen.add(cache.code_digest())
        assert len(seen) == 4
    finally:
        monkeypatch.undo()
        cache.code_digest.cache_clear()
    assert cache.code_digest() == before


def test_the_bridge_keeps_one_report_per_person_and_not_past_its_time(
    sessions: sessionmaker[Session], master: FileMasterKey, runs: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The in-memory table only bridges a computation and its commit: a person's newer inputs replace
    their older report, and nothing stays past BRIDGE_SECONDS (a soak's imports grew memory through it)."""
    pid = _person(sessions, master)
    _report(sessions, master, pid)
    _report(sessions, master, pid, as_of=AS_OF - timedelta(days=1))  # other inputs: computed again
    assert len(runs) == 2 and list(cache._RECENT) == [pid]  # one entry: the latest
    later = cache.time.monotonic() + cache.BRIDGE_SECONDS + 1
    monkeypatch.setattr(cache.time, "monotonic", lambda: later)
    _report(sessions, master, pid, as_of=AS_OF - timedelta(days=1))  # the store answers; the look sweeps
    assert len(runs) == 2 and cache._RECENT == {}
