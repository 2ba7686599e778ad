"""The declared shape of every terms parameter (rules/schema.py) and the load that checks it.

Each rejection test edits one line of a copy of the shipped terms in a temporary folder and loads
that folder: the error must name the file, the parameter, the dated value and the key path.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

import silson.rules
from silson.domain.model import InstitutionKind
from silson.rules import schema
from silson.rules.catalogue import Catalogue, CatalogueError, load_catalogue
from silson.rules.schema import AmountRestoration, PeriodRestoration, Rider, Terms

TERMS = Path(silson.rules.__file__).parent / "terms"


def load_edited(folder: Path, name: str, old: str, new: str) -> Catalogue:
    """The shipped terms, copied to `folder` with the first `old` of file `name` made `new`."""
    for path in TERMS.glob("*.yaml"):
        shutil.copy(path, folder)
    target = folder / name
    text = target.read_text(encoding="utf-8")
    assert old in text, f"{name} no longer has {old!r}: update the test"
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    return load_catalogue(folder)


def load_error(folder: Path, name: str, old: str, new: str) -> str:
    with pytest.raises(CatalogueError) as info:
        load_edited(folder, name, old, new)
    return str(info.value)


class TestShippedTerms:
    def test_every_dated_value_of_every_file_has_its_declared_shape(self, catalogue: Catalogue) -> None:
        checked = 0
        for rule_set in catalogue.rule_sets.values():
            for key, parameter in rule_set.parameters.items():
                for dated in parameter.values:
                    schema.validate(key, dated.value)
                    checked += 1
        assert checked > 200

    def test_every_declared_parameter_is_used_by_some_rule_set(self, catalogue: Catalogue) -> None:
        used = {key for rule_set in catalogue.rule_sets.values() for key in rule_set.parameters}
        assert used == set(schema.DECLARED)
        assert len(schema.DECLARED) == 35

    def test_institution_bands_name_every_institution_kind(self) -> None:
        assert set(schema.InstitutionBands.model_fields) == {kind.value for kind in InstitutionKind}

    def test_an_unedited_copy_loads_as_the_same_catalogue(self, tmp_path: Path) -> None:
        copy = load_edited(tmp_path, "std-2015-09.yaml", "id: std-2015-09", "id: std-2015-09")
        assert copy.version == load_catalogue().version


class TestMisspelledParameter:
    def test_unknown_parameter_name_fails_naming_file_and_nearest_name(self, tmp_path: Path) -> None:
        error = load_error(tmp_path, "std-2015-09.yaml", "  outpatient.same_day_merge:", "  outpatient.same_day_merg:")
        assert error == (
            "std-2015-09.yaml: outpatient.same_day_merg: unknown parameter (did you mean outpatient.same_day_merge?)"
        )

    def test_misspelled_key_of_a_dated_value_fails(self, tmp_path: Path) -> None:
        error = load_error(tmp_path, "gen1-nonlife.yaml", "until: 2013-03-12", "untill: 2013-03-12")
        assert (
            error == "gen1-nonlife.yaml: limitation.years.values[0]: unknown keys ['untill'] (from, until, value, ref)"
        )


class TestMisspelledKeyInsideAValue:
    def test_misspelled_band_of_the_fixed_deductible(self, tmp_path: Path) -> None:
        error = load_error(tmp_path, "std-2015-09.yaml", "{clinic: 10000", "{clinc: 10000")
        assert error == "std-2015-09.yaml: outpatient.fixed_deductible (from 2015-09-01): value.clinc: unknown key"

    def test_misspelled_key_deep_in_a_noncovered_part(self, tmp_path: Path) -> None:
        error = load_error(tmp_path, "std-2026-05.yaml", "per_stay_cap: {amount", "per_stay_cap: {amout")
        assert error == (
            "std-2026-05.yaml: noncovered.parts (from 2021-07-01): value[1].inpatient.per_stay_cap.amout: "
            "unknown key; value[1].inpatient.per_stay_cap.amount: missing required key"
        )

    def test_misspelled_item_category_names_the_categories(self, tmp_path: Path) -> None:
        error = load_error(tmp_path, "std-2021-07.yaml", "          nutrient: {part", "          nutrients: {part")
        assert error.startswith(
            "std-2021-07.yaml: exclusions.items (from 2021-07-01): value.nutrients: unknown key (one of 'manual_therapy',"
        )

    def test_misspelled_clause_key_of_a_reference(self, tmp_path: Path) -> None:
        error = load_error(tmp_path, "std-2015-09.yaml", 'disease: "질병입원 제2조②"}', 'diseas: "질병입원 제2조②"}')
        assert error == (
            "std-2015-09.yaml: inpatient.restoration (from 2015-09-01): ref: 'diseas' is not a cause or coverage "
            "(a clause per injury/disease or per coverage)"
        )

    def test_misspelled_restoration_kind(self, tmp_path: Path) -> None:
        error = load_error(tmp_path, "std-2015-09.yaml", "{type: amount,", "{type: amont,")
        assert error == (
            "std-2015-09.yaml: inpatient.restoration (from 2015-09-01): value.type: 'amont' is not one of "
            "'amount', 'period'"
        )

    def test_part_naming_a_parameter_of_another_kind(self, tmp_path: Path) -> None:
        error = load_error(tmp_path, "std-2026-05.yaml", "kcd: exclusions.kcd_other", "kcd: exclusions.items_other")
        assert error == (
            "std-2026-05.yaml: noncovered.parts (from 2021-07-01): value[1].kcd: 'exclusions.items_other' is not "
            "a parameter of KCD exclusions (one of exclusions.kcd, exclusions.kcd_other)"
        )

    def test_part_naming_a_parameter_its_rule_set_lacks(self, tmp_path: Path) -> None:
        error = load_error(tmp_path, "std-2021-07.yaml", "riders: riders\n", "riders: riders_other\n")
        assert error == (
            "std-2021-07.yaml: noncovered.parts (from 2021-07-01): value[0].riders: std-2021-07 has no parameter "
            "riders_other"
        )

    def test_a_product_override_is_checked_like_its_base(self, tmp_path: Path) -> None:
        override = "overrides:\n  sharing.method:\n    values:\n      - {from: 2015-09-01, value: pro_rata, ref: x}\n"
        error = load_error(tmp_path, "Hi1701.yaml", "overrides: {}\n", override)
        assert error == (
            "Hi1701.yaml: sharing.method (from 2015-09-01): value: 'pro_rata' is not one of "
            "'max_eligible_minus_min_deductible'"
        )


class TestWrongType:
    def test_text_where_the_won_amount_belongs(self, tmp_path: Path) -> None:
        error = load_error(tmp_path, "std-2017-04.yaml", "minimum: 20000", "minimum: 2만원")
        assert error == (
            "std-2017-04.yaml: riders (from 2015-09-01): value.rider_manual_therapy.minimum: expected an integer, "
            "got str '2만원'"
        )

    def test_quoted_number_is_not_money(self, tmp_path: Path) -> None:
        error = load_error(tmp_path, "std-2015-09.yaml", "value: 2000000,", "value: '2000000',")
        assert error == (
            "std-2015-09.yaml: inpatient.annual_selfpay_cap (from 2015-09-01): value: expected an integer, "
            "got str '2000000'"
        )

    def test_rate_above_100_percent(self, tmp_path: Path) -> None:
        error = load_error(tmp_path, "std-2021-07.yaml", "value: 40,", "value: 400,")
        assert error == (
            "std-2021-07.yaml: uninsured.rate (from 2021-07-01): value: input should be less than or equal to 100, "
            "got 400"
        )

    def test_kcd_code_not_in_kcd_form(self, tmp_path: Path) -> None:
        error = load_error(tmp_path, "std-2009-10.yaml", 'codes: ["F04-F99"]', 'codes: ["F04-F9"]')
        assert error == (
            "std-2009-10.yaml: exclusions.kcd (from 2009-10-01): value[0].codes[0]: 'F04-F9' is not a KCD code "
            "or range (e.g. K64, N39.3, K60-K62)"
        )


class TestMissingKey:
    def test_noncovered_part_without_its_yearly_count(self, tmp_path: Path) -> None:
        error = load_error(tmp_path, "std-2021-07.yaml", "rate: 30, count: 100, limit", "rate: 30, limit")
        assert (
            error
            == "std-2021-07.yaml: noncovered.parts (from 2021-07-01): value[0].outpatient.count: missing required key"
        )

    def test_institution_kind_without_a_band(self, tmp_path: Path) -> None:
        error = load_error(tmp_path, "std-2021-07.yaml", "          rare_drug_center: pharmacy\n", "")
        assert error == (
            "std-2021-07.yaml: covered.institution_band (from 2021-07-01): value.rare_drug_center: missing required key"
        )

    def test_option_without_its_rates(self, tmp_path: Path) -> None:
        error = load_error(
            tmp_path,
            "std-2013-01.yaml",
            ', standard: {covered: 20, noncovered: 20}}\n        ref: "{section} 제1조 (',
            '}\n        ref: "{section} 제1조 (',
        )
        assert error == (
            "std-2013-01.yaml: inpatient.selfpay_rate (from 2009-10-01): value.standard: missing required key "
            "(an option of std-2013-01)"
        )

    def test_band_without_a_fixed_deductible(self, tmp_path: Path) -> None:
        error = load_error(tmp_path, "std-2009-10.yaml", "tertiary: 20000, pharmacy", "pharmacy")
        assert error == (
            "std-2009-10.yaml: outpatient.institution_band (from 2009-10-01): value.tertiary: band 'tertiary' "
            "has no amount in outpatient.fixed_deductible"
        )

    def test_noncovered_part_without_its_limits(self, tmp_path: Path) -> None:
        error = load_error(
            tmp_path,
            "std-2026-05.yaml",
            "          noncovered_other: {annual_limit: 10000000, outpatient_limit: 200000}\n",
            "",
        )
        assert error == (
            "std-2026-05.yaml: coverage.limits_max (from 2021-07-01): value.noncovered_other: missing required key "
            "(a 비급여 part)"
        )


class TestTypedAccessor:
    def test_restoration_is_one_of_two_kinds_to_match_on(self, catalogue: Catalogue) -> None:
        def kind(rule_set: str) -> str:
            match catalogue.get(rule_set).typed("inpatient.restoration", date(2016, 1, 1), Terms):
                case AmountRestoration(wait_days=wait, window_days=window):
                    return f"amount {wait}/{window}"
                case PeriodRestoration(cover_days=cover, gap_days=gap):
                    return f"period {cover}/{gap}"
            return "other"

        assert kind("std-2015-09") == "amount 90/365"
        assert kind("std-2009-10") == "period 365/90"

    def test_riders_come_as_models_with_their_categories(self, catalogue: Catalogue) -> None:
        riders = catalogue.get("std-2021-07").typed("riders", date(2022, 1, 1), dict)
        mri = riders["rider_mri"]
        assert isinstance(mri, Rider)
        assert (mri.minimum, mri.rate, mri.annual_limit, mri.annual_count) == (30000, 30, 3000000, None)

    def test_asking_for_the_wrong_shape_is_an_error(self, catalogue: Catalogue) -> None:
        with pytest.raises(CatalogueError, match=r"parameter limitation\.years holds int, not dict"):
            catalogue.get("std-2015-09").typed("limitation.years", date(2016, 1, 1), dict)
