"""Documents on the claim road (issue 17): the customer uploads photos, PDFs and e-documents to a
claim and watches them being read; the review center's console shows a document's image beside its
fields, the doubtful ones marked, takes corrections and confirmations with their reason, and puts the
document on a visit of the claim (the engine's figures follow at once).

An upload is parsed in memory (never spooled to disk in clear), within a total limit, and its CSRF
token is checked from the parsed form (the common check would read the body a second time)."""

import hmac
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from python_multipart.multipart import FormParser, parse_options_header
from starlette.concurrency import run_in_threadpool

from silson.access import Actor
from silson.claims import service as claim_service
from silson.documents.intake import MAX_FILE_BYTES
from silson.documentstore import fields, service
from silson.domain.model import INSTITUTION_LABEL
from silson.errors import Invalid, SilsonError
from silson.web.deps import Services, with_family
from silson.web.pages import common
from silson.web.pages.common import CSRF_COOKIE, CsrfRefused, check_csrf, env, now, page_actor, redirect, render
from silson.web.schemas import RowId
from silson.web.upload import TooLarge

Csrf = Depends(check_csrf)
UPLOAD_LIMIT = 60 * 1024 * 1024  # one upload in all: a handful of phone photos (3–8 MB each) or scans
SLACK = 64 * 1024
KST = ZoneInfo("Asia/Seoul")
ACCEPT = "image/*,application/pdf,application/json,.json,.pdf,.jpg,.jpeg,.png,.tif,.tiff"
STATE_TEXT = {"queued": "읽는 중", "read": "읽음", "failed": "읽지 못함", "set_aside": "제외됨"}
KIND_TEXT = {"hospital_receipt": "진료비 영수증", "pharmacy_receipt": "약제비 영수증",
             "itemised_bill": "세부산정내역서", "prescription": "처방전", "certificate": "진단서·확인서",
             "unknown": "알 수 없는 서류"}  # fmt: skip
NEEDS_TEXT = {"kcd": "질병분류기호(KCD)", "days": "입원 일수", "discharge": "퇴원일"}
INSTITUTION_CHOICES = [(k.value, label) for k, label in INSTITUTION_LABEL.items()]
_REFUSAL_TEXT = (
    ("unknown file type", "사진(JPEG·PNG·TIFF), PDF, 전자서류(JSON)만 올릴 수 있어요."),
    ("megapixel", "사진이 너무 커요. 휴대폰 카메라의 기본 화질로 다시 찍어 주세요."),
    ("page limit", "쪽수가 너무 많아요. 영수증 쪽만 올려 주세요."),
    ("polyglot", "다른 파일이 숨어 있는 파일이라 받을 수 없어요. 영수증만 따로 저장해 올려 주세요."),
    ("active content", "스크립트가 든 PDF는 받을 수 없어요."),
    ("MB limit", "파일이 너무 커요 (최대 50MB)."),
    ("e-document", "전자서류 형식이 맞지 않아요."),
    ("not a readable", "열 수 없는 파일이에요 (깨졌거나 형식이 달라요)."),
    ("empty", "빈 파일이에요."),
)


def kst_time(at: datetime) -> str:
    """An instant as the customer's clock shows it (KST).

    >>> kst_time(datetime(2026, 11, 23, 15, 30, tzinfo=UTC))
    '2026-11-24 00:30'
    """
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(KST).strftime("%Y-%m-%d %H:%M")


env.filters["kst_time"] = kst_time
#: the document store's audit actions, in the claim's audit trail as the review center reads it
AUDIT_TEXT = {"document.uploaded": "서류 올림", "document.read": "서류 읽음", "document.unreadable": "서류 읽지 못함",
              "document.viewed": "서류 이미지 열람", "document.field_corrected": "서류 값 고침",
              "document.field_confirmed": "서류 값 확인", "document.attached": "서류를 진료에 반영",
              "document.set_aside": "서류 제외"}  # fmt: skip
for _action, _text in AUDIT_TEXT.items():  # the common table (pages/common.py), where it has one
    getattr(common, "AUDIT_LABEL", {}).setdefault(_action, _text)
DETAIL_TEXT = {"document": "서류", "field": "항목"}
for _key, _text in DETAIL_TEXT.items():
    getattr(common, "DETAIL_LABEL", {}).setdefault(_key, _text)
env.filters["needs_label"] = lambda need: NEEDS_TEXT.get(need, need)
env.globals.update(DOC_STATE_TEXT=STATE_TEXT, DOC_KIND_TEXT=KIND_TEXT, UPLOAD_ACCEPT=ACCEPT)


