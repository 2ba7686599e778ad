"""Against a real server on a free port: an answer comes only after its transaction commits, and a
large upload never stalls the readers (issue 19)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn

from silson import demo
from silson.web.app import create_app
from tests.web.conftest import _free_port, seeded_services


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    before = os.environ.get("SILSON_HOME")
    services = seeded_services(tmp_path_factory.mktemp("silson-concurrency"))
    port = _free_port()
    app = create_app(services, sign_in_rate="1000/minute")
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the server did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        if before is None:
            os.environ.pop("SILSON_HOME", None)
        else:
            os.environ["SILSON_HOME"] = before


def sign_in(client: httpx.Client, member: dict[str, object]) -> tuple[dict[str, str], int]:
    body = {"name": str(member["name"]), "birth_date": str(member["birth_date"]), "phone": str(member["phone"])}
    rid = client.post("/api/auth/requests", json=body).json()["request_id"]
    assert client.post(f"/api/auth/requests/{rid}/approve").status_code == 204
    session = client.post("/api/auth/sessions", json={"request_id": rid}).json()
    return {"Authorization": f"Bearer {session['token']}"}, int(session["person_id"])


class TestCommitBeforeAnswer:
    def test_a_write_is_seen_by_the_next_read_1000_times(self, server: str) -> None:
        # two connections, as two tabs or a client and its poller: the read goes in as soon as the
        # write's answer arrives, on the other connection
        with httpx.Client(base_url=server, timeout=10) as writer, httpx.Client(base_url=server, timeout=10) as reader:
            headers, pid = sign_in(writer, demo.FAMILY[0])
            stale = []
            for i in range(1000):
                put = writer.put(f"/api/people/{pid}/consents/personalised", json={"version": f"w{i}"},
                                 headers=headers)  # fmt: skip
                assert put.status_code == 200, put.text
                got = reader.get(f"/api/people/{pid}/consents", headers=headers).json()
                version = next(c["version"] for c in got if c["purpose"] == "personalised" and c["active"])
                if version != f"w{i}":
                    stale.append((i, version))
        assert stale == []
