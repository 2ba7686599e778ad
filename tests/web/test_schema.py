"""Schemathesis against the served OpenAPI document: generated requests to every operation, as an
administrator and as a customer, and none may end in a server error (5xx). Derandomized, so a run
is repeatable; a failure prints the request that caused it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error

from silson.access import Actor
from silson.auth import service as auth
from silson.claims.lifecycle import Role
from silson.web.app import create_app
from tests.web.conftest import seeded_services

# bodies for the operations that take a PDF (an insurer's statement): a minimal real PDF, a truncated
# one and arbitrary bytes, so the endpoint is fuzzed with what people and attackers upload
MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF"
)
schemathesis.openapi.media_type(
    "application/pdf",
    st.one_of(st.just(MINIMAL_PDF), st.just(MINIMAL_PDF[:40]), st.binary(max_size=256)),
)


@pytest.fixture(scope="module")
def app_and_tokens(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, dict[str, str]]:
    services = seeded_services(Path(tmp_path_factory.mktemp("schema-home")))
    now = datetime.now(UTC)
    with services.sessions.begin() as session:
        issued = {
            "administrator": auth.start(session, services.master, actor=Actor(Role.ADMINISTRATOR, staff_id="admin"),
                                        now=now),
            "customer": auth.start(session, services.master, actor=Actor(Role.CUSTOMER, person_id=1), now=now),
        }  # fmt: skip
    return create_app(services, sign_in_rate="100000/minute", run_jobs=False), issued


SETTINGS = settings(
    max_examples=25, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck), database=None
)


@pytest.mark.parametrize("role", ["administrator", "customer"])
def test_no_server_error(role: str, app_and_tokens: tuple[object, dict[str, str]]) -> None:
    app, issued = app_and_tokens
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = {"Authorization": f"Bearer {issued[role]}"}
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @SETTINGS
        @given(case=operation.as_strategy())
        def run(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers, checks=[not_a_server_error])

        try:
            run()
        except Exception as exc:
            failures.append(f"{operation.label}: {exc}")
    assert operations >= 25
    assert failures == []
