"""The terms catalogue: loading, dated values, products, and the checks that keep the data honest."""

from __future__ import annotations

from datetime import date

import pytest

from silson.rules.catalogue import Catalogue, CatalogueError, build_catalogue
from silson.rules.schema import Family

BASE = """
id: std-test
kind: standard
generation: 2
title: test terms
formulas: combined
contracts: {from: 2015-09-01, until: 2017-04-01}
options: {standard: 표준형}
sections: {disease_outpatient: 질병통원}
parameters:
  inpatient.room_daily_cap:
    label: 상급병실료 차액 1일 평균 한도
    values:
{values}
"""
ONE_VALUE = "      - {from: 2015-09-01, value: 10000, ref: '{section} 제1조②'}"


def _base(values: str = ONE_VALUE) -> tuple[str, str]:
    return ("std-test.yaml", BASE.replace("{values}", values))


class TestShippedCatalogue:
    def test_has_the_2015_standard_terms_and_hi1701(self, catalogue: Catalogue) -> None:
        assert "std-2015-09" in catalogue.standard_ids()
        assert "Hi1701" in catalogue.product_ids()

    def test_hi1701_inherits_its_base_and_cites_itself(self, catalogue: Catalogue) -> None:
        hi = catalogue.get("Hi1701")
        assert hi.base == "std-2015-09"
        assert hi.value("outpatient.fixed_deductible", date(2017, 6, 1)).value["hospital"] == 15000
        assert hi.cite("{section} 제1조②", "disease_outpatient", "disease") == "Hi1701 질병통원 제1조②"

    def test_contract_resolves_to_its_product_when_known(self, catalogue: Catalogue) -> None:
        assert catalogue.resolve("std-2015-09", "Hi1701").id == "Hi1701"
        assert catalogue.resolve("std-2015-09", "SOMETHING-ELSE").id == "std-2015-09"
        assert catalogue.resolve("std-2015-09", None).id == "std-2015-09"

    def test_every_value_names_its_clause(self, catalogue: Catalogue) -> None:
        for rule_set in catalogue.rule_sets.values():
            for param in rule_set.parameters.values():
                for value in param.values:
                    assert value.ref, f"{rule_set.id} {param.key}"

    def test_version_is_a_content_hash(self, catalogue: Catalogue) -> None:
        assert len(catalogue.version) == 12
        assert build_catalogue([_base()]).version != build_catalogue([_base(ONE_VALUE + " ")]).version


class TestDatedValueChecks:
    def test_a_value_series_that_follows_on_is_accepted(self) -> None:
        values = (
            "      - {from: 2015-09-01, until: 2016-01-01, value: 10000, ref: a}\n"
            "      - {from: 2016-01-01, value: 12000, ref: b}"
        )
        rule_set = build_catalogue([_base(values)]).get("std-test")
        assert rule_set.value("inpatient.room_daily_cap", date(2015, 12, 31)).value == 10000
        assert rule_set.value("inpatient.room_daily_cap", date(2016, 1, 1)).value == 12000

    def test_gap_between_values_is_rejected(self) -> None:
        values = (
            "      - {from: 2015-09-01, until: 2016-01-01, value: 10000, ref: a}\n"
            "      - {from: 2016-02-01, value: 12000, ref: b}"
        )
        with pytest.raises(CatalogueError, match="gap from 2016-01-01 to 2016-02-01"):
            build_catalogue([_base(values)])

    def test_overlap_between_values_is_rejected(self) -> None:
        values = (
            "      - {from: 2015-09-01, until: 2016-03-01, value: 10000, ref: a}\n"
            "      - {from: 2016-02-01, value: 12000, ref: b}"
        )
        with pytest.raises(CatalogueError, match="overlap"):
            build_catalogue([_base(values)])

    def test_open_value_followed_by_another_is_an_overlap(self) -> None:
        values = "      - {from: 2015-09-01, value: 10000, ref: a}\n      - {from: 2016-02-01, value: 12000, ref: b}"
        with pytest.raises(CatalogueError, match="overlap"):
            build_catalogue([_base(values)])

    def test_series_starting_after_the_rule_set_is_a_gap(self) -> None:
        with pytest.raises(CatalogueError, match="gap at the start"):
            build_catalogue([_base("      - {from: 2016-01-01, value: 10000, ref: a}")])

    def test_series_that_ends_is_rejected(self) -> None:
        with pytest.raises(CatalogueError, match="no value after 2016-01-01"):
            build_catalogue([_base("      - {from: 2015-09-01, until: 2016-01-01, value: 10000, ref: a}")])

    def test_value_without_a_clause_is_rejected(self) -> None:
        with pytest.raises(CatalogueError, match="missing \\['ref'\\]"):
            build_catalogue([_base("      - {from: 2015-09-01, value: 10000}")])


