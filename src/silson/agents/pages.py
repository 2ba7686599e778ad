"""Field-agent pages (현장 대리인, phone-sized): the agent's tasks by area and institution, one task with
only what the trip needs (the person's name, the visit dates, the documents, the signed papers),
check-in, photos read by a job (the document shows "읽는 중" until it is done), fees against the cap;
the person's page to sign or withdraw a 위임; and the review center's view of every task with its state
and cost.

Every agent request first records the stop of any task whose 위임장 ended (`service.sweep`, its own
transaction), so a stopped task is never served."""

import base64
import binascii
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response

from silson.access import OFFICE, Actor, Role
from silson.agents import fees, photos, service
from silson.agents.service import TaskState, TaskStopped
from silson.errors import Invalid
from silson.web.deps import Services
from silson.web.pages.common import (
    SignInNeeded,
    check_csrf,
    now,
    page_actor,
    redirect,
    render,
    role_actor,
)
from silson.web.schemas import RowId

Csrf = Depends(check_csrf)
MAX_PHOTO = 20 * 1024 * 1024

TASK_STATE_LABEL = {
    TaskState.WAITING_SIGNATURE: "서명 대기", TaskState.ASSIGNED: "배정됨", TaskState.CHECKED_IN: "기관 도착",
    TaskState.COLLECTED: "서류 수령", TaskState.DONE: "완료", TaskState.STOPPED: "중단",
}  # fmt: skip
READ_KIND_LABEL = {
    "hospital_receipt": "진료비 계산서·영수증", "pharmacy_receipt": "약제비 계산서·영수증",
    "itemised_bill": "진료비 세부산정내역", "prescription": "처방전", "certificate": "진단서·확인서",
    "unknown": "알 수 없는 서류",
}  # fmt: skip
PAPERS = {"consent": ("동의서.pdf", "application/pdf"), "poa": ("위임장.pdf", "application/pdf")}


def _labels() -> dict[str, Any]:
    return {"TASK_STATE_LABEL": {s.value: label for s, label in TASK_STATE_LABEL.items()},
            "READ_KIND_LABEL": READ_KIND_LABEL, "FEE_ITEMS": fees.load().items}  # fmt: skip


