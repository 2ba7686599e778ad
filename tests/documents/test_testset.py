"""The reader on its synthetic test set (silson.documents.testset), a fast subset of what the bench reads.

Text PDFs of all six kinds must give every field exactly and nothing to review; OCR'd documents (scan,
phone photo, image-only PDF) must give every amount exactly or list it in needs_review, never a wrong
figure silently, and the subset below is read exactly on this machine's tesseract.
"""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from silson.documents import read_document, synth, synth_medical, testset


def _flat(doc: Any, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    pairs = doc.items() if isinstance(doc, dict) else enumerate(doc)
    for key, value in pairs:
        if isinstance(value, dict) or (isinstance(value, list) and value and isinstance(value[0], dict)):
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _read(tmp_path: Path, sample: testset.Sample) -> dict[str, Any]:
    path = tmp_path / f"{sample.name}{sample.suffix}"
    path.write_bytes(sample.data)
    return read_document(path)


def _flagged(path: str, review: list[str]) -> bool:
    return path in review or any(path.startswith(f"{r}.") for r in review)


def _wrong(sample: testset.Sample, receipt: dict[str, Any]) -> list[str]:
    got = _flat(receipt)
    return [f"{k}: expected {v!r}, read {got.get(k)!r}" for k, v in _flat(sample.expected).items() if got.get(k) != v]


TEXT_PDFS = list(testset.generate(per=1, variants=("text_pdf",)))
# One OCR'd document per kind, spread over the variants: all read exactly (bench: the full set).
OCR_SUBSET = [
    ("hospital-2024", "photo"),
    ("hospital-older", "scan"),
    ("pharmacy", "image_pdf"),
    ("itemised", "scan"),
    ("prescription", "photo"),
    ("certificate", "image_pdf"),
]


class TestTextPdfs:
    @pytest.mark.parametrize("sample", TEXT_PDFS, ids=[s.name for s in TEXT_PDFS])
    def test_every_field_is_exact_and_nothing_is_left_to_review(self, tmp_path: Path, sample: testset.Sample) -> None:
        receipt = _read(tmp_path, sample)
        assert _wrong(sample, receipt) == []
        assert receipt["needs_review"] == []
        assert receipt["format"] == "silson-receipt/1"


class TestOcr:
    @pytest.mark.parametrize(("kind", "variant"), OCR_SUBSET, ids=[f"{k}-{v}" for k, v in OCR_SUBSET])
    def test_every_amount_is_exact_and_no_wrong_figure_passes_silently(
        self, tmp_path: Path, kind: str, variant: synth.Variant
    ) -> None:
        (sample,) = testset.generate(per=1, kinds=(kind,), variants=(variant,))
        receipt = _read(tmp_path, sample)
        got, review = _flat(receipt), receipt["needs_review"]
        amounts = {k: v for k, v in _flat(sample.expected).items() if k.startswith("amounts.") or k.endswith(".amount")}
        silent = [
            k for k, v in amounts.items() if got.get(k) != v and got.get(k) is not None and not _flagged(k, review)
        ]
        assert silent == []
        assert [k for k, v in amounts.items() if got.get(k) != v] == []


class TestItemisedBill:
    def test_lines_are_classified_for_the_riders_and_the_room_difference_is_its_own_amount(
        self, tmp_path: Path
    ) -> None:
        rng = random.Random(3)
        spec = synth_medical.random_itemised(rng)
        spec.inpatient = True
        spec.end = spec.start + timedelta(days=1)
        spec.lines = [
            synth_medical.Line("MX1220000", "도수치료", 100_000, 1, 1, False),
            synth_medical.Line("SZ0710", "체외충격파치료(ESWT)", 80_000, 1, 1, False),
            synth_medical.Line("HI1010", "요추 MRI 촬영", 450_000, 1, 1, False),
            synth_medical.Line("3Z5401802", "영양주사(비급여 수액)", 50_000, 1, 1, False),
            synth_medical.Line("AA154", "초진 진찰료-의원", 18_000, 1, 1, True),
            synth_medical.Line("AB2200", "상급병실료 차액(1인실)", 100_000, 1, 2, False),
        ]
        data, suffix = synth.render(spec, "text_pdf", rng)
        path = tmp_path / f"bill{suffix}"
        path.write_bytes(data)
        receipt = read_document(path)
        assert [(i["code"], i["category"], i["amount"], i["covered"]) for i in receipt["items"]] == [
            ("MX1220000", "manual_therapy", 100_000, False),
            ("SZ0710", "shockwave", 80_000, False),
            ("HI1010", "mri", 450_000, False),
            ("3Z5401802", "nutrient", 50_000, False),
            ("AA154", "other", 5_400, True),
        ]
        assert {k: v for k, v in receipt["confidence"].items() if k.startswith("items.")} == {
            f"items.{i}.{f}": 1.0 for i in range(5) for f in ("amount", "category", "code")
        }
        assert receipt["amounts"]["room_difference"] == 200_000
        assert receipt["amounts"]["noncovered"] == 680_000
        assert receipt["amounts"]["patient_total"] is None  # not printed on the bill: null, never computed
        assert receipt["provider"]["institution_code"] == spec.institution_code
        assert all(c["ok"] for c in receipt["checks"])

    def test_a_bill_whose_total_row_does_not_add_up_goes_to_review(self, tmp_path: Path) -> None:
        rng = random.Random(4)
        spec = synth_medical.random_itemised(rng)
        spec.tamper = {"noncovered": spec.sums()["noncovered"] + 10_000}
        data, suffix = synth.render(spec, "text_pdf", rng)
        path = tmp_path / f"bill{suffix}"
        path.write_bytes(data)
        receipt = read_document(path)
        assert "amounts.noncovered" in receipt["needs_review"]
        failed = [c["rule"] for c in receipt["checks"] if not c["ok"]]
        assert failed == ["세부내역 합계: 비급여 = 각 행의 합"]


class TestPrescriptionAndCertificate:
    def test_a_prescription_without_its_code_is_read_and_the_missing_code_is_sent_to_a_person(
        self, tmp_path: Path
    ) -> None:
        rng = random.Random(8)
        spec = synth_medical.random_prescription(rng)
        spec.kcd = []  # "환자가 요구하면 질병분류기호를 적지 않습니다"
        data, suffix = synth.render(spec, "text_pdf", rng)
        path = tmp_path / f"rx{suffix}"
        path.write_bytes(data)
        receipt = read_document(path)
        assert receipt["kind"] == "prescription"
        assert receipt["visit"]["kcd"] is None
        assert receipt["visit"]["date"] == spec.issued.isoformat()
        assert receipt["document"]["number"] == spec.number
        assert receipt["needs_review"] == ["visit.kcd"]

    def test_a_dotless_code_is_read_with_its_dot(self, tmp_path: Path) -> None:
        rng = random.Random(9)
        spec = synth_medical.random_prescription(rng)
        spec.kcd, spec.dotless = ["M54.5", "I10"], True
        data, suffix = synth.render(spec, "text_pdf", rng)
        path = tmp_path / f"rx{suffix}"
        path.write_bytes(data)
        assert read_document(path)["visit"]["kcd"] == ["M54.5", "I10"]

    @pytest.mark.parametrize("kind", ["diagnosis", "admission", "outpatient"])
    def test_each_certificate_gives_its_type_code_and_dates(self, tmp_path: Path, kind: str) -> None:
        rng = random.Random(10)
        spec = synth_medical.random_certificate(rng)
        if kind == "admission" and spec.last is None:
            spec.last = spec.first + timedelta(days=4)
        spec.type = kind
        if kind != "admission":
            spec.last = None
        data, suffix = synth.render(spec, "text_pdf", rng)
        path = tmp_path / f"cert{suffix}"
        path.write_bytes(data)
        receipt = read_document(path)
        assert receipt["kind"] == "certificate"
        assert receipt["document"]["type"] == kind
        assert receipt["visit"]["kcd"] == [spec.kcd]
        assert receipt["visit"]["date"] == spec.first.isoformat()
        assert receipt["visit"]["discharge"] == (spec.last.isoformat() if spec.last else None)
        assert receipt["needs_review"] == []


class TestReceiptWithItsBill:
    """A hospital's PDF often holds the 영수증 and the 세부산정내역: one receipt with the bill's lines."""

    def pdf(self, tmp_path: Path, noncovered_shift: int = 0) -> tuple[Path, synth_medical.ItemisedSpec]:
        import io

        from pypdf import PdfReader, PdfWriter

        rng = random.Random(12)
        bill = synth_medical.random_itemised(rng)
        bill.inpatient, bill.end = False, bill.start
        bill.lines = [line for line in bill.lines if line.code != "AB2200"]
        sums = bill.sums()
        receipt = synth.random_spec(rng, "hospital-2024")
        receipt.discharge = None
        receipt.visit_date = bill.start
        receipt.rows = [("검사료", sums["copay"], sums["nhis"], 0, sums["noncovered"] + noncovered_shift)]
        writer = PdfWriter()
        for spec in (receipt, bill):
            data, _ = synth.render(spec, "text_pdf", rng)
            for page in PdfReader(io.BytesIO(data)).pages:
                writer.add_page(page)
        out = io.BytesIO()
        writer.write(out)
        path = tmp_path / "receipt-and-bill.pdf"
        path.write_bytes(out.getvalue())
        return path, bill

    def test_the_bill_s_lines_become_the_receipt_s_items_when_the_sums_agree(self, tmp_path: Path) -> None:
        path, bill = self.pdf(tmp_path)
        receipt = read_document(path)
        assert receipt["kind"] == "hospital_receipt"
        assert receipt["meta"]["bill_page"] == 2
        expected = bill.expected()["items"]
        assert [
            {k: i[k] for k in ("code", "category", "amount", "covered", "count")} for i in receipt["items"]
        ] == expected
        assert receipt["provider"]["institution_code"] == bill.institution_code
        assert all(c["ok"] for c in receipt["checks"])
        assert receipt["needs_review"] == []

    def test_a_bill_that_disagrees_with_its_receipt_sends_both_to_a_person(self, tmp_path: Path) -> None:
        path, _ = self.pdf(tmp_path, noncovered_shift=10_000)
        receipt = read_document(path)
        failed = [c for c in receipt["checks"] if not c["ok"]]
        assert [c["rule"] for c in failed] == [
            "세부산정내역 합계 = 영수증 합계 (본인부담금, 공단부담금, 전액본인부담, 비급여)"
        ]
        assert failed[0]["detail"] == "differ: 비급여"
        assert "amounts.noncovered" in receipt["needs_review"]


class TestOrientation:
    def test_a_receipt_photographed_sideways_is_turned_upright_and_read(self, tmp_path: Path) -> None:
        import io

        from PIL import Image

        (sample,) = testset.generate(per=1, kinds=("pharmacy",), variants=("scan",))
        buf = io.BytesIO()
        Image.open(io.BytesIO(sample.data)).rotate(90, expand=True).save(buf, format="PNG")
        path = tmp_path / "sideways.png"
        path.write_bytes(buf.getvalue())
        receipt = read_document(path)
        assert "turned 90° clockwise" in receipt["meta"]["notes"]
        assert _wrong(sample, receipt) == []
