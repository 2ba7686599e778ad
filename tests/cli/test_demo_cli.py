"""The demo: seeded through the CLI, and not one personal datum of it in plaintext on disk."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SILSON_HOME": str(home)}
    env.pop("SILSON_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "silson", *args], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120
    )


def test_demo_seeds_once_and_stores_no_personal_datum_in_plaintext(tmp_path: Path) -> None:
    first = run(tmp_path, "demo", "--no-serve")
    assert first.returncode == 0 and "2 people seeded" in first.stdout, first.stderr
    again = run(tmp_path, "demo", "--no-serve")
    assert again.returncode == 0 and "already" in again.stdout
    pii = [line for line in run(tmp_path, "demo", "--show-pii").stdout.splitlines() if line]
    assert len(pii) >= 10 and "김민준" in pii
    stored = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    assert len(stored) > 50_000  # the database is really there
    for datum in pii:
        assert datum.encode("utf-8") not in stored, datum
    verified = run(tmp_path, "audit", "verify")
    assert verified.returncode == 0 and "정상" in verified.stdout
