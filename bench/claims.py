"""Benchmark of the claim road: figures, not a test. Prints, over --runs runs (min / median / max):

- packages built per second: a reviewer's release (checklist, the engine's case, four PDFs with the
  Korean font embedded, sealed, queued in the outbox), for claims of 2 visits each;
- packages sent per second: the outbox sweep sending them to the sandbox insurer, its own process, over
  HTTP (one worker, SQLite);
- the seconds to build one package of 20 visits.

    .venv/bin/python bench/claims.py [--claims 100] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.claims.conftest import person_with_estimate  # noqa: E402

from silson.access import Actor  # noqa: E402
from silson.claims import checklist, events, packages, release, service  # noqa: E402
from silson.claims.insurers.http import HttpInsurer  # noqa: E402
from silson.claims.lifecycle import Role  # noqa: E402
from silson.discover.providers import ProviderDirectory  # noqa: E402
from silson.jobs import outbox  # noqa: E402
from silson.jobs import tasks as _tasks  # noqa: E402, F401  (registers the handlers)
from silson.privacy.crypto import FileMasterKey  # noqa: E402
from silson.store.db import make_engine, migrate, session_factory  # noqa: E402
from silson.store.models import ClaimRow  # noqa: E402

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
REVIEWER = Actor(Role.REVIEWER, staff_id="bench")
DIRECTORY = ProviderDirectory.load()


def visit(i: int) -> dict[str, object]:
    day = date(2025, 1 + i % 12, 1 + i % 27)
    return {"kind": "outpatient", "date": day.isoformat(), "cause": "disease", "kcd": ["J06.9"],
            "institution": {"kind": "clinic", "name": f"연세가정의원 {i}"}, "covered_copay": 20_000 + 100 * i,
            "noncovered": 30_000}  # fmt: skip


def claims(sessions, master, n: int, visits: int) -> list[int]:  # type: ignore[no-untyped-def]
    """n claims of one person ready to release: `visits` visits each, every document marked received."""
    pid = person_with_estimate(sessions, master, name="김벤치", phone=f"010-{os.getpid() % 9000 + 1000}-{n:04d}")
    me = Actor(Role.CUSTOMER, person_id=pid)
    ids = []
    with sessions.begin() as s:
        for k in range(n):
            item = service.ItemIn(f"e{k}", "contract:1", date(2025, 1, 1), 10_000)
            cid = service.open_claim(s, me, person_id=pid, insurer="현대해상", items=[item], now=NOW)
            for i in range(visits):
                events.add(s, master, REVIEWER, claim_id=cid, event=visit(i), now=NOW)
            rows = checklist.checklist(s, master, DIRECTORY, REVIEWER, claim_id=cid, now=NOW)
            for row in checklist.outstanding(rows):
                checklist.mark(s, REVIEWER, document_id=row.id, state=checklist.DocState.RECEIVED, reason="", now=NOW)
            ids.append(cid)
    return ids


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def one_run(folder: Path, n: int) -> tuple[float, float, float]:
    engine = make_engine(f"sqlite:///{folder / 'silson.db'}", home=folder)
    migrate(engine)
    sessions = session_factory(engine)
    master = FileMasterKey.load_or_create(folder / "master.key")
    port = free_port()
    cli = str(Path(sys.executable).with_name("silson"))
    proc = subprocess.Popen([cli, "sandbox-insurer", "--port", str(port), "--db", str(folder / "insurer.db")],
                            env={**os.environ, "SILSON_HOME": str(folder)})  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        ids = claims(sessions, master, n, 2)
        started = time.perf_counter()
        for cid in ids:
            with sessions.begin() as s:
                release.release(s, master, DIRECTORY, REVIEWER, claim_id=cid, idempotency_key="bench", now=NOW)
        built = n / (time.perf_counter() - started)
        insurer = HttpInsurer(url, timeout=10)
        context = outbox.JobContext(master, insurers=lambda _name: insurer)
        started = time.perf_counter()
        done = outbox.sweep(sessions, lambda: NOW, context=context, limit=n + 10)
        sent = done / (time.perf_counter() - started)
        assert httpx.get(f"{url}/counts").json()["packages"] == n
        (big,) = claims(sessions, master, 1, 20)
        with sessions.begin() as s:
            claim = s.get(ClaimRow, big)
            rows = checklist.checklist(s, master, DIRECTORY, REVIEWER, claim_id=big, now=NOW)
            started = time.perf_counter()
            packages.build(s, master, claim=claim, documents=rows, claim_date=NOW.date(), now=NOW)
            twenty = time.perf_counter() - started
        return built, sent, twenty
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results = []
    for run in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            results.append(one_run(Path(tmp), args.claims))
        print(f"run {run + 1}: built {results[-1][0]:.1f}/s, sent {results[-1][1]:.1f}/s, "
              f"20 visits {results[-1][2]:.3f} s", flush=True)  # fmt: skip
    for name, unit, k in (("packages built per second (2 visits)", "/s", 0), ("packages sent per second", "/s", 1),
                          ("one package of 20 visits built in", " s", 2)):  # fmt: skip
        xs = [r[k] for r in results]
        print(f"{name}: min {min(xs):.3f}{unit}, median {statistics.median(xs):.3f}{unit}, max {max(xs):.3f}{unit}"
              f" ({len(xs)} runs of {args.claims} claims)")  # fmt: skip


if __name__ == "__main__":
    main()
