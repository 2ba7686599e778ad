"""The forms' arithmetic: a tampered or misread figure is caught, and only well-evidenced repairs are made."""

from __future__ import annotations

import logging
import random
from pathlib import Path

from silson.documents import read_document, synth
from silson.documents.checks import verify
from silson.documents.forms import FieldRead, FormReading
from silson.documents.receipt import build


def pharmacy_reading(**overrides: int) -> FormReading:
    """A pharmacy receipt as read: 약제비총액 31,360 = 7,700 + 17,970 + 5,690; paid 13,390 by card."""
    values = {"total": 31_360, "covered_copay": 7_700, "nhis_paid": 17_970, "noncovered": 5_690, "covered_full": 0,
              "patient_total": 13_390, "card": 13_390, "cash_receipt": 0, "cash": 0, "paid": 13_390, **overrides}  # fmt: skip
    reading = FormReading(kind="pharmacy_receipt", layout="pharmacy", visit_kind="prescription", visit_kind_conf=1.0)
    reading.fields = {name: FieldRead(value, 0.9) for name, value in values.items()}
    reading.fields["business_number"] = FieldRead("5594773470", 0.9)
    return reading


def receipt_of(reading: FormReading, *, exact: bool) -> dict[str, object]:
    return build(reading, verify(reading, exact_source=exact), exact_source=exact, meta={})


class TestTamperedFigures:
    def test_a_tampered_total_on_a_text_pdf_is_flagged_not_repaired(self) -> None:
        receipt = receipt_of(pharmacy_reading(total=31_860), exact=True)
        assert receipt["amounts"]["total"] == 31_860  # type: ignore[index]
        assert "amounts.total" in receipt["needs_review"]  # type: ignore[operator]
        failed = [c for c in receipt["checks"] if not c["ok"]]  # type: ignore[attr-defined]
        assert [c["rule"] for c in failed] == ["약제비총액 = 본인부담금 + 보험자부담금 + 비급여"]

    def test_a_changed_digit_backed_by_one_formula_only_stays_as_read_and_is_flagged(self) -> None:
        receipt = receipt_of(pharmacy_reading(total=31_960), exact=False)
        assert receipt["amounts"]["total"] == 31_960  # type: ignore[index]
        assert "amounts.total" in receipt["needs_review"]  # type: ignore[operator]

    def test_a_bad_check_digit_in_the_business_number_is_flagged(self) -> None:
        reading = pharmacy_reading()
        reading.fields["business_number"] = FieldRead("5594773471", 0.99)
        receipt = receipt_of(reading, exact=True)
        assert "provider.business_number" in receipt["needs_review"]  # type: ignore[operator]


class TestRepairs:
    def test_a_misread_digit_confirmed_by_two_formulas_is_corrected_and_recorded(self) -> None:
        # 본인부담금 read 7,100 instead of 7,700: both 약제비총액 and 총수납금액 say 7,700.
        receipt = receipt_of(pharmacy_reading(covered_copay=7_100), exact=False)
        assert receipt["amounts"]["covered_copay"] == 7_700  # type: ignore[index]
        assert any("corrected to 7,700" in c.get("detail", "") for c in receipt["checks"])  # type: ignore[attr-defined]
        assert all(c["ok"] for c in receipt["checks"])  # type: ignore[attr-defined]

    def test_a_text_layer_is_never_repaired(self) -> None:
        receipt = receipt_of(pharmacy_reading(covered_copay=7_100), exact=True)
        assert receipt["amounts"]["covered_copay"] == 7_100  # type: ignore[index]
        assert "amounts.covered_copay" in receipt["needs_review"]  # type: ignore[operator]


class TestTamperedDocument:
    def test_a_born_digital_receipt_with_a_forged_total_goes_to_review(self, tmp_path: Path) -> None:
        logging.getLogger("fontTools").setLevel(logging.ERROR)
        rng = random.Random(7)
        spec = synth.random_spec(rng, "hospital-2024")
        forged = synth.tampered(spec, "total", spec.total + 1_000)
        data, suffix = synth.render(forged, "text_pdf", rng)
        path = tmp_path / f"forged{suffix}"
        path.write_bytes(data)
        receipt = read_document(path)
        assert receipt["amounts"]["total"] == spec.total + 1_000
        assert "amounts.total" in receipt["needs_review"]
        assert receipt["amounts"]["covered_copay"] == spec.copay
