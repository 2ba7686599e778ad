"""Contract lists in the style of 내보험다보여 (한국신용정보원), which publishes no export: silson
defines a JSON layout (`silson-contracts/1`) and a CSV layout with the fields such lists show
(shared/domain/data-formats.md §4.2), documented in docs/contract-list.md.

Each 실손 contract is turned into case-format coverages by its 담보 names (상해/질병 × 입원/통원/외래/
처방, 급여/비급여, 중증/비중증, 도수·주사·MRI) and mapped to a rule set of the catalogue from its
product code and dates (rules/mapping.py). Every guess is said, so a person can correct it.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from silson.domain import bounds
from silson.domain.model import Coverage, CoverageKey
from silson.errors import SilsonError

CONTRACTS_FORMAT = "silson-contracts/1"
CSV_COLUMNS = (
    "insurer", "insurer_kind", "product", "product_code", "policy_no", "insured_name", "insured_resid",
    "start", "end", "status", "option", "resubscribed", "coverage_code", "coverage_name", "coverage_start",
    "coverage_end", "amount",
)  # fmt: skip
REQUIRED = ("insurer", "policy_no", "insured_name", "start", "coverage_name", "amount")


class ContractListError(SilsonError, ValueError):
    def __init__(self, file: str, place: str, problem: str) -> None:
        super().__init__(f"{file}: {place}: {problem}" if place else f"{file}: {problem}")
        self.file, self.place, self.problem = file, place, problem


@dataclass(frozen=True, slots=True)
class CoverageRow:
    code: str
    name: str
    amount: int
    start: date | None = None
    end: date | None = None


@dataclass(slots=True)
class ListedContract:
    insurer: str
    policy_no: str
    insured_name: str
    insured_resid: str
    start: date
    rows: list[CoverageRow]
    product: str = ""
    product_code: str | None = None
    insurer_kind: str | None = None
    end: date | None = None
    status: str = ""
    option: str | None = None
    resubscribed: list[date] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str]:
        return (self.insurer, self.policy_no)


@dataclass(frozen=True, slots=True)
class SilsonCoverages:
    """Case-format coverages read from a contract's 담보 rows, with what had to be guessed."""

    coverages: dict[CoverageKey, Coverage]
    guesses: tuple[str, ...]


OPTIONS = ("choice1", "standard", "choice2")  # 공제 유형 where the terms have options (case-format.md)
MAX_TEXT = 200  # any one name, number or code; a real one is well under 100 characters


def _text(raw: Any, file: str, place: str, *, required: bool = False) -> str:
    """A text field: a string (a number is read as its digits, e.g. a policy number), one line,
    bounded, no lone surrogates."""
    if raw is None or raw == "":
        if required:
            raise ContractListError(file, place, "required")
        return ""
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise ContractListError(file, place, f"expected text, got {type(raw).__name__}")
    text = str(raw).strip()
    if len(text) > MAX_TEXT:
        raise ContractListError(file, place, f"longer than {MAX_TEXT} characters")
    if not text.isprintable():
        raise ContractListError(file, place, f"'{bounds.shown(text)}' holds control characters")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ContractListError(file, place, f"'{bounds.shown(text)}' holds a lone surrogate") from None
    if required and not text:
        raise ContractListError(file, place, "required")
    return text


def _date(raw: Any, file: str, place: str, required: bool = True) -> date | None:
    if raw in (None, ""):
        if required:
            raise ContractListError(file, place, "required date missing")
        return None
    if not isinstance(raw, str):
        raise ContractListError(file, place, f"expected a date as text (YYYY-MM-DD), got {type(raw).__name__}")
    try:
        return bounds.day(date.fromisoformat(raw.strip()))
    except bounds.BoundsError as exc:
        raise ContractListError(file, place, str(exc)) from None
    except ValueError:
        raise ContractListError(file, place, f"'{bounds.shown(raw)}' is not a date (YYYY-MM-DD)") from None


