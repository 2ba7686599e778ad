"""One error base, kept: no `raise ValueError(...)` or `raise LookupError(...)` of our own in src.

The web answers a ValueError that is not a SilsonError as bad input (422) and a LookupError as a
missing object (404), so a bare one either lacks its code and field or hides a defect. An input
error is a SilsonError subclass (`Invalid`, `NotFound`, `Conflict`, the areas' own); a broken
guarantee of our own code is a `Defect` (500 with a log line, exit 70). The few sites where a bare
built-in is right are listed below with the reason; a new one fails this test, and so does an
entry whose site has gone.
"""

from __future__ import annotations

import ast
import logging
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.orm import Session, sessionmaker

from silson.adapters.identity import SandboxIdentity
from silson.batch import synth
from silson.errors import Defect, Invalid
from silson.payments.calendar import add_business_days
from silson.privacy.crypto import FileMasterKey
from silson.web.app import Services, create_app

SRC = Path(__file__).resolve().parents[2] / "src" / "silson"
BARE = ("ValueError", "LookupError")

PYDANTIC = (
    "a Pydantic validator: Pydantic expects ValueError and reports it as a ValidationError, which the "
    "catalogue turns into a CatalogueError naming file, parameter and key"
)
#: (file under src/silson, enclosing function, exception) → (how many, why it stays)
ALLOWED: dict[tuple[str, str, str], tuple[int, str]] = {
    ("rules/schema.py", "_kcd_pattern", "ValueError"): (1, PYDANTIC),
    ("rules/schema.py", "_ref", "ValueError"): (3, PYDANTIC),
    ("rules/schema.py", "KcdExclusion._exception_is_whole", "ValueError"): (1, PYDANTIC),
    ("rules/schema.py", "_names.check", "ValueError"): (1, PYDANTIC),
    ("auth/pages.py", "router.sign_in_start", "ValueError"): (
        1, "control flow: caught three lines below with date.fromisoformat's own ValueError and shown on the form",
    ),
    ("relay/sandbox.py", "SandboxRelay.status", "LookupError"): (
        1, "the relay area's sandbox (left to its owners in issue 20): should become NotFound",
    ),
}  # fmt: skip


def bare_raises(root: Path = SRC) -> Counter[tuple[str, str, str]]:
    found: Counter[tuple[str, str, str]] = Counter()

    def walk(node: ast.AST, where: str, path: str) -> None:
        for child in ast.iter_child_nodes(node):
            inner = where
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                inner = f"{where}.{child.name}" if where else child.name
            if isinstance(child, ast.Raise) and child.exc is not None:
                raised = child.exc.func if isinstance(child.exc, ast.Call) else child.exc
                if isinstance(raised, ast.Name) and raised.id in BARE:
                    found[(path, inner, raised.id)] += 1
            walk(child, inner, path)

    for file in sorted(root.rglob("*.py")):
        walk(ast.parse(file.read_text(encoding="utf-8")), "", file.relative_to(root).as_posix())
    return found


def test_no_new_bare_value_or_lookup_error_in_src() -> None:
    found = bare_raises()
    new = {site: n for site, n in found.items() if n > ALLOWED.get(site, (0, ""))[0]}
    assert not new, (
        "bare raises in src (use silson.errors.Invalid / NotFound / an area's SilsonError for input, "
        f"Defect for a bug, or list the site in ALLOWED with its reason): {new}"
    )


def test_every_allowed_site_still_exists() -> None:
    found = bare_raises()
    gone = {site: n for site, (n, _) in ALLOWED.items() if found.get(site, 0) < n}
    assert not gone, f"allowed bare raises no longer there (take them off ALLOWED): {gone}"


def test_the_scan_finds_bare_raises_and_not_the_error_base(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text(
        "class A:\n"
        "    def f(self):\n"
        "        raise ValueError('x: y')\n"
        "    def g(self):\n"
        "        raise Invalid('y', field='x')\n"
        "def h():\n"
        "    if 1:\n"
        "        raise LookupError\n"
        "    raise KeyError('a bug is a 500 already')\n"
    )
    assert bare_raises(tmp_path) == {("m.py", "A.f", "ValueError"): 1, ("m.py", "h", "LookupError"): 1}


class TestWhatTheConvertedSitesAnswer:
    """The two kinds a bare raise became: an input error names its field (422, exit 2); a Defect is
    a bug (500 with a log line, exit 70), never a 422."""

    def _get(self, sessions: sessionmaker[Session], master: FileMasterKey, error: Exception) -> Response:
        app = create_app(Services(sessions, master, SandboxIdentity([]), {}), run_jobs=False)
        router = APIRouter()

        @router.get("/api/boom")
        def boom() -> None:
            raise error

        app.include_router(router)
        return TestClient(app, raise_server_exceptions=False).get("/api/boom")

    def test_an_invalid_upload_field_is_a_422_naming_it(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        got = self._get(sessions, master, Invalid("at most 100 characters", field="password"))
        assert got.status_code == 422
        assert (got.json()["code"], got.json()["field"]) == ("invalid_input", "password")

    def test_a_defect_is_a_500_with_a_log_line(
        self, sessions: sessionmaker[Session], master: FileMasterKey, caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level(logging.ERROR, logger="silson.web.app"):
            got = self._get(sessions, master, Defect("kind: no handler for job kind 'x'"))
        assert got.status_code == 500 and got.json()["code"] == "internal_error"
        assert any("Defect" in r.getMessage() for r in caplog.records)

    def test_a_defect_on_the_command_line_is_exit_70(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        from silson import cli

        def crash() -> None:
            add_business_days(start=date(2025, 1, 1), count=-1)

        monkeypatch.delenv("SILSON_DEBUG", raising=False)
        monkeypatch.setattr(cli, "app", crash)
        with pytest.raises(SystemExit) as done:
            cli.main()
        assert done.value.code == 70
        assert "internal error (Defect" in capsys.readouterr().err

    def test_an_unknown_synth_generation_is_invalid_naming_the_flag(self) -> None:
        with pytest.raises(Invalid) as refused:
            synth.book(3, years=1, seed=0, generations=["std-1999-01"])
        assert refused.value.field == "generations" and refused.value.http_status == 422
