"""`silson audit verify` on the embedded database, before and after tampering."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from silson.audit import chain
from silson.store.db import make_engine, migrate, session_factory
from tests.conftest import ROOT


def run(home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SILSON_HOME": str(home)}
    env.pop("SILSON_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "silson", "audit", "verify"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )


def test_verify_reports_an_intact_chain_then_a_tampered_one(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'silson.db'}")
    migrate(engine)
    with session_factory(engine).begin() as s:
        for i in range(3):
            chain.append(s, at=datetime(2026, 11, 23, tzinfo=UTC), actor="rev", action="claim.moved", object_type="claim",
                         object_id=str(i), detail={"to": "ready"})  # fmt: skip
    ok = run(tmp_path)
    assert ok.returncode == 0 and "3건" in ok.stdout
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_entry SET actor = 'someone else' WHERE id = 2"))
    broken = run(tmp_path)
    assert broken.returncode == 1 and "2번" in broken.stderr
