"""Errors of the document reader: a refused file is an expected outcome, not a crash.

Each error has a stable `code` and a one-line message; the CLI prints `silson: FILE: message` and
exits 2, and a web endpoint would answer 422 with the code.
"""

from __future__ import annotations

from silson.errors import SilsonError


class DocumentError(SilsonError, ValueError):
    """A document that cannot be read; `code` is stable for callers and logs."""

    code = "document_error"
    http_status = 422


class DocumentRefused(DocumentError):
    """The file is not a kind we read, or breaks a limit (size, pixels, pages): refused before decoding."""

    code = "document_refused"


class DocumentUnreadable(DocumentError):
    """The file is of a kind we read but its content could not be read (corrupt, OCR timed out)."""

    code = "document_unreadable"
