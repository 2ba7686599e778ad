"""`silson reconcile` end to end, as a separate process: what a person or a script sees."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

SILSON = [sys.executable, "-m", "silson"]
CASES = ROOT / "tests" / "payments" / "cases"
NO_SHARING = CASES / "mistake-no-sharing.json"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*SILSON, *args], capture_output=True, text=True, cwd=ROOT, timeout=60)


class TestOutput:
    def test_json_is_a_silson_reconciliation(self) -> None:
        out = run("reconcile", str(NO_SHARING), "--json")
        assert out.returncode == 0, out.stderr
        doc = json.loads(out.stdout)
        assert doc["format"] == "silson-reconciliation/1"
        assert doc["case"] == "rec-mistake-no-sharing"
        assert (doc["underpaid_total"], doc["overpaid_total"]) == (0, 37778)
        first, second = doc["lines"]
        assert (first["contract"], first["expected"], first["paid"], first["status"]) == (
            "c1",
            202777,
            202777,
            "matched",
        )
        assert (second["difference"], second["status"]) == (-37778, "overpaid")
        assert second["likely_mistake"] == {
            "code": "no_sharing",
            "text": "다수보험 비례보상을 하지 않은 금액과 같음",
            "would_pay": 200000,
        }

    def test_table_is_korean_with_the_totals(self) -> None:
        out = run("reconcile", str(NO_SHARING))
        assert out.returncode == 0, out.stderr
        assert "지급 대조 rec-mistake-no-sharing" in out.stdout
        assert "과다 지급" in out.stdout and "162,222" in out.stdout and "-37,778" in out.stdout
        assert "과소 지급 합계 0원 · 과다 지급 합계 37,778원" in out.stdout


class TestBadInput:
    def test_a_bad_paid_entry_exits_2_with_one_line(self, tmp_path: Path) -> None:
        doc = json.loads(NO_SHARING.read_text(encoding="utf-8"))
        doc["paid"][1]["event"] = "v9"
        path = tmp_path / "case.json"
        path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        out = run("reconcile", str(path), "--json")
        assert out.returncode == 2
        assert out.stdout == ""
        assert out.stderr.splitlines() == [f"silson: {path}: paid[1].event: unknown event 'v9'"]

    def test_adjudicate_refuses_the_paid_key(self) -> None:
        out = run("adjudicate", str(NO_SHARING), "--json")
        assert out.returncode == 2
        assert out.stderr.splitlines() == [f"silson: {NO_SHARING}: paid: unknown key (typos must not pass silently)"]

    def test_a_missing_file_exits_2(self, tmp_path: Path) -> None:
        out = run("reconcile", str(tmp_path / "none.json"))
        assert out.returncode == 2
        assert len(out.stderr.splitlines()) == 1 and "no such file" in out.stderr


class TestReadmeExample:
    def test_the_readme_statement_gives_the_readme_figures(self) -> None:
        out = run("reconcile", str(ROOT / "examples" / "kim-2017-statement.json"))
        assert out.returncode == 0, out.stderr
        assert "과소 지급 합계 101,373원 · 과다 지급 합계 588,169원" in out.stdout
        assert "▶ 추정 원인: 상급병실료 차액을 빼고 계산한 금액과 같음 (no_room_difference, 570,295원)" in out.stdout
        assert "▶ 추정 원인: 다수보험 비례보상을 하지 않은 금액과 같음 (no_sharing, 1,216,000원)" in out.stdout
