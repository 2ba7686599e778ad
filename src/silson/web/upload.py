"""Reading an upload without stalling the service: the body is refused early when too large (its
Content-Length, then the bytes counted as they arrive), and the multipart parsing runs in a worker
thread, never on the event loop. Authentication happens before any of it (the route's dependencies
run first because the route declares no body parameters)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import python_multipart
from fastapi import Request
from starlette.concurrency import run_in_threadpool

from silson.errors import Invalid, SilsonError

SLACK = 64 * 1024  # multipart boundaries and the small fields around the file


class TooLarge(SilsonError, ValueError):
    code = "too_large"
    http_status = 413


@dataclass(frozen=True, slots=True)
class UploadForm:
    kind: str
    file: bytes
    password: str | None


def _too_large(limit: int) -> TooLarge:
    return TooLarge(f"file: larger than {limit // (1024 * 1024)} MB")


async def read_upload(request: Request, limit: int) -> UploadForm:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit + SLACK:
        raise _too_large(limit)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit + SLACK:
            raise _too_large(limit)
    return await run_in_threadpool(_parse, request.headers.get("content-type", ""), bytes(body), limit)


def _parse(content_type: str, body: bytes, limit: int) -> UploadForm:
    if not content_type.startswith("multipart/form-data"):
        raise Invalid(field="file", message="send multipart/form-data with the fields kind, file and password")
    fields: dict[str, str] = {}
    files: dict[str, bytes] = {}

    def on_field(field: Any) -> None:
        fields[field.field_name.decode()] = (field.value or b"").decode("utf-8", "replace")

    def on_file(file: Any) -> None:
        file.file_object.seek(0)
        files[file.field_name.decode()] = file.file_object.read()

    headers = {"Content-Type": content_type.encode("latin-1"), "Content-Length": str(len(body)).encode()}
    try:
        python_multipart.parse_form(headers, io.BytesIO(body), on_field, on_file)
    except python_multipart.exceptions.FormParserError:
        raise Invalid(field="file", message="the multipart body cannot be read") from None
    kind = fields.get("kind")
    if not kind:
        raise Invalid(field="kind", message="required (hometax | contracts_json | contracts_csv)")
    if "file" not in files:
        raise Invalid(field="file", message="required")
    if len(files["file"]) > limit:
        raise _too_large(limit)
    password = fields.get("password") or None
    if password is not None and len(password) > 100:
        raise Invalid(field="password", message="at most 100 characters")
    return UploadForm(kind, files["file"], password)


OPENAPI_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["kind", "file"],
                    "properties": {
                        "kind": {"type": "string", "description": "hometax | contracts_json | contracts_csv"},
                        "file": {"type": "string", "format": "binary", "description": "the file to import"},
                        "password": {"type": "string", "maxLength": 100},
                    },
                }
            }
        },
    }
}
