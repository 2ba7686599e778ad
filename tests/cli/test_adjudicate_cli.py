"""`silson adjudicate` end to end, as a separate process: what a person or a script sees."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import HAS_SHARED, ROOT, SHARED_CASES

# the public Hi1701 case these tests mutate comes from the shared folder
pytestmark = pytest.mark.skipif(not HAS_SHARED, reason="the shared folder is not beside the checkout")

SILSON = [sys.executable, "-m", "silson"]
CLINIC = SHARED_CASES / "std-2015-09" / "hi1701-choice2-clinic-cold.json"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*SILSON, *args], capture_output=True, text=True, cwd=ROOT, timeout=60)


def write_case(tmp_path: Path, mutate: Any) -> Path:
    doc = json.loads(CLINIC.read_text(encoding="utf-8"))
    doc = copy.deepcopy(doc)
    mutate(doc)
    path = tmp_path / "case.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


class TestOutput:
    def test_json_is_a_silson_result(self) -> None:
        out = run("adjudicate", str(CLINIC), "--json")
        assert out.returncode == 0, out.stderr
        doc = json.loads(out.stdout)
        assert doc["format"] == "silson-result/1"
        assert doc["case"] == "hi1701-choice2-clinic-cold"
        assert doc["total"] == 40000
        (payout,) = doc["payouts"]
        assert payout["event"] == "v1" and payout["contract"] == "c1" and payout["amount"] == 40000
        assert payout["coverage"] == "disease_outpatient"
        assert payout["trace"][0]["rule"].startswith("Hi1701 질병통원 제1조②")

    def test_table_has_korean_labels_separators_and_the_trace(self) -> None:
        out = run("adjudicate", str(CLINIC))
        assert out.returncode == 0, out.stderr
        assert "지급액" in out.stdout and "질병통원" in out.stdout and "외래" in out.stdout
        assert "40,000" in out.stdout and "50,000" in out.stdout
        assert "[Hi1701 질병통원 제1조①] 50,000 − 10,000 = 40,000" in out.stdout


MALFORMED = [
    ("unknown key", lambda d: d["events"][0].update(covered_copy=1), "events[0].covered_copy", "unknown key"),
    ("wrong format", lambda d: d.update(format="silson-case/2"), "format", "silson-case/1"),
    ("missing claim date", lambda d: d.pop("claim_date"), "claim_date", "required"),
    ("bad date", lambda d: d.update(claim_date="2018-13-01"), "claim_date", "date"),
    ("float money", lambda d: d["events"][0].update(noncovered=1000.5), "events[0].noncovered", "integer"),
    ("negative money", lambda d: d["events"][0].update(covered_copay=-1), "events[0].covered_copay", "0"),
    ("bad kind", lambda d: d["events"][0].update(kind="surgery"), "events[0].kind", "surgery"),
    (
        "bad institution",
        lambda d: d["events"][0]["institution"].update(kind="spa"),
        "events[0].institution.kind",
        "spa",
    ),
    ("bad kcd", lambda d: d["events"][0].update(kcd=["cold"]), "events[0].kcd[0]", "KCD"),
    (
        "unknown terms",
        lambda d: d["contracts"][0].update(terms="std-1999-01", product=None),
        "contracts[0].terms",
        "std-1999-01",
    ),
    ("missing option", lambda d: d["contracts"][0].pop("option"), "contracts[0].option", "option"),
    (
        "option of other terms",
        lambda d: d["contracts"][0].update(option="choice1"),
        "contracts[0].option",
        "choice1",
    ),
    (
        "limit above terms",
        lambda d: d["contracts"][0]["coverages"]["disease_outpatient"].update(outpatient_limit=290000),
        "contracts[0].coverages.disease_outpatient",
        "300,000",
    ),
    ("duplicate event", lambda d: d["events"].append(dict(d["events"][0])), "events[1].id", "twice"),
    ("event after claim", lambda d: d["events"][0].update(date="2019-01-01"), "events[0].date", "claim_date"),
    (
        "admission without discharge",
        lambda d: d["events"][0].update(kind="inpatient"),
        "events[0].discharge",
        "discharge",
    ),
    (
        "prescription at clinic",
        lambda d: d["events"][0].update(kind="prescription"),
        "events[0].institution.kind",
        "pharmacy",
    ),
    (
        "items above total",
        lambda d: d["events"][0].update(items=[{"category": "mri", "amount": 40000}]),
        "events[0].items",
        "30,000",
    ),
    ("no contracts", lambda d: d.update(contracts=[]), "contracts", "at least 1"),
    (
        "contract older than its terms",
        lambda d: d["contracts"][0].update(start="2014-01-01", product=None),
        "contracts[0].start",
        "before std-2015-09",
    ),
    (
        "4th-generation coverage on 2nd-generation terms",
        lambda d: d["contracts"][0]["coverages"].update(disease_covered={"annual_limit": 1}),
        "contracts[0].coverages.disease_covered",
        "no such coverage",
    ),
]


class TestMalformedCases:
    @pytest.mark.parametrize(("what", "mutate", "field", "hint"), MALFORMED, ids=[m[0] for m in MALFORMED])
    def test_exits_2_naming_the_field_without_traceback(
        self, tmp_path: Path, what: str, mutate: Any, field: str, hint: str
    ) -> None:
        out = run("adjudicate", str(write_case(tmp_path, mutate)), "--json")
        assert out.returncode == 2, (what, out.stdout, out.stderr)
        assert out.stdout == ""
        assert "Traceback" not in out.stderr
        assert f": {field}: " in out.stderr, out.stderr
        assert hint in out.stderr, out.stderr

    def test_not_json(self, tmp_path: Path) -> None:
        path = tmp_path / "broken.json"
        path.write_text('{"format": "silson-case/1",', encoding="utf-8")
        out = run("adjudicate", str(path))
        assert out.returncode == 2 and "not JSON" in out.stderr and "Traceback" not in out.stderr

    def test_missing_file(self, tmp_path: Path) -> None:
        out = run("adjudicate", str(tmp_path / "nope.json"))
        assert out.returncode == 2 and "no such file" in out.stderr


class TestTermsCommands:
    def test_list_shows_rule_sets_and_products(self) -> None:
        out = run("terms", "list")
        assert out.returncode == 0, out.stderr
        assert "std-2015-09" in out.stdout and "Hi1701" in out.stdout and "표준형" in out.stdout

    def test_show_prints_each_parameter_with_its_clause(self) -> None:
        out = run("terms", "show", "std-2015-09")
        assert out.returncode == 0, out.stderr
        assert "■ outpatient.fixed_deductible" in out.stdout
        assert "근거: [보장종목] 제1조② 항목별 공제금액" in out.stdout
        assert "2015-09-01 ~ 계속" in out.stdout

    def test_show_unknown_rule_set_exits_2(self) -> None:
        out = run("terms", "show", "std-1999-01")
        assert out.returncode == 2 and "not in the catalogue" in out.stderr


class TestTermsMap:
    def test_map_prints_rule_set_and_certainty(self) -> None:
        out = run("terms", "map", "--start", "2016-05-01", "--product", "Hi1701", "--option", "choice2")
        assert out.returncode == 0, out.stderr
        assert "Hi1701 선택 choice2 — 확실" in out.stdout

    def test_map_with_resubscription(self) -> None:
        out = run("terms", "map", "--start", "2012-05-01", "--resubscribed", "2027-05-01")
        assert out.returncode == 0, out.stderr
        assert "std-2009-10" in out.stdout and "std-2026-05" in out.stdout and "재가입" in out.stdout

    def test_bad_date_exits_2(self) -> None:
        out = run("terms", "map", "--start", "2016-13-01")
        assert out.returncode == 2 and "--start" in out.stderr
