"""The four shared sample receipts through `silson documents read FILE --json`: every listed field exact."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from silson.cli import app
from tests.conftest import HAS_SHARED, SHARED

pytestmark = pytest.mark.skipif(not HAS_SHARED, reason="the shared folder is not beside the checkout")

SAMPLES = SHARED / "documents"
NAMES = [
    "sample-clinic-2024-scan.png",
    "sample-clinic-older-layout.pdf",
    "sample-pharmacy-photo.jpg",
    "sample-pharmacy-scan.pdf",
]


def _differences(expected: dict[str, Any], got: dict[str, Any], prefix: str = "") -> list[str]:
    found: list[str] = []
    for key, want in expected.items():
        have = got.get(key) if isinstance(got, dict) else None
        if isinstance(want, dict):
            found += _differences(want, have or {}, f"{prefix}{key}.")
        elif have != want:
            found.append(f"{prefix}{key}: expected {want!r}, read {have!r}")
    return found


@pytest.fixture(scope="module", params=NAMES)
def sample(request: pytest.FixtureRequest) -> tuple[Path, dict[str, Any]]:
    path = SAMPLES / request.param
    result = CliRunner().invoke(app, ["documents", "read", str(path), "--json"])
    assert result.exit_code == 0, result.output
    return path, json.loads(result.stdout)


class TestSharedSamples:
    def test_every_expected_field_is_read_exactly(self, sample: tuple[Path, dict[str, Any]]) -> None:
        path, receipt = sample
        expected = json.loads(Path(f"{path}.expected.json").read_text(encoding="utf-8"))
        assert _differences(expected, receipt) == []

    def test_no_expected_amount_is_sent_to_review(self, sample: tuple[Path, dict[str, Any]]) -> None:
        _, receipt = sample
        assert not [f for f in receipt["needs_review"] if f.startswith(("amounts.", "provider.business_number"))]

    def test_every_check_holds(self, sample: tuple[Path, dict[str, Any]]) -> None:
        _, receipt = sample
        assert receipt["checks"] and all(check["ok"] for check in receipt["checks"])

    def test_output_is_a_complete_silson_receipt(self, sample: tuple[Path, dict[str, Any]]) -> None:
        _, receipt = sample
        assert receipt["format"] == "silson-receipt/1"
        assert set(receipt) >= {"kind", "provider", "patient", "visit", "amounts", "items", "confidence", "checks",
                                "needs_review"}  # fmt: skip
        assert set(receipt["amounts"]) >= {"covered_copay", "nhis_paid", "covered_full", "noncovered",
                                           "room_difference", "total", "patient_total", "paid"}  # fmt: skip
        assert set(receipt["provider"]) >= {"name", "business_number", "institution_code"}
        assert set(receipt["visit"]) >= {"kind", "date", "discharge", "kcd"}
