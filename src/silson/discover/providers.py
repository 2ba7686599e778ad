"""Which class of institution a provider is (의원, 병원, 종합병원, 상급종합, 요양병원, 치과, 한방, 약국 …)
and whether it sends documents through 실손24: from the provider data silson ships or the operator
adds (사업자등록번호 → class, 실손24 flag), else from the name. Unknown is a class too.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path

from silson.domain.model import InstitutionKind

UNKNOWN = "unknown"

# Longest, most specific suffixes first: "치과의원" before "의원", "요양병원" before "병원".
_NAME_RULES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("약국",), InstitutionKind.PHARMACY.value),
    (("희귀의약품센터",), InstitutionKind.RARE_DRUG_CENTER.value),
    (("치과병원",), InstitutionKind.DENTAL_HOSPITAL.value),
    (("치과의원", "치과"), InstitutionKind.DENTAL_CLINIC.value),
    (("한방병원",), InstitutionKind.KOREAN_MEDICINE_HOSPITAL.value),
    (("한의원",), InstitutionKind.KOREAN_MEDICINE_CLINIC.value),
    (("요양병원",), InstitutionKind.NURSING_HOSPITAL.value),
    (("대학교병원", "대학병원", "의료원", "종합병원"), InstitutionKind.GENERAL_HOSPITAL.value),
    (("보건소", "보건지소", "보건진료소", "보건의료원"), InstitutionKind.PUBLIC_HEALTH.value),
    (("조산원",), InstitutionKind.MIDWIFERY.value),
    (("병원",), InstitutionKind.HOSPITAL.value),
    (("의원", "클리닉"), InstitutionKind.CLINIC.value),
)


@dataclass(frozen=True, slots=True)
class ProviderClass:
    kind: str  # an InstitutionKind value, or "unknown"
    basis: str  # "provider data" | "name" | "none"
    silson24: bool  # documents can come electronically through 실손24


class ProviderDirectory:
    """Provider facts by 사업자등록번호; the operator may load its own file over the shipped one."""

    def __init__(self, rows: dict[str, tuple[str, bool]]) -> None:
        self._rows = rows

    @classmethod
    def load(cls, extra: Path | None = None) -> ProviderDirectory:
        rows: dict[str, tuple[str, bool]] = {}
        text = resources.files("silson.discover").joinpath("data/providers.csv").read_text(encoding="utf-8")
        sources = [text] + ([extra.read_text(encoding="utf-8")] if extra else [])
        for source in sources:
            for row in csv.DictReader(source.splitlines()):
                rows[row["busnid"].replace("-", "")] = (row["kind"], row.get("silson24", "").lower() == "yes")
        return cls(rows)

    @cached_property
    def digest(self) -> str:
        """sha256 of every provider fact: a stored estimate made with other provider data is stale."""
        return hashlib.sha256(repr(sorted(self._rows.items())).encode()).hexdigest()

    def classify(self, provider_id: str, name: str) -> ProviderClass:
        if provider_id in self._rows:
            kind, silson24 = self._rows[provider_id]
            return ProviderClass(kind, "provider data", silson24)
        return ProviderClass(infer_kind(name), "name" if infer_kind(name) != UNKNOWN else "none", False)


def infer_kind(name: str) -> str:
    """The class a provider's name says.

    >>> infer_kind("바른정형외과의원"), infer_kind("미소치과의원"), infer_kind("행복요양병원"), infer_kind("ABC")
    ('clinic', 'dental_clinic', 'nursing_hospital', 'unknown')
    """
    text = name.replace(" ", "")
    for suffixes, kind in _NAME_RULES:
        if any(s in text for s in suffixes):
            return kind
    return UNKNOWN
