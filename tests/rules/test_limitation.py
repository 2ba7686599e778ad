"""소멸시효 outside the engine comes from the terms data (limitation.years), never a constant."""

from __future__ import annotations

from datetime import date

from silson.domain.model import Contract
from silson.rules.catalogue import Catalogue
from silson.rules.limitation import claim_deadline, earliest_deadline


def _contract(terms: str, start: date) -> Contract:
    return Contract(id=terms, insurer="삼성화재", terms=terms, start=start, coverages={})


class TestEarliestDeadline:
    def test_2009_terms_give_two_years_for_care_before_2013_03_12(self, catalogue: Catalogue) -> None:
        # std-2009-10 limitation.years = 2 until 2013-03-11: 2012-06-01 + 2 years
        got = earliest_deadline(
            catalogue=catalogue, contracts=[_contract("std-2009-10", date(2011, 3, 1))], event_day=date(2012, 6, 1)
        )
        assert got == date(2014, 6, 1)

    def test_the_earliest_of_several_contracts_is_the_one_to_act_by(self, catalogue: Catalogue) -> None:
        contracts = [_contract("std-2015-09", date(2016, 1, 1)), _contract("std-2009-10", date(2011, 3, 1))]
        assert earliest_deadline(catalogue=catalogue, contracts=contracts, event_day=date(2012, 6, 1)) == date(
            2014, 6, 1
        )

    def test_three_years_from_2013_03_12_on(self, catalogue: Catalogue) -> None:
        assert claim_deadline(rules=catalogue.get("std-2009-10"), event_day=date(2013, 3, 12)) == date(2016, 3, 12)

    def test_without_contracts_the_newest_terms_decide(self, catalogue: Catalogue) -> None:
        assert earliest_deadline(catalogue=catalogue, contracts=[], event_day=date(2024, 12, 31)) == date(2027, 12, 31)
