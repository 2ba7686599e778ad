"""The customer's pages: what I am owed (with charts), import, claims and one visit's trace, family,
consent and withdrawal. A family member's pages are the same estimate, view only."""

from collections import defaultdict
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from markupsafe import Markup
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from silson.access import Actor, Forbidden, require_act, require_read
from silson.claims import service as claims
from silson.claims.lifecycle import State
from silson.discover.narrow import as_items, given_visits
from silson.discover.service import PersonReport
from silson.discover.stored import stored_report
from silson.errors import Invalid, NotFound
from silson.privacy import consent, people, withdrawal
from silson.privacy import service as person_service
from silson.store import repository
from silson.web.chart import Group, bar_chart
from silson.web.deps import Services, with_family
from silson.web.pages.common import check_csrf, now, page_actor, redirect, render
from silson.web.schemas import RowId

Csrf = Depends(check_csrf)
CONSENT_VERSION = "2026-01"


def charts(report: PersonReport) -> tuple[str, str]:
    """Spending and estimated payouts by year; estimated payouts by insurer and year."""
    years = sorted({p.year for p in report.provider_years})
    spent: dict[int, int] = defaultdict(int)
    owed: dict[int, int] = defaultdict(int)
    insurer_of = {c.key: c.insurer for c in report.contracts}
    by_insurer: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for p in report.provider_years:
        spent[p.year] += p.spent
        owed[p.year] += p.total.typical
        for key, r in p.estimates.items():
            by_insurer[insurer_of.get(key, key)][p.year] += r.typical
    by_year = bar_chart("연도별 의료비와 예상 보험금", ("의료비 지출", "예상 보험금"),
                        [Group(str(y), (spent[y], owed[y])) for y in years], key="by-year",
                        description="연도마다 쓴 의료비(회색)와 받을 것으로 보이는 보험금(파랑)")  # fmt: skip
    insurers = bar_chart("보험사별 예상 보험금", tuple(f"{y}년" for y in years),
                         [Group(name, tuple(per[y] for y in years)) for name, per in sorted(by_insurer.items())],
                         key="by-insurer", description="보험사마다 연도별로 받을 것으로 보이는 보험금")  # fmt: skip
    return by_year, insurers


