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


class Customer(HttpUser):
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
