"""The 제증명수수료 caps as dated data (claims-and-documents.md §6.4) and the check a fee passes."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import yaml

from silson.agents import fees
from silson.errors import Invalid

DAY = date(2026, 11, 23)


class TestCaps:
    def test_a_general_diagnosis_is_capped_at_20000_won_from_2017_09_21(self) -> None:
        found = fees.cap(fees.load(), item="general_diagnosis", issued_on=DAY)
        assert (found.amount, found.name, found.confirmed) == (20_000, "일반진단서", True)
        assert "P13" in found.reference

    def test_a_confirmation_of_visits_is_capped_at_3000_won(self) -> None:
        assert fees.cap(fees.load(), item="outpatient_confirm", issued_on=DAY).amount == 3_000

    def test_record_copies_cost_1000_won_a_page_up_to_5_then_100(self) -> None:
        table = fees.load()
        assert [fees.cap(table, item="record_copy", issued_on=DAY, pages=n).amount for n in (1, 5, 6, 20)] == [
            1_000, 5_000, 5_100, 6_500]  # fmt: skip

    def test_receipts_and_the_first_itemised_bill_are_free(self) -> None:
        table = fees.load()
        assert fees.cap(table, item="receipt", issued_on=DAY).amount == 0
        assert fees.cap(table, item="itemised_first", issued_on=DAY).amount == 0

    def test_no_cap_is_known_before_the_notice_took_effect(self) -> None:
        with pytest.raises(Invalid, match="issued_on"):
            fees.cap(fees.load(), item="general_diagnosis", issued_on=date(2017, 9, 20))

    def test_every_checklist_document_an_agent_fetches_has_a_default_item(self) -> None:
        from silson.claims.checklist import load_table

        table = fees.load()
        provider_codes = [c for c, d in load_table().documents.items() if d["from"] == "provider"]
        assert all(table.default_for(code) in table.items for code in provider_codes)
        assert table.default_for("DIAG_DOC") == "treatment_confirm"


class TestCheck:
    def test_a_fee_at_the_cap_passes(self) -> None:
        assert fees.check(fees.load(), item="general_diagnosis", issued_on=DAY, pages=1, amount=20_000).amount == 20_000

    def test_a_fee_above_the_cap_is_refused_naming_the_cap_and_its_source(self) -> None:
        refusal = r"일반진단서 수수료 22,000원은 보건복지부 상한 20,000원을 넘습니다"
        with pytest.raises(fees.FeeAboveCap, match=refusal) as err:
            fees.check(fees.load(), item="general_diagnosis", issued_on=DAY, pages=1, amount=22_000)
        assert err.value.field == "amount"
        assert err.value.http_status == 422

    def test_any_fee_for_a_free_receipt_is_refused(self) -> None:
        with pytest.raises(fees.FeeAboveCap):
            fees.check(fees.load(), item="receipt", issued_on=DAY, pages=1, amount=1_000)

    @pytest.mark.parametrize("amount", [-1, True, 10**12])
    def test_impossible_amounts_are_refused(self, amount: Any) -> None:
        with pytest.raises(Invalid, match="amount"):
            fees.check(fees.load(), item="general_diagnosis", issued_on=DAY, pages=1, amount=amount)

    def test_an_unknown_item_is_refused(self) -> None:
        with pytest.raises(Invalid, match="fee_item"):
            fees.check(fees.load(), item="golden_certificate", issued_on=DAY, pages=1, amount=0)


class TestTable:
    def _raw(self) -> dict[str, Any]:
        from importlib import resources

        return yaml.safe_load(resources.files("silson.agents").joinpath("data/fee_caps.yaml").read_text("utf-8"))

    def test_a_value_without_its_reference_is_refused_at_load(self) -> None:
        raw = self._raw()
        raw["items"]["general_diagnosis"]["values"][date(2017, 9, 21)].pop("reference")
        with pytest.raises(fees.FeeTableError, match="reference"):
            fees.parse(raw)

    def test_a_later_notice_applies_from_its_day(self) -> None:
        raw = self._raw()
        raw["items"]["general_diagnosis"]["values"][date(2027, 1, 1)] = {"cap": 22_000, "reference": "가상 개정 고시"}
        table = fees.parse(raw)
        assert fees.cap(table, item="general_diagnosis", issued_on=date(2026, 12, 31)).amount == 20_000
        assert fees.cap(table, item="general_diagnosis", issued_on=date(2027, 1, 1)).amount == 22_000

    def test_a_default_naming_no_item_is_refused(self) -> None:
        raw = self._raw()
        raw["defaults"]["RECEIPT"] = "nothing"
        with pytest.raises(fees.FeeTableError, match="nothing"):
            fees.parse(raw)