class TestExtends:
    def test_a_revision_restates_only_what_changed(self) -> None:
        child = (
            "c.yaml",
            "id: std-child\nkind: standard\nextends: std-test\ncontracts: {from: 2016-01-01}\nparameters:\n"
            "  inpatient.room_daily_cap:\n    values:\n      - {from: 2015-09-01, value: 20000, ref: b}\n",
        )
        catalogue = build_catalogue([_base(), child])
        assert catalogue.get("std-child").value("inpatient.room_daily_cap", date(2016, 2, 1)).value == 20000
        assert catalogue.get("std-child").formulas is Family.COMBINED

    def test_an_unknown_formula_family_fails_at_load_naming_file_and_value(self) -> None:
        name, text = _base()
        with pytest.raises(CatalogueError, match=r"std-test\.yaml: formulas: 'gen2' is not a formula family"):
            build_catalogue([(name, text.replace("formulas: combined", "formulas: gen2"))])

    def test_extending_an_unknown_rule_set_is_rejected(self) -> None:
        child = ("c.yaml", "id: std-child\nkind: standard\nextends: std-none\ncontracts: {from: 2016-01-01}\n")
        with pytest.raises(CatalogueError, match="extends 'std-none'"):
            build_catalogue([_base(), child])


class TestProducts:
    def test_override_of_a_key_the_base_has(self) -> None:
        product = (
            "p.yaml",
            "id: P1\nkind: product\nbase: std-test\noverrides:\n  inpatient.room_daily_cap:\n"
            "    values:\n      - {from: 2015-09-01, value: 5000, ref: 'P1 제1조'}\n",
        )
        catalogue = build_catalogue([_base(), product])
        p1 = catalogue.get("P1")
        assert p1.value("inpatient.room_daily_cap", date(2016, 1, 1)).value == 5000
        assert p1.overrides == ("inpatient.room_daily_cap",)
        assert catalogue.get("std-test").value("inpatient.room_daily_cap", date(2016, 1, 1)).value == 10000

    def test_override_of_a_key_the_base_lacks_is_rejected(self) -> None:
        product = (
            "p.yaml",
            "id: P1\nkind: product\nbase: std-test\noverrides:\n  outpatient.free_lunch:\n"
            "    values:\n      - {from: 2015-09-01, value: 1, ref: x}\n",
        )
        with pytest.raises(CatalogueError, match=r"overrides 'outpatient\.free_lunch', which its base std-test"):
            build_catalogue([_base(), product])

    def test_product_of_an_unknown_base_is_rejected(self) -> None:
        with pytest.raises(CatalogueError, match="base 'std-none'"):
            build_catalogue([_base(), ("p.yaml", "id: P1\nkind: product\nbase: std-none\n")])

    def test_product_bound_to_other_terms_cannot_be_used_with_these(self, catalogue: Catalogue) -> None:
        with pytest.raises(CatalogueError, match=r"bound to std-2015-09"):
            Catalogue({**catalogue.rule_sets, "std-x": catalogue.get("std-2015-09")}, "x").resolve("std-x", "Hi1701")
