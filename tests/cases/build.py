"""Writes the project's own golden cases (tests/cases/std-2015-09/*.json) from the definitions below.

Every expected figure here is worked out by hand in the case's `source`, from the clause it cites;
the engine is never asked. Run `.venv/bin/python -m tests.cases.build` after editing, and commit the
JSON: the JSON files are what `check-cases` and the test suite read. The cases of the other
generations are in `generations.py`.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

OUT = Path(__file__).parent

FULL = {
    "injury_inpatient": {"limit": 50000000},
    "injury_outpatient": {"outpatient_limit": 250000, "prescription_limit": 50000},
    "disease_inpatient": {"limit": 50000000},
    "disease_outpatient": {"outpatient_limit": 250000, "prescription_limit": 50000},
}


def contract(cid: str = "c1", option: str | None = "choice2", start: str = "2017-02-01", **kw: Any) -> dict[str, Any]:
    c = {
        "id": cid,
        "insurer": kw.pop("insurer", "현대해상"),
        "product": kw.pop("product", "Hi1701"),
        "terms": kw.pop("terms", "std-2015-09"),
        "option": option,
        "start": start,
        "coverages": kw.pop("coverages", FULL),
    }
    c.update(kw)
    return {k: v for k, v in c.items() if v is not None}


def visit(
    eid: str,
    day: str,
    covered: int = 0,
    noncovered: int = 0,
    inst: str = "clinic",
    kcd: str = "J06.9",
    cause: str = "disease",
    **kw: Any,
) -> dict[str, Any]:
    e = {
        "id": eid,
        "kind": "outpatient",
        "date": day,
        "cause": cause,
        "kcd": [kcd],
        "institution": {"kind": inst},
        "covered_copay": covered,
        "noncovered": noncovered,
    }
    e.update(kw)
    return e


def rx(eid: str, day: str, covered: int = 0, noncovered: int = 0, kcd: str = "J06.9", **kw: Any) -> dict[str, Any]:
    return visit(eid, day, covered, noncovered, "pharmacy", kcd, kind="prescription", **kw)


def admit(
    eid: str,
    day: str,
    discharge: str,
    covered: int = 0,
    noncovered: int = 0,
    inst: str = "hospital",
    kcd: str = "K35.8",
    cause: str = "disease",
    **kw: Any,
) -> dict[str, Any]:
    e = visit(eid, day, covered, noncovered, inst, kcd, cause, kind="inpatient", discharge=discharge)
    e.update(kw)
    return e


def days(first: str, count: int) -> list[str]:
    start = date.fromisoformat(first)
    return [(start + timedelta(days=i)).isoformat() for i in range(count)]


CASES: list[dict[str, Any]] = []


def case(
    cid: str,
    title: str,
    source: str,
    events: list[dict[str, Any]],
    pays: dict[tuple[str, str], int],
    contracts: list[dict[str, Any]] | None = None,
    claim_date: str = "2018-03-15",
    person: dict[str, Any] | None = None,
    folder: str = "std-2015-09",
) -> None:
    doc: dict[str, Any] = {
        "format": "silson-case/1",
        "id": f"own-{cid}",
        "title": title,
        "source": source,
        "claim_date": claim_date,
    }
    if person:
        doc["person"] = person
    doc["contracts"] = contracts or [contract()]
    doc["events"] = events
    doc["expected"] = {
        "payouts": [{"event": e, "contract": c, "amount": a} for (e, c), a in pays.items() if a],
        "total": sum(pays.values()),
    }
    doc["meta"] = {"folder": folder}
    CASES.append(doc)


# --- 외래 공제금액 (질병통원 제1조②) -------------------------------------------------------------
case(
    "std-clinic-fixed-wins",
    "표준형 의원: 20%가 1만원보다 작으면 1만원 공제",
    "질병통원 제1조② 표준형: 보상대상 20,000+10,000 = 30,000; 20% = 6,000 < 10,000 → 공제 10,000; "
    "30,000 − 10,000 = 20,000.",
    [visit("v1", "2017-05-02", 20000, 10000)],
    {("v1", "c1"): 20000},
    [contract(option="standard")],
)
case(
    "std-clinic-rate-wins",
    "표준형 의원: 20%가 1만원보다 크면 20% 공제",
    "질병통원 제1조② 표준형: 100,000 × 20% = 20,000 > 10,000 → 공제 20,000; 100,000 − 20,000 = 80,000.",
    [visit("v1", "2017-05-02", 30000, 70000)],
    {("v1", "c1"): 80000},
    [contract(option="standard")],
)
case(
    "choice2-hospital-fixed",
    "선택형Ⅱ 병원: 공제기준금액이 1.5만원보다 작으면 1.5만원",
    "질병통원 제1조② 선택형Ⅱ: 공제기준 40,000×10% + 20,000×20% = 8,000 < 15,000 → 60,000 − 15,000 = 45,000.",
    [visit("v1", "2017-05-02", 40000, 20000, "hospital", "M54.5")],
    {("v1", "c1"): 45000},
)
case(
    "choice2-nursing-hospital-band",
    "요양병원은 병원급 1.5만원 구간",
    "질병통원 제1조②: 요양병원 → 15,000; 공제기준 50,000×10% + 100,000×20% = 25,000 > 15,000; "
    "150,000 − 25,000 = 125,000.",
    [visit("v1", "2017-05-02", 50000, 100000, "nursing_hospital", "I63.9")],
    {("v1", "c1"): 125000},
)
case(
    "std-tertiary-fixed",
    "표준형 상급종합병원: 2만원 최소 공제",
    "질병통원 제1조② 표준형: 80,000 × 20% = 16,000 < 20,000 → 80,000 − 20,000 = 60,000.",
    [visit("v1", "2017-05-02", 50000, 30000, "tertiary", "C50.9")],
    {("v1", "c1"): 60000},
    [contract(option="standard")],
)
case(
    "public-health-clinic-band",
    "보건소는 의원급 1만원 구간",
    "질병통원 제1조②: 보건소 → 10,000; 공제기준 12,000×10% = 1,200 → 공제 10,000; 12,000 − 10,000 = 2,000.",
    [visit("v1", "2017-05-02", 12000, 0, "public_health")],
    {("v1", "c1"): 2000},
)
case(
    "std-pharmacy-rate",
    "표준형 처방조제: 8천원과 20% 중 큰 금액",
    "질병통원 제1조② 표준형 처방조제비: max(8,000, 60,000×20% = 12,000) = 12,000; 60,000 − 12,000 = 48,000 "
    "≤ 처방 50,000.",
    [rx("r1", "2017-05-02", 60000)],
    {("r1", "c1"): 48000},
    [contract(option="standard")],
)
case(
    "prescription-limit",
    "처방전 1건당 가입금액 5만원 한도",
    "질병통원 제1조②: 공제기준 30,000×10% + 100,000×20% = 23,000 > 8,000; 130,000 − 23,000 = 107,000 → "
    "제1조① 처방전 1건당 50,000 한도 → 50,000.",
    [rx("r1", "2017-05-02", 30000, 100000)],
    {("r1", "c1"): 50000},
)
case(
    "below-deductible",
    "공제금액보다 적은 진료비는 지급 없음",
    "질병통원 제1조②: 8,000 − max(10,000, 800) < 0 → 0.",
    [visit("v1", "2017-05-02", 8000)],
    {("v1", "c1"): 0},
)
case(
    "visit-and-prescription-separate",
    "외래와 처방조제는 각각 공제 (민원사례 3)",
    "질병통원 제1조①②: 외래 15,000 − 10,000 = 5,000; 처방 13,000 − 8,000 = 5,000; 합계 10,000.",
    [visit("v1", "2017-05-02", 15000), rx("r1", "2017-05-02", 13000)],
    {("v1", "c1"): 5000, ("r1", "c1"): 5000},
)

# --- 같은 날 중복 통원 (질병통원 제2조②, 상해통원 제2조③) ---------------------------------------
case(
    "same-day-two-pharmacies",
    "같은 날 같은 질병으로 약국 2곳: 처방 1건",
    "질병통원 제2조②: 6,000 + 7,000 = 13,000을 1건으로; 13,000 − 8,000 = 5,000 (첫 건 r1에 표시).",
    [rx("r1", "2017-05-02", 6000), rx("r2", "2017-05-02", 7000)],
    {("r1", "c1"): 5000},
)
case(
    "same-day-different-conditions",
    "같은 날이라도 다른 질병이면 각각 1회",
    "질병통원 제2조②는 하나의 질병만: J06.9 의원 20,000 − 10,000 = 10,000; M54.5 병원 공제기준 "
    "10,000×10% + 40,000×20% = 9,000 < 15,000 → 50,000 − 15,000 = 35,000; 합계 45,000.",
    [visit("v1", "2017-05-02", 20000), visit("v2", "2017-05-02", 10000, 40000, "hospital", "M54.5")],
    {("v1", "c1"): 10000, ("v2", "c1"): 35000},
)
case(
    "same-day-exclusion-inside-merge",
    "같은 날 한의원+병원: 한의원 비급여는 빼고 1회로 합산",
    "제3조③1: 한의원 비급여 30,000 제외. 제2조②: 급여 10,000+20,000 = 30,000, 비급여 50,000; 공제 = "
    "max(가장 높은 15,000, 30,000×10% + 50,000×20% = 13,000) = 15,000; 80,000 − 15,000 = 65,000 (v1에 표시).",
    [
        visit("v1", "2017-05-02", 10000, 30000, "korean_medicine_clinic", "M54.5"),
        visit("v2", "2017-05-02", 20000, 50000, "hospital", "M54.5"),
    ],
    {("v1", "c1"): 65000},
)
case(
    "same-day-injury-and-disease",
    "같은 날 상해와 질병은 각자의 보장에서 각각",
    "질병통원: 20,000 − 10,000 = 10,000; 상해통원: 20,000 − 10,000 = 10,000; 합계 20,000.",
    [visit("v1", "2017-05-02", 20000), visit("v2", "2017-05-02", 20000, kcd="S93.4", cause="injury")],
    {("v1", "c1"): 10000, ("v2", "c1"): 10000},
)

# --- 연간 180회 (질병통원 제1조①) ----------------------------------------------------------------
visits_181 = [visit(f"v{i + 1:03d}", d, 15000) for i, d in enumerate(days("2017-02-01", 181))]
visits_181.append(visit("v182", "2018-02-01", 15000))
case(
    "outpatient-180-visits",
    "외래 연간 180회 한도, 계약해당일에 다시 시작",
    "질병통원 제1조①: 2017-02-01부터 매일 181회, 각 15,000 − 10,000 = 5,000; 180회 × 5,000 = 900,000, "
    "181회째 0; 계약해당일 2018-02-01의 방문은 새 해 1회째 5,000; 합계 905,000.",
    visits_181,
    {**{(v["id"], "c1"): 5000 for v in visits_181[:180]}, ("v182", "c1"): 5000},
)
rx_181 = [rx(f"r{i + 1:03d}", d, 10000) for i, d in enumerate(days("2017-03-01", 181))]
case(
    "prescription-180",
    "처방조제 연간 180건 한도",
    "질병통원 제1조①: 181건 각 10,000 − 8,000 = 2,000; 180건 × 2,000 = 360,000; 181건째 0.",
    rx_181,
    {(r["id"], "c1"): 2000 for r in rx_181[:180]},
)

# --- 입원 (질병입원 제1조) -----------------------------------------------------------------------
case(
    "std-inpatient-basic",
    "표준형 입원 80%",
    "질병입원 제1조 표준형: (1,000,000 + 500,000) × 80% = 1,200,000; 자기부담 300,000 < 2,000,000.",
    [admit("a1", "2017-05-01", "2017-05-05", 1000000, 500000)],
    {("a1", "c1"): 1200000},
    [contract(option="standard")],
)
case(
    "choice2-inpatient-cap",
    "선택형Ⅱ 입원: 10%+20% 자기부담이 연 200만원 초과",
    "질병입원 제1조 선택형Ⅱ: 자기부담 10,000,000×10% + 10,000,000×20% = 3,000,000 > 2,000,000 → "
    "20,000,000 − 2,000,000 = 18,000,000.",
    [admit("a1", "2017-05-01", "2017-06-10", 10000000, 10000000, "tertiary", "C16.9")],
    {("a1", "c1"): 18000000},
)
case(
    "cap-across-admissions",
    "연간 자기부담 200만원이 여러 입원에 걸쳐 차고, 계약해당일에 다시 시작",
    "질병입원 제1조 표준형 (계약일 2017-02-01): a1 5,000,000 × 20% = 1,000,000 → 4,000,000 (누적 1,000,000); "
    "a2 6,000,000 × 20% = 1,200,000 중 남은 1,000,000만 → 5,000,000 (누적 2,000,000); a3 1,000,000, 남은 한도 0 → "
    "1,000,000; a4 (2018-02-01, 새 계약연도) 1,000,000 × 20% = 200,000 → 800,000. 합계 10,800,000.",
    [
        admit("a1", "2017-03-01", "2017-03-10", 3000000, 2000000, kcd="K80.2"),
        admit("a2", "2017-06-01", "2017-06-10", 4000000, 2000000, kcd="K35.8"),
        admit("a3", "2017-12-01", "2017-12-05", 500000, 500000, kcd="J18.9"),
        admit("a4", "2018-02-01", "2018-02-05", 500000, 500000, kcd="N10"),
    ],
    {("a1", "c1"): 4000000, ("a2", "c1"): 5000000, ("a3", "c1"): 1000000, ("a4", "c1"): 800000},
    [contract(option="standard")],
)
case(
    "room-difference-under-cap",
    "상급병실료 차액 50%가 1일 10만원 평균 한도 안",
    "질병입원 제1조 선택형Ⅱ: 200,000×90% + 100,000×80% = 260,000; 차액 600,000 × 50% = 300,000 ≤ 5일 × 100,000 "
    "= 500,000 → 300,000; 합계 560,000.",
    [admit("a1", "2017-05-01", "2017-05-05", 200000, 100000, room_difference=600000)],
    {("a1", "c1"): 560000},
)
case(
    "room-days-from-receipt",
    "상급병실료 한도는 영수증의 입원일수로",
    "질병입원 제1조: 차액 1,000,000 × 50% = 500,000; 입원일수 3일 × 100,000 = 300,000 한도 → 300,000.",
    [admit("a1", "2017-05-01", "2017-05-05", room_difference=1000000, days=3)],
    {("a1", "c1"): 300000},
)

LIMITED = {**FULL, "disease_inpatient": {"limit": 10000000}}
case(
    "per-condition-limit",
    "하나의 질병당 가입금액 1천만원을 다 쓰면 복원 전까지 0",
    "질병입원 제1조 선택형Ⅱ, 가입금액 10,000,000: a1 자기부담 500,000+1,000,000 = 1,500,000 → 8,500,000; "
    "a2 자기부담 200,000 → 1,800,000, 남은 한도 1,500,000 → 1,500,000 (보상한도종료일 2017-04-10); "
    "제2조②: 최초입원일 2017-03-01부터 41일째 소진(275일 이내) → 2018-03-01부터 재개, a3 (2017-09-01) → 0. "
    "합계 10,000,000.",
    [
        admit("a1", "2017-03-01", "2017-03-10", 5000000, 5000000, kcd="C18.7"),
        admit("a2", "2017-04-01", "2017-04-10", 2000000, 0, kcd="C18.7"),
        admit("a3", "2017-09-01", "2017-09-05", 1000000, 0, kcd="C18.7"),
    ],
    {("a1", "c1"): 8500000, ("a2", "c1"): 1500000, ("a3", "c1"): 0},
    [contract(coverages=LIMITED)],
)
case(
    "restoration-after-90-days",
    "보상한도종료일이 최초입원 275일 후면 90일 지나 복원",
    "질병입원 제2조②, 가입금액 10,000,000: a1 1,000,000 − 100,000 = 900,000; a2 자기부담 1,200,000 (연 누적 "
    "1,300,000) → 10,800,000, 남은 한도 9,100,000 → 9,100,000, 종료일 2017-12-30 (최초입원 2017-03-01부터 305일째) "
    "→ 종료일부터 90일 지난 2018-03-31 재개; a3 (2018-03-20) → 0; a4 (2018-04-02, 새 계약연도) 1,000,000 − 100,000 "
    "= 900,000. 합계 10,900,000.",
    [
        admit("a1", "2017-03-01", "2017-03-10", 1000000, kcd="C18.7"),
        admit("a2", "2017-12-20", "2017-12-30", 12000000, kcd="C18.7"),
        admit("a3", "2018-03-20", "2018-03-25", 500000, kcd="C18.7"),
        admit("a4", "2018-04-02", "2018-04-05", 1000000, kcd="C18.7"),
    ],
    {("a1", "c1"): 900000, ("a2", "c1"): 9100000, ("a4", "c1"): 900000},
    [contract(coverages=LIMITED)],
    claim_date="2018-05-01",
)
case(
    "restoration-spanning-admission",
    "복원일에 걸친 계속입원은 복원일 이후 일수만큼",
    "질병입원 제2조② (계속입원 포함): 앞의 사례와 같이 2018-03-31 재개. a3 2018-03-26~04-04 10일 중 3-31부터 5일분: "
    "1,000,000 × 5/10 = 500,000; 자기부담 10% 50,000 → 450,000. 합계 900,000 + 9,100,000 + 450,000 = 10,450,000.",
    [
        admit("a1", "2017-03-01", "2017-03-10", 1000000, kcd="C18.7"),
        admit("a2", "2017-12-20", "2017-12-30", 12000000, kcd="C18.7"),
        admit("a3", "2018-03-26", "2018-04-04", 1000000, kcd="C18.7"),
    ],
    {("a1", "c1"): 900000, ("a2", "c1"): 9100000, ("a3", "c1"): 450000},
    [contract(coverages=LIMITED)],
    claim_date="2018-05-01",
)
case(
    "other-condition-keeps-limit",
    "다른 질병은 별도의 가입금액",
    "질병입원 제1조 하나의 질병당: C18.7로 10,000,000 소진 후에도 J18.9 입원 1,000,000 − 100,000 = 900,000.",
    [
        admit("a1", "2017-03-01", "2017-03-30", 12000000, kcd="C18.7"),
        admit("a2", "2017-05-01", "2017-05-05", 1000000, kcd="J18.9"),
    ],
    {("a1", "c1"): 10000000, ("a2", "c1"): 900000},
    [contract(coverages=LIMITED)],
)

# --- 보험기간 종료 후 (질병입원 제2조③, 질병통원 제2조①) ------------------------------------------
ENDED = contract(start="2016-03-01", end="2017-02-28")
case(
    "after-term-inpatient",
    "보험기간 중 입원이 끝난 뒤에도 계속되면 180일까지",
    "질병입원 제2조③: 2017-02-20 입원, 종료일 2017-02-28 후 2017-03-01 퇴원 → 전부 보상 (180일 이내): "
    "1,000,000 − 10% = 900,000; 종료 후 새 입원 a2 → 0.",
    [admit("a1", "2017-02-20", "2017-03-01", 1000000), admit("a2", "2017-03-05", "2017-03-08", 500000)],
    {("a1", "c1"): 900000, ("a2", "c1"): 0},
    [ENDED],
)
case(
    "after-term-inpatient-180-days",
    "종료일부터 180일을 넘긴 입원일은 보상하지 않음",
    "질병입원 제2조③: 2017-02-25~2017-09-30 218일 중 종료일(2017-02-28) 후 180일인 2017-08-27까지 184일분: "
    "2,180,000 × 184/218 = 1,840,000; 자기부담 10% 184,000 → 1,656,000.",
    [admit("a1", "2017-02-25", "2017-09-30", 2180000)],
    {("a1", "c1"): 1656000},
    [ENDED],
)
ENDED_OUT = contract(start="2016-07-01", end="2017-06-30")
case(
    "after-term-outpatient",
    "종료 후 180일 이내 계속 통원만 보상",
    "질병통원 제2조①: 보험기간 중 J06.9 통원 10,000; 종료 후 같은 질병 2017-07-10 → 10,000; 종료 후 처음인 "
    "M54.5 → 0 (계속 치료 아님); 2018-01-10은 180일(2017-12-27) 지남 → 0. 합계 20,000.",
    [
        visit("v1", "2017-06-15", 20000),
        visit("v2", "2017-07-10", 20000),
        visit("v3", "2017-07-11", 20000, kcd="M54.5"),
        visit("v4", "2018-01-10", 20000),
    ],
    {("v1", "c1"): 10000, ("v2", "c1"): 10000},
    [ENDED_OUT],
)
after_visits = [visit(f"w{i + 1:02d}", d, 15000) for i, d in enumerate(days("2017-07-01", 91))]
case(
    "after-term-90-visits",
    "종료 후 계속 통원은 방문 90회까지",
    "질병통원 제2조①: 종료 전 1회 5,000; 종료 후 91회 중 90회 × 5,000 = 450,000; 합계 455,000.",
    [visit("v0", "2017-06-20", 15000), *after_visits],
    {("v0", "c1"): 5000, **{(v["id"], "c1"): 5000 for v in after_visits[:90]}},
    [ENDED_OUT],
    claim_date="2017-12-31",
)

# --- 국민건강보험 미적용 (질병입원 제2조①, 질병통원 제2조④) --------------------------------------
case(
    "uninsured-inpatient",
    "국민건강보험 미적용자 입원: 본인부담 의료비의 40%",
    "질병입원 제2조①: 2,000,000 × 40% = 800,000.",
    [admit("a1", "2017-05-01", "2017-05-05", 0, 2000000)],
    {("a1", "c1"): 800000},
    person={"nhis_status": "none"},
)
case(
    "uninsured-outpatient",
    "국민건강보험 미적용자 외래: (의료비 − 공제금액) × 40%",
    "질병통원 제2조④: 공제 max(10,000, 100,000×20% = 20,000) = 20,000; (100,000 − 20,000) × 40% = 32,000.",
    [visit("v1", "2017-05-02", 0, 100000)],
    {("v1", "c1"): 32000},
    person={"nhis_status": "none"},
)

# --- 제3조 면책 ---------------------------------------------------------------------------------
case(
    "mental-disorders",
    "정신질환: 열거된 코드의 급여만 보상, 나머지는 전부 면책",
    "질병통원 제3조②1: F32.9 → 비급여 50,000 제외, 급여 30,000 − max(15,000, 3,000) = 15,000; "
    "F10.2 (열거되지 않음) → 0.",
    [
        visit("v1", "2017-05-02", 30000, 50000, "hospital", "F32.9"),
        visit("v2", "2017-05-09", 30000, 50000, "hospital", "F10.2"),
    ],
    {("v1", "c1"): 15000, ("v2", "c1"): 0},
)
case(
    "excluded-codes",
    "면책 코드 (N96~N98, Q00~Q04, E66, N39.3·N39.4·R32)와 면책 아닌 N39.0",
    "질병통원 제3조②2·4·5·6: N97.9, Q03.1, E66.0, N39.3, R32 → 0; N39.0 (요로감염) 20,000 − 10,000 = 10,000.",
    [
        visit("v1", "2017-05-02", 20000, kcd="N97.9"),
        visit("v2", "2017-05-03", 20000, kcd="Q03.1"),
        visit("v3", "2017-05-04", 20000, kcd="E66.0"),
        visit("v4", "2017-05-05", 20000, kcd="N39.3"),
        visit("v5", "2017-05-06", 20000, kcd="R32"),
        visit("v6", "2017-05-07", 20000, kcd="N39.0"),
    ],
    {("v6", "c1"): 10000},
)
case(
    "hiv-and-trivial-conditions",
    "HIV 감염 치료와 여드름 같은 단순 피부질환은 질병통원에서 면책",
    "질병통원 제3조③11: B20.9 → 0; 제3조③6: 여드름 L70.0 → 0; 같은 날 다른 질병 J20.9 20,000 − 10,000 = 10,000.",
    [
        visit("v1", "2017-05-02", 30000, 20000, kcd="B20.9"),
        visit("v2", "2017-05-02", 10000, 90000, kcd="L70.0"),
        visit("v3", "2017-05-02", 20000, kcd="J20.9"),
    ],
    {("v3", "c1"): 10000},
)
case(
    "pregnancy-outpatient-injury-paid",
    "임신 통원은 질병통원에서 면책, 상해 통원은 보상",
    "질병통원 제3조②3: O26.9 → 0; 상해통원: S60.0 20,000 − 10,000 = 10,000.",
    [
        visit("v1", "2017-05-02", 20000, kcd="O26.9"),
        visit("v2", "2017-05-03", 20000, kcd="S60.0", cause="injury"),
    ],
    {("v2", "c1"): 10000},
)
case(
    "anorectal-outpatient",
    "항문질환 (K60~K62) 비급여 제외, 급여 보상",
    "질병통원 제3조②7: K60.2 비급여 80,000 제외; 급여 20,000 − max(15,000, 2,000) = 5,000.",
    [visit("v1", "2017-05-02", 20000, 80000, "hospital", "K60.2")],
    {("v1", "c1"): 5000},
)
case(
    "excluded-items",
    "영양제·증명료·보조기는 빼고 계산",
    "질병통원 제3조③5·7·9: 비급여 170,000 − 50,000 − 20,000 − 30,000 = 70,000; 공제기준 30,000×10% + "
    "70,000×20% = 17,000 > 15,000; 100,000 − 17,000 = 83,000.",
    [
        visit(
            "v1",
            "2017-05-02",
            30000,
            170000,
            "hospital",
            "M17.1",
            items=[
                {"category": "nutrient", "amount": 50000},
                {"category": "certificate", "amount": 20000},
                {"category": "device", "amount": 30000},
            ],
        )
    ],
    {("v1", "c1"): 83000},
)
case(
    "korean-medicine-item-at-hospital",
    "병원의 한방 비급여 항목은 제외",
    "질병통원 제3조③1: 비급여 60,000 − 한방 40,000 = 20,000; 급여 10,000; 공제 max(15,000, 1,000 + 4,000) "
    "= 15,000; 30,000 − 15,000 = 15,000.",
    [
        visit(
            "v1",
            "2017-05-02",
            10000,
            60000,
            "hospital",
            "M54.5",
            items=[{"category": "korean_medicine", "amount": 40000}],
        )
    ],
    {("v1", "c1"): 15000},
)
case(
    "dental-code-at-general-hospital",
    "치과 질환 (K00~K08)의 비급여는 종합병원에서도 제외",
    "질병통원 제3조③1 (K00~K08): 비급여 100,000 제외; 급여 20,000 − 15,000 = 5,000.",
    [visit("v1", "2017-05-02", 20000, 100000, "general_hospital", "K05.3")],
    {("v1", "c1"): 5000},
)
case(
    "facial-fracture-at-dental-hospital",
    "안면부골절 치과치료는 치아 관련 치료만 빼고 보상",
    "상해통원 제3조③1 단서: S02.4, 비급여 300,000 − 치아 관련 100,000 = 200,000; 공제기준 100,000×10% + "
    "200,000×20% = 50,000; 300,000 − 50,000 = 250,000 (방문 1회당 한도 250,000).",
    [
        visit(
            "v1",
            "2017-05-02",
            100000,
            300000,
            "dental_hospital",
            "S02.4",
            "injury",
            items=[{"category": "dental", "amount": 100000}],
        )
    ],
    {("v1", "c1"): 250000},
)
case(
    "overseas-inpatient",
    "외국 의료기관 입원은 면책, 국내 입원은 보상",
    "질병입원 제3조③12: 일본 병원 → 0; 국내 1,000,000 − 10% = 900,000.",
    [
        admit("a1", "2017-05-01", "2017-05-05", 0, 3000000, institution={"kind": "hospital", "country": "JP"}),
        admit("a2", "2017-06-01", "2017-06-03", 1000000),
    ],
    {("a2", "c1"): 900000},
)
case(
    "nhis-refundable",
    "본인부담상한제 환급분은 보상대상이 아님",
    "질병입원 제3조③2: 급여 4,000,000 중 환급 2,300,000 제외 → 1,700,000 × 80% = 1,360,000 (generations.md Ex 15).",
    [admit("a1", "2017-05-01", "2017-05-20", 4000000, nhis_refundable=2300000)],
    {("a1", "c1"): 1360000},
    [contract(option="standard")],
)
case(
    "auto-insurance-copay",
    "자동차보험 처리 후 본인이 낸 부분은 보상",
    "상해통원 제3조③9 단서: 본인부담 50,000, 공제 max(10,000, 50,000×20% = 10,000) = 10,000 → 40,000.",
    [visit("v1", "2017-05-02", 0, 50000, kcd="S13.4", cause="injury", other_payer="auto")],
    {("v1", "c1"): 40000},
)

# --- 소멸시효 (상법 제662조) ---------------------------------------------------------------------
case(
    "limitation-inpatient-from-discharge",
    "입원은 퇴원일부터 3년",
    "상법 제662조: 퇴원 2017-02-10 → 기한 2020-02-10, 청구 2020-02-05 → 입원 보상 1,000,000 − 100,000 = 900,000; "
    "외래 2017-01-25 → 기한 2020-01-25 지남 → 0.",
    [admit("a1", "2017-01-20", "2017-02-10", 1000000), visit("v1", "2017-01-25", 20000)],
    {("a1", "c1"): 900000},
    [contract(start="2016-06-01")],
    claim_date="2020-02-05",
)
case(
    "limitation-last-day",
    "3년이 되는 날까지는 청구 가능",
    "상법 제662조 (민법 제157조 초일불산입): 2017-06-01 통원 → 2020-06-01까지; 그날 청구 → 20,000 − 10,000 = 10,000.",
    [visit("v1", "2017-06-01", 20000)],
    {("v1", "c1"): 10000},
    claim_date="2020-06-01",
)
case(
    "before-contract-start",
    "계약일 전 치료는 보상하지 않음",
    "질병통원 제1조: 2017-01-20 (계약일 2017-02-01 전) → 0; 2017-02-01 → 10,000.",
    [visit("v1", "2017-01-20", 20000), visit("v2", "2017-02-01", 20000)],
    {("v2", "c1"): 10000},
)

# --- 다수보험 (공통조항 제42조) ------------------------------------------------------------------
case(
    "share-inpatient-standard-choice2",
    "표준형과 선택형Ⅱ 두 계약의 입원 비례보상 (원 미만 절사)",
    "각자: c1 2,000,000 − 300,000 = 1,700,000; c2 2,000,000 − 400,000 = 1,600,000; 합 3,300,000 > "
    "2,000,000 − 300,000 = 1,700,000 → c1 1,700,000 × 1,700,000/3,300,000 = 875,757.57 → 875,757; "
    "c2 1,700,000 × 1,600,000/3,300,000 = 824,242.42 → 824,242; 합계 1,699,999.",
    [admit("a1", "2017-05-01", "2017-05-05", 1000000, 1000000)],
    {("a1", "c1"): 875757, ("a1", "c2"): 824242},
    [contract(), contract("c2", option="standard", insurer="삼성화재", product="S1609", start="2016-09-01")],
)
SMALL_OUT = {**FULL, "disease_outpatient": {"outpatient_limit": 100000, "prescription_limit": 100000}}
case(
    "share-limits-no-apportion",
    "한도에 걸린 책임액 합계가 기준 이하이면 각자 전액",
    "c1: 500,000 − (100,000×10% + 400,000×20% = 90,000) = 410,000 → 한도 250,000; c2: 410,000 → 한도 100,000; "
    "합 350,000 ≤ 500,000 − 90,000 = 410,000 → 비례보상 없음: 250,000 + 100,000.",
    [visit("v1", "2017-09-01", 100000, 400000, "hospital", "M51.2")],
    {("v1", "c1"): 250000, ("v1", "c2"): 100000},
    [contract(), contract("c2", insurer="DB손해보험", product=None, coverages=SMALL_OUT)],
)
case(
    "share-only-covering-contract",
    "통원 보장이 없는 계약은 나누지 않음",
    "c2는 입원 보장만 → 외래는 c1 단독: 50,000 − 10,000 = 40,000.",
    [visit("v1", "2017-06-01", 20000, 30000)],
    {("v1", "c1"): 40000},
    [contract(), contract("c2", coverages={"disease_inpatient": {"limit": 30000000}})],
)
case(
    "share-same-day-merged",
    "두 계약 모두 같은 날 두 번의 통원을 1회로 보고 나눔",
    "각자 (선택형Ⅱ): 80,000 − max(15,000, 3,000+10,000) = 65,000; 합 130,000 > 80,000 − 15,000 = 65,000 → "
    "각 65,000 × 65,000/130,000 = 32,500.",
    [
        visit("v1", "2017-05-02", 10000, 30000, "clinic", "M54.5"),
        visit("v2", "2017-05-02", 20000, 20000, "hospital", "M54.5"),
    ],
    {("v1", "c1"): 32500, ("v1", "c2"): 32500},
    [contract(), contract("c2", insurer="KB손해보험", product=None, start="2016-01-01")],
)


def path_of(doc: dict[str, Any]) -> Path:
    return OUT / doc["meta"]["folder"] / f"{doc['id']}.json"


def main() -> None:
    for old in OUT.rglob("own-*.json"):
        old.unlink()
    for doc in CASES:
        path = path_of(doc)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {len(CASES)} cases under {OUT}")


from tests.cases import generations  # noqa: E402,F401  (registers the other generations' cases)

if __name__ == "__main__":
    from tests.cases.build import main as run  # the module copy that generations.py filled

    run()
