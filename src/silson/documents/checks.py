"""The arithmetic every receipt guarantees, used to verify a reading and to repair a misread digit.

The forms print their own formulas (⑥ = ① + ② + ③ + ④, ⑧ = (① − ⑤) + ③ + ④, ⑩ = ⑧ − ⑨, 카드 + 현금영수증
+ 현금 = 합계; §7.1 and §7.4 of the domain notes). A reading that satisfies them is very unlikely to hold
a misread digit; one that does not is repaired only when an independent re-read of the cell, or a
single-digit change confirmed by two separate formulas, makes every formula hold. A text-layer PDF is
never repaired: a sum that does not add up there is what the document says, and goes to a person.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import combinations, product

from silson.documents.forms import FieldRead, FormReading
from silson.documents.layout import Read
from silson.documents.values import business_number_valid, parse_amount

Term = tuple[int, str]  # (+1 or -1, field)


@dataclass(frozen=True)
class Equation:
    """lhs = Σ sign × term, as the form prints it."""

    rule: str
    lhs: str
    terms: tuple[Term, ...]

    @property
    def fields(self) -> tuple[str, ...]:
        return (self.lhs, *(name for _, name in self.terms))

    def holds(self, values: Mapping[str, int | None]) -> bool | None:
        """True or False, or None when a field is missing."""
        got = [values.get(name) for name in self.fields]
        if any(v is None for v in got):
            return None
        lhs = values[self.lhs]
        assert lhs is not None
        return lhs == sum(sign * (values[name] or 0) for sign, name in self.terms)


@dataclass
class CheckResult:
    """One check as reported in `checks`: the rule, whether it held, and what it touched or repaired."""

    rule: str
    ok: bool
    fields: tuple[str, ...]
    detail: str = ""


_PAID = Equation("납부한 금액 = 카드 + 현금영수증 + 현금", "paid", ((1, "card"), (1, "cash_receipt"), (1, "cash")))
_UNPAID = Equation("납부할 금액 = 납부한 금액 + 납부하지 않은 금액", "to_pay", ((1, "paid"), (1, "unpaid")))
_TO_PAY = Equation(
    "납부할 금액 = 환자부담 총액 − 이미 납부한 금액", "to_pay", ((1, "patient_total"), (-1, "already_paid"))
)

EQUATIONS: dict[str, tuple[Equation, ...]] = {
    "hospital-2024": (
        Equation(
            "진료비 총액 = 본인부담금 + 공단부담금 + 전액본인부담 + 비급여",
            "total",
            ((1, "covered_copay"), (1, "nhis_paid"), (1, "covered_full"), (1, "noncovered")),
        ),
        Equation("공단부담 총액 = 공단부담금 + 상한액 초과금", "nhis_total", ((1, "nhis_paid"), (1, "cap_excess"))),
        Equation(
            "환자부담 총액 = 본인부담금 − 상한액 초과금 + 전액본인부담 + 비급여",
            "patient_total",
            ((1, "covered_copay"), (-1, "cap_excess"), (1, "covered_full"), (1, "noncovered")),
        ),
        _TO_PAY,
        _PAID,
        _UNPAID,
    ),
    "hospital-older": (
        Equation(
            "진료비 총액 = 본인부담금 + 공단부담금 + 전액본인부담 + 선택진료료 + 선택진료료 이외",
            "total",
            (
                (1, "covered_copay"),
                (1, "nhis_paid"),
                (1, "covered_full"),
                (1, "noncovered_choice"),
                (1, "noncovered_other"),
            ),
        ),
        Equation(
            "환자부담 총액 = 본인부담금 + 전액본인부담 + 선택진료료 + 선택진료료 이외",
            "patient_total",
            ((1, "covered_copay"), (1, "covered_full"), (1, "noncovered_choice"), (1, "noncovered_other")),
        ),
        _TO_PAY,
        _PAID,
        _UNPAID,
    ),
    "pharmacy": (
        Equation(
            "약제비총액 = 본인부담금 + 보험자부담금 + 비급여",
            "total",
            ((1, "covered_copay"), (1, "nhis_paid"), (1, "noncovered")),
        ),
        Equation("총수납금액 = 본인부담금 + 비급여", "patient_total", ((1, "covered_copay"), (1, "noncovered"))),
        _PAID,
    ),
}

# The older layout's ⑧ may or may not subtract 상한액 초과금 ⑥ (domain notes §7.2: UNCONFIRMED): both are accepted.
_OLDER_ALT = Equation(
    "환자부담 총액 = 본인부담금 − 상한액 초과금 + 전액본인부담 + 선택진료료 + 선택진료료 이외",
    "patient_total",
    ((1, "covered_copay"), (-1, "cap_excess"), (1, "covered_full"), (1, "noncovered_choice"), (1, "noncovered_other")),
)


def _ints(fields: Mapping[str, FieldRead]) -> dict[str, int | None]:
    return {k: v.value if isinstance(v.value, int) else None for k, v in fields.items()}


def _score(equations: tuple[Equation, ...], values: Mapping[str, int | None]) -> int:
    return sum(1 for eq in equations if eq.holds(values) is True) - sum(
        1 for eq in equations if eq.holds(values) is False
    )


def _one_digit_apart(a: int, b: int) -> bool:
    sa, sb = str(a), str(b)
    return len(sa) == len(sb) and sum(x != y for x, y in zip(sa, sb, strict=True)) == 1


def _evaluate(equations: tuple[Equation, ...], layout: str, values: Mapping[str, int | None]) -> list[CheckResult]:
    results: list[CheckResult] = []
    for eq in equations:
        held = eq.holds(values)
        if held is None:
            continue
        if not held and layout == "hospital-older" and eq.lhs == "patient_total" and _OLDER_ALT.holds(values):
            results.append(CheckResult(_OLDER_ALT.rule, True, _OLDER_ALT.fields))
            continue
        detail = "" if held else _mismatch(eq, values)
        results.append(CheckResult(eq.rule, held, eq.fields, detail))
    return results


def _mismatch(eq: Equation, values: Mapping[str, int | None]) -> str:
    rhs = sum(sign * (values[name] or 0) for sign, name in eq.terms)
    return f"{eq.lhs} reads {values[eq.lhs]:,} but the terms add up to {rhs:,}"


def verify(
    reading: FormReading,
    *,
    exact_source: bool,
    reread: Callable[[list[str]], dict[str, list[FieldRead]]] | None = None,
) -> list[CheckResult]:
    """Run the form's checks, repairing misreads where the evidence allows; updates reading.fields in place."""
    equations: tuple[Equation, ...] = reading.equations or EQUATIONS.get(reading.layout, ())
    fields = reading.fields
    results: list[CheckResult] = []
    values = _ints(fields)
    failing = [eq for eq in equations if eq.holds(values) is False]
    # a cell read without a number (a circled mark alone, a lost 0) is as suspect as a failed formula
    unread = [eq for eq in equations if any(fields.get(n) is not None and fields[n].value is None for n in eq.fields)]
    if (failing or unread) and not exact_source:
        results.extend(_repair(equations, reading, [*failing, *unread], reread))
        values = _ints(fields)
    results.extend(_evaluate(equations, reading.layout, values))
    number = fields.get("business_number")
    if number is not None and isinstance(number.value, str):
        ok = business_number_valid(number.value)
        results.append(
            CheckResult(
                "사업자등록번호 검증번호 (check digit)", ok, ("business_number",), "" if ok else "check digit fails"
            )
        )
    return results


