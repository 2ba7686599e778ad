"""`silson-edocument/1` files are read exactly, checked like any receipt, and refused when malformed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from silson.documents import DocumentRefused, read_document
from tests.conftest import ROOT

EXAMPLE = ROOT / "examples" / "documents" / "clinic-edocument.json"


def write(tmp_path: Path, change: Any = None) -> Path:
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    if change is not None:
        change(doc)
    path = tmp_path / "e.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


class TestEDocument:
    def test_fields_are_taken_exactly_with_full_confidence(self, tmp_path: Path) -> None:
        receipt = read_document(write(tmp_path))
        assert receipt["amounts"] == {"covered_copay": 17_900, "nhis_paid": 41_830, "covered_full": 8_950,
                                      "noncovered": 110_000, "room_difference": 0, "total": 178_680,
                                      "patient_total": 136_850, "paid": 136_850}  # fmt: skip
        assert receipt["visit"]["kcd"] == ["J06.9"]
        assert receipt["provider"]["institution_code"] == "31234567"
        assert set(receipt["confidence"].values()) == {1.0}
        assert receipt["needs_review"] == []

    def test_an_inconsistent_relayed_receipt_still_goes_to_review(self, tmp_path: Path) -> None:
        def forge(doc: dict[str, Any]) -> None:
            doc["amounts"]["total"] = 178_690

        receipt = read_document(write(tmp_path, forge))
        assert "amounts.total" in receipt["needs_review"]

    def test_an_unknown_field_is_refused_naming_it(self, tmp_path: Path) -> None:
        def extra(doc: dict[str, Any]) -> None:
            doc["amounts"]["discount"] = 1000

        with pytest.raises(DocumentRefused, match=r"amounts\.discount"):
            read_document(write(tmp_path, extra))

    def test_json_of_another_format_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "case.json"
        path.write_text('{"format": "silson-case/1"}', encoding="utf-8")
        with pytest.raises(DocumentRefused, match=r"silson-edocument/1"):
            read_document(path)

    def test_relayed_lines_without_a_class_are_classified_by_code_and_name(self, tmp_path: Path) -> None:
        def lines(doc: dict[str, Any]) -> None:
            doc["items"] = [
                {"code": "MX1220000", "name": "도수치료", "amount": 100_000, "covered": False},
                {"code": "X1", "name": "체외충격파치료", "amount": 60_000, "covered": False},
                {"code": "X2", "name": "초음파 진단료", "category": "other", "amount": 10_000, "covered": False},
            ]

        receipt = read_document(write(tmp_path, lines))
        assert [i["category"] for i in receipt["items"]] == ["manual_therapy", "shockwave", "other"]