def router(services: Services) -> APIRouter:
    pages = APIRouter()

    def agent(request: Request) -> Actor:
        actor = role_actor(services, request, Role.FIELD_AGENT)
        with services.sessions.begin() as session:  # a stop is recorded before anything is served
            service.sweep(session, now(), agent_id=actor.staff_id)
        return actor

    def office(request: Request) -> Actor:
        actor = page_actor(services, request, staff=True)
        if actor.role not in OFFICE:
            raise SignInNeeded(staff=True)
        return actor

    def customer(request: Request) -> Actor:
        return page_actor(services, request)

    Agent = Annotated[Actor, Depends(agent)]
    Office = Annotated[Actor, Depends(office)]
    Me = Annotated[Actor, Depends(customer)]

    # ------------------------------------------------------------------------------------ agent

    def task_page(request: Request, me: Actor, tid: int, status: int = 200, error: str | None = None) -> Response:
        try:
            with services.sessions.begin() as session:
                view = service.agent_task(session, services.master, me, task_id=tid, now=now())
        except TaskStopped as exc:
            return _private(render(request, "agent_stopped.html", status=410, task_id=tid, reason=str(exc)))
        return _private(render(request, "agent_task.html", status=status, task=view, error=error, **_labels()))

    @pages.get("/agent")
    def agent_home(request: Request, me: Agent) -> Response:
        with services.sessions.begin() as session:
            grouped, stopped = service.agent_tasks(session, services.master, me, now())
        return _private(render(request, "agent_home.html", grouped=grouped, stopped=stopped, **_labels()))

    @pages.get("/agent/tasks/{tid}")
    def agent_task(request: Request, tid: RowId, me: Agent) -> Response:
        return task_page(request, me, tid)

    @pages.get("/agent/tasks/{tid}/documents/{did}")
    def agent_document(request: Request, tid: RowId, did: RowId, me: Agent) -> Response:
        """One document's state, polled while its photo is being read (htmx swaps it in place)."""
        with services.sessions.begin() as session:
            view = service.agent_task(session, services.master, me, task_id=tid, now=now())
        found = [d for d in view.documents if d.id == did]
        if not found:
            return task_page(request, me, tid, status=404, error=f"서류 #{did}을(를) 찾을 수 없습니다.")
        return _private(render(request, "agent_document_status.html", task=view, d=found[0], polled=True,
                               **_labels()))  # fmt: skip

    @pages.get("/agent/tasks/{tid}/papers/{which}")
    def agent_paper(request: Request, tid: RowId, which: str, me: Agent) -> Response:
        return paper(tid, which, me)

    def paper(tid: int, which: str, me: Actor) -> Response:
        with services.sessions.begin() as session:
            data = service.paper(session, services.master, me, task_id=tid, which=which, now=now())
        if which == "id_copy":
            media = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
            return Response(data, media_type=media, headers={"Cache-Control": "no-store"})
        name, media = PAPERS[which]
        return Response(data, media_type=media, headers={"Cache-Control": "no-store",
                        "Content-Disposition": f"inline; filename*=UTF-8''{_quote(name)}"})  # fmt: skip

    @pages.post("/agent/tasks/{tid}/check-in", dependencies=[Csrf])
    def check_in(request: Request, tid: RowId, me: Agent, place: Annotated[str, Form(max_length=200)]) -> Response:
        try:
            with services.sessions.begin() as session:
                service.check_in(session, services.master, me, task_id=tid, place=place, now=now())
        except Invalid as exc:
            return task_page(request, me, tid, status=422, error=str(exc))
        return redirect(f"/agent/tasks/{tid}")

    @pages.post("/agent/tasks/{tid}/documents/{did}/fee", dependencies=[Csrf])
    def fee(
        request: Request, tid: RowId, did: RowId, me: Agent, item: Annotated[str, Form(max_length=40)],
        amount: Annotated[str, Form(max_length=12)], pages: Annotated[int, Form(ge=1, le=10_000)] = 1,
    ) -> Response:  # fmt: skip
        try:
            digits = amount.replace(",", "").replace("원", "").strip()
            if not digits.isdigit():
                raise Invalid("원 단위 숫자로 적어 주세요", field="amount")
            with services.sessions.begin() as session:
                service.record_fee(session, me, task_id=tid, document_id=did, item=item, pages=pages,
                                   amount=int(digits), now=now())  # fmt: skip
        except Invalid as exc:
            return task_page(request, me, tid, status=422, error=str(exc))
        return redirect(f"/agent/tasks/{tid}#doc-{did}")

    @pages.post("/agent/tasks/{tid}/documents/{did}/photo", dependencies=[Csrf])
    def photo(request: Request, tid: RowId, did: RowId, me: Agent, file: Annotated[UploadFile, File()]) -> Response:
        """The photo is stored and queued to be read (4–7 s of OCR: a job, not this request); the task
        page then shows it being read and, when the job is done, what the reader found."""
        data = file.file.read(MAX_PHOTO + 1)
        try:
            if len(data) > MAX_PHOTO:
                raise Invalid(f"{MAX_PHOTO // (1024 * 1024)} MB 이하의 사진이어야 합니다", field="file")
            with services.sessions.begin() as session:
                photos.take(session, services.master, me, task_id=tid, document_id=did, photo=data, now=now())
        except Invalid as exc:
            return task_page(request, me, tid, status=422, error=str(exc))
        return redirect(f"/agent/tasks/{tid}#doc-{did}")

    @pages.post("/agent/tasks/{tid}/done", dependencies=[Csrf])
    def done(request: Request, tid: RowId, me: Agent) -> Response:
        with services.sessions.begin() as session:
            service.finish(session, me, task_id=tid, now=now())
        return redirect("/agent")

    # ---------------------------------------------------------------------------------- person

    @pages.get("/people/{pid}/agent-tasks")
    def person_tasks(request: Request, pid: RowId, me: Me) -> Response:
        with services.sessions.begin() as session:
            tasks = service.person_tasks(session, services.master, me, person_id=pid, today=now().date())
        return render(request, "agent_person_tasks.html", pid=pid, tasks=tasks, **_labels())

    @pages.get("/people/{pid}/agent-tasks/{tid}/sign")
    def sign_form(request: Request, pid: RowId, tid: RowId, me: Me, error: str | None = None) -> Response:
        return sign_page(request, pid, tid, me)

    def sign_page(request: Request, pid: int, tid: int, me: Actor, status: int = 200,
                  error: str | None = None) -> Response:  # fmt: skip
        with services.sessions.begin() as session:
            mine = service.person_tasks(session, services.master, me, person_id=pid, today=now().date())
        tasks = [t for t in mine if t.id == tid]
        if not tasks:
            return render(request, "error.html", status=404, title="찾을 수 없어요", code="not_found",
                          message=f"작업 #{tid}을(를) 찾을 수 없습니다.", field=None)  # fmt: skip
        return render(request, "agent_sign.html", status=status, pid=pid, task=tasks[0], error=error, **_labels())

    @pages.post("/people/{pid}/agent-tasks/{tid}/sign", dependencies=[Csrf])
    def sign(
        request: Request, pid: RowId, tid: RowId, me: Me, id_copy: Annotated[UploadFile, File()],
        signature: Annotated[str, Form(max_length=2_000_000)] = "",
    ) -> Response:  # fmt: skip
        try:
            png = _data_url_png(signature)
            card = id_copy.file.read(service.MAX_ID_BYTES + 1)
            with services.sessions.begin() as session:
                service.sign(session, services.master, me, task_id=tid, signature_png=png, id_copy=card, now=now())
        except Invalid as exc:
            return sign_page(request, pid, tid, me, status=422, error=str(exc))
        return redirect(f"/people/{pid}/agent-tasks")

    @pages.post("/people/{pid}/agent-tasks/{tid}/revoke", dependencies=[Csrf])
    def revoke(request: Request, pid: RowId, tid: RowId, me: Me) -> Response:
        with services.sessions.begin() as session:
            service.revoke(session, me, task_id=tid, now=now())
        return redirect(f"/people/{pid}/agent-tasks")

    # ---------------------------------------------------------------------------------- staff

    def staff_page(request: Request, me: Actor, status: int = 200, error: str | None = None) -> Response:
        with services.sessions.begin() as session:
            service.sweep(session, now())
        with services.sessions.begin() as session:
            tasks = service.staff_tasks(session, services.master, me, now=now())
            agents = service.agents(session)
        grouped: dict[str, dict[str, list[service.StaffTask]]] = {}
        for t in tasks:
            grouped.setdefault(t.area, {}).setdefault(t.institution, []).append(t)
        return render(request, "staff_tasks.html", status=status, grouped=grouped, tasks=tasks, agents=agents,
                      error=error, total=sum(t.cost for t in tasks), agent_names={a.staff_id: a.name for a in agents},
                      **_labels())  # fmt: skip

    @pages.get("/staff/tasks")
    def staff_tasks(request: Request, me: Office) -> Response:
        return staff_page(request, me)

    @pages.post("/staff/tasks/from-claim", dependencies=[Csrf])
    def from_claim(
        request: Request, me: Office, claim_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
        agent_id: Annotated[str, Form(max_length=100)], area: Annotated[str, Form(max_length=50)] = "",
    ) -> Response:  # fmt: skip
        try:
            with services.sessions.begin() as session:
                made = service.from_checklist(session, services.master, me, claim_id=claim_id, agent_id=agent_id,
                                              now=now(), default_area=area)  # fmt: skip
            if not made:
                raise Invalid("현장 대리인이 받아 올 서류가 없습니다", field="claim_id")
        except Invalid as exc:
            return staff_page(request, me, status=422, error=str(exc))
        return redirect("/staff/tasks")

    @pages.post("/staff/agents", dependencies=[Csrf])
    def register(
        request: Request, me: Office, staff_id: Annotated[str, Form(max_length=100)],
        name: Annotated[str, Form(max_length=50)], birth_date: Annotated[str, Form(max_length=10)],
        phone: Annotated[str, Form(max_length=20)], areas: Annotated[str, Form(max_length=200)] = "",
    ) -> Response:  # fmt: skip
        try:
            try:
                born = date.fromisoformat(birth_date)
            except ValueError:
                raise Invalid("YYYY-MM-DD로 적어 주세요", field="birth_date") from None
            with services.sessions.begin() as session:
                service.register_agent(session, me, staff_id=staff_id.strip(), name=name, birth_date=born,
                                       phone=phone, areas=areas, now=now())  # fmt: skip
        except Invalid as exc:
            return staff_page(request, me, status=422, error=str(exc))
        return redirect("/staff/tasks")

    @pages.post("/staff/tasks/{tid}/assign", dependencies=[Csrf])
    def assign(request: Request, tid: RowId, me: Office, agent_id: Annotated[str, Form(max_length=100)]) -> Response:
        with services.sessions.begin() as session:
            service.assign(session, me, task_id=tid, agent_id=agent_id, now=now())
        return redirect("/staff/tasks")

    @pages.get("/staff/tasks/{tid}/papers/{which}")
    def staff_paper(request: Request, tid: RowId, which: str, me: Office) -> Response:
        return paper(tid, which, me)

    return pages


def _private(response: Response) -> Response:
    """A page naming a person is kept by no cache, the agent's phone's included: once the task stops,
    going back shows nothing of it."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


def _data_url_png(value: str) -> bytes:
    prefix = "data:image/png;base64,"
    if not value.startswith(prefix):
        raise Invalid("서명을 그려 주세요", field="signature")
    try:
        return base64.b64decode(value[len(prefix) :], validate=True)
    except (binascii.Error, ValueError):
        raise Invalid("서명 그림을 읽을 수 없습니다", field="signature") from None
