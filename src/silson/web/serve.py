"""`silson serve`: the service on the embedded default, with the demo seeded, on localhost."""

from __future__ import annotations

import os
import secrets
from datetime import UTC, datetime

from silson import demo
from silson.adapters.identity import Identity, SandboxIdentity
from silson.claims.lifecycle import Role
from silson.privacy import people
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
        staff={
            "demo-reviewer": (Role.REVIEWER, secret),
            "demo-admin": (Role.ADMINISTRATOR, secret),
            "demo-assistant": (Role.ASSISTANT, secret),
        },
    )
    return services, secret


def warm_estimates(services: Services) -> None:
    """The demo family's estimates for today, computed before the first person asks (an import job
    does this for everyone else; the demo's data was seeded without one)."""
    from silson.discover import stored

    now = datetime.now(UTC)
    with services.sessions.begin() as session:
        for member in demo.FAMILY:
            for person_id in people.find_by_phone(session, services.master, str(member["phone"])):
                stored.warm(session, services.master, services.catalogue, services.directory,
                            person_id=person_id, now=now)  # fmt: skip


def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    import uvicorn

    services, secret = build_services()
    warm_estimates(services)
    print(f"silson: open http://{host}:{port}/ (API docs at /docs)")
    print(f"  demo customers: {', '.join(str(m['name']) for m in demo.FAMILY)} (sandbox 간편인증)")
    print(f"  demo staff: demo-reviewer / demo-admin / demo-assistant (call center), secret {secret}")
    # proxy headers are ours to judge (SILSON_TRUSTED_PROXIES), not uvicorn's (it trusts 127.0.0.1)
    # alone, the service also does what `make worker`'s schedule would: follow insurers, timers, retention
    app = create_app(services, periodic_jobs=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=False)
