"""KCD (한국표준질병사인분류) codes and the code ranges that exclusions are written in.

A range such as "K60-K62" covers every code of the categories K60 to K62 (K60.0, K61.3, ...); a
single pattern such as "K64" or "N39.3" covers that code and everything below it (K64.8, N39.30).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from silson.errors import SilsonError

_CODE = re.compile(r"^[A-Z][0-9]{2}(\.?[0-9A-Z]{1,3})?$")


class KcdError(SilsonError, ValueError):
    """A diagnosis code or pattern that is not in KCD form."""


@functools.lru_cache(maxsize=65536)  # the same few thousand codes and patterns, compared over and over
def normalize(code: str) -> str:
    """Upper-case, dot removed: the form codes are compared in.

    >>> normalize("k64.8")
    'K648'
    """
    text = code.strip().upper()
    if not _CODE.match(text):
        raise KcdError(f"'{code}' is not a KCD code (expected a letter, two digits, optional .subcode)")
    return text.replace(".", "")


def is_valid(code: str) -> bool:
    return bool(_CODE.match(code.strip().upper()))


def matches(code: str, pattern: str) -> bool:
    """Whether `code` falls under `pattern` (a code prefix or a category range "A00-B99").

    >>> matches("K64.8", "K64"), matches("K61.3", "K60-K62"), matches("K63.0", "K60-K62")
    (True, True, False)
    >>> matches("N39.30", "N39.3"), matches("N39.0", "N39.3")
    (True, False)
    """
    norm = normalize(code)
    if "-" in pattern:
        low, high = (normalize(p)[:3] for p in pattern.split("-", 1))
        return low <= norm[:3] <= high
    return norm.startswith(normalize(pattern))


def matches_any(code: str, patterns: Iterable[str]) -> bool:
    return any(matches(code, p) for p in patterns)
