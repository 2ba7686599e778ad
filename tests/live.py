"""Live servers for the tests that need a real socket: the app in a thread of the test process, or a
command (`silson serve`, the sandbox insurer) in a process of its own, on a free port on 127.0.0.1,
each waited for until it answers. One helper, so that every browser, concurrency and fault test
starts, waits for and stops its server the same way."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn

BIN = Path(sys.executable).parent


def free_port() -> int:
    """A port nothing listens on now (the kernel's choice)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def kept_environment(*names: str) -> Iterator[None]:
    """Whatever the block does to these environment variables is undone after it."""
    saved = {name: os.environ.get(name) for name in names}
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def in_thread(app: Any, *, seconds: float = 30) -> Iterator[str]:
    """Serve `app` with uvicorn in a thread of this process; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + seconds
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the server did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@dataclass
class Process:
    """A command serving HTTP on `port` in its own process; its output goes to `log` (appended, so a
    restarted server's log follows the killed one's)."""

    command: Sequence[str]
    log: Path
    port: int = field(default_factory=free_port)
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    cwd: Path | None = None
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, seconds: float = 90) -> None:
        """Start it and wait until /healthz answers 200 (a loaded machine may take a while)."""
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            self.process = subprocess.Popen([*self.command, "--port", str(self.port)], env=self.env, cwd=self.cwd,
                                            stdout=out, stderr=out, start_new_session=True)  # fmt: skip
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"{self.command[:4]} exited: {self.log_tail()}"
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"{self.command[:4]} did not answer in {seconds:.0f} s: {self.log_tail()}")

    def log_tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""

    def kill(self) -> None:
        """SIGKILL, no clean shutdown: to the whole process group (a server's worker processes too)."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)


def silson_serve(home: Path, *, env: dict[str, str] | None = None, args: Sequence[str] = ()) -> Process:
    """`silson serve` as a person runs it, on `home` (SILSON_HOME; the embedded default unless `env`
    names SILSON_DATABASE_URL); not started yet."""
    environment = {**os.environ, "SILSON_HOME": str(home)}
    environment.pop("SILSON_DATABASE_URL", None)
    environment.update(env or {})
    return Process([str(BIN / "python"), "-m", "silson", "serve", *args], log=home / "server.log",
                   env=environment, cwd=home)  # fmt: skip


@contextmanager
def sandbox_insurer(folder: Path) -> Iterator[str]:
    """The sandbox insurer (`silson sandbox-insurer`) in its own process; yields its base URL."""
    insurer = Process([str(BIN / "silson"), "sandbox-insurer", "--db", str(folder / "ins.db")],
                      log=folder / "insurer.log", env={**os.environ, "SILSON_HOME": str(folder)})  # fmt: skip
    insurer.start(seconds=30)
    try:
        yield insurer.url
    finally:
        insurer.stop()
