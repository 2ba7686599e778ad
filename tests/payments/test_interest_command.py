"""`silson interest` (the silson-interest/1 contract) on the cases the issue adds to the two worked
examples of §3.5 (tests/cli/test_interest_cli.py has those, the advance and payment on the due date):
a receipt on the Friday before a long holiday, and a delay over a year with its compound step."""

from __future__ import annotations

import json

from tests.cli.test_adjudicate_cli import run


def _interest(*args: str) -> dict[str, object]:
    out = run("interest", *args, "--loan-rate", "4.5", "--json")
    assert out.returncode == 0, out.stderr
    doc: dict[str, object] = json.loads(out.stdout)
    return doc


def test_a_receipt_on_the_friday_before_seollal_2025() -> None:
    # received Fri 2025-01-24; 01-25/26 weekend, 01-27 임시공휴일, 01-28..30 설날, 02-01/02 weekend:
    # business days 01-31 (1), 02-03 (2), 02-04 (3) → 지급기일 2025-02-04 (the receipt day counted: 02-03)
    # paid 2025-02-20: 16 days at 4.5 %: 500,000 × 0.045 × 16 / 365 = 72,000/73 = 986.30 → 986
    doc = _interest("--received", "2025-01-24", "--paid", "2025-02-20", "--amount", "500000")
    assert (doc["due"], doc["due_receipt_day_counted"], doc["days_late"], doc["interest"]) == (
        "2025-02-04", "2025-02-03", 16, 986)  # fmt: skip
    assert doc["interest_exact"] == "72000/73"


def test_a_delay_over_a_year_adds_the_first_years_interest_to_the_principal() -> None:
    # §3.5 "over a year": 400 days on 1,000,000 from the 지급기일 2025-10-10; year 1 earns
    # (0.045×30 + 0.085×30 + 0.105×30 + 0.125×275) × 1,000,000 / 365 = 113,493.15, which joins the principal
    # on day 366: 1,113,493.15 × 0.125 × 35 / 365 = 13,346.66; total 126,839.81 → 126,839
    doc = _interest("--received", "2025-09-30", "--paid", "2026-11-14", "--amount", "1000000")
    assert (doc["days_late"], doc["interest"]) == (400, 126839)
    periods = doc["periods"]
    assert isinstance(periods, list)
    assert [(p["first_day"], p["days"], p["rate"], p["principal_exact"]) for p in periods] == [
        (1, 30, "4.5%", "1000000"), (31, 30, "8.5%", "1000000"), (61, 30, "10.5%", "1000000"),
        (91, 275, "12.5%", "1000000"), (366, 35, "12.5%", "81285000/73")]  # fmt: skip