def router(services: Services, invite_budget: Callable[[Actor], None]) -> APIRouter:
    pages = APIRouter()

    def customer(request: Request) -> Actor:
        return page_actor(services, request)

    Me = Annotated[Actor, Depends(customer)]

    def person_name(session: Session, me: Actor, pid: int) -> str:
        return people.profile(session, services.master, with_family(session, me), pid, now()).name

    @pages.get("/me")
    def my_page(request: Request, me: Me) -> Response:
        if getattr(request.state, "large_text", False):  # large text: one action per screen (silson.assist)
            return redirect(f"/people/{me.person_id}/simple")
        return redirect(f"/people/{me.person_id}")

    @pages.get("/people/{pid}")
    def estimate_shell(request: Request, pid: RowId, me: Me) -> Response:
        with services.sessions.begin() as session:
            name = person_name(session, me, pid)
            members = [(m, person_name(session, me, m)) for m in sorted(with_family(session, me).views)]
        return render(request, "estimate.html", pid=pid, name=name, own=pid == me.person_id, members=members)

    @pages.get("/people/{pid}/estimate")
    def estimate(
        request: Request, pid: RowId, me: Me, visits: Annotated[list[str] | None, Query(max_length=40)] = None,
        at: Annotated[str | None, Query(max_length=40)] = None, count: Annotated[str, Query(max_length=3)] = "",
        band: Annotated[str, Query(max_length=2)] = "",
    ) -> Response:  # fmt: skip
        """The estimate itself: loaded after the page (it runs the engine over 3 years of spending).
        What the person tells to narrow the range (the income band; a provider-year's visit count,
        `at` and `count`, added to the `visits` told before) is computed at once and not stored. The
        form's blanks ("모름", no count) mean not told."""
        given = given_visits(visits or [], at, int(count) if count.isdigit() else None)
        band_told = int(band) if band.isdigit() and 1 <= int(band) <= 10 else None
        with services.sessions.begin() as session:
            report = stored_report(session, services.master, services.catalogue, services.directory,
                                   with_family(session, me), person_id=pid, as_of=now().date(), now=now(),
                                   decile=band_told, visits=given or None)  # fmt: skip
            # a newcomer's next step: consent first, then the two files
            consented = pid == me.person_id and consent.active(session, pid, consent.Purpose.DATA_IMPORT) is not None
        person = report.persons[0]
        by_year, by_insurer = charts(person)
        today = now().date()
        # the next day something lapses: the oldest visits' day, or (once that passed) the newest ones'
        due = sorted(((p, p.deadline_from if p.deadline_from >= today else p.deadline_to)
                      for p in person.provider_years if p.status != "lapsed" and p.total.high > 0),
                     key=lambda pair: (pair[1], pair[0].provider_name))  # fmt: skip
        context: dict[str, Any] = {"pid": pid, "report": person, "as_of": report.as_of, "by_year": Markup(by_year),
                   "by_insurer": Markup(by_insurer), "due": due, "today": today, "own": pid == me.person_id,
                   "rows": sorted(person.provider_years, key=lambda p: (-p.year, p.provider_name)),
                   "consented": consented, "band": band_told, "given": as_items(given)}  # fmt: skip
        fragment = request.headers.get("hx-request") == "true"
        return render(request, "estimate_panel.html" if fragment else "estimate_full.html", **context)

    @pages.get("/people/{pid}/import")
    def import_form(request: Request, pid: RowId, me: Me) -> Response:
        require_act(me, pid)
        with services.sessions.begin() as session:
            has_consent = consent.active(session, pid, consent.Purpose.DATA_IMPORT) is not None
        return render(request, "import.html", pid=pid, has_consent=has_consent)

    @pages.post("/people/{pid}/import", dependencies=[Csrf])
    async def import_upload(
        request: Request, pid: RowId, me: Me, kind: Annotated[str, Form(max_length=20)],
        file: Annotated[UploadFile, File()], password: Annotated[str | None, Form(max_length=100)] = None,
    ) -> Response:  # fmt: skip
        content = await file.read(person_service.MAX_UPLOAD + 1)

        def enqueue() -> int:  # checking, parsing and the pool belong off the event loop (issue 19)
            with services.sessions.begin() as session:
                return person_service.upload(session, services, me, person_id=pid, kind=kind, content=content,
                                      password=password or None, now=now())  # fmt: skip

        try:
            job_id = await run_in_threadpool(enqueue)
        except (ValueError, consent.ConsentMissing) as exc:

            def consented() -> bool:
                with services.sessions.begin() as session:
                    return consent.active(session, pid, consent.Purpose.DATA_IMPORT) is not None

            has_consent = await run_in_threadpool(consented)
            return render(request, "import.html", status=422, pid=pid, has_consent=has_consent, kind=kind,
                          error=str(exc))  # fmt: skip
        return redirect(f"/jobs/{job_id}")

    @pages.get("/jobs/{job_id}")
    def job_page(request: Request, job_id: RowId, me: Me) -> Response:
        with services.sessions.begin() as session:
            job = person_service.job(session, me, job_id)
        return render(request, "job.html", job=job)

    @pages.get("/jobs/{job_id}/status")
    def job_status(request: Request, job_id: RowId, me: Me) -> Response:
        with services.sessions.begin() as session:
            job = person_service.job(session, me, job_id)
        return render(request, "job_status.html", job=job)

    @pages.get("/people/{pid}/claims")
    def claim_list(request: Request, pid: RowId, me: Me) -> Response:
        with services.sessions.begin() as session:
            require_read(with_family(session, me), pid)  # claims show diagnoses: family only if shared
            name = person_name(session, me, pid)
            rows = [claims.claim_out(c) for c in repository.claims_of(session, pid)]
        return render(request, "claims.html", pid=pid, name=name, claims=rows, own=pid == me.person_id)

    @pages.get("/claims/{cid}")
    def claim_page(request: Request, cid: RowId, me: Me) -> Response:
        with services.sessions.begin() as session:
            detail = claims.claim_detail(session, services, me, cid, now())
        return render(request, "claim.html", detail=detail, own=detail.claim.person_id == me.person_id)

    @pages.post("/claims/{cid}/moves", dependencies=[Csrf])
    def claim_move(request: Request, cid: RowId, me: Me, to: Annotated[State, Form()],
                   key: Annotated[str, Form(min_length=1, max_length=100)],
                   confirm: Annotated[str | None, Form(max_length=10)] = None) -> Response:  # fmt: skip
        if to is State.CANCELLED and confirm != "yes":  # cancelling cannot be undone: asked first
            with services.sessions.begin() as session:
                detail = claims.claim_detail(session, services, me, cid, now())
            return render(request, "claim.html", status=422, detail=detail, own=detail.claim.person_id == me.person_id,
                          error="청구를 취소하려면 '이 청구를 취소할게요'에 표시한 뒤 다시 눌러 주세요.")  # fmt: skip
        with services.sessions.begin() as session:
            claims.move(session, services.master, with_family(session, me), claim_id=cid, to=to, reason="고객 요청",
                        idempotency_key=key, now=now())  # fmt: skip
        return redirect(f"/claims/{cid}")

    @pages.get("/claims/{cid}/visits/{vid}")
    def visit_page(request: Request, cid: RowId, vid: RowId, me: Me) -> Response:
        with services.sessions.begin() as session:
            detail = claims.claim_detail(session, services, me, cid, now())
            corrections = claims.visit_corrections(session, services.master, with_family(session, me), cid, vid)
        visit = next((v for v in detail.visits if v.id == vid), None)
        if visit is None:
            raise NotFound(f"claim {cid} has no visit {vid}")
        payouts = [p for p in (detail.figures.payouts if detail.figures else []) if p.event == f"e{vid}"]
        return render(request, "visit.html", detail=detail, visit=visit, payouts=payouts, corrections=corrections,
                      total=sum(p.amount for p in payouts))  # fmt: skip

    @pages.get("/people/{pid}/consent")
    def consent_page(request: Request, pid: RowId, me: Me) -> Response:
        with services.sessions.begin() as session:
            rows = person_service.consents(session, me, pid)
        return render(request, "consent.html", pid=pid, consents=rows, version=CONSENT_VERSION)

    @pages.post("/people/{pid}/consent/{purpose}", dependencies=[Csrf])
    def consent_change(request: Request, pid: RowId, purpose: consent.Purpose, me: Me,
                       action: Annotated[str, Form(pattern="^(grant|withdraw)$")]) -> Response:  # fmt: skip
        with services.sessions.begin() as session:
            if action == "grant":
                consent.grant(session, me, person_id=pid, purpose=purpose, version=CONSENT_VERSION, now=now())
            else:
                consent.withdraw(session, me, person_id=pid, purpose=purpose, now=now())
        return redirect(f"/people/{pid}/consent")

    @pages.get("/people/{pid}/withdrawal")
    def withdrawal_page(request: Request, pid: RowId, me: Me) -> Response:
        require_act(me, pid)
        with services.sessions.begin() as session:
            due = withdrawal.pending_due(session, pid)
        return render(request, "withdrawal.html", pid=pid, due_on=due, values={})

    @pages.post("/people/{pid}/withdrawal/cancel", dependencies=[Csrf])
    def withdrawal_cancel(request: Request, pid: RowId, me: Me) -> Response:
        with services.sessions.begin() as session:
            withdrawal.cancel(session, me, person_id=pid, now=now())
        request.state.withdrawal_due = None
        return redirect(f"/people/{pid}/withdrawal")

    @pages.post("/people/{pid}/withdrawal", dependencies=[Csrf])
    def withdrawal_request(
        request: Request, pid: RowId, me: Me, name: Annotated[str, Form(max_length=50)],
        birth_date: Annotated[str, Form(max_length=10)], phone: Annotated[str, Form(max_length=20)],
        confirm: Annotated[str | None, Form(max_length=10)] = None,
    ) -> Response:  # fmt: skip
        if me.person_id != pid:
            raise Forbidden("only the person themself asks to withdraw")
        values = {"name": name, "birth_date": birth_date, "phone": phone}
        try:
            if confirm != "yes":
                raise Invalid("탈퇴 내용을 확인했다는 항목에 표시해 주세요.", field="confirm")
            born = date.fromisoformat(birth_date)
            with services.sessions.begin() as session:
                due = withdrawal.request(session, services.master, person_id=pid, name=name, birth_date=born,
                                         phone=phone, now=now())  # fmt: skip
        except (ValueError, withdrawal.VerificationFailed) as exc:
            message = str(exc) if isinstance(exc, ValueError) and "탈퇴" in str(exc) else \
                "이름, 생년월일, 휴대폰 번호가 가입 정보와 맞지 않습니다."  # fmt: skip
            return render(request, "withdrawal.html", status=422, pid=pid, due_on=None, values=values, error=message)
        request.state.withdrawal_due = due
        return render(request, "withdrawal.html", pid=pid, due_on=due, values={}, done=True)

    return pages
