"""A sandbox insurer: a separate HTTP service (its own process and SQLite file) that speaks the insurer
port's protocol, so the claim road crosses a real network and process boundary in tests and demos.

It accepts a package (`silson-package/1`: the case, the person, the documents as base64 PDFs) under an
`Idempotency-Key` header and answers a 접수번호 and 접수일; the same key again gets the same answer and is
counted as a duplicate delivery, never as a second package. It decides with the engine's own arithmetic
plus the mistakes it is told to make (reconcile's known mistakes: no sharing, another institution class,
the visit-count cut, no room difference), may ask for more documents, pays on the day it is told (late
if told so), and returns a payout statement as JSON, line by line. After 접수 it can also notify a delay
(제9조②: reason, 지급예정일, a listed reason's number), pay a 가지급 (제9조③: a share of its estimate), contest
its decision (disputed) and close the claim, each by a control call or (delay and 가지급) by its config.
Faults for tests: a share of requests fails (500) before storing, a share is stored and then answered
too late for the client.

Run it: `silson sandbox-insurer --port 8765 [--db FILE]`."""

from __future__ import annotations

import json
import random
import re
import sqlite3
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Header, HTTPException
from pydantic import BaseModel, Field

from silson.cases.reader import parse_case
from silson.domain.model import Case
from silson.payments.calendar import add_business_days
from silson.payments.reconcile import KNOWN_MISTAKES, Situation
from silson.rules.catalogue import Catalogue, load_catalogue
from silson.rules.decision import Decision
from silson.rules.engine import adjudicate
from silson.sandbox import recourse

MISTAKES = {m.code: m for m in KNOWN_MISTAKES}
SCHEMA = """
CREATE TABLE IF NOT EXISTS package (key TEXT PRIMARY KEY, receipt_no TEXT UNIQUE, received_on TEXT,
    insurer TEXT, body TEXT, deliveries INTEGER, requested TEXT, statement TEXT);
CREATE TABLE IF NOT EXISTS config (k TEXT PRIMARY KEY, v TEXT);
"""
#: what was told after 접수, as JSON: {"delay": …, "prepayment": …, "dispute": …, "closed": …}
EXTRA = "ALTER TABLE package ADD COLUMN extra TEXT"


class Config(BaseModel):
    fail_rate: float = Field(default=0.0, ge=0, le=1)  # answered 500 before anything is stored
    timeout_rate: float = Field(default=0.0, ge=0, le=1)  # stored, then answered after `slow_seconds`
    slow_seconds: float = Field(default=0.0, ge=0, le=30)
    mistakes: list[str] = Field(default_factory=list)  # reconcile's known-mistake codes
    request_documents: list[str] = Field(default_factory=list)  # asked for before deciding
    seed: int | None = None
    #: notify a delay at once on receipt: the 지급예정일 this many business days after 접수 (제9조②)
    delay_business_days: int | None = Field(default=None, ge=1, le=120)
    delay_reason: str = "의료자문 필요 (추가 조사)"
    delay_code: int | None = Field(default=None, ge=1, le=6)
    #: with a delay, pay this share (‰) of the estimate as 가지급 on the day of the notice (제9조③: ≤ 500)
    prepay_permille: int | None = Field(default=None, ge=1, le=1000)


class DelayIn(BaseModel):
    notified_on: date
    scheduled_on: date
    reason: str = Field(min_length=1, max_length=500)
    code: int | None = Field(default=None, ge=1, le=6)


class PrepayIn(BaseModel):
    paid_on: date
    permille: int = Field(default=500, ge=1, le=1000)  # 제9조③: 50% of the estimate


class NoteIn(BaseModel):
    reason: str = Field(min_length=1, max_length=500)


class DecideIn(BaseModel):
    paid_on: date
    mistakes: list[str] | None = None
    interest: int = Field(default=0, ge=0)  # 보험금지연이자 paid with the statement (0: none, a common omission)


def _deductible(decision: Decision) -> int:
    """공제금액 as the trace states it: the last figure of its 공제금액 step (0 when none)."""
    for step in decision.trace:
        if step.text.startswith("공제금액"):
            found = re.findall(r"([\d,]+)\s*$", step.text)
            if found:
                return int(found[-1].replace(",", ""))
    return 0


def decide(*, case: Case, insurer: str, catalogue: Catalogue, mistakes: list[str]) -> list[tuple[Decision, int]]:
    """The insurer's figures for its own contracts: the engine's, or a known mistake's where told to
    make one (the first variant that applies). Returns (the engine's decision, what it pays)."""
    result = adjudicate(case=case, catalogue=catalogue)
    own = {c.id: c for c in case.contracts if c.insurer == insurer}
    paid: list[tuple[Decision, int]] = []
    for d in result.decisions:
        if d.contract not in own:
            continue
        amount = d.amount
        for code in mistakes:
            mistake = MISTAKES.get(code)
            if mistake is None:
                continue
            unit = tuple(sorted(case.events, key=lambda e: e.id != d.event))
            for variant in mistake.variants(Situation(case, catalogue, own[d.contract], unit)):
                figures = adjudicate(case=variant.case, catalogue=variant.catalogue).decisions
                other = next((x for x in figures if (x.event, x.contract) == (d.event, d.contract)), None)
                if other is not None:
                    amount = other.amount
                break
        paid.append((d, amount))
    return paid


