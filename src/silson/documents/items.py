"""Classifying the lines of a 진료비 세부산정내역 into the item classes the terms treat apart.

3세대 and 4세대 실손 pay 도수치료·체외충격파·증식치료, 비급여 주사 and MRI·MRA under their own riders (3대비급여),
and every generation excludes 영양제, 증명료 and the like (case format, item categories). The bill gives
each line a code (HIRA 수가코드 or the provider's own 비급여 code) and a name, so a line is classified by
its code where a code is known, else by the words of its name. HIRA's 비급여 code list is not public
as a file (domain/data-formats.md §5.4: only 도수치료 MX122 and two 영양주사 codes were found), so most
classes rest on names; each rule below carries where it comes from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from silson.documents.layout import _best_substring, normalise

_CODES_SOURCE = "domain/data-formats.md §5.4 (HIRA 비급여 codes seen in public code; UNCONFIRMED)"
_NAMES_SOURCE = "domain/claims-and-documents.md §7.3 items; case-format.md item categories"


@dataclass(frozen=True)
class ItemRule:
    """A line whose code starts with, or whose name contains, `pattern` is of `category`."""

    by: Literal["code", "name"]
    pattern: str
    category: str
    source: str


# First match wins: codes before names, and 영양 before 주사 (an 영양주사 is a 영양제, excluded, not a rider).
RULES: tuple[ItemRule, ...] = (
    ItemRule("code", "MX122", "manual_therapy", _CODES_SOURCE),
    ItemRule("code", "3Z5401802", "nutrient", _CODES_SOURCE),
    ItemRule("code", "3Z5401901", "nutrient", _CODES_SOURCE),
    ItemRule("name", "도수치료", "manual_therapy", _NAMES_SOURCE),
    ItemRule("name", "체외충격파", "shockwave", _NAMES_SOURCE),
    ItemRule("name", "증식치료", "prolotherapy", _NAMES_SOURCE),
    ItemRule("name", "프롤로", "prolotherapy", _NAMES_SOURCE),
    ItemRule("name", "MRI", "mri", _NAMES_SOURCE),
    ItemRule("name", "MRA", "mri", _NAMES_SOURCE),
    ItemRule("name", "자기공명", "mri", _NAMES_SOURCE),
    ItemRule("name", "영양", "nutrient", _NAMES_SOURCE),
    ItemRule("name", "비타민", "nutrient", _NAMES_SOURCE),
    ItemRule("name", "수액", "nutrient", _NAMES_SOURCE),
    ItemRule("name", "주사", "injection", _NAMES_SOURCE),
    ItemRule("name", "증명", "certificate", _NAMES_SOURCE),
    ItemRule("name", "진단서", "certificate", _NAMES_SOURCE),
    ItemRule("name", "소견서", "certificate", _NAMES_SOURCE),
    ItemRule("name", "보조기", "device", _NAMES_SOURCE),
)

# 상급병실료 차액 is not an item of `noncovered` but its own amount (claims-format §1: room_difference).
ROOM_WORDS = ("상급병실",)


def is_room(name: str) -> bool:
    """Whether a line is the 상급병실료 차액.

    >>> is_room("상급병실료 차액(1인실)"), is_room("입원료")
    (True, False)
    """
    text = normalise(name)
    return any(word in text for word in ROOM_WORDS)


def classify(code: str | None, name: str) -> tuple[str, ItemRule | None]:
    """The category of a line and the rule that gave it ("other" and None when nothing matched).

    >>> classify("MX1220000", "도수치료")[0], classify(None, "체외충격파치료(ESWT)")[0]
    ('manual_therapy', 'shockwave')
    >>> classify("KK010", "영양주사 (비타민)")[0], classify("KK020", "관절강내 주사")[0]
    ('nutrient', 'injection')
    >>> classify("HI101", "요추 MRI 촬영")[0], classify("AA154", "초진 진찰료")[0]
    ('mri', 'other')
    """
    text = normalise(name).upper()
    for rule in RULES:
        if rule.by == "code" and code and code.upper().startswith(rule.pattern):
            return rule.category, rule
        if rule.by == "name" and _contains(text, normalise(rule.pattern).upper()):
            return rule.category, rule
    return "other", None


def _contains(text: str, pattern: str) -> bool:
    """Pattern in text, one misread syllable in four tolerated (OCR: "도수치로" is still 도수치료)."""
    if pattern in text:
        return True
    if len(pattern) < 4:
        return False
    edits, _, _ = _best_substring(pattern, text)
    return edits <= len(pattern) // 4
