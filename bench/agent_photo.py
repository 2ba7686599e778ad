"""Benchmark of an agent's photo of an issued document (issue 18): figures, not a test. How long the
agent's request takes now that it only stores the photo and queues its reading (`agents.photos.take`),
and how long the job then takes to read it (`agents.photos.read`, through the outbox as a worker runs
it), as min / median / max over the runs, for a phone photo (JPEG) of a receipt on a claim.

    .venv/bin/python bench/agent_photo.py             # 3 runs
    .venv/bin/python bench/agent_photo.py --runs 5

Each run builds a fresh SQLite store in a temporary folder (the agents' tests' world: two people, two
agents, a claim whose documents go to an agent), signs the task, checks in and photographs."""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

os.environ["OMP_THREAD_LIMIT"] = "1"
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.agents.conftest builds the world

from sqlalchemy import select
from tests.agents.conftest import AGENT_A, NOW, tasks_signed, world

from silson.agents import photos, service
from silson.agents.models import TaskDocumentRow
from silson.documents import synth
from silson.jobs import outbox
from silson.privacy.crypto import FileMasterKey
from silson.store.db import make_engine, migrate, session_factory


def photo() -> bytes:
    rng = random.Random(11)
    spec = synth.random_spec(rng, "hospital-older")
    spec.patient, spec.provider, spec.visit_date, spec.issued = (
        "김민준",
        "연세가정의원",
        date(2024, 6, 1),
        date(2024, 6, 1),
    )
    data, _suffix = synth.render(spec, "photo", rng)
    return bytes(data)


def one_run(folder: Path, picture: bytes) -> tuple[float, float]:
    engine = make_engine(f"sqlite:///{folder / 'silson.db'}")
    migrate(engine)
    sessions = session_factory(engine)
    master = FileMasterKey.load_or_create(folder / "master.key")
    clinic = tasks_signed(sessions, master, world(sessions, master))[0]
    with sessions.begin() as s:
        service.check_in(s, AGENT_A, task_id=clinic, place="원무과", now=NOW)
        did = s.scalars(select(TaskDocumentRow.id).where(TaskDocumentRow.task_id == clinic)).first()
    assert did is not None
    started = time.perf_counter()
    with sessions.begin() as s:
        photos.take(s, master, AGENT_A, task_id=clinic, document_id=did, photo=picture, now=NOW)
    request = time.perf_counter() - started
    started = time.perf_counter()
    outbox.sweep(sessions, lambda: NOW, context=outbox.JobContext(master))
    reading = time.perf_counter() - started
    with sessions.begin() as s:
        row = s.get(TaskDocumentRow, did)
        assert row is not None and row.state == "collected", row and row.state
    engine.dispose()
    return request, reading


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    picture = photo()
    requests, readings = [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as folder:
            request, reading = one_run(Path(folder), picture)
        requests.append(request)
        readings.append(reading)

    def line(name: str, values: list[float]) -> str:
        return (
            f"{name:<32} min {min(values):6.2f} s  median {statistics.median(values):6.2f} s  max {max(values):6.2f} s"
        )

    print(f"agent photo: a {len(picture) // 1024} KB phone photo of a receipt, {args.runs} runs")
    print(line("the agent's request (store+queue)", requests))
    print(line("the job (read, every due job)", readings))


if __name__ == "__main__":
    main()