def create_app(db: Path, *, catalogue: Catalogue | None = None) -> FastAPI:
    app = FastAPI(title="sandbox insurer", version="1")
    terms = catalogue or load_catalogue()
    lock = threading.Lock()
    conn = sqlite3.connect(db, check_same_thread=False, isolation_level=None)
    conn.executescript(SCHEMA)
    if "extra" not in {r[1] for r in conn.execute("PRAGMA table_info(package)")}:
        conn.execute(EXTRA)
    rng = random.Random()

    def extra(receipt_no: str) -> dict[str, Any]:
        row = conn.execute("SELECT extra FROM package WHERE receipt_no = ?", (receipt_no,)).fetchone()
        if row is None:
            raise HTTPException(404, f"접수번호 {receipt_no} 없음")
        return dict(json.loads(row[0])) if row[0] else {}

    def tell(receipt_no: str, **told: Any) -> dict[str, Any]:
        with lock:
            now = {**extra(receipt_no), **told}
            conn.execute("UPDATE package SET extra = ? WHERE receipt_no = ?",
                         (json.dumps(now, ensure_ascii=False), receipt_no))  # fmt: skip
        return now

    def estimate(receipt_no: str) -> int:
        """What the insurer's own arithmetic would pay now (its mistakes included): the 가지급 base."""
        row = conn.execute("SELECT body, insurer FROM package WHERE receipt_no = ?", (receipt_no,)).fetchone()
        if row is None:
            raise HTTPException(404, f"접수번호 {receipt_no} 없음")
        case = parse_case(json.loads(row[0])["case"])
        return sum(a for _d, a in decide(case=case, insurer=row[1], catalogue=terms, mistakes=config().mistakes))

    def config() -> Config:
        row = conn.execute("SELECT v FROM config WHERE k = 'config'").fetchone()
        return Config.model_validate_json(row[0]) if row else Config()

    @app.put("/config")
    def set_config(body: Config) -> Config:
        with lock:
            conn.execute("INSERT OR REPLACE INTO config VALUES ('config', ?)", (body.model_dump_json(),))
            if body.seed is not None:
                rng.seed(body.seed)
        return body

    @app.post("/packages", status_code=201)
    def receive(body: dict[str, Any], idempotency_key: str = Header(min_length=8, max_length=200)) -> dict[str, Any]:
        cfg = config()
        with lock:
            roll = rng.random()
        if roll < cfg.fail_rate:
            raise HTTPException(503, "sandbox: 일시 장애 (시험용)")
        if body.get("format") != "silson-package/1":
            raise HTTPException(422, "format: silson-package/1 이 아닙니다.")
        with lock:
            row = conn.execute(
                "SELECT receipt_no, received_on FROM package WHERE key = ?", (idempotency_key,)
            ).fetchone()
            if row:
                conn.execute("UPDATE package SET deliveries = deliveries + 1 WHERE key = ?", (idempotency_key,))
                answer = {"receipt_no": row[0], "received_on": row[1], "duplicate": True}
            else:
                count = conn.execute("SELECT COUNT(*) FROM package").fetchone()[0]
                receipt = f"SB{count + 1:08d}"
                received = str(body.get("claim_date") or date.today().isoformat())
                requested = ",".join(cfg.request_documents)
                conn.execute("INSERT INTO package (key, receipt_no, received_on, insurer, body, deliveries, requested) "
                             "VALUES (?, ?, ?, ?, ?, 1, ?)",
                             (idempotency_key, receipt, received, body.get("insurer", ""), _strip(body),
                              requested))  # fmt: skip
                answer = {"receipt_no": receipt, "received_on": received, "duplicate": False}
        if not answer["duplicate"] and cfg.delay_business_days and "case" in body:
            notified = date.fromisoformat(received)
            scheduled = add_business_days(start=notified, count=cfg.delay_business_days)
            tell(receipt, delay={"notified_on": received, "scheduled_on": scheduled.isoformat(),
                                 "reason": cfg.delay_reason, "code": cfg.delay_code})  # fmt: skip
            if cfg.prepay_permille:
                tell(receipt, prepayment={"amount": estimate(receipt) * cfg.prepay_permille // 1000,
                                          "paid_on": received})  # fmt: skip
        if roll < cfg.fail_rate + cfg.timeout_rate:
            time.sleep(cfg.slow_seconds)  # stored, but the client has given up by now
        return answer

    @app.get("/packages/{receipt_no}")
    def status(receipt_no: str) -> dict[str, Any]:
        row = conn.execute("SELECT requested, statement, received_on FROM package WHERE receipt_no = ?",
                           (receipt_no,)).fetchone()  # fmt: skip
        if row is None:
            raise HTTPException(404, f"접수번호 {receipt_no} 없음")
        statement = json.loads(row[1]) if row[1] else None
        requested = [c for c in (row[0] or "").split(",") if c]
        told = extra(receipt_no)
        state = "decided" if statement else ("documents_requested" if requested else "received")
        if not statement and not requested:
            state = "prepaid" if told.get("prepayment") else ("delay_notified" if told.get("delay") else state)
        if statement and told.get("dispute"):
            state = "disputed"
        if told.get("closed"):
            state = "closed"
        return {"receipt_no": receipt_no, "received_on": row[2], "state": state, "requested": requested,
                "statement": statement, **told}  # fmt: skip

    @app.post("/packages/{receipt_no}/delay")
    def notify_delay(receipt_no: str, body: DelayIn) -> dict[str, Any]:
        """Sandbox control: notify that payment will be late (제9조②), with the reason and 지급예정일."""
        return tell(receipt_no, delay=body.model_dump(mode="json"))

    @app.post("/packages/{receipt_no}/prepay")
    def prepay(receipt_no: str, body: PrepayIn) -> dict[str, Any]:
        """Sandbox control: pay a 가지급 of `permille` of the estimate (제9조③)."""
        amount = estimate(receipt_no) * body.permille // 1000
        return tell(receipt_no, prepayment={"amount": amount, "paid_on": body.paid_on.isoformat()})

    @app.post("/packages/{receipt_no}/dispute")
    def dispute(receipt_no: str, body: NoteIn) -> dict[str, Any]:
        """Sandbox control: the insurer contests its decision (e.g. asks for a 제3자 의료자문, 제9조⑦)."""
        return tell(receipt_no, dispute=body.reason)

    @app.post("/packages/{receipt_no}/close")
    def close(receipt_no: str, body: NoteIn) -> dict[str, Any]:
        """Sandbox control: the insurer closes the claim (종결)."""
        return tell(receipt_no, closed=body.reason)

    @app.post("/packages/{receipt_no}/decide")
    def decide_now(receipt_no: str, body: DecideIn) -> dict[str, Any]:
        """Sandbox control: decide the package now and pay on `paid_on` (late when told a late day)."""
        row = conn.execute("SELECT body, insurer, statement FROM package WHERE receipt_no = ?",
                           (receipt_no,)).fetchone()  # fmt: skip
        if row is None:
            raise HTTPException(404, f"접수번호 {receipt_no} 없음")
        if row[2]:
            return dict(json.loads(row[2]))
        package = json.loads(row[0])
        case = parse_case(package["case"])
        mistakes = body.mistakes if body.mistakes is not None else config().mistakes
        paid = decide(case=case, insurer=row[1], catalogue=terms, mistakes=mistakes)
        days = {e.id: e.date for e in case.events}
        lines: list[dict[str, Any]] = [
            {"line_no": i + 1, "event": d.event, "contract": d.contract, "coverage": d.coverage,
             "visit_date": days[d.event].isoformat(), "deductible": _deductible(d), "paid": amount}
            for i, (d, amount) in enumerate(paid)
        ]  # fmt: skip
        statement = {"statement_no": f"ST-{receipt_no}", "receipt_no": receipt_no, "paid_on": body.paid_on.isoformat(),
                     "total": sum(amount for _d, amount in paid), "interest": body.interest, "lines": lines,
                     "mistakes": mistakes}  # fmt: skip
        with lock:
            conn.execute("UPDATE package SET statement = ?, requested = '' WHERE receipt_no = ?",
                         (json.dumps(statement, ensure_ascii=False), receipt_no))  # fmt: skip
        return statement

    @app.get("/counts")
    def counts() -> dict[str, int]:
        """For tests: packages stored (one per key) and deliveries (every accepted POST)."""
        packages, deliveries = conn.execute("SELECT COUNT(*), COALESCE(SUM(deliveries), 0) FROM package").fetchone()
        return {"packages": int(packages), "deliveries": int(deliveries)}

    @app.get("/healthz")
    def healthz() -> str:
        return "ok"

    recourse.register(app, conn, lock, terms)  # the recourse desk (sandbox/recourse.py)
    return app


def _strip(body: dict[str, Any]) -> str:
    """The package as stored: the documents' content is kept out (the sandbox needs only the case)."""
    docs = [{k: v for k, v in d.items() if k != "pdf_base64"} for d in body.get("documents", [])]
    attached = [{k: v for k, v in d.items() if k != "uploaded"} for d in body.get("attachments", [])]
    return json.dumps({**body, "documents": docs, "attachments": attached}, ensure_ascii=False)
