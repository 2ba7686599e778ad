"""Immutable value types of the business: contracts, their coverages, medical events, persons.

The innermost layer: no I/O, no framework imports. Everything else (the rules engine, the case
reader, later the services) speaks in these types. Money is `int` won throughout.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

Won = int


class EventKind(StrEnum):
    OUTPATIENT = "outpatient"  # 외래
    INPATIENT = "inpatient"  # 입원
    PRESCRIPTION = "prescription"  # 약국 처방조제


class Cause(StrEnum):
    DISEASE = "disease"  # 질병
    INJURY = "injury"  # 상해


class InstitutionKind(StrEnum):
    TERTIARY = "tertiary"  # 상급종합병원
    GENERAL_HOSPITAL = "general_hospital"  # 종합병원
    HOSPITAL = "hospital"  # 병원
    NURSING_HOSPITAL = "nursing_hospital"  # 요양병원
    DENTAL_HOSPITAL = "dental_hospital"  # 치과병원
    KOREAN_MEDICINE_HOSPITAL = "korean_medicine_hospital"  # 한방병원
    CLINIC = "clinic"  # 의원
    DENTAL_CLINIC = "dental_clinic"  # 치과의원
    KOREAN_MEDICINE_CLINIC = "korean_medicine_clinic"  # 한의원
    PUBLIC_HEALTH = "public_health"  # 보건소·보건의료원·보건지소·보건진료소
    MIDWIFERY = "midwifery"  # 조산원
    PHARMACY = "pharmacy"  # 약국
    RARE_DRUG_CENTER = "rare_drug_center"  # 한국희귀의약품센터


class NhisStatus(StrEnum):
    INSURED = "insured"  # 국민건강보험 가입자
    MEDICAL_AID = "medical_aid"  # 의료급여 수급권자
    NONE = "none"  # 국민건강보험·의료급여 미적용


class ItemCategory(StrEnum):
    MANUAL_THERAPY = "manual_therapy"  # 도수치료
    SHOCKWAVE = "shockwave"  # 체외충격파
    PROLOTHERAPY = "prolotherapy"  # 증식치료
    INJECTION = "injection"  # 비급여 주사
    MRI = "mri"  # MRI·MRA
    NUTRIENT = "nutrient"  # 영양제·비타민
    COSMETIC = "cosmetic"  # 외모개선
    CHECKUP = "checkup"  # 건강검진
    CERTIFICATE = "certificate"  # 증명료 등 진료와 무관한 비용
    DEVICE = "device"  # 보조기·안경 등 구입
    KOREAN_MEDICINE = "korean_medicine"  # 한방 비급여
    DENTAL = "dental"  # 치과 비급여
    OTHER = "other"


class OtherPayer(StrEnum):
    AUTO = "auto"  # 자동차보험
    WORKERS_COMP = "workers_comp"  # 산재보험


class CoverageKey(StrEnum):
    """보장종목: the coverages a contract can hold (case format, 'Coverage keys')."""

    INJURY_INPATIENT = "injury_inpatient"
    DISEASE_INPATIENT = "disease_inpatient"
    INJURY_OUTPATIENT = "injury_outpatient"
    DISEASE_OUTPATIENT = "disease_outpatient"
    INJURY_COVERED = "injury_covered"
    DISEASE_COVERED = "disease_covered"
    INJURY_NONCOVERED = "injury_noncovered"
    DISEASE_NONCOVERED = "disease_noncovered"
    INJURY_NONCOVERED_SEVERE = "injury_noncovered_severe"
    DISEASE_NONCOVERED_SEVERE = "disease_noncovered_severe"
    INJURY_NONCOVERED_OTHER = "injury_noncovered_other"
    DISEASE_NONCOVERED_OTHER = "disease_noncovered_other"
    RIDER_MANUAL_THERAPY = "rider_manual_therapy"
    RIDER_INJECTION = "rider_injection"
    RIDER_MRI = "rider_mri"


@dataclass(frozen=True, slots=True)
class Coverage:
    """One bought coverage and its 보험가입금액 (the limits the contract holder chose)."""

    key: CoverageKey
    limit: Won | None = None  # per injury / per disease (입원)
    outpatient_limit: Won | None = None  # per visit (외래 / 통원)
    prescription_limit: Won | None = None  # per prescription (처방조제비)
    annual_limit: Won | None = None
    annual_count: int | None = None
    annual_visits: int | None = None


@dataclass(frozen=True, slots=True)
class Contract:
    id: str
    insurer: str
    terms: str  # rule set id, e.g. "std-2015-09"
    start: dt.date  # 계약일
    coverages: dict[CoverageKey, Coverage]
    product: str | None = None  # e.g. "Hi1701"
    option: str | None = None  # "choice1" | "standard" | "choice2"
    end: dt.date | None = None  # last day of cover (보험기간 종료일), inclusive; None = in force


@dataclass(frozen=True, slots=True)
class Institution:
    kind: InstitutionKind
    name: str | None = None
    code: str | None = None  # 요양기관기호
    country: str = "KR"

    @property
    def domestic(self) -> bool:
        return self.country.upper() == "KR"


@dataclass(frozen=True, slots=True)
class Item:
    """A line of the itemised bill (진료비 세부내역) that a rule needs to see on its own."""

    category: ItemCategory
    amount: Won
    covered: bool = False
    count: int = 1


@dataclass(frozen=True, slots=True)
class MedicalEvent:
    """One visit, one dispensing or one admission, with what the patient paid."""

    id: str
    kind: EventKind
    date: dt.date
    cause: Cause
    kcd: tuple[str, ...]
    institution: Institution
    covered_copay: Won = 0  # 급여 본인부담금 (일부본인부담)
    covered_full: Won = 0  # 급여 전액본인부담
    noncovered: Won = 0  # 비급여 (상급병실료 차액 제외)
    room_difference: Won = 0  # 상급병실료 차액
    nhis_paid: Won = 0  # 공단부담금 (informational)
    nhis_refundable: Won = 0  # 본인부담상한제로 환급되는 부분
    discharge: dt.date | None = None
    days: int | None = None  # 입원일수
    condition: str | None = None
    items: tuple[Item, ...] = ()
    severe: bool = False  # 산정특례 (5세대)
    nhis_copay_rate: int | None = None  # percent (5세대)
    other_payer: OtherPayer | None = None
    position: int = 0  # index in the case's list: the tie-break after the date

    @property
    def condition_key(self) -> str:
        """하나의 질병/상해: the label grouping events of one illness or injury."""
        if self.condition:
            return self.condition
        return self.kcd[0] if self.kcd else f"<{self.id}>"

    @property
    def inpatient_days(self) -> int:
        if self.days is not None:
            return self.days
        if self.discharge is not None:
            return (self.discharge - self.date).days + 1
        return 1

    @property
    def last_day(self) -> dt.date:
        """The day the event's costs are complete: discharge for an admission, else the date."""
        return self.discharge if self.discharge is not None else self.date

    @property
    def covered(self) -> Won:
        return self.covered_copay + self.covered_full

    @property
    def paid_total(self) -> Won:
        """Everything the person paid for this event."""
        return self.covered_copay + self.covered_full + self.noncovered + self.room_difference


