"""Contract lists: the JSON and CSV layouts, the 담보 → coverage reading, and clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from silson.adapters.contract_list import ContractListError, is_silson, read_contract_list, silson_coverages
from silson.domain.model import CoverageKey
from tests.conftest import ROOT

EXAMPLE = ROOT / "examples" / "family" / "contracts.json"

CSV = """insurer,insurer_kind,product,product_code,policy_no,insured_name,insured_resid,start,end,status,option,resubscribed,coverage_code,coverage_name,coverage_start,coverage_end,amount
현대해상,nonlife,실손,Hi1701,HI-1,김민준,,2017-02-01,,정상,choice2,,A1,질병입원의료비,,,50000000
현대해상,nonlife,실손,Hi1701,HI-1,김민준,,2017-02-01,,정상,choice2,,A2,질병통원의료비(외래),,,250000
현대해상,nonlife,실손,Hi1701,HI-1,김민준,,2017-02-01,,정상,choice2,,A3,질병통원의료비(처방조제),,,50000
"""


class TestLayouts:
    def test_json_example(self) -> None:
        contracts = read_contract_list(EXAMPLE)
        assert [c.policy_no for c in contracts] == ["HI-2017-000123", "SF-2022-778812", "HL-2019-5521"]
        assert [is_silson(c) for c in contracts] == [True, True, False]

    def test_csv_groups_rows_into_contracts(self, tmp_path: Path) -> None:
        path = tmp_path / "list.csv"
        path.write_text(CSV, encoding="utf-8")
        (contract,) = read_contract_list(path)
        coverages = silson_coverages(contract)
        cov = coverages.coverages[CoverageKey.DISEASE_OUTPATIENT]
        assert (cov.outpatient_limit, cov.prescription_limit) == (250000, 50000)
        assert coverages.coverages[CoverageKey.DISEASE_INPATIENT].limit == 50000000
        assert coverages.guesses == ()

    def test_fourth_generation_names(self) -> None:
        contract = read_contract_list(EXAMPLE)[1]
        keys = set(silson_coverages(contract).coverages)
        assert keys == {
            CoverageKey.DISEASE_COVERED, CoverageKey.DISEASE_NONCOVERED,
            CoverageKey.INJURY_COVERED, CoverageKey.INJURY_NONCOVERED,
        }  # fmt: skip

    def test_single_outpatient_row_is_split_and_said(self, tmp_path: Path) -> None:
        path = tmp_path / "list.csv"
        rows = [*CSV.splitlines()[:2], "현대해상,nonlife,실손,,HI-1,김민준,,2017-02-01,,,,,A2,질병통원의료비,,,300000"]
        path.write_text("\n".join(rows), encoding="utf-8")
        coverages = silson_coverages(read_contract_list(path)[0])
        cov = coverages.coverages[CoverageKey.DISEASE_OUTPATIENT]
        assert (cov.outpatient_limit, cov.prescription_limit) == (250000, 50000)
        assert any("나눔" in g for g in coverages.guesses)


class TestErrors:
    @pytest.mark.parametrize(
        ("mutate", "place", "problem"),
        [
            (lambda d: d.update(format="other"), "format", "silson-contracts/1"),
            (lambda d: d["contracts"][0].pop("policy_no"), "contracts[0].policy_no", "required"),
            (lambda d: d["contracts"][0].update(start="2017-02-30"), "contracts[0].start", "not a date"),
            (
                lambda d: d["contracts"][0]["coverages"][0].update(amount="5천만"),
                "contracts[0].coverages[0].amount",
                "amount",
            ),
            (lambda d: d["contracts"][1].update(insurer_kind="bank"), "contracts[1].insurer_kind", "nonlife or life"),
        ],
    )
    def test_json_error_names_place(self, tmp_path: Path, mutate, place: str, problem: str) -> None:  # type: ignore[no-untyped-def]
        doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
        mutate(doc)
        path = tmp_path / "c.json"
        path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        with pytest.raises(ContractListError) as err:
            read_contract_list(path)
        assert err.value.place == place and problem in err.value.problem

    def test_csv_missing_column(self, tmp_path: Path) -> None:
        path = tmp_path / "c.csv"
        path.write_text("insurer,policy_no\n현대해상,1\n", encoding="utf-8")
        with pytest.raises(ContractListError, match="missing columns"):
            read_contract_list(path)

    def test_csv_blank_required_cell(self, tmp_path: Path) -> None:
        path = tmp_path / "c.csv"
        path.write_text(
            CSV.replace("HI-1,김민준,,2017-02-01,,정상,choice2,,A2", "HI-1,,,2017-02-01,,정상,choice2,,A2"),
            encoding="utf-8",
        )
        with pytest.raises(ContractListError) as err:
            read_contract_list(path)
        assert err.value.place == "line 3.insured_name"