def refusal_text(message: str) -> str:
    """A refusal from the reader's intake, for the customer: Korean first, the exact reason kept.

    >>> refusal_text("evil.bin: unknown file type (expected PNG, …)")
    'evil.bin: 사진(JPEG·PNG·TIFF), PDF, 전자서류(JSON)만 올릴 수 있어요. (unknown file type (expected PNG, …))'
    """
    name, _sep, why = message.partition(": ")
    for marker, text in _REFUSAL_TEXT:
        if marker in why:
            return f"{name}: {text} ({why})"
    return message


def _parse(content_type: str, body: bytes) -> tuple[dict[str, str], list[tuple[str, bytes]]]:
    """The form's fields and its files (field `files`, several), all in memory."""
    if not content_type.startswith("multipart/form-data"):
        raise Invalid("multipart/form-data로 보내 주세요.", field="files")
    _kind, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if not boundary:
        raise Invalid("multipart 경계(boundary)가 없어요.", field="files")
    found: dict[str, str] = {}
    files: list[tuple[str, bytes]] = []

    def on_field(item: Any) -> None:
        if item.field_name is not None:
            found[item.field_name.decode()] = (item.value or b"").decode("utf-8", "replace")

    def on_file(item: Any) -> None:
        item.file_object.seek(0)
        content = item.file_object.read()
        name = (item.file_name or b"").decode("utf-8", "replace")[:100] or "파일"
        if item.field_name == b"files" and (content or name != "파일"):
            files.append((name, content))

    config = {"MAX_MEMORY_FILE_SIZE": UPLOAD_LIMIT + SLACK, "MAX_BODY_SIZE": UPLOAD_LIMIT + SLACK}
    parser = FormParser("multipart/form-data", on_field, on_file, boundary=boundary, config=config)
    try:
        parser.write(body)
        parser.finalize()
    except Exception:  # python_multipart raises its own errors and ValueError on a broken body
        raise Invalid("올린 내용을 읽을 수 없어요. 다시 올려 주세요.", field="files") from None
    for name, content in files:
        if len(content) > MAX_FILE_BYTES:
            raise TooLarge(f"files: {name}이(가) {MAX_FILE_BYTES // 1_000_000}MB를 넘어요.")
    return found, files


async def read_files(request: Request) -> tuple[dict[str, str], list[tuple[str, bytes]]]:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > UPLOAD_LIMIT + SLACK:
        raise TooLarge(f"files: 한 번에 {UPLOAD_LIMIT // (1024 * 1024)}MB까지 올릴 수 있어요.")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > UPLOAD_LIMIT + SLACK:
            raise TooLarge(f"files: 한 번에 {UPLOAD_LIMIT // (1024 * 1024)}MB까지 올릴 수 있어요.")
    return await run_in_threadpool(_parse, request.headers.get("content-type", ""), bytes(body))


def check_form_csrf(request: Request, found: dict[str, str]) -> None:
    """check_csrf for a body parsed here: same-site origin, and the cookie's token sent back."""
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.url.netloc:
        raise CsrfRefused("this form was sent from another site")
    expected = request.cookies.get(CSRF_COOKIE)
    sent = request.headers.get("x-csrf-token") or found.get("csrf")
    if not expected or not sent or not hmac.compare_digest(expected, sent):
        raise CsrfRefused("the form has expired: reload the page and try again")


