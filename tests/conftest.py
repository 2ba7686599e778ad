"""Shared test helpers: where the shared folder and the case folders are."""

from __future__ import annotations

from pathlib import Path

import pytest

from silson.rules.catalogue import Catalogue, load_catalogue

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
OWN_CASES = ROOT / "tests" / "cases"
SHARED_CASES = SHARED / "cases"
#: the shared folder (cases, documents, domain notes) sits beside the checkout in CI; a clone on its
#: own runs everything else, and the tests that read it skip with one line saying so
HAS_SHARED = SHARED.is_dir()
needs_shared = pytest.mark.skipif(not HAS_SHARED, reason=f"{SHARED} is not beside the checkout")


def pytest_report_header() -> str:
    if HAS_SHARED:
        return f"shared folder: {SHARED}"
    return f"shared folder: {SHARED} is missing: its cases, documents and tools are skipped"


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue()