@dataclass(frozen=True, slots=True)
class Person:
    birth_date: dt.date | None = None
    nhis_status: NhisStatus = NhisStatus.INSURED


@dataclass(frozen=True, slots=True)
class Case:
    """One insured person's contracts and events, and the day the claim is filed."""

    id: str
    claim_date: dt.date
    contracts: tuple[Contract, ...]
    events: tuple[MedicalEvent, ...]
    person: Person = field(default_factory=Person)
    title: str = ""
    source: str = ""


INSTITUTION_LABEL: dict[InstitutionKind, str] = {
    InstitutionKind.TERTIARY: "상급종합병원",
    InstitutionKind.GENERAL_HOSPITAL: "종합병원",
    InstitutionKind.HOSPITAL: "병원",
    InstitutionKind.NURSING_HOSPITAL: "요양병원",
    InstitutionKind.DENTAL_HOSPITAL: "치과병원",
    InstitutionKind.KOREAN_MEDICINE_HOSPITAL: "한방병원",
    InstitutionKind.CLINIC: "의원",
    InstitutionKind.DENTAL_CLINIC: "치과의원",
    InstitutionKind.KOREAN_MEDICINE_CLINIC: "한의원",
    InstitutionKind.PUBLIC_HEALTH: "보건소",
    InstitutionKind.MIDWIFERY: "조산원",
    InstitutionKind.PHARMACY: "약국",
    InstitutionKind.RARE_DRUG_CENTER: "한국희귀의약품센터",
}