def _repair(
    equations: tuple[Equation, ...],
    reading: FormReading,
    failing: list[Equation],
    reread: Callable[[list[str]], dict[str, list[FieldRead]]] | None,
) -> list[CheckResult]:
    fields = reading.fields
    suspects = sorted({name for eq in failing for name in eq.fields if name in fields})
    values = _ints(fields)
    base_score = _score(equations, values)
    notes: list[CheckResult] = []
    # 1. An independent re-read of the suspect cells (digits-only model): choose the combination that
    #    makes the most formulas hold.
    if reread is not None:
        alternatives = reread(suspects)
        options: list[list[FieldRead]] = [
            _distinct([fields[n], *alternatives.get(n, []), *text_alternatives(fields[n])]) for n in suspects
        ]
        best: tuple[int, int, tuple[FieldRead, ...]] | None = None
        size = 1
        for option in options:
            size *= len(option)
        combos = product(*options) if size <= _MAX_COMBINATIONS else _one_change_at_a_time(options)
        for combo in combos:
            trial = dict(values)
            trial.update(
                {n: c.value if isinstance(c.value, int) else None for n, c in zip(suspects, combo, strict=True)}
            )
            changed = sum(1 for n, c in zip(suspects, combo, strict=True) if c is not fields[n])
            key = (_score(equations, trial), -changed)
            if best is None or key > best[:2]:
                best = (key[0], key[1], combo)
        if best is not None and best[0] > base_score:
            for name, chosen in zip(suspects, best[2], strict=True):
                if chosen is not fields[name]:
                    notes.append(
                        CheckResult(
                            "다시 읽기 (re-read of the cell)",
                            True,
                            (name,),
                            f"{name}: {fields[name].value!r} re-read as {chosen.value!r}, which the formulas confirm",
                        )
                    )
                    fields[name] = chosen
            values = _ints(fields)
    # 2. A single misread digit: solve each failing formula for one field; accept only when the solved
    #    value is one digit from the read one and a second formula holding that field confirms it.
    for eq in [e for e in equations if e.holds(values) is False]:
        for name in eq.fields:
            current = values.get(name)
            if current is None:
                continue
            solved = _solve(eq, name, values)
            if solved is None or solved < 0 or not _one_digit_apart(current, solved):
                continue
            trial = {**values, name: solved}
            confirming = [e for e in equations if e is not eq and name in e.fields and e.holds(trial) is True]
            if confirming and _score(equations, trial) > _score(equations, values):
                old = fields[name]
                fields[name] = FieldRead(solved, 0.85 * max(old.conf, 0.5), old.cell, f"corrected from {current:,}")
                notes.append(
                    CheckResult(
                        "한 자리 교정 (one misread digit)",
                        True,
                        (name,),
                        f"{name}: read {current:,}, corrected to {solved:,} by “{eq.rule}”,"
                        f" confirmed by “{confirming[0].rule}”",
                    )
                )
                values = _ints(fields)
                break
    return notes


