"""`silson serve`: the service on the embedded default, with the demo seeded, on localhost."""

from __future__ import annotations

import os
import secrets

from silson import demo
from silson.adapters.identity import Identity, SandboxIdentity
from silson.claims.lifecycle import Role
from silson.privacy.crypto import FileMasterKey
from silson.store.db import make_engine, migrate, session_factory, silson_home
from silson.web.app import Services, create_app


def build_services() -> tuple[Services, str]:
    demo.seed()
    engine = make_engine()
    migrate(engine)
    secret = os.environ.get("SILSON_DEMO_STAFF_SECRET") or secrets.token_urlsafe(12)
    accounts = [Identity(str(m["name"]), m["birth_date"], str(m["phone"])) for m in demo.FAMILY]  # type: ignore[arg-type]
    services = Services(
        sessions=session_factory(engine),
        master=FileMasterKey.load_or_create(silson_home() / "master.key"),
        identity=SandboxIdentity(accounts),
        staff={"demo-reviewer": (Role.REVIEWER, secret), "demo-admin": (Role.ADMINISTRATOR, secret)},
    )
    return services, secret


def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    import uvicorn

    services, secret = build_services()
    print(f"silson: open http://{host}:{port}/ (API docs at /docs)")
    print(f"  demo customers: {', '.join(str(m['name']) for m in demo.FAMILY)} (sandbox 간편인증)")
    print(f"  demo staff: demo-reviewer / demo-admin, secret {secret}")
    # proxy headers are ours to judge (SILSON_TRUSTED_PROXIES), not uvicorn's (it trusts 127.0.0.1)
    uvicorn.run(create_app(services), host=host, port=port, log_level="warning", proxy_headers=False)
