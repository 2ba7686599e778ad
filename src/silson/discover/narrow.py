"""What a person tells to narrow the estimate's likely range, as discover takes it: visit counts per
provider and year ("PROVIDER:YEAR=N", the form `silson discover --visits` reads) and the income band.
The estimate page sends the counts given so far and the one just given; this reads them."""

from __future__ import annotations

from collections.abc import Iterable

from silson.errors import Invalid

MAX_VISITS = 300  # as many as a pattern may hold (patterns.MAX_VISITS)


def parse_visit(item: str) -> tuple[tuple[str, int], int] | None:
    """("PROVIDER", YEAR), N from "PROVIDER:YEAR=N", or None when it is not of that shape or N is not
    1–300.

    >>> parse_visit("1234567890:2024=6"), parse_visit("1234567890:2024=0"), parse_visit("junk")
    ((('1234567890', 2024), 6), None, None)
    """
    where, _, n = item.rpartition("=")
    provider, _, year = where.rpartition(":")
    if not provider or not (year.isdigit() and len(year) == 4) or not n.isdigit():
        return None
    count = int(n)
    return ((provider, int(year)), count) if 1 <= count <= MAX_VISITS else None


def given_visits(items: Iterable[str], at: str | None = None, count: int | None = None) -> dict[tuple[str, int], int]:
    """The visit counts told: each of `items` ("PROVIDER:YEAR=N"), then `at` ("PROVIDER:YEAR") with
    `count` (the one just given, replacing an earlier count for the same provider-year). What is not
    of that shape is left out.

    >>> given_visits(["1234567890:2024=6", "junk"], "1234567890:2025", 3)
    {('1234567890', 2024): 6, ('1234567890', 2025): 3}
    """
    told = list(items) + ([f"{at}={count}"] if at and count else [])
    return dict(parsed for parsed in map(parse_visit, told) if parsed is not None)


def told_visits(items: Iterable[str]) -> dict[tuple[str, int], int]:
    """The visit counts an API caller told, every one of them well formed (else Invalid naming
    `visits`: a caller is told, where the page's form leaves a blank out).

    >>> told_visits(["1234567890:2024=6"])
    {('1234567890', 2024): 6}
    """
    told: dict[tuple[str, int], int] = {}
    for item in items:
        parsed = parse_visit(item)
        if parsed is None:
            raise Invalid(f"'{item[:40]}' is not PROVIDER:YEAR=N with N from 1 to {MAX_VISITS}", field="visits")
        told[parsed[0]] = parsed[1]
    return told


def as_items(visits: dict[tuple[str, int], int]) -> list[str]:
    """The counts back as "PROVIDER:YEAR=N", for the page to send again with the next one."""
    return [f"{provider}:{year}={n}" for (provider, year), n in sorted(visits.items())]
