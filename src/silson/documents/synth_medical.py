"""Synthetic 진료비 세부산정내역, 처방전 and 진단서·확인서 for tests and the bench (see `synth`).

Drawn through the same canvas as the receipts, so each renders as a scan, a phone photo, a text PDF
or an image-only PDF. Line amounts satisfy the bill's arithmetic (총액 = 단가 × 횟수 × 일수 = 본인부담금 +
공단부담금 + 전액본인부담 + 비급여; the 합계 row sums the columns). Codes and names are made up except
where the classification table cites one (MX122 도수치료). Every person and institution is invented.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from silson.documents import items as item_classes
from silson.documents.synth import _GIVEN, _SURNAMES, Canvas, _grid, _korean_date

# (code, name, covered, unit price range): covered lines split 30 % 본인부담금 / 70 % 공단부담금.
_CATALOGUE: tuple[tuple[str, str, bool, int, int], ...] = (
    ("AA154", "초진 진찰료-의원", True, 17_000, 19_000),
    ("AA254", "재진 진찰료-의원", True, 11_000, 13_000),
    ("MM010", "표층열치료", True, 1_000, 2_000),
    ("MM042", "간섭파전류치료", True, 2_000, 3_000),
    ("KK052", "근육주사 행위료", True, 1_000, 2_000),
    ("HA011", "일반혈액검사", True, 3_000, 6_000),
    ("MX1220000", "도수치료", False, 60_000, 150_000),
    ("SZ0710", "체외충격파치료(ESWT)", False, 50_000, 120_000),
    ("SZ0832", "증식치료(사지관절)", False, 80_000, 200_000),
    ("JX2210", "관절강내 주사(히알루론산)", False, 30_000, 90_000),
    ("3Z5401802", "영양주사(비급여 수액)", False, 40_000, 100_000),
    ("HI1010", "요추 MRI 촬영", False, 300_000, 600_000),
    ("PDZ100", "진단서 발급", False, 10_000, 20_000),
)
_ROOM = ("AB2200", "상급병실료 차액(1인실)", False, 50_000, 150_000)


@dataclass(frozen=True)
class Line:
    code: str
    name: str
    unit: int
    count: int
    days: int
    covered: bool

    @property
    def total(self) -> int:
        return self.unit * self.count * self.days

    @property
    def copay(self) -> int:
        return self.total * 3 // 10 // 10 * 10 if self.covered else 0

    @property
    def nhis(self) -> int:
        return self.total - self.copay if self.covered else 0

    @property
    def noncovered(self) -> int:
        return 0 if self.covered else self.total


@dataclass
class ItemisedSpec:
    """A 진료비 세부산정내역: header, lines, and the 합계 row."""

    institution_code: str
    provider: str
    patient: str
    start: date
    end: date
    inpatient: bool
    lines: list[Line]
    issued: date
    tamper: dict[str, int] = field(default_factory=dict)

    def sums(self) -> dict[str, int]:
        return {
            "total": sum(x.total for x in self.lines),
            "copay": sum(x.copay for x in self.lines),
            "nhis": sum(x.nhis for x in self.lines),
            "full": 0,
            "noncovered": sum(x.noncovered for x in self.lines),
        }

    def expected(self) -> dict[str, Any]:
        s = self.sums()
        room = sum(x.noncovered for x in self.lines if item_classes.is_room(x.name))
        return {
            "kind": "itemised_bill",
            "provider": {"institution_code": self.institution_code},
            "visit": {
                "kind": "inpatient" if self.inpatient else "outpatient",
                "date": self.start.isoformat(),
                "discharge": self.end.isoformat() if self.inpatient else None,
            },
            "amounts": {
                "covered_copay": s["copay"],
                "nhis_paid": s["nhis"],
                "covered_full": 0,
                "noncovered": s["noncovered"] - room,
                "room_difference": room,
                "total": s["total"],
                "patient_total": None,  # not printed on the bill: null, never computed
            },
            "items": [
                {
                    "code": x.code,
                    "category": item_classes.classify(x.code, x.name)[0],
                    "amount": x.copay if x.covered else x.noncovered,
                    "covered": x.covered,
                    "count": x.count * x.days,
                }
                for x in self.lines
                if not item_classes.is_room(x.name)
            ],
        }

    def draw(self, c: Canvas) -> None:
        c.text(10, 8, 120, 13, "■ 요양기관 발급 [진료비 세부산정내역]", 7)
        c.text(55, 14, 155, 24, "진료비 세부산정내역", 15, bold=True)
        xs, ys = [10, 35, 70, 95, 130, 155, 200], [28, 36, 44]
        _grid(c, xs, ys)
        period = f"{self.start.isoformat()} ~ {self.end.isoformat()}"
        head = [("요양기관기호", self.institution_code), ("환자등록번호", "10293847"), ("환자성명", self.patient),
                ("진료기간", period), ("병실", "1인실" if self.inpatient else "-"),
                ("환자구분", "건강보험")]  # fmt: skip
        for i, (label, value) in enumerate(head):
            row, col = divmod(i, 3)
            c.text(xs[2 * col], ys[row], xs[2 * col + 1], ys[row + 1], label, 7, align="center")
            c.text(xs[2 * col + 1], ys[row], xs[2 * col + 2], ys[row + 1], value, 7, align="center")
        cols = [10, 32, 80, 97, 105, 113, 133, 151, 169, 185, 201]
        heads = ["코드", "명칭", "단가", "횟수", "일수", "총액", "본인부담금", "공단부담금", "전액본인부담", "비급여"]
        top, row_h = 50, 7.0
        for i, head_label in enumerate(heads):
            c.text(cols[i], top, cols[i + 1], top + row_h, head_label, 6, align="center")
        y = top + row_h
        for line in self.lines:
            cells = [line.code, line.name, f"{line.unit:,}", str(line.count), str(line.days), f"{line.total:,}",
                     f"{line.copay:,}", f"{line.nhis:,}", "0", f"{line.noncovered:,}"]  # fmt: skip
            for i, text in enumerate(cells):
                c.text(cols[i], y, cols[i + 1], y + row_h, text, 6.5, align="left" if i < 2 else "right")
            y += row_h
        sums = self.sums()
        printed = [sums["total"], sums["copay"], sums["nhis"], sums["full"], sums["noncovered"]]
        printed = [
            self.tamper.get(k, v)
            for k, v in zip(("total", "copay", "nhis", "full", "noncovered"), printed, strict=True)
        ]
        c.text(cols[0], y, cols[2], y + row_h, "합계", 7, align="center", bold=True)
        for i, figure in enumerate(printed):
            c.text(cols[5 + i], y, cols[6 + i], y + row_h, f"{figure:,}", 6.5, align="right", bold=True)
        y += row_h
        _grid(c, cols, [top + row_h * k for k in range(len(self.lines) + 3)])
        c.text(10, y + 4, 200, y + 10, f"신청인 {self.patient} (환자와의 관계: 본인)의 요청에 따라 발급합니다.", 7)
        c.text(10, y + 11, 200, y + 17, f"발급일 : {_korean_date(self.issued)}", 8)
        c.text(10, y + 18, 200, y + 24, f"요양기관 명칭 : {self.provider}    대표자 : 홍길동 (인)", 8)


def _code(rng: random.Random, kind: str) -> str:
    """An 8-digit 요양기관기호 (digit 3: 3 의원, 1 종합병원; a soft hint only, data-formats §6.2)."""
    return f"{rng.randint(11, 39)}{kind}{rng.randint(0, 99999):05d}"


def _name(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + rng.choice(_GIVEN) + rng.choice(_GIVEN)


def random_itemised(rng: random.Random) -> ItemisedSpec:
    """A bill of 4–8 lines, with a 3대비급여 line or two; inpatient ones carry a 상급병실료 차액 line."""
    inpatient = rng.random() < 0.3
    start = date(2023, 1, 2) + timedelta(days=rng.randint(0, 900))
    end = start + timedelta(days=rng.randint(2, 6)) if inpatient else start
    chosen = rng.sample(_CATALOGUE, rng.randint(4, 7))
    if inpatient:
        chosen.append(_ROOM)
    lines = []
    for code, name, covered, lo, hi in chosen:
        unit = rng.randint(lo // 10, hi // 10) * 10
        days = (end - start).days + 1 if code == _ROOM[0] else 1
        lines.append(Line(code, name, unit, rng.choice([1, 1, 1, 2]) if days == 1 else 1, days, covered))
    return ItemisedSpec(
        institution_code=_code(rng, "1" if inpatient else "3"),
        provider=rng.choice(["가온", "든든", "연세", "밝은", "새봄"]) + ("병원" if inpatient else "정형외과의원"),
        patient=_name(rng),
        start=start,
        end=end,
        inpatient=inpatient,
        lines=lines,
        issued=end + timedelta(days=rng.randint(0, 10)),
    )


_KCD = (("M54.5", "요통"), ("M75.1", "회전근개 증후군"), ("J06.9", "급성 상기도감염"), ("K29.7", "위염"),
        ("S93.4", "발목의 염좌 및 긴장"), ("M17.1", "원발성 무릎관절증"), ("I10", "본태성 고혈압"))  # fmt: skip
_DRUGS = (("645304270", "록소프로펜정60mg"), ("641900540", "알마겔정"), ("671803460", "세파클러캡슐250mg"),
          ("650102140", "티로파정"), ("642102570", "레바미피드정100mg"))  # fmt: skip


@dataclass
class PrescriptionSpec:
    """처방전 (의료법 시행규칙 [별지 제9호서식]): 교부번호, 의료기관, 질병분류기호, 처방 의약품."""

    number: str
    issued: date
    patient: str
    provider: str
    institution_code: str
    kcd: list[str]
    drugs: list[tuple[str, str, str, int, int]]  # code, name, 1회 투약량, 1일 횟수, 총 투약일수
    dotless: bool = False

    def expected(self) -> dict[str, Any]:
        return {
            "kind": "prescription",
            "provider": {"institution_code": self.institution_code},
            "visit": {"date": self.issued.isoformat(), "kcd": self.kcd},
            "document": {"number": self.number, "drugs": [{"code": d[0], "days": d[4]} for d in self.drugs]},
        }

    def draw(self, c: Canvas) -> None:
        c.text(10, 8, 120, 13, "■ 의료법 시행규칙 [별지 제9호서식]", 7)
        c.text(70, 14, 140, 24, "처 방 전", 16, bold=True)
        xs, ys = [10, 40, 100, 130, 200], [30, 40, 50, 60, 70]
        _grid(c, xs, ys)
        kcd = "  ".join(k.replace(".", "") if self.dotless else k for k in self.kcd)
        number = f"{self.issued.isoformat()}  제 {self.number} 호"
        rows = [("교부연월일 및 번호", number, "의료기관 명칭", self.provider),
                ("환자 성명", self.patient, "요양기관기호", self.institution_code),
                ("질병분류기호", kcd, "전화번호", "02-555-0192"),
                ("처방 의료인 성명", "박의사 (서명)", "면허번호", "제 12345 호")]  # fmt: skip
        for i, (a, b, cc, d) in enumerate(rows):
            c.text(xs[0], ys[i], xs[1], ys[i + 1], a, 6.5, align="center")
            c.text(xs[1], ys[i], xs[2], ys[i + 1], b, 7.5, align="center")
            c.text(xs[2], ys[i], xs[3], ys[i + 1], cc, 6.5, align="center")
            c.text(xs[3], ys[i], xs[4], ys[i + 1], d, 7.5, align="center")
        c.text(10, 72, 200, 78, "※ 환자가 요구하면 질병분류기호를 적지 않습니다.", 6)
        cols, top = [10, 40, 110, 135, 160, 200], 82
        for i, head in enumerate(["의약품 코드", "처방 의약품의 명칭", "1회 투약량", "1일 투여횟수", "총 투약일수"]):
            c.text(cols[i], top, cols[i + 1], top + 8, head, 6.5, align="center")
        y = top + 8
        for code, name, dose, times, days in self.drugs:
            for i, text in enumerate([code, name, dose, str(times), str(days)]):
                c.text(cols[i], y, cols[i + 1], y + 8, text, 7, align="center" if i != 1 else "left")
            y += 8
        _grid(c, cols, [top + 8 * k for k in range(len(self.drugs) + 2)])
        c.text(10, y + 4, 200, y + 10, "사용기간: 교부일부터 3일간", 7)


def random_prescription(rng: random.Random) -> PrescriptionSpec:
    issued = date(2023, 1, 2) + timedelta(days=rng.randint(0, 900))
    kcd = [k for k, _ in rng.sample(_KCD, rng.choice([1, 1, 2]))]
    drugs = [(code, name, rng.choice(["1", "0.5", "2"]), rng.choice([2, 3]), rng.choice([3, 5, 7]))
             for code, name in rng.sample(_DRUGS, rng.randint(1, 4))]  # fmt: skip
    return PrescriptionSpec(
        number=f"{issued:%Y%m%d}-{rng.randint(10000, 99999)}",
        issued=issued,
        patient=_name(rng),
        provider=rng.choice(["가온", "든든", "연세", "밝은"]) + rng.choice(["내과", "정형외과"]) + "의원",
        institution_code=_code(rng, "3"),
        kcd=kcd,
        drugs=drugs,
        dotless=rng.random() < 0.3,
    )


_CERT_TITLES = {"diagnosis": "진 단 서", "admission": "입 퇴 원 확 인 서", "outpatient": "통 원 확 인 서"}


@dataclass
class CertificateSpec:
    """진단서 (별지 제5호의2서식), 입퇴원확인서 or 통원확인서: the diagnosis, its code and the dates."""

    type: str  # diagnosis, admission, outpatient
    patient: str
    provider: str
    kcd: str
    diagnosis: str
    onset: date
    first: date  # 진단일 / 입원일 / first 통원일
    last: date | None  # 퇴원일 (admission)
    visits: list[date]
    issued: date

    def expected(self) -> dict[str, Any]:
        visit_kind = {"admission": "inpatient", "outpatient": "outpatient"}.get(self.type)
        return {
            "kind": "certificate",
            "visit": {
                "kind": visit_kind,
                "date": self.first.isoformat(),
                "discharge": self.last.isoformat() if self.last else None,
                "kcd": [self.kcd],
            },
            "document": {"type": self.type, "issued": self.issued.isoformat()},
        }

    def draw(self, c: Canvas) -> None:
        c.text(60, 12, 150, 24, _CERT_TITLES[self.type], 16, bold=True)
        xs = [10, 45, 105, 140, 200]
        rows: list[tuple[str, str, str, str]] = [("환자 성명", self.patient, "발행일", self.issued.isoformat())]
        rows.append(("진단명", self.diagnosis, "질병분류기호", self.kcd))
        if self.type == "diagnosis":
            rows.append(("발병일", self.onset.isoformat(), "진단일", self.first.isoformat()))
            rows.append(("향후 치료의견", "물리치료 및 약물치료 요함", "용도", "보험회사 제출용"))
        elif self.type == "admission":
            assert self.last is not None
            rows.append(("입원일", self.first.isoformat(), "퇴원일", self.last.isoformat()))
            rows.append(("입원일수", f"{(self.last - self.first).days + 1}일", "용도", "보험회사 제출용"))
        else:
            rows.append(
                ("통원일자", ", ".join(d.isoformat() for d in self.visits[:3]), "통원횟수", f"{len(self.visits)}회")
            )
            rows.append(("진료과", "정형외과", "용도", "보험회사 제출용"))
        ys = [34 + 10 * k for k in range(len(rows) + 1)]
        _grid(c, xs, ys)
        for i, (a, b, cc, d) in enumerate(rows):
            c.text(xs[0], ys[i], xs[1], ys[i + 1], a, 7, align="center")
            c.text(xs[1], ys[i], xs[2], ys[i + 1], b, 7.5, align="center")
            c.text(xs[2], ys[i], xs[3], ys[i + 1], cc, 7, align="center")
            c.text(xs[3], ys[i], xs[4], ys[i + 1], d, 7.5, align="center")
        y = ys[-1] + 8
        c.text(10, y, 200, y + 8, "위와 같이 진단(확인)합니다.", 8, align="center")
        c.text(
            10,
            y + 10,
            200,
            y + 18,
            f"의료기관 명칭 : {self.provider}   의사 성명 : 김의사 (인)   면허번호 제 23456 호",
            7,
        )


def random_certificate(rng: random.Random) -> CertificateSpec:
    kind = rng.choice(["diagnosis", "admission", "outpatient"])
    kcd, name = rng.choice(_KCD)
    first = date(2023, 1, 2) + timedelta(days=rng.randint(0, 900))
    last = first + timedelta(days=rng.randint(2, 9)) if kind == "admission" else None
    visits = sorted({first + timedelta(days=rng.randint(0, 20)) for _ in range(rng.randint(2, 5))} | {first})
    return CertificateSpec(
        type=kind,
        patient=_name(rng),
        provider=rng.choice(["가온", "든든", "연세"]) + rng.choice(["병원", "정형외과의원"]),
        kcd=kcd,
        diagnosis=name,
        onset=first - timedelta(days=rng.randint(0, 14)),
        first=first,
        last=last,
        visits=visits,
        issued=(last or visits[-1]) + timedelta(days=rng.randint(0, 5)),
    )
