"""Parsing what a cell says: amounts in won, dates, business registration numbers.

OCR puts stray marks around numbers (a circled ① read as "©", a "원" suffix, a comma read as a full
stop); the parsers take the last well-formed number in the cell, since amounts are right-aligned and
the circled marks stand before them. A dash, or an empty cell in a row that has one, means 0 on
these forms.
"""

from __future__ import annotations

import re
from datetime import date

from stdnum.kr import brn

_AMOUNT = re.compile(r"(?<![\d,.])(\d{1,3}(?:[,.]\d{3})+|\d+)(?![\d,.]*\d)")
_DASH = re.compile(r"^[\s\-–—_~원]*$")
_DATE = re.compile(r"(20\d{2})\s*[년.\-/]\s*(\d{1,2})\s*[월.\-/]\s*(\d{1,2})")
_BRN = re.compile(r"(?<![\d-])(\d{3})\s*[-–—.]?\s*(\d{2})\s*[-–—.]?\s*(\d{5})(?![\d-])")


def parse_amount(text: str) -> int | None:
    """The amount in a cell, in won; 0 for a dash; None when the cell holds no number.

    >>> parse_amount("136,850")
    136850
    >>> parse_amount("© 17,900")
    17900
    >>> parse_amount("13,390 원")
    13390
    >>> parse_amount("-")
    0
    >>> parse_amount("카드") is None
    True
    """
    cleaned = text.replace(" ", "").replace("원", "")
    matches = _AMOUNT.findall(cleaned)
    if matches:
        return int(re.sub(r"[,.]", "", matches[-1]))
    if text.strip() and _DASH.match(text):
        return 0
    return None


def parse_dates(text: str) -> list[date]:
    """Every valid date in a text, in order (2025년 04월 11일, 2023-02-18, 2024.12.31).

    >>> parse_dates("2025년 04월 11일 ~ 2025년 04월 12일")
    [datetime.date(2025, 4, 11), datetime.date(2025, 4, 12)]
    """
    found: list[date] = []
    for match in _DATE.finditer(text):
        try:
            found.append(date(int(match[1]), int(match[2]), int(match[3])))
        except ValueError:
            continue
    return found


def parse_business_number(text: str) -> str | None:
    """Ten digits of a 사업자등록번호, hyphens dropped; prefers one whose check digit holds.

    >>> parse_business_number("144-99-39134")
    '1449939134'
    """
    candidates = ["".join(m.groups()) for m in _BRN.finditer(text)]
    for candidate in candidates:
        if business_number_valid(candidate):
            return candidate
    return candidates[0] if candidates else None


def business_number_valid(number: str) -> bool:
    """The 사업자등록번호 format (python-stdnum) and its check digit (국세청 rule).

    python-stdnum checks length and components only, so the weighted check digit is computed here:
    weights 1,3,7,1,3,7,1,3,5 on the first nine digits, plus the tens of 5 × the ninth digit.

    >>> business_number_valid("1449939134"), business_number_valid("1449939135")
    (True, False)
    """
    if not brn.is_valid(number):
        return False
    digits = [int(c) for c in number]
    total = sum(d * w for d, w in zip(digits, (1, 3, 7, 1, 3, 7, 1, 3, 5), strict=False)) + digits[8] * 5 // 10
    return (10 - total % 10) % 10 == digits[9]


# a code may follow another without a space when OCR glues them ("M545M171"), so a letter may precede
# a digit-ended code and a capital may follow one
_KCD = re.compile(r"(?<![A-Za-z])([A-Z])([0-9OolIi]{2})\.?([0-9OolIi]{1,2})?(?![0-9a-z])")
_DIGIT_LOOKALIKES = str.maketrans({"O": "0", "o": "0", "l": "1", "I": "1", "i": "1"})


def parse_kcd(text: str) -> list[str]:
    """KCD codes (한국표준질병사인분류) in a cell, main first, normalised with the dot (domain §7.6).

    OCR confuses O with 0 and l/I with 1 in the digit positions; a missing dot is tolerated.

    >>> parse_kcd("M54.5  J06.9")
    ['M54.5', 'J06.9']
    >>> parse_kcd("I109, K2O7, I10")
    ['I10.9', 'K20.7', 'I10']
    >>> parse_kcd("M545M171")
    ['M54.5', 'M17.1']
    """
    found: list[str] = []
    for match in _KCD.finditer(text.replace(" .", ".").replace(". ", ".")):
        head = match[1] + match[2].translate(_DIGIT_LOOKALIKES)
        code = head + (f".{match[3].translate(_DIGIT_LOOKALIKES)}" if match[3] else "")
        if code not in found:
            found.append(code)
    return found
