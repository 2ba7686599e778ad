"""Load benchmark of the service: figures, not a test (issue 19).

Starts `silson serve` (the demo seeded) on 127.0.0.1 in a fresh SILSON_HOME, on the embedded default
(SQLite) and on PostgreSQL (a fresh database on 127.0.0.1:5432), signs the demo customers in, then
runs locust headless (bench/locustfile.py: the estimate API and page, the claims list, a claim's
detail) and prints per endpoint p50/p95/p99 in ms, requests per second and failures, per database.

    .venv/bin/python bench/load.py                          # 50 users, 60 s, both databases, 3 runs
    .venv/bin/python bench/load.py --users 10 --seconds 20 --runs 1 --db sqlite   # a quick look
    .venv/bin/python bench/load.py --src /tmp/old/src       # the same load on another checkout's code
    .venv/bin/python bench/load.py --soak --users 20 --seconds 1800 --runs 1 --db sqlite
                         # 30 minutes with imports and claim moves beside the reads; the server's
                         # memory (RSS) and open files are sampled every 10 s and printed
    .venv/bin/python bench/load.py --workers 2 --db postgresql --seconds 600 --runs 1
                         # `silson serve --workers 2`, rate limits in Redis (SILSON_BENCH_REDIS)

The machine is shared and has 2 cores: the server, locust and everything else share them. Compare
figures measured in one run (`--src` for a before/after), and read min/median/max over runs.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PG_ADMIN = os.environ.get("SILSON_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("SILSON_BENCH_REDIS", "redis://127.0.0.1:6379/13")
FAMILY = (("김민준", "1985-04-12", "010-4821-7730"), ("이서연", "1988-09-03", "010-3377-9182"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tree(pid: int) -> list[int]:
    """A process and its descendants, from /proc."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                queue.extend(int(child) for child in task.read_text().split())
            except FileNotFoundError:
                continue
    return found


class Server:
    """`silson serve` in its own process, on its own home and database."""

    def __init__(self, db: str, src: Path | None, workers: int = 1) -> None:
        self.home = Path(tempfile.mkdtemp(prefix="silson-load-"))
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.pg_name: str | None = None
        env = {**os.environ, "SILSON_HOME": str(self.home), "SILSON_DEMO_STAFF_SECRET": "bench"}
        env.pop("SILSON_DATABASE_URL", None)
        if db == "postgresql":
            self.pg_name = f"silson_load_{uuid.uuid4().hex[:10]}"
            with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{self.pg_name}"')
            base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
            env["SILSON_DATABASE_URL"] = f"{base}/{self.pg_name}"
        if src is not None:
            env["PYTHONPATH"] = str(src)
        command = [str(BIN / "python"), "-m", "silson", "serve", "--port", str(self.port)]
        if workers > 1:
            command += ["--workers", str(workers)]
            env["SILSON_RATE_LIMITS"] = REDIS
        log = open(self.home / "server.log", "w")  # noqa: SIM115  (the server process writes it)
        self.process = subprocess.Popen(command, env=env, cwd=self.home, stdout=subprocess.DEVNULL, stderr=log)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"silson serve exited: {(self.home / 'server.log').read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.3)
        raise RuntimeError("silson serve did not answer /healthz in 120 s")

    def people(self) -> list[dict[str, Any]]:
        """Sign each demo customer in (sandbox 간편인증) and find one of their claims."""
        found = []
        with httpx.Client(base_url=self.url, timeout=30) as client:
            for name, birth, phone in FAMILY:
                rid = client.post("/api/auth/requests", json={"name": name, "birth_date": birth, "phone": phone})
                rid.raise_for_status()
                request_id = rid.json()["request_id"]
                client.post(f"/api/auth/requests/{request_id}/approve").raise_for_status()
                answer = client.post("/api/auth/sessions", json={"request_id": request_id})
                answer.raise_for_status()
                token, pid = answer.json()["token"], answer.json()["person_id"]
                claims = client.get("/api/claims", headers={"Authorization": f"Bearer {token}"}).json()
                found.append({"token": token, "person_id": pid, "claim_id": claims[0]["id"] if claims else None})
        return found

    def staff(self, person_id: int) -> dict[str, Any]:
        """A reviewer's token and one of the person's claims put in review, for the soak's moves."""
        with httpx.Client(base_url=self.url, timeout=30) as client:
            token = client.post("/api/auth/staff", json={"staff_id": "demo-reviewer", "secret": "bench"}).json()[
                "token"
            ]
            headers = {"Authorization": f"Bearer {token}"}
            claims = client.get("/api/claims", headers=headers, params={"person_id": person_id}).json()
            claim = next(c for c in claims if c["state"] == "documents_received")
            client.post(f"/api/claims/{claim['id']}/moves", headers=headers,
                        json={"to": "in_review", "idempotency_key": "soak-start"}).raise_for_status()  # fmt: skip
        return {"token": token, "claim_id": claim["id"]}

    def sample(self) -> tuple[int, int]:
        """The server's resident memory (KiB) and open file descriptors, summed over its processes
        (with --workers: the supervisor and each worker)."""
        rss = files = 0
        for pid in _tree(self.process.pid):
            try:
                status = Path(f"/proc/{pid}/status").read_text()
                rss += int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")))
                files += len(os.listdir(f"/proc/{pid}/fd"))
            except (FileNotFoundError, ProcessLookupError, StopIteration):
                continue  # a process that ended between the listing and the reading
        return rss, files

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        if self.pg_name:
            with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')


