"""What every page shares: templates, the session cookie, CSRF, and who is signed in.

The session is the API's signed token in an HttpOnly, SameSite=Lax cookie. CSRF: a random token in
its own cookie that every form (and htmx, through a header) sends back; a POST whose token does not
match, or whose Origin is another site, is refused before anything runs."""

from __future__ import annotations

import hmac
import json
import re
import secrets
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from silson.access import OFFICE, Actor, Role
from silson.assist.models import DisplayPreferenceRow
from silson.auth import tokens
from silson.cases.result import COVERAGE_LABEL
from silson.claims.lifecycle import State
from silson.discover.report import KIND_LABEL, ROUTE_LABEL, STATUS_LABEL
from silson.errors import SilsonError
from silson.privacy import withdrawal
from silson.privacy.consent import Purpose
from silson.rules.catalogue import Catalogue, CatalogueError, load_catalogue
from silson.web import messages
from silson.web.deps import Services, actor_from_token

SEOUL = ZoneInfo("Asia/Seoul")
SESSION_COOKIE = "silson_session"
CSRF_COOKIE = "silson_csrf"
TEMPLATES = Path(__file__).resolve().parents[1] / "templates"

STATE_LABEL = {
    State.DRAFT: "작성 중", State.DOCUMENTS_REQUESTED: "서류 요청됨", State.DOCUMENTS_RECEIVED: "서류 받음",
    State.IN_REVIEW: "심사 중", State.READY: "청구 준비됨", State.SUBMITTED: "보험사 접수",
    State.ACKNOWLEDGED: "보험사 확인", State.PAID: "지급 완료", State.PARTLY_PAID: "일부 지급",
    State.REJECTED: "부지급", State.MORE_DOCUMENTS_REQUESTED: "추가 서류 요청", State.CLOSED: "종결",
    State.DELAY_NOTIFIED: "지급 지연 안내", State.PREPAID: "가지급 받음", State.DISPUTED: "이의 제기 중",
    State.CANCELLED: "취소",
}  # fmt: skip
PURPOSE_LABEL = {
    Purpose.DATA_IMPORT: ("자료 조회", "홈택스 의료비 내역과 보험 계약 목록을 가져와 받을 보험금을 계산합니다."),
    Purpose.DOCUMENT_ISSUANCE: (
        "서류 발급 위임",
        "실손24 또는 현장 대리인이 병원에서 영수증·세부내역서를 발급받습니다.",
    ),
    Purpose.TRANSMISSION: ("보험사 전송", "청구 서류를 보험사에 보냅니다."),
    Purpose.PERSONALISED: ("맞춤 안내", "청구 기한이 다가오면 알려 드립니다."),
}
EVENT_KIND_LABEL = {"outpatient": "외래", "inpatient": "입원", "prescription": "약국 처방조제"}
AMOUNT_LABEL = {
    "covered_copay": "급여 본인부담금", "covered_full": "전액본인부담", "noncovered": "비급여",
    "room_difference": "상급병실 차액", "nhis_paid": "공단부담금", "nhis_refundable": "상한제 환급 대상",
}  # fmt: skip


#: the audit trail's actions as the review centre reads them
AUDIT_LABEL = {
    "claim.opened": "청구 열림", "claim.open": "청구 열림", "claim.event_added": "진료 추가",
    "claim.event_corrected": "금액 정정", "claim.moved": "단계 변경", "claim.document_marked": "서류 확인 표시",
    "claim.released": "보험사로 보낼 묶음 만듦", "claim.package_failed": "보내기 실패",
    "claim.package_resent": "다시 보냄",
    "claim.reconciled": "지급 내역 대조", "claim.delay_notified": "지급 지연 안내 받음",
    "claim.recourse_drafted": "재청구·이의 초안", "claim.recourse_approved": "고객이 재청구·이의 승인",
    "claim.recourse_sent": "재청구·이의 보냄", "claim.recourse_failed": "재청구·이의 보내기 실패",
    "claim.recourse_answered": "재청구·이의 답변 받음", "claim.statement_pdf": "지급 내역서 읽음",
    "claim.statement_line_matched": "내역서 줄 연결", "claim.route_chosen": "서류 받는 길 정함",
    "claim.relay_recorded": "실손24 전송 기록", "person.read": "개인정보 열람",
}  # fmt: skip
DETAIL_LABEL = {"reason": "메모", "insurer": "보험사", "items": "항목 수", "event": "진료", "code": "서류",
                "package": "묶음", "error": "오류"}  # fmt: skip


