"""The sandbox insurer's recourse desk: it receives a 재청구·이의 제기 (`silson-recourse/1`) once per
`Idempotency-Key`, answers a 접수번호, and, when told to (`POST /recourse/{no}/decide`), answers it:
either a corrected payment (a new statement paying, per visit and 담보, what the engine owes beyond what
its earlier statements paid, with the 지연이자 on every payment made after the 지급기일) or a refusal
with its reason. It shares the insurer's SQLite file and package table (sandbox/insurer.py registers it).

Protocol: `POST /recourse` → {request_no, received_on, duplicate}; `GET /recourse/{no}` → {state:
received | answered, statement, interest, text}."""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import date
from typing import Any

from fastapi import FastAPI, Header, HTTPException
from pydantic import BaseModel

from silson.cases.reader import parse_case
from silson.payments.interest import late_payment_interest
from silson.payments.loan_rates import loan_rate
from silson.rules.catalogue import Catalogue
from silson.rules.money import won

SCHEMA = """
CREATE TABLE IF NOT EXISTS recourse (key TEXT PRIMARY KEY, request_no TEXT UNIQUE, receipt_no TEXT,
    received_on TEXT, body TEXT, deliveries INTEGER, answer TEXT);
"""


class AnswerIn(BaseModel):
    paid_on: date
    pay: bool = True  # False: refuse, keeping the earlier payment


def _paid_so_far(statements: list[dict[str, Any]]) -> dict[tuple[str, str], int]:
    paid: dict[tuple[str, str], int] = {}
    for st in statements:
        for line in st["lines"]:
            key = (str(line["event"]), str(line["contract"]))
            paid[key] = paid.get(key, 0) + int(line["paid"])
    return paid


def correction(
    *, package: dict[str, Any], insurer: str, received_on: date, earlier: list[dict[str, Any]], paid_on: date,
    statement_no: str, terms: Catalogue,
) -> dict[str, Any]:  # fmt: skip
    """The statement that pays what the engine owes beyond the earlier statements, and the 지연이자 on
    every payment made after the 지급기일 (제9조④), less the interest already paid."""
    from silson.sandbox.insurer import _deductible, decide  # the insurer's own arithmetic

    case = parse_case(package["case"])
    owed = decide(case=case, insurer=insurer, catalogue=terms, mistakes=[])
    paid = _paid_so_far(earlier)
    days = {e.id: e.date for e in case.events}
    lines: list[dict[str, Any]] = []
    for d, amount in owed:
        rest = amount - paid.get((d.event, d.contract), 0)
        if rest > 0:
            lines.append({"line_no": len(lines) + 1, "event": d.event, "contract": d.contract,
                          "coverage": d.coverage, "visit_date": days[d.event].isoformat(),
                          "deductible": _deductible(d), "paid": rest})  # fmt: skip
    rate = loan_rate(insurer=insurer, on=paid_on).percent
    payments = [(date.fromisoformat(st["paid_on"]), int(st["total"])) for st in earlier]
    payments.append((paid_on, sum(int(x["paid"]) for x in lines)))
    interest = sum(late_payment_interest(received=received_on, paid=day, amount=amount, loan_rate=rate).interest
                   for day, amount in payments if amount > 0)  # fmt: skip
    interest -= sum(int(st.get("interest", 0)) for st in earlier)
    return {"statement_no": statement_no, "paid_on": paid_on.isoformat(), "lines": lines,
            "total": payments[-1][1], "interest": max(interest, 0)}  # fmt: skip


def register(app: FastAPI, conn: sqlite3.Connection, lock: threading.Lock, terms: Catalogue) -> None:
    conn.executescript(SCHEMA)

    @app.post("/recourse", status_code=201)
    def receive(body: dict[str, Any], idempotency_key: str = Header(min_length=8, max_length=200)) -> dict[str, Any]:
        if body.get("format") != "silson-recourse/1":
            raise HTTPException(422, "format: silson-recourse/1 이 아닙니다.")
        receipt = str(body.get("receipt_no") or "")
        with lock:
            if conn.execute("SELECT 1 FROM package WHERE receipt_no = ?", (receipt,)).fetchone() is None:
                raise HTTPException(404, f"접수번호 {receipt} 없음")
            row = conn.execute("SELECT request_no, received_on FROM recourse WHERE key = ?",
                               (idempotency_key,)).fetchone()  # fmt: skip
            if row:
                conn.execute("UPDATE recourse SET deliveries = deliveries + 1 WHERE key = ?", (idempotency_key,))
                return {"request_no": row[0], "received_on": row[1], "duplicate": True}
            count = conn.execute("SELECT COUNT(*) FROM recourse").fetchone()[0]
            number = f"RQ{count + 1:08d}"
            received = str(body.get("sent_on") or date.today().isoformat())
            stored = json.dumps(body, ensure_ascii=False)
            conn.execute("INSERT INTO recourse VALUES (?, ?, ?, ?, ?, 1, NULL)",
                         (idempotency_key, number, receipt, received, stored))  # fmt: skip
        return {"request_no": number, "received_on": received, "duplicate": False}

    @app.get("/recourse/{request_no}")
    def status(request_no: str) -> dict[str, Any]:
        row = conn.execute("SELECT answer FROM recourse WHERE request_no = ?", (request_no,)).fetchone()
        if row is None:
            raise HTTPException(404, f"요청 {request_no} 없음")
        if not row[0]:
            return {"request_no": request_no, "state": "received"}
        return {"request_no": request_no, "state": "answered", **json.loads(row[0])}

    @app.post("/recourse/{request_no}/decide")
    def decide_now(request_no: str, body: AnswerIn) -> dict[str, Any]:
        """Sandbox control: answer the request now, paying on `paid_on` (or refusing)."""
        with lock:
            row = conn.execute("SELECT receipt_no, answer FROM recourse WHERE request_no = ?",
                               (request_no,)).fetchone()  # fmt: skip
            if row is None:
                raise HTTPException(404, f"요청 {request_no} 없음")
            if row[1]:
                return dict(json.loads(row[1]))
            pkg = conn.execute("SELECT body, insurer, received_on, statement FROM package WHERE receipt_no = ?",
                               (row[0],)).fetchone()  # fmt: skip
            earlier = [json.loads(pkg[3])] if pkg[3] else []
            for (done,) in conn.execute("SELECT answer FROM recourse WHERE receipt_no = ? AND answer IS NOT NULL",
                                        (row[0],)).fetchall():  # fmt: skip
                if json.loads(done).get("statement"):
                    earlier.append(json.loads(done)["statement"])
            if not body.pay:
                refusal = "재심사 결과 기존 지급 금액이 약관에 맞다고 판단했습니다."
                answer: dict[str, Any] = {"statement": None, "interest": 0, "text": refusal}
            else:
                st = correction(package=json.loads(pkg[0]), insurer=pkg[1], received_on=date.fromisoformat(pkg[2]),
                                earlier=earlier, paid_on=body.paid_on, statement_no=f"ST-{row[0]}-{request_no}",
                                terms=terms)  # fmt: skip
                answer = {"statement": st, "interest": st["interest"],
                          "text": f"재심사 결과 차액 {won(st['total'])}원과 지연이자 {won(st['interest'])}원을 "
                                  f"{body.paid_on}에 지급했습니다."}  # fmt: skip
            conn.execute("UPDATE recourse SET answer = ? WHERE request_no = ?",
                         (json.dumps(answer, ensure_ascii=False), request_no))  # fmt: skip
        return answer
