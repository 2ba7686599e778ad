"""A live silson server (uvicorn in a thread, tests/live.py; the demo seeded on SQLite in a temporary
SILSON_HOME) and a real headless Chromium driven by Playwright. Chromium is Debian's package, found at
SILSON_CHROMIUM (default /usr/bin/chromium); .ci/run installs it. Outside CI a machine without it
skips the browser tests; in CI its absence fails them. Screenshots go under SILSON_TEST_OUTPUT
(default var/test-output)/screenshots."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from silson import demo
from silson.adapters.identity import Identity, SandboxIdentity
from silson.claims.lifecycle import Role
from silson.privacy.crypto import FileMasterKey
from silson.store.db import make_engine, migrate, session_factory
from silson.web.app import Services, create_app
from tests.live import in_thread, kept_environment

CHROMIUM = Path(os.environ.get("SILSON_CHROMIUM", "/usr/bin/chromium"))
OUTPUT = Path(os.environ.get("SILSON_TEST_OUTPUT", "var/test-output"))
STAFF_SECRET = "reviewer-pass"
PARK = Identity("박지훈", date(1990, 1, 1), "010-5555-0101")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]  # fmt: skip


@dataclass
class Live:
    url: str
    services: Services
    home: Path


def seeded_services(home: Path) -> Services:
    """The demo (김민준, 이서연 and their claims) plus 박지훈, whom the identity sandbox knows but who
    has not signed up yet."""
    os.environ["SILSON_HOME"] = str(home)
    demo.seed()
    engine = make_engine(f"sqlite:///{home / 'silson.db'}")
    migrate(engine)
    accounts = [Identity(str(m["name"]), m["birth_date"], str(m["phone"])) for m in demo.FAMILY]  # type: ignore[arg-type]
    return Services(
        sessions=session_factory(engine),
        master=FileMasterKey.load_or_create(home / "master.key"),
        identity=SandboxIdentity([*accounts, PARK]),
        staff={"reviewer": (Role.REVIEWER, STAFF_SECRET), "admin": (Role.ADMINISTRATOR, STAFF_SECRET)},
    )


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    home = tmp_path_factory.mktemp("silson-home")
    with kept_environment("SILSON_HOME"):
        services = seeded_services(home)
        with in_thread(create_app(services, sign_in_rate="200/minute")) as url:
            yield Live(url, services, home)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium not found at {CHROMIUM} (.ci/run installs Debian's chromium)")
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Path:
    folder = OUTPUT / "screenshots" / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    return folder
