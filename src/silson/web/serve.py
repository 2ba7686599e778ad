"""`silson serve`: the service with the demo seeded, on the embedded default or SILSON_DATABASE_URL;
one process by default, or `--workers N` processes (uvicorn's workers) for production.

With several workers (PostgreSQL only: the job outbox hands a job to one worker with SKIP LOCKED),
what a request needs from an earlier one is kept outside the processes: sessions and their
revocation, jobs, stored estimates and the audit chain in the database; rate-limit counters in
SILSON_RATE_LIMITS (Redis; `--workers` refuses the per-process default); the identity sandbox's
pending sign-ins in a file beside the data (adapters/identity_shared.py). What stays per process is
safe to hold there: the estimate single-flight and its small table of recent reports
(discover/cache.py: keyed by the inputs' digest, so a process can only compute a report another has
also computed; the cost is one computation per process, never a wrong or stale answer), the parsed
catalogue, fonts and templates (read-only), and each process's job-runner thread (jobs are claimed
with row locks that skip one another's; a periodic job is queued once per period by its key).
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from fastapi import FastAPI, Request, Response

from silson import demo
from silson.adapters.identity import Identity
from silson.adapters.identity_shared import FILE, SharedSandboxIdentity
from silson.claims.lifecycle import Role
from silson.privacy import people
from silson.privacy.crypto import FileMasterKey
from silson.store.db import make_engine, migrate, session_factory, silson_home
from silson.web.app import Services, create_app

SECRET_ENV = "SILSON_DEMO_STAFF_SECRET"
WORKER_HEADER = "X-Silson-Worker"  # which worker process answered (a random name per process)


class CannotServeWorkers(SystemExit):
    """`--workers` above 1 on what only one process can use: the embedded SQLite, or rate-limit
    counters kept per process."""


def services_from_env(secret: str) -> Services:
    """The services over the data under SILSON_HOME / SILSON_DATABASE_URL, as it already is."""
    engine = make_engine()
    accounts = [Identity(str(m["name"]), m["birth_date"], str(m["phone"])) for m in demo.FAMILY]  # type: ignore[arg-type]
    return Services(
        sessions=session_factory(engine),
        master=FileMasterKey.load_or_create(silson_home() / "master.key"),
        identity=SharedSandboxIdentity(accounts, path=silson_home() / FILE),
        staff={
            "demo-reviewer": (Role.REVIEWER, secret),
            "demo-admin": (Role.ADMINISTRATOR, secret),
            "demo-assistant": (Role.ASSISTANT, secret),
        },
    )


def build_services() -> tuple[Services, str]:
    """Seed the demo, bring the schema up to date, and open the services (once, before any worker)."""
    demo.seed()
    migrate(make_engine())
    secret = os.environ.get(SECRET_ENV) or secrets.token_urlsafe(12)
    return services_from_env(secret), secret


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


def worker_app() -> FastAPI:
    """One worker process's app (`--workers N`, uvicorn's factory): the parent has seeded and migrated;
    each worker opens its own connection pool and runs its own job-runner thread."""
    app = create_app(services_from_env(os.environ[SECRET_ENV]), periodic_jobs=True)
    name = secrets.token_hex(4)

    @app.middleware("http")
    async def worker_name(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        response.headers[WORKER_HEADER] = name
        return response

    return app


def check_workers() -> None:
    """Several processes need PostgreSQL (the job outbox hands a job to one worker with SKIP LOCKED,
    which SQLite does not have) and SILSON_RATE_LIMITS shared between them (a client would otherwise
    get the sign-in budget once per process)."""
    if not os.environ.get("SILSON_DATABASE_URL", "").startswith("postgresql"):
        raise CannotServeWorkers(
            "silson serve --workers: 여러 프로세스는 PostgreSQL에서만 실행할 수 있습니다. "
            "SILSON_DATABASE_URL을 지정해 주세요 (예: postgresql+psycopg://silson@127.0.0.1:5432/silson)."
        )
    if os.environ.get("SILSON_RATE_LIMITS", "memory://").startswith("memory://"):
        raise CannotServeWorkers(
            "silson serve --workers: 여러 프로세스가 로그인 시도 횟수를 함께 세도록 SILSON_RATE_LIMITS를 "
            "Redis로 지정해 주세요 (예: SILSON_RATE_LIMITS=redis://127.0.0.1:6379/0)."
        )


def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    import uvicorn

    if workers > 1:
        check_workers()
    services, secret = build_services()
    warm_estimates(services)
    print(f"silson: open http://{host}:{port}/ (API docs at /docs)")
    print(f"  demo customers: {', '.join(str(m['name']) for m in demo.FAMILY)} (sandbox 간편인증)")
    print(f"  demo staff: demo-reviewer / demo-admin / demo-assistant (call center), secret {secret}")
    if workers > 1:
        print(f"  {workers} worker processes; rate limits in {os.environ['SILSON_RATE_LIMITS'].split('@')[-1]}")
    sys.stdout.flush()
    # proxy headers are ours to judge (SILSON_TRUSTED_PROXIES), not uvicorn's (it trusts 127.0.0.1)
    # alone, the service also does what `make worker`'s schedule would: follow insurers, timers, retention
    if workers == 1:
        app = create_app(services, periodic_jobs=True)
        uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=False)
        return
    services.sessions.kw["bind"].dispose()  # the workers open their own connections
    os.environ[SECRET_ENV] = secret  # the workers are spawned with this environment
    uvicorn.run("silson.web.serve:worker_app", factory=True, workers=workers, host=host, port=port,
                log_level="warning", proxy_headers=False)  # fmt: skip