def run_locust(server: Server, people: list[dict[str, Any]], users: int, seconds: int,
               staff: dict[str, Any] | None = None) -> list[dict[str, Any]]:  # fmt: skip
    prefix = server.home / "locust"
    env = {**os.environ, "SILSON_BENCH_PEOPLE": json.dumps(people)}
    if staff is not None:
        env["SILSON_BENCH_STAFF"] = json.dumps(staff)
        env["SILSON_BENCH_HOMETAX"] = (ROOT / "examples" / "family" / "hometax-2023-2025.xml").read_text("utf-8")
    command = [str(BIN / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless", "--only-summary",
               "-u", str(users), "-r", str(max(1, users // 5)), "-t", f"{seconds}s", "--host", server.url,
               "--csv", str(prefix), "--loglevel", "WARNING"]  # fmt: skip
    subprocess.run(command, env=env, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=seconds + 120)  # fmt: skip
    with open(f"{prefix}_stats.csv", newline="") as f:
        return list(csv.DictReader(f))


def _figures(row: dict[str, Any]) -> tuple[float, float, float, float, int, int]:
    return (float(row["50%"]), float(row["95%"]), float(row["99%"]), float(row["Requests/s"]),
            int(row["Request Count"]), int(row["Failure Count"]))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--src", type=Path, help="run the server from this source tree (a before/after)")
    parser.add_argument("--workers", type=int, default=1, help="server processes (PostgreSQL only)")
    parser.add_argument("--soak", action="store_true", help="imports and claim moves beside the reads; "
                        "print the server's memory and open files over the run")  # fmt: skip
    args = parser.parse_args()
    databases = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    if args.workers > 1 and databases != ["postgresql"]:
        parser.error("--workers above 1 runs on PostgreSQL only: add --db postgresql")
    processes = "one server process" if args.workers == 1 else f"{args.workers} server worker processes"
    print(f"silson load: {args.users} users, {args.seconds} s a run, {args.runs} run(s), code from "
          f"{args.src or ROOT / 'src'}; {processes}, locust beside them on the same 2 cores")  # fmt: skip
    results: dict[tuple[str, str], list[tuple[float, float, float, float, int, int]]] = {}
    for _ in range(args.runs):
        for db in databases:
            server = Server(db, args.src, args.workers)
            try:
                people = server.people()
                staff = server.staff(people[0]["person_id"]) if args.soak else None
                samples: list[tuple[float, int, int, float]] = []  # seconds, RSS KiB, open files, load
                watching = threading.Event()

                def watch(server: Server = server, samples: list[tuple[float, int, int, float]] = samples,
                          watching: threading.Event = watching) -> None:  # fmt: skip
                    started = time.monotonic()
                    while not watching.wait(10):
                        samples.append((time.monotonic() - started, *server.sample(), os.getloadavg()[0]))

                watcher = threading.Thread(target=watch, daemon=True)
                samples.append((0.0, *server.sample(), os.getloadavg()[0]))
                watcher.start()
                for row in run_locust(server, people, args.users, args.seconds, staff):
                    results.setdefault((db, row["Name"]), []).append(_figures(row))
                watching.set()
                watcher.join()
                samples.append((args.seconds, *server.sample(), os.getloadavg()[0]))
                rss, fds, load = [s[1] for s in samples], [s[2] for s in samples], [s[3] for s in samples]
                print(
                    f"{db}: server RSS {rss[0] // 1024} → {rss[-1] // 1024} MiB (max {max(rss) // 1024}), "
                    f"open files {fds[0]} → {fds[-1]} (max {max(fds)}) over {len(samples)} samples; the machine's "
                    f"load average (1 min) {min(load):.1f}–{max(load):.1f}, median {statistics.median(load):.1f} "
                    f"on {os.cpu_count()} cores (everything else running on it counts)"
                )
                if args.soak or args.seconds >= 300:  # over time (about 30 lines), to see flat or not
                    shown = samples[:: max(1, len(samples) // 30)]
                    shown += [] if shown[-1] is samples[-1] else [samples[-1]]
                    print(f"{'':4}{'seconds':>8} {'RSS MiB':>8} {'open files':>11} {'load':>6}")
                    for at, rss_kib, open_files, load1 in shown:
                        print(f"{'':4}{at:8.0f} {rss_kib / 1024:8.1f} {open_files:11d} {load1:6.1f}")
                sys.stdout.flush()
            finally:
                server.stop()
    print(f"\n{'database':10} {'endpoint':40} {'p50 ms':>16} {'p95 ms':>16} {'p99 ms':>16} {'req/s':>16} {'fail':>6}")
    for (db, name), runs in sorted(results.items(), key=lambda kv: (kv[0][0], kv[0][1] == "Aggregated", kv[0][1])):

        def spread(i: int, runs: list[tuple[float, float, float, float, int, int]] = runs) -> str:
            values = [r[i] for r in runs]
            return f"{min(values):.0f}/{statistics.median(values):.0f}/{max(values):.0f}"

        failures = sum(r[5] for r in runs)
        print(f"{db:10} {name:40} {spread(0):>16} {spread(1):>16} {spread(2):>16} {spread(3):>16} {failures:>6}")
    print("\n(each figure: min/median/max over the runs; fail = failed requests summed over the runs)")


if __name__ == "__main__":
    main()
