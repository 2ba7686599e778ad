"""Server-rendered Korean pages for customers, their family and the review center (htmx for the
few parts that update in place). Mobile first; every form works without JavaScript."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response

from silson.access import Actor
from silson.agents import pages as agent
from silson.assist import pages as assist_pages
from silson.auth import pages as auth
from silson.claims import review_pages as reviewer
from silson.claims import road_pages as claim_road
from silson.documentstore import pages as document_pages
from silson.privacy import pages as customer
from silson.relay import pages as relay_pages
from silson.web import messages
from silson.web.deps import Services
from silson.web.pages.common import SignInNeeded, kst, redirect, render


def router(
    services: Services, sign_in_budget: Callable[[Request], None], invite_budget: Callable[[Actor], None]
) -> APIRouter:
    pages = APIRouter(include_in_schema=False)
    pages.include_router(auth.router(services, sign_in_budget))
    pages.include_router(customer.router(services, invite_budget))
    pages.include_router(reviewer.router(services))
    pages.include_router(claim_road.router(services))
    pages.include_router(document_pages.router(services))
    pages.include_router(relay_pages.router(services))
    pages.include_router(assist_pages.router(services))
    pages.include_router(agent.router(services))
    return pages


ERROR_TITLE = {
    401: "다시 로그인해 주세요", 403: "볼 수 없는 페이지예요", 404: "페이지를 찾을 수 없어요",
    405: "할 수 없는 요청이에요", 409: "지금은 할 수 없어요", 410: "지워진 정보예요", 413: "파일이 너무 커요",
    422: "입력을 확인해 주세요", 429: "잠시 후 다시 시도해 주세요", 500: "일시적인 오류가 생겼어요",
}  # fmt: skip


def error_page(request: Request, status: int, code: str, message: str, field: str | None) -> Response:
    """The site's own page for a refusal or a failure, in Korean with the next step; the original
    (often English, technical) message is shown to staff only."""
    if status == 401:
        return redirect("/sign-in")
    shown, detail = messages.for_customer(status, code, message, field)
    if request.headers.get("hx-request") == "true":  # a part of a page failed: say so in place, not a page in a page
        fragment = render(request, "error_fragment.html", status=status, message=shown, field=messages.label(field))
        fragment.headers.update({"HX-Retarget": "#htmx-error", "HX-Reswap": "innerHTML"})
        return fragment
    return render(request, "error.html", status=status, title=ERROR_TITLE.get(status, "문제가 생겼어요"), code=code,
                  message=shown, field=messages.label(field), detail=detail, error_status=status,
                  now_kst=kst(datetime.now(UTC)))  # fmt: skip


async def sign_in_needed(request: Request, exc: Exception) -> Response:
    staff = isinstance(exc, SignInNeeded) and exc.staff
    return redirect("/staff/sign-in" if staff else "/sign-in")
