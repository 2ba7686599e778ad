"""`silson audit verify` on the embedded database, before and after tampering."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, text

from silson.audit import chain
from silson.audit.anchor import AnchorLog
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


def _seed(tmp_path: Path, count: int) -> Engine:
    """`count` audited moves, each committed on its own (so each is anchored as it commits)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'silson.db'}")
    migrate(engine)
    sessions = session_factory(engine)
    for i in range(count):
        with sessions.begin() as s:
            chain.append(s, at=datetime(2026, 11, 23, tzinfo=UTC), actor="rev", action="claim.moved",
                         object_type="claim", object_id=str(i), detail={"to": "ready"})  # fmt: skip
    return engine


class TestAnchors:
    def test_each_commit_writes_a_signed_anchor_of_the_head_outside_the_database(self, tmp_path: Path) -> None:
        _seed(tmp_path, 3)
        lines = [json.loads(line) for line in (tmp_path / "audit-anchors.jsonl").read_text().splitlines()]
        assert [line["entry"] for line in lines] == [1, 2, 3]
        ok = run(tmp_path)
        assert ok.returncode == 0 and "3건" in ok.stdout and "고정점 3개 일치" in ok.stdout

    def test_deleting_the_chains_tail_is_detected(self, tmp_path: Path) -> None:
        engine = _seed(tmp_path, 5)
        with engine.begin() as conn:  # the last two entries go; what is left is a valid chain on its own
            conn.execute(text("DELETE FROM audit_entry WHERE id > 3"))
        broken = run(tmp_path)
        assert broken.returncode == 1
        assert "4번" in broken.stderr and "deleted from the end" in broken.stderr

    def test_rewriting_the_whole_chain_is_detected(self, tmp_path: Path) -> None:
        engine = _seed(tmp_path, 4)
        with engine.begin() as conn:  # every hash recomputed: the chain alone looks whole
            rows = conn.execute(text("SELECT id, at, actor, action, object_type, object_id, detail FROM audit_entry "
                                     "ORDER BY id")).all()  # fmt: skip
            prev = chain.GENESIS
            for row in rows:
                actor = "someone else" if row.id == 2 else row.actor
                at = datetime.fromisoformat(str(row.at))
                digest = chain._digest(prev, at, actor, row.action, row.object_type, row.object_id, row.detail)
                conn.execute(text("UPDATE audit_entry SET actor = :a, prev_hash = :p, hash = :h WHERE id = :i"),
                             {"a": actor, "p": prev, "h": digest, "i": row.id})  # fmt: skip
                prev = digest
        with session_factory(engine)() as s:
            assert chain.verify(s, anchors=AnchorLog(tmp_path / "none.jsonl", b"k" * 32)).ok  # without anchors
        broken = run(tmp_path)
        assert broken.returncode == 1
        assert "2번" in broken.stderr and "rewritten" in broken.stderr

    def test_an_edited_anchor_line_is_detected(self, tmp_path: Path) -> None:
        _seed(tmp_path, 3)
        path = tmp_path / "audit-anchors.jsonl"
        lines = path.read_text().splitlines()
        edited = json.loads(lines[2])
        edited["entry"] = 2  # vouch for less, to hide a deleted tail
        path.write_text("\n".join([*lines[:2], json.dumps(edited)]) + "\n")
        broken = run(tmp_path)
        assert broken.returncode == 1
        assert "line 3" in broken.stderr and "signature does not match" in broken.stderr

    def test_an_anchor_signed_with_another_key_is_refused(self, tmp_path: Path) -> None:
        engine = _seed(tmp_path, 2)
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_entry WHERE id = 2"))
        forged = AnchorLog(tmp_path / "audit-anchors.jsonl", secrets.token_bytes(32))
        forged.write(entry=1, digest="0" * 64)
        broken = run(tmp_path)
        assert broken.returncode == 1 and "line 3" in broken.stderr

    def test_the_checkpoint_command_anchors_the_head_durably(self, tmp_path: Path) -> None:
        _seed(tmp_path, 2)
        env = {**os.environ, "SILSON_HOME": str(tmp_path)}
        env.pop("SILSON_DATABASE_URL", None)
        done = subprocess.run([sys.executable, "-m", "silson", "audit", "anchor"], capture_output=True, text=True,
                              cwd=ROOT, env=env, timeout=60)  # fmt: skip
        assert done.returncode == 0 and "2번" in done.stdout
        last = json.loads((tmp_path / "audit-anchors.jsonl").read_text().splitlines()[-1])
        assert last["entry"] == 2