def audit_text(action: str, detail: dict[str, Any] | None) -> str:
    """One audit entry in Korean: what happened and its particulars (states and amounts by name).

    >>> audit_text("claim.moved", {"from": "draft", "to": "in_review", "reason": "서류 확인 시작"})
    '단계 변경: 작성 중 → 심사 중 · 메모: 서류 확인 시작'
    >>> audit_text("claim.event_corrected", {"event": 4, "changed": {"noncovered": [180000, 80000]}, "reason": "영"})
    '금액 정정: 진료 #4 비급여 180,000원 → 80,000원 · 사유: 영'
    """
    detail = detail or {}
    head = AUDIT_LABEL.get(action, "기록")
    if action == "claim.moved" and "to" in detail:
        states = {s.value: label for s, label in STATE_LABEL.items()}
        said = f"{head}: {states.get(str(detail.get('from')), '-')} → {states.get(str(detail['to']), '-')}"
        return f"{said} · 메모: {detail['reason']}" if detail.get("reason") else said
    if action == "claim.event_corrected" and "changed" in detail:
        parts = [f"{AMOUNT_LABEL.get(f, f)} {won(a)} → {won(b)}" for f, (a, b) in detail["changed"].items()]
        said = f"{head}: 진료 #{detail.get('event')} " + ", ".join(parts)
        return f"{said} · 사유: {detail['reason']}" if detail.get("reason") else said
    if "sealed" in detail:
        return f"{head} (삭제된 회원의 기록)"
    parts = [f"{DETAIL_LABEL[k]}: {v}" for k, v in detail.items() if k in DETAIL_LABEL and v not in (None, "")]
    return " · ".join([head, *parts])


class SignInNeeded(Exception):
    """A page needs a signed-in person: answered with a redirect to the sign-in page."""

    def __init__(self, staff: bool = False) -> None:
        self.staff = staff


class CsrfRefused(SilsonError, PermissionError):
    code = "csrf"
    http_status = 403


def won(amount: int | None) -> str:
    return "-" if amount is None else f"{amount:,}원"


def kst(at: datetime | None, minutes: bool = True) -> str:
    """An instant as people in Korea read it (Asia/Seoul); SQLite hands instants back without their
    zone, and they were stored in UTC.

    >>> kst(datetime(2026, 11, 23, 15, 30, tzinfo=UTC))
    '2026-11-24 00:30'
    """
    if at is None:
        return "-"
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at
    return at.astimezone(SEOUL).strftime("%Y-%m-%d %H:%M" if minutes else "%Y-%m-%d")


@cache
def _catalogue() -> Catalogue:
    return load_catalogue()


def terms_label(rule_set_id: str) -> str:
    """A rule set as a customer knows it: the 실손 generation and the terms' date or product, never
    its id (`std-2015-09`).

    >>> terms_label("std-2015-09"), terms_label("gen1-life"), terms_label("x")
    ('2세대 실손 · 2015년 9월 표준약관', '1세대 실손 (표준화 이전)', '약관 확인 필요')
    >>> terms_label("Hi1701")
    '2세대 실손 · 현대해상 무배당실손의료비보장보험(갱신형)'
    """
    try:
        terms = _catalogue().get(rule_set_id)
    except CatalogueError:
        return "약관 확인 필요"
    if terms.kind == "product":
        name = re.sub(r"\s*\([A-Za-z0-9_-]+\)$", "", terms.title)
        return f"{terms.generation}세대 실손 · {terms.insurer or ''} {name}".replace("·  ", "· ")
    if terms.generation == 1:
        return "1세대 실손 (표준화 이전)"
    start = terms.contracts_from
    return f"{terms.generation}세대 실손 · {start.year}년 {start.month}월 표준약관"


