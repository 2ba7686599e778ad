"""The document pages over HTTP, as an attacker would try them: another person's claim and documents,
a family viewer, a missing CSRF token, a customer on the review center's console and image, a
hostile file; and the reviewer's way through (upload → read → correct → visit) with its headers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from silson.access import Actor, Role
from silson.auth import service as auth
from silson.claims import events
from silson.documentstore.models import DocumentFileRow
from silson.jobs import outbox
from silson.store.models import AuditRow, DocumentRow
from silson.web.app import create_app
from silson.web.deps import Services
from tests.documents.test_store import edoc, png, small_png
from tests.web.conftest import seeded_services

KIM, LEE = 1, 2  # the demo's people: 이서연 views 김민준's data (an accepted family invitation)
KIM_CLAIM = 2  # 김민준's claim waiting on documents


@pytest.fixture
def web(tmp_path: Path) -> Iterator[tuple[Services, Any]]:
    services = seeded_services(tmp_path)
    yield services, create_app(services, run_jobs=False)


def client(services: Services, app: Any, actor: Actor) -> TestClient:
    with services.sessions.begin() as s:
        token = auth.start(s, services.master, actor=actor, now=datetime.now(UTC))
    c = TestClient(app)
    c.cookies.set("silson_session", token)
    c.get("/")  # a page sets the CSRF cookie
    return c


def send(c: TestClient, claim: int, *files: tuple[str, bytes], csrf: bool = True) -> Any:
    data = {"csrf": c.cookies.get("silson_csrf") or ""} if csrf else {}
    parts = [("files", (name, content, "application/octet-stream")) for name, content in files]
    return c.post(f"/claims/{claim}/documents/upload", data=data, files=parts, follow_redirects=False)


def stored(services: Services) -> int:
    with services.sessions.begin() as s:
        return len(s.scalars(select(DocumentRow).where(DocumentRow.kind.like("upload:%"))).all())


def read_all(services: Services) -> None:
    outbox.sweep(services.sessions, lambda: datetime.now(UTC), context=outbox.JobContext(services.master))


class TestUploadPage:
    def test_several_files_at_once_and_the_page_shows_them_being_read(self, web: tuple[Services, Any]) -> None:
        services, app = web
        kim = client(services, app, Actor(Role.CUSTOMER, person_id=KIM))
        answer = send(kim, KIM_CLAIM, ("receipt.json", edoc()), ("scan.png", small_png()))
        assert answer.status_code == 303 and answer.headers["location"].endswith("uploaded=2&again=0#uploads")
        page = kim.get(answer.headers["location"]).text
        assert "2건을 올렸어요" in page and page.count("읽는 중") >= 2
        assert 'capture="environment"' in page and "multiple" in page
        read_all(services)
        fragment = kim.get(f"/claims/{KIM_CLAIM}/uploads").text
        assert "읽음 2건" in fragment and "hx-trigger" not in fragment  # nothing left to follow

    def test_without_the_csrf_token_nothing_is_stored(self, web: tuple[Services, Any]) -> None:
        services, app = web
        kim = client(services, app, Actor(Role.CUSTOMER, person_id=KIM))
        assert send(kim, KIM_CLAIM, ("receipt.json", edoc()), csrf=False).status_code == 403
        assert stored(services) == 0

    def test_another_persons_claim_and_a_family_viewer_are_refused(self, web: tuple[Services, Any]) -> None:
        services, app = web
        lee = client(services, app, Actor(Role.CUSTOMER, person_id=LEE))  # sees 김민준's estimate, not his claims
        answer = send(lee, KIM_CLAIM, ("receipt.json", edoc()))
        assert answer.status_code in (403, 404)
        assert stored(services) == 0

    def test_a_hostile_file_is_refused_with_a_korean_message_naming_it(self, web: tuple[Services, Any]) -> None:
        services, app = web
        kim = client(services, app, Actor(Role.CUSTOMER, person_id=KIM))
        answer = send(kim, KIM_CLAIM, ("ok.json", edoc()), ("huge.png", png(12_000, 9_000)))
        assert answer.status_code == 422
        message = re.search(r'id="upload-error">(.*?)</p>', answer.text)
        assert message is not None and message.group(1).startswith("huge.png: 사진이 너무 커요")
        assert stored(services) == 0


class TestConsole:
    def upload_and_read(self, services: Services, app: Any) -> int:
        kim = client(services, app, Actor(Role.CUSTOMER, person_id=KIM))
        send(kim, KIM_CLAIM, ("scan.png", small_png()), ("receipt.json", edoc(amounts__total=178690)))
        read_all(services)
        with services.sessions.begin() as s:
            rows = s.scalars(select(DocumentFileRow).order_by(DocumentFileRow.document_id)).all()
            return rows[-1].document_id

    def test_customers_never_reach_the_console_or_the_image(self, web: tuple[Services, Any]) -> None:
        services, app = web
        doc = self.upload_and_read(services, app)
        for who in (KIM, LEE):
            c = client(services, app, Actor(Role.CUSTOMER, person_id=who))
            for url in (f"/review/documents/{doc}", f"/review/documents/{doc - 1}/image"):
                answer = c.get(url, follow_redirects=False)
                assert answer.status_code == 303 and answer.headers["location"] == "/staff/sign-in"

    def test_the_reviewer_sees_the_image_under_the_csp_and_unknown_ids_are_404(self, web: tuple[Services, Any]) -> None:
        services, app = web
        doc = self.upload_and_read(services, app)
        rev = client(services, app, Actor(Role.REVIEWER, staff_id="rev"))
        image = rev.get(f"/review/documents/{doc - 1}/image")
        assert image.status_code == 200 and image.content == small_png()
        assert image.headers["content-type"] == "image/png" and image.headers["x-content-type-options"] == "nosniff"
        assert "default-src 'self'" in image.headers["content-security-policy"]
        assert image.headers["cache-control"] == "no-store"
        assert rev.get("/review/documents/999999").status_code == 404
        assert rev.get(f"/review/documents/{doc}/image").status_code == 404  # an e-document has no image
        page = rev.get(f"/review/documents/{doc}").text
        assert 'class="field-form doubt"' in page and "맞지 않는 계산" in page

    def test_the_person_looks_at_their_own_papers_again_and_nobody_else_can(self, web: tuple[Services, Any]) -> None:
        services, app = web
        doc = self.upload_and_read(services, app)
        kim = client(services, app, Actor(Role.CUSTOMER, person_id=KIM))
        listed = kim.get(f"/claims/{KIM_CLAIM}/uploads").text
        assert f'href="/claims/{KIM_CLAIM}/documents/{doc - 1}/image"' in listed  # the photo
        assert f"/documents/{doc}/image" not in listed  # an e-document has no image to show
        image = kim.get(f"/claims/{KIM_CLAIM}/documents/{doc - 1}/image")
        assert image.status_code == 200 and image.content == small_png()
        assert image.headers["cache-control"] == "no-store"
        with services.sessions.begin() as s:
            looks = s.scalars(select(AuditRow).where(AuditRow.action == "document.viewed")).all()
            assert [(a.actor, a.object_id) for a in looks] == [(f"customer:{KIM}", str(KIM_CLAIM))]
        lee = client(services, app, Actor(Role.CUSTOMER, person_id=LEE))  # a family viewer: spending, not papers
        assert "/image" not in lee.get(f"/claims/{KIM_CLAIM}/uploads").text
        for c, url in ((lee, f"/claims/{KIM_CLAIM}/documents/{doc - 1}/image"),
                       (kim, f"/claims/{KIM_CLAIM + 1}/documents/{doc - 1}/image"),  # another claim's id
                       (kim, f"/claims/{KIM_CLAIM}/documents/{doc}/image"),  # the e-document
                       (kim, f"/claims/{KIM_CLAIM}/documents/999999/image")):  # fmt: skip
            assert c.get(url).status_code == 404, url

    def test_the_review_queue_flags_a_claim_whose_uploads_wait_for_a_look(self, web: tuple[Services, Any]) -> None:
        services, app = web
        rev = client(services, app, Actor(Role.REVIEWER, staff_id="rev"))
        flag = f'href="/review/claims/{KIM_CLAIM}/documents#uploads">서류 확인'
        assert flag not in rev.get("/review").text  # nothing uploaded yet
        kim = client(services, app, Actor(Role.CUSTOMER, person_id=KIM))
        send(kim, KIM_CLAIM, ("receipt.json", edoc(amounts__total=178690)))  # its sum does not add up: a doubt
        assert flag not in rev.get("/review").text  # still being read: nothing to look at yet
        read_all(services)
        assert f"{flag} 1건</a>" in rev.get("/review").text
        bearer = {"Authorization": f"Bearer {rev.cookies.get('silson_session')}"}
        (entry,) = [e for e in rev.get("/api/review/queue", headers=bearer).json() if e["claim_id"] == KIM_CLAIM]
        assert entry["documents_waiting"] == 1

    def test_a_correction_needs_the_csrf_token_and_a_reason_then_changes_the_visit(
        self, web: tuple[Services, Any]
    ) -> None:
        services, app = web
        doc = self.upload_and_read(services, app)
        rev = client(services, app, Actor(Role.REVIEWER, staff_id="rev"))
        url = f"/review/documents/{doc}/fields"
        form = {"field": "amounts.total", "action": "correct", "value": "178,680", "reason": ""}
        assert rev.post(url, data=form, follow_redirects=False).status_code == 403
        csrf = rev.cookies.get("silson_csrf") or ""
        refused = rev.post(url, data={**form, "csrf": csrf}, follow_redirects=False)
        assert refused.status_code == 422 and "고친 이유를 적어 주세요" in refused.text
        done = rev.post(url, data={**form, "csrf": csrf, "reason": "항목 합계"}, follow_redirects=False)
        assert done.status_code == 303
        with services.sessions.begin() as s:
            before = len(events.of_claim(s, services.master, Actor(Role.REVIEWER, staff_id="t"), KIM_CLAIM))
        attach = {"csrf": csrf, "visit": "new", "cause": "disease"}
        assert rev.post(f"/review/documents/{doc}/attach", data=attach, follow_redirects=False).status_code == 303
        with services.sessions.begin() as s:
            visits = events.of_claim(s, services.master, Actor(Role.REVIEWER, staff_id="t"), KIM_CLAIM)
        assert len(visits) == before + 1 and visits[-1].data["noncovered"] == 110_000
        assert "진료 e" in rev.get(f"/review/documents/{doc}").text
        claim_page = rev.get(f"/review/claims/{KIM_CLAIM}").text  # the claim's page lists its uploads to review
        assert f'href="/review/documents/{doc}"' in claim_page and "upload:" not in claim_page


class TestStaffUpload:
    def test_the_review_center_files_a_scan_and_a_customer_cannot_use_its_route(
        self, web: tuple[Services, Any]
    ) -> None:
        services, app = web
        rev = client(services, app, Actor(Role.REVIEWER, staff_id="rev"))
        url = f"/review/claims/{KIM_CLAIM}/uploads"
        parts = [("files", ("fax.png", small_png(), "image/png"))]
        answer = rev.post(url, data={"csrf": rev.cookies.get("silson_csrf") or ""}, files=parts, follow_redirects=False)
        assert answer.status_code == 303, re.findall(r"role=\"alert\"[^>]*>(.*?)</p>", answer.text)
        assert answer.headers["location"].startswith(f"/review/claims/{KIM_CLAIM}/docu")
        assert "검토하기" in rev.get(answer.headers["location"]).text
        kim = client(services, app, Actor(Role.CUSTOMER, person_id=KIM))
        refused = kim.post(
            url, data={"csrf": kim.cookies.get("silson_csrf") or ""}, files=parts, follow_redirects=False
        )
        assert refused.status_code == 303 and refused.headers["location"] == "/staff/sign-in"
        with services.sessions.begin() as s:
            (row,) = s.scalars(select(DocumentFileRow)).all()
        assert row.uploaded_by == "reviewer:rev" and stored(services) == 1
