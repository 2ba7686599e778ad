"""One error base (`silson.errors.SilsonError`): every expected refusal answers with its own status,
code and field; a bug (a KeyError inside our code) is a 500 with a log line, never a 404 that hides it;
the CLI exits 2 with one line for a SilsonError and 70 for anything else."""

from __future__ import annotations

import logging

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from silson.access import Forbidden
from silson.adapters.identity import SandboxIdentity
from silson.cases.reader import CaseError
from silson.domain.bounds import BoundsError
from silson.errors import Conflict, DataError, NotFound, SilsonError
from silson.payments.loan_rates import LoanRateError
from silson.privacy.crypto import FileMasterKey
from silson.privacy.imports import ImportNotFound
from silson.web.app import Services, create_app


def _client(sessions: sessionmaker[Session], master: FileMasterKey, error: Exception) -> TestClient:
    app = create_app(Services(sessions, master, SandboxIdentity([]), {}), run_jobs=False)
    router = APIRouter()

    @router.get("/api/boom")
    def boom() -> None:
        raise error

    app.include_router(router)
    return TestClient(app, raise_server_exceptions=False)


class TestTheBase:
    def test_every_domain_error_is_a_silson_error_with_its_python_base(self) -> None:
        assert issubclass(CaseError, SilsonError) and issubclass(CaseError, ValueError)
        assert issubclass(Forbidden, SilsonError) and Forbidden.http_status == 403
        assert NotFound.http_status == 404 and Conflict.http_status == 409 and DataError.http_status == 500

    def test_a_refusal_subclass_gets_403_and_a_missing_one_404_by_default(self) -> None:
        class Refused(SilsonError, PermissionError):
            pass

        class Gone(SilsonError, LookupError):
            pass

        assert (Refused.http_status, Refused.code) == (403, "forbidden")
        assert (Gone.http_status, Gone.code) == (404, "not_found")


class TestTheApi:
    def test_a_silson_error_answers_with_its_status_code_and_field(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        got = _client(sessions, master, CaseError("events[0].date", "is after claim_date")).get("/api/boom")
        assert got.status_code == 422
        assert got.json() == {
            "code": "invalid_input",
            "message": "진료일을 확인해 주세요.",
            "field": "events[0].date",
            "detail": "is after claim_date",
        }  # Korean for the person, the wording kept (#14)

    def test_a_conflict_is_409(self, sessions: sessionmaker[Session], master: FileMasterKey) -> None:
        assert _client(sessions, master, Conflict("이미 청구 중입니다")).get("/api/boom").status_code == 409

    def test_a_key_error_from_a_bug_is_a_500_and_logged_not_a_404(
        self, sessions: sessionmaker[Session], master: FileMasterKey, caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level(logging.ERROR, logger="silson.web.app"):
            got = _client(sessions, master, KeyError("rate")).get("/api/boom")
        assert got.status_code == 500
        assert any("KeyError" in r.getMessage() for r in caplog.records)

    @pytest.mark.parametrize("error", [ValueError("invalid literal for int() with base 10: 'x'"),
                                       LookupError("no such codec"), IndexError("list index out of range")])  # fmt: skip
    def test_a_library_value_or_lookup_error_is_a_500_and_logged_never_a_422_or_404(
        self, sessions: sessionmaker[Session], master: FileMasterKey, caplog: pytest.LogCaptureFixture,
        error: Exception,
    ) -> None:  # fmt: skip
        with caplog.at_level(logging.ERROR, logger="silson.web.app"):
            got = _client(sessions, master, error).get("/api/boom")
        assert (got.status_code, got.json()["code"]) == (500, "internal_error")
        assert "invalid literal" not in got.text  # the library's words stay in the log
        assert any(type(error).__name__ in r.getMessage() for r in caplog.records)

    def test_the_refusals_that_were_bare_python_errors_keep_their_status(
        self, sessions: sessionmaker[Session], master: FileMasterKey
    ) -> None:
        answers = [_client(sessions, master, e).get("/api/boom").status_code
                   for e in (ImportNotFound("가져온 파일 4"), BoundsError("too deep"), LoanRateError("no rate"))]  # fmt: skip
        assert answers == [404, 422, 500]

    def test_broken_shipped_data_is_a_500(self, sessions: sessionmaker[Session], master: FileMasterKey) -> None:
        assert _client(sessions, master, DataError("terms: bad value")).get("/api/boom").status_code == 500


class TestTheCli:
    def test_a_silson_error_escaping_a_command_is_one_line_and_exit_2(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        from silson import cli

        def refuse() -> None:
            raise NotFound("no claim 7")

        monkeypatch.setattr(cli, "app", refuse)
        with pytest.raises(SystemExit) as done:
            cli.main()
        assert done.value.code == 2
        assert capsys.readouterr().err == "silson: no claim 7\n"

    def test_a_bug_is_exit_70(self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
        from silson import cli

        def crash() -> None:
            raise KeyError("rate")

        monkeypatch.delenv("SILSON_DEBUG", raising=False)
        monkeypatch.setattr(cli, "app", crash)
        with pytest.raises(SystemExit) as done:
            cli.main()
        assert done.value.code == 70