def _amount(raw: Any, file: str, place: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise ContractListError(file, place, f"'{bounds.shown(str(raw))}' is not an amount in won")
    try:
        return bounds.won(str(raw))
    except bounds.BoundsError as exc:
        raise ContractListError(file, place, f"not an amount in won: {exc}") from None


def _object(raw: Any, file: str, place: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ContractListError(file, place, f"expected an object {{…}}, got {_kind(raw)}")
    return raw


def _kind(raw: Any) -> str:
    return "null" if raw is None else {list: "a list", str: "text", int: "a number", float: "a number",
                                       bool: "true/false"}.get(type(raw), type(raw).__name__)  # fmt: skip


def _contract(raw: Any, file: str, at: str) -> ListedContract:
    raw = _object(raw, file, at)
    for name in ("insurer", "policy_no", "start", "coverages"):
        if raw.get(name) in (None, "", []):
            raise ContractListError(file, f"{at}.{name}", "required")
    insured = _object(raw.get("insured") or {}, file, f"{at}.insured")
    name_of_insured = _text(insured.get("name"), file, f"{at}.insured.name", required=True)
    kind = raw.get("insurer_kind")
    if kind not in (None, "nonlife", "life"):
        raise ContractListError(file, f"{at}.insurer_kind", f"'{bounds.shown(str(kind))}' is not nonlife or life")
    option = raw.get("option") or None
    if option is not None and option not in OPTIONS:
        raise ContractListError(
            file, f"{at}.option", f"'{bounds.shown(str(option))}' is not one of {', '.join(OPTIONS)}"
        )
    listed = raw["coverages"]
    if not isinstance(listed, list):
        raise ContractListError(file, f"{at}.coverages", f"expected a list of 담보, got {_kind(listed)}")
    rows = []
    for j, row in enumerate(listed):
        where = f"{at}.coverages[{j}]"
        row = _object(row, file, where)
        rows.append(
            CoverageRow(
                _text(row.get("code"), file, f"{where}.code"),
                _text(row.get("name"), file, f"{where}.name", required=True),
                _amount(row.get("amount"), file, f"{where}.amount"),
                _date(row.get("start"), file, f"{where}.start", required=False),
                _date(row.get("end"), file, f"{where}.end", required=False),
            )
        )
    start = _date(raw["start"], file, f"{at}.start")
    assert start is not None
    end = _date(raw.get("end"), file, f"{at}.end", required=False)
    if end is not None and end < start:
        raise ContractListError(file, f"{at}.end", f"{end} is before start {start}")
    again = raw.get("resubscribed") or []
    if not isinstance(again, list):
        raise ContractListError(file, f"{at}.resubscribed", f"expected a list of dates, got {_kind(again)}")
    return ListedContract(
        insurer=_text(raw["insurer"], file, f"{at}.insurer", required=True),
        policy_no=_text(raw["policy_no"], file, f"{at}.policy_no", required=True),
        insured_name=name_of_insured,
        insured_resid=_text(insured.get("resid"), file, f"{at}.insured.resid"),
        start=start,
        rows=rows,
        product=_text(raw.get("product"), file, f"{at}.product"),
        product_code=_text(raw.get("product_code"), file, f"{at}.product_code") or None,
        insurer_kind=kind,
        end=end,
        status=_text(raw.get("status"), file, f"{at}.status"),
        option=option,
        resubscribed=[d for k, x in enumerate(again) if (d := _date(x, file, f"{at}.resubscribed[{k}]")) is not None],
    )


def parse_json(text: str, file: str) -> list[ListedContract]:
    try:
        doc = bounds.loads(text)
    except json.JSONDecodeError as exc:
        raise ContractListError(file, f"line {exc.lineno} column {exc.colno}", f"not JSON: {exc.msg}") from None
    except bounds.BoundsError as exc:
        raise ContractListError(file, "", str(exc)) from None
    if not isinstance(doc, dict) or doc.get("format") != CONTRACTS_FORMAT:
        raise ContractListError(file, "format", f'expected "{CONTRACTS_FORMAT}"')
    contracts = doc.get("contracts")
    if not isinstance(contracts, list):
        raise ContractListError(file, "contracts", "a list of contracts is required")
    return [_contract(c, file, f"contracts[{i}]") for i, c in enumerate(contracts)]


def parse_csv(text: str, file: str) -> list[ListedContract]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = reader.fieldnames or []
    except csv.Error as exc:
        raise ContractListError(file, "header", f"not CSV: {exc}") from None
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ContractListError(file, "header", f"missing columns {', '.join(missing)} (see docs/contract-list.md)")
    grouped: dict[tuple[str, str], dict[str, Any]] = {}
    rows: list[dict[str, Any]] = []
    try:
        for row in reader:
            rows.append(row)
    except csv.Error as exc:
        raise ContractListError(file, f"line {reader.line_num}", f"not CSV: {exc}") from None
    for line, row in enumerate(rows, start=2):
        at = f"line {line}"
        if None in row:
            raise ContractListError(file, at, "more fields than the header has columns")
        for name in REQUIRED:
            if not (row.get(name) or "").strip():
                raise ContractListError(file, f"{at}.{name}", "required")
        key = (row["insurer"].strip(), row["policy_no"].strip())
        entry = grouped.setdefault(
            key,
            {
                "insurer": key[0],
                "policy_no": key[1],
                "insurer_kind": (row.get("insurer_kind") or "").strip() or None,
                "product": row.get("product", ""),
                "product_code": (row.get("product_code") or "").strip() or None,
                "insured": {"name": row["insured_name"].strip(), "resid": (row.get("insured_resid") or "").strip()},
                "start": row["start"].strip(),
                "end": (row.get("end") or "").strip() or None,
                "status": row.get("status", ""),
                "option": (row.get("option") or "").strip() or None,
                "resubscribed": [d for d in (row.get("resubscribed") or "").split(";") if d.strip()],
                "coverages": [],
                "_line": at,
            },
        )
        entry["coverages"].append(
            {
                "code": row.get("coverage_code", ""),
                "name": row["coverage_name"],
                "amount": row["amount"],
                "start": (row.get("coverage_start") or "").strip() or None,
                "end": (row.get("coverage_end") or "").strip() or None,
            }
        )
    return [_contract(entry, file, entry.pop("_line")) for entry in grouped.values()]


def read_contract_list(path: Path) -> list[ListedContract]:
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ContractListError(
            file, "", "UTF-8 파일이 아닙니다. 엑셀에서는 'CSV UTF-8'로 저장해 주세요 (not UTF-8)"
        ) from None
    except OSError as exc:
        raise ContractListError(file, "", f"cannot read ({exc.strerror})") from None
    return parse_contract_list(text, file, csv=path.suffix.lower() == ".csv")


def parse_contract_list(text: str, file: str, *, csv: bool) -> list[ListedContract]:
    return parse_csv(text, file) if csv else parse_json(text, file)


# --- 담보 rows → case-format coverages -------------------------------------------------------------

_RIDERS = (("도수", "rider_manual_therapy"), ("체외충격파", "rider_manual_therapy"), ("주사", "rider_injection"),
           ("MRI", "rider_mri"), ("자기공명", "rider_mri"))  # fmt: skip


def is_silson(contract: ListedContract) -> bool:
    """A 실손 contract has a 의료비 (indemnity) coverage; 진단비·수술비 style fixed benefits are not."""
    return any(_classify(row.name) is not None for row in contract.rows)


def _classify(name: str) -> tuple[str, str | None] | None:
    """(coverage kind, cause) for a 담보 name, or None when it is not a 실손 담보."""
    text = name.replace(" ", "")
    cause = "injury" if "상해" in text else "disease" if "질병" in text else None
    for word, key in _RIDERS:
        if word in text and ("비급여" in text or "실손" in text or "의료비" in text):
            return key, None
    if "비중증" in text:
        return "noncovered_other", cause
    if "중증" in text and "비급여" in text:
        return "noncovered_severe", cause
    if "비급여" in text:
        return "noncovered", cause
    if "급여" in text and ("실손" in text or "의료비" in text):
        return "covered", cause
    if "의료비" not in text and "실손" not in text:
        return None
    if "입원" in text:
        return "inpatient", cause
    if "외래" in text:
        return "outpatient_visit", cause
    if "처방" in text:
        return "outpatient_prescription", cause
    if "통원" in text:
        return "outpatient", cause
    return None


def silson_coverages(contract: ListedContract, *, visit_limits: Mapping[str, int] | None = None) -> SilsonCoverages:
    """The 실손 coverages of a listed contract. A list gives a 4th/5th-generation part's yearly amount
    only; its per-visit amount is taken as the most the terms allow (`visit_limits`: part → 통원 1회당
    상한 from the mapped rule set's `coverage.limits_max`, see `rules.limits.visit_limits`)."""
    guesses: list[str] = []
    found: dict[str, dict[str, int]] = {}
    for row in contract.rows:
        kind = _classify(row.name)
        if kind is None:
            continue
        what, cause = kind
        if cause is None and not what.startswith("rider_"):
            for c in ("injury", "disease"):
                found.setdefault(f"{c}_{what}", {})["amount"] = row.amount
            guesses.append(f"'{row.name}': 상해/질병 구분이 없어 둘 다로 봄")
            continue
        key = what if what.startswith("rider_") else f"{cause}_{what}"
        found.setdefault(key, {})["amount"] = row.amount
    coverages: dict[CoverageKey, Coverage] = {}
    for cause in ("injury", "disease"):
        if f"{cause}_inpatient" in found:
            key = CoverageKey(f"{cause}_inpatient")
            coverages[key] = Coverage(key, limit=found[f"{cause}_inpatient"]["amount"])
        visit = found.get(f"{cause}_outpatient_visit", {}).get("amount")
        prescription = found.get(f"{cause}_outpatient_prescription", {}).get("amount")
        whole = found.get(f"{cause}_outpatient", {}).get("amount")
        if visit is not None or prescription is not None or whole is not None:
            if visit is None or prescription is None:
                total = whole if whole is not None else (visit or 0) + (prescription or 0)
                visit = visit if visit is not None else max(0, total - (prescription or total // 6))
                prescription = prescription if prescription is not None else max(0, total - visit)
                guesses.append(f"{cause} 통원: 외래 {visit:,} / 처방 {prescription:,}로 나눔 (담보 행이 하나뿐)")
            key = CoverageKey(f"{cause}_outpatient")
            coverages[key] = Coverage(key, outpatient_limit=visit, prescription_limit=prescription)
        for part in ("covered", "noncovered", "noncovered_severe", "noncovered_other"):
            if f"{cause}_{part}" in found:
                key = CoverageKey(f"{cause}_{part}")
                most = (visit_limits or {}).get(part)
                coverages[key] = Coverage(key, annual_limit=found[f"{cause}_{part}"]["amount"], outpatient_limit=most)
                if most is not None:
                    guesses.append(f"{key.value}: 통원 1회 한도를 약관의 최대 {most:,}으로 봄")
                else:
                    guesses.append(f"{key.value}: 통원 1회 한도를 알 수 없음 (목록에 없고 약관에도 상한이 없음)")
    for rider in ("rider_manual_therapy", "rider_injection", "rider_mri"):
        if rider in found:
            coverages[CoverageKey(rider)] = Coverage(CoverageKey(rider), annual_limit=found[rider]["amount"])
    return SilsonCoverages(coverages, tuple(guesses))
