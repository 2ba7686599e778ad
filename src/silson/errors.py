"""The one base of every error silson raises on purpose: bad input, refusals, missing objects.

`SilsonError` carries a stable `code`, the HTTP status the API answers with, and the `field` at
fault where there is one. The web app and the CLI map this base only: anything else that escapes
a use case is a defect of ours (a 500 with a log line; exit 70 on the command line), never a 404 or
422 that hides it. Each error class stays next to the code that raises it and names its own code
and status; the Python base it also derives from (ValueError, PermissionError, LookupError) keeps
older callers' `except` clauses working.
"""

from __future__ import annotations

from typing import ClassVar


class SilsonError(Exception):
    """An expected refusal, with its code, HTTP status and (where known) the field at fault."""

    code: ClassVar[str] = "invalid_input"
    http_status: ClassVar[int] = 422
    field: str | None = None

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        # the Python base decides the default status: a refusal is 403, a missing object 404
        if "http_status" not in cls.__dict__:
            if issubclass(cls, PermissionError) and cls.http_status == 422:
                cls.http_status, cls.code = 403, "forbidden"
            elif issubclass(cls, LookupError) and cls.http_status == 422:
                cls.http_status, cls.code = 404, "not_found"


class Invalid(SilsonError, ValueError):
    """Input that breaks a rule of the use case: 422, naming the field as `field: message`."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field


class NotFound(SilsonError, LookupError):
    code = "not_found"
    http_status = 404


class Conflict(SilsonError, ValueError):
    code = "conflict"
    http_status = 409


class DataError(SilsonError, ValueError):
    """Data shipped with silson (terms, rule tables, calendars) is wrong: a defect to fix, 500."""

    code = "bad_data"
    http_status = 500


class Defect(RuntimeError):
    """Something our own code guarantees did not hold: a bug to fix, not a refusal. Deliberately
    neither a SilsonError nor a ValueError, so the web answers it as the defect it is (500, with a
    log line) and the CLI with exit 70, instead of a 422 that would hide it."""
