"""The insurer port over HTTP: the package protocol (`silson-package/1`) the sandbox insurer serves.
Every submission carries the package's idempotency key as a header, so a retry after a timeout or a
crash files nothing twice."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx

from silson.claims.insurers.port import (
    Acknowledgement,
    Answer,
    Delay,
    InsurerUnavailable,
    Prepayment,
    Statement,
    StatementLine,
)
from silson.errors import Invalid


def parse_statement(raw: dict[str, Any]) -> Statement:
    lines = tuple(StatementLine(int(x["line_no"]), str(x["event"]), str(x["contract"]), x.get("coverage"),
                                date.fromisoformat(x["visit_date"]), int(x["deductible"]), int(x["paid"]))
                  for x in raw["lines"])  # fmt: skip
    interest = int(raw.get("interest") or 0)
    if interest < 0:
        raise Invalid(f"{interest} is negative", field="statement.interest")
    return Statement(str(raw["statement_no"]), date.fromisoformat(raw["paid_on"]), lines, interest)


def parse_delay(raw: dict[str, Any]) -> Delay:
    code = raw.get("code")
    return Delay(date.fromisoformat(raw["notified_on"]), date.fromisoformat(raw["scheduled_on"]), str(raw["reason"]),
                 int(code) if code is not None else None)  # fmt: skip


def parse_prepayment(raw: dict[str, Any]) -> Prepayment:
    return Prepayment(int(raw["amount"]), date.fromisoformat(raw["paid_on"]))


class HttpInsurer:
    def __init__(self, base_url: str, *, timeout: float = 10.0, client: httpx.Client | None = None) -> None:
        self._client = client or httpx.Client(base_url=base_url, timeout=timeout)

    def submit(self, *, package: dict[str, Any], idempotency_key: str) -> Acknowledgement:
        try:
            response = self._client.post("/packages", json=package, headers={"Idempotency-Key": idempotency_key})
        except httpx.HTTPError as exc:
            raise InsurerUnavailable(f"{type(exc).__name__}: {exc}") from None
        if response.status_code >= 500:
            raise InsurerUnavailable(f"HTTP {response.status_code}: {response.text[:200]}")
        response.raise_for_status()
        data = response.json()
        return Acknowledgement(
            str(data["receipt_no"]), date.fromisoformat(data["received_on"]), bool(data["duplicate"])
        )

    def answer(self, *, receipt_no: str) -> Answer:
        try:
            response = self._client.get(f"/packages/{receipt_no}")
        except httpx.HTTPError as exc:
            raise InsurerUnavailable(f"{type(exc).__name__}: {exc}") from None
        if response.status_code >= 500:
            raise InsurerUnavailable(f"HTTP {response.status_code}")
        response.raise_for_status()
        data = response.json()
        statement = parse_statement(data["statement"]) if data.get("statement") else None
        return Answer(str(data["state"]), tuple(data.get("requested", [])), statement, data,
                      delay=parse_delay(data["delay"]) if data.get("delay") else None,
                      prepayment=parse_prepayment(data["prepayment"]) if data.get("prepayment") else None,
                      dispute=data.get("dispute"), closed=data.get("closed"))  # fmt: skip
