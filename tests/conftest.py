"""Shared test helpers: where the shared folder and the case folders are."""

from __future__ import annotations

from pathlib import Path

import pytest

from silson.rules.catalogue import Catalogue, load_catalogue

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
OWN_CASES = ROOT / "tests" / "cases"
SHARED_CASES = SHARED / "cases"


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue()
