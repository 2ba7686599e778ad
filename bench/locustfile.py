"""The load `bench/load.py` puts on a running `silson serve`: demo customers reading their estimate
(the API and the page's fragment), their claims list and one claim's detail with its trace.

Tokens and ids come from the environment (`SILSON_BENCH_PEOPLE`: JSON list of {token, person_id,
claim_id}); bench/load.py signs in before the run so that sign-in's rate limit is not what is measured.
"""

from __future__ import annotations

import json
import os
import random
from typing import Any

from locust import HttpUser, between, task

PEOPLE: list[dict[str, Any]] = json.loads(os.environ.get("SILSON_BENCH_PEOPLE", "[]"))
#: the soak's background work (bench/load.py --soak): a reviewer's token and a claim it may move
STAFF: dict[str, Any] = json.loads(os.environ.get("SILSON_BENCH_STAFF", "{}"))
HOMETAX = os.environ.get("SILSON_BENCH_HOMETAX", "")


class Customer(HttpUser):
    weight = 10
    wait_time = between(0.5, 1.5)  # a person reading, not a tight loop

    def on_start(self) -> None:
        self.me = random.choice(PEOPLE)
        self.client.headers["Authorization"] = f"Bearer {self.me['token']}"
        self.client.cookies.set("silson_session", self.me["token"])

    @task(4)
    def estimate_api(self) -> None:
        self.client.get(f"/api/people/{self.me['person_id']}/estimate", name="GET /api/people/{id}/estimate")

    @task(2)
    def estimate_page(self) -> None:
        self.client.get(f"/people/{self.me['person_id']}/estimate", headers={"HX-Request": "true"},
                        name="GET /people/{id}/estimate (page)")  # fmt: skip

    @task(2)
    def claims(self) -> None:
        self.client.get("/api/claims", name="GET /api/claims")

    @task(1)
    def claim(self) -> None:
        if self.me.get("claim_id"):
            self.client.get(f"/api/claims/{self.me['claim_id']}", name="GET /api/claims/{id}")


class Background(HttpUser):
    """With --soak: someone else importing (a 간소화 file that changes every time, so each import
    stores rows and recomputes that person's estimate) and a reviewer moving a claim, under the reads."""

    weight = 1 if STAFF else 0
    fixed_count = 1 if STAFF else 0
    wait_time = between(5, 10)

    def on_start(self) -> None:
        self.n = 0
        phone = f"010-{random.randint(1000, 9999)}-{random.randint(1000, 9999)}"  # a new person signs up
        self.name = "소크" + "".join(random.choice("가나다라마바사아자차카타파하") for _ in range(2))
        who = {"name": self.name, "birth_date": "1985-04-12", "phone": phone}
        rid = self.client.post("/api/auth/requests", json=who, name="(soak sign-up)").json()["request_id"]
        self.client.post(f"/api/auth/requests/{rid}/approve", name="(soak sign-up)")
        signed = self.client.post("/api/auth/sessions", json={"request_id": rid}, name="(soak sign-up)").json()
        self.pid, self.auth = signed["person_id"], {"Authorization": f"Bearer {signed['token']}"}
        self.client.put(f"/api/people/{self.pid}/consents/data_import", json={"version": "soak"}, headers=self.auth,
                        name="(soak sign-up)")  # fmt: skip

    @task
    def work(self) -> None:
        self.n += 1
        changed = HOMETAX.replace("김민준", self.name).replace("<sum>184000</sum>", f"<sum>{184000 + self.n}</sum>", 1)
        self.client.post(f"/api/people/{self.pid}/imports", headers=self.auth, data={"kind": "hometax"},
                         files={"file": ("hometax.xml", changed.encode(), "application/xml")},
                         name="POST /api/people/{id}/imports (soak)")  # fmt: skip
        to = "ready" if self.n % 2 else "in_review"
        reviewer = {"Authorization": f"Bearer {STAFF['token']}"}
        self.client.post(f"/api/claims/{STAFF['claim_id']}/moves", headers=reviewer,
                         json={"to": to, "reason": "soak", "idempotency_key": f"soak-{id(self)}-{self.n}"},
                         name="POST /api/claims/{id}/moves (soak)")  # fmt: skip
