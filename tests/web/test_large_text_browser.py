"""The large-text, simple mode over every customer page (issue 18), in a real headless Chromium: 김민준
turns it on once and every page he opens afterwards (his home, the estimate, his claims, a claim, its
documents and uploads, its reconciliation and routes, the 실손24 guide, a new claim, the 홈택스 upload,
family, assisted actions, notifications, consent, the 위임 tasks) comes in large
type, with controls a thumb can hit, the one next step a tap away, and nothing wider than the phone;
turning it off brings the usual pages back. Phone-sized; each page is saved as a screenshot.

Its own server and data folder: the display setting is stored per person and must not reach the other
browser tests' shared server."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from silson.demo import FAMILY
from silson.privacy import people
from silson.store import repository
from silson.web.app import create_app
from tests.live import in_thread, kept_environment
from tests.web.conftest import Live, seeded_services
from tests.web.test_browser import _page, _shot, _sign_in

KIM = FAMILY[0]
LARGE = 20.8  # px: 1.3rem (silson.css body.large)
THUMB = 48  # px: the smallest control a thumb hits reliably (WCAG 2.5.5's 44 px, rounded up)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    home = tmp_path_factory.mktemp("large-text")
    with kept_environment("SILSON_HOME"):
        services = seeded_services(home)
        with in_thread(create_app(services, sign_in_rate="200/minute")) as url:
            yield Live(url, services, home)


def _kim(live: Live) -> tuple[int, int]:
    with live.services.sessions.begin() as s:
        pid = people.find_by_phone(s, live.services.master, str(KIM["phone"]))[0]
        return pid, repository.claims_of(s, pid)[0].id


def _small_controls(page: Any) -> list[str]:
    """Visible buttons, fields and button-links shorter than a thumb (text links inside sentences aside)."""
    found: list[str] = page.evaluate(
        f"""[...document.querySelectorAll('main button, main input:not([type=hidden]), main select, main .button')]
            .filter(e => e.offsetParent !== null && e.type !== 'checkbox' && e.type !== 'radio')
            .filter(e => e.getBoundingClientRect().height < {THUMB})
            .map(e => (e.id || e.name || e.textContent).trim())"""
    )
    return found


def _is_large(page: Any) -> None:
    assert "large" in (page.locator("body").get_attribute("class") or "")
    assert float(page.evaluate("getComputedStyle(document.body).fontSize")[:-2]) >= LARGE
    smallest = page.evaluate(
        """Math.min(...[...document.querySelectorAll('main *, footer *')].filter(e => e.offsetParent !== null
            && !e.closest('svg')
            && [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
            .map(e => parseFloat(getComputedStyle(e).fontSize)))"""
    )
    # nothing below the usual body size (a chart's SVG text scales with the chart, not the type)
    assert smallest >= 16, f"text of {smallest}px on {page.url}"
    assert _small_controls(page) == [], page.url
    assert page.get_by_role("link", name="지금 할 일").count() >= 1  # the one next step, from every page


def test_large_text_covers_every_customer_page(server: Live, browser: Any, shots: Path) -> None:
    pid, cid = _kim(server)
    base = server.url
    page = _page(browser)
    _sign_in(page, base, str(KIM["name"]), KIM["birth_date"].isoformat(), str(KIM["phone"]))  # type: ignore[attr-defined]
    page.get_by_role("button", name="큰 글씨").click()
    page.goto(f"{base}/me")
    page.wait_for_url(re.compile(rf"/people/{pid}/simple$"))
    _is_large(page)
    _shot(page, shots, "01-simple-home")

    pages = [
        ("02-estimate", f"/people/{pid}/estimate"),
        ("03-claims", f"/people/{pid}/claims"),
        ("04-claim", f"/claims/{cid}"),
        ("05-claim-documents", f"/claims/{cid}/documents"),
        ("06-reconciliation", f"/claims/{cid}/reconciliation"),
        ("06a-import-upload", f"/people/{pid}/import"),
        ("06b-family", f"/people/{pid}/family"),
        ("06c-assisted", f"/people/{pid}/assisted"),
        ("07-routes", f"/claims/{cid}/routes"),
        ("08-silson24-guide", f"/claims/{cid}/silson24"),
        ("09-new-claim", f"/people/{pid}/claims/new"),
        ("10-notifications", f"/people/{pid}/notifications"),
        ("11-consent", f"/people/{pid}/consent"),
        ("12-agent-tasks", f"/people/{pid}/agent-tasks"),
    ]
    for name, path in pages:
        answer = page.goto(base + path)
        assert answer is not None and answer.status == 200, path
        page.wait_for_load_state("networkidle")  # htmx parts (the estimate, the routes) are in
        _is_large(page)
        _shot(page, shots, name)

    # the estimate in large text: each provider-year's route and why, as on the claim's route page
    page.goto(f"{base}/people/{pid}/estimate")
    page.wait_for_load_state("networkidle")
    assert page.locator(".route-reason").count() >= 1
    page.locator(".route-reason summary").first.click()
    assert "실손24" in page.locator(".route-reason").first.inner_text()
    _shot(page, shots, "13-estimate-route-reason")

    # off again: the usual type everywhere
    page.goto(f"{base}/claims/{cid}")
    page.get_by_role("button", name="보통 글씨").click()
    page.goto(f"{base}/claims/{cid}/documents")
    assert "large" not in (page.locator("body").get_attribute("class") or "")
    assert page.evaluate("getComputedStyle(document.body).fontSize") == "16px"
    _shot(page, shots, "14-usual-text")
