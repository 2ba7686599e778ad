"""The recourse port: how a request the customer approved (재청구·이의 제기, `silson-recourse/1`) reaches
the insurer, and how its answer comes back (a corrected payment as a new statement, with the 지연이자
paid, or a refusal with its reason). One implementation per outside system: `HttpRecourse` speaks the
protocol the sandbox insurer serves beside its package protocol; a real insurer gets its own adapter.
Every send carries the request's idempotency key, so a retry files nothing twice."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any, Protocol

import httpx

from silson.claims.insurers.config import ENV
from silson.claims.insurers.http import parse_statement
from silson.claims.insurers.port import InsurerUnavailable, Statement

FORMAT = "silson-recourse/1"


@dataclass(frozen=True, slots=True)
class RecourseReceipt:
    request_no: str  # the insurer's 접수번호 of the request
    received_on: date
    duplicate: bool  # the insurer had it already (same idempotency key)


@dataclass(frozen=True, slots=True)
class RecourseAnswer:
    state: str  # received (no answer yet) | answered
    statement: Statement | None = None  # the corrected payment, if any
    interest: int = 0  # 지연이자 paid with it (원)
    text: str = ""  # the insurer's answer in its words


class RecoursePort(Protocol):
    def send(self, *, request: dict[str, Any], idempotency_key: str) -> RecourseReceipt: ...

    def answer(self, *, request_no: str) -> RecourseAnswer: ...


class HttpRecourse:
    def __init__(self, base_url: str, *, timeout: float = 10.0, client: httpx.Client | None = None) -> None:
        self._client = client or httpx.Client(base_url=base_url, timeout=timeout)

    def _call(self, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self._client.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            raise InsurerUnavailable(f"{type(exc).__name__}: {exc}") from None
        if response.status_code >= 500:
            raise InsurerUnavailable(f"HTTP {response.status_code}: {response.text[:200]}")
        response.raise_for_status()
        data: dict[str, Any] = response.json()
        return data

    def send(self, *, request: dict[str, Any], idempotency_key: str) -> RecourseReceipt:
        data = self._call("POST", "/recourse", json=request, headers={"Idempotency-Key": idempotency_key})
        received = date.fromisoformat(data["received_on"])
        return RecourseReceipt(str(data["request_no"]), received, bool(data["duplicate"]))

    def answer(self, *, request_no: str) -> RecourseAnswer:
        data = self._call("GET", f"/recourse/{request_no}")
        statement = parse_statement(data["statement"]) if data.get("statement") else None
        interest, text = int(data.get("interest") or 0), str(data.get("text") or "")
        return RecourseAnswer(str(data["state"]), statement, interest, text)


@cache
def _http(url: str, timeout: float) -> HttpRecourse:
    return HttpRecourse(url, timeout=timeout)


def from_env(*, timeout: float = 10.0) -> Callable[[str], RecoursePort]:
    """The port for an insurer by name: the insurer service at SILSON_INSURER_URL (the sandbox insurer
    `make run` starts); unconfigured answers InsurerUnavailable, so the send waits and is retried."""

    def port_for(insurer: str) -> RecoursePort:
        url = os.environ.get(ENV, "").strip()
        if not url:
            raise InsurerUnavailable(f"{ENV}이(가) 설정되지 않아 {insurer}에 보낼 수 없습니다.")
        return _http(url, timeout)

    return port_for
