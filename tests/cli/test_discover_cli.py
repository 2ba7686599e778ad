"""`silson discover` end to end on the README's family example, and on broken files."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_adjudicate_cli import run
from tests.conftest import ROOT

FAMILY = ROOT / "examples" / "family"
ARGS = ["discover", "--hometax", str(FAMILY / "hometax-2023-2025.xml"), "--contracts", str(FAMILY / "contracts.json"),
        "--as-of", "2026-11-23"]  # fmt: skip


def test_json_report_per_person_provider_and_year() -> None:
    out = run(*ARGS, "--json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["format"] == "silson-discover/1"
    kim, lee = doc["persons"]
    assert kim["name"] == "김민준" and kim["contracts"][0]["rule_set"] == "std-2015-09"
    assert lee["contracts"][0]["rule_set"] == "std-2021-07" and lee["skipped_contracts"]
    deadlines = [p["deadline"]["from"] for p in kim["providers"]]
    assert deadlines == sorted(deadlines)  # soonest first
    hospital = next(p for p in kim["providers"] if p["name"] == "서울중앙병원")
    assert hospital["status"] == "partly lapsed"
    # relay.route's choice: its 2023 care predates its 실손24 link (2024-10-25) and nothing is left to fetch for
    assert hospital["route"] == "upload" and "2024-10-25부터 실손24에 연결" in hospital["route_reason"]
    assert hospital["estimates"][0]["received"] == 1_200_000  # B201Y taken off
    for p in kim["providers"] + lee["providers"]:
        t = p["total"]
        assert 0 <= t["low"] <= t["typical"] <= t["high"] <= p["paid"]
    assert kim["totals"]["high"] == sum(p["total"]["high"] for p in kim["providers"])


def test_table_report_has_korean_labels() -> None:
    out = run(*ARGS)
    assert out.returncode == 0, out.stderr
    assert "예상 지급액" in out.stdout and "청구기한" in out.stdout and "본인부담상한제" in out.stdout


def test_band_narrows_the_refund(tmp_path: Path) -> None:
    doc = json.loads(run(*ARGS, "--json", "--band", "1", "--copay", "2023=2000000").stdout)
    year = next(y for y in doc["persons"][0]["years"] if y["year"] == 2023)
    assert year["nhis_refund"] == {"low": 2_000_000 - 870_000, "high": 2_000_000 - 870_000}


def test_broken_hometax_file_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text("<doc att_year='2024'><form form_cd='B101Y'><man resid='1' name='a'>", encoding="utf-8")
    out = run("discover", "--hometax", str(bad), "--contracts", str(FAMILY / "contracts.json"))
    assert out.returncode == 2 and "bad.xml" in out.stderr and "not well-formed" in out.stderr
    assert "Traceback" not in out.stderr


def test_broken_contract_list_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "c.json"
    bad.write_text('{"format": "silson-contracts/1", "contracts": [{"insurer": "x"}]}', encoding="utf-8")
    out = run("discover", "--hometax", str(FAMILY / "hometax-2023-2025.xml"), "--contracts", str(bad))
    assert out.returncode == 2 and "contracts[0].policy_no: required" in out.stderr


def test_nursing_hospital_cap_for_a_year() -> None:
    doc = json.loads(run(*ARGS, "--json", "--band", "1", "--copay", "2023=2000000", "--nursing-120", "2023").stdout)
    year = next(y for y in doc["persons"][0]["years"] if y["year"] == 2023)
    assert year["nhis_refund"] == {"low": 2_000_000 - 1_340_000, "high": 2_000_000 - 1_340_000}