env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]), auto_reload=False)
env.filters["won"] = won
env.filters["kst"] = kst
env.filters["terms"] = terms_label
env.globals["audit_text"] = audit_text
env.globals["COVERAGE_LABEL"] = COVERAGE_LABEL
env.filters["korean"] = lambda message: messages.for_customer(422, "invalid_input", str(message), None)[0]
env.globals["random_key"] = lambda: secrets.token_urlsafe(18)  # a form's idempotency key: unguessable
env.filters["plain_json"] = lambda value: json.dumps(value, ensure_ascii=False, sort_keys=True)
env.globals.update(STATE_LABEL=STATE_LABEL, PURPOSE_LABEL=PURPOSE_LABEL, KIND_LABEL=KIND_LABEL,
                   ROUTE_LABEL=ROUTE_LABEL, STATUS_LABEL=STATUS_LABEL, EVENT_KIND_LABEL=EVENT_KIND_LABEL,
                   AMOUNT_LABEL=AMOUNT_LABEL, Markup=Markup)  # fmt: skip


def csrf_token(request: Request) -> str:
    token = request.cookies.get(CSRF_COOKIE)
    if not token:
        token = getattr(request.state, "new_csrf", None) or secrets.token_urlsafe(24)
        request.state.new_csrf = token
    return token


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    csrf = csrf_token(request)
    error = context.get("error")
    if isinstance(error, str) and error and not messages.is_korean(error):  # a form's refusal, said in Korean
        context["error"], detail = messages.for_customer(status if status >= 400 else 422, "invalid_input", error, None)
        context.setdefault("error_detail", detail)
    html = env.get_template(template).render(request=request, csrf=csrf, me=getattr(request.state, "me", None),
                                             withdrawal_due=getattr(request.state, "withdrawal_due", None),
                                             large_text=getattr(request.state, "large_text", False),
                                             **context)  # fmt: skip
    response = HTMLResponse(html, status_code=status)
    if request.cookies.get(CSRF_COOKIE) != csrf:
        response.set_cookie(CSRF_COOKIE, csrf, httponly=True, samesite="strict", secure=request.url.scheme == "https")
    return response


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def set_session(response: RedirectResponse, request: Request, token: str) -> RedirectResponse:
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", secure=request.url.scheme == "https",
                        max_age=int(tokens.LIFETIME.total_seconds()))  # fmt: skip
    return response


async def check_csrf(request: Request) -> None:
    """Every state-changing page request: same-site origin, and the CSRF token of its cookie."""
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.url.netloc:
        raise CsrfRefused("this form was sent from another site")
    expected = request.cookies.get(CSRF_COOKIE)
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        form = await request.form()
        value = form.get("csrf")
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not hmac.compare_digest(expected, sent):
        raise CsrfRefused("the form has expired: reload the page and try again")


def page_actor(services: Services, request: Request, *, staff: bool = False) -> Actor:
    try:
        actor = actor_from_token(services, request.cookies.get(SESSION_COOKIE))
    except tokens.BadToken:
        raise SignInNeeded(staff) from None
    if staff and actor.role not in OFFICE:  # a field agent has their own pages (/agent)
        raise SignInNeeded(staff=True)
    if not staff and actor.role is not Role.CUSTOMER:
        raise SignInNeeded(staff=False)
    request.state.me = actor
    if actor.role is Role.CUSTOMER and actor.person_id is not None:
        with services.sessions.begin() as session:
            request.state.withdrawal_due = withdrawal.pending_due(session, actor.person_id)
            shown = session.get(DisplayPreferenceRow, actor.person_id)  # the large-text mode (silson.assist)
            request.state.large_text = bool(shown and shown.large_text)
    return actor


def role_actor(services: Services, request: Request, role: Role) -> Actor:
    """A signed-in staff member of exactly `role` (a field agent, the call center), else the staff
    sign-in page."""
    try:
        actor = actor_from_token(services, request.cookies.get(SESSION_COOKIE))
    except tokens.BadToken:
        raise SignInNeeded(staff=True) from None
    if actor.role is not role:
        raise SignInNeeded(staff=True)
    request.state.me = actor
    return actor


def now() -> datetime:
    return datetime.now(UTC)
