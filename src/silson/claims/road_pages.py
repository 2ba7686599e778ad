"""The claim road's pages: start claims from the estimate (pick provider-years, or everything still
claimable; refused items say why); the claim's documents, the visits a reviewer enters from them, the
release and the packages with their papers (PDF) and timers; asking the insurer now; the customer's
notifications and which of them they receive."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from silson.access import Actor, Forbidden
from silson.claims import checklist, events, follow, packages, release, repository, start
from silson.claims import service as claim_service
from silson.claims.endpoints import package_out
from silson.claims.insurers import config as insurers
from silson.documentstore import service as uploaded
from silson.domain.model import INSTITUTION_LABEL
from silson.errors import Invalid, NotFound
from silson.notifications import preferences
from silson.notifications import service as notify
from silson.privacy import people
from silson.relay import service as relay
from silson.web.deps import Services, with_family
from silson.web.pages.common import SignInNeeded, check_csrf, now, page_actor, redirect, render
from silson.web.schemas import RowId

Csrf = Depends(check_csrf)


def router(services: Services) -> APIRouter:
    pages = APIRouter()

    def customer(request: Request) -> Actor:
        return page_actor(services, request)

    Me = Annotated[Actor, Depends(customer)]

    def form(request: Request, me: Actor, pid: int, status: int = 200, error: str | None = None,
             reason: str = "") -> Response:  # fmt: skip
        with services.sessions.begin() as session:
            found = start.candidates(session, services.master, services.catalogue, services.directory, me,
                                     person_id=pid, reclaim_reason=reason or None, today=now().date(),
                                     now=now())  # fmt: skip
            name = people.read(session, services.master, Actor(me.role, person_id=pid), pid, now()).name
        open_ = [c for c in found if c.status != "refused"]
        shut = [c for c in found if c.status == "refused" and c.code != "nothing_owed"]
        return render(request, "claim_new.html", status=status, pid=pid, name=name, open_items=open_,
                      shut_items=shut, error=error, reason=reason)  # fmt: skip

    @pages.get("/people/{pid}/claims/new")
    def new_claim(request: Request, pid: RowId, me: Me) -> Response:
        return form(request, me, pid)

    @pages.post("/people/{pid}/claims/new", dependencies=[Csrf])
    async def open_claims(request: Request, pid: RowId, me: Me,
                          key: Annotated[str, Form(min_length=1, max_length=100)],
                          what: Annotated[str, Form(pattern="^(picked|everything)$")] = "picked",
                          reason: Annotated[str, Form(max_length=500)] = "") -> Response:  # fmt: skip
        picks = [int(v) for v in (await request.form()).getlist("py") if isinstance(v, str) and v.isdigit()]
        try:
            with services.sessions.begin() as session:
                done = start.start(session, services.master, services.catalogue, services.directory, me,
                                   person_id=pid, spending_ids=None if what == "everything" else picks,
                                   reclaim_reason=reason or None, idempotency_key=key, today=now().date(),
                                   now=now())  # fmt: skip
        except Forbidden:
            raise
        except ValueError as exc:
            message = str(exc).partition(": ")[2] if str(exc).startswith("provider_years") else str(exc)
            if what == "picked" and not picks:
                message = "청구할 항목을 하나 이상 골라 주세요."
            return form(request, me, pid, status=409 if isinstance(exc, start.NothingToClaim) else 422,
                        error=message, reason=reason)  # fmt: skip
        if len(done.claims) == 1:
            return redirect(f"/claims/{done.claims[0]}")
        return redirect(f"/people/{pid}/claims")

    @pages.get("/people/{pid}/notifications")
    def my_notifications(request: Request, pid: RowId, me: Me) -> Response:
        with services.sessions.begin() as session:
            rows = [(r.at, r.text, r.action_label, r.action_url)
                    for r in notify.of_person(session, with_family(session, me), person_id=pid)]  # fmt: skip
        return render(request, "notifications.html", pid=pid, rows=rows)

    def settings(request: Request, me: Actor, pid: int, saved: bool = False) -> Response:
        with services.sessions.begin() as session:
            chosen = preferences.of_person(session, with_family(session, me), person_id=pid)
        topics = [(t, label, chosen[t]) for t, (label, _kinds) in preferences.TOPICS.items()]
        return render(request, "notification_settings.html", pid=pid, topics=topics, saved=saved,
                      own=me.person_id == pid)  # fmt: skip

    @pages.get("/people/{pid}/notifications/settings")
    def notification_settings(request: Request, pid: RowId, me: Me) -> Response:
        return settings(request, me, pid)

    @pages.post("/people/{pid}/notifications/settings", dependencies=[Csrf])
    async def choose_notifications(request: Request, pid: RowId, me: Me) -> Response:
        form = await request.form()
        on = {v for v in form.getlist("topic") if isinstance(v, str)}
        with services.sessions.begin() as session:
            preferences.choose(session, me, person_id=pid, enabled={t: t in on for t in preferences.TOPICS}, now=now())
        return settings(request, me, pid, saved=True)

    @pages.get("/claims/{cid}/packages/{pkg}/{code}.pdf")
    def package_paper(request: Request, cid: RowId, pkg: RowId, code: str) -> Response:
        """One paper of a package as it went to the insurer (the customer's own claims, or staff)."""
        try:
            me = page_actor(services, request)
        except SignInNeeded:
            me = page_actor(services, request, staff=True)
        with services.sessions.begin() as session:
            claim_service.claim_of(session, me, cid)
            row = next((p for p in repository.packages_of(session, cid) if p.id == pkg), None)
            if row is None:
                raise NotFound(f"청구 #{cid}에 묶음 #{pkg}이(가) 없어요.")
            pdf = packages.pdf_of(packages.content_of(session, services.master, row), code)
        return Response(pdf, media_type="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="claim-{cid}-{code}.pdf"',
                                 "Cache-Control": "no-store"})  # fmt: skip

    def staff(request: Request) -> Actor:
        return page_actor(services, request, staff=True)

    Staff = Annotated[Actor, Depends(staff)]

    def documents(request: Request, me: Actor, cid: int, *, as_staff: bool, status: int = 200,
                  error: str | None = None) -> Response:  # fmt: skip
        with services.sessions.begin() as session:
            claim = claim_service.claim_out(claim_service.claim_of(session, me, cid))
            rows = checklist.checklist(session, services.master, services.directory, with_family(session, me),
                                       claim_id=cid, now=now())  # fmt: skip
            sent = [package_out(session, services.master, p) for p in repository.packages_of(session, cid)]
            failed = [package_out(session, services.master, p) for p in release.staff_list(session, me)
                      ] if as_staff else []  # fmt: skip
            uploads = uploaded.of_claim(session, with_family(session, me), claim_id=cid)
            visits = len(events.of_claim(session, services.master, with_family(session, me), cid)) if as_staff else 0
            # each item names its visit as a person reads it (the place and days), never its ref
            _row, plans = relay.routes(session, services.master, services.directory, with_family(session, me),
                                       claim_id=cid, now=now())  # fmt: skip
            labels = {p.subject.ref: f"{p.subject.place} · {p.subject.days}" for p in plans}
        table = checklist.load_table()
        items = [(r, table.name(r.code)) for r in rows]
        left = sum(1 for r in rows if r.state == "needed")
        return render(request, "claim_documents.html", status=status, claim=claim, items=items, left=left,
                      staff=as_staff, error=error, packages=sent, failed=failed, uploads=uploads, visits=visits,
                      labels=labels,
                      INSTITUTION_CHOICES=[(k.value, label) for k, label in INSTITUTION_LABEL.items()])  # fmt: skip

    @pages.get("/claims/{cid}/documents")
    def my_documents(request: Request, cid: RowId, me: Me) -> Response:
        return documents(request, me, cid, as_staff=False)

    @pages.get("/review/claims/{cid}/documents")
    def review_documents(request: Request, cid: RowId, me: Staff) -> Response:
        return documents(request, me, cid, as_staff=True)

    @pages.post("/review/claims/{cid}/documents/{did}", dependencies=[Csrf])
    def mark_document(request: Request, cid: RowId, did: RowId, me: Staff,
                      state: Annotated[checklist.DocState, Form()],
                      reason: Annotated[str, Form(max_length=500)] = "") -> Response:  # fmt: skip
        try:
            with services.sessions.begin() as session:
                claim_service.claim_of(session, me, cid)
                checklist.mark(session, services.master, me, document_id=did, state=state, reason=reason, now=now())
        except ValueError as exc:
            return documents(request, me, cid, as_staff=True, status=422, error=str(exc).partition(": ")[2])
        return redirect(f"/review/claims/{cid}/documents")

    @pages.post("/review/claims/{cid}/release", dependencies=[Csrf])
    def release_claim(request: Request, cid: RowId, me: Staff,
                      key: Annotated[str, Form(min_length=1, max_length=100)]) -> Response:  # fmt: skip
        try:
            with services.sessions.begin() as session:
                claim_service.claim_of(session, me, cid)
                release.release(session, services.master, services.directory, me, claim_id=cid, idempotency_key=key,
                                now=now())  # fmt: skip
        except Forbidden:
            raise
        except ValueError as exc:
            return documents(request, me, cid, as_staff=True, status=getattr(exc, "http_status", 422), error=str(exc))
        return redirect(f"/review/claims/{cid}/documents")

    @pages.post("/review/packages/{pid}/resend", dependencies=[Csrf])
    def resend_package(request: Request, pid: RowId, me: Staff) -> Response:
        with services.sessions.begin() as session:
            row = release.resend(session, me, package_id=pid, now=now())
        return redirect(f"/review/claims/{row.claim_id}/documents")

    @pages.post("/review/claims/{cid}/visits", dependencies=[Csrf])
    def add_visit(
        request: Request, cid: RowId, me: Staff, day: Annotated[date, Form()],
        kind: Annotated[str, Form(pattern="^(outpatient|inpatient|prescription)$")],
        institution_kind: Annotated[str, Form(max_length=40)], institution_name: Annotated[str, Form(max_length=100)],
        cause: Annotated[str, Form(pattern="^(disease|injury)$")] = "disease",
        kcd: Annotated[str, Form(max_length=20)] = "", covered_copay: Annotated[str, Form(max_length=15)] = "0",
        covered_full: Annotated[str, Form(max_length=15)] = "0", noncovered: Annotated[str, Form(max_length=15)] = "0",
        discharge: Annotated[date | None, Form()] = None,
    ) -> Response:  # fmt: skip
        """A reviewer enters a visit from its receipt: a claim opened from the estimate has provider-years
        only (the tax data's totals), and the insurer needs each visit."""
        try:
            if institution_kind not in {k.value for k in INSTITUTION_LABEL}:
                raise Invalid(field="institution_kind", message=f"알 수 없는 기관 종류예요 ({institution_kind}).")
            amounts = {}
            for field, text in (("covered_copay", covered_copay), ("covered_full", covered_full),
                                ("noncovered", noncovered)):  # fmt: skip
                digits = text.replace(",", "").strip() or "0"
                if not digits.isdigit():
                    raise Invalid(field=field, message=f"금액은 0 이상의 원 단위 숫자로 적어 주세요 ({text!r})")
                amounts[field] = int(digits)
            event = {"kind": kind, "date": day.isoformat(), "cause": cause,
                     "institution": {"kind": institution_kind, "name": institution_name.strip()},
                     "kcd": [kcd.strip().upper()] if kcd.strip() else [], **amounts}  # fmt: skip
            if discharge is not None:
                event["discharge"] = discharge.isoformat()
            with services.sessions.begin() as session:
                claim_service.claim_of(session, me, cid)
                events.add(session, services.master, me, claim_id=cid, event=event, now=now())
        except ValueError as exc:
            return documents(request, me, cid, as_staff=True, status=422, error=str(exc))
        return redirect(f"/review/claims/{cid}/documents")

    @pages.post("/review/claims/{cid}/follow", dependencies=[Csrf])
    def follow_now(request: Request, cid: RowId, me: Staff) -> Response:
        """Ask the insurer now about this claim's packages (the worker asks every 15 minutes anyway)."""
        with services.sessions.begin() as session:
            claim_service.claim_of(session, me, cid)
            follow.poll(session, services.master, services.catalogue, port_for=insurers.from_env(), now=now(),
                        claim_id=cid)  # fmt: skip
        return redirect(f"/review/claims/{cid}/documents")

    return pages