_MAX_COMBINATIONS = 4096


def _one_change_at_a_time(options: list[list[FieldRead]]) -> list[tuple[FieldRead, ...]]:
    """Too many suspects to try every combination (a long bill): each alternative alone, then pairs."""
    base = tuple(o[0] for o in options)
    singles = [(i, alt) for i, option in enumerate(options) for alt in option[1:]]
    out = [base]
    for i, alt in singles:
        out.append((*base[:i], alt, *base[i + 1 :]))
    for (i, a), (j, b) in combinations(singles, 2):
        if len(out) >= _MAX_COMBINATIONS * 4:  # bounded however many rows a page claims to have
            break
        if i != j:
            trial = list(base)
            trial[i], trial[j] = a, b
            out.append(tuple(trial))
    return out


def text_alternatives(read: FieldRead) -> list[FieldRead]:
    """Other readings of a cell's own text: without a leading circled mark read as a digit ("2 44,520",
    "244,520" under ②). Only candidates: the formulas decide whether one replaces the reading.

    >>> [a.value for a in text_alternatives(FieldRead(244_520, 0.5, _cell("2 44,520")))]
    [44520]
    >>> [a.value for a in text_alternatives(FieldRead(282_250, 0.5, _cell("282,250")))]
    [82250]
    """
    cell = read.cell
    if cell is None or not isinstance(read.value, int):
        return []
    text = cell.text.strip()
    found: list[int] = []
    tokens = text.split()
    for start in range(1, len(tokens)):
        value = parse_amount(" ".join(tokens[start:]))
        if value is not None:
            found.append(value)
    lead = _LEADING_MARK.match(text.replace(" ", ""))
    if lead is not None:
        found.append(int(lead[1].replace(",", "")))
    return [
        FieldRead(v, read.conf * 0.9, cell, f"{text!r} read without its leading mark")
        for v in dict.fromkeys(found)
        if v != read.value
    ]


_LEADING_MARK = re.compile(r"^\d(\d{1,3}(?:,\d{3})+)$")


def _cell(text: str) -> Read:
    return Read(text, 0.5, 0, 0, 10, 10)


def _distinct(reads: list[FieldRead]) -> list[FieldRead]:
    seen: set[object] = set()
    out: list[FieldRead] = []
    for read in reads:
        if read.value not in seen or read is reads[0]:
            seen.add(read.value)
            out.append(read)
    return out


def _solve(eq: Equation, name: str, values: Mapping[str, int | None]) -> int | None:
    """The value of `name` that makes the equation hold, the others as read."""
    if any(values.get(n) is None for n in eq.fields if n != name):
        return None
    rhs_others = sum(sign * (values[n] or 0) for sign, n in eq.terms if n != name)
    if name == eq.lhs:
        return rhs_others
    sign = next(s for s, n in eq.terms if n == name)
    lhs = values[eq.lhs]
    assert lhs is not None
    return (lhs - rhs_others) * sign
