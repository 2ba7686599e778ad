"""What input silson accepts at its edges (case files, 간소화 files, contract lists, flags, the API),
so that nothing accepted can break a computation later: amounts are ASCII digits up to a ceiling,
days fall in a window the engine can count in, and JSON is bounded in depth and in digits.

The ceilings are far above any real receipt or contract and far below what overflows a date, a
database integer or Python's int-from-text limit (4,300 digits); the terms' own maxima are checked
after mapping (rules/*.check_contract)."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from silson.errors import Invalid

MAX_WON = 10**12  # 1조 원: above any receipt, payout or 가입금액; fits a BigInteger column
FIRST_DAY = date(1900, 1, 1)  # earliest birth date or event we accept
LAST_DAY = date(2100, 12, 31)  # the engine adds limitation years and renewal cycles to these
MAX_DEPTH = 64  # a case nests 5 deep; deeper JSON is an attack, not a document
MAX_DIGITS = 30  # digits in a JSON number (a won amount has at most 13)
_DIGITS = re.compile(r"[0-9]+")


class BoundsError(Invalid):
    """Input outside what silson accepts; the message names the problem (the caller adds where)."""


def won(text: str) -> int:
    """A whole number of won written with ASCII digits (commas allowed), 0 to MAX_WON. Unicode digits
    such as '²³' or '١٢' are not numbers here, whatever str.isdigit says.

    >>> won("1,200,000")
    1200000
    >>> won("²³")
    Traceback (most recent call last):
    silson.domain.bounds.BoundsError: '²³' is not a whole number of won (digits 0-9)
    """
    raw = text.strip().replace(",", "")
    if len(raw) > MAX_DIGITS or not _DIGITS.fullmatch(raw):
        raise BoundsError(f"'{shown(text)}' is not a whole number of won (digits 0-9)")
    value = int(raw)
    if value > MAX_WON:
        raise BoundsError(f"{value:,} is more than silson accepts ({MAX_WON:,} won)")
    return value


def day(value: date) -> date:
    """A day inside [FIRST_DAY, LAST_DAY]."""
    if not FIRST_DAY <= value <= LAST_DAY:
        raise BoundsError(f"{value} is outside {FIRST_DAY} – {LAST_DAY}")
    return value


def shown(text: str, limit: int = 40) -> str:
    """Input quoted back in a one-line message: cut short, no line breaks, no lone surrogates."""
    cut = text if len(text) <= limit else text[:limit] + "…"
    return cut.encode("utf-8", "backslashreplace").decode("utf-8").replace("\n", "\\n").replace("\r", "\\r")


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise BoundsError(f"a number with {len(text)} digits (at most {MAX_DIGITS})")
    return int(text)


def _depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def loads(text: str) -> Any:
    """json.loads with numbers of at most MAX_DIGITS digits, nesting of at most MAX_DEPTH levels and
    no lone surrogates; every failure is a BoundsError (json.JSONDecodeError is one too, as
    ValueError) with a message a person can act on.

    >>> loads('[' * 100 + ']' * 100)
    Traceback (most recent call last):
    silson.domain.bounds.BoundsError: nested deeper than 64 levels
    """
    try:
        value = json.loads(text, parse_int=_bounded_int)
    except RecursionError:
        raise BoundsError(f"nested deeper than {MAX_DEPTH} levels") from None
    except json.JSONDecodeError:
        raise
    if _depth(value) > MAX_DEPTH:
        raise BoundsError(f"nested deeper than {MAX_DEPTH} levels")
    _no_surrogates(value)
    return value


def _no_surrogates(value: Any) -> None:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise BoundsError(f"text '{shown(item)}' holds a lone surrogate (\\ud800–\\udfff)") from None
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
