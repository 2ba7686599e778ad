"""`silson interest` end to end: the §3.5 worked examples through the command, and refused input."""

from __future__ import annotations

import json

import pytest

from tests.cli.test_adjudicate_cli import run

EXAMPLE_1 = [
    "interest",
    "--received",
    "2025-09-30",
    "--paid",
    "2025-12-15",
    "--amount",
    "1000000",
    "--loan-rate",
    "4.5",
]
EXAMPLE_2 = ["interest", "--received", "2025-04-30", "--paid", "2025-06-10", "--amount", "2400000", "--loan-rate",
             "4.5", "--advance", "1000000", "--advance-date", "2025-05-20"]  # fmt: skip


def test_example_1_json_is_the_contracts_document() -> None:
    # claims-format.md §3: due 2025-10-10, 66 days, 12,410원 (4,530,000/365 = 12,410.96 cut down)
    out = run(*EXAMPLE_1, "--json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert (doc["format"], doc["due"], doc["days_late"], doc["interest"]) == (
        "silson-interest/1",
        "2025-10-10",
        66,
        12410,
    )
    assert [{k: p[k] for k in ("from", "to", "days", "rate", "principal")} for p in doc["periods"]] == [
        {"from": "2025-10-11", "to": "2025-11-09", "days": 30, "rate": "4.5%", "principal": 1000000},
        {"from": "2025-11-10", "to": "2025-12-09", "days": 30, "rate": "8.5%", "principal": 1000000},
        {"from": "2025-12-10", "to": "2025-12-15", "days": 6, "rate": "10.5%", "principal": 1000000},
    ]
    assert doc["interest_exact"] == "906000/73"  # = 4,530,000/365


def test_example_2_json_with_an_advance() -> None:
    # (2,400,000×0.045×12 + 1,400,000×0.045×18 + 1,400,000×0.085×3)/365 = 2,787,000/365 = 7,635.62 → 7,635
    out = run(*EXAMPLE_2, "--json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert (doc["due"], doc["days_late"], doc["interest"]) == ("2025-05-08", 33, 7635)
    assert [(p["from"], p["to"], p["days"], p["rate"], p["principal"]) for p in doc["periods"]] == [
        ("2025-05-09", "2025-05-20", 12, "4.5%", 2400000),
        ("2025-05-21", "2025-06-07", 18, "4.5%", 1400000),
        ("2025-06-08", "2025-06-10", 3, "8.5%", 1400000),
    ]
    assert doc["advance"] == {"amount": 1000000, "date": "2025-05-20"}


def test_paid_on_the_due_date_prints_zero() -> None:
    out = run("interest", "--received", "2025-09-30", "--paid", "2025-10-10", "--amount", "1000000", "--loan-rate",
              "4.5", "--json")  # fmt: skip
    doc = json.loads(out.stdout)
    assert (doc["days_late"], doc["interest"], doc["periods"]) == (0, 0, [])


def test_readable_report_is_korean_with_the_total() -> None:
    out = run(*EXAMPLE_1)
    assert out.returncode == 0, out.stderr
    assert "지급기일 2025-10-10" in out.stdout
    assert "지연일수 66일" in out.stdout
    assert "지연이자 합계 12,410원" in out.stdout


@pytest.mark.parametrize(
    ("change", "flag"),
    [
        (["--paid", "2025-09-01"], "--paid"),  # paid before received
        (["--amount", "-5"], "--amount"),
        (["--amount", "1,000,000"], "--amount"),
        (["--received", "2025-09-31"], "--received"),  # no such day
        (["--received", "30/09/2025"], "--received"),
        (["--loan-rate", "abc"], "--loan-rate"),
        (["--advance", "2000000", "--advance-date", "2025-10-20"], "--advance"),  # more than the amount
        (["--advance", "1000"], "--advance-date"),  # advance without its date
        (["--advance-date", "2025-10-20"], "--advance"),
        (["--advance", "1000", "--advance-date", "2025-12-16"], "--advance-date"),  # after the balance
    ],
)
def test_bad_input_exits_2_with_one_line_naming_the_flag(change: list[str], flag: str) -> None:
    args = list(EXAMPLE_1)
    for name, value in zip(change[::2], change[1::2], strict=True):
        if name in args:
            args[args.index(name) + 1] = value
        else:
            args += [name, value]
    out = run(*args)
    assert out.returncode == 2
    assert out.stdout == ""
    lines = out.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"silson: {flag}: "), out.stderr


def test_a_missing_flag_is_named() -> None:
    out = run("interest", "--received", "2025-09-30", "--paid", "2025-12-15", "--loan-rate", "4.5")
    assert out.returncode == 2
    assert out.stderr.strip() == "silson: --amount: required (whole won)"
