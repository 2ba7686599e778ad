"""The estimate page says what would narrow the range (the visit count, a receipt, the income band)
and narrows it at once when the person tells it (issue 21), without touching the stored estimate.
Through the app (FastAPI's test client) on SQLite, 김민준 with the demo's two files imported."""

from __future__ import annotations

import html
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from silson.access import Actor, Role
from silson.discover.models import StoredEstimateRow
from silson.discover.providers import ProviderDirectory
from silson.discover.service import DiscoverReport, ProviderYear
from silson.discover.stored import stored_report
from silson.privacy.crypto import FileMasterKey
from silson.rules.catalogue import load_catalogue
from silson.store.db import make_engine, migrate, session_factory
from silson.web.pages.common import now
from tests.store.test_api import KIM, sign_in
from tests.store.test_api_trust import _client, _kim_with_the_family_files, _page_session

HTMX = {"hx-request": "true"}


@pytest.fixture
def sessions(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(f"sqlite:///{tmp_path / 'silson.db'}")
    migrate(engine)
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def master() -> FileMasterKey:
    return FileMasterKey(secrets.token_bytes(32))


def _report(sessions: sessionmaker[Session], master: FileMasterKey, pid: int, **told: object) -> DiscoverReport:
    with sessions.begin() as s:
        return stored_report(s, master, load_catalogue(), ProviderDirectory.load(), Actor(Role.CUSTOMER, person_id=pid),
                             person_id=pid, as_of=now().date(), now=now(), **told)  # type: ignore[arg-type]  # fmt: skip


def _widest(report: DiscoverReport) -> ProviderYear:
    return max(report.persons[0].provider_years, key=lambda p: (p.total.likely_high - p.total.likely_low, p.spent))


def _row(page: str, item: ProviderYear) -> str:
    """The table row of one provider-year (its cells up to the next row)."""
    for row in page.split("<tr>"):
        if f'data-label="연도">{item.year}<' in row and f">{html.escape(item.provider_name)}<" in row:
            return row
    raise AssertionError(f"no row for {item.year} {item.provider_name}")


def _stored_inputs(sessions: sessionmaker[Session], pid: int) -> str | None:
    with sessions.begin() as s:
        row = s.get(StoredEstimateRow, pid)
        return None if row is None else row.inputs


class TestNarrowingOnThePage:
    def test_the_page_offers_the_three_ways_and_a_form(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        pid = _kim_with_the_family_files(sessions, master)
        client = _client(sessions, master, KIM)
        _page_session(client, sign_in(client, KIM))
        page = client.get(f"/people/{pid}/estimate", headers=HTMX).text
        narrow = page.split('id="narrow-list"', 1)[1].split("</ul>", 1)[0]
        assert "방문 횟수" in narrow and "영수증·진료비 세부내역서" in narrow and "소득 분위" in narrow
        report = _report(sessions, master, pid)
        options = re.findall(r'<option value="([^"]+:\d{4})">', page)
        assert sorted(options) == sorted(f"{p.provider_id}:{p.year}" for p in report.persons[0].provider_years)
        t = report.persons[0].total  # typical first, the likely range under it, 최소·최대 offered apart
        assert f'id="total-typical">{t.typical:,}원<' in page
        assert f"가능성 높은 범위 {t.likely_low:,}원 ~ {t.likely_high:,}원" in page
        assert f"<summary>최소·최대</summary>{t.low:,}원 ~ {t.high:,}원" in page
        assert "방문 횟수 추정; 방문당 급여 본인부담" in page  # each row's assumptions are shown

    def test_a_visit_count_narrows_that_row_at_once_and_the_stored_estimate_stays(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        pid = _kim_with_the_family_files(sessions, master)
        client = _client(sessions, master, KIM)
        _page_session(client, sign_in(client, KIM))
        before_page = client.get(f"/people/{pid}/estimate", headers=HTMX).text
        stored_before = _stored_inputs(sessions, pid)
        before = _widest(_report(sessions, master, pid))
        assert before.total.likely_high > before.total.likely_low  # there is a range to narrow
        at = f"{before.provider_id}:{before.year}"
        page = client.get(f"/people/{pid}/estimate", params={"at": at, "count": "3", "band": ""}, headers=HTMX)
        assert page.status_code == 200
        told = _report(sessions, master, pid, visits={(before.provider_id, before.year): 3})
        after = next(p for p in told.persons[0].provider_years
                     if (p.provider_id, p.year) == (before.provider_id, before.year))  # fmt: skip
        assert after.visits == 3
        assert after.total.likely_high - after.total.likely_low < before.total.likely_high - before.total.likely_low
        assert (after.total.low, after.total.high) == (before.total.low, before.total.high)  # 최소·최대 hold
        row = _row(page.text, after)
        assert "방문 3회 (입력)" in row
        assert f"({after.total.likely_low:,}원 ~ {after.total.likely_high:,}원;" in row
        assert "방문 3회 (입력)" not in _row(before_page, before)
        assert f'<input type="hidden" name="visits" value="{at}=3">' in page.text  # kept for the next one
        assert "(입력함: 1곳·연도)" in page.text
        assert _stored_inputs(sessions, pid) == stored_before  # a look with more facts is not stored

    def test_the_income_band_narrows_the_refund_and_blanks_mean_not_told(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        pid = _kim_with_the_family_files(sessions, master)
        client = _client(sessions, master, KIM)
        _page_session(client, sign_in(client, KIM))
        plain = client.get(f"/people/{pid}/estimate", headers=HTMX).text
        blank = client.get(f"/people/{pid}/estimate", params={"band": "", "count": ""}, headers=HTMX)
        assert blank.status_code == 200 and blank.text == plain
        page = client.get(f"/people/{pid}/estimate", params={"band": "4"}, headers=HTMX).text
        assert "(입력함: 4분위)" in page and '<option value="4" selected>' in page
        unknown = _report(sessions, master, pid).persons[0].refunds
        told = _report(sessions, master, pid, decile=4).persons[0].refunds
        assert all(t.high - t.low <= u.high - u.low for t, u in zip(told, unknown, strict=True))
        assert sum(t.high - t.low for t in told) < sum(u.high - u.low for u in unknown)
        for n in [n for n in told if n.high]:
            assert f"{n.year}년: {n.low:,}원 ~ {n.high:,}원" in page


class TestNarrowingThroughTheApi:
    def test_visit_counts_and_the_band_narrow_the_json_too_and_bad_ones_are_named(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        pid = _kim_with_the_family_files(sessions, master)
        client = _client(sessions, master, KIM)
        kim = sign_in(client, KIM)
        url = f"/api/people/{pid}/estimate"
        before = _widest(_report(sessions, master, pid))
        key = (before.provider_id, before.year)

        def row(doc: dict[str, Any]) -> dict[str, Any]:
            (person,) = doc["persons"]
            return next(y for y in person["providers"] if (y["provider_id"], y["year"]) == key)

        plain = row(client.get(url, headers=kim).json())
        stored_before = _stored_inputs(sessions, pid)
        assert stored_before is not None  # the plain look is the one of record
        told = client.get(url, params={"visits": f"{before.provider_id}:{before.year}=3", "band": 4}, headers=kim)
        assert told.status_code == 200
        narrowed = row(told.json())
        width = plain["total"]["likely_high"] - plain["total"]["likely_low"]
        assert narrowed["total"]["likely_high"] - narrowed["total"]["likely_low"] < width
        assert (narrowed["total"]["low"], narrowed["total"]["high"]) == (plain["total"]["low"], plain["total"]["high"])
        assert _stored_inputs(sessions, pid) == stored_before  # a look with more facts is not stored
        for params, field in (({"visits": "junk"}, "visits"), ({"visits": f"{before.provider_id}:{before.year}=0"},
                              "visits"), ({"band": 11}, "band")):  # fmt: skip
            bad = client.get(url, params=params, headers=kim)
            assert bad.status_code == 422 and bad.json()["field"] == field, (params, bad.json())