def router(services: Services) -> APIRouter:
    pages = APIRouter()

    def customer(request: Request) -> Actor:
        return page_actor(services, request)

    def staff(request: Request) -> Actor:
        return page_actor(services, request, staff=True)

    Me = Annotated[Actor, Depends(customer)]
    Staff = Annotated[Actor, Depends(staff)]

    def uploads(request: Request, me: Actor, cid: int, *, as_staff: bool) -> Response:
        with services.sessions.begin() as session:
            claim = claim_service.claim_of(session, me, cid)
            rows = service.of_claim(session, with_family(session, me), claim_id=cid)
        own = me.person_id == claim.person_id and not as_staff  # a family viewer sees the list, not the papers
        return render(request, "document_list.html", claim_id=claim.id, uploads=rows, staff=as_staff, own=own)

    @pages.get("/claims/{cid}/uploads")
    def my_uploads(request: Request, cid: RowId, me: Me) -> Response:
        return uploads(request, me, cid, as_staff=False)

    @pages.get("/claims/{cid}/documents/{did}/image")
    def my_document_image(cid: RowId, did: RowId, me: Me) -> Response:
        with services.sessions.begin() as session:
            content, media = service.own_image(session, services.master, me, claim_id=cid, document_id=did, now=now())
        return Response(content, media_type=media, headers={"Content-Disposition": "inline"})

    @pages.get("/review/claims/{cid}/uploads")
    def claim_uploads(request: Request, cid: RowId, me: Staff) -> Response:
        return uploads(request, me, cid, as_staff=True)

    @pages.post("/claims/{cid}/documents/upload")
    async def upload(request: Request, cid: RowId, me: Me) -> Response:
        return await take(request, me, cid, back=f"/claims/{cid}/documents", action=f"/claims/{cid}/documents/upload")

    @pages.post("/review/claims/{cid}/uploads")
    async def staff_upload(request: Request, cid: RowId, me: Staff) -> Response:
        """The review center files what came by post, fax or an agent's scan."""
        return await take(
            request, me, cid, back=f"/review/claims/{cid}/documents", action=f"/review/claims/{cid}/uploads"
        )

    async def take(request: Request, me: Actor, cid: int, *, back: str, action: str) -> Response:
        found, files = await read_files(request)
        check_form_csrf(request, found)

        def store() -> list[service.Uploaded]:  # file checks, sealing and the database: off the event loop
            with services.sessions.begin() as session:
                claim_service.claim_of(session, me, cid)
                return service.upload(session, services.master, me, claim_id=cid, files=files, now=now())

        try:
            done = await run_in_threadpool(store)
        except SilsonError as exc:
            if exc.http_status in (403, 404):
                raise
            message = refusal_text(str(exc)) if exc.code.startswith("document") else str(exc).partition(": ")[2]
            return render(request, "document_upload.html", status=exc.http_status, claim_id=cid,
                          error=message or str(exc), accept=ACCEPT, action=action,
                          back=back)  # fmt: skip
        new = sum(1 for d in done if not d.duplicate)
        again = len(done) - new
        return redirect(f"{back}?uploaded={new}&again={again}#uploads")

    def show(request: Request, me: Actor, did: int, status: int = 200, error: str | None = None) -> Response:
        with services.sessions.begin() as session:
            view = service.console(session, services.master, services.directory, me, document_id=did,
                                   catalogue=services.catalogue, now=now())  # fmt: skip
        return render(request, "document_review.html", status=status, view=view, error=error, shown=fields.shown,
                      label_of=fields.label_of,
                      institutions=INSTITUTION_CHOICES, visit_kinds=fields.VISIT_KINDS,
                      causes=service.CAUSES)  # fmt: skip

    @pages.get("/review/documents/{did}")
    def console(request: Request, did: RowId, me: Staff) -> Response:
        return show(request, me, did)

    def back(request: Request, me: Actor, did: int, exc: SilsonError) -> Response:
        if exc.http_status in (403, 404):
            raise exc
        message = str(exc)
        if exc.field and message.startswith(f"{exc.field}: "):
            message = message[len(exc.field) + 2 :]
        return show(request, me, did, status=exc.http_status, error=message)

    @pages.get("/review/documents/{did}/image")
    def document_image(did: RowId, me: Staff) -> Response:
        with services.sessions.begin() as session:
            content, media = service.image(session, services.master, me, document_id=did, now=now())
        return Response(content, media_type=media, headers={"Content-Disposition": "inline"})

    @pages.post("/review/documents/{did}/fields", dependencies=[Csrf])
    def review_field(
        request: Request, did: RowId, me: Staff, field: Annotated[str, Form(max_length=60)],
        action: Annotated[str, Form(pattern="^(confirm|correct)$")], value: Annotated[str, Form(max_length=200)] = "",
        reason: Annotated[str, Form(max_length=500)] = "",
    ) -> Response:  # fmt: skip
        try:
            with services.sessions.begin() as session:
                service.review_field(session, services.master, services.directory, me, document_id=did, path=field,
                                     value=None if action == "confirm" else value, reason=reason,
                                     now=now())  # fmt: skip
        except SilsonError as exc:
            return back(request, me, did, exc)
        return redirect(f"/review/documents/{did}#f-{field.replace('.', '-')}")

    @pages.post("/review/documents/{did}/attach", dependencies=[Csrf])
    def attach(
        request: Request, did: RowId, me: Staff, visit: Annotated[str, Form(pattern="^(new|[0-9]{1,9})$")],
        cause: Annotated[str, Form(pattern="^(disease|injury)$")] = "disease",
    ) -> Response:  # fmt: skip
        try:
            with services.sessions.begin() as session:
                service.attach(session, services.master, services.directory, me, document_id=did,
                               event_id=None if visit == "new" else int(visit), cause=cause, now=now())  # fmt: skip
        except SilsonError as exc:
            return back(request, me, did, exc)
        return redirect(f"/review/documents/{did}#claim-figures")

    @pages.post("/review/documents/{did}/set-aside", dependencies=[Csrf])
    def set_aside(
        request: Request, did: RowId, me: Staff, reason: Annotated[str, Form(max_length=500)] = ""
    ) -> Response:
        try:
            with services.sessions.begin() as session:
                service.set_aside(session, me, document_id=did, reason=reason, now=now())
        except SilsonError as exc:
            return back(request, me, did, exc)
        return redirect(f"/review/documents/{did}")

    return pages
