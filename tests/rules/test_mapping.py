"""Mapping a contract to its rule set from its date, product, insurer kind and re-subscriptions."""

from __future__ import annotations

from datetime import date

from silson.rules.catalogue import Catalogue
from silson.rules.mapping import map_contract


class TestMapContract:
    def test_each_generation_by_contract_date(self, catalogue: Catalogue) -> None:
        expected = {
            date(2005, 3, 1): "gen1-nonlife",
            date(2010, 1, 1): "std-2009-10",
            date(2014, 6, 1): "std-2013-01",
            date(2016, 5, 1): "std-2015-09",
            date(2019, 5, 1): "std-2017-04",
            date(2023, 1, 1): "std-2021-07",
            date(2026, 8, 1): "std-2026-05",
        }
        for start, rule_set in expected.items():
            (period,) = map_contract(catalogue=catalogue, start=start, insurer_kind="nonlife")
            assert period.rule_set == rule_set, start

    def test_boundary_day_belongs_to_the_new_terms(self, catalogue: Catalogue) -> None:
        assert map_contract(catalogue=catalogue, start=date(2017, 3, 31))[0].rule_set == "std-2015-09"
        assert map_contract(catalogue=catalogue, start=date(2017, 4, 1))[0].rule_set == "std-2017-04"

    def test_known_product_binds_and_is_certain_with_its_option(self, catalogue: Catalogue) -> None:
        (period,) = map_contract(catalogue=catalogue, start=date(2017, 2, 1), product="Hi1701", option="choice2")
        assert (period.rule_set, period.product, period.certain) == ("std-2015-09", "Hi1701", True)

    def test_product_of_other_terms_is_flagged(self, catalogue: Catalogue) -> None:
        (period,) = map_contract(catalogue=catalogue, start=date(2018, 2, 1), product="Hi1701", option="choice2")
        assert period.rule_set == "std-2017-04" and period.product is None and not period.certain

    def test_unknown_option_is_a_guess(self, catalogue: Catalogue) -> None:
        (period,) = map_contract(catalogue=catalogue, start=date(2016, 5, 1))
        assert not period.certain and any("공제 유형을 모름" in r for r in period.reasons)

    def test_life_insurer_before_2009_10(self, catalogue: Catalogue) -> None:
        assert map_contract(catalogue=catalogue, start=date(2009, 1, 5), insurer_kind="life")[0].rule_set == "gen1-life"
        guess = map_contract(catalogue=catalogue, start=date(2009, 1, 5))[0]
        assert guess.rule_set == "gen1-nonlife" and not guess.certain

    def test_uncertain_boundary_is_said(self, catalogue: Catalogue) -> None:
        (period,) = map_contract(catalogue=catalogue, start=date(2013, 2, 1), option="standard")
        assert period.rule_set == "std-2013-01" and not period.certain

    def test_resubscription_moves_to_the_terms_of_that_day(self, catalogue: Catalogue) -> None:
        periods = map_contract(
            catalogue=catalogue, start=date(2012, 5, 1), resubscribed=[date(2027, 5, 1)], option="choice1"
        )
        assert [(p.start, p.end, p.rule_set) for p in periods] == [
            (date(2012, 5, 1), date(2027, 5, 1), "std-2009-10"),
            (date(2027, 5, 1), None, "std-2026-05"),
        ]
        assert periods[0].certain and any("재가입" in r for r in periods[1].reasons)
