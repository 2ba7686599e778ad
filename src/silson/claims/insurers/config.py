"""Which insurer port serves which insurer: every insurer over the package protocol at
`SILSON_INSURER_URL` (the sandbox insurer that `make run` starts; a real insurer gets its own
adapter here, never a branch in a service)."""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache

from silson.claims.insurers.http import HttpInsurer
from silson.claims.insurers.port import InsurerPort, InsurerUnavailable

ENV = "SILSON_INSURER_URL"


@cache
def _http(url: str, timeout: float) -> HttpInsurer:
    return HttpInsurer(url, timeout=timeout)


def from_env(*, timeout: float = 10.0) -> Callable[[str], InsurerPort]:
    """The port for an insurer by name; unconfigured answers InsurerUnavailable (retried, then listed for staff)."""

    def port_for(insurer: str) -> InsurerPort:
        url = os.environ.get(ENV, "").strip()
        if not url:
            raise InsurerUnavailable(f"{ENV}이(가) 설정되지 않아 {insurer}에 보낼 수 없습니다.")
        return _http(url, timeout)

    return port_for
